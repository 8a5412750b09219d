/* test-groups.c: per-process and per-host groups, on made-up rows and on the corpus
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "netlens-test-groups"

#include "config.h"

#include <string.h>
#include <arpa/inet.h>
#include <glib.h>

#include "netlens-groups.h"
#include "netlens-file-source.h"
#include "netlens-query.h"
#include "netlens-test-corpus.h"

/* ------------------------------------------------------------------ made-up rows */

static NetlensConnection *
make_conn (guint32       id,
           const char   *remote,
           NetlensOwner *owner)
{
  NetlensConnection *conn = g_new0 (NetlensConnection, 1);

  conn->id = id;
  conn->key.proto = NETLENS_PROTO_TCP;
  conn->key.family = NETLENS_FAMILY_IPV4;
  g_assert_cmpint (inet_pton (AF_INET, "192.168.1.10", conn->key.laddr.bytes), ==, 1);
  g_assert_cmpint (inet_pton (AF_INET, remote, conn->key.raddr.bytes), ==, 1);
  conn->key.lport = 40000 + id;
  conn->key.rport = 443;
  conn->state = NETLENS_STATE_ESTABLISHED;
  conn->first_seen = 1000000 * (gint64) id;
  conn->last_seen = conn->first_seen;
  conn->process = owner != NULL ? netlens_owner_ref (owner) : NULL;
  return conn;
}

static NetlensOwner *
make_owner (guint32     pid,
            const char *name,
            const char *exe,
            const char *app_id)
{
  NetlensOwner *owner = netlens_owner_new ();

  owner->pid = pid;
  owner->name = g_strdup (name);
  owner->exe = g_strdup (exe);
  owner->app_id = g_strdup (app_id);
  return owner;
}

static void
test_processes_and_hosts (void)
{
  g_autoptr(NetlensGroups) groups = netlens_groups_new ();
  g_autoptr(NetlensOwner) web = make_owner (100, "epiphany", "/usr/bin/epiphany", "org.gnome.Epiphany");
  g_autoptr(NetlensOwner) web2 = make_owner (101, "WebKitNetworkP", "/usr/lib/webkit", "org.gnome.Epiphany");
  g_autoptr(NetlensOwner) curl = make_owner (200, "curl", "/usr/bin/curl", NULL);
  g_autoptr(NetlensOwner) bare = make_owner (300, "ntpd", NULL, NULL);
  g_autoptr(NetlensConnection) a = make_conn (1, "81.2.3.4", web);
  g_autoptr(NetlensConnection) b = make_conn (2, "81.2.3.5", web2);
  g_autoptr(NetlensConnection) c = make_conn (3, "81.2.3.4", curl);
  g_autoptr(NetlensConnection) d = make_conn (4, "8.8.8.8", bare);
  g_autoptr(NetlensConnection) e = make_conn (5, "8.8.4.4", NULL);
  const NetlensGroup *g;
  guint64 rx, tx;
  double rx_rate, tx_rate;

  a->rx_bytes = 1000; a->tx_bytes = 100; a->rx_packets = 2; a->tx_packets = 1;
  b->rx_bytes = 500;  b->tx_bytes = 50;
  c->rx_bytes = 7;    c->tx_bytes = 3;
  d->rx_bytes = 76;   d->tx_bytes = 76;
  e->rx_bytes = 1;
  netlens_groups_update (groups, a);
  netlens_groups_update (groups, b);
  netlens_groups_update (groups, c);
  netlens_groups_update (groups, d);
  netlens_groups_update (groups, e);

  /* two processes of one desktop application are one program */
  g = netlens_groups_lookup (groups, NETLENS_GROUP_PROCESS, "app:org.gnome.Epiphany");
  g_assert_nonnull (g);
  g_assert_cmpstr (g->label, ==, "org.gnome.Epiphany");
  g_assert_cmpuint (g->n_connections, ==, 2);
  g_assert_cmpuint (g->n_open, ==, 2);
  g_assert_cmpuint (g->rx_bytes, ==, 1500);
  g_assert_cmpuint (g->tx_bytes, ==, 150);
  g_assert_cmpuint (g->n_peers, ==, 2);  /* 81.2.3.4 and 81.2.3.5 */
  g_assert_cmpint (g->first_seen, ==, 1000000);
  g_assert_cmpstr (g->app_id, ==, "org.gnome.Epiphany");

  g = netlens_groups_lookup (groups, NETLENS_GROUP_PROCESS, "exe:/usr/bin/curl");
  g_assert_nonnull (g);
  g_assert_cmpstr (g->label, ==, "curl");
  g_assert_cmpuint (g->pid, ==, 200);
  g = netlens_groups_lookup (groups, NETLENS_GROUP_PROCESS, "name:ntpd");
  g_assert_nonnull (g);
  g_assert_cmpstr (g->label, ==, "ntpd");
  g = netlens_groups_lookup (groups, NETLENS_GROUP_PROCESS, "unknown");
  g_assert_nonnull (g);
  g_assert_cmpuint (g->rx_bytes, ==, 1);
  g_assert_cmpuint (netlens_groups_list (groups, NETLENS_GROUP_PROCESS)->len, ==, 4);

  /* hosts: by address until a name is known; two programs talk to 81.2.3.4 */
  g = netlens_groups_lookup (groups, NETLENS_GROUP_HOST, "addr:81.2.3.4");
  g_assert_nonnull (g);
  g_assert_cmpstr (g->label, ==, "81.2.3.4");
  g_assert_cmpuint (g->n_connections, ==, 2);
  g_assert_cmpuint (g->n_peers, ==, 2);
  g_assert_cmpuint (g->rx_bytes, ==, 1007);
  g_assert_cmpuint (netlens_groups_list (groups, NETLENS_GROUP_HOST)->len, ==, 4);

  /* passive DNS names 81.2.3.4 later: the row moves with all its bytes */
  a->dns_name = g_ref_string_new_intern ("Example.ORG");
  a->rx_bytes = 1200;
  a->country = g_ref_string_new_intern ("DE");
  a->asn = 3320;
  netlens_groups_update (groups, a);
  g = netlens_groups_lookup (groups, NETLENS_GROUP_HOST, "name:example.org");
  g_assert_nonnull (g);
  g_assert_cmpstr (g->label, ==, "Example.ORG");
  g_assert_cmpuint (g->rx_bytes, ==, 1200);
  g_assert_cmpuint (g->tx_bytes, ==, 100);
  g_assert_cmpuint (g->rx_packets, ==, 2);
  g_assert_cmpstr (g->country, ==, "DE");
  g_assert_cmpuint (g->asn, ==, 3320);
  g_assert_cmpstr (g->address, ==, "81.2.3.4");
  g = netlens_groups_lookup (groups, NETLENS_GROUP_HOST, "addr:81.2.3.4");
  g_assert_nonnull (g);
  g_assert_cmpuint (g->n_connections, ==, 1);
  g_assert_cmpuint (g->rx_bytes, ==, 7);
  g_assert_cmpuint (g->n_peers, ==, 1);
  g = netlens_groups_lookup (groups, NETLENS_GROUP_PROCESS, "app:org.gnome.Epiphany");
  g_assert_cmpuint (g->rx_bytes, ==, 1700);
  g_assert_cmpuint (g->n_peers, ==, 2);  /* example.org and 81.2.3.5 */
  g_assert_true (netlens_groups_lookup_row (groups, NETLENS_GROUP_HOST, 1)
                 == netlens_groups_lookup (groups, NETLENS_GROUP_HOST, "name:example.org"));

  /* the only row of a group moves: the empty group goes */
  d->dns_name = g_ref_string_new_intern ("dns.google");
  netlens_groups_update (groups, d);
  g_assert_null (netlens_groups_lookup (groups, NETLENS_GROUP_HOST, "addr:8.8.8.8"));
  g_assert_nonnull (netlens_groups_lookup (groups, NETLENS_GROUP_HOST, "name:dns.google"));

  /* ended, then removed: not open, totals kept */
  c->ended = 5000000;
  netlens_groups_update (groups, c);
  g = netlens_groups_lookup (groups, NETLENS_GROUP_PROCESS, "exe:/usr/bin/curl");
  g_assert_cmpuint (g->n_open, ==, 0);
  netlens_groups_remove (groups, c->id);
  netlens_groups_remove (groups, b->id);
  g = netlens_groups_lookup (groups, NETLENS_GROUP_PROCESS, "exe:/usr/bin/curl");
  g_assert_cmpuint (g->n_open, ==, 0);
  g_assert_cmpuint (g->rx_bytes, ==, 7);
  g = netlens_groups_lookup (groups, NETLENS_GROUP_PROCESS, "app:org.gnome.Epiphany");
  g_assert_cmpuint (g->n_open, ==, 1);
  g_assert_cmpuint (g->n_connections, ==, 2);
  g_assert_cmpuint (g->rx_bytes, ==, 1700);
  g_assert_cmpuint (netlens_groups_get_n_rows (groups), ==, 3);

  /* the filters that show a group's rows */
  {
    static const struct { NetlensGroupKind kind; const char *key; const char *query; } q[] = {
      { NETLENS_GROUP_PROCESS, "app:org.gnome.Epiphany", "process:\"org.gnome.Epiphany\"" },
      { NETLENS_GROUP_PROCESS, "exe:/usr/bin/curl", "cmdline:\"/usr/bin/curl\"" },
      { NETLENS_GROUP_PROCESS, "name:ntpd", "process:\"ntpd\"" },
      { NETLENS_GROUP_PROCESS, "unknown", NULL },
      { NETLENS_GROUP_HOST, "name:example.org", "name:\"example.org\"" },
      { NETLENS_GROUP_HOST, "addr:81.2.3.4", "dst:\"81.2.3.4\"" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (q); i++)
      {
        g_autofree char *text = NULL;

        g = netlens_groups_lookup (groups, q[i].kind, q[i].key);
        g_assert_nonnull (g);
        text = netlens_group_dup_query (g);
        g_assert_cmpstr (text, ==, q[i].query);
      }
    g = netlens_groups_lookup (groups, NETLENS_GROUP_PROCESS, "app:org.gnome.Epiphany");
    {
      g_autofree char *text = netlens_group_dup_query (g);
      g_autoptr(NetlensQuery) query = netlens_query_parse (text, NULL);

      g_assert_true (netlens_query_match (query, a));
      g_assert_false (netlens_query_match (query, c));
    }
  }

  netlens_groups_get_totals (groups, &rx, &tx, &rx_rate, &tx_rate);
  g_assert_cmpuint (rx, ==, 1200 + 500 + 7 + 76 + 1);
  g_assert_cmpuint (tx, ==, 100 + 50 + 3 + 76);
}

static void
test_rates (void)
{
  g_autoptr(NetlensGroups) groups = netlens_groups_new ();
  g_autoptr(NetlensOwner) curl = make_owner (200, "curl", "/usr/bin/curl", NULL);
  g_autoptr(NetlensConnection) a = make_conn (1, "81.2.3.4", curl);
  const NetlensGroup *g;
  double rx_rate, tx_rate;

  a->rx_bytes = 5000;
  netlens_groups_update (groups, a);
  netlens_groups_tick (groups, 10 * G_USEC_PER_SEC);  /* the first tick only starts the clock */
  g = netlens_groups_lookup (groups, NETLENS_GROUP_PROCESS, "exe:/usr/bin/curl");
  g_assert_cmpfloat (g->rx_rate, ==, 0.0);

  a->rx_bytes = 25000;  /* +20000 over 2 s, in two snapshots */
  a->tx_bytes = 1000;
  netlens_groups_update (groups, a);
  a->rx_bytes = 45000;
  netlens_groups_update (groups, a);
  netlens_groups_tick (groups, 12 * G_USEC_PER_SEC);
  g = netlens_groups_lookup (groups, NETLENS_GROUP_PROCESS, "exe:/usr/bin/curl");
  g_assert_cmpfloat_with_epsilon (g->rx_rate, 20000.0, 0.001);
  g_assert_cmpfloat_with_epsilon (g->tx_rate, 500.0, 0.001);
  g = netlens_groups_lookup (groups, NETLENS_GROUP_HOST, "addr:81.2.3.4");
  g_assert_cmpfloat_with_epsilon (g->rx_rate, 20000.0, 0.001);
  netlens_groups_get_totals (groups, NULL, NULL, &rx_rate, &tx_rate);
  g_assert_cmpfloat_with_epsilon (rx_rate, 20000.0, 0.001);

  /* a change set as the pipeline hands them to the window */
  {
    g_autoptr(NetlensChangeSet) set = g_new0 (NetlensChangeSet, 1);
    g_autoptr(NetlensConnection) b = make_conn (2, "81.2.3.9", curl);

    set->updated = g_ptr_array_new ();
    set->removed = g_array_new (FALSE, FALSE, sizeof (guint32));
    b->rx_bytes = 10;
    g_ptr_array_add (set->updated, b);
    g_array_append_val (set->removed, a->id);
    netlens_groups_apply (groups, set);
    g = netlens_groups_lookup (groups, NETLENS_GROUP_PROCESS, "exe:/usr/bin/curl");
    g_assert_cmpuint (g->n_connections, ==, 2);
    g_assert_cmpuint (g->n_open, ==, 1);
    g_assert_cmpuint (g->n_peers, ==, 2);
    g_assert_cmpuint (g->rx_bytes, ==, 45010);
    g_assert_cmpuint (netlens_groups_get_n_rows (groups), ==, 1);
  }

  /* nothing new: the rate falls to zero */
  netlens_groups_tick (groups, 13 * G_USEC_PER_SEC);
  g = netlens_groups_lookup (groups, NETLENS_GROUP_PROCESS, "exe:/usr/bin/curl");
  g_assert_cmpfloat_with_epsilon (g->rx_rate, 10.0, 0.001);  /* only b's 10 bytes */
  netlens_groups_tick (groups, 14 * G_USEC_PER_SEC);
  g_assert_cmpfloat (g->rx_rate, ==, 0.0);
  g_assert_cmpuint (g->rx_bytes, ==, 45010);
}

/* ------------------------------------------------------------------ corpus */

typedef struct
{
  GMutex     lock;
  GPtrArray *rows;  /* NetlensConnection * */
} Collected;

static void
collect_row (NetlensConnection *conn,
             gpointer           data)
{
  Collected *c = data;

  g_mutex_lock (&c->lock);
  g_ptr_array_add (c->rows, conn);
  g_mutex_unlock (&c->lock);
}

static GPtrArray *
read_rows (const char *path)
{
  NetlensPipelineConfig config;
  g_autoptr(NetlensPipeline) pipeline = NULL;
  g_autoptr(GError) error = NULL;
  NetlensFileInfo info = { 0 };
  Collected c;

  g_mutex_init (&c.lock);
  c.rows = g_ptr_array_new_with_free_func ((GDestroyNotify) netlens_connection_free);
  netlens_pipeline_config_init (&config);
  config.dpi = TRUE;
  config.n_workers = 1;  /* with 2, passive DNS names vary between runs (see the report) */
  pipeline = netlens_pipeline_new (&config);
  netlens_pipeline_set_row_sink (pipeline, collect_row, &c);
  netlens_file_source_read (pipeline, path, &info, NULL, NULL, NULL, &error);
  netlens_pipeline_finish (pipeline);
  netlens_file_info_clear (&info);
  g_mutex_clear (&c.lock);
  if (error != NULL)
    g_test_message ("%s: %s", path, error->message);
  return c.rows;
}

/* Per-host totals computed independently, from the JSON export of the same capture:
 * key → guint64[3] { rx, tx, connections }. */
static GHashTable *
hosts_from_export (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = netlens_test_export_file (path, TRUE, 1, NULL, &error);
  GHashTable *hosts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  JsonArray *conns;

  if (root == NULL)
    return hosts;
  conns = json_object_get_array_member (json_node_get_object (root), "connections");
  for (guint i = 0; i < json_array_get_length (conns); i++)
    {
      JsonObject *o = json_array_get_object_element (conns, i);
      JsonObject *names = json_object_get_object_member (o, "names");
      const char *best = json_object_get_string_member_with_default (names, "best", NULL);
      const char *address = json_object_get_string_member (json_object_get_object_member (o, "remote"), "address");
      g_autofree char *down = best != NULL ? g_ascii_strdown (best, -1) : NULL;
      g_autofree char *key = best != NULL && *best ? g_strconcat ("name:", down, NULL)
                                                   : g_strconcat ("addr:", address, NULL);
      guint64 *v = g_hash_table_lookup (hosts, key);

      if (v == NULL)
        {
          v = g_new0 (guint64, 3);
          g_hash_table_insert (hosts, g_steal_pointer (&key), v);
        }
      v[0] += json_object_get_int_member (json_object_get_object_member (o, "rx"), "bytes");
      v[1] += json_object_get_int_member (json_object_get_object_member (o, "tx"), "bytes");
      v[2] += 1;
    }
  return hosts;
}

static void
check_capture (const char *dir,
               const char *name)
{
  g_autofree char *path = g_build_filename (dir, "captures", name, NULL);
  g_autoptr(GPtrArray) rows = read_rows (path);
  g_autoptr(NetlensGroups) groups = netlens_groups_new ();
  g_autoptr(GHashTable) expected = NULL;
  guint64 table_rx = 0, table_tx = 0, rx, tx;
  guint64 sum[NETLENS_N_GROUP_KINDS][3] = { { 0 } };
  GPtrArray *list;

  for (guint i = 0; i < rows->len; i++)
    {
      NetlensConnection *conn = g_ptr_array_index (rows, i);

      table_rx += conn->rx_bytes;
      table_tx += conn->tx_bytes;
      netlens_groups_update (groups, conn);
    }
  g_assert_cmpuint (netlens_groups_get_n_rows (groups), ==, rows->len);

  for (guint k = 0; k < NETLENS_N_GROUP_KINDS; k++)
    {
      list = netlens_groups_list (groups, k);
      for (guint i = 0; i < list->len; i++)
        {
          const NetlensGroup *g = g_ptr_array_index (list, i);

          sum[k][0] += g->rx_bytes;
          sum[k][1] += g->tx_bytes;
          sum[k][2] += g->n_connections;
          g_assert_cmpuint (g->n_open, ==, 0);  /* the file has ended */
          g_assert_cmpuint (g->n_connections, >, 0);
        }
      g_assert_cmpuint (sum[k][0], ==, table_rx);
      g_assert_cmpuint (sum[k][1], ==, table_tx);
      g_assert_cmpuint (sum[k][2], ==, rows->len);
    }
  netlens_groups_get_totals (groups, &rx, &tx, NULL, NULL);
  g_assert_cmpuint (rx, ==, table_rx);
  g_assert_cmpuint (tx, ==, table_tx);

  /* and each host's totals are what the export says about that host */
  expected = hosts_from_export (path);
  list = netlens_groups_list (groups, NETLENS_GROUP_HOST);
  if (g_hash_table_size (expected) != list->len)
    {
      GHashTableIter iter;
      gpointer key;

      g_hash_table_iter_init (&iter, expected);
      while (g_hash_table_iter_next (&iter, &key, NULL))
        g_test_message ("%s: the export has host %s", name, (const char *) key);
      for (guint i = 0; i < list->len; i++)
        g_test_message ("%s: grouped host %s", name,
                        ((const NetlensGroup *) g_ptr_array_index (list, i))->key);
    }
  g_assert_cmpuint (g_hash_table_size (expected), ==, list->len);
  for (guint i = 0; i < list->len; i++)
    {
      const NetlensGroup *g = g_ptr_array_index (list, i);
      guint64 *v = g_hash_table_lookup (expected, g->key);

      if (v == NULL)
        g_error ("%s: host %s is not in the export", name, g->key);
      g_assert_cmpuint (g->rx_bytes, ==, v[0]);
      g_assert_cmpuint (g->tx_bytes, ==, v[1]);
      g_assert_cmpuint (g->n_connections, ==, v[2]);
    }
  /* the filter of each group shows at least all of its rows (a name filter also
   * shows rows that know the name but are grouped under a better one) */
  for (guint k = 0; k < NETLENS_N_GROUP_KINDS; k++)
    {
      list = netlens_groups_list (groups, k);
      for (guint i = 0; i < list->len; i++)
        {
          const NetlensGroup *g = g_ptr_array_index (list, i);
          g_autofree char *text = netlens_group_dup_query (g);
          g_autoptr(NetlensQuery) query = NULL;
          g_autoptr(GError) error = NULL;
          guint matched = 0;

          if (text == NULL)
            {
              g_assert_cmpstr (g->key, ==, "unknown");
              continue;
            }
          query = netlens_query_parse (text, &error);
          g_assert_no_error (error);
          for (guint r = 0; r < rows->len; r++)
            {
              NetlensConnection *conn = g_ptr_array_index (rows, r);
              gboolean in_group = netlens_groups_lookup_row (groups, k, conn->id) == g;
              gboolean match = netlens_query_match (query, conn);

              if (in_group && !match)
                g_error ("%s: %s does not match a row of its group", name, text);
              matched += match;
            }
          g_assert_cmpuint (matched, >=, g->n_connections);
        }
    }

  g_test_message ("%s: %u rows, %u hosts, rx %" G_GUINT64_FORMAT " tx %" G_GUINT64_FORMAT,
                  name, rows->len, list->len, table_rx, table_tx);
}

static void
test_corpus_hosts_add_up (void)
{
  const char *dir;
  g_autoptr(GPtrArray) captures = NULL;

  if (!netlens_test_corpus_available (&dir))
    return;
  captures = netlens_test_corpus_captures (dir);
  g_assert_cmpuint (captures->len, >, 10);
  for (guint i = 0; i < captures->len; i++)
    check_capture (dir, g_ptr_array_index (captures, i));
}

/* One capture against tshark: ndpi-http.pcapng is one HTTP conversation to google.com. */
static void
test_corpus_http_host (void)
{
  const char *dir;
  g_autofree char *path = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(NetlensGroups) groups = netlens_groups_new ();
  g_autoptr(JsonNode) oracle = NULL;
  JsonObject *conv;
  const NetlensGroup *g;

  if (!netlens_test_corpus_available (&dir))
    return;
  path = g_build_filename (dir, "captures", "ndpi-http.pcapng", NULL);
  oracle = netlens_test_corpus_oracle (dir, "ndpi-http.pcapng");
  conv = json_array_get_object_element (json_object_get_array_member (json_node_get_object (oracle),
                                                                      "conversations"), 0);
  g_assert_cmpstr (json_object_get_string_member (conv, "client"), ==,
                   json_object_get_string_member (conv, "a"));
  rows = read_rows (path);
  for (guint i = 0; i < rows->len; i++)
    netlens_groups_update (groups, g_ptr_array_index (rows, i));

  g = netlens_groups_lookup (groups, NETLENS_GROUP_HOST, "name:google.com");
  g_assert_nonnull (g);
  g_assert_cmpstr (g->address, ==, "216.58.208.142");
  g_assert_cmpuint (g->n_connections, ==, 1);
  g_assert_cmpuint (g->tx_bytes, ==,
                    json_object_get_int_member (json_object_get_object_member (conv, "a_to_b"), "bytes"));
  g_assert_cmpuint (g->rx_bytes, ==,
                    json_object_get_int_member (json_object_get_object_member (conv, "b_to_a"), "bytes"));
  g_assert_cmpuint (g->tx_packets + g->rx_packets, ==, json_object_get_int_member (conv, "packets"));
  /* no owners in a file */
  g = netlens_groups_lookup (groups, NETLENS_GROUP_PROCESS, "unknown");
  g_assert_nonnull (g);
  g_assert_cmpuint (g->n_peers, ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/groups/processes-and-hosts", test_processes_and_hosts);
  g_test_add_func ("/groups/rates", test_rates);
  g_test_add_func ("/groups/corpus-hosts-add-up", test_corpus_hosts_add_up);
  g_test_add_func ("/groups/corpus-http-host", test_corpus_http_host);
  return g_test_run ();
}
