/* test-groups-view.c: the Processes and Hosts views under a display (Xvfb)
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "netlens-test-groups-view"

#include "config.h"

#include <string.h>
#include <arpa/inet.h>
#include <adwaita.h>

#include "netlens-groups-view.h"
#include "netlens-group-row.h"
#include "netlens-file-source.h"
#include "netlens-query.h"

static gboolean
spin_until (gboolean (*cond) (gpointer),
            gpointer   data,
            guint      timeout_ms)
{
  gint64 end = g_get_monotonic_time () + timeout_ms * 1000;

  while (!cond (data))
    {
      if (g_get_monotonic_time () > end)
        return FALSE;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  return TRUE;
}

static void
spin (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    {
      while (g_main_context_pending (NULL))
        g_main_context_iteration (NULL, FALSE);
      g_usleep (2000);
    }
}

static gboolean
is_mapped (gpointer widget)
{
  return gtk_widget_get_mapped (widget);
}

/* Every GtkInscription text under WIDGET, joined by newlines. */
static void
collect_texts (GtkWidget *widget,
               GString   *out)
{
  if (GTK_IS_INSCRIPTION (widget) && gtk_inscription_get_text (GTK_INSCRIPTION (widget)) != NULL)
    g_string_append_printf (out, "%s\n", gtk_inscription_get_text (GTK_INSCRIPTION (widget)));
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_texts (child, out);
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
save_png (GtkWidget  *window,
          GtkWidget  *widget,
          const char *name)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  int w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  const char *root = g_getenv ("NETLENS_BUILD_ROOT");
  g_autofree char *path = g_build_filename (root != NULL ? root : ".", name, NULL);
  GdkRGBA bg;

  if (!gtk_style_context_lookup_color (gtk_widget_get_style_context (window), "view_bg_color", &bg))
    gdk_rgba_parse (&bg, "white");
  gtk_snapshot_append_color (snapshot, &bg, &GRAPHENE_RECT_INIT (0, 0, w, h));
  gdk_paintable_snapshot (paintable, snapshot, w, h);
  node = gtk_snapshot_free_to_node (snapshot);
  if (node == NULL)
    return;
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, w, h));
  if (gdk_texture_save_to_png (texture, path))
    g_test_message ("saved %s", path);
}

/* ------------------------------------------------------------------ hosts, from a capture */

typedef struct
{
  GMutex     lock;
  GPtrArray *rows;
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
  NetlensFileInfo info = { 0 };
  Collected c;

  g_mutex_init (&c.lock);
  c.rows = g_ptr_array_new_with_free_func ((GDestroyNotify) netlens_connection_free);
  netlens_pipeline_config_init (&config);
  config.dpi = TRUE;
  config.n_workers = 1;
  pipeline = netlens_pipeline_new (&config);
  netlens_pipeline_set_row_sink (pipeline, collect_row, &c);
  g_assert_true (netlens_file_source_read (pipeline, path, &info, NULL, NULL, NULL, NULL));
  netlens_pipeline_finish (pipeline);
  netlens_file_info_clear (&info);
  g_mutex_clear (&c.lock);
  return c.rows;
}

static void
on_group_activated_cb (NetlensGroupsView *view,
                       const char        *query,
                       const char        *key,
                       char             **out)
{
  g_free (out[0]);
  g_free (out[1]);
  out[0] = g_strdup (query);
  out[1] = g_strdup (key);
}

static void
test_hosts (void)
{
  const char *corpus = g_getenv ("NETLENS_CORPUS");
  g_autofree char *path = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(NetlensGroups) groups = netlens_groups_new ();
  g_autoptr(GString) texts = g_string_new (NULL);
  g_autoptr(NetlensQuery) query = NULL;
  GtkWidget *window, *stack, *view, *column_view;
  GListModel *model;
  char *activated[2] = { NULL, NULL };
  guint n_groups;
  guint64 prev = G_MAXUINT64;

  if (corpus == NULL || !g_file_test (corpus, G_FILE_TEST_IS_DIR))
    {
      if (g_strcmp0 (g_getenv ("CI"), "true") == 0)
        g_error ("no corpus");
      g_test_skip ("no corpus (NETLENS_CORPUS)");
      return;
    }
  path = g_build_filename (corpus, "captures", "ndpi-KakaoTalk_chat.pcap", NULL);
  rows = read_rows (path);
  for (guint i = 0; i < rows->len; i++)
    netlens_groups_update (groups, g_ptr_array_index (rows, i));
  netlens_groups_tick (groups, 1);
  n_groups = netlens_groups_list (groups, NETLENS_GROUP_HOST)->len;
  g_assert_cmpuint (n_groups, >=, 10);

  window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 560);
  stack = gtk_stack_new ();
  view = netlens_groups_view_new (NETLENS_GROUP_HOST);
  g_signal_connect (view, "group-activated", G_CALLBACK (on_group_activated_cb), activated);
  gtk_stack_add_named (GTK_STACK (stack), gtk_label_new ("Connections"), "connections");
  gtk_stack_add_named (GTK_STACK (stack), view, "hosts");
  gtk_window_set_child (GTK_WINDOW (window), stack);
  gtk_window_present (GTK_WINDOW (window));
  spin (200);

  /* hidden: the update is remembered, not done */
  model = netlens_groups_view_get_model (NETLENS_GROUPS_VIEW (view));
  netlens_groups_view_update (NETLENS_GROUPS_VIEW (view), groups);
  g_assert_false (gtk_widget_get_mapped (view));
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 0);

  netlens_groups_view_set_geo_visible (NETLENS_GROUPS_VIEW (view), TRUE);
  gtk_stack_set_visible_child_name (GTK_STACK (stack), "hosts");
  g_assert_true (spin_until (is_mapped, view, 5000));
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, n_groups);
  spin (300);

  /* sorted by what was received, largest first */
  netlens_groups_view_sort_by (NETLENS_GROUPS_VIEW (view), "rx", TRUE);
  for (guint i = 0; i < n_groups; i++)
    {
      g_autoptr(NetlensGroupRow) row = g_list_model_get_item (model, i);
      const NetlensGroup *g = netlens_group_row_get_group (row);

      g_assert_cmpuint (g->rx_bytes, <=, prev);
      prev = g->rx_bytes;
    }
  spin (300);

  collect_texts (view, texts);
  g_test_message ("cells:\n%s", texts->str);
  g_assert_nonnull (strstr (texts->str, "plus-talk.kakao.com"));
  g_assert_nonnull (strstr (texts->str, "kB"));  /* amounts with units */
  save_png (window, view, "hosts-view.png");

  /* activating the first row gives the filter that shows its connections */
  column_view = find_column_view (view);
  g_assert_nonnull (column_view);
  g_signal_emit_by_name (column_view, "activate", 0);
  g_assert_nonnull (activated[0]);
  g_test_message ("activated %s: %s", activated[1], activated[0]);
  query = netlens_query_parse (activated[0], NULL);
  g_assert_nonnull (query);
  {
    g_autoptr(NetlensGroupRow) first = g_list_model_get_item (model, 0);
    guint matched = 0;

    g_assert_cmpstr (activated[1], ==, netlens_group_row_get_key (first));
    for (guint i = 0; i < rows->len; i++)
      {
        NetlensConnection *conn = g_ptr_array_index (rows, i);

        if (netlens_groups_lookup_row (groups, NETLENS_GROUP_HOST, conn->id)
            == netlens_groups_lookup (groups, NETLENS_GROUP_HOST, activated[1]))
          {
            g_assert_true (netlens_query_match (query, conn));
            matched++;
          }
      }
    g_assert_cmpuint (matched, ==, netlens_group_row_get_group (first)->n_connections);
  }

  g_free (activated[0]);
  g_free (activated[1]);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* ------------------------------------------------------------------ processes, live updates */

static NetlensConnection *
make_conn (guint32       id,
           const char   *remote,
           NetlensOwner *owner,
           guint64       rx)
{
  NetlensConnection *conn = g_new0 (NetlensConnection, 1);

  conn->id = id;
  conn->key.proto = NETLENS_PROTO_TCP;
  conn->key.family = NETLENS_FAMILY_IPV4;
  inet_pton (AF_INET, "192.168.1.10", conn->key.laddr.bytes);
  inet_pton (AF_INET, remote, conn->key.raddr.bytes);
  conn->first_seen = g_get_real_time ();
  conn->last_seen = conn->first_seen;
  conn->rx_bytes = rx;
  conn->tx_bytes = rx / 10;
  conn->process = owner != NULL ? netlens_owner_ref (owner) : NULL;
  return conn;
}

static void
test_processes_live (void)
{
  g_autoptr(NetlensGroups) groups = netlens_groups_new ();
  g_autoptr(NetlensOwner) curl = netlens_owner_new ();
  g_autoptr(NetlensOwner) ssh = netlens_owner_new ();
  g_autoptr(NetlensConnection) a = NULL;
  g_autoptr(NetlensConnection) b = NULL;
  g_autoptr(NetlensConnection) c = NULL;
  g_autoptr(GString) texts = g_string_new (NULL);
  GtkWidget *window, *view;
  GListModel *model;
  gint64 now = g_get_real_time ();

  curl->pid = 4242;
  curl->name = g_strdup ("curl");
  curl->exe = g_strdup ("/usr/bin/curl");
  ssh->pid = 77;
  ssh->name = g_strdup ("ssh");
  ssh->exe = g_strdup ("/usr/bin/ssh");
  a = make_conn (1, "81.2.3.4", curl, 5000000);
  b = make_conn (2, "81.2.3.5", ssh, 20000);
  c = make_conn (3, "8.8.8.8", NULL, 300);

  window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 300);
  view = netlens_groups_view_new (NETLENS_GROUP_PROCESS);
  gtk_window_set_child (GTK_WINDOW (window), view);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (spin_until (is_mapped, view, 5000));
  model = netlens_groups_view_get_model (NETLENS_GROUPS_VIEW (view));

  netlens_groups_update (groups, a);
  netlens_groups_update (groups, b);
  netlens_groups_update (groups, c);
  netlens_groups_tick (groups, now);
  netlens_groups_view_update (NETLENS_GROUPS_VIEW (view), groups);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 3);

  /* a second later ssh receives 2 MB: by the default order (receiving rate) it comes first */
  b->rx_bytes += 2000000;
  netlens_groups_update (groups, b);
  netlens_groups_tick (groups, now + G_USEC_PER_SEC);
  netlens_groups_view_update (NETLENS_GROUPS_VIEW (view), groups);
  spin (300);
  {
    g_autoptr(NetlensGroupRow) first = g_list_model_get_item (model, 0);

    g_assert_cmpstr (netlens_group_row_get_key (first), ==, "exe:/usr/bin/ssh");
  }
  collect_texts (view, texts);
  g_test_message ("cells:\n%s", texts->str);
  g_assert_nonnull (strstr (texts->str, "curl\n"));
  g_assert_nonnull (strstr (texts->str, "ssh\n"));
  g_assert_nonnull (strstr (texts->str, "Unknown program\n"));
  g_assert_nonnull (strstr (texts->str, "2.00 MB/s"));
  save_png (window, view, "processes-view.png");

  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  g_setenv ("GTK_A11Y", "none", FALSE);
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  g_test_init (&argc, &argv, NULL);

  if (!gtk_init_check ())
    {
      if (g_strcmp0 (g_getenv ("CI"), "true") == 0)
        g_error ("no display");
      g_print ("1..0 # SKIP no display\n");
      return 0;
    }
  adw_init ();

  g_test_add_func ("/groups-view/hosts", test_hosts);
  g_test_add_func ("/groups-view/processes-live", test_processes_live);
  return g_test_run ();
}
