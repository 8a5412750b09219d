/* test-model.c: NetlensConnectionModel with hand-made connection snapshots
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "netlens-test"

#include "config.h"

#include <string.h>

#include "netlens-connection-model.h"
#include "netlens-query.h"
#include "netlens-row-selection.h"

#define SEC G_USEC_PER_SEC
#define T0 (G_GINT64_CONSTANT (1700000000) * SEC)

/* A connection as a worker would snapshot it. */
static NetlensConnection *
make_conn (guint32      id,
           NetlensProto proto,
           guint8       last_octet,
           guint16      rport,
           guint64      rx_bytes,
           NetlensState state,
           const char  *process)
{
  NetlensConnection tmpl;
  NetlensConnection *conn;

  memset (&tmpl, 0, sizeof tmpl);
  tmpl.id = id;
  tmpl.generation = 1;
  tmpl.key.proto = proto;
  tmpl.key.family = NETLENS_FAMILY_IPV4;
  tmpl.key.laddr.bytes[0] = 192;
  tmpl.key.laddr.bytes[1] = 0;
  tmpl.key.laddr.bytes[2] = 2;
  tmpl.key.laddr.bytes[3] = 1;
  tmpl.key.raddr.bytes[0] = 198;
  tmpl.key.raddr.bytes[1] = 51;
  tmpl.key.raddr.bytes[2] = 100;
  tmpl.key.raddr.bytes[3] = last_octet;
  tmpl.key.lport = 40000 + (id % 20000);
  tmpl.key.rport = rport;
  tmpl.state = state;
  tmpl.first_seen = T0 + id * 1000;
  tmpl.last_seen = T0 + id * 1000;
  tmpl.rx_bytes = rx_bytes;
  tmpl.tx_bytes = rx_bytes / 2;
  tmpl.rx_packets = 1 + rx_bytes / 1000;
  tmpl.tx_packets = 1;
  conn = netlens_connection_snapshot (&tmpl);
  if (process != NULL)
    {
      conn->process = netlens_owner_new ();
      conn->process->pid = 1000 + id % 7;
      conn->process->name = g_strdup (process);
    }
  return conn;
}

/* A copy of the model's contents, kept only through items-changed: it proves
 * that the signals describe the changes exactly. */
typedef struct
{
  GPtrArray *items;
  guint      n_signals;
} Mirror;

static void
on_items_changed (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  Mirror     *mirror)
{
  mirror->n_signals++;
  g_assert_cmpuint (position + removed, <=, mirror->items->len);
  g_ptr_array_remove_range (mirror->items, position, removed);
  for (guint i = 0; i < added; i++)
    {
      GObject *item = g_list_model_get_item (model, position + i);
      g_assert_nonnull (item);
      g_ptr_array_insert (mirror->items, position + i, item);
    }
}

static void
assert_mirror (NetlensConnectionModel *model,
               Mirror                 *mirror)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (model));

  g_assert_cmpuint (mirror->items->len, ==, n);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(NetlensConnectionRow) row = g_list_model_get_item (G_LIST_MODEL (model), i);
      g_assert_true (row == g_ptr_array_index (mirror->items, i));
      g_assert_cmpuint (netlens_connection_model_get_position (model, netlens_connection_row_get_id (row)), ==, i);
    }
}

static gboolean
match_query (const NetlensConnection *conn,
             gpointer                 data)
{
  return netlens_query_match (data, conn);
}

static void
set_query (NetlensConnectionModel *model,
           const char             *text,
           NetlensFilterChange     change)
{
  g_autoptr(GError) error = NULL;
  NetlensQuery *query = netlens_query_parse (text, &error);

  g_assert_no_error (error);
  netlens_connection_model_set_filter (model, match_query, query,
                                       (GDestroyNotify) netlens_query_unref, change);
}

static void
test_model_basic (void)
{
  g_autoptr(NetlensConnectionModel) model = netlens_connection_model_new ();
  Mirror mirror = { g_ptr_array_new_with_free_func (g_object_unref), 0 };
  NetlensConnectionRow *row7;

  g_signal_connect (model, "items-changed", G_CALLBACK (on_items_changed), &mirror);

  netlens_connection_model_set_now (model, T0 + SEC);
  for (guint i = 1; i <= 1000; i++)
    netlens_connection_model_update (model,
                                     make_conn (i, i % 3 == 0 ? NETLENS_PROTO_UDP : NETLENS_PROTO_TCP,
                                                i % 250, i % 2 ? 443 : 53, i * 10,
                                                i % 3 == 0 ? NETLENS_STATE_UDP_ACTIVE
                                                           : NETLENS_STATE_ESTABLISHED,
                                                i % 5 == 0 ? "firefox" : "ssh"));
  /* nothing is shown before the commit, and the commit emits exactly one signal */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 0);
  netlens_connection_model_commit (model);
  g_assert_cmpuint (mirror.n_signals, ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 1000);
  g_assert_cmpuint (netlens_connection_model_get_n_total (model), ==, 1000);
  assert_mirror (model, &mirror);

  /* default order: first seen */
  row7 = netlens_connection_model_lookup (model, 7);
  g_assert_nonnull (row7);
  g_assert_cmpuint (netlens_connection_model_get_position (model, 7), ==, 6);

  /* a real query: 333 UDP rows */
  set_query (model, "proto:udp", NETLENS_FILTER_CHANGE_DIFFERENT);
  netlens_connection_model_commit (model);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 333);
  g_assert_cmpuint (netlens_connection_model_get_n_total (model), ==, 1000);
  assert_mirror (model, &mirror);
  g_assert_cmpuint (netlens_connection_model_get_position (model, 7), ==, G_MAXUINT);

  /* stricter: only rows shown are checked, and the result is the same as a full check */
  set_query (model, "proto:udp process:firefox", NETLENS_FILTER_CHANGE_STRICTER);
  netlens_connection_model_commit (model);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 66);  /* multiples of 15 */
  assert_mirror (model, &mirror);

  /* looser again */
  set_query (model, "proto:udp", NETLENS_FILTER_CHANGE_LOOSER);
  netlens_connection_model_commit (model);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 333);
  assert_mirror (model, &mirror);

  /* no filter */
  netlens_connection_model_set_filter (model, NULL, NULL, NULL, NETLENS_FILTER_CHANGE_LOOSER);
  netlens_connection_model_commit (model);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 1000);
  assert_mirror (model, &mirror);

  /* sort by bytes, descending: row 1000 first */
  netlens_connection_model_set_sort (model, NETLENS_COLUMN_BYTES, TRUE);
  netlens_connection_model_commit (model);
  assert_mirror (model, &mirror);
  {
    g_autoptr(NetlensConnectionRow) first = g_list_model_get_item (G_LIST_MODEL (model), 0);
    g_assert_cmpuint (netlens_connection_row_get_id (first), ==, 1000);
  }

  /* row 7 grows past every other: it moves to the top, keeping its identity */
  netlens_connection_model_set_now (model, T0 + 3 * SEC);
  netlens_connection_model_update (model, make_conn (7, NETLENS_PROTO_TCP, 7, 443, 1000000,
                                                     NETLENS_STATE_ESTABLISHED, "ssh"));
  mirror.n_signals = 0;
  netlens_connection_model_commit (model);
  g_assert_cmpuint (mirror.n_signals, ==, 1);
  assert_mirror (model, &mirror);
  g_assert_true (netlens_connection_model_lookup (model, 7) == row7);
  g_assert_cmpuint (netlens_connection_model_get_position (model, 7), ==, 0);
  /* (1000000 - 70) bytes in the 2 s since the first snapshot */
  g_assert_cmpfloat_with_epsilon (netlens_connection_row_get_rx_rate (row7),
                                  (1000000.0 - 70.0) / 2.0, 1.0);

  /* the next tick without an update: its rate falls to zero */
  netlens_connection_model_set_now (model, T0 + 4 * SEC);
  netlens_connection_model_commit (model);
  g_assert_cmpfloat (netlens_connection_row_get_rx_rate (row7), ==, 0.0);

  /* removal */
  netlens_connection_model_remove (model, 1000);
  netlens_connection_model_remove (model, 999);
  netlens_connection_model_remove (model, 123456);   /* unknown: ignored */
  netlens_connection_model_commit (model);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 998);
  g_assert_null (netlens_connection_model_lookup (model, 1000));
  assert_mirror (model, &mirror);

  /* a commit with nothing to do emits nothing */
  mirror.n_signals = 0;
  netlens_connection_model_commit (model);
  g_assert_cmpuint (mirror.n_signals, ==, 0);

  g_ptr_array_unref (mirror.items);
}

static int
compare_brute (gconstpointer pa,
               gconstpointer pb,
               gpointer      data)
{
  NetlensConnectionRow *a = *(NetlensConnectionRow **) pa;
  NetlensConnectionRow *b = *(NetlensConnectionRow **) pb;
  const NetlensConnection *ca = netlens_connection_row_get_connection (a);
  const NetlensConnection *cb = netlens_connection_row_get_connection (b);
  guint64 ba = ca->rx_bytes + ca->tx_bytes, bb = cb->rx_bytes + cb->tx_bytes;
  gboolean descending = data != NULL && *(gboolean *) data;

  if (ba != bb)
    return (ba < bb) != descending ? -1 : 1;
  return ca->id < cb->id ? -1 : ca->id > cb->id;
}

/* Runs the main loop until a re-sort or re-filter running on a worker is swapped in. */
static void
settle (NetlensConnectionModel *model)
{
  gint64 deadline = g_get_monotonic_time () + 30 * SEC;

  while (netlens_connection_model_is_busy (model))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

/* Random ticks against a brute-force model: membership, order and signals.  ASYNC:
 * every re-sort and re-filter runs on a worker while the ticks go on; the result is
 * checked whenever it has been swapped in. */
static void
run_model_random (gboolean async)
{
  g_autoptr(NetlensConnectionModel) model = netlens_connection_model_new ();
  gboolean descending = FALSE;
  Mirror mirror = { g_ptr_array_new_with_free_func (g_object_unref), 0 };
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  g_autoptr(GHashTable) alive = g_hash_table_new (NULL, NULL);
  const char *queries[] = { "proto:udp", "proto:udp port:5", "port:5", "!proto:udp", "", "ssh" };
  guint32 next_id = 1;

  g_signal_connect (model, "items-changed", G_CALLBACK (on_items_changed), &mirror);
  netlens_connection_model_set_sort (model, NETLENS_COLUMN_BYTES, FALSE);
  if (async)
    netlens_connection_model_set_async_threshold (model, 0);

  for (guint tick = 0; tick < 60; tick++)
    {
      g_autoptr(GPtrArray) expected = g_ptr_array_new ();
      g_autoptr(NetlensQuery) query = NULL;
      const char *text = queries[tick / 10];
      guint n_changes = g_rand_int_range (rand, 1, 200);

      netlens_connection_model_set_now (model, T0 + tick * SEC);
      for (guint i = 0; i < n_changes; i++)
        {
          int what = g_rand_int_range (rand, 0, 10);
          guint32 id;

          if (what < 4 || g_hash_table_size (alive) == 0)
            id = next_id++;
          else
            id = g_rand_int_range (rand, 1, next_id);
          if (what == 9)
            {
              netlens_connection_model_remove (model, id);
              g_hash_table_remove (alive, GUINT_TO_POINTER (id));
            }
          else
            {
              netlens_connection_model_update (model,
                                               make_conn (id, id % 2 ? NETLENS_PROTO_UDP : NETLENS_PROTO_TCP,
                                                          id % 200, 5000 + id % 100,
                                                          g_rand_int_range (rand, 0, 5000),
                                                          NETLENS_STATE_ESTABLISHED,
                                                          id % 3 ? "ssh" : NULL));
              g_hash_table_add (alive, GUINT_TO_POINTER (id));
            }
        }
      if (tick % 10 == 0)
        set_query (model, text, NETLENS_FILTER_CHANGE_DIFFERENT);
      if (tick % 10 == 5)
        {
          descending = !descending;
          netlens_connection_model_set_sort (model, NETLENS_COLUMN_BYTES, descending);
        }
      mirror.n_signals = 0;
      netlens_connection_model_commit (model);
      g_assert_cmpuint (mirror.n_signals, <=, 1);
      assert_mirror (model, &mirror);
      g_assert_cmpuint (netlens_connection_model_get_n_total (model), ==, g_hash_table_size (alive));
      if (async)
        {
          /* a job was started by this commit or an earlier one: let some run on
           * through the next ticks, wait for the others */
          if (netlens_connection_model_is_busy (model) && g_rand_int_range (rand, 0, 3) > 0)
            continue;
          settle (model);
          assert_mirror (model, &mirror);
        }

      /* brute force */
      query = netlens_query_parse (text, NULL);
      {
        GHashTableIter iter;
        gpointer key;

        g_hash_table_iter_init (&iter, alive);
        while (g_hash_table_iter_next (&iter, &key, NULL))
          {
            NetlensConnectionRow *row = netlens_connection_model_lookup (model, GPOINTER_TO_UINT (key));
            g_assert_nonnull (row);
            if (netlens_query_match (query, netlens_connection_row_get_connection (row)))
              g_ptr_array_add (expected, row);
          }
      }
      g_ptr_array_sort_with_data (expected, compare_brute, &descending);
      g_assert_cmpuint (netlens_connection_model_get_n_total (model), ==, g_hash_table_size (alive));
      g_assert_cmpuint (expected->len, ==, g_list_model_get_n_items (G_LIST_MODEL (model)));
      for (guint i = 0; i < expected->len; i++)
        g_assert_true (g_ptr_array_index (expected, i) == g_ptr_array_index (mirror.items, i));
    }
  /* a job still running holds the model: let it finish before the mirror goes */
  settle (model);
  g_signal_handlers_disconnect_by_data (model, &mirror);
  g_ptr_array_unref (mirror.items);
}

static void
test_model_random (void)
{
  run_model_random (FALSE);
}

static void
test_model_random_async (void)
{
  run_model_random (TRUE);
}

static void
count_cb (gpointer data)
{
  (*(guint *) data)++;
}

/* A re-sort on a worker: rows that arrive, change and leave meanwhile are shown at
 * once in the order shown, and take their place when the result is swapped in. */
static void
test_model_async_sort (void)
{
  g_autoptr(NetlensConnectionModel) model = netlens_connection_model_new ();
  Mirror mirror = { g_ptr_array_new_with_free_func (g_object_unref), 0 };
  gboolean descending = TRUE;
  guint n_rebuilt = 0;
  g_autoptr(GPtrArray) expected = g_ptr_array_new ();
  NetlensConnectionRow *first;

  netlens_connection_model_set_async_threshold (model, 1000);
  g_signal_connect (model, "items-changed", G_CALLBACK (on_items_changed), &mirror);
  g_signal_connect_swapped (model, "rebuilt", G_CALLBACK (count_cb), &n_rebuilt);
  netlens_connection_model_set_now (model, T0 + SEC);
  for (guint32 id = 1; id <= 3000; id++)
    netlens_connection_model_update (model, make_conn (id, NETLENS_PROTO_TCP, id % 200, 443,
                                                       (id * 7919) % 100000,
                                                       NETLENS_STATE_ESTABLISHED, "curl"));
  netlens_connection_model_commit (model);
  g_assert_false (netlens_connection_model_is_busy (model));

  /* sorted by bytes, descending: a job */
  netlens_connection_model_set_sort (model, NETLENS_COLUMN_BYTES, TRUE);
  netlens_connection_model_commit (model);
  g_assert_true (netlens_connection_model_is_busy (model));
  first = g_list_model_get_item (G_LIST_MODEL (model), 0);
  g_assert_cmpuint (netlens_connection_row_get_id (first), ==, 1);   /* still the first seen */
  g_object_unref (first);

  /* meanwhile: 100 new rows, one row gets the most bytes, ten leave */
  netlens_connection_model_set_now (model, T0 + 2 * SEC);
  for (guint32 id = 3001; id <= 3100; id++)
    netlens_connection_model_update (model, make_conn (id, NETLENS_PROTO_UDP, id % 200, 53, id,
                                                       NETLENS_STATE_UDP_ACTIVE, NULL));
  netlens_connection_model_update (model, make_conn (7, NETLENS_PROTO_TCP, 7, 443, 10000000,
                                                     NETLENS_STATE_ESTABLISHED, "curl"));
  for (guint32 id = 11; id <= 20; id++)
    netlens_connection_model_remove (model, id);
  netlens_connection_model_commit (model);
  assert_mirror (model, &mirror);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 3090);
  g_assert_cmpuint (netlens_connection_model_get_position (model, 3100), !=, G_MAXUINT);
  g_assert_cmpuint (netlens_connection_model_get_position (model, 15), ==, G_MAXUINT);
  g_assert_cmpuint (n_rebuilt, ==, 0);

  settle (model);
  g_assert_cmpuint (n_rebuilt, ==, 1);
  assert_mirror (model, &mirror);
  for (guint i = 0; i < mirror.items->len; i++)
    g_ptr_array_add (expected, g_ptr_array_index (mirror.items, i));
  g_ptr_array_sort_with_data (expected, compare_brute, &descending);
  g_assert_cmpuint (expected->len, ==, 3090);
  for (guint i = 0; i < expected->len; i++)
    g_assert_true (g_ptr_array_index (expected, i) == g_ptr_array_index (mirror.items, i));
  g_assert_cmpuint (netlens_connection_model_get_position (model, 7), ==, 0);

  /* a filter on a worker too; a second, stricter edit while it runs */
  set_query (model, "proto:udp", NETLENS_FILTER_CHANGE_DIFFERENT);
  netlens_connection_model_commit (model);
  g_assert_true (netlens_connection_model_is_busy (model));
  set_query (model, "proto:udp port:53", NETLENS_FILTER_CHANGE_STRICTER);
  netlens_connection_model_commit (model);
  settle (model);
  /* the second job starts when the first is swapped in */
  settle (model);
  assert_mirror (model, &mirror);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 100);
  g_ptr_array_unref (mirror.items);
}

/* What the view sees of the selection model: every items-changed, and the
 * selection-changed ranges. */
typedef struct
{
  guint n_items;        /* as told by items-changed */
  guint n_changes;
  guint n_mid_changes;  /* items-changed before the end of the list */
  guint n_selection_changes;
  guint n_row_notifies;
} SlotView;

static void
on_slots_items_changed (GListModel *list,
                        guint       position,
                        guint       removed,
                        guint       added,
                        SlotView   *view)
{
  g_assert_cmpuint (position + removed, <=, view->n_items);
  if (position + removed != view->n_items)
    view->n_mid_changes++;
  view->n_items += added - removed;
  view->n_changes++;
  g_assert_cmpuint (view->n_items, ==, g_list_model_get_n_items (list));
}

static void
on_slots_selection_changed (GtkSelectionModel *model,
                            guint              position,
                            guint              n_items,
                            SlotView          *view)
{
  view->n_selection_changes++;
}

static void
on_slot_row_notify (GObject    *slot,
                    GParamSpec *pspec,
                    SlotView   *view)
{
  view->n_row_notifies++;
}

/* The table's selection model at 20,000 rows sorted by a changing value (bytes): many
 * ticks where a fifth of the rows change, some come and some go.  The view is only
 * told of count changes at the end; the slots it holds show the brute-force order;
 * the selection stays on its connection wherever it moves, and goes with it. */
static void
test_model_slots_sorted (void)
{
  const guint n_rows = 20000;
  g_autoptr(NetlensConnectionModel) model = netlens_connection_model_new ();
  g_autoptr(NetlensRowSelection) selection = netlens_row_selection_new (model);
  g_autoptr(GRand) rand = g_rand_new_with_seed (17);
  g_autoptr(GPtrArray) held = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GHashTable) alive = g_hash_table_new (NULL, NULL);
  g_autoptr(NetlensConnectionRow) chosen = NULL;
  SlotView view = { 0 };
  gboolean descending = TRUE;
  guint32 next_id = 1;
  guint moved = 0;
  guint n_selected_notify = 0;

  g_signal_connect (selection, "items-changed", G_CALLBACK (on_slots_items_changed), &view);
  g_signal_connect (selection, "selection-changed", G_CALLBACK (on_slots_selection_changed), &view);
  g_signal_connect_swapped (selection, "notify::selected-row", G_CALLBACK (count_cb), &n_selected_notify);
  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (selection)) == NETLENS_TYPE_ROW_SLOT);

  netlens_connection_model_set_now (model, T0);
  for (; next_id <= n_rows; next_id++)
    {
      netlens_connection_model_update (model, make_conn (next_id, NETLENS_PROTO_TCP, next_id % 200, 443,
                                                         g_rand_int_range (rand, 0, 1000000),
                                                         NETLENS_STATE_ESTABLISHED, "curl"));
      g_hash_table_add (alive, GUINT_TO_POINTER (next_id));
    }
  netlens_connection_model_set_sort (model, NETLENS_COLUMN_BYTES, descending);
  netlens_connection_model_commit (model);
  settle (model);
  g_assert_cmpuint (view.n_items, ==, n_rows);

  /* a view holds the slots of the rows it shows (the first 60, and 20 further down) */
  for (guint i = 0; i < 80; i++)
    {
      NetlensRowSlot *slot = g_list_model_get_item (G_LIST_MODEL (selection), i < 60 ? i : 5000 + i);

      g_signal_connect (slot, "notify::row", G_CALLBACK (on_slot_row_notify), &view);
      g_ptr_array_add (held, slot);
    }

  netlens_row_selection_set_selected (selection, 30);
  chosen = g_object_ref (netlens_row_selection_get_selected_row (selection));
  g_assert_true (netlens_row_selection_get_row (selection, 30) == chosen);
  g_assert_cmpuint (n_selected_notify, ==, 1);
  g_assert_true (gtk_selection_model_is_selected (GTK_SELECTION_MODEL (selection), 30));

  for (guint tick = 1; tick <= 40; tick++)
    {
      g_autoptr(GPtrArray) expected = g_ptr_array_new ();
      guint old_position = netlens_row_selection_get_selected (selection);
      GHashTableIter iter;
      gpointer key;

      view.n_changes = view.n_mid_changes = 0;
      netlens_connection_model_set_now (model, T0 + tick * SEC);
      for (guint i = 0; i < n_rows / 5; i++)
        {
          guint32 id = g_rand_int_range (rand, 1, next_id);

          if (!g_hash_table_contains (alive, GUINT_TO_POINTER (id)))
            continue;
          if (i % 50 == 49 && netlens_connection_model_lookup (model, id) != chosen)
            {
              netlens_connection_model_remove (model, id);
              g_hash_table_remove (alive, GUINT_TO_POINTER (id));
              continue;
            }
          netlens_connection_model_update (model, make_conn (id, NETLENS_PROTO_TCP, id % 200, 443,
                                                             g_rand_int_range (rand, 0, 1000000),
                                                             NETLENS_STATE_ESTABLISHED, "curl"));
        }
      for (guint i = 0; i < 100; i++, next_id++)
        {
          netlens_connection_model_update (model, make_conn (next_id, NETLENS_PROTO_TCP, next_id % 200, 443,
                                                             g_rand_int_range (rand, 0, 1000000),
                                                             NETLENS_STATE_ESTABLISHED, "curl"));
          g_hash_table_add (alive, GUINT_TO_POINTER (next_id));
        }
      /* the selected row itself changes every few ticks */
      if (tick % 3 == 0)
        netlens_connection_model_update (model, make_conn (netlens_connection_row_get_id (chosen),
                                                           NETLENS_PROTO_TCP, 1, 443,
                                                           g_rand_int_range (rand, 0, 1000000),
                                                           NETLENS_STATE_ESTABLISHED, "curl"));
      /* and now and then the order flips (a full re-sort) */
      if (tick % 10 == 0)
        {
          descending = !descending;
          netlens_connection_model_set_sort (model, NETLENS_COLUMN_BYTES, descending);
        }
      netlens_connection_model_commit (model);
      settle (model);

      /* the view heard of the count only, at the end */
      g_assert_cmpuint (view.n_mid_changes, ==, 0);
      g_assert_cmpuint (view.n_changes, <=, 2);
      g_assert_cmpuint (view.n_items, ==, g_hash_table_size (alive));

      /* brute force */
      g_hash_table_iter_init (&iter, alive);
      while (g_hash_table_iter_next (&iter, &key, NULL))
        g_ptr_array_add (expected, netlens_connection_model_lookup (model, GPOINTER_TO_UINT (key)));
      g_ptr_array_sort_with_data (expected, compare_brute, &descending);
      g_assert_cmpuint (expected->len, ==, g_list_model_get_n_items (G_LIST_MODEL (selection)));
      for (guint i = 0; i < expected->len; i++)
        g_assert_true (netlens_row_selection_get_row (selection, i) == g_ptr_array_index (expected, i));
      for (guint i = 0; i < held->len; i++)
        {
          NetlensRowSlot *slot = g_ptr_array_index (held, i);
          guint position = i < 60 ? i : 5000 + i;

          g_assert_true (netlens_row_slot_get_row (slot) == g_ptr_array_index (expected, position));
        }

      /* the selection is the connection, wherever it went */
      g_assert_true (netlens_row_selection_get_selected_row (selection) == chosen);
      g_assert_true (g_ptr_array_index (expected, netlens_row_selection_get_selected (selection)) == chosen);
      g_assert_true (gtk_selection_model_is_selected (GTK_SELECTION_MODEL (selection),
                                                      netlens_row_selection_get_selected (selection)));
      {
        g_autoptr(GtkBitset) set = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (selection));
        g_assert_cmpuint (gtk_bitset_get_size (set), ==, 1);
      }
      if (netlens_row_selection_get_selected (selection) != old_position)
        moved++;
    }
  g_assert_cmpuint (n_selected_notify, ==, 1);
  g_assert_cmpuint (moved, >, 10);
  g_assert_cmpuint (view.n_row_notifies, >, 0);

  /* the selected row ends: the selection goes with it */
  netlens_connection_model_set_now (model, T0 + 100 * SEC);
  netlens_connection_model_remove (model, netlens_connection_row_get_id (chosen));
  netlens_connection_model_commit (model);
  g_assert_null (netlens_row_selection_get_selected_row (selection));
  g_assert_cmpuint (netlens_row_selection_get_selected (selection), ==, GTK_INVALID_LIST_POSITION);
  g_assert_cmpuint (n_selected_notify, ==, 2);
  {
    g_autoptr(GtkBitset) set = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (selection));
    g_assert_true (gtk_bitset_is_empty (set));
  }

  /* a row hidden by the filter is not selected any more either */
  netlens_row_selection_set_selected (selection, 0);
  g_assert_nonnull (netlens_row_selection_get_selected_row (selection));
  set_query (model, "proto:udp", NETLENS_FILTER_CHANGE_DIFFERENT);
  netlens_connection_model_commit (model);
  settle (model);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (selection)), ==, 0);
  g_assert_cmpuint (view.n_items, ==, 0);
  g_assert_null (netlens_row_selection_get_selected_row (selection));

  /* slots past the end keep their last row until the view lets them go */
  g_assert_nonnull (netlens_row_slot_get_row (g_ptr_array_index (held, 0)));
  g_clear_pointer (&held, g_ptr_array_unref);
  g_signal_handlers_disconnect_by_data (selection, &view);
  g_signal_handlers_disconnect_by_data (selection, &n_selected_notify);
}

static void
test_model_hide_localhost (void)
{
  g_autoptr(NetlensConnectionModel) model = netlens_connection_model_new ();
  NetlensConnection *lo = make_conn (1, NETLENS_PROTO_TCP, 1, 80, 10, NETLENS_STATE_ESTABLISHED, NULL);

  lo->key.raddr.bytes[0] = 127;
  lo->key.raddr.bytes[1] = 0;
  lo->key.raddr.bytes[2] = 0;
  netlens_connection_model_update (model, lo);
  netlens_connection_model_update (model, make_conn (2, NETLENS_PROTO_TCP, 2, 80, 10,
                                                     NETLENS_STATE_ESTABLISHED, NULL));
  netlens_connection_model_commit (model);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 2);
  netlens_connection_model_set_hide_localhost (model, TRUE);
  netlens_connection_model_commit (model);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 1);
  netlens_connection_model_set_hide_localhost (model, FALSE);
  netlens_connection_model_commit (model);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 2);
}

static void
test_format (void)
{
  g_autoptr(NetlensConnection) conn = make_conn (3, NETLENS_PROTO_TCP, 9, 443, 1500,
                                                 NETLENS_STATE_ESTABLISHED, "curl");
  NetlensFormatContext ctx = { .now_us = T0 + 65 * SEC, .rx_rate = 2500, .tx_rate = 0, .bits = FALSE };
  g_autofree char *address = netlens_format_remote_address (conn);
  g_autofree char *tsv = NULL;
  g_auto(GStrv) cells = NULL;
  g_autoptr(GString) s = g_string_new (NULL);

  g_assert_cmpstr (address, ==, "198.51.100.9:443");
  tsv = netlens_format_row_tsv (conn, &ctx);
  cells = g_strsplit (tsv, "\t", -1);
  g_assert_cmpuint (g_strv_length (cells), ==, NETLENS_N_COLUMNS);
  g_assert_cmpstr (cells[NETLENS_COLUMN_PROCESS], ==, "curl (1003)");
  g_assert_cmpstr (cells[NETLENS_COLUMN_PROTOCOL], ==, "tcp");
  g_assert_cmpstr (cells[NETLENS_COLUMN_LOCAL], ==, "192.0.2.1:40003");
  g_assert_true (g_str_has_suffix (cells[NETLENS_COLUMN_REMOTE], "198.51.100.9:443") ||
                 g_str_has_suffix (cells[NETLENS_COLUMN_REMOTE], "198.51.100.9:443)"));
  g_assert_cmpstr (cells[NETLENS_COLUMN_STATE], ==, "ESTABLISHED");
  g_assert_cmpstr (cells[NETLENS_COLUMN_BYTES], ==, "2.25 kB");
  g_assert_cmpstr (cells[NETLENS_COLUMN_RX_RATE], ==, "2.50 kB/s");
  g_assert_cmpstr (cells[NETLENS_COLUMN_PACKETS], ==, "3");
  g_assert_cmpstr (cells[NETLENS_COLUMN_AGE], ==, "1 min 04 s");

  netlens_format_amount (1500, TRUE, s);
  g_assert_cmpstr (s->str, ==, "12.0 kbit");

  /* IPv6 in brackets */
  conn->key.family = NETLENS_FAMILY_IPV6;
  memset (conn->key.raddr.bytes, 0, 16);
  conn->key.raddr.bytes[0] = 0x20;
  conn->key.raddr.bytes[1] = 0x01;
  conn->key.raddr.bytes[2] = 0x0d;
  conn->key.raddr.bytes[3] = 0xb8;
  conn->key.raddr.bytes[15] = 1;
  g_free (address);
  address = netlens_format_remote_address (conn);
  g_assert_cmpstr (address, ==, "[2001:db8::1]:443");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/gui/model/basic", test_model_basic);
  g_test_add_func ("/gui/model/random", test_model_random);
  g_test_add_func ("/gui/model/random-async", test_model_random_async);
  g_test_add_func ("/gui/model/async-sort", test_model_async_sort);
  g_test_add_func ("/gui/model/hide-localhost", test_model_hide_localhost);
  g_test_add_func ("/gui/model/slots-sorted", test_model_slots_sorted);
  g_test_add_func ("/gui/format", test_format);

  return g_test_run ();
}
