/* fuzz-dpi-binary.c: the binary form of the DPI results (the history store's rows)
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Input: bytes given to netlens_dpi_from_binary() as they are; the last byte's bit 1 chooses
 * a connection (else none), its bit 0 that connection's app (mDNS, else QUIC).  What it
 * accepts must be a record whose binary form reads back to the same JSON and writes the same
 * bytes again (the writer's output is a fixed point), and whose JSON reads back through
 * netlens_dpi_from_json() to the same JSON; what it refuses must come with an error.
 */

#define G_LOG_DOMAIN "netlens-fuzz"

#include "config.h"

#include <string.h>

#include "netlens-dpi-private.h"
#include "netlens-fuzz.h"

int
netlens_fuzz_dpi_binary (const guint8 *data,
                         gsize         size)
{
  NetlensConnection conn;
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *copy = NULL;
  g_autoptr(GString) json = NULL;
  g_autoptr(GString) json2 = NULL;
  g_autoptr(GString) json3 = NULL;
  g_autoptr(GByteArray) binary = NULL;
  g_autoptr(GByteArray) binary2 = NULL;
  NetlensDpi *dpi, *again, *from_json;

  if (size > 65536)
    return 0;
  memset (&conn, 0, sizeof conn);
  conn.app = size > 0 && (data[size - 1] & 1) ? NETLENS_APP_MDNS : NETLENS_APP_QUIC;
  conn.key.lport = 5353;
  conn.key.rport = 443;
  /* a copy of exactly SIZE bytes: a read past the end is caught */
  copy = g_memdup2 (data, MAX (size, 1));
  dpi = netlens_dpi_from_binary (copy, size, size > 0 && (data[size - 1] & 2) ? &conn : NULL,
                                 &error);
  if (dpi == NULL)
    {
      g_assert_nonnull (error);
      g_assert_true (error->domain == NETLENS_DPI_BINARY_ERROR);
      return 0;
    }
  g_assert_no_error (error);

  json = g_string_new (NULL);
  netlens_dpi_write_json (dpi, json);
  binary = g_byte_array_new ();
  netlens_dpi_write_binary (dpi, binary);

  again = netlens_dpi_from_binary (binary->data, binary->len, NULL, &error);
  g_assert_no_error (error);
  json2 = g_string_new (NULL);
  netlens_dpi_write_json (again, json2);
  g_assert_cmpstr (json2->str, ==, json->str);
  binary2 = g_byte_array_new ();
  netlens_dpi_write_binary (again, binary2);
  g_assert_cmpmem (binary2->data, binary2->len, binary->data, binary->len);

  from_json = netlens_dpi_from_json (json->str, NULL, &error);
  g_assert_no_error (error);
  json3 = g_string_new (NULL);
  netlens_dpi_write_json (from_json, json3);
  g_assert_cmpstr (json3->str, ==, json->str);

  netlens_dpi_free (from_json);
  netlens_dpi_free (again);
  netlens_dpi_free (dpi);
  return 0;
}

NETLENS_FUZZ_TARGET (netlens_fuzz_dpi_binary)
