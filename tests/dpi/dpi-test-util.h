/* dpi-test-util.h: helpers shared by the DPI unit tests (hex, hand-built messages)
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>
#include <string.h>

#include "netlens-dpi-private.h"

static inline GByteArray *
hex_bytes (const char *hex)
{
  GByteArray *out = g_byte_array_new ();

  for (const char *p = hex; p[0] != '\0';)
    {
      guint8 b;

      if (!g_ascii_isxdigit (p[0]))
        {
          p++;
          continue;
        }
      g_assert_true (g_ascii_isxdigit (p[1]));
      b = (g_ascii_xdigit_value (p[0]) << 4) | g_ascii_xdigit_value (p[1]);
      g_byte_array_append (out, &b, 1);
      p += 2;
    }
  return out;
}

static inline void
put16 (GByteArray *a, guint v)
{
  guint8 b[2] = { v >> 8, v };
  g_byte_array_append (a, b, 2);
}

static inline void
put8 (GByteArray *a, guint v)
{
  guint8 b = v;
  g_byte_array_append (a, &b, 1);
}

static inline void
put24 (GByteArray *a, guint v)
{
  guint8 b[3] = { v >> 16, v >> 8, v };
  g_byte_array_append (a, b, 3);
}

static inline void
put_ext (GByteArray *a, guint type, const GByteArray *body)
{
  put16 (a, type);
  put16 (a, body->len);
  g_byte_array_append (a, body->data, body->len);
}

/* A ClientHello handshake message (type, length, body) with SNI, ALPN, TLS 1.3 offered and,
 * when IDLE_MS >= 0, QUIC transport parameters carrying max_idle_timeout.  PAD adds a
 * padding extension of that size (to make it big, like a post-quantum key share). */
static inline GByteArray *
build_client_hello (const char *sni, const char *const *alpn, gint64 idle_ms, guint pad)
{
  g_autoptr(GByteArray) body = g_byte_array_new ();
  g_autoptr(GByteArray) exts = g_byte_array_new ();
  GByteArray *msg = g_byte_array_new ();
  guint8 random[32] = { 0, };

  put16 (body, 0x0303);
  g_byte_array_append (body, random, 32);
  put8 (body, 0);
  put16 (body, 2);
  put16 (body, 0x1301);
  put8 (body, 1);
  put8 (body, 0);

  if (sni != NULL)
    {
      g_autoptr(GByteArray) e = g_byte_array_new ();

      put16 (e, strlen (sni) + 3);
      put8 (e, 0);
      put16 (e, strlen (sni));
      g_byte_array_append (e, (const guint8 *) sni, strlen (sni));
      put_ext (exts, 0x0000, e);
    }
  if (alpn != NULL)
    {
      g_autoptr(GByteArray) list = g_byte_array_new ();
      g_autoptr(GByteArray) e = g_byte_array_new ();

      for (guint i = 0; alpn[i] != NULL; i++)
        {
          put8 (list, strlen (alpn[i]));
          g_byte_array_append (list, (const guint8 *) alpn[i], strlen (alpn[i]));
        }
      put16 (e, list->len);
      g_byte_array_append (e, list->data, list->len);
      put_ext (exts, 0x0010, e);
    }
  {
    g_autoptr(GByteArray) e = g_byte_array_new ();

    put8 (e, 4);
    put16 (e, 0x0304);
    put16 (e, 0x0303);
    put_ext (exts, 0x002b, e);
  }
  if (idle_ms >= 0)
    {
      g_autoptr(GByteArray) e = g_byte_array_new ();

      /* initial_max_data (0x04) = 1, then max_idle_timeout (0x01) as a 4-byte varint */
      put8 (e, 0x04);
      put8 (e, 1);
      put8 (e, 1);
      put8 (e, 0x01);
      put8 (e, 4);
      put8 (e, 0x80 | ((idle_ms >> 24) & 0x3f));
      put24 (e, idle_ms & 0xffffff);
      put_ext (exts, 0x0039, e);
    }
  if (pad > 0)
    {
      g_autoptr(GByteArray) e = g_byte_array_new ();

      g_byte_array_set_size (e, pad);
      memset (e->data, 0, pad);
      put_ext (exts, 0x0015, e);
    }
  put16 (body, exts->len);
  g_byte_array_append (body, exts->data, exts->len);

  put8 (msg, 1);
  put24 (msg, body->len);
  g_byte_array_append (msg, body->data, body->len);
  return msg;
}
