/* test-history.c: the SQLite history store, with real database files
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "netlens-test-history"

#include "config.h"

#include <errno.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "netlens-history.h"
#include "netlens-history-row.h"
#include "netlens-export.h"
#include "netlens-dpi.h"
#include "netlens-query.h"
#include "store-test-common.h"

#define USEC_PER_DAY G_GINT64_CONSTANT (86400000000)
#define USEC_PER_MIN G_GINT64_CONSTANT (60000000)
#define SEC          G_GINT64_CONSTANT (1000000)

static char *tmp_dir;

static char *
temp_db (const char *name)
{
  return g_build_filename (tmp_dir, name, NULL);
}

static void
remove_db (const char *path)
{
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autofree char *shm = g_strconcat (path, "-shm", NULL);

  g_unlink (path);
  g_unlink (wal);
  g_unlink (shm);
}

/* A synthetic row: every field of the export set.  VARIANT picks protocol and owners. */
static NetlensConnection *
make_row (guint  i,
          gint64 first_seen,
          gint64 duration,
          guint  variant)
{
  NetlensConnection *conn = g_new0 (NetlensConnection, 1);

  conn->id = i + 1;
  conn->generation = 1 + (variant % 3);
  conn->flags = NETLENS_CONN_SNAPSHOT;
  switch (variant % 4)
    {
    case 0:
    case 3:
      conn->key.proto = NETLENS_PROTO_TCP;
      conn->key.family = NETLENS_FAMILY_IPV4;
      conn->key.laddr.bytes[0] = 10;
      conn->key.laddr.bytes[2] = (i >> 8) & 0xff;
      conn->key.laddr.bytes[3] = i & 0xff;
      conn->key.raddr.bytes[0] = 192;
      conn->key.raddr.bytes[2] = 2;
      conn->key.raddr.bytes[3] = 1 + i % 250;
      conn->key.lport = 40000 + i % 20000;
      conn->key.rport = 443;
      conn->state = NETLENS_STATE_CLOSED;
      conn->end_reason = NETLENS_END_CLOSED;
      break;
    case 1:
      conn->key.proto = NETLENS_PROTO_UDP;
      conn->key.family = NETLENS_FAMILY_IPV6;
      conn->key.laddr.bytes[0] = 0x20;
      conn->key.laddr.bytes[1] = 0x01;
      conn->key.laddr.bytes[2] = 0x0d;
      conn->key.laddr.bytes[3] = 0xb8;
      conn->key.laddr.bytes[15] = 1;
      memcpy (conn->key.raddr.bytes, conn->key.laddr.bytes, 16);
      conn->key.raddr.bytes[14] = (i >> 8) & 0xff;
      conn->key.raddr.bytes[15] = i & 0xff;
      conn->key.lport = 50000 + i % 10000;
      conn->key.rport = 53;
      conn->state = NETLENS_STATE_UDP_IDLE;
      conn->app_state = NETLENS_APP_STATE_DNS_RESPONSE;
      conn->app = NETLENS_APP_DNS;
      conn->end_reason = NETLENS_END_TIMEOUT;
      break;
    case 2:
      conn->key.proto = NETLENS_PROTO_ICMP;
      conn->key.family = NETLENS_FAMILY_IPV4;
      conn->key.laddr.bytes[0] = 10;
      conn->key.laddr.bytes[3] = 7;
      conn->key.raddr.bytes[0] = 8;
      conn->key.raddr.bytes[3] = 8;
      conn->state = NETLENS_STATE_ECHO_REPLY;
      conn->end_reason = NETLENS_END_END_OF_CAPTURE;
      break;
    }
  conn->first_seen = first_seen;
  conn->last_seen = first_seen + duration;
  conn->state_since = first_seen + duration / 2;
  conn->ended = conn->last_seen;
  conn->tx_packets = 10 + i;
  conn->rx_packets = 20 + i;
  conn->tx_bytes = 1000 + 7 * (guint64) i;
  conn->rx_bytes = 50000 + 11 * (guint64) i;
  conn->timeout_s = variant == 1 ? 30 : 0;

  if (variant % 4 != 2)
    {
      conn->process = netlens_owner_new ();
      conn->process->pid = 1234 + (i % 7);
      conn->process->uid = 1000;
      conn->process->name = g_strdup (variant % 4 == 1 ? "systemd-resolve" : "firefox");
      conn->process->cmdline = g_strdup ("/usr/lib/firefox/firefox -contentproc \"quoted\"");
      conn->process->user = g_strdup ("tester");
      conn->process->exe = g_strdup ("/usr/lib/firefox/firefox");
      conn->process->cgroup = g_strdup ("/user.slice/app-org.mozilla.firefox.scope");
      conn->process->app_id = variant % 4 == 1 ? NULL : g_strdup ("org.mozilla.firefox");
    }
  if (variant % 4 == 3)
    {
      conn->peer_process = netlens_owner_new ();
      conn->peer_process->pid = 99;
      conn->peer_process->name = g_strdup ("sshd");
      conn->peer_process->user = g_strdup ("root");
    }
  conn->dns_name = g_ref_string_new ("www.example.org");
  if (i % 2 == 0)
    conn->reverse_name = g_ref_string_new ("host-192-0-2-1.example.net");
  if (variant % 4 == 0)
    {
      conn->country = g_ref_string_new ("DE");
      conn->asn = 3320;
      conn->as_org = g_ref_string_new ("Deutsche Telekom AG");
    }
  return conn;
}

static char *
json_of (const NetlensConnection *conn)
{
  GString *s = g_string_new (NULL);
  netlens_connection_write_json (conn, s);
  return g_string_free (s, FALSE);
}

typedef struct
{
  GPtrArray *json;        /* char * */
  GPtrArray *conns;       /* NetlensConnection *, stolen from the rows */
  GPtrArray *dpi;         /* char * */
  GArray    *ids;         /* gint64 */
  gint64     session;     /* only this session's rows; 0 = all */
} Collected;

static void
collected_init (Collected *c)
{
  c->json = g_ptr_array_new_with_free_func (g_free);
  c->dpi = g_ptr_array_new_with_free_func (g_free);
  c->conns = g_ptr_array_new_with_free_func ((GDestroyNotify) netlens_connection_free);
  c->ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  c->session = 0;
}

static void
collected_clear (Collected *c)
{
  g_ptr_array_unref (c->json);
  g_ptr_array_unref (c->dpi);
  g_ptr_array_unref (c->conns);
  g_array_unref (c->ids);
}

static gboolean
collect_row (NetlensHistoryRow *row,
             gpointer           data)
{
  Collected *c = data;

  g_assert_nonnull (row->json);
  g_assert_nonnull (row->dpi_json);
  if (c->session != 0 && row->session != c->session)
    return TRUE;
  g_ptr_array_add (c->json, g_strdup (row->json));
  g_ptr_array_add (c->dpi, g_strdup (row->dpi_json));
  g_ptr_array_add (c->conns, g_steal_pointer (&row->conn));
  g_array_append_val (c->ids, row->id);
  return TRUE;
}

static guint
count_rows (NetlensHistory *history,
            gint64          since,
            gint64          until)
{
  g_autoptr(GError) error = NULL;
  Collected c;
  guint n;

  collected_init (&c);
  g_assert_true (netlens_history_query (history, since, until, collect_row, &c, &error));
  g_assert_no_error (error);
  n = c.json->len;
  collected_clear (&c);
  return n;
}

typedef struct
{
  guint64 tx;
  guint64 rx;
  guint   minutes;
  gint64  first;
  gint64  last;
} TrafficSum;

static gboolean
sum_traffic (gint64   minute_us,
             guint64  tx,
             guint64  rx,
             gpointer data)
{
  TrafficSum *sum = data;

  g_assert_cmpint (minute_us % USEC_PER_MIN, ==, 0);
  if (sum->minutes == 0)
    sum->first = minute_us;
  else
    g_assert_cmpint (minute_us, >, sum->last);
  sum->last = minute_us;
  sum->tx += tx;
  sum->rx += rx;
  sum->minutes++;
  return TRUE;
}

static gint64
count_sessions (const char *path)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 n;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT count(*) FROM sessions", -1, &stmt, NULL), ==,
                   SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return n;
}

/* ---- tests ---- */

static void
test_parse_time (void)
{
  const gint64 now = G_GINT64_CONSTANT (1795168800) * SEC + 123;
  struct { const char *text; gint64 expected; } good[] = {
    { "-7d", now - 7 * USEC_PER_DAY },
    { "-2h", now - 2 * 3600 * SEC },
    { "-30m", now - 30 * USEC_PER_MIN },
    { "-45s", now - 45 * SEC },
    { "-1w", now - 7 * USEC_PER_DAY },
    { " -0m ", now },
    { "now", now },
    { "2026-11-20T10:00:00Z", G_GINT64_CONSTANT (1795168800) * SEC },
    { "2026-11-20T10:00Z", G_GINT64_CONSTANT (1795168800) * SEC },
    { "2026-11-20T10:00:00.5+02:00", G_GINT64_CONSTANT (1795161600) * SEC + 500000 },
    { "2026-11-20 10:00:00", G_GINT64_CONSTANT (1795168800) * SEC },  /* TZ=UTC */
    { "2026-11-20", G_GINT64_CONSTANT (1795132800) * SEC },
    { "today", G_GINT64_CONSTANT (1795132800) * SEC },
    { "yesterday", G_GINT64_CONSTANT (1795132800) * SEC - USEC_PER_DAY },
  };
  const char *bad[] = { "", "abc", "-7x", "-d", "7d", "-7dd", "-99999999999999999999d",
                        "-9999999999999d", "2026-13-45", "2026-11-20T25:00:00Z", "--7d" };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr(GError) error = NULL;
      gint64 out = -1;

      g_test_message ("%s", good[i].text);
      g_assert_true (netlens_history_parse_time (good[i].text, now, &out, &error));
      g_assert_no_error (error);
      g_assert_cmpint (out, ==, good[i].expected);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      gint64 out = -1;

      g_test_message ("%s", bad[i]);
      g_assert_false (netlens_history_parse_time (bad[i], now, &out, &error));
      g_assert_error (error, NETLENS_HISTORY_ERROR, NETLENS_HISTORY_ERROR_INVALID);
      g_assert_cmpint (out, ==, -1);
    }
}

/* Every field written comes back: the stored export object is the original one, and the
 * rebuilt row exports to the same object. */
static void
test_round_trip (void)
{
  g_autofree char *path = temp_db ("round-trip.sqlite");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) originals = g_ptr_array_new_with_free_func ((GDestroyNotify) netlens_connection_free);
  NetlensHistory *history;
  gint64 base = g_get_real_time () - 3600 * SEC;
  Collected c;

  history = netlens_history_open (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (history);
  netlens_history_start_writer (history);
  /* private to the user */
  {
    GStatBuf st;
    g_assert_cmpint (g_stat (path, &st), ==, 0);
    g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  }

  for (guint i = 0; i < 40; i++)
    {
      NetlensConnection *conn = make_row (i, base + i * SEC, 5 * SEC + i, i);
      g_ptr_array_add (originals, make_row (i, base + i * SEC,
                                            5 * SEC + i, i));
      netlens_history_push (history, conn);
    }
  g_assert_true (netlens_history_flush (history));
  g_assert_cmpuint (netlens_history_get_written (history), ==, 40);
  g_assert_cmpuint (netlens_history_get_dropped (history), ==, 0);

  collected_init (&c);
  g_assert_true (netlens_history_query (history, 0, 0, collect_row, &c, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (c.json->len, ==, 40);
  for (guint i = 0; i < 40; i++)
    {
      const NetlensConnection *orig = g_ptr_array_index (originals, i);
      const NetlensConnection *back = g_ptr_array_index (c.conns, i);
      g_autofree char *orig_json = json_of (orig);
      g_autofree char *back_json = json_of (back);
      GString *dpi = g_string_new (NULL);

      /* ordered by first_seen */
      g_assert_cmpint (back->first_seen, ==, orig->first_seen);
      g_assert_cmpstr (g_ptr_array_index (c.json, i), ==, orig_json);
      g_assert_cmpstr (back_json, ==, orig_json);
      g_assert_cmpmem (&back->key, sizeof back->key, &orig->key, sizeof orig->key);
      g_assert_cmpuint (back->id, ==, orig->id);
      g_assert_cmpuint (back->generation, ==, orig->generation);
      g_assert_cmpuint (back->state, ==, orig->state);
      g_assert_cmpuint (back->app_state, ==, orig->app_state);
      g_assert_cmpuint (back->app, ==, orig->app);
      g_assert_cmpuint (back->end_reason, ==, orig->end_reason);
      g_assert_cmpint (back->last_seen, ==, orig->last_seen);
      g_assert_cmpint (back->ended, ==, orig->ended);
      g_assert_cmpint (back->state_since, ==, orig->state_since);
      g_assert_cmpuint (back->tx_bytes, ==, orig->tx_bytes);
      g_assert_cmpuint (back->rx_bytes, ==, orig->rx_bytes);
      g_assert_cmpuint (back->tx_packets, ==, orig->tx_packets);
      g_assert_cmpuint (back->rx_packets, ==, orig->rx_packets);
      g_assert_cmpuint (back->timeout_s, ==, orig->timeout_s);
      g_assert_cmpstr (back->dns_name, ==, orig->dns_name);
      g_assert_cmpstr (back->reverse_name, ==, orig->reverse_name);
      g_assert_cmpstr (back->country, ==, orig->country);
      g_assert_cmpstr (back->as_org, ==, orig->as_org);
      g_assert_cmpuint (back->asn, ==, orig->asn);
      g_assert_cmpint (back->process != NULL, ==, orig->process != NULL);
      if (orig->process != NULL)
        {
          g_assert_cmpuint (back->process->pid, ==, orig->process->pid);
          g_assert_cmpuint (back->process->uid, ==, orig->process->uid);
          g_assert_cmpstr (back->process->name, ==, orig->process->name);
          g_assert_cmpstr (back->process->cmdline, ==, orig->process->cmdline);
          g_assert_cmpstr (back->process->user, ==, orig->process->user);
          g_assert_cmpstr (back->process->exe, ==, orig->process->exe);
          g_assert_cmpstr (back->process->cgroup, ==, orig->process->cgroup);
          g_assert_cmpstr (back->process->app_id, ==, orig->process->app_id);
        }
      g_assert_cmpint (back->peer_process != NULL, ==, orig->peer_process != NULL);
      if (orig->peer_process != NULL)
        g_assert_cmpstr (back->peer_process->name, ==, orig->peer_process->name);
      netlens_dpi_write_json (NULL, dpi);
      g_assert_cmpstr (g_ptr_array_index (c.dpi, i), ==, dpi->str);
      g_string_free (dpi, TRUE);
    }
  collected_clear (&c);

  /* time ranges: overlap with [first_seen, last_seen] */
  g_assert_cmpuint (count_rows (history, base + 10 * SEC, base + 19 * SEC),
                    ==, 10 + 5);
  g_assert_cmpuint (count_rows (history, base + 1000 * SEC, 0), ==, 0);
  g_assert_cmpuint (count_rows (history, 0, base - 1), ==, 0);

  netlens_history_close (history);

  /* and after reopening; a reader adds nothing (no empty session) */
  g_assert_cmpint (count_sessions (path), ==, 1);
  history = netlens_history_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (count_rows (history, 0, 0), ==, 40);
  netlens_history_close (history);
  g_assert_cmpint (count_sessions (path), ==, 1);
  remove_db (path);
}

typedef struct
{
  GMutex          lock;
  GPtrArray      *json;
  GPtrArray      *rows;     /* snapshots of what was pushed, for the queries */
  NetlensHistory *history;
} CorpusSink;

static void
corpus_sink (NetlensConnection *conn,
             gpointer           data)
{
  CorpusSink *sink = data;

  g_mutex_lock (&sink->lock);
  g_ptr_array_add (sink->json, json_of (conn));
  g_ptr_array_add (sink->rows, netlens_connection_snapshot (conn));
  g_mutex_unlock (&sink->lock);
  netlens_history_push (sink->history, conn);
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* Queries that look at DPI fields (and a few that do not): on the history's rows they must
 * find the same connections as on the rows the pipeline handed out. */
static const char *const dpi_queries[] = {
  "sni:/./", "!sni:/./", "host:/./", "ssh:/./", "ssh:openssh", "app:tls", "app:quic",
  "app:dns", "dst:/./", "google", "com", "http", "sni:com | host:com", NULL,
};

/* The export objects of the rows of ROWS that QUERY matches, sorted. */
static GPtrArray *
matching_json (GPtrArray  *rows,
               const char *query_text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NetlensQuery) query = netlens_query_parse (query_text, &error);
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);

  g_assert_no_error (error);
  for (guint i = 0; i < rows->len; i++)
    {
      const NetlensConnection *conn = g_ptr_array_index (rows, i);

      if (netlens_query_match (query, conn))
        g_ptr_array_add (out, json_of (conn));
    }
  g_ptr_array_sort (out, compare_strings);
  return out;
}

/* The test: a corpus capture replayed into a history gives rows equal to the export
 * of the same run, field by field (the same export objects).  Every capture of the corpus,
 * each in a session of its own, all in one database. */
static void
test_corpus_equals_export (void)
{
  const char *dir = g_getenv ("NETLENS_CORPUS");
  g_autofree char *captures = NULL;
  g_autofree char *path = temp_db ("corpus.sqlite");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  NetlensHistory *history;
  guint n_rows = 0, n_dpi = 0, n_names = 0, n_sni = 0;
  GDir *d;
  const char *name;

  captures = g_build_filename (dir != NULL ? dir : "/work/shared/corpus", "captures", NULL);
  d = g_dir_open (captures, 0, NULL);
  if (d == NULL)
    {
      g_test_skip ("corpus not found");
      return;
    }
  while ((name = g_dir_read_name (d)) != NULL)
    if (g_getenv ("NETLENS_STORE_ONLY") == NULL || strcmp (name, g_getenv ("NETLENS_STORE_ONLY")) == 0)
      g_ptr_array_add (names, g_strdup (name));
  g_dir_close (d);
  g_ptr_array_sort (names, compare_strings);

  history = netlens_history_open (path, &error);
  g_assert_no_error (error);
  netlens_history_start_writer (history);

  for (guint f = 0; f < names->len; f++)
    {
      const char *file = g_ptr_array_index (names, f);
      g_autofree char *capture = g_build_filename (captures, file, NULL);
      CorpusSink sink;
      Collected c;
      gint64 session;

      g_mutex_init (&sink.lock);
      sink.json = g_ptr_array_new_with_free_func (g_free);
      sink.rows = g_ptr_array_new_with_free_func ((GDestroyNotify) netlens_connection_free);
      sink.history = history;

      session = netlens_history_begin_session (history, file);
      g_assert_cmpint (session, >, 0);
      store_test_run_pipeline (capture, corpus_sink, &sink);
      g_assert_true (netlens_history_flush (history));

      collected_init (&c);
      c.session = session;
      g_assert_true (netlens_history_query (history, 0, 0, collect_row, &c, &error));
      g_assert_no_error (error);
      if (c.json->len != sink.json->len)
        g_error ("%s: %u rows exported, %u in the history", file, sink.json->len, c.json->len);
      /* the "dpi" column is the export's "dpi" value */
      for (guint i = 0; i < c.dpi->len; i++)
        {
          const char *dpi = g_ptr_array_index (c.dpi, i);
          g_autofree char *member = g_strconcat ("\"dpi\":", dpi, NULL);
          const NetlensConnection *conn = g_ptr_array_index (c.conns, i);

          g_autoptr(GString) back = g_string_new (NULL);
          g_autofree char *whole = NULL;

          g_assert_nonnull (strstr (g_ptr_array_index (c.json, i), member));
          /* the DPI results are rebuilt from it: written again, the same text */
          netlens_dpi_write_json (conn->dpi, back);
          g_assert_cmpstr (back->str, ==, dpi);
          /* and the whole row: the export object of the rebuilt row is the stored one */
          whole = json_of (conn);
          g_assert_cmpstr (whole, ==, g_ptr_array_index (c.json, i));
          if (strstr (dpi, ":{") != NULL || strstr (dpi, ":[") != NULL)
            n_dpi++;
          if (conn->dns_name != NULL)
            n_names++;
        }
      /* the query language finds the same rows in the history as in the capture */
      for (guint q = 0; dpi_queries[q] != NULL; q++)
        {
          g_autoptr(GPtrArray) live = matching_json (sink.rows, dpi_queries[q]);
          g_autoptr(GPtrArray) stored = matching_json (c.conns, dpi_queries[q]);

          if (live->len != stored->len)
            g_error ("%s: query %s: %u rows of the capture, %u of the history", file,
                     dpi_queries[q], live->len, stored->len);
          for (guint i = 0; i < live->len; i++)
            g_assert_cmpstr (g_ptr_array_index (stored, i), ==, g_ptr_array_index (live, i));
          if (q == 0)
            n_sni += live->len;
        }
      g_ptr_array_sort (sink.json, compare_strings);
      g_ptr_array_sort (c.json, compare_strings);
      for (guint i = 0; i < c.json->len; i++)
        g_assert_cmpstr (g_ptr_array_index (c.json, i), ==, g_ptr_array_index (sink.json, i));
      n_rows += c.json->len;
      collected_clear (&c);
      g_ptr_array_unref (sink.json);
      g_ptr_array_unref (sink.rows);
      g_mutex_clear (&sink.lock);
    }
  g_test_message ("%u captures, %u rows equal to their export, %u with DPI results, "
                  "%u with a DNS name, %u found by sni:", names->len, n_rows, n_dpi, n_names,
                  n_sni);
  g_assert_cmpuint (n_rows, >, 100);
  g_assert_cmpuint (n_sni, >, 5);
  g_assert_cmpuint (n_dpi, >, 20);
  g_assert_cmpuint (count_rows (history, 0, 0), ==, n_rows);
  netlens_history_close (history);
  remove_db (path);
}

/* Periodic snapshots of a long-lived row update it in place; the buckets add up. */
static GPtrArray *select_texts (const char *path,
                                const char *sql);

static void
test_update_in_place (void)
{
  g_autofree char *path = temp_db ("update.sqlite");
  g_autoptr(GError) error = NULL;
  NetlensHistory *history;
  gint64 base = (g_get_real_time () / USEC_PER_MIN - 30) * USEC_PER_MIN + 30 * SEC;
  struct { gint64 at; guint64 tx, rx; gboolean ended; } steps[] = {
    { 60, 1000, 2000, FALSE },
    { 150, 3000, 5000, FALSE },
    { 400, 4000, 9000, TRUE },
    { 300, 3500, 7000, FALSE },   /* late periodic snapshot: older than the end, ignored */
  };
  TrafficSum conn_sum = { 0 }, prog_sum = { 0 }, all_sum = { 0 }, none_sum = { 0 };
  gint64 first_written = 0;
  Collected c;

  history = netlens_history_open (path, &error);
  g_assert_no_error (error);
  /* no writer: flush writes on this thread */
  for (guint s = 0; s < G_N_ELEMENTS (steps); s++)
    {
      NetlensConnection *conn = make_row (7, base, 0, 0);
      conn->last_seen = base + steps[s].at * SEC;
      conn->tx_bytes = steps[s].tx;
      conn->rx_bytes = steps[s].rx;
      conn->ended = steps[s].ended ? conn->last_seen : 0;
      conn->end_reason = steps[s].ended ? NETLENS_END_CLOSED : NETLENS_END_NONE;
      conn->state = steps[s].ended ? NETLENS_STATE_CLOSED : NETLENS_STATE_ESTABLISHED;
      netlens_history_push (history, conn);
      g_assert_true (netlens_history_flush (history));
      if (s == 0)
        {
          first_written = g_get_real_time ();
          g_usleep (2000);
        }
    }
  /* an update keeps the time of the first write: retention goes in id order */
  {
    g_autoptr(GPtrArray) written = select_texts (path, "SELECT written FROM connections");
    g_assert_cmpint (g_ascii_strtoll (g_ptr_array_index (written, 0), NULL, 10), <=,
                     first_written);
  }
  /* another generation of the same flow is a row of its own */
  {
    NetlensConnection *conn = make_row (7, base + 500 * SEC, SEC, 0);
    conn->generation = 2;
    netlens_history_push (history, conn);
  }
  g_assert_true (netlens_history_flush (history));

  collected_init (&c);
  g_assert_true (netlens_history_query (history, 0, 0, collect_row, &c, &error));
  g_assert_cmpuint (c.conns->len, ==, 2);
  {
    const NetlensConnection *row = g_ptr_array_index (c.conns, 0);
    g_assert_cmpuint (row->tx_bytes, ==, 4000);
    g_assert_cmpuint (row->rx_bytes, ==, 9000);
    g_assert_cmpint (row->ended, ==, base + 400 * SEC);
    g_assert_cmpuint (row->end_reason, ==, NETLENS_END_CLOSED);
    g_assert_nonnull (strstr (g_ptr_array_index (c.json, 0), "\"closed\""));
  }
  g_assert_true (netlens_history_query_connection_traffic (history, g_array_index (c.ids, gint64, 0),
                                                           sum_traffic, &conn_sum, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (conn_sum.tx, ==, 4000);
  g_assert_cmpuint (conn_sum.rx, ==, 9000);
  /* 400 s from the middle of a minute: 7 or 8 minutes, the first at the minute of first_seen */
  g_assert_cmpint (conn_sum.first, ==, base - 30 * SEC);
  g_assert_cmpuint (conn_sum.minutes, >=, 7);
  g_assert_cmpuint (conn_sum.minutes, <=, 8);

  g_assert_true (netlens_history_query_traffic (history, 0, 0, "org.mozilla.firefox",
                                                sum_traffic, &prog_sum, &error));
  g_assert_cmpuint (prog_sum.tx, ==, 4000 + 1000 + 7 * 7);
  g_assert_cmpuint (prog_sum.rx, ==, 9000 + 50000 + 11 * 7);
  g_assert_true (netlens_history_query_traffic (history, 0, 0, NULL, sum_traffic, &all_sum,
                                                &error));
  g_assert_cmpuint (all_sum.tx, ==, prog_sum.tx);
  g_assert_true (netlens_history_query_traffic (history, 0, 0, "nobody", sum_traffic, &none_sum,
                                                &error));
  g_assert_cmpuint (none_sum.minutes, ==, 0);
  g_assert_cmpstr (netlens_history_program_key (g_ptr_array_index (c.conns, 0)), ==,
                   "org.mozilla.firefox");
  collected_clear (&c);

  netlens_history_close (history);
  remove_db (path);
}

/* Long-lived rows are written at most once per interval, then once more when they end. */
typedef struct
{
  gint64  minute[16];
  guint64 tx[16];
  guint64 rx[16];
  guint   n;
} Minutes;

static gboolean
collect_minute (gint64   minute_us,
                guint64  tx,
                guint64  rx,
                gpointer data)
{
  Minutes *m = data;

  g_assert_cmpuint (m->n, <, G_N_ELEMENTS (m->minute));
  m->minute[m->n] = minute_us;
  m->tx[m->n] = tx;
  m->rx[m->n] = rx;
  m->n++;
  return TRUE;
}

static gint64
count_connection_minutes (const char *path)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 n;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT count(*) FROM connection_minutes", -1, &stmt,
                                       NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return n;
}

typedef struct
{
  guint n;
  guint max;
} CountUpTo;

static gboolean
count_up_to (gint64   minute_us,
             guint64  tx,
             guint64  rx,
             gpointer data)
{
  CountUpTo *up_to = data;

  return ++up_to->n < up_to->max;
}

/* The first row's id in MINUTES->minute[0]. */
static gboolean
collect_first_id (NetlensHistoryRow *row,
                  gpointer           data)
{
  Minutes *m = data;

  m->minute[0] = row->id;
  return FALSE;
}

/* A row written once stores no per-minute buckets: they are its spread over [first seen,
 * last seen], made again when read.  Written a second time, the first write's spread is
 * stored, then what came since: the same minutes as if every write had stored its own. */
static void
test_connection_traffic_spread (void)
{
  g_autofree char *path = temp_db ("spread.sqlite");
  g_autoptr(GError) error = NULL;
  /* from the middle of a minute, two minutes long: 30 s, 60 s and 30 s of it */
  gint64 minute0 = (g_get_real_time () / USEC_PER_MIN - 10) * USEC_PER_MIN;
  NetlensHistory *history;
  NetlensConnection *conn;
  Minutes once = { 0 }, twice = { 0 }, stopped = { 0 };
  Collected c;

  history = netlens_history_open (path, &error);
  g_assert_no_error (error);
  conn = make_row (1, minute0 + 30 * SEC, 120 * SEC, 0);
  conn->tx_bytes = 1200;
  conn->rx_bytes = 2400;
  netlens_history_push (history, conn);
  /* and one that is written twice: 1200/2400 over the same two minutes, then 600/0 over the
   * next 60 s (the minutes 2 and 3 of the spread) */
  conn = make_row (2, minute0 + 30 * SEC, 120 * SEC, 0);
  conn->ended = 0;
  conn->tx_bytes = 1200;
  conn->rx_bytes = 2400;
  netlens_history_push (history, conn);
  g_assert_true (netlens_history_flush (history));
  g_assert_cmpint (count_connection_minutes (path), ==, 0);
  conn = make_row (2, minute0 + 30 * SEC, 180 * SEC, 0);
  conn->tx_bytes = 1800;
  conn->rx_bytes = 2400;
  netlens_history_push (history, conn);
  g_assert_true (netlens_history_flush (history));
  g_assert_cmpint (count_connection_minutes (path), ==, 4);

  collected_init (&c);
  g_assert_true (netlens_history_query (history, 0, 0, collect_row, &c, &error));
  g_assert_cmpuint (c.ids->len, ==, 2);
  g_assert_true (netlens_history_query_connection_traffic (history, g_array_index (c.ids, gint64, 0),
                                                           collect_minute, &once, &error));
  g_assert_no_error (error);
  g_assert_true (netlens_history_query_connection_traffic (history, g_array_index (c.ids, gint64, 1),
                                                           collect_minute, &twice, &error));
  g_assert_no_error (error);
  collected_clear (&c);

  g_assert_cmpuint (once.n, ==, 3);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpint (once.minute[i], ==, minute0 + i * USEC_PER_MIN);
  g_assert_cmpuint (once.tx[0], ==, 300);
  g_assert_cmpuint (once.tx[1], ==, 600);
  g_assert_cmpuint (once.tx[2], ==, 300);
  g_assert_cmpuint (once.rx[0], ==, 600);
  g_assert_cmpuint (once.rx[1], ==, 1200);
  g_assert_cmpuint (once.rx[2], ==, 600);

  /* the first write's 300/600/300, then 600 tx over 150..210 s: 300 in minute 2, 300 in 3 */
  g_assert_cmpuint (twice.n, ==, 4);
  for (guint i = 0; i < 4; i++)
    g_assert_cmpint (twice.minute[i], ==, minute0 + i * USEC_PER_MIN);
  g_assert_cmpuint (twice.tx[0], ==, 300);
  g_assert_cmpuint (twice.tx[1], ==, 600);
  g_assert_cmpuint (twice.tx[2], ==, 600);
  g_assert_cmpuint (twice.tx[3], ==, 300);
  g_assert_cmpuint (twice.rx[0] + twice.rx[1] + twice.rx[2] + twice.rx[3], ==, 2400);
  g_assert_cmpuint (twice.rx[3], ==, 0);

  /* the callback can stop the spread */
  {
    CountUpTo up_to = { 0, 2 };
    g_assert_true (netlens_history_query (history, 0, 0, collect_first_id, &stopped, &error));
    g_assert_true (netlens_history_query_connection_traffic (history, (gint64) stopped.minute[0],
                                                             count_up_to, &up_to, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (up_to.n, ==, 2);
  }
  netlens_history_close (history);
  remove_db (path);
}

static void
test_offer_live (void)
{
  g_autofree char *path = temp_db ("live.sqlite");
  g_autoptr(GError) error = NULL;
  NetlensHistory *history;
  NetlensConnection *conn;
  gint64 base = g_get_real_time () - 3600 * SEC;
  Collected c;

  history = netlens_history_open (path, &error);
  g_assert_no_error (error);
  netlens_history_start_writer (history);
  conn = make_row (3, base, 10 * SEC, 0);
  conn->ended = 0;
  conn->end_reason = NETLENS_END_NONE;
  conn->state = NETLENS_STATE_ESTABLISHED;

  g_assert_true (netlens_history_offer_live (history, conn, 1000 * SEC, 0));
  conn->last_seen += 30 * SEC;
  conn->tx_bytes += 500;
  g_assert_false (netlens_history_offer_live (history, conn, 1030 * SEC, 0));
  conn->last_seen += 31 * SEC;
  conn->tx_bytes += 500;
  g_assert_true (netlens_history_offer_live (history, conn, 1061 * SEC, 0));
  g_assert_true (netlens_history_flush (history));
  g_assert_cmpuint (netlens_history_get_written (history), ==, 2);

  collected_init (&c);
  g_assert_true (netlens_history_query (history, 0, 0, collect_row, &c, &error));
  g_assert_cmpuint (c.conns->len, ==, 1);
  g_assert_cmpuint (((NetlensConnection *) g_ptr_array_index (c.conns, 0))->tx_bytes, ==,
                    conn->tx_bytes);
  g_assert_cmpint (((NetlensConnection *) g_ptr_array_index (c.conns, 0))->ended, ==, 0);
  g_assert_nonnull (strstr (g_ptr_array_index (c.json, 0), "\"ended\":null"));
  collected_clear (&c);

  /* a new session: the same id is another row, offered at once */
  netlens_history_begin_session (history, "second run");
  g_assert_true (netlens_history_offer_live (history, conn, 1062 * SEC, 0));
  /* the end, through the row sink */
  conn->ended = conn->last_seen;
  conn->end_reason = NETLENS_END_CLOSED;
  netlens_history_row_sink (conn, history);
  g_assert_true (netlens_history_flush (history));
  g_assert_cmpuint (count_rows (history, 0, 0), ==, 2);
  netlens_history_close (history);
  remove_db (path);
}

typedef struct
{
  NetlensHistory *history;
  gint            stop;
  guint           queries;
  guint           last_count;
} Reader;

static gpointer
reader_thread (gpointer data)
{
  Reader *reader = data;

  while (!g_atomic_int_get (&reader->stop))
    {
      guint n = count_rows (reader->history, 0, 0);
      /* committed batches only, and never fewer than before */
      g_assert_cmpuint (n, >=, reader->last_count);
      reader->last_count = n;
      reader->queries++;
    }
  return NULL;
}

/* Queries from another thread run beside the writer (WAL) and see whole batches. */
static void
test_read_while_writing (void)
{
  g_autofree char *path = temp_db ("concurrent.sqlite");
  g_autoptr(GError) error = NULL;
  Reader reader = { 0 };
  GThread *thread;
  gint64 base = g_get_real_time () - 3600 * SEC;

  reader.history = netlens_history_open (path, &error);
  g_assert_no_error (error);
  netlens_history_set_batch (reader.history, 100, 10);
  netlens_history_start_writer (reader.history);
  thread = g_thread_new ("reader", reader_thread, &reader);
  for (guint i = 0; i < 5000; i++)
    {
      netlens_history_push (reader.history, make_row (i, base + i * 1000, 1000, i));
      if (i % 500 == 0)
        g_usleep (2000);
    }
  g_assert_true (netlens_history_flush (reader.history));
  g_usleep (50000);
  g_atomic_int_set (&reader.stop, 1);
  g_thread_join (thread);
  g_test_message ("%u queries while writing", reader.queries);
  g_assert_cmpuint (reader.queries, >, 1);
  g_assert_cmpuint (count_rows (reader.history, 0, 0), ==, 5000);
  netlens_history_close (reader.history);
  remove_db (path);
}

/* A history with synthetic old rows is trimmed to the retention days. */
static void
test_retention_days (void)
{
  g_autofree char *path = temp_db ("days.sqlite");
  g_autoptr(GError) error = NULL;
  NetlensHistory *history;
  gint64 now = g_get_real_time ();
  TrafficSum traffic = { 0 };
  Collected c;

  history = netlens_history_open (path, &error);
  g_assert_no_error (error);
  netlens_history_set_retention (history, 0, 0);
  for (guint i = 0; i < 3000; i++)
    {
      gint64 age = i < 2000 ? 40 * USEC_PER_DAY : i < 2500 ? 10 * USEC_PER_DAY : 3600 * SEC;
      netlens_history_push (history, make_row (i, now - age - i * SEC,
                                               2 * SEC, i));
    }
  g_assert_true (netlens_history_flush (history));
  g_assert_cmpuint (count_rows (history, 0, 0), ==, 3000);

  /* retention counts from when a row was written (a replayed capture is as recent as a
   * live one): make the synthetic rows old in that sense too */
  {
    g_autofree char *sql = g_strdup_printf ("UPDATE connections SET written = %" G_GINT64_FORMAT
                                            " - (%" G_GINT64_FORMAT " - last_seen)", now, now);
    sqlite3 *db = NULL;
    g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
    sqlite3_busy_timeout (db, 5000);
    g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
    sqlite3_close (db);
  }

  netlens_history_set_retention (history, 30, 0);
  netlens_history_start_writer (history);
  g_assert_true (netlens_history_flush (history));

  collected_init (&c);
  g_assert_true (netlens_history_query (history, 0, 0, collect_row, &c, &error));
  g_assert_cmpuint (c.conns->len, ==, 1000);
  for (guint i = 0; i < c.conns->len; i++)
    {
      const NetlensConnection *row = g_ptr_array_index (c.conns, i);
      g_assert_cmpint (row->last_seen, >=, now - 30 * USEC_PER_DAY);
      g_assert_cmpuint (row->id, >, 2000);
    }
  collected_clear (&c);
  g_assert_true (netlens_history_query_traffic (history, 0, 0, NULL, sum_traffic, &traffic, &error));
  /* the per-program buckets of the deleted rows went with them */
  g_assert_cmpint (traffic.first, >=, now - 12 * USEC_PER_DAY);
  g_assert_cmpuint (traffic.minutes, >, 0);
  netlens_history_close (history);

  /* the file holds what was said */
  {
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;
    g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT count(*) FROM connection_minutes WHERE "
                                         "conn NOT IN (SELECT id FROM connections)", -1, &stmt,
                                         NULL), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, 0);
    sqlite3_finalize (stmt);
    g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA auto_vacuum", -1, &stmt, NULL), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, 2);  /* INCREMENTAL */
    sqlite3_finalize (stmt);
    sqlite3_close (db);
  }
  remove_db (path);
}

static guint64
file_size (const char *path)
{
  GStatBuf st;

  if (g_stat (path, &st) != 0)
    return 0;
  return (guint64) st.st_size;
}

/* An existing history larger than the size limit is trimmed to it, oldest first. */
static void
test_retention_size_existing (void)
{
  g_autofree char *path = temp_db ("size-existing.sqlite");
  g_autoptr(GError) error = NULL;
  NetlensHistory *history;
  gint64 now = g_get_real_time ();
  guint64 big, cap;
  Collected c;

  history = netlens_history_open (path, &error);
  g_assert_no_error (error);
  netlens_history_set_retention (history, 0, 0);
  for (guint i = 0; i < 6000; i++)
    netlens_history_push (history, make_row (i, now - (6000 - i) * SEC,
                                             SEC, i));
  g_assert_true (netlens_history_flush (history));
  big = netlens_history_get_size (history);
  g_assert_cmpuint (big, >, 1024 * 1024);
  netlens_history_close (history);

  cap = big / 2;
  history = netlens_history_open (path, &error);
  g_assert_no_error (error);
  netlens_history_set_retention (history, 0, cap);
  g_assert_true (netlens_history_flush (history));
  g_test_message ("size %" G_GUINT64_FORMAT " -> %" G_GUINT64_FORMAT " (cap %" G_GUINT64_FORMAT ")",
                  big, netlens_history_get_size (history), cap);
  g_assert_cmpuint (netlens_history_get_size (history), <=, cap);

  collected_init (&c);
  g_assert_true (netlens_history_query (history, 0, 0, collect_row, &c, &error));
  g_assert_cmpuint (c.conns->len, <, 6000);
  g_assert_cmpuint (c.conns->len, >, 1000);
  /* the newest rows stay, contiguous up to the last */
  for (guint i = 0; i < c.conns->len; i++)
    g_assert_cmpuint (((NetlensConnection *) g_ptr_array_index (c.conns, i))->id, ==,
                      6000 - c.conns->len + i + 1);
  collected_clear (&c);
  netlens_history_close (history);
  g_assert_cmpuint (file_size (path), <=, cap);
  remove_db (path);
}

/* A size-capped history stays under its cap while many rows are written into it. */
static void
test_retention_size_while_writing (void)
{
  g_autofree char *path = temp_db ("size-writing.sqlite");
  g_autoptr(GError) error = NULL;
  const guint64 cap = 4 * 1024 * 1024;
  NetlensHistory *history;
  gint64 base = g_get_real_time () - USEC_PER_DAY;
  guint64 max_seen = 0, max_file = 0;
  const guint n = 40000;

  history = netlens_history_open (path, &error);
  g_assert_no_error (error);
  netlens_history_set_retention (history, 0, cap);
  netlens_history_set_batch (history, 200, 100);
  netlens_history_start_writer (history);
  for (guint i = 0; i < n; i++)
    {
      netlens_history_push (history, make_row (i, base + i * 1000 * (gint64) 1000 / 2,
                                               SEC, i));
      if (i % 2000 == 1999)
        {
          guint64 size;
          g_assert_true (netlens_history_flush (history));
          size = netlens_history_get_size (history);
          max_seen = MAX (max_seen, size);
          max_file = MAX (max_file, file_size (path));
          g_assert_cmpuint (size, <=, cap);
        }
      else if (i % 200 == 0)
        {
          /* between flushes, while the writer works on its own */
          guint64 size = netlens_history_get_size (history);
          max_seen = MAX (max_seen, size);
          g_assert_cmpuint (size, <=, cap);
          g_usleep (1000);
        }
    }
  g_assert_true (netlens_history_flush (history));
  g_test_message ("%u rows written, %" G_GUINT64_FORMAT " dropped, largest size %"
                  G_GUINT64_FORMAT ", largest file %" G_GUINT64_FORMAT ", cap %" G_GUINT64_FORMAT
                  ", rows kept %u", n, netlens_history_get_dropped (history), max_seen, max_file,
                  cap, count_rows (history, 0, 0));
  g_assert_cmpuint (netlens_history_get_written (history) + netlens_history_get_dropped (history),
                    ==, n);
  g_assert_cmpuint (count_rows (history, 0, 0), >, 1000);
  g_assert_cmpuint (count_rows (history, 0, 0), <, n);
  g_assert_cmpuint (max_file, <=, cap);
  netlens_history_close (history);
  g_assert_cmpuint (file_size (path), <=, cap);
  remove_db (path);
}

static void
write_all (int         fd,
           const void *data,
           gsize       len)
{
  const char *p = data;

  while (len > 0)
    {
      ssize_t n = write (fd, p, len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        _exit (3);
      p += n;
      len -= (gsize) n;
    }
}

/* The child: writes rows for ever, telling the parent after each committed flush how
 * many rows are committed.  Killed with SIGKILL by the parent. */
static void G_GNUC_NORETURN
sigkill_child (const char *path,
               int         fd)
{
  NetlensHistory *history = netlens_history_open (path, NULL);
  gint64 base = g_get_real_time () - 3600 * SEC;

  if (history == NULL)
    _exit (2);
  netlens_history_set_batch (history, 50, 5);
  netlens_history_start_writer (history);
  for (guint64 i = 0;; i++)
    {
      netlens_history_push (history, make_row ((guint) i, base + (gint64) i * 1000, 1000, (guint) i));
      if (i % 300 == 299)
        {
          guint64 committed = i + 1;
          if (!netlens_history_flush (history))
            _exit (4);
          write_all (fd, &committed, sizeof committed);
        }
    }
}

static void
test_sigkill (void)
{
  g_autofree char *path = temp_db ("sigkill.sqlite");
  g_autoptr(GError) error = NULL;
  NetlensHistory *history;
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  guint64 committed = 0;
  int fds[2];
  int status = 0;
  pid_t pid;
  gint64 n_rows = 0, max_id = 0, distinct = 0;

  /* create it first, so that the child only writes */
  history = netlens_history_open (path, &error);
  g_assert_no_error (error);
  netlens_history_close (history);

  g_assert_cmpint (pipe (fds), ==, 0);
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      close (fds[0]);
      sigkill_child (path, fds[1]);
    }
  close (fds[1]);

  /* let it commit a few thousand rows, then kill it mid-run (it keeps writing between the
   * flushes, so a batch is usually half written at that moment) */
  while (committed < 3000)
    {
      guint64 value;
      ssize_t n = read (fds[0], &value, sizeof value);
      if (n < 0 && errno == EINTR)
        continue;
      g_assert_cmpint (n, ==, sizeof value);
      committed = value;
    }
  g_usleep (g_test_rand_int_range (0, 20000));
  g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
  /* what it reported before dying also counts */
  for (;;)
    {
      guint64 value;
      ssize_t n = read (fds[0], &value, sizeof value);
      if (n < 0 && errno == EINTR)
        continue;
      if (n != sizeof value)
        break;
      committed = value;
    }
  close (fds[0]);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFSIGNALED (status));
  g_assert_cmpint (WTERMSIG (status), ==, SIGKILL);

  /* consistent ... */
  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA integrity_check", -1, &stmt, NULL), ==,
                   SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, "ok");
  sqlite3_finalize (stmt);
  /* ... and everything up to the last committed batch is there, without gaps */
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT count(*), max(conn_id), count(DISTINCT conn_id) "
                                       "FROM connections", -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n_rows = sqlite3_column_int64 (stmt, 0);
  max_id = sqlite3_column_int64 (stmt, 1);
  distinct = sqlite3_column_int64 (stmt, 2);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  g_test_message ("committed %" G_GUINT64_FORMAT ", found %" G_GINT64_FORMAT " rows",
                  committed, n_rows);
  g_assert_cmpint (n_rows, >=, (gint64) committed);
  g_assert_cmpint (n_rows, ==, max_id);
  g_assert_cmpint (n_rows, ==, distinct);

  /* and the store opens it and reads every row */
  history = netlens_history_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (count_rows (history, 0, 0), ==, n_rows);
  netlens_history_close (history);
  remove_db (path);
}

static void
make_small_history (const char *path,
                    guint       n)
{
  g_autoptr(GError) error = NULL;
  NetlensHistory *history = netlens_history_open (path, &error);
  gint64 base = g_get_real_time () - 3600 * SEC;

  g_assert_no_error (error);
  for (guint i = 0; i < n; i++)
    netlens_history_push (history, make_row (i, base + i * SEC, SEC, i));
  g_assert_true (netlens_history_flush (history));
  netlens_history_close (history);
  /* Closing leaves the rows in the WAL (no checkpoint on close): copied into the database
   * file here, whose pages the callers garble. */
  {
    sqlite3 *db = NULL;
    g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_exec (db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL), ==,
                     SQLITE_OK);
    sqlite3_close (db);
  }
}

static void
set_user_version (const char *path,
                  int         version)
{
  g_autofree char *sql = g_strdup_printf ("PRAGMA user_version = %d", version);
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
}

/* Opening must fail with CODE and leave every byte of PATH as it was. */
static void
assert_refused (const char *path,
                int         code)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  gsize before_len, after_len;
  NetlensHistory *history;

  before = store_test_read_file (path, &before_len);
  history = netlens_history_open (path, &error);
  g_assert_null (history);
  g_assert_error (error, NETLENS_HISTORY_ERROR, code);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_nonnull (strstr (error->message, "left as it is"));
  after = store_test_read_file (path, &after_len);
  g_assert_cmpmem (before, before_len, after, after_len);
  /* no journal of ours appeared beside it either */
  g_assert_cmpuint (file_size (wal), ==, 0);
}

static void
test_newer_schema (void)
{
  g_autofree char *path = temp_db ("newer.sqlite");
  g_autoptr(GError) error = NULL;
  NetlensHistory *history;

  make_small_history (path, 50);
  set_user_version (path, NETLENS_HISTORY_SCHEMA_VERSION + 1);
  assert_refused (path, NETLENS_HISTORY_ERROR_NEWER);

  /* the same version opens */
  set_user_version (path, NETLENS_HISTORY_SCHEMA_VERSION);
  history = netlens_history_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (count_rows (history, 0, 0), ==, 50);
  netlens_history_close (history);
  remove_db (path);
}

/* Strings of column COL of every row of SQL, in order; NULL for SQL NULL. */
static GPtrArray *
select_texts (const char *path,
              const char *sql)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_ptr_array_add (out, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return out;
}

/* A schema 1 history (the export object stored in a "json" column beside its columns) is
 * migrated on open: the column goes, the all-null "dpi" objects become NULL, and every row
 * reads back with the export object it had, its buckets and its session. */
static void
test_migrate_v1 (void)
{
  g_autofree char *path = temp_db ("v1.sqlite");
  g_autofree char *fixture = g_build_filename (g_getenv ("NETLENS_SOURCE_ROOT"), "tests", "store",
                                               "history-v1.sql", NULL);
  g_autofree char *dump = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) v1_json = NULL;
  g_autoptr(GPtrArray) v1_dpi = NULL;
  g_autoptr(GPtrArray) columns = NULL;
  g_autoptr(GPtrArray) indexes = NULL;
  TrafficSum before = { 0 }, after = { 0 };
  NetlensHistory *history;
  sqlite3 *db = NULL;
  Collected c;

  g_assert_true (g_file_get_contents (fixture, &dump, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "PRAGMA auto_vacuum = INCREMENTAL", NULL, NULL, NULL), ==,
                   SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, dump, NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "PRAGMA user_version = 1; PRAGMA application_id = 1313622099;"
                                 "PRAGMA journal_mode = WAL", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  v1_json = select_texts (path, "SELECT json FROM connections ORDER BY first_seen, id");
  v1_dpi = select_texts (path, "SELECT dpi FROM connections ORDER BY first_seen, id");
  g_assert_cmpuint (v1_json->len, ==, 15);
  {
    g_autoptr(GPtrArray) minutes = select_texts (path, "SELECT sum (tx) || ' ' || sum (rx) "
                                                 "FROM program_minutes");
    g_assert_cmpuint (sscanf (g_ptr_array_index (minutes, 0), "%" G_GUINT64_FORMAT " %"
                              G_GUINT64_FORMAT, &before.tx, &before.rx), ==, 2);
  }

  history = netlens_history_open (path, &error);
  g_assert_no_error (error);
  netlens_history_set_retention (history, 0, 0);   /* the rows were written in 2026 */
  collected_init (&c);
  g_assert_true (netlens_history_query (history, 0, 0, collect_row, &c, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (c.json->len, ==, v1_json->len);
  for (guint i = 0; i < c.json->len; i++)
    {
      /* the export object made again from the columns is the one schema 1 stored */
      g_assert_cmpstr (g_ptr_array_index (c.json, i), ==, g_ptr_array_index (v1_json, i));
      g_assert_cmpstr (g_ptr_array_index (c.dpi, i), ==, g_ptr_array_index (v1_dpi, i));
    }
  for (guint i = 0; i < c.conns->len; i++)
    {
      /* schema 1 stored every row's buckets: they are read as they are */
      const NetlensConnection *row = g_ptr_array_index (c.conns, i);
      TrafficSum one = { 0 };

      g_assert_true (netlens_history_query_connection_traffic (
                       history, g_array_index (c.ids, gint64, i), sum_traffic, &one, &error));
      g_assert_cmpuint (one.tx, ==, row->tx_bytes);
      g_assert_cmpuint (one.rx, ==, row->rx_bytes);
    }
  g_assert_true (netlens_history_query_traffic (history, 0, 0, NULL, sum_traffic, &after,
                                                &error));
  g_assert_no_error (error);
  g_assert_cmpuint (after.tx, ==, before.tx);
  g_assert_cmpuint (after.rx, ==, before.rx);
  g_assert_cmpuint (after.tx + after.rx, >, 0);
  collected_clear (&c);

  /* it takes new rows as a new file does */
  netlens_history_begin_session (history, "after the migration");
  netlens_history_push (history, make_row (0, g_get_real_time () - 60 * SEC, 10 * SEC, 0));
  g_assert_true (netlens_history_flush (history));
  g_assert_cmpuint (count_rows (history, 0, 0), ==, 16);
  netlens_history_close (history);

  /* schema 4: the columns SQL selects by and one blob; no identity index; 5: blocks */
  columns = select_texts (path, "SELECT group_concat (name, ' ') FROM "
                          "pragma_table_info ('connections')");
  g_assert_cmpstr (g_ptr_array_index (columns, 0), ==,
                   "id session conn_id generation first_seen last_seen tx_bytes rx_bytes "
                   "written fields");
  indexes = select_texts (path, "SELECT group_concat (name, ' ') FROM (SELECT name FROM "
                          "sqlite_schema WHERE type = 'index' AND tbl_name = 'connections' "
                          "ORDER BY name)");
  /* no index on the rows at all: the blocks say which ids hold which times */
  g_assert_null (g_ptr_array_index (indexes, 0));
  {
    g_autoptr(GPtrArray) blocks = select_texts (path, "SELECT count (*) || ' ' || sum (rows) "
                                                "FROM blocks");
    g_assert_cmpstr (g_ptr_array_index (blocks, 0), ==, "1 16");
  }
  /* a new file is made with the current schema at once: the same tables and indexes */
  {
    g_autofree char *fresh = temp_db ("v1-fresh.sqlite");
    g_autoptr(GPtrArray) migrated_schema = NULL, fresh_schema = NULL;
    const char *signature =
      "SELECT group_concat (x, ' ; ') FROM (SELECT m.type || ' ' || m.name || ' ' || m.tbl_name"
      " || ' (' || coalesce ((SELECT group_concat (p.name || ' ' || p.type || ' ' || p.\"notnull\""
      " || ' ' || p.pk, ', ') FROM pragma_table_info (m.name) p), '')"
      " || ') [' || coalesce ((SELECT group_concat (i.name, ', ') FROM pragma_index_info (m.name) i),"
      " '') || '] ' || coalesce ((SELECT t.wr FROM pragma_table_list t WHERE t.name = m.name"
      " AND t.schema = 'main'), '') AS x FROM sqlite_schema m ORDER BY m.type, m.name)";

    make_small_history (fresh, 1);
    migrated_schema = select_texts (path, signature);
    fresh_schema = select_texts (fresh, signature);
    g_assert_nonnull (strstr (g_ptr_array_index (fresh_schema, 0), "fields BLOB"));
    g_assert_cmpstr (g_ptr_array_index (migrated_schema, 0), ==, g_ptr_array_index (fresh_schema, 0));
    remove_db (fresh);
  }
  {
    g_autoptr(GPtrArray) version = select_texts (path, "PRAGMA user_version");
    g_assert_cmpstr (g_ptr_array_index (version, 0), ==,
                     G_STRINGIFY (NETLENS_HISTORY_SCHEMA_VERSION));
  }
  remove_db (path);
}

static void
test_damaged (void)
{
  g_autofree char *path = temp_db ("damaged.sqlite");
  g_autoptr(GError) error = NULL;
  g_autofree char *aside = NULL;
  g_autofree char *aside_data = NULL;
  g_autofree char *data = NULL;
  NetlensHistory *history;
  gsize len, aside_len;

  /* garbage */
  {
    g_autofree guint8 *garbage = g_malloc (65536);
    for (guint i = 0; i < 65536; i++)
      garbage[i] = (guint8) g_test_rand_int ();
    g_assert_true (g_file_set_contents (path, (char *) garbage, 65536, NULL));
    assert_refused (path, NETLENS_HISTORY_ERROR_CORRUPT);
  }

  /* a valid header, then pages garbled in the middle */
  remove_db (path);
  make_small_history (path, 8000);
  data = store_test_read_file (path, &len);
  g_assert_cmpuint (len, >, 16 * 4096);
  memset (data + (len / 2 / 4096) * 4096, 0x5a, 3 * 4096);
  g_assert_true (g_file_set_contents (path, data, len, NULL));
  assert_refused (path, NETLENS_HISTORY_ERROR_CORRUPT);

  /* cut in half */
  remove_db (path);
  make_small_history (path, 8000);
  g_clear_pointer (&data, g_free);
  data = store_test_read_file (path, &len);
  g_assert_true (g_file_set_contents (path, data, len / 2, NULL));
  assert_refused (path, NETLENS_HISTORY_ERROR_CORRUPT);

  /* another program's database */
  remove_db (path);
  {
    sqlite3 *db = NULL;
    g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_exec (db, "CREATE TABLE notes (text TEXT); "
                                   "INSERT INTO notes VALUES ('mine')", NULL, NULL, NULL), ==,
                     SQLITE_OK);
    sqlite3_close (db);
  }
  assert_refused (path, NETLENS_HISTORY_ERROR_CORRUPT);

  /* the GUI then sets it aside and starts afresh */
  g_clear_pointer (&data, g_free);
  data = store_test_read_file (path, &len);
  g_assert_true (netlens_history_set_aside (path, &aside, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_true (g_str_has_prefix (aside, path));
  aside_data = store_test_read_file (aside, &aside_len);
  g_assert_cmpmem (aside_data, aside_len, data, len);
  history = netlens_history_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (count_rows (history, 0, 0), ==, 0);
  netlens_history_close (history);
  remove_db (path);
  g_unlink (aside);

  /* an empty file is a new history */
  g_assert_true (g_file_set_contents (path, "", 0, NULL));
  history = netlens_history_open (path, &error);
  g_assert_no_error (error);
  netlens_history_close (history);
  remove_db (path);
}

/* The caller never waits: a full queue drops and counts. */
static void
test_queue_full (void)
{
  g_autofree char *path = temp_db ("queue.sqlite");
  g_autoptr(GError) error = NULL;
  NetlensHistory *history;
  gint64 base = g_get_real_time ();

  history = netlens_history_open (path, &error);
  g_assert_no_error (error);
  netlens_history_set_queue_limit (history, 10);
  for (guint i = 0; i < 25; i++)
    netlens_history_push (history, make_row (i, base + i, 1, i));
  g_assert_cmpuint (netlens_history_get_dropped (history), ==, 15);
  g_assert_true (netlens_history_flush (history));
  g_assert_cmpuint (netlens_history_get_written (history), ==, 10);
  g_assert_cmpuint (count_rows (history, 0, 0), ==, 10);

  /* with the writer, batches are committed by size and by delay without a flush */
  netlens_history_set_queue_limit (history, 100000);
  netlens_history_set_batch (history, 100, 50);
  netlens_history_start_writer (history);
  for (guint i = 0; i < 250; i++)
    netlens_history_push (history, make_row (100 + i, base + 1000 + i, 1, i));
  for (guint tries = 0; tries < 3000 && netlens_history_get_written (history) < 260; tries++)
    g_usleep (10000);
  g_assert_cmpuint (netlens_history_get_written (history), ==, 260);
  g_assert_cmpuint (netlens_history_get_batches (history), >=, 1 + 3);

  /* a file replay waits for room instead of dropping */
  netlens_history_set_queue_limit (history, 10);
  netlens_history_set_batch (history, 5, 1000);
  netlens_history_set_block_when_full (history, TRUE);
  for (guint i = 0; i < 1000; i++)
    netlens_history_push (history, make_row (1000 + i, base + 5000 + i, 1, i));
  g_assert_true (netlens_history_flush (history));
  g_assert_cmpuint (netlens_history_get_dropped (history), ==, 15);
  g_assert_cmpuint (netlens_history_get_written (history), ==, 1260);
  netlens_history_close (history);
  remove_db (path);
}

static void
test_clear (void)
{
  g_autofree char *path = temp_db ("clear.sqlite");
  g_autoptr(GError) error = NULL;
  NetlensHistory *history;
  TrafficSum traffic = { 0 };
  gint64 base = g_get_real_time () - 600 * SEC;
  guint64 full;

  history = netlens_history_open (path, &error);
  g_assert_no_error (error);
  netlens_history_start_writer (history);
  for (guint i = 0; i < 2000; i++)
    netlens_history_push (history, make_row (i, base + i * 1000, 1000, i));
  g_assert_true (netlens_history_flush (history));
  full = netlens_history_get_size (history);
  g_assert_cmpuint (count_rows (history, 0, 0), ==, 2000);

  g_assert_true (netlens_history_clear (history, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count_rows (history, 0, 0), ==, 0);
  g_assert_true (netlens_history_query_traffic (history, 0, 0, NULL, sum_traffic, &traffic, &error));
  g_assert_cmpuint (traffic.minutes, ==, 0);
  g_assert_cmpuint (netlens_history_get_size (history), <, full / 4);

  netlens_history_push (history, make_row (1, base, 1000, 0));
  g_assert_true (netlens_history_flush (history));
  g_assert_cmpuint (count_rows (history, 0, 0), ==, 1);
  netlens_history_close (history);
  remove_db (path);
}

/* The DPI JSON reader: bad text is an error, never a crash or a half-built record. */
/* Schema 4 stores the enums as numbers: a renumbering must change the row format too. */
static void
test_row_enums_pinned (void)
{
  const char *const *names;
  guint n;

  names = netlens_history_row_state_names (&n);
  g_assert_cmpuint (n, ==, NETLENS_N_STATES);
  for (guint i = 0; i < n; i++)
    g_assert_cmpstr (names[i], ==, netlens_state_to_string (i));
  names = netlens_history_row_app_state_names (&n);
  g_assert_cmpuint (n, ==, NETLENS_N_APP_STATES);
  for (guint i = 0; i < n; i++)
    g_assert_cmpstr (names[i], ==, netlens_app_state_to_string (i));
  names = netlens_history_row_app_names (&n);
  g_assert_cmpuint (n, ==, NETLENS_N_APPS);
  for (guint i = 0; i < n; i++)
    g_assert_cmpstr (names[i], ==, netlens_app_to_string (i));
  names = netlens_history_row_end_reason_names (&n);
  g_assert_cmpuint (n, ==, NETLENS_END_END_OF_CAPTURE + 1);
  for (guint i = 0; i < n; i++)
    g_assert_cmpstr (names[i], ==, netlens_end_reason_to_string (i));
}

/* A row's blob: every field back, and every cut, a wrong format or trailing bytes refused
 * with an error naming the damage (never a read past the end: ASan build). */
static void
test_row_blob (void)
{
  for (guint variant = 0; variant < 4; variant++)
    {
      g_autoptr(GByteArray) blob = g_byte_array_new ();
      NetlensConnection *conn = make_row (300 + variant, g_get_real_time (), 5 * SEC, variant);
      g_autofree char *json = NULL;
      NetlensConnection *back;
      g_autoptr(GError) error = NULL;

      if (variant == 3)
        conn->ended = 0;   /* an open row */
      conn->extra_flags = 0x5a;
      json = json_of (conn);
      netlens_history_row_encode (conn, blob);
      g_assert_cmpuint (blob->len, <, 400);

      back = g_new0 (NetlensConnection, 1);
      back->id = conn->id;
      back->generation = conn->generation;
      back->first_seen = conn->first_seen;
      back->last_seen = conn->last_seen;
      back->tx_bytes = conn->tx_bytes;
      back->rx_bytes = conn->rx_bytes;
      g_assert_true (netlens_history_row_decode (blob->data, blob->len, back, &error));
      g_assert_no_error (error);
      {
        g_autofree char *json_back = json_of (back);
        g_assert_cmpstr (json_back, ==, json);
      }
      g_assert_cmpuint (back->extra_flags, ==, 0x5a);
      netlens_connection_free (back);

      for (guint cut = 0; cut < blob->len; cut++)
        {
          NetlensConnection *part = g_new0 (NetlensConnection, 1);
          g_autofree guint8 *copy = g_memdup2 (blob->data, cut);

          g_assert_false (netlens_history_row_decode (copy, cut, part, &error));
          g_assert_error (error, NETLENS_HISTORY_ERROR, NETLENS_HISTORY_ERROR_CORRUPT);
          g_assert_nonnull (strstr (error->message, "damaged"));
          g_clear_error (&error);
          netlens_connection_free (part);
        }
      {
        NetlensConnection *part = g_new0 (NetlensConnection, 1);
        g_autoptr(GByteArray) longer = g_byte_array_new ();

        g_byte_array_append (longer, blob->data, blob->len);
        g_byte_array_append (longer, (const guint8 *) "x", 1);
        g_assert_false (netlens_history_row_decode (longer->data, longer->len, part, &error));
        g_assert_error (error, NETLENS_HISTORY_ERROR, NETLENS_HISTORY_ERROR_CORRUPT);
        g_clear_error (&error);
        longer->data[0] = 77;
        g_assert_false (netlens_history_row_decode (longer->data, longer->len, part, &error));
        g_assert_nonnull (strstr (error->message, "format 77"));
        g_clear_error (&error);
        netlens_connection_free (part);
      }
      netlens_connection_free (conn);
    }
}

typedef struct
{
  guint rows;
  guint damaged;
} DamageCount;

static gboolean
count_damage (NetlensHistoryRow *row,
              gpointer           data)
{
  DamageCount *count = data;

  count->rows++;
  g_assert_nonnull (row->json);
  if (row->damage != NULL)
    {
      count->damaged++;
      g_assert_nonnull (strstr (row->damage, "damaged"));
      /* the columns and what came before the damage */
      g_assert_cmpuint (row->conn->id, ==, 5);
      g_assert_cmpuint (row->conn->key.proto, ==, NETLENS_PROTO_TCP);
      g_assert_cmpuint (row->conn->tx_bytes, >, 0);
    }
  return TRUE;
}

/* A stored row damaged on disk is read with what comes before the damage, and said so. */
static void
test_row_damaged_on_disk (void)
{
  g_autofree char *path = temp_db ("row-damaged.sqlite");
  g_autoptr(GError) error = NULL;
  NetlensHistory *history;
  DamageCount count = { 0 };
  sqlite3 *db = NULL;

  make_small_history (path, 20);
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  /* row 4 (id 5) is variant 0: TCP */
  g_assert_cmpint (sqlite3_exec (db, "UPDATE connections SET fields = substr (fields, 1, 12) "
                                 "WHERE conn_id = 5", NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_changes (db), ==, 1);
  sqlite3_close (db);

  history = netlens_history_open (path, &error);
  g_assert_no_error (error);
  g_assert_true (netlens_history_query (history, 0, 0, count_damage, &count, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count.rows, ==, 20);
  g_assert_cmpuint (count.damaged, ==, 1);
  netlens_history_close (history);
  remove_db (path);
}

/* Schema 4 has no identity index: an open row written again is found by the writer's own
 * record, and the update checks the identity, so a row trimmed or cleared meanwhile whose
 * id was taken by another row is written anew and the other row is left as it is. */
static void
test_update_checks_identity (void)
{
  g_autofree char *path = temp_db ("identity.sqlite");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) before = NULL, after = NULL;
  NetlensHistory *history;
  NetlensConnection *conn;
  gint64 base = g_get_real_time () - 600 * SEC;
  sqlite3 *db = NULL;
  Collected c;

  history = netlens_history_open (path, &error);
  g_assert_no_error (error);
  conn = make_row (1, base, 10 * SEC, 0);
  conn->ended = 0;
  netlens_history_push (history, conn);              /* open: id 1, remembered */
  netlens_history_push (history, make_row (2, base, 10 * SEC, 0));   /* id 2 */
  g_assert_true (netlens_history_flush (history));

  /* someone else's change: row 1 gone, and its id taken by another row */
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "DELETE FROM connections WHERE id = 1;"
                                 "INSERT INTO connections (id, session, conn_id, generation,"
                                 " first_seen, last_seen, tx_bytes, rx_bytes, written, fields)"
                                 " SELECT 1, session, 77, generation, first_seen, last_seen,"
                                 " tx_bytes, rx_bytes, written, fields FROM connections"
                                 " WHERE id = 2", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  before = select_texts (path, "SELECT hex (fields) || last_seen FROM connections WHERE id = 1");

  /* the end of row 1 */
  conn = make_row (1, base, 20 * SEC, 0);
  netlens_history_push (history, conn);
  g_assert_true (netlens_history_flush (history));
  after = select_texts (path, "SELECT hex (fields) || last_seen FROM connections WHERE id = 1");
  g_assert_cmpstr (g_ptr_array_index (after, 0), ==, g_ptr_array_index (before, 0));

  collected_init (&c);
  g_assert_true (netlens_history_query (history, 0, 0, collect_row, &c, &error));
  g_assert_cmpuint (c.conns->len, ==, 3);
  {
    guint found = 0;
    for (guint i = 0; i < c.conns->len; i++)
      {
        const NetlensConnection *row = g_ptr_array_index (c.conns, i);
        if (row->id == 2 && g_array_index (c.ids, gint64, i) > 2)
          {
            /* row 1's end, as a new row: make_row (1, ...) has conn id 2 */
            g_assert_cmpint (row->last_seen, ==, base + 20 * SEC);
            g_assert_cmpint (row->ended, ==, base + 20 * SEC);
            found++;
          }
      }
    g_assert_cmpuint (found, ==, 1);
  }
  collected_clear (&c);
  netlens_history_close (history);
  remove_db (path);
}

/* A live copy taken before a row's end but queued after it (another thread took it) is
 * older than the end and is dropped, though the row was never written open before. */
static void
test_late_live_copy (void)
{
  g_autofree char *path = temp_db ("late-live.sqlite");
  g_autoptr(GError) error = NULL;
  NetlensHistory *history;
  NetlensConnection *conn, *late;
  gint64 base = g_get_real_time () - 3600 * SEC;
  Collected c;

  history = netlens_history_open (path, &error);
  g_assert_no_error (error);
  /* a full queue: the live offer is remembered, its copy dropped (as if still on its way) */
  netlens_history_set_queue_limit (history, 1);
  netlens_history_push (history, make_row (50, base, SEC, 0));
  conn = make_row (3, base, 60 * SEC, 0);
  conn->ended = 0;
  conn->end_reason = NETLENS_END_NONE;
  conn->state = NETLENS_STATE_ESTABLISHED;
  g_assert_true (netlens_history_offer_live (history, conn, 1000 * SEC, 0));
  g_assert_cmpuint (netlens_history_get_dropped (history), ==, 1);
  g_assert_true (netlens_history_flush (history));

  /* the end, then the late copy */
  late = netlens_connection_snapshot (conn);
  conn->last_seen += 30 * SEC;
  conn->tx_bytes += 100;
  conn->ended = conn->last_seen;
  conn->end_reason = NETLENS_END_CLOSED;
  conn->state = NETLENS_STATE_CLOSED;
  netlens_history_row_sink (conn, history);
  g_assert_true (netlens_history_flush (history));
  netlens_history_push (history, late);
  g_assert_true (netlens_history_flush (history));

  collected_init (&c);
  g_assert_true (netlens_history_query (history, 0, 0, collect_row, &c, &error));
  g_assert_cmpuint (c.conns->len, ==, 2);
  for (guint i = 0; i < c.conns->len; i++)
    {
      const NetlensConnection *row = g_ptr_array_index (c.conns, i);
      if (row->id == 4)
        {
          g_assert_cmpint (row->ended, ==, base + 90 * SEC);
          g_assert_cmpuint (row->state, ==, NETLENS_STATE_CLOSED);
        }
    }
  collected_clear (&c);
  netlens_history_close (history);
  remove_db (path);
}

/* Schema 4 reads a time range through its blocks: two writers whose batches interleave give
 * each row once, in the range of its own times; a row written open and updated later is
 * found at its new last seen, though its block was made before. */
static void
test_blocks (void)
{
  g_autofree char *path = temp_db ("blocks.sqlite");
  g_autoptr(GError) error = NULL;
  NetlensHistory *a, *b;
  gint64 now = g_get_real_time ();
  gint64 old = now - 400 * USEC_PER_DAY;
  NetlensConnection *x;
  Collected c;

  a = netlens_history_open (path, &error);
  g_assert_no_error (error);
  b = netlens_history_open (path, &error);
  g_assert_no_error (error);
  netlens_history_set_retention (a, 0, 0);
  netlens_history_set_retention (b, 0, 0);
  netlens_history_begin_session (a, "old capture");
  netlens_history_begin_session (b, "live");
  for (guint round = 0; round < 6; round++)
    {
      for (guint i = 0; i < 50; i++)
        netlens_history_push (a, make_row (round * 100 + i, old + (round * 50 + i) * SEC, SEC, i));
      g_assert_true (netlens_history_flush (a));
      for (guint i = 0; i < 50; i++)
        netlens_history_push (b, make_row (round * 100 + 50 + i, now - 3600 * SEC + (round * 50 + i) * SEC,
                                           SEC, i));
      g_assert_true (netlens_history_flush (b));
    }
  g_assert_cmpuint (count_rows (a, 0, 0), ==, 600);
  g_assert_cmpuint (count_rows (a, old - SEC, old + 400 * SEC), ==, 300);
  g_assert_cmpuint (count_rows (b, now - 7200 * SEC, 0), ==, 300);
  g_assert_cmpuint (count_rows (b, old + 100 * SEC, old + 149 * SEC), ==, 51);  /* 99 to 149 */

  /* X, written open among old rows, then 5000 more rows (another block), then its end two
   * hours later: found in a range that only its new last seen reaches */
  x = make_row (9000, now - 3 * 3600 * SEC, 10 * SEC, 0);
  x->ended = 0;
  netlens_history_push (a, x);
  g_assert_true (netlens_history_flush (a));
  for (guint i = 0; i < 5000; i++)
    netlens_history_push (a, make_row (10000 + i, now - 10 * 3600 * SEC + i * SEC, SEC, i));
  g_assert_true (netlens_history_flush (a));
  x = make_row (9000, now - 3 * 3600 * SEC, 3 * 3600 * SEC - 600 * SEC, 0);
  netlens_history_push (a, x);
  g_assert_true (netlens_history_flush (a));
  collected_init (&c);
  g_assert_true (netlens_history_query (b, now - 1200 * SEC, now, collect_row, &c, &error));
  g_assert_cmpuint (c.conns->len, ==, 1);
  g_assert_cmpuint (((NetlensConnection *) g_ptr_array_index (c.conns, 0))->id, ==, 9001);
  collected_clear (&c);
  g_assert_cmpuint (count_rows (a, 0, 0), ==, 600 + 1 + 5000);
  netlens_history_close (a);
  netlens_history_close (b);
  remove_db (path);
}

static void
test_dpi_from_json_bad (void)
{
  static const char *const bad[] = {
    "", "{", "[]", "null", "{\"tls\":}", "{\"tls\":{\"sni\":[\"a\"]}} x", "{\"a\":\"\\ud800\"}",
    "{\"a\":\"\\u0000\"}", "{\"a\":\"\\q\"}", "{\"a\":tru}", "{\"a\":-}", "{\"a\" 1}", "{,}",
  };
  const char *good = "{\"http\":null,\"tls\":{\"sni\":[\"a.example\",\"b\\\"q\"],\"alpn\":[],"
                     "\"client_hellos\":1},\"dns\":null,\"ssh\":null,\"quic\":null,"
                     "\"icmp\":null,\"arp\":null}";
  g_autoptr(GString) deep = g_string_new (NULL);
  NetlensDpi *dpi;

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;

      dpi = netlens_dpi_from_json (bad[i], NULL, &error);
      if (dpi != NULL)
        g_error ("%s: read as DPI JSON", bad[i]);
      g_assert_error (error, NETLENS_DPI_JSON_ERROR, 0);
    }
  for (guint i = 0; i < 200; i++)
    g_string_append (deep, "{\"a\":");
  g_assert_null (netlens_dpi_from_json (deep->str, NULL, NULL));
  /* every cut of a good value is bad */
  for (gsize n = 0; n < strlen (good); n++)
    {
      g_autofree char *cut = g_strndup (good, n);

      g_assert_null (netlens_dpi_from_json (cut, NULL, NULL));
    }
  dpi = netlens_dpi_from_json (good, NULL, NULL);
  g_assert_nonnull (dpi);
  g_assert_cmpstr (netlens_dpi_get_sni (dpi), ==, "a.example");
  netlens_dpi_free (dpi);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_setenv ("TZ", "UTC", TRUE);
  g_test_init (&argc, &argv, NULL);

  tmp_dir = g_dir_make_tmp ("netlens-history-XXXXXX", NULL);
  g_assert_nonnull (tmp_dir);

  g_test_add_func ("/history/parse-time", test_parse_time);
  g_test_add_func ("/history/round-trip", test_round_trip);
  g_test_add_func ("/history/corpus-equals-export", test_corpus_equals_export);
  g_test_add_func ("/history/update-in-place", test_update_in_place);
  g_test_add_func ("/history/connection-traffic-spread", test_connection_traffic_spread);
  g_test_add_func ("/history/offer-live", test_offer_live);
  g_test_add_func ("/history/read-while-writing", test_read_while_writing);
  g_test_add_func ("/history/retention-days", test_retention_days);
  g_test_add_func ("/history/retention-size-existing", test_retention_size_existing);
  g_test_add_func ("/history/retention-size-while-writing", test_retention_size_while_writing);
  g_test_add_func ("/history/sigkill", test_sigkill);
  g_test_add_func ("/history/newer-schema", test_newer_schema);
  g_test_add_func ("/history/migrate-v1", test_migrate_v1);
  g_test_add_func ("/history/damaged", test_damaged);
  g_test_add_func ("/history/queue-full", test_queue_full);
  g_test_add_func ("/history/clear", test_clear);
  g_test_add_func ("/history/dpi-from-json-bad", test_dpi_from_json_bad);
  g_test_add_func ("/history/row-enums-pinned", test_row_enums_pinned);
  g_test_add_func ("/history/row-blob", test_row_blob);
  g_test_add_func ("/history/row-damaged-on-disk", test_row_damaged_on_disk);
  g_test_add_func ("/history/update-checks-identity", test_update_checks_identity);
  g_test_add_func ("/history/late-live-copy", test_late_live_copy);
  g_test_add_func ("/history/blocks", test_blocks);

  ret = g_test_run ();
  store_test_rm_rf (tmp_dir);
  g_free (tmp_dir);
  return ret;
}
