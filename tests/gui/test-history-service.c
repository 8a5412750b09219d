/* test-history-service.c: the window's history service, without a display
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "netlens-history-service.h"
#include "netlens-groups.h"

#define SEC G_USEC_PER_SEC

static char *dir;

static NetlensConnection *
make_row (guint32 id,
          gint64  first_seen,
          gint64  last_seen)
{
  NetlensConnection *conn = g_new0 (NetlensConnection, 1);

  conn->key.proto = NETLENS_PROTO_TCP;
  conn->key.family = NETLENS_FAMILY_IPV4;
  conn->key.lport = 40000 + id;
  conn->key.rport = 443;
  conn->key.laddr.bytes[0] = 10;
  conn->key.raddr.bytes[0] = 192;
  conn->id = id;
  conn->generation = 1;
  conn->first_seen = first_seen;
  conn->last_seen = last_seen;
  conn->tx_bytes = 100 * id;
  conn->rx_bytes = 200 * id;
  conn->tx_packets = conn->rx_packets = 2;
  conn->flags = NETLENS_CONN_SNAPSHOT;
  return conn;
}

static NetlensChangeSet *
make_set (gint64 now)
{
  NetlensChangeSet *set = g_new0 (NetlensChangeSet, 1);

  set->now_us = now;
  set->updated = g_ptr_array_new_with_free_func ((GDestroyNotify) netlens_connection_free);
  set->removed = g_array_new (FALSE, FALSE, sizeof (guint32));
  return set;
}

static void
feed (NetlensHistoryService *service,
      NetlensChangeSet      *set,
      NetlensConnection     *ended)
{
  g_autoptr(GPtrArray) sets = g_ptr_array_new_with_free_func ((GDestroyNotify) netlens_change_set_free);
  g_autoptr(GPtrArray) ends = g_ptr_array_new_with_free_func ((GDestroyNotify) netlens_connection_free);

  if (set != NULL)
    g_ptr_array_add (sets, set);
  if (ended != NULL)
    g_ptr_array_add (ends, ended);
  netlens_history_service_feed (service, sets, ends);
}

static gboolean
collect (NetlensHistoryRow *row,
         gpointer           data)
{
  g_array_append_val ((GArray *) data, row->conn->id);
  return TRUE;
}

static GArray *
stored_ids (NetlensHistoryService *service)
{
  g_autofree char *path = netlens_history_service_get_path (service);
  g_autoptr(GError) error = NULL;
  g_autoptr(NetlensHistory) history = NULL;
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (guint32));

  g_assert_true (netlens_history_service_sync (service));
  history = netlens_history_open (path, &error);
  g_assert_no_error (error);
  g_assert_true (netlens_history_query (history, 0, 0, collect, ids, &error));
  g_assert_no_error (error);
  return ids;
}

static void
on_cleared_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (netlens_history_service_clear_finish (netlens_history_service_get_default (),
                                                       result, &error));
  g_assert_no_error (error);
  *(gboolean *) data = TRUE;
}

static void
test_feed (void)
{
  NetlensHistoryService *service = netlens_history_service_get_default ();
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);
  gint64 now = G_GINT64_CONSTANT (1700000000) * SEC;
  NetlensChangeSet *set;
  GArray *ids;
  gboolean cleared = FALSE;

  g_assert_true (netlens_history_service_is_enabled (service));
  netlens_history_service_begin_session (service, "test");

  /* a young row is not written; a row that has lived a minute is, once a minute */
  set = make_set (now);
  g_ptr_array_add (set->updated, make_row (1, now - 10 * SEC, now));
  g_ptr_array_add (set->updated, make_row (2, now - 61 * SEC, now));
  feed (service, set, NULL);
  set = make_set (now + 30 * SEC);
  g_ptr_array_add (set->updated, make_row (2, now - 61 * SEC, now + 30 * SEC));
  feed (service, set, NULL);
  ids = stored_ids (service);
  g_assert_cmpuint (ids->len, ==, 1);
  g_assert_cmpuint (g_array_index (ids, guint32, 0), ==, 2);
  g_array_unref (ids);
  g_assert_cmpuint (netlens_history_service_get_written (service), ==, 1);

  set = make_set (now + 61 * SEC);
  g_ptr_array_add (set->updated, make_row (2, now - 61 * SEC, now + 61 * SEC));
  feed (service, set, NULL);
  g_assert_true (netlens_history_service_sync (service));
  g_assert_cmpuint (netlens_history_service_get_written (service), ==, 2);  /* updated in place */

  /* an ended row is written whatever its age */
  feed (service, NULL, make_row (3, now, now + 1 * SEC));
  ids = stored_ids (service);
  g_assert_cmpuint (ids->len, ==, 2);
  g_array_unref (ids);

  /* switched off in Preferences: nothing is written; on again: the database reopens */
  g_settings_set_boolean (settings, "history-enabled", FALSE);
  g_assert_false (netlens_history_service_is_enabled (service));
  feed (service, NULL, make_row (4, now, now + 1 * SEC));
  g_settings_set_boolean (settings, "history-enabled", TRUE);
  g_assert_true (netlens_history_service_is_enabled (service));
  feed (service, NULL, make_row (5, now, now + 1 * SEC));
  ids = stored_ids (service);
  g_assert_cmpuint (ids->len, ==, 3);
  g_assert_cmpuint (g_array_index (ids, guint32, 2), ==, 5);
  g_array_unref (ids);

  /* Clear History */
  netlens_history_service_clear_async (service, NULL, on_cleared_cb, &cleared);
  while (!cleared)
    g_main_context_iteration (NULL, TRUE);
  ids = stored_ids (service);
  g_assert_cmpuint (ids->len, ==, 0);
  g_array_unref (ids);
}

static void
on_known_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  g_autoptr(GError) error = NULL;
  GHashTable **known = data;

  *known = netlens_history_service_known_finish (netlens_history_service_get_default (),
                                                 result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (*known);
}

/* The programs and hosts the history knows, for "first use ever" notifications: the
 * same keys as the Processes and Hosts views give the rows. */
static void
test_known (void)
{
  NetlensHistoryService *service = netlens_history_service_get_default ();
  gint64 now = G_GINT64_CONSTANT (1700000000) * SEC;
  NetlensConnection *conn = make_row (7, now, now + 1 * SEC);
  g_autofree char *program = NULL;
  g_autofree char *host = NULL;
  g_autofree char *program_key = NULL;
  g_autofree char *host_key = NULL;
  g_autofree char *absent = g_strdup_printf ("%u:exe:/usr/bin/never-seen", NETLENS_GROUP_PROCESS);
  GHashTable *known = NULL;

  conn->process = netlens_owner_new ();
  conn->process->pid = 4242;
  conn->process->name = g_strdup ("rsync");
  conn->process->exe = g_strdup ("/usr/bin/rsync");
  conn->key.raddr.bytes[3] = 7;
  program = netlens_group_key_for_process (conn);
  host = netlens_group_key_for_host (conn);
  program_key = g_strdup_printf ("%u:%s", NETLENS_GROUP_PROCESS, program);
  host_key = g_strdup_printf ("%u:%s", NETLENS_GROUP_HOST, host);
  g_assert_cmpstr (program, ==, "exe:/usr/bin/rsync");

  netlens_history_service_begin_session (service, "test known");
  feed (service, NULL, conn);
  g_assert_true (netlens_history_service_sync (service));
  netlens_history_service_known_async (service, NULL, on_known_cb, &known);
  while (known == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_test_message ("%u keys known from the history", g_hash_table_size (known));
  g_assert_true (g_hash_table_contains (known, program_key));
  g_assert_true (g_hash_table_contains (known, host_key));
  g_assert_false (g_hash_table_contains (known, absent));
  g_hash_table_unref (known);
}

/* A damaged database: reported, left as it is, and nothing is written. */
static void
test_damaged (void)
{
  g_autofree char *bad = g_build_filename (dir, "damaged.sqlite", NULL);
  g_autofree char *after = NULL;
  const char *junk = "SQLite format 3\0 this is not a database, but it starts like one";
  NetlensHistoryService *service;
  const GError *error;

  netlens_history_service_shutdown ();
  g_assert_true (g_file_set_contents (bad, junk, 64, NULL));
  netlens_history_service_configure (bad, FALSE);
  service = netlens_history_service_get_default ();
  feed (service, NULL, make_row (1, SEC, 2 * SEC));
  g_assert_false (netlens_history_service_sync (service));
  error = netlens_history_service_get_error (service);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_true (g_error_matches (error, NETLENS_HISTORY_ERROR, NETLENS_HISTORY_ERROR_CORRUPT));
  g_assert_true (g_file_get_contents (bad, &after, NULL, NULL));
  g_assert_cmpmem (after, 64, junk, 64);
  netlens_history_service_shutdown ();
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *db = NULL;
  int ret;

  g_test_init (&argc, &argv, NULL);
  dir = g_dir_make_tmp ("netlens-history-service-XXXXXX", NULL);
  db = g_build_filename (dir, "history.sqlite", NULL);
  netlens_history_service_configure (db, FALSE);
  g_test_add_func ("/history-service/feed", test_feed);
  g_test_add_func ("/history-service/known", test_known);
  g_test_add_func ("/history-service/damaged", test_damaged);
  ret = g_test_run ();
  netlens_history_service_shutdown ();
  {
    g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
    const char *name;

    while (d != NULL && (name = g_dir_read_name (d)) != NULL)
      {
        g_autofree char *f = g_build_filename (dir, name, NULL);

        g_unlink (f);
      }
  }
  g_rmdir (dir);
  g_free (dir);
  return ret;
}
