/* fuzz-history-row.c: one history row's stored fields (schema 4's blob)
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Input: the blob, as a damaged file or another program could leave it.  Decoding must
 * either succeed, and then encode back to a blob that decodes to the same export object,
 * or fail with an error; never read past the end, never leak.
 */

#define G_LOG_DOMAIN "netlens-fuzz"

#include "config.h"

#include <string.h>

#include "netlens-export.h"
#include "netlens-fuzz.h"
#include "netlens-history.h"
#include "netlens-history-row.h"

static NetlensConnection *
decode (const guint8  *data,
        gsize          size,
        GError       **error)
{
  NetlensConnection *conn = g_new0 (NetlensConnection, 1);

  conn->id = 7;
  conn->generation = 1;
  conn->first_seen = G_GINT64_CONSTANT (1700000000000000);
  conn->last_seen = conn->first_seen + 5000000;
  conn->tx_bytes = 100;
  conn->rx_bytes = 200;
  if (!netlens_history_row_decode (data, size, conn, error))
    {
      g_assert (error == NULL || *error != NULL);
      g_assert (error == NULL || (*error)->domain == NETLENS_HISTORY_ERROR);
    }
  return conn;
}

int
netlens_fuzz_history_row (const guint8 *data,
                          gsize         size)
{
  g_autoptr(GError) error = NULL;
  NetlensConnection *conn;

  netlens_fuzz_init ();
  conn = decode (data, size, &error);
  if (error == NULL)
    {
      g_autoptr(GByteArray) blob = g_byte_array_new ();
      g_autoptr(GString) json = g_string_new (NULL);
      g_autoptr(GString) json_again = g_string_new (NULL);
      g_autoptr(GError) error_again = NULL;
      NetlensConnection *again;

      netlens_connection_write_json (conn, json);
      netlens_history_row_encode (conn, blob);
      again = decode (blob->data, blob->len, &error_again);
      if (error_again != NULL)
        g_error ("a decoded row does not decode again: %s", error_again->message);
      netlens_connection_write_json (again, json_again);
      if (strcmp (json->str, json_again->str) != 0)
        g_error ("a row changes when written again:\n%s\n%s", json->str, json_again->str);
      netlens_connection_free (again);
    }
  else
    {
      /* what was read before the damage can still be shown */
      g_autoptr(GString) json = g_string_new (NULL);
      netlens_connection_write_json (conn, json);
    }
  netlens_connection_free (conn);
  return 0;
}

NETLENS_FUZZ_TARGET (netlens_fuzz_history_row)
