/* fuzz-history.c: opening and reading a history database that someone else wrote
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Input: the database file.  It is written to a private temporary folder, opened with
 * netlens_history_open() (which checks it before writing anything) and, when it opens, read
 * back with every query the History view makes.
 */

#define G_LOG_DOMAIN "netlens-fuzz"

#include "config.h"

#include <glib/gstdio.h>

#include "netlens-fuzz.h"
#include "netlens-history.h"

typedef struct
{
  guint  rows;
  gint64 first_id;
} Seen;

static gboolean
on_row (NetlensHistoryRow *row,
        gpointer           user_data)
{
  Seen *seen = user_data;

  g_assert_nonnull (row->conn);
  if (seen->rows++ == 0)
    seen->first_id = row->id;
  (void) netlens_history_program_key (row->conn);
  (void) netlens_connection_get_best_name (row->conn);
  return seen->rows < 1000;
}

static gboolean
on_traffic (gint64   minute_us,
            guint64  tx_bytes,
            guint64  rx_bytes,
            gpointer user_data)
{
  return ++*(guint *) user_data < 10000;
}

static void
remove_db (const char *path)
{
  static const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *p = g_strconcat (path, suffixes[i], NULL);

      g_unlink (p);
    }
}

int
netlens_fuzz_history (const guint8 *data,
                      gsize         size)
{
  static char *path;
  g_autoptr(NetlensHistory) history = NULL;
  g_autoptr(GError) error = NULL;
  Seen seen = { 0 };
  guint buckets = 0;

  if (size > 512 * 1024)
    return 0;
  if (path == NULL)
    {
      g_autofree char *dir = g_dir_make_tmp ("netlens-fuzz-history-XXXXXX", NULL);

      g_assert_nonnull (dir);
      path = g_build_filename (dir, "history.sqlite", NULL);
    }
  remove_db (path);
  g_assert_true (g_file_set_contents (path, (const char *) data, (gssize) size, NULL));

  history = netlens_history_open (path, &error);
  if (history == NULL)
    {
      g_assert_nonnull (error);
      remove_db (path);
      return 0;
    }
  if (netlens_history_query (history, 0, 0, on_row, &seen, NULL) && seen.rows > 0)
    netlens_history_query_connection_traffic (history, seen.first_id, on_traffic, &buckets, NULL);
  netlens_history_query (history, 1700000000000000, 1800000000000000, on_row, &seen, NULL);
  netlens_history_query_traffic (history, 0, 0, NULL, on_traffic, &buckets, NULL);
  netlens_history_query_traffic (history, 0, 0, "", on_traffic, &buckets, NULL);
  netlens_history_query_traffic (history, 0, 0, "firefox", on_traffic, &buckets, NULL);
  (void) netlens_history_get_size (history);
  g_clear_pointer (&history, netlens_history_close);
  remove_db (path);
  return 0;
}

NETLENS_FUZZ_TARGET (netlens_fuzz_history)
