/* netlens-dpi-tls.c: TLS records, ClientHello and ServerHello (also for QUIC CRYPTO)
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "netlens-dpi"

#include "config.h"

#include <string.h>

#include "netlens-dpi-private.h"

#define EXT_SERVER_NAME           0x0000
#define EXT_ALPN                  0x0010
#define EXT_SUPPORTED_VERSIONS    0x002b
#define EXT_QUIC_TRANSPORT_PARAMS 0x0039
#define EXT_QUIC_TP_DRAFT         0xffa5
#define EXT_ECH                   0xfe0d

/* RFC 8446 section 4.1.3: the random of a HelloRetryRequest. */
static const guint8 hrr_random[32] = {
  0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
  0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

/* A bounds-checked reader. */
typedef struct
{
  const guint8 *p;
  gsize         len;
  gsize         pos;
  gboolean      bad;
} Reader;

static void
reader_init (Reader *r, const guint8 *p, gsize len)
{
  r->p = p;
  r->len = len;
  r->pos = 0;
  r->bad = FALSE;
}

static guint
read_n (Reader *r, guint n)
{
  guint v = 0;

  if (r->bad || r->len - r->pos < n)
    {
      r->bad = TRUE;
      return 0;
    }
  for (guint i = 0; i < n; i++)
    v = (v << 8) | r->p[r->pos++];
  return v;
}

/* A sub-reader over the next N bytes (skipped in R). */
static Reader
read_sub (Reader *r, gsize n)
{
  Reader sub;

  if (r->bad || r->len - r->pos < n)
    {
      r->bad = TRUE;
      reader_init (&sub, NULL, 0);
      sub.bad = TRUE;
      return sub;
    }
  reader_init (&sub, r->p + r->pos, n);
  r->pos += n;
  return sub;
}

static gboolean
is_hostname_text (const guint8 *p, gsize len)
{
  if (len == 0 || len > 255)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (p[i] < 0x21 || p[i] > 0x7e)
      return FALSE;
  return TRUE;
}

static void
parse_alpn_list (Reader r, GPtrArray **list)
{
  Reader names = read_sub (&r, read_n (&r, 2));

  while (!names.bad && names.pos < names.len)
    {
      guint n = read_n (&names, 1);
      Reader proto = read_sub (&names, n);

      if (proto.bad)
        break;
      if (n > 0 && is_hostname_text (proto.p, n))
        _netlens_strlist_add_unique (list, (const char *) proto.p, n);
    }
}

gint64
_netlens_quic_parse_transport_params (const guint8 *data,
                                      gsize         len)
{
  gsize pos = 0;

  while (pos < len)
    {
      guint64 id = 0, plen = 0;
      gsize n;

      /* RFC 9000 section 16: variable-length integers. */
      for (int field = 0; field < 2; field++)
        {
          guint64 v;

          if (pos >= len)
            return -1;
          n = (gsize) 1 << (data[pos] >> 6);
          if (len - pos < n)
            return -1;
          v = data[pos] & 0x3f;
          for (gsize i = 1; i < n; i++)
            v = (v << 8) | data[pos + i];
          pos += n;
          if (field == 0)
            id = v;
          else
            plen = v;
        }
      if (len - pos < plen)
        return -1;
      if (id == 0x01)  /* max_idle_timeout, milliseconds */
        {
          guint64 v;

          if (plen == 0)
            return -1;
          n = (gsize) 1 << (data[pos] >> 6);
          if (n != plen)
            return -1;
          v = data[pos] & 0x3f;
          for (gsize i = 1; i < n; i++)
            v = (v << 8) | data[pos + i];
          return (gint64) MIN (v, (guint64) G_MAXINT64);
        }
      pos += plen;
    }
  return -1;
}

gboolean
_netlens_tls_parse_client_hello (NetlensTlsInfo *info,
                                 const guint8   *body,
                                 gsize           len)
{
  Reader r, exts;
  guint legacy;

  reader_init (&r, body, len);
  legacy = read_n (&r, 2);
  read_sub (&r, 32);                  /* random */
  read_sub (&r, read_n (&r, 1));      /* session id */
  read_sub (&r, read_n (&r, 2));      /* cipher suites */
  read_sub (&r, read_n (&r, 1));      /* compression methods */
  if (r.bad)
    return FALSE;

  info->client_hellos++;
  {
    g_autofree char *v = _netlens_hex16 (legacy);
    _netlens_strlist_add_unique (&info->legacy_versions, v, -1);
  }
  if (r.pos == r.len)
    return TRUE;  /* no extensions (SSL 3 style) */

  exts = read_sub (&r, read_n (&r, 2));
  while (!exts.bad && exts.pos < exts.len)
    {
      guint type = read_n (&exts, 2);
      Reader ext = read_sub (&exts, read_n (&exts, 2));

      if (ext.bad)
        break;
      switch (type)
        {
        case EXT_SERVER_NAME:
          {
            Reader list = read_sub (&ext, read_n (&ext, 2));

            while (!list.bad && list.pos < list.len)
              {
                guint name_type = read_n (&list, 1);
                guint n = read_n (&list, 2);
                Reader name = read_sub (&list, n);

                if (name.bad)
                  break;
                if (name_type == 0 && is_hostname_text (name.p, n))
                  _netlens_strlist_add_unique (&info->sni, (const char *) name.p, n);
              }
          }
          break;

        case EXT_ALPN:
          parse_alpn_list (ext, &info->alpn);
          break;

        case EXT_SUPPORTED_VERSIONS:
          {
            Reader list = read_sub (&ext, read_n (&ext, 1));

            while (!list.bad && list.len - list.pos >= 2)
              {
                guint v = read_n (&list, 2);
                g_autofree char *text = _netlens_hex16 (v);

                if (v == 0x0304)
                  info->tls13_offered = TRUE;
                _netlens_strlist_add_unique (&info->supported_versions, text, -1);
              }
          }
          break;

        case EXT_ECH:
          info->ech = TRUE;
          break;

        case EXT_QUIC_TRANSPORT_PARAMS:
        case EXT_QUIC_TP_DRAFT:
          {
            gint64 idle = _netlens_quic_parse_transport_params (ext.p, ext.len);

            if (idle >= 0)
              info->quic_max_idle_timeout_ms = idle;
          }
          break;

        default:
          break;
        }
    }
  return TRUE;
}

gboolean
_netlens_tls_parse_server_hello (NetlensTlsInfo *info,
                                 const guint8   *body,
                                 gsize           len)
{
  Reader r, exts;
  guint legacy, cipher, version;
  gboolean hrr;

  reader_init (&r, body, len);
  legacy = read_n (&r, 2);
  if (r.bad || len < 34)
    return FALSE;
  hrr = memcmp (body + 2, hrr_random, 32) == 0;
  read_sub (&r, 32);
  read_sub (&r, read_n (&r, 1));
  cipher = read_n (&r, 2);
  read_n (&r, 1);
  if (r.bad)
    return FALSE;

  version = legacy;
  if (r.pos < r.len)
    {
      exts = read_sub (&r, read_n (&r, 2));
      while (!exts.bad && exts.pos < exts.len)
        {
          guint type = read_n (&exts, 2);
          Reader ext = read_sub (&exts, read_n (&exts, 2));

          if (ext.bad)
            break;
          if (type == EXT_SUPPORTED_VERSIONS && ext.len == 2)
            version = read_n (&ext, 2);
          else if (type == EXT_ALPN && !hrr)
            parse_alpn_list (ext, &info->alpn_selected);
        }
    }

  if (hrr)
    {
      info->hello_retry = TRUE;
      return TRUE;
    }
  info->server_hellos++;
  info->version = version;
  info->cipher_suite = cipher;
  info->has_cipher_suite = TRUE;
  {
    g_autofree char *text = _netlens_hex16 (version);
    _netlens_strlist_add_unique (&info->server_versions, text, -1);
  }
  return TRUE;
}

gsize
_netlens_tls_feed_handshake (NetlensTlsInfo *info,
                             gboolean        from_client,
                             const guint8   *data,
                             gsize           len,
                             gboolean       *done)
{
  gsize pos = 0;

  *done = FALSE;
  while (len - pos >= 4)
    {
      guint8 type = data[pos];
      gsize mlen = ((gsize) data[pos + 1] << 16) | ((gsize) data[pos + 2] << 8) | data[pos + 3];

      if (mlen > NETLENS_TLS_HANDSHAKE_CAP - 4)
        {
          /* Larger than we keep (a certificate chain): nothing we need is in it. */
          *done = TRUE;
          return pos;
        }
      if (len - pos - 4 < mlen)
        break;
      if (from_client && type == 1)
        _netlens_tls_parse_client_hello (info, data + pos + 4, mlen);
      else if (!from_client && type == 2)
        {
          _netlens_tls_parse_server_hello (info, data + pos + 4, mlen);
          pos += 4 + mlen;
          /* Everything the server says after a real ServerHello is either encrypted
           * (TLS 1.3) or not needed (certificates, key exchange).  After a
           * HelloRetryRequest the real ServerHello is still to come. */
          if (info->server_hellos > 0)
            {
              *done = TRUE;
              return pos;
            }
          continue;
        }
      else if (!from_client && type != 2)
        {
          *done = TRUE;
          return pos + 4 + mlen;
        }
      pos += 4 + mlen;
    }
  return pos;
}

gboolean
_netlens_tls_is_record_start (const guint8 *data,
                              gsize         len)
{
  /* Handshake record, version 3.x (SSL 3.0 .. TLS 1.3 legacy record versions). */
  if (len < 1 || data[0] != 22)
    return FALSE;
  if (len >= 2 && data[1] != 3)
    return FALSE;
  if (len >= 3 && data[2] > 4)
    return FALSE;
  if (len >= 6 && data[5] != 1 && data[5] != 2)
    return FALSE;  /* the first handshake message is a ClientHello or ServerHello */
  return TRUE;
}

gsize
_netlens_tls_feed_records (NetlensTlsInfo *info,
                           NetlensTlsDir  *dir,
                           gboolean        from_client,
                           const guint8   *data,
                           gsize           len)
{
  gsize pos = 0;

  while (!dir->done && len - pos >= 5)
    {
      guint8 type = data[pos];
      gsize rlen = ((gsize) data[pos + 3] << 8) | data[pos + 4];

      if (type < 20 || type > 24 || data[pos + 1] != 3 || rlen > 16384 + 2048)
        {
          dir->error = dir->done = TRUE;
          break;
        }
      if (len - pos - 5 < rlen)
        break;

      if (type == 22)
        {
          gboolean hs_done = FALSE;
          gsize used;

          if (dir->hs == NULL)
            dir->hs = g_byte_array_new ();
          if (dir->hs->len + rlen > NETLENS_TLS_HANDSHAKE_CAP)
            {
              dir->done = TRUE;
              break;
            }
          g_byte_array_append (dir->hs, data + pos + 5, rlen);
          used = _netlens_tls_feed_handshake (info, from_client, dir->hs->data, dir->hs->len,
                                              &hs_done);
          g_byte_array_remove_range (dir->hs, 0, used);
          if (hs_done)
            dir->done = TRUE;
        }
      else if (type == 23)
        {
          /* Application data: encrypted from here on. */
          dir->done = TRUE;
        }
      else if (type == 20)
        {
          /* ChangeCipherSpec: below TLS 1.3 what follows is encrypted.  TLS 1.3 sends it
           * for middlebox compatibility, and a second ClientHello may follow it. */
          if (!info->tls13_offered || (info->version != 0 && info->version < 0x0304))
            dir->done = TRUE;
        }
      pos += 5 + rlen;
    }
  if (dir->done)
    g_clear_pointer (&dir->hs, g_byte_array_unref);
  return pos;
}

NetlensTlsInfo *
_netlens_tls_info_new (void)
{
  NetlensTlsInfo *info = g_new0 (NetlensTlsInfo, 1);

  info->quic_max_idle_timeout_ms = -1;
  return info;
}

void
_netlens_tls_info_free (NetlensTlsInfo *info)
{
  if (info == NULL)
    return;
  g_clear_pointer (&info->sni, g_ptr_array_unref);
  g_clear_pointer (&info->alpn, g_ptr_array_unref);
  g_clear_pointer (&info->legacy_versions, g_ptr_array_unref);
  g_clear_pointer (&info->supported_versions, g_ptr_array_unref);
  g_clear_pointer (&info->server_versions, g_ptr_array_unref);
  g_clear_pointer (&info->alpn_selected, g_ptr_array_unref);
  g_free (info);
}

NetlensTlsInfo *
_netlens_tls_info_copy (const NetlensTlsInfo *info)
{
  NetlensTlsInfo *copy;

  if (info == NULL)
    return NULL;
  copy = g_memdup2 (info, sizeof *info);
  copy->sni = _netlens_strlist_copy (info->sni);
  copy->alpn = _netlens_strlist_copy (info->alpn);
  copy->legacy_versions = _netlens_strlist_copy (info->legacy_versions);
  copy->supported_versions = _netlens_strlist_copy (info->supported_versions);
  copy->server_versions = _netlens_strlist_copy (info->server_versions);
  copy->alpn_selected = _netlens_strlist_copy (info->alpn_selected);
  return copy;
}
