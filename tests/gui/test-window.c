/* test-window.c: the window on a corpus capture, in-process, under Xvfb
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "netlens-test"

#include "config.h"

#include <adwaita.h>
#include <json-glib/json-glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "netlens-format.h"
#include "netlens-history-service.h"
#include <sqlite3.h>
#include "netlens-capture-saver.h"
#include "netlens-history-view.h"
#include "netlens-pcapng-writer.h"
#include "netlens-window-private.h"
#include "netlens-preferences-window.h"
#include "netlens-gui-test.h"

#define CAPTURE "ndpi-KakaoTalk_chat.pcap"

static NetlensWindow *window;
static GPtrArray *export_rows;   /* JsonObject *, the export of the same file */
static char *capture_path;
static GHashTable *export_text;  /* JsonObject * -> the export line, lower case */

/* ---- helpers ---- */

static guint
n_shown (void)
{
  return g_list_model_get_n_items (G_LIST_MODEL (_netlens_window_get_model (window)));
}

/* Real keys through XTest, as a user types them (xdotool). */
static void
press_keys (const char *keys)
{
  g_autofree char *cmd = g_strdup_printf ("xdotool key --delay 20 %s", keys);
  g_autoptr(GError) error = NULL;
  int status = 0;

  g_assert_true (g_spawn_command_line_sync (cmd, NULL, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_cmpint (status, ==, 0);
  /* a round trip to the X server puts xdotool's events in our queue; handle them
   * all before the test looks (a fixed wait was too short on a busy machine) */
  gdk_display_sync (gdk_display_get_default ());
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
  spin (150);
}

static void
type_query (const char *text)
{
  GtkSearchEntry *entry = _netlens_window_get_search_entry (window);
  guint64 serial = netlens_connection_model_get_serial (_netlens_window_get_model (window));

  const char *current = gtk_editable_get_text (GTK_EDITABLE (entry));

  gtk_search_bar_set_search_mode (_netlens_window_get_search_bar (window), TRUE);
  /* set_text() passes through "" (which the entry applies at once): when the new
   * text extends the old one, type only the rest, as a user would */
  if (*current != '\0' && g_str_has_prefix (text, current))
    {
      int position = (int) strlen (current);
      gtk_editable_insert_text (GTK_EDITABLE (entry), text + position, -1, &position);
    }
  else
    gtk_editable_set_text (GTK_EDITABLE (entry), text);
  /* search-changed comes after the entry's search delay (30 ms) */
  WAIT_FOR (netlens_connection_model_get_serial (_netlens_window_get_model (window)) != serial ||
            gtk_widget_get_visible (GTK_WIDGET (_netlens_window_get_query_error_label (window))), 2000);
  spin (50);
}

static guint
count_export (gboolean (*pred) (JsonObject *row, gpointer data),
              gpointer  data)
{
  guint n = 0;

  for (guint i = 0; i < export_rows->len; i++)
    if (pred (g_ptr_array_index (export_rows, i), data))
      n++;
  return n;
}

static const char *
member_string (JsonObject *row,
               const char *name)
{
  JsonNode *node = json_object_get_member (row, name);

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) ? json_node_get_string (node) : NULL;
}

static gboolean
is_proto (JsonObject *row,
          gpointer    data)
{
  return g_strcmp0 (member_string (row, "protocol"), data) == 0;
}

static gboolean
is_not_proto (JsonObject *row,
              gpointer    data)
{
  return !is_proto (row, data);
}

static gboolean
has_state (JsonObject *row,
           gpointer    data)
{
  return g_strcmp0 (member_string (row, "state"), data) == 0 ||
         g_strcmp0 (member_string (row, "app_state"), data) == 0;
}

static gboolean
mentions (JsonObject *row,
          gpointer    data)
{
  /* the export line as written */
  return strstr (g_hash_table_lookup (export_text, row), data) != NULL;
}

static void
load_export (void)
{
  const char *build = g_getenv ("NETLENS_BUILD_ROOT");
  g_autofree char *netlens = g_build_filename (build, "src", "netlens", NULL);
  const char *argv[] = { netlens, "--read", capture_path, "--export", "jsonl", NULL };
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;
  int status = 0;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               &out, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));

  export_rows = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  export_text = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonObject *object;

      if (lines[i][0] == '\0')
        continue;
      g_assert_true (json_parser_load_from_data (parser, lines[i], -1, NULL));
      object = json_node_get_object (json_parser_get_root (parser));
      if (json_object_has_member (object, "protocol"))
        {
          g_ptr_array_add (export_rows, json_object_ref (object));
          g_hash_table_insert (export_text, object, g_ascii_strdown (lines[i], -1));
        }
    }
  g_assert_cmpuint (export_rows->len, >, 10);
}

typedef struct
{
  char     *text;
  gboolean  done;
} ClipboardRead;

static void
read_text_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  ClipboardRead *ctx = data;

  ctx->text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (source), result, NULL);
  ctx->done = TRUE;
}

static char *
read_clipboard (void)
{
  GdkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (window));
  ClipboardRead ctx = { NULL, FALSE };

  gdk_clipboard_read_text_async (clipboard, NULL, read_text_cb, &ctx);
  WAIT_FOR (ctx.done, 3000);
  g_assert_true (ctx.done);
  return ctx.text;
}

/* ---- tests ---- */

static void
test_rows_match_export (void)
{
  /* the table holds every connection of the file, ended ones included */
  g_assert_cmpuint (netlens_connection_model_get_n_total (_netlens_window_get_model (window)), ==,
                    export_rows->len);
  g_assert_cmpuint (n_shown (), ==, export_rows->len);
}

static guint64
export_bytes (JsonObject *row,
              const char *direction)
{
  return (guint64) json_object_get_int_member (json_object_get_object_member (row, direction), "bytes");
}

static void
test_views (void)
{
  AdwViewStack *stack = _netlens_window_get_view_stack (window);
  NetlensGroupsView *hosts = _netlens_window_get_groups_view (window, NETLENS_GROUP_HOST);
  NetlensGroupsView *processes = _netlens_window_get_groups_view (window, NETLENS_GROUP_PROCESS);
  NetlensTrafficGraph *selection_graph = _netlens_window_get_selection_graph (window);
  guint64 rx = 0, tx = 0, host_rx = 0, host_tx = 0, process_rx = 0, process_tx = 0;
  guint host_connections = 0;
  GListModel *model;

  g_assert_cmpstr (adw_view_stack_get_visible_child_name (stack), ==, "connections");
  g_assert_nonnull (adw_view_stack_get_child_by_name (stack, "processes"));
  g_assert_nonnull (adw_view_stack_get_child_by_name (stack, "hosts"));

  /* Ctrl+3 shows the hosts: one row per host, adding up to the table's totals */
  gtk_widget_grab_focus (GTK_WIDGET (_netlens_window_get_column_view (window)));
  press_keys ("ctrl+3");
  WAIT_FOR (g_strcmp0 (adw_view_stack_get_visible_child_name (stack), "hosts") == 0, 3000);
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (stack), ==, "hosts");
  WAIT_FOR (gtk_widget_get_mapped (GTK_WIDGET (hosts)), 2000);
  model = netlens_groups_view_get_model (hosts);
  g_assert_cmpuint (g_list_model_get_n_items (model), >, 1);
  for (guint i = 0; i < export_rows->len; i++)
    {
      rx += export_bytes (g_ptr_array_index (export_rows, i), "rx");
      tx += export_bytes (g_ptr_array_index (export_rows, i), "tx");
    }
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(NetlensGroupRow) row = g_list_model_get_item (model, i);
      const NetlensGroup *g = netlens_group_row_get_group (row);

      host_rx += g->rx_bytes;
      host_tx += g->tx_bytes;
      host_connections += g->n_connections;
      /* sorted by receive rate, then bytes received, descending */
      if (i > 0)
        {
          g_autoptr(NetlensGroupRow) prev = g_list_model_get_item (model, i - 1);
          g_assert_cmpfloat (netlens_group_row_get_group (prev)->rx_rate, >=, g->rx_rate);
        }
    }
  g_assert_cmpuint (host_rx, ==, rx);
  g_assert_cmpuint (host_tx, ==, tx);
  g_assert_cmpuint (host_connections, ==, export_rows->len);

  /* sortable like the table */
  netlens_groups_view_sort_by (hosts, "rx", TRUE);
  spin (50);
  {
    g_autoptr(NetlensGroupRow) top = g_list_model_get_item (model, 0);
    g_autoptr(NetlensGroupRow) next = g_list_model_get_item (model, 1);
    g_assert_cmpuint (netlens_group_row_get_group (top)->rx_bytes, >=,
                      netlens_group_row_get_group (next)->rx_bytes);
  }

  /* the selection graph costs nothing while the detail pane is hidden */
  g_assert_false (_netlens_window_get_detail_visible (window));
  g_assert_cmpuint (netlens_traffic_graph_get_n_draws (selection_graph), ==, 0);

  /* the processes: a capture file has no owners, all in one group */
  press_keys ("ctrl+2");
  WAIT_FOR (g_strcmp0 (adw_view_stack_get_visible_child_name (stack), "processes") == 0, 3000);
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (stack), ==, "processes");
  WAIT_FOR (gtk_widget_get_mapped (GTK_WIDGET (processes)), 2000);
  model = netlens_groups_view_get_model (processes);
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(NetlensGroupRow) row = g_list_model_get_item (model, i);

      process_rx += netlens_group_row_get_group (row)->rx_bytes;
      process_tx += netlens_group_row_get_group (row)->tx_bytes;
    }
  g_assert_cmpuint (process_rx, ==, rx);
  g_assert_cmpuint (process_tx, ==, tx);

  press_keys ("ctrl+1");
  WAIT_FOR (g_strcmp0 (adw_view_stack_get_visible_child_name (stack), "connections") == 0, 3000);
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (stack), ==, "connections");
}

static GtkWidget *
find_column_view (GtkWidget *widget)
{
  if (GTK_IS_COLUMN_VIEW (widget))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_column_view (child);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
test_views_activate (void)
{
  AdwViewStack *stack = _netlens_window_get_view_stack (window);
  NetlensGroupsView *hosts = _netlens_window_get_groups_view (window, NETLENS_GROUP_HOST);
  NetlensTrafficGraph *selection_graph = _netlens_window_get_selection_graph (window);
  GListModel *model = netlens_groups_view_get_model (hosts);
  g_autoptr(NetlensGroupRow) chosen = NULL;
  const NetlensGroup *g;
  const char *text;
  GtkWidget *columns;

  adw_view_stack_set_visible_child_name (stack, "hosts");
  WAIT_FOR (gtk_widget_get_mapped (GTK_WIDGET (hosts)), 2000);

  /* the host with the most connections, chosen with the keyboard as a user would:
   * selecting it opens its details (and its graph), Enter filters the table by it */
  netlens_groups_view_sort_by (hosts, "open", TRUE);
  spin (50);
  chosen = g_list_model_get_item (model, 0);
  g = netlens_group_row_get_group (chosen);
  g_assert_cmpuint (g->n_connections, >, 1);
  columns = find_column_view (GTK_WIDGET (hosts));
  g_assert_nonnull (columns);
  gtk_selection_model_select_item (gtk_column_view_get_model (GTK_COLUMN_VIEW (columns)), 0, TRUE);
  WAIT_FOR (_netlens_window_get_detail_visible (window), 2000);
  g_assert_true (_netlens_window_get_detail_visible (window));
  g_assert_true (netlens_groups_view_get_selected (hosts) == chosen);
  spin (200);
  g_assert_cmpuint (netlens_traffic_graph_get_n_draws (selection_graph), >, 0);

  g_signal_emit_by_name (columns, "activate", 0);
  spin (100);
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (stack), ==, "connections");
  text = gtk_editable_get_text (GTK_EDITABLE (_netlens_window_get_search_entry (window)));
  g_assert_true (g_str_has_prefix (text, "name:") || g_str_has_prefix (text, "dst:"));
  g_assert_cmpuint (n_shown (), ==, g->n_connections);

  /* back to everything, pane closed */
  press_keys ("Escape");
  press_keys ("Escape");
  g_assert_false (_netlens_window_get_detail_visible (window));
  g_assert_cmpuint (n_shown (), ==, export_rows->len);
}

static void
test_show_connection (void)
{
  NetlensConnectionModel *model = _netlens_window_get_model (window);
  NetlensRowSelection *selection = _netlens_window_get_selection (window);
  g_autoptr(NetlensConnectionRow) row = g_list_model_get_item (G_LIST_MODEL (model), 0);
  guint32 id = netlens_connection_row_get_id (row);
  const char *proto = netlens_connection_row_get_connection (row)->key.proto == NETLENS_PROTO_TCP ? "udp" : "tcp";
  g_autofree char *query = g_strdup_printf ("proto:%s", proto);

  /* what a notification's click does: from another view, with a filter that hides the row */
  netlens_window_show_view (window, "hosts");
  spin (200);
  type_query (query);
  g_assert_cmpuint (netlens_connection_model_get_position (model, id), ==, G_MAXUINT);
  netlens_window_show_connection (window, id);
  spin (100);
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (_netlens_window_get_view_stack (window)), ==,
                   "connections");
  g_assert_false (gtk_search_bar_get_search_mode (_netlens_window_get_search_bar (window)));
  g_assert_cmpuint (n_shown (), ==, export_rows->len);
  g_assert_true (netlens_row_selection_get_selected_row (selection) == (gpointer) row);
  g_assert_true (_netlens_window_get_detail_visible (window));
  press_keys ("Escape");
  g_assert_false (_netlens_window_get_detail_visible (window));
}

static void
test_filter (void)
{
  guint total = export_rows->len;
  guint expected;

  type_query ("proto:udp");
  expected = count_export (is_proto, (gpointer) "udp");
  g_assert_cmpuint (expected, >, 0);
  g_assert_cmpuint (expected, <, total);
  g_assert_cmpuint (n_shown (), ==, expected);
  {
    g_autofree char *count = g_strdup_printf ("%u of %u", expected, total);
    g_assert_cmpstr (gtk_label_get_text (_netlens_window_get_count_label (window)), ==, count);
  }

  type_query ("state:established");
  expected = count_export (has_state, (gpointer) "ESTABLISHED");
  g_assert_cmpuint (expected, >, 0);
  g_assert_cmpuint (n_shown (), ==, expected);

  type_query ("!proto:tcp");
  expected = count_export (is_not_proto, (gpointer) "tcp");
  g_assert_cmpuint (n_shown (), ==, expected);

  /* a bare word: every field of the row (here the service name of port 53).  Names
   * learned by passive DNS depend on which worker saw the answer first, so a word
   * only they carry could differ between two reads of the file. */
  type_query ("domain");
  expected = count_export (mentions, (gpointer) "domain");
  g_assert_cmpuint (expected, >, 0);
  g_assert_cmpuint (n_shown (), ==, expected);

  /* a bad query shows its error and keeps the rows of the last good one */
  type_query ("proto:udp");
  expected = n_shown ();
  type_query ("proto:udp bogus:thing");
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (_netlens_window_get_query_error_label (window))));
  g_assert_nonnull (strstr (gtk_label_get_text (_netlens_window_get_query_error_label (window)),
                            "bogus:thing"));
  g_assert_cmpuint (n_shown (), ==, expected);
  g_assert_cmpuint (n_shown (), >, 0);

  /* Esc clears the filter and closes the bar (with the focus in the filter) */
  gtk_widget_grab_focus (GTK_WIDGET (_netlens_window_get_search_entry (window)));
  press_keys ("Escape");
  g_assert_false (gtk_search_bar_get_search_mode (_netlens_window_get_search_bar (window)));
  g_assert_cmpuint (n_shown (), ==, total);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (_netlens_window_get_query_error_label (window))));

  /* '/' opens the bar again, and typing filters */
  gtk_widget_grab_focus (GTK_WIDGET (_netlens_window_get_column_view (window)));
  press_keys ("slash");
  g_assert_true (gtk_search_bar_get_search_mode (_netlens_window_get_search_bar (window)));
  press_keys ("p r o t o colon u d p");
  WAIT_FOR (n_shown () == count_export (is_proto, (gpointer) "udp"), 2000);
  g_assert_cmpuint (n_shown (), ==, count_export (is_proto, (gpointer) "udp"));
  press_keys ("Escape");
  g_assert_cmpuint (n_shown (), ==, total);

  /* typing over the table opens the filter with what was typed */
  gtk_widget_grab_focus (GTK_WIDGET (_netlens_window_get_column_view (window)));
  press_keys ("t c p");
  WAIT_FOR (g_str_equal (gtk_editable_get_text (GTK_EDITABLE (_netlens_window_get_search_entry (window))), "tcp") &&
            n_shown () == count_export (is_proto, (gpointer) "tcp"), 3000);
  g_assert_true (gtk_search_bar_get_search_mode (_netlens_window_get_search_bar (window)));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (_netlens_window_get_search_entry (window))), ==, "tcp");
  g_assert_cmpuint (n_shown (), ==, count_export (is_proto, (gpointer) "tcp"));
  press_keys ("Escape");
  g_assert_cmpuint (n_shown (), ==, total);
}

static NetlensConnection *
grown_copy (NetlensConnectionRow *row,
            guint64               bytes)
{
  NetlensConnection *copy = netlens_connection_snapshot (netlens_connection_row_get_connection (row));

  copy->rx_bytes = bytes;
  return copy;
}

static void
test_selection_survives_update (void)
{
  NetlensConnectionModel *model = _netlens_window_get_model (window);
  NetlensRowSelection *selection = _netlens_window_get_selection (window);
  GtkColumnView *view = _netlens_window_get_column_view (window);
  g_autoptr(NetlensConnectionRow) chosen = NULL;
  g_autoptr(NetlensConnectionRow) first = NULL;
  guint n = n_shown ();

  /* sort by bytes, descending, through the column view as a header click does */
  {
    GListModel *columns = gtk_column_view_get_columns (view);
    for (guint i = 0; i < g_list_model_get_n_items (columns); i++)
      {
        g_autoptr(GtkColumnViewColumn) column = g_list_model_get_item (columns, i);
        if (g_str_equal (gtk_column_view_column_get_title (column), netlens_column_get_title (NETLENS_COLUMN_BYTES)))
          gtk_column_view_sort_by_column (view, column, GTK_SORT_DESCENDING);
      }
  }
  g_assert_cmpint (netlens_connection_model_get_sort_column (model), ==, NETLENS_COLUMN_BYTES);
  g_assert_true (netlens_connection_model_get_sort_descending (model));

  netlens_row_selection_set_selected (selection, n - 1);
  chosen = g_object_ref (netlens_row_selection_get_selected_row (selection));
  first = g_list_model_get_item (G_LIST_MODEL (model), 0);

  /* an update moves the selected row from the bottom to the top, and another row goes */
  netlens_connection_model_update (model, grown_copy (chosen, G_GUINT64_CONSTANT (1) << 40));
  netlens_connection_model_remove (model, netlens_connection_row_get_id (first));
  netlens_connection_model_commit (model);
  _netlens_window_refresh_view (window);
  spin (50);

  g_assert_cmpuint (n_shown (), ==, n - 1);
  g_assert_true (netlens_row_selection_get_selected_row (selection) == (gpointer) chosen);
  g_assert_cmpuint (netlens_row_selection_get_selected (selection), ==, 0);
}

static GtkWidget *
find_inscription (GtkWidget  *widget,
                  const char *text)
{
  if (GTK_IS_INSCRIPTION (widget) &&
      g_strcmp0 (gtk_inscription_get_text (GTK_INSCRIPTION (widget)), text) == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_inscription (child, text);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
sort_view_by (NetlensColumn column,
              GtkSortType   order)
{
  GtkColumnView *view = _netlens_window_get_column_view (window);
  GListModel *columns = gtk_column_view_get_columns (view);

  for (guint i = 0; i < g_list_model_get_n_items (columns); i++)
    {
      g_autoptr(GtkColumnViewColumn) c = g_list_model_get_item (columns, i);
      if (g_str_equal (gtk_column_view_column_get_title (c), netlens_column_get_title (column)))
        gtk_column_view_sort_by_column (view, c, order);
    }
  WAIT_FOR (!netlens_connection_model_is_busy (_netlens_window_get_model (window)), 5000);
  spin (50);
}

/* A re-sort moves the rows under the positions the view keeps: the selected
 * connection stays selected and in the detail pane, the cursor keys go on from it,
 * the cells show the new order, and a selected row that ends takes the selection. */
static void
test_resort_follows_selection (void)
{
  NetlensConnectionModel *model = _netlens_window_get_model (window);
  NetlensRowSelection *selection = _netlens_window_get_selection (window);
  NetlensDetailPane *pane = _netlens_window_get_detail_pane (window);
  GtkColumnView *view = _netlens_window_get_column_view (window);
  g_autoptr(NetlensConnectionRow) chosen = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (3);
  guint n = n_shown ();
  guint position;
  char buf[128];

  g_assert_cmpuint (n, >, 20);
  sort_view_by (NETLENS_COLUMN_BYTES, GTK_SORT_DESCENDING);
  netlens_row_selection_set_selected (selection, n / 2);
  chosen = g_object_ref (netlens_row_selection_get_selected_row (selection));
  gtk_widget_grab_focus (GTK_WIDGET (view));
  spin (50);
  press_keys ("Return");
  WAIT_FOR (_netlens_window_get_detail_visible (window), 2000);
  g_assert_true (netlens_detail_pane_get_row (pane) == chosen);

  /* a full re-sort by another column */
  sort_view_by (NETLENS_COLUMN_LOCAL, GTK_SORT_ASCENDING);
  g_assert_cmpint (netlens_connection_model_get_sort_column (model), ==, NETLENS_COLUMN_LOCAL);
  position = netlens_row_selection_get_selected (selection);
  g_assert_true (netlens_row_selection_get_selected_row (selection) == chosen);
  g_assert_cmpuint (position, ==, netlens_connection_model_get_position (model, netlens_connection_row_get_id (chosen)));
  g_assert_true (gtk_selection_model_is_selected (gtk_column_view_get_model (view), position));
  g_assert_true (netlens_detail_pane_get_row (pane) == chosen);
  {
    g_autoptr(NetlensRowSlot) slot = g_list_model_get_item (G_LIST_MODEL (gtk_column_view_get_model (view)), position);
    g_assert_true (netlens_row_slot_get_row (slot) == chosen);
  }
  /* the cells in view show the new order: the first row's local address is on screen */
  {
    g_autoptr(NetlensConnectionRow) top = g_list_model_get_item (G_LIST_MODEL (model), 0);
    const char *local = netlens_connection_endpoint_string (netlens_connection_row_get_connection (top),
                                                            TRUE, buf, sizeof buf);
    WAIT_FOR (find_inscription (GTK_WIDGET (view), local) != NULL, 2000);
    g_assert_nonnull (find_inscription (GTK_WIDGET (view), local));
  }

  /* ticks sorted by bytes: the selected row moves, the selection and the pane with it */
  sort_view_by (NETLENS_COLUMN_BYTES, GTK_SORT_DESCENDING);
  for (guint tick = 0; tick < 6; tick++)
    {
      for (guint i = 0; i < n / 3; i++)
        {
          g_autoptr(NetlensConnectionRow) row = g_list_model_get_item (G_LIST_MODEL (model),
                                                                       g_rand_int_range (rand, 0, n_shown ()));
          netlens_connection_model_update (model, grown_copy (row, g_rand_int_range (rand, 0, 1 << 30)));
        }
      netlens_connection_model_update (model, grown_copy (chosen, g_rand_int_range (rand, 0, 1 << 30)));
      netlens_connection_model_commit (model);
      _netlens_window_refresh_view (window);
      position = netlens_row_selection_get_selected (selection);
      g_assert_true (netlens_row_selection_get_selected_row (selection) == chosen);
      g_assert_cmpuint (position, ==, netlens_connection_model_get_position (model, netlens_connection_row_get_id (chosen)));
      g_assert_true (netlens_detail_pane_get_row (pane) == chosen);
    }
  spin (50);

  /* the cursor keys go on from the selected connection, wherever it went */
  if (position + 1 < n_shown ())
    {
      g_autoptr(NetlensConnectionRow) next = g_list_model_get_item (G_LIST_MODEL (model), position + 1);

      gtk_widget_grab_focus (GTK_WIDGET (view));
      press_keys ("Down");
      g_assert_true (netlens_row_selection_get_selected_row (selection) == next);
      g_assert_true (netlens_detail_pane_get_row (pane) == next);
      press_keys ("Up");
      g_assert_true (netlens_row_selection_get_selected_row (selection) == chosen);
    }

  /* the selected connection goes: so does the selection */
  netlens_connection_model_remove (model, netlens_connection_row_get_id (chosen));
  netlens_connection_model_commit (model);
  _netlens_window_refresh_view (window);
  spin (50);
  g_assert_null (netlens_row_selection_get_selected_row (selection));
  g_assert_cmpuint (netlens_row_selection_get_selected (selection), ==, GTK_INVALID_LIST_POSITION);
  g_assert_true (netlens_detail_pane_get_row (pane) != chosen);

  gtk_widget_grab_focus (GTK_WIDGET (view));
  press_keys ("Escape");
  g_assert_false (_netlens_window_get_detail_visible (window));
}

static void
test_detail_pane (void)
{
  NetlensRowSelection *selection = _netlens_window_get_selection (window);
  NetlensDetailPane *pane = _netlens_window_get_detail_pane (window);
  NetlensConnectionRow *row;
  const NetlensConnection *conn;
  char buf[128];

  g_assert_false (_netlens_window_get_detail_visible (window));
  netlens_row_selection_set_selected (selection, 0);
  gtk_widget_grab_focus (GTK_WIDGET (_netlens_window_get_column_view (window)));
  spin (100);
  press_keys ("Return");
  WAIT_FOR (_netlens_window_get_detail_visible (window), 2000);
  g_assert_true (_netlens_window_get_detail_visible (window));

  row = netlens_row_selection_get_selected_row (selection);
  g_assert_nonnull (row);
  g_assert_true (netlens_detail_pane_get_row (pane) == row);
  conn = netlens_connection_row_get_connection (row);
  g_assert_cmpstr (netlens_detail_pane_get_value (pane, "remote"), ==,
                   netlens_connection_endpoint_string (conn, FALSE, buf, sizeof buf));
  g_assert_cmpstr (netlens_detail_pane_get_value (pane, "local"), ==,
                   netlens_connection_endpoint_string (conn, TRUE, buf, sizeof buf));
  g_assert_cmpstr (netlens_detail_pane_get_value (pane, "protocol"), ==,
                   netlens_connection_protocol_name (conn, buf, sizeof buf));
  g_assert_cmpstr (netlens_detail_pane_get_value (pane, "state"), ==,
                   netlens_state_to_string (conn->state));
  g_assert_cmpstr (netlens_detail_pane_get_value (pane, "end_reason"), ==,
                   netlens_end_reason_to_string (conn->end_reason));
  g_assert_nonnull (netlens_detail_pane_get_value (pane, "tx"));
  g_assert_nonnull (netlens_detail_pane_get_value (pane, "first_seen"));

  /* DPI fields of a TLS connection with an SNI */
  type_query ("sni:facebook");
  g_assert_cmpuint (n_shown (), >, 0);
  netlens_row_selection_set_selected (selection, 0);
  spin (50);
  row = netlens_row_selection_get_selected_row (selection);
  conn = netlens_connection_row_get_connection (row);
  g_assert_nonnull (netlens_connection_get_sni (conn));
  g_assert_cmpstr (netlens_detail_pane_get_value (pane, "names.sni"), ==, netlens_connection_get_sni (conn));
  g_assert_cmpstr (netlens_detail_pane_get_value (pane, "dpi.tls.sni"), ==, netlens_connection_get_sni (conn));

  /* the first Esc closes the pane and keeps the filter, the second clears it */
  gtk_widget_grab_focus (GTK_WIDGET (_netlens_window_get_column_view (window)));
  press_keys ("Escape");
  g_assert_false (_netlens_window_get_detail_visible (window));
  g_assert_true (gtk_search_bar_get_search_mode (_netlens_window_get_search_bar (window)));
  g_assert_cmpuint (n_shown (), <, export_rows->len - 1);
  press_keys ("Escape");
  g_assert_false (gtk_search_bar_get_search_mode (_netlens_window_get_search_bar (window)));
  g_assert_cmpuint (n_shown (), ==, netlens_connection_model_get_n_total (_netlens_window_get_model (window)));
}

static void
test_clipboard (void)
{
  NetlensRowSelection *selection = _netlens_window_get_selection (window);
  NetlensConnectionRow *row;
  g_autofree char *address = NULL;
  g_autofree char *text = NULL;
  g_auto(GStrv) cells = NULL;
  char buf[128];

  netlens_row_selection_set_selected (selection, 2);
  row = netlens_row_selection_get_selected_row (selection);
  address = netlens_format_remote_address (netlens_connection_row_get_connection (row));
  g_assert_nonnull (strchr (address, ':'));

  gtk_widget_grab_focus (GTK_WIDGET (_netlens_window_get_column_view (window)));
  press_keys ("ctrl+c");
  text = read_clipboard ();
  g_assert_cmpstr (text, ==, address);
  g_clear_pointer (&text, g_free);

  press_keys ("ctrl+shift+c");
  text = read_clipboard ();
  cells = g_strsplit (text, "\t", -1);
  g_assert_cmpuint (g_strv_length (cells), ==, NETLENS_N_COLUMNS);
  g_assert_cmpstr (cells[NETLENS_COLUMN_LOCAL], ==,
                   netlens_connection_endpoint_string (netlens_connection_row_get_connection (row),
                                                       TRUE, buf, sizeof buf));
}

static void
test_near_timeout (void)
{
  NetlensConnectionModel *model = _netlens_window_get_model (window);
  NetlensRowSelection *selection = _netlens_window_get_selection (window);
  NetlensDetailPane *pane = _netlens_window_get_detail_pane (window);
  g_autoptr(NetlensConnectionRow) first = g_list_model_get_item (G_LIST_MODEL (model), 0);
  NetlensConnection *conn = netlens_connection_snapshot (netlens_connection_row_get_connection (first));
  gint64 now = netlens_connection_model_get_now (model) + G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC;
  GtkWidget *cell;
  const char *timeout;

  /* a live TCP row 5 s before its 300 s timeout, at the top of the table */
  conn->id = 4000000;
  conn->key.proto = NETLENS_PROTO_TCP;
  conn->key.rport = 4242;
  conn->state = NETLENS_STATE_ESTABLISHED;
  conn->app = NETLENS_APP_NONE;
  conn->app_state = NETLENS_APP_STATE_NONE;
  conn->ended = 0;
  conn->end_reason = NETLENS_END_NONE;
  conn->rx_bytes = G_GUINT64_CONSTANT (1) << 50;   /* sorted by bytes: first */
  conn->first_seen = now - 400 * G_USEC_PER_SEC;
  conn->last_seen = conn->state_since = now - 295 * G_USEC_PER_SEC;
  netlens_connection_model_set_now (model, now);
  netlens_connection_model_update (model, conn);
  netlens_connection_model_commit (model);
  _netlens_window_refresh_view (window);
  spin (300);

  g_assert_cmpuint (netlens_connection_model_get_position (model, 4000000), ==, 0);
  /* faded, and said in text: the tooltip of its cells and the detail pane */
  cell = find_inscription (GTK_WIDGET (_netlens_window_get_column_view (window)), "ESTABLISHED");
  g_assert_nonnull (cell);
  g_assert_true (gtk_widget_has_css_class (cell, "netlens-dim"));
  g_assert_true (g_str_has_prefix (gtk_widget_get_tooltip_text (cell), "Times out in "));

  netlens_row_selection_set_selected (selection, 0);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.show-details", NULL);
  spin (100);
  timeout = netlens_detail_pane_get_value (pane, "timeout_left");
  g_assert_nonnull (timeout);
  g_assert_true (g_str_has_prefix (timeout, "Times out in "));

  netlens_connection_model_remove (model, 4000000);
  netlens_connection_model_commit (model);
  gtk_widget_grab_focus (GTK_WIDGET (_netlens_window_get_column_view (window)));
  press_keys ("Escape");
  g_assert_false (_netlens_window_get_detail_visible (window));
}

static void
test_export (void)
{
  g_autofree char *dir = g_dir_make_tmp ("netlens-test-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "shown.jsonl", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  guint n_rows = 0;

  /* Export… writes the rows shown, in the export format */
  type_query ("proto:udp");
  g_assert_cmpuint (n_shown (), >, 0);
  g_assert_true (_netlens_window_export_to (window, path, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &contents, NULL, &error));
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], "{\"protocol\":"))
      {
        g_assert_nonnull (strstr (lines[i], "\"protocol\":\"udp\""));
        n_rows++;
      }
  g_assert_cmpuint (n_rows, ==, n_shown ());
  gtk_search_bar_set_search_mode (_netlens_window_get_search_bar (window), FALSE);
  g_unlink (path);
  g_rmdir (dir);
}

static void
write_mmdb (const char *kind,
            const char *path)
{
  g_autofree char *script = g_build_filename (g_getenv ("NETLENS_SOURCE_ROOT"), "tests", "geo",
                                              "write-test-mmdb.pl", NULL);
  const char *argv[] = { "/usr/bin/perl", script, kind, path, NULL };
  g_autoptr(GError) error = NULL;
  int status = 0;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               NULL, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

static void
reload_wait (void)
{
  spin (50);
  WAIT_FOR (_netlens_window_is_loaded (window), 20000);
  g_assert_true (_netlens_window_is_loaded (window));
  _netlens_window_tick (window);
  spin (100);
}

static void
test_geoip (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);
  g_autofree char *dir = g_dir_make_tmp ("netlens-geo-XXXXXX", NULL);
  g_autofree char *country = g_build_filename (dir, "country.mmdb", NULL);
  g_autofree char *asn = g_build_filename (dir, "asn.mmdb", NULL);
  g_autofree char *bad = g_build_filename (dir, "bad.mmdb", NULL);
  GtkColumnViewColumn *column = _netlens_window_get_column (window, NETLENS_COLUMN_COUNTRY);
  NetlensGroupsView *hosts = _netlens_window_get_groups_view (window, NETLENS_GROUP_HOST);
  GtkRevealer *banner = _netlens_window_get_error_revealer (window);
  NetlensConnectionModel *model = _netlens_window_get_model (window);
  GtkWidget *prefs;
  GtkWidget *row;
  gboolean found = FALSE;

  /* no database on this machine: no country column */
  g_assert_false (_netlens_window_has_geo (window));
  g_assert_false (gtk_column_view_column_get_visible (column));

  write_mmdb ("Country", country);
  write_mmdb ("ASN", asn);
  g_assert_true (g_file_set_contents (bad, "not a MaxMind database", -1, NULL));

  /* named in Preferences: the opened file is read again, its rows enriched */
  g_settings_set_string (settings, "geoip-asn-db", asn);
  reload_wait ();
  g_settings_set_string (settings, "geoip-country-db", country);
  reload_wait ();
  g_assert_true (_netlens_window_has_geo (window));
  g_assert_true (gtk_column_view_column_get_visible (column));
  g_assert_false (gtk_revealer_get_reveal_child (banner));
  g_assert_cmpuint (n_shown (), ==, export_rows->len);

  type_query ("country:IE");
  g_assert_cmpuint (n_shown (), >, 0);
  for (guint i = 0; i < n_shown (); i++)
    {
      g_autoptr(NetlensConnectionRow) row_i = g_list_model_get_item (G_LIST_MODEL (model), i);
      const NetlensConnection *conn = netlens_connection_row_get_connection (row_i);
      g_autoptr(GString) cell = g_string_new (NULL);

      g_assert_cmpstr (conn->country, ==, "IE");
      g_assert_cmpuint (conn->asn, ==, 32934);
      netlens_format_country (conn, cell);
      g_assert_cmpstr (cell->str, ==, "IE");
    }
  type_query ("asn:32934 !country:IE");
  g_assert_cmpuint (n_shown (), >, 0);
  type_query ("");
  gtk_search_bar_set_search_mode (_netlens_window_get_search_bar (window), FALSE);
  spin (50);

  /* the Hosts view has the country and network of the Facebook hosts */
  adw_view_stack_set_visible_child_name (_netlens_window_get_view_stack (window), "hosts");
  WAIT_FOR (gtk_widget_get_mapped (GTK_WIDGET (hosts)), 2000);
  spin (100);
  for (guint i = 0; i < g_list_model_get_n_items (netlens_groups_view_get_model (hosts)); i++)
    {
      g_autoptr(NetlensGroupRow) g = g_list_model_get_item (netlens_groups_view_get_model (hosts), i);

      if (g_strcmp0 (netlens_group_row_get_group (g)->country, "US") == 0 &&
          netlens_group_row_get_group (g)->asn == 32934)
        found = TRUE;
    }
  g_assert_true (found);
  adw_view_stack_set_visible_child_name (_netlens_window_get_view_stack (window), "connections");

  /* Preferences say which files are in use */
  prefs = netlens_preferences_window_new (GTK_WINDOW (window));
  row = g_object_get_data (G_OBJECT (prefs), "geoip-country-db");
  g_assert_nonnull (row);
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), ==, country);

  /* a file that cannot be read: a clear error, in the banner and in Preferences */
  g_settings_set_string (settings, "geoip-country-db", bad);
  spin (50);
  g_assert_false (_netlens_window_has_geo (window));
  g_assert_false (gtk_column_view_column_get_visible (column));
  g_assert_true (gtk_revealer_get_reveal_child (banner));
  g_assert_true (gtk_widget_has_css_class (row, "error"));
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), "bad.mmdb"));
  gtk_window_destroy (GTK_WINDOW (prefs));

  /* back to none: the banner goes, the rows lose their countries */
  g_settings_set_string (settings, "geoip-country-db", "");
  reload_wait ();
  g_settings_set_string (settings, "geoip-asn-db", "");
  reload_wait ();
  g_assert_false (_netlens_window_has_geo (window));
  g_assert_false (gtk_revealer_get_reveal_child (banner));
  g_assert_cmpuint (n_shown (), ==, export_rows->len);

  g_unlink (country);
  g_unlink (asn);
  g_unlink (bad);
  g_rmdir (dir);
}

static void
test_state_saved (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);
  g_auto(GStrv) visible = NULL;
  g_auto(GStrv) order = NULL;
  g_autofree char *sort = NULL;

  /* hide a column from the header menu's action, then close: the layout is saved */
  g_action_group_change_action_state (G_ACTION_GROUP (window), "column-packets",
                                      g_variant_new_boolean (FALSE));
  gtk_window_close (GTK_WINDOW (window));
  spin (100);

  visible = g_settings_get_strv (settings, "column-visible");
  order = g_settings_get_strv (settings, "column-order");
  sort = g_settings_get_string (settings, "sort-column");
  g_assert_false (g_strv_contains ((const char * const *) visible, "packets"));
  g_assert_true (g_strv_contains ((const char * const *) visible, "remote"));
  g_assert_cmpuint (g_strv_length (order), ==, NETLENS_N_COLUMNS);
  g_assert_cmpstr (sort, ==, "bytes");
  g_assert_true (g_settings_get_boolean (settings, "sort-descending"));
  window = NULL;
}

/* The window writes history: every row of the opened file ends, and each is in the
 * history, off the main thread; the rows carry their DPI results back (sni:). */
static char *history_dir;

/* the rows of the last session (other tests open the file again: one session each) */
static gboolean
count_history_row (NetlensHistoryRow *row,
                   gpointer           data)
{
  gint64 *n = data;

  if (row->session > n[2])
    {
      n[0] = n[1] = 0;
      n[2] = row->session;
    }
  if (row->session < n[2])
    return TRUE;
  n[0]++;
  if (netlens_connection_get_sni (row->conn) != NULL)
    n[1]++;
  return TRUE;
}

static void
test_history_written (void)
{
  NetlensHistoryService *service = netlens_history_service_get_default ();
  g_autofree char *path = netlens_history_service_get_path (service);
  g_autoptr(GError) error = NULL;
  NetlensHistory *history;
  gint64 n[3] = { 0, 0, 0 };
  guint n_sni = 0;

  g_assert_true (netlens_history_service_is_enabled (service));
  g_assert_true (netlens_history_service_sync (service));
  g_assert_null (netlens_history_service_get_error (service));
  history = netlens_history_open (path, &error);
  g_assert_no_error (error);
  g_assert_true (netlens_history_query (history, 0, 0, count_history_row, n, &error));
  g_assert_no_error (error);
  netlens_history_close (history);
  for (guint i = 0; i < export_rows->len; i++)
    {
      JsonObject *names = json_object_get_object_member (g_ptr_array_index (export_rows, i), "names");

      if (names != NULL && json_object_has_member (names, "sni")
          && !json_object_get_null_member (names, "sni"))
        n_sni++;
    }
  g_test_message ("%" G_GINT64_FORMAT " rows in the last session of the history, %" G_GINT64_FORMAT
                  " with an SNI; %u exported, %u with an SNI", n[0], n[1], export_rows->len, n_sni);
  g_assert_cmpint (n[0], ==, export_rows->len);
  g_assert_cmpint (n[1], ==, n_sni);
}

/* The Processes and Hosts views over a range of the history: the file's rows, stored once
 * per opening (K sessions), give the live groups' keys with K times their connections and
 * bytes; read on the history's worker; an empty range says so; activating a program shows
 * its stored connections on the History page, same range. */
static void
wait_history_view (NetlensHistoryView *view)
{
  WAIT_FOR (!netlens_history_view_is_loading (view), 20000);
  g_assert_false (netlens_history_view_is_loading (view));
}

static void
wait_groups_view (NetlensGroupsView *view)
{
  WAIT_FOR (!netlens_groups_view_is_loading (view), 20000);
  g_assert_false (netlens_groups_view_is_loading (view));
}

static void
check_range_groups (NetlensGroupKind kind,
                    guint            sessions)
{
  NetlensGroupsView *view = _netlens_window_get_groups_view (window, kind);
  NetlensGroups *live = _netlens_window_get_groups (window);
  GListModel *model = netlens_groups_view_get_model (view);
  guint n_live = netlens_groups_list (live, kind)->len;   /* the list is the groups' */
  guint n_top = 0;

  netlens_groups_view_show_range (view, NETLENS_HISTORY_RANGE_CUSTOM, "2000-01-01", NULL);
  g_assert_true (netlens_groups_view_is_loading (view));   /* not read on this thread */
  wait_groups_view (view);
  g_assert_null (netlens_groups_view_get_message (view));
  g_assert_true (netlens_groups_view_get_shown_groups (view) != live);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, n_live);
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(NetlensGroupRow) row = g_list_model_get_item (model, i);
      const NetlensGroup *g = netlens_group_row_get_group (row);
      const NetlensGroup *l = netlens_groups_lookup (live, kind, g->key);
      g_autofree char *open = netlens_groups_view_dup_cell_text (view, row, "open");
      g_autofree char *top = netlens_groups_view_dup_cell_text (view, row, "top");
      g_autofree char *expected = NULL;

      g_assert_nonnull (l);
      g_assert_cmpuint (g->n_connections, ==, sessions * l->n_connections);
      g_assert_cmpuint (g->rx_bytes, ==, sessions * l->rx_bytes);
      g_assert_cmpuint (g->tx_bytes, ==, sessions * l->tx_bytes);
      g_assert_cmpuint (g->n_peers, ==, l->n_peers);
      g_assert_cmpint (g->first_seen, ==, l->first_seen);
      g_assert_cmpint (g->last_seen, ==, l->last_seen);
      g_assert_cmpuint (g->n_open, ==, 0);
      expected = g_strdup_printf ("%u", g->n_connections);
      g_assert_cmpstr (open, ==, expected);
      if (*top != '\0')
        n_top++;
      if (i == 0)
        g_test_message ("%s range: %s: %u connections, top: %s", kind == NETLENS_GROUP_PROCESS
                        ? "processes" : "hosts", g->label, g->n_connections, top);
    }
  /* every group has at least one peer (the busiest first) */
  g_assert_cmpuint (n_top, ==, n_live);
}

static void
test_history_ranges (void)
{
  AdwViewStack *stack = _netlens_window_get_view_stack (window);
  NetlensGroupsView *processes = _netlens_window_get_groups_view (window, NETLENS_GROUP_PROCESS);
  NetlensGroupsView *hosts = _netlens_window_get_groups_view (window, NETLENS_GROUP_HOST);
  NetlensHistoryView *history = NETLENS_HISTORY_VIEW (adw_view_stack_get_child_by_name (stack, "history"));
  GListModel *model = netlens_groups_view_get_model (processes);
  g_autoptr(NetlensGroupRow) chosen = NULL;
  GPtrArray *live_list;
  NetlensHistoryRangeKind kind;
  const char *since, *until;
  GtkWidget *columns;
  guint total = 0, sessions;

  /* how many times the file was stored: the history's rows over the file's */
  g_assert_true (netlens_history_service_sync (netlens_history_service_get_default ()));
  adw_view_stack_set_visible_child_name (stack, "history");
  WAIT_FOR (gtk_widget_get_mapped (GTK_WIDGET (history)), 2000);
  netlens_history_view_set_custom (history, "2000-01-01", NULL);
  netlens_history_view_set_query (history, "");
  wait_history_view (history);
  total = g_list_model_get_n_items (netlens_history_view_get_model (history));
  sessions = total / export_rows->len;
  g_assert_cmpuint (sessions, >=, 1);
  g_assert_cmpuint (total % export_rows->len, ==, 0);
  g_test_message ("%u stored rows: %u sessions of the file", total, sessions);

  adw_view_stack_set_visible_child_name (stack, "hosts");
  WAIT_FOR (gtk_widget_get_mapped (GTK_WIDGET (hosts)), 2000);
  check_range_groups (NETLENS_GROUP_HOST, sessions);
  adw_view_stack_set_visible_child_name (stack, "processes");
  WAIT_FOR (gtk_widget_get_mapped (GTK_WIDGET (processes)), 2000);
  check_range_groups (NETLENS_GROUP_PROCESS, sessions);
  g_assert_true (netlens_groups_view_get_range (processes, &kind, &since, &until));
  g_assert_cmpint (kind, ==, NETLENS_HISTORY_RANGE_CUSTOM);
  g_assert_cmpstr (since, ==, "2000-01-01");

  /* activating the busiest host (a file has no programs): its stored connections on the
   * History page, same range */
  adw_view_stack_set_visible_child_name (stack, "hosts");
  WAIT_FOR (gtk_widget_get_mapped (GTK_WIDGET (hosts)), 2000);
  wait_groups_view (hosts);
  netlens_groups_view_sort_by (hosts, "rx", TRUE);
  spin (50);
  chosen = g_list_model_get_item (netlens_groups_view_get_model (hosts), 0);
  columns = find_column_view (GTK_WIDGET (hosts));
  g_assert_nonnull (columns);
  /* chosen: its details are the range's; the live graph of the selection is hidden */
  gtk_selection_model_select_item (gtk_column_view_get_model (GTK_COLUMN_VIEW (columns)), 0, TRUE);
  WAIT_FOR (_netlens_window_get_detail_visible (window), 2000);
  g_assert_true (_netlens_window_get_detail_visible (window));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (_netlens_window_get_selection_graph (window))));
  g_signal_emit_by_name (columns, "activate", 0);
  spin (50);
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (stack), ==, "history");
  wait_history_view (history);
  g_assert_null (netlens_history_view_get_message (history));
  g_test_message ("activated %s: %u rows on the History page", netlens_group_row_get_group (chosen)->label,
                  g_list_model_get_n_items (netlens_history_view_get_model (history)));
  /* name: also matches the DNS lookups of that name (to the resolver): at least the group's */
  g_assert_cmpuint (g_list_model_get_n_items (netlens_history_view_get_model (history)), >=,
                    netlens_group_row_get_group (chosen)->n_connections);
  g_assert_cmpuint (g_list_model_get_n_items (netlens_history_view_get_model (history)), <, total);

  /* the last hour has none of the file's (2015) rows: said, not an empty table */
  adw_view_stack_set_visible_child_name (stack, "processes");
  WAIT_FOR (gtk_widget_get_mapped (GTK_WIDGET (processes)), 2000);
  netlens_groups_view_show_range (processes, NETLENS_HISTORY_RANGE_HOUR, NULL, NULL);
  wait_groups_view (processes);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 0);
  g_assert_nonnull (netlens_groups_view_get_message (processes));
  g_test_message ("last hour: %s", netlens_groups_view_get_message (processes));
  /* a time that is not one */
  netlens_groups_view_show_range (processes, NETLENS_HISTORY_RANGE_CUSTOM, "yesterday-ish", NULL);
  g_assert_false (netlens_groups_view_is_loading (processes));
  g_assert_nonnull (netlens_groups_view_get_message (processes));

  /* Live again: the window's groups */
  netlens_groups_view_show_live (processes);
  netlens_groups_view_show_live (hosts);
  g_assert_false (netlens_groups_view_get_range (processes, NULL, NULL, NULL));
  g_assert_null (netlens_groups_view_get_message (processes));
  live_list = netlens_groups_list (_netlens_window_get_groups (window), NETLENS_GROUP_PROCESS);
  g_assert_true (netlens_groups_view_get_shown_groups (processes) == _netlens_window_get_groups (window));
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, live_list->len);
  netlens_history_view_set_query (history, "");
  adw_view_stack_set_visible_child_name (stack, "connections");
  spin (50);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (_netlens_window_get_selection_graph (window))));
}

/* The History page filters as you type (no Enter): real keys, one at a time; the rows
 * narrow to the query's, read on the history's worker. */
static guint
history_n_rows (NetlensHistoryView *view)
{
  return g_list_model_get_n_items (netlens_history_view_get_model (view));
}

/* Rows of the file the headless export's --filter QUERY writes. */
static guint
count_filtered (const char *query)
{
  g_autofree char *netlens = g_build_filename (g_getenv ("NETLENS_BUILD_ROOT"), "src", "netlens", NULL);
  const char *argv[] = { netlens, "--read", capture_path, "--export", "jsonl", "--filter", query,
                         "--no-history", NULL };
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;
  int status = 0;
  guint n = 0;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               &out, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  /* the rows, not the summary at the end */
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (strstr (lines[i], "\"protocol\":") != NULL)
      n++;
  return n;
}

static NetlensHistoryView *
show_history_page (guint *total)
{
  AdwViewStack *stack = _netlens_window_get_view_stack (window);
  NetlensHistoryView *view = NETLENS_HISTORY_VIEW (adw_view_stack_get_child_by_name (stack, "history"));

  g_assert_true (netlens_history_service_sync (netlens_history_service_get_default ()));
  adw_view_stack_set_visible_child_name (stack, "history");
  WAIT_FOR (gtk_widget_get_mapped (GTK_WIDGET (view)), 2000);
  netlens_history_view_set_custom (view, "2000-01-01", NULL);
  netlens_history_view_set_query (view, "");
  wait_history_view (view);
  *total = history_n_rows (view);
  g_assert_cmpuint (*total, >=, export_rows->len);
  g_assert_cmpuint (*total % export_rows->len, ==, 0);
  gtk_widget_grab_focus (netlens_history_view_get_search_entry (view));
  return view;
}

static void
test_history_filter_typed (void)
{
  guint total, sessions, expected;
  NetlensHistoryView *view = show_history_page (&total);

  sessions = total / export_rows->len;
  expected = count_export (is_proto, (gpointer) "udp") * sessions;
  g_assert_cmpuint (expected, >, 0);
  g_assert_cmpuint (expected, <, total);

  /* typed, never Enter: the entry's search-changed (debounced) reads the range again */
  press_keys ("p r o t o colon u d p");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (netlens_history_view_get_search_entry (view))),
                   ==, "proto:udp");
  WAIT_FOR (!netlens_history_view_is_loading (view) && history_n_rows (view) == expected, 20000);
  g_test_message ("typed proto:udp: %u of %u stored rows (%u sessions)", history_n_rows (view),
                  total, sessions);
  g_assert_cmpuint (history_n_rows (view), ==, expected);
  g_assert_null (netlens_history_view_get_query_error (view));
  g_assert_null (netlens_history_view_get_message (view));

  /* another query, typed over this one: as many rows as the headless export's --filter */
  expected = count_filtered ("proto:tcp port:443") * sessions;
  g_assert_cmpuint (expected, >, 0);
  g_assert_cmpuint (expected, <, count_export (is_proto, (gpointer) "tcp") * sessions);
  press_keys ("BackSpace BackSpace BackSpace t c p space p o r t colon 4 4 3");
  WAIT_FOR (!netlens_history_view_is_loading (view) && history_n_rows (view) == expected, 20000);
  g_test_message ("typed proto:tcp port:443: %u rows", history_n_rows (view));
  g_assert_cmpuint (history_n_rows (view), ==, expected);

  /* cleared: every row again */
  netlens_history_view_set_query (view, "");
  wait_history_view (view);
  g_assert_cmpuint (history_n_rows (view), ==, total);
}

/* A query with an error, typed: said under the bar (the entry marked), the rows of the
 * last good query stay, no dialog, no message page; fixed, the error goes. */
static void
test_history_query_error (void)
{
  guint total, udp;
  NetlensHistoryView *view = show_history_page (&total);
  GtkWidget *entry = netlens_history_view_get_search_entry (view);
  const char *error;

  netlens_history_view_set_query (view, "proto:udp");
  wait_history_view (view);
  udp = history_n_rows (view);
  g_assert_cmpuint (udp, >, 0);
  g_assert_cmpuint (udp, <, total);

  gtk_widget_grab_focus (entry);
  press_keys ("End space b o g u s colon t h i n g");
  WAIT_FOR (netlens_history_view_get_query_error (view) != NULL
            && strstr (netlens_history_view_get_query_error (view), "bogus:thing") != NULL, 5000);
  error = netlens_history_view_get_query_error (view);
  g_test_message ("history query error: %s", error);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error, "bogus:thing"));
  g_assert_true (gtk_widget_has_css_class (entry, "error"));
  spin (300);
  g_assert_false (netlens_history_view_is_loading (view));
  g_assert_null (netlens_history_view_get_message (view));
  g_assert_cmpuint (history_n_rows (view), ==, udp);
  /* Enter on it: the same (said, rows kept) */
  press_keys ("Return");
  g_assert_nonnull (netlens_history_view_get_query_error (view));
  g_assert_null (netlens_history_view_get_message (view));
  g_assert_cmpuint (history_n_rows (view), ==, udp);

  /* a bad value being typed at the end ("port:" on the way to a number) keeps the rows */
  netlens_history_view_set_query (view, "");
  wait_history_view (view);
  g_assert_null (netlens_history_view_get_query_error (view));
  gtk_widget_grab_focus (entry);
  press_keys ("p o r t colon");
  WAIT_FOR (netlens_history_view_get_query_error (view) != NULL, 5000);
  spin (300);
  wait_history_view (view);
  g_assert_nonnull (netlens_history_view_get_query_error (view));
  g_assert_null (netlens_history_view_get_message (view));
  g_test_message ("\"port:\": %u rows kept (of %u)", history_n_rows (view), total);
  g_assert_cmpuint (history_n_rows (view), >, 0);

  /* fixed: the error goes and the query applies */
  press_keys ("4 4 3");
  WAIT_FOR (netlens_history_view_get_query_error (view) == NULL, 5000);
  g_assert_null (netlens_history_view_get_query_error (view));
  g_assert_false (gtk_widget_has_css_class (entry, "error"));
  netlens_history_view_set_query (view, "");
  wait_history_view (view);
  adw_view_stack_set_visible_child_name (_netlens_window_get_view_stack (window), "connections");
}

/* On the History page the live filter bar is hidden (the page has its own entry): Ctrl+F
 * goes to the page's entry, and Esc there leaves the live filter alone, which is back as
 * it was on the live table. */
static void
test_history_own_query_bar (void)
{
  guint total;
  GtkSearchBar *bar = _netlens_window_get_search_bar (window);
  GtkEditable *live = GTK_EDITABLE (_netlens_window_get_search_entry (window));
  AdwViewStack *stack = _netlens_window_get_view_stack (window);
  NetlensHistoryView *view;
  GtkWidget *entry, *focus;

  adw_view_stack_set_visible_child_name (stack, "connections");
  type_query ("proto:udp");
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (bar)));

  view = show_history_page (&total);
  entry = netlens_history_view_get_search_entry (view);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (bar)));
  g_assert_false (gtk_widget_get_mapped (GTK_WIDGET (live)));
  gtk_widget_grab_focus (GTK_WIDGET (_netlens_window_get_view_stack (window)));
  press_keys ("ctrl+f");
  focus = gtk_root_get_focus (GTK_ROOT (window));
  g_assert_true (focus != NULL && (focus == entry || gtk_widget_is_ancestor (focus, entry)));
  press_keys ("Escape Escape");
  g_assert_true (gtk_search_bar_get_search_mode (bar));
  g_assert_cmpstr (gtk_editable_get_text (live), ==, "proto:udp");

  adw_view_stack_set_visible_child_name (stack, "connections");
  WAIT_FOR (gtk_widget_get_mapped (GTK_WIDGET (live)), 2000);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (bar)));
  g_assert_cmpstr (gtk_editable_get_text (live), ==, "proto:udp");
  type_query ("");
}

/* Save Capture…: the opened file's packets, each with its row's comment. */
typedef struct
{
  gboolean done;
  gint64   written;
  GError  *error;
} SaveResult;

static void
on_saved_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  SaveResult *r = data;

  r->written = netlens_capture_saver_save_finish (NULL, result, &r->error);
  r->done = TRUE;
}

static guint64
count_packets (const char *path,
               guint64    *with_comment,
               guint64    *with_sni)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NetlensPcapReader) reader = netlens_pcap_reader_open (path, &error);
  NetlensPcapRecord record;
  guint64 n = 0;

  g_assert_no_error (error);
  while (netlens_pcap_reader_next (reader, &record, &error))
    {
      n++;
      if (with_comment != NULL && record.comment != NULL)
        (*with_comment)++;
      if (with_sni != NULL && record.comment != NULL && (g_str_has_prefix (record.comment, "sni ") || strstr (record.comment, " sni ") != NULL))
        (*with_sni)++;
    }
  g_assert_no_error (error);
  return n;
}

static void
test_save_capture (void)
{
  g_autofree char *out = g_build_filename (history_dir, "saved.pcapng", NULL);
  SaveResult r = { FALSE, 0, NULL };
  guint64 comments = 0, sni = 0, n;

  _netlens_window_save_capture_to (window, out, on_saved_cb, &r);
  WAIT_FOR (r.done, 20000);
  g_assert_true (r.done);
  g_assert_no_error (r.error);
  n = count_packets (out, &comments, &sni);
  g_test_message ("%" G_GUINT64_FORMAT " packets saved, %" G_GUINT64_FORMAT " with a comment, %"
                  G_GUINT64_FORMAT " naming an SNI", n, comments, sni);
  g_assert_cmpuint (n, ==, count_packets (capture_path, NULL, NULL));
  g_assert_cmpint (r.written, ==, (gint64) n);
  /* rows with no name and no process have no comment (about half of this file's packets) */
  g_assert_cmpuint (comments, >, n / 4);
  g_assert_cmpuint (sni, >, 0);
  g_unlink (out);
}

/* The History page: a custom range over the file's (2015) times, the query language on the
 * stored rows (DPI results included), the detail pane; a damaged database: a message. */

static void
test_history_view (void)
{
  AdwViewStack *stack = _netlens_window_get_view_stack (window);
  NetlensHistoryView *view = NETLENS_HISTORY_VIEW (adw_view_stack_get_child_by_name (stack, "history"));
  g_autofree char *bad = g_build_filename (history_dir, "damaged.sqlite", NULL);
  guint total, with_sni;

  g_assert_nonnull (view);
  adw_view_stack_set_visible_child_name (stack, "history");
  WAIT_FOR (gtk_widget_get_mapped (GTK_WIDGET (view)), 2000);
  netlens_history_view_set_custom (view, "2000-01-01", NULL);
  wait_history_view (view);
  g_assert_null (netlens_history_view_get_message (view));
  total = g_list_model_get_n_items (netlens_history_view_get_model (view));
  /* each opening of the file is a session of 38 rows */
  g_assert_cmpuint (total, >=, export_rows->len);
  g_assert_cmpuint (total % export_rows->len, ==, 0);

  netlens_history_view_set_query (view, "sni:/./");
  wait_history_view (view);
  with_sni = g_list_model_get_n_items (netlens_history_view_get_model (view));
  g_test_message ("history view: %u rows, %u with an SNI", total, with_sni);
  g_assert_cmpuint (with_sni, >, 0);
  g_assert_cmpuint (with_sni * export_rows->len, ==, total * 3);  /* 3 of the 38 have one */

  /* the last hour has none of the 2015 rows */
  netlens_history_view_set_query (view, "");
  netlens_history_view_set_range (view, NETLENS_HISTORY_RANGE_HOUR);
  wait_history_view (view);
  g_assert_cmpuint (g_list_model_get_n_items (netlens_history_view_get_model (view)), ==, 0);
  g_assert_nonnull (netlens_history_view_get_message (view));

  /* a bad time and a bad query are said, not crashed on */
  netlens_history_view_set_custom (view, "yesterday-ish", NULL);
  g_assert_nonnull (netlens_history_view_get_message (view));
  netlens_history_view_set_custom (view, "2000-01-01", NULL);
  wait_history_view (view);
  netlens_history_view_set_query (view, "port:");
  g_assert_nonnull (netlens_history_view_get_query_error (view));
  g_assert_null (netlens_history_view_get_message (view));

  /* a damaged database: its message in the view */
  netlens_history_service_shutdown ();
  g_assert_true (g_file_set_contents (bad, "SQLite format 3\0 garbage garbage garbage garbage", 48, NULL));
  netlens_history_service_configure (bad, FALSE);
  netlens_history_view_set_query (view, "");
  wait_history_view (view);
  g_test_message ("damaged: %s", netlens_history_view_get_message (view));
  g_assert_nonnull (netlens_history_view_get_message (view));
  g_assert_nonnull (strstr (netlens_history_view_get_message (view), "damaged.sqlite"));
  {
    /* the Hosts view over a range of it: the same message, Live still works */
    NetlensGroupsView *hosts = _netlens_window_get_groups_view (window, NETLENS_GROUP_HOST);

    adw_view_stack_set_visible_child_name (stack, "hosts");
    netlens_groups_view_show_range (hosts, NETLENS_HISTORY_RANGE_WEEK, NULL, NULL);
    wait_groups_view (hosts);
    g_test_message ("hosts, damaged: %s", netlens_groups_view_get_message (hosts));
    g_assert_nonnull (strstr (netlens_groups_view_get_message (hosts), "damaged.sqlite"));
    g_assert_cmpuint (g_list_model_get_n_items (netlens_groups_view_get_model (hosts)), ==, 0);
    netlens_groups_view_show_live (hosts);
    g_assert_null (netlens_groups_view_get_message (hosts));
    g_assert_cmpuint (g_list_model_get_n_items (netlens_groups_view_get_model (hosts)), >, 0);
  }
  adw_view_stack_set_visible_child_name (stack, "connections");
}

/* A row whose stored fields are damaged (a real history written by a headless run, one
 * row's blob cut short with sqlite3): the page says how many rows are, the row is marked,
 * and its detail pane says why; the other rows' panes say nothing of it. */
static void
test_history_damaged_row (void)
{
  AdwViewStack *stack = _netlens_window_get_view_stack (window);
  NetlensHistoryView *view = NETLENS_HISTORY_VIEW (adw_view_stack_get_child_by_name (stack, "history"));
  g_autofree char *db = g_build_filename (history_dir, "row-damaged.sqlite", NULL);
  g_autofree char *netlens = g_build_filename (g_getenv ("NETLENS_BUILD_ROOT"), "src", "netlens", NULL);
  const char *argv[] = { netlens, "--read", capture_path, "--export", "jsonl", "--output", "/dev/null",
                         "--history-db", db, NULL };
  g_autoptr(GError) error = NULL;
  GtkSingleSelection *selection = netlens_history_view_get_selection (view);
  sqlite3 *sql = NULL;
  guint n_damaged = 0, n;
  int status = 0;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               NULL, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_cmpint (sqlite3_open (db, &sql), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (sql, "UPDATE connections SET fields = substr (fields, 1, 12) WHERE id = "
                                 "(SELECT id FROM connections WHERE length (fields) > 64 ORDER BY id LIMIT 1)",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_changes (sql), ==, 1);
  sqlite3_close (sql);

  netlens_history_service_shutdown ();
  netlens_history_service_configure (db, FALSE);
  adw_view_stack_set_visible_child_name (stack, "history");
  WAIT_FOR (gtk_widget_get_mapped (GTK_WIDGET (view)), 2000);
  netlens_history_view_set_custom (view, "2000-01-01", NULL);
  netlens_history_view_set_query (view, "");
  wait_history_view (view);
  n = history_n_rows (view);
  g_assert_null (netlens_history_view_get_message (view));
  g_assert_cmpuint (n, ==, export_rows->len);   /* shown with what could be read */
  g_test_message ("damaged row: %s", netlens_history_view_get_damaged_count (view));
  g_assert_cmpstr (netlens_history_view_get_damaged_count (view), ==, "⚠ 1 damaged row");

  for (guint i = 0; i < n; i++)
    {
      const char *damage;

      gtk_single_selection_set_selected (selection, i);
      damage = netlens_history_view_get_damage (view);
      if (damage == NULL)
        continue;
      n_damaged++;
      g_test_message ("row %u: %s", i, damage);
      g_assert_nonnull (strstr (damage, "damaged"));
      g_assert_true (gtk_widget_get_visible (gtk_widget_get_parent (netlens_history_view_get_detail_pane (view))));
    }
  g_assert_cmpuint (n_damaged, ==, 1);
  gtk_single_selection_set_selected (selection, GTK_INVALID_LIST_POSITION);
  g_assert_null (netlens_history_view_get_damage (view));

  /* a query that leaves it out (what came after its damage, its DPI results, is lost):
   * no count */
  netlens_history_view_set_query (view, "sni:/./");
  wait_history_view (view);
  g_assert_cmpuint (history_n_rows (view), >, 0);
  g_assert_null (netlens_history_view_get_damaged_count (view));
  netlens_history_view_set_query (view, "");
  wait_history_view (view);
  adw_view_stack_set_visible_child_name (stack, "connections");
}

/* A label under WIDGET whose text contains NEEDLE. */
static gboolean
has_label_text (GtkWidget  *widget,
                const char *needle)
{
  if (GTK_IS_LABEL (widget) && strstr (gtk_label_get_text (GTK_LABEL (widget)), needle) != NULL)
    return TRUE;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (has_label_text (child, needle))
      return TRUE;
  return FALSE;
}

/* Issue 18, faults: another program holds the history database's write lock while the
 * window writes.  The window says so in its banner, once; the rows stay, the capture goes on. */
static void
test_history_locked (void)
{
  g_autofree char *db = g_build_filename (history_dir, "locked.sqlite", NULL);
  GtkRevealer *banner = _netlens_window_get_error_revealer (window);
  NetlensConnectionModel *model = _netlens_window_get_model (window);
  g_autoptr(GFile) file = g_file_new_for_path (capture_path);
  g_autoptr(GError) error = NULL;
  NetlensHistory *history;
  sqlite3 *locker = NULL;
  guint rows;

  /* a good database, then another connection's open write transaction on it */
  history = netlens_history_open (db, &error);
  g_assert_no_error (error);
  netlens_history_close (history);
  g_assert_cmpint (sqlite3_open (db, &locker), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (locker, "BEGIN EXCLUSIVE", NULL, NULL, NULL), ==, SQLITE_OK);

  netlens_history_service_shutdown ();
  netlens_history_service_configure (db, FALSE);
  g_assert_true (netlens_history_service_is_enabled (netlens_history_service_get_default ()));
  gtk_revealer_set_reveal_child (banner, FALSE);

  /* every row of the file ends and is offered to the history, which cannot write it */
  netlens_window_open_file (window, file);
  WAIT_FOR (_netlens_window_is_loaded (window), 20000);
  for (guint i = 0; i < 60 && !gtk_revealer_get_reveal_child (banner); i++)
    {
      _netlens_window_tick (window);
      spin (250);
    }
  g_assert_true (gtk_revealer_get_reveal_child (banner));
  g_assert_true (has_label_text (GTK_WIDGET (banner), "history stopped writing"));
  g_assert_true (has_label_text (GTK_WIDGET (banner), "locked"));

  /* the rows are all there, and the banner is said once (dismissed, it stays away) */
  rows = g_list_model_get_n_items (G_LIST_MODEL (model));
  g_test_message ("history locked: banner shown, %u rows in the table", rows);
  g_assert_cmpuint (rows, ==, export_rows->len);
  gtk_revealer_set_reveal_child (banner, FALSE);
  _netlens_window_tick (window);
  spin (200);
  g_assert_false (gtk_revealer_get_reveal_child (banner));

  sqlite3_exec (locker, "ROLLBACK", NULL, NULL, NULL);
  sqlite3_close (locker);
}

int
main (int   argc,
      char *argv[])
{
  const char *corpus = g_getenv ("NETLENS_CORPUS");
  g_autoptr(GFile) file = NULL;
  int ret;

  /* a display is required in CI; elsewhere its absence is a skip */
  if (!gtk_init_check ())
    {
      if (g_strcmp0 (g_getenv ("CI"), "true") == 0)
        {
          g_printerr ("no display, but CI=true: failing\n");
          return 1;
        }
      g_print ("1..0 # SKIP no display\n");
      return 0;
    }
  g_test_init (&argc, &argv, NULL);
  adw_init ();

  capture_path = g_build_filename (corpus ? corpus : ".", "captures", CAPTURE, NULL);
  if (!g_file_test (capture_path, G_FILE_TEST_EXISTS))
    {
      g_print ("1..0 # SKIP no corpus at %s\n", capture_path);
      return 0;
    }
  load_export ();

  /* the history goes to a folder of its own (before anything asks for the service) */
  history_dir = g_dir_make_tmp ("netlens-gui-history-XXXXXX", NULL);
  {
    g_autofree char *db = g_build_filename (history_dir, "history.sqlite", NULL);

    netlens_history_service_configure (db, FALSE);
  }
  window = netlens_window_new (NULL, NULL);
  gtk_window_present (GTK_WINDOW (window));
  WAIT_FOR (gtk_widget_get_mapped (GTK_WIDGET (window)), 5000);
  file = g_file_new_for_path (capture_path);
  netlens_window_open_file (window, file);
  WAIT_FOR (_netlens_window_is_loaded (window), 20000);
  g_assert_true (_netlens_window_is_loaded (window));
  _netlens_window_tick (window);
  spin (200);

  g_test_add_func ("/gui/window/rows-match-export", test_rows_match_export);
  g_test_add_func ("/gui/window/views", test_views);
  g_test_add_func ("/gui/window/views-activate", test_views_activate);
  g_test_add_func ("/gui/window/show-connection", test_show_connection);
  g_test_add_func ("/gui/window/filter", test_filter);
  g_test_add_func ("/gui/window/selection-survives-update", test_selection_survives_update);
  g_test_add_func ("/gui/window/resort-follows-selection", test_resort_follows_selection);
  g_test_add_func ("/gui/window/detail-pane", test_detail_pane);
  g_test_add_func ("/gui/window/clipboard", test_clipboard);
  g_test_add_func ("/gui/window/near-timeout", test_near_timeout);
  g_test_add_func ("/gui/window/export", test_export);
  g_test_add_func ("/gui/window/geoip", test_geoip);
  g_test_add_func ("/gui/window/history-written", test_history_written);
  g_test_add_func ("/gui/window/history-ranges", test_history_ranges);
  g_test_add_func ("/gui/window/history-filter-typed", test_history_filter_typed);
  g_test_add_func ("/gui/window/history-query-error", test_history_query_error);
  g_test_add_func ("/gui/window/history-own-query-bar", test_history_own_query_bar);
  g_test_add_func ("/gui/window/save-capture", test_save_capture);
  g_test_add_func ("/gui/window/history-view", test_history_view);
  g_test_add_func ("/gui/window/history-damaged-row", test_history_damaged_row);
  g_test_add_func ("/gui/window/history-locked", test_history_locked);
  /* closes the window: last */
  g_test_add_func ("/gui/window/state-saved", test_state_saved);


  ret = g_test_run ();
  if (window != NULL)
    gtk_window_destroy (GTK_WINDOW (window));
  netlens_history_service_shutdown ();
  {
    g_autoptr(GDir) d = g_dir_open (history_dir, 0, NULL);
    const char *name;

    while (d != NULL && (name = g_dir_read_name (d)) != NULL)
      {
        g_autofree char *f = g_build_filename (history_dir, name, NULL);

        g_unlink (f);
      }
    g_rmdir (history_dir);
    g_free (history_dir);
  }
  g_ptr_array_unref (export_rows);
  g_free (capture_path);
  return ret;
}
