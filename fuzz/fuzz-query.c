/* fuzz-query.c: the filter bar's query parser, its canonical form and the matcher
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Input: the text typed into the filter bar.  A query that parses must print a canonical
 * form that parses to the same canonical form and matches the same rows; an error must
 * name a span inside the text.
 */

#define G_LOG_DOMAIN "netlens-fuzz"

#include "config.h"

#include <string.h>

#include "netlens-fuzz.h"
#include "netlens-query.h"

static NetlensConnection *
sample_row (guint i)
{
  NetlensConnection *conn = g_new0 (NetlensConnection, 1);

  conn->key.proto = i % 3 == 0 ? NETLENS_PROTO_TCP : i % 3 == 1 ? NETLENS_PROTO_UDP
                                                                : NETLENS_PROTO_ICMP;
  conn->key.family = i % 2 ? NETLENS_FAMILY_IPV6 : NETLENS_FAMILY_IPV4;
  conn->key.lport = 40000 + i;
  conn->key.rport = i == 0 ? 443 : i == 1 ? 53 : 22;
  conn->key.laddr.bytes[0] = 10;
  conn->key.laddr.bytes[3] = (guint8) i;
  conn->key.raddr.bytes[0] = 192;
  conn->key.raddr.bytes[15] = 1;
  conn->state = i == 1 ? NETLENS_STATE_UDP_ACTIVE : NETLENS_STATE_ESTABLISHED;
  conn->app_state = i == 1 ? NETLENS_APP_STATE_DNS_RESPONSE : NETLENS_APP_STATE_NONE;
  conn->app = i == 0 ? NETLENS_APP_TLS : i == 1 ? NETLENS_APP_DNS : NETLENS_APP_SSH;
  conn->tx_bytes = 1000 * i;
  conn->dns_name = g_ref_string_new_intern (i == 0 ? "www.example.org" : "Ünïcode.example");
  if (i == 2)
    {
      conn->process = netlens_owner_new ();
      conn->process->pid = 4242;
      conn->process->name = g_strdup ("firefox-esr");
      conn->process->user = g_strdup ("alice");
    }
  return conn;
}

int
netlens_fuzz_query (const guint8 *data,
                    gsize         size)
{
  static NetlensConnection *rows[3];
  g_autofree char *text = NULL;
  g_autoptr(NetlensQuery) query = NULL;
  g_autoptr(NetlensQuery) again = NULL;
  g_autoptr(GError) error = NULL;
  int start = 0, end = 0;

  if (size > 2048)
    return 0;
  if (rows[0] == NULL)
    for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
      rows[i] = sample_row (i);

  text = g_strndup ((const char *) data, size);  /* stops at an embedded NUL, as GTK would */
  if (!netlens_query_parse_full (text, &query, &start, &end, &error))
    {
      g_assert_nonnull (error);
      g_assert_null (query);
      g_assert_cmpint (start, >=, 0);
      g_assert_cmpint (start, <=, end);
      g_assert_cmpint (end, <=, (int) strlen (text));
      return 0;
    }
  g_assert_nonnull (query);
  {
    const char *canonical = netlens_query_to_string (query);
    g_autoptr(GError) error2 = NULL;

    again = netlens_query_parse (canonical, &error2);
    if (again == NULL)
      g_error ("canonical form \"%s\" of \"%s\" does not parse: %s", canonical, text,
               error2->message);
    g_assert_cmpstr (netlens_query_to_string (again), ==, canonical);
    for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
      g_assert_cmpint (netlens_query_match (query, rows[i]), ==,
                       netlens_query_match (again, rows[i]));
    (void) netlens_query_relation (query, again);
    (void) netlens_query_is_match_all (query);
  }
  return 0;
}

NETLENS_FUZZ_TARGET (netlens_fuzz_query)
