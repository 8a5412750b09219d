/* test-traffic-graph.c: NetlensTrafficGraph under a display (Xvfb)
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "netlens-test-graph"

#include "config.h"

#include <string.h>
#include <adwaita.h>

#include "netlens-traffic-graph.h"

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

static gboolean
is_mapped_and_drawn (gpointer data)
{
  return gtk_widget_get_mapped (data) && netlens_traffic_graph_get_n_draws (data) > 0;
}

static void
test_scale (void)
{
  NetlensTrafficGraph *graph = NETLENS_TRAFFIC_GRAPH (g_object_ref_sink (netlens_traffic_graph_new ()));
  g_autofree char *label = NULL;

  g_assert_cmpfloat (netlens_traffic_graph_get_scale (graph), ==, 1000.0);

  netlens_traffic_graph_push (graph, 1 * G_USEC_PER_SEC, 1234.0, 10.0);
  g_assert_cmpfloat (netlens_traffic_graph_get_scale (graph), ==, 2000.0);
  label = netlens_traffic_graph_dup_scale_label (graph);
  g_test_message ("1234 B/s → %s", label);
  g_assert_nonnull (strstr (label, "kB/s"));
  g_clear_pointer (&label, g_free);

  netlens_traffic_graph_push (graph, 2 * G_USEC_PER_SEC, 10.0, 7.5e6);  /* tx counts too */
  g_assert_cmpfloat (netlens_traffic_graph_get_scale (graph), ==, 1e7);
  label = netlens_traffic_graph_dup_scale_label (graph);
  g_test_message ("7.5 MB/s → %s", label);
  g_assert_nonnull (strstr (label, "MB/s"));
  g_clear_pointer (&label, g_free);

  /* round in the units shown: 7.5 MB/s = 60 Mbit/s → 100 Mbit/s */
  netlens_traffic_graph_set_bits (graph, TRUE);
  g_assert_cmpfloat (netlens_traffic_graph_get_scale (graph), ==, 1e8 / 8);
  label = netlens_traffic_graph_dup_scale_label (graph);
  g_test_message ("bits → %s", label);
  g_assert_nonnull (strstr (label, "Mbit/s"));
  g_clear_pointer (&label, g_free);
  netlens_traffic_graph_set_bits (graph, FALSE);

  /* a peak older than the span no longer sets the scale */
  netlens_traffic_graph_push (graph, 400 * G_USEC_PER_SEC, 300.0, 40.0);
  g_assert_cmpuint (netlens_traffic_graph_get_span (graph), ==, 300);
  g_assert_cmpfloat (netlens_traffic_graph_get_scale (graph), ==, 1000.0);
  netlens_traffic_graph_set_span (graph, 600);
  g_assert_cmpfloat (netlens_traffic_graph_get_scale (graph), ==, 1e7);

  /* the ring keeps the newest 1024 samples: the peak before them is gone */
  netlens_traffic_graph_clear (graph);
  for (guint i = 0; i < 5000; i++)
    netlens_traffic_graph_push (graph, (gint64) i * G_USEC_PER_SEC / 10, i < 3900 ? 1e9 : 4000.0, 0);
  g_assert_cmpfloat (netlens_traffic_graph_get_scale (graph), ==, 5000.0);

  g_object_unref (graph);
}

static void
test_no_work_while_unmapped (void)
{
  GtkWidget *window = gtk_window_new ();
  GtkWidget *stack = gtk_stack_new ();
  GtkWidget *other = gtk_label_new ("another view");
  GtkWidget *graph = netlens_traffic_graph_new ();
  guint draws;

  gtk_stack_add_named (GTK_STACK (stack), graph, "graph");
  gtk_stack_add_named (GTK_STACK (stack), other, "other");
  gtk_window_set_child (GTK_WINDOW (window), stack);
  gtk_window_set_default_size (GTK_WINDOW (window), 600, 200);

  for (guint i = 0; i < 100; i++)
    netlens_traffic_graph_push (NETLENS_TRAFFIC_GRAPH (graph), (gint64) i * G_USEC_PER_SEC, i * 100.0, 50.0);
  g_assert_cmpuint (netlens_traffic_graph_get_n_draws (NETLENS_TRAFFIC_GRAPH (graph)), ==, 0);

  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (spin_until (is_mapped_and_drawn, graph, 5000));

  /* another view in the stack: the graph is unmapped and draws nothing */
  gtk_stack_set_visible_child_name (GTK_STACK (stack), "other");
  spin (200);
  g_assert_false (gtk_widget_get_mapped (graph));
  draws = netlens_traffic_graph_get_n_draws (NETLENS_TRAFFIC_GRAPH (graph));
  for (guint i = 100; i < 400; i++)
    {
      netlens_traffic_graph_push (NETLENS_TRAFFIC_GRAPH (graph), (gint64) i * G_USEC_PER_SEC, 1e6, 50.0);
      if (i % 50 == 0)
        spin (20);
    }
  spin (200);
  g_assert_cmpuint (netlens_traffic_graph_get_n_draws (NETLENS_TRAFFIC_GRAPH (graph)), ==, draws);

  /* back: it draws again, with what came while hidden */
  gtk_stack_set_visible_child_name (GTK_STACK (stack), "graph");
  g_assert_true (spin_until (is_mapped_and_drawn, graph, 5000));
  spin (200);
  g_assert_cmpuint (netlens_traffic_graph_get_n_draws (NETLENS_TRAFFIC_GRAPH (graph)), >, draws);
  g_assert_cmpfloat (netlens_traffic_graph_get_scale (NETLENS_TRAFFIC_GRAPH (graph)), ==, 1e6);

  gtk_window_destroy (GTK_WINDOW (window));
}

/* Pixels within TOL of COLOR (the texture is premultiplied BGRA). */
static guint
count_color (const guint8  *data,
             gsize          stride,
             int            width,
             int            height,
             const char    *color,
             int            tol)
{
  GdkRGBA rgba;
  int r, g, b;
  guint n = 0;

  g_assert_true (gdk_rgba_parse (&rgba, color));
  r = (int) (rgba.red * 255 + 0.5);
  g = (int) (rgba.green * 255 + 0.5);
  b = (int) (rgba.blue * 255 + 0.5);
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        const guint8 *p = data + y * stride + x * 4;

        if (p[3] == 255 && ABS (p[2] - r) <= tol && ABS (p[1] - g) <= tol && ABS (p[0] - b) <= tol)
          n++;
      }
  return n;
}

static GdkTexture *
render (GtkWidget *window,
        GtkWidget *graph)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (graph);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  int w = gtk_widget_get_width (graph);
  int h = gtk_widget_get_height (graph);
  g_autoptr(GskRenderNode) node = NULL;
  GskRenderer *renderer = gtk_native_get_renderer (GTK_NATIVE (window));

  /* the window's background under it, as on screen */
  {
    GdkRGBA bg;
    GtkStyleContext *context = gtk_widget_get_style_context (window);

    if (!gtk_style_context_lookup_color (context, "window_bg_color", &bg))
      gdk_rgba_parse (&bg, "white");
    gtk_snapshot_append_color (snapshot, &bg, &GRAPHENE_RECT_INIT (0, 0, w, h));
  }
  gdk_paintable_snapshot (paintable, snapshot, w, h);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  return gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, w, h));
}

static void
save (GdkTexture *texture,
      const char *name)
{
  const char *root = g_getenv ("NETLENS_BUILD_ROOT");
  g_autofree char *path = g_build_filename (root != NULL ? root : ".", name, NULL);

  if (gdk_texture_save_to_png (texture, path))
    g_test_message ("saved %s", path);
}

static void
test_render_light_and_dark (void)
{
  AdwStyleManager *style = adw_style_manager_get_default ();
  GtkWidget *window = gtk_window_new ();
  GtkWidget *graph = netlens_traffic_graph_new ();
  g_autoptr(GdkTexture) light = NULL;
  g_autoptr(GdkTexture) dark = NULL;
  guint8 *data;
  int w, h;
  gsize stride;

  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_LIGHT);
  gtk_window_set_child (GTK_WINDOW (window), graph);
  gtk_window_set_default_size (GTK_WINDOW (window), 640, 180);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (spin_until (is_mapped_and_drawn, graph, 5000));

  /* five minutes of a download that ramps up, with a small upload */
  for (guint i = 0; i <= 300; i++)
    netlens_traffic_graph_push (NETLENS_TRAFFIC_GRAPH (graph), (gint64) i * G_USEC_PER_SEC,
                                i < 150 ? 2e5 + i * 1e3 : 1.2e6 + (i % 20) * 3e4,
                                i % 30 < 15 ? 1.5e5 : 4e5);
  spin (300);

  light = render (window, graph);
  w = gdk_texture_get_width (light);
  h = gdk_texture_get_height (light);
  g_assert_cmpint (w, >=, 600);
  stride = (gsize) w * 4;
  data = g_malloc (stride * h);
  gdk_texture_download (light, data, stride);
  save (light, "traffic-graph-light.png");
  /* libadwaita 1.2: accent #1c71d8 (blue_4) and warning #9c6e03 on light, #78aeed and #f8e45c on dark */
  g_test_message ("light: rx %u px, tx %u px",
                  count_color (data, stride, w, h, "#1c71d8", 10),
                  count_color (data, stride, w, h, "#9c6e03", 10));
  g_assert_cmpuint (count_color (data, stride, w, h, "#1c71d8", 10), >, 200);
  g_assert_cmpuint (count_color (data, stride, w, h, "#9c6e03", 10), >, 100);
  /* antialiased edges give a few of the other style's shades; far fewer */
  g_assert_cmpuint (count_color (data, stride, w, h, "#78aeed", 10) * 4, <,
                    count_color (data, stride, w, h, "#1c71d8", 10));
  g_free (data);

  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_DARK);
  spin (300);
  dark = render (window, graph);
  data = g_malloc (stride * h);
  gdk_texture_download (dark, data, stride);
  save (dark, "traffic-graph-dark.png");
  g_test_message ("dark: rx %u px, tx %u px",
                  count_color (data, stride, w, h, "#78aeed", 10),
                  count_color (data, stride, w, h, "#f8e45c", 10));
  g_assert_cmpuint (count_color (data, stride, w, h, "#78aeed", 10), >, 200);
  g_assert_cmpuint (count_color (data, stride, w, h, "#f8e45c", 10), >, 100);
  g_assert_cmpuint (count_color (data, stride, w, h, "#1c71d8", 10) * 4, <,
                    count_color (data, stride, w, h, "#78aeed", 10));
  g_free (data);

  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_DEFAULT);
  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  /* no accessibility bus under a bare Xvfb: its warning would be fatal */
  g_setenv ("GTK_A11Y", "none", FALSE);
  g_test_init (&argc, &argv, NULL);

  /* a display is required in CI; elsewhere its absence is a skip */
  if (!gtk_init_check ())
    {
      if (g_strcmp0 (g_getenv ("CI"), "true") == 0)
        g_error ("no display");
      g_print ("1..0 # SKIP no display\n");
      return 0;
    }
  adw_init ();

  g_test_add_func ("/traffic-graph/scale", test_scale);
  g_test_add_func ("/traffic-graph/no-work-while-unmapped", test_no_work_while_unmapped);
  g_test_add_func ("/traffic-graph/render-light-and-dark", test_render_light_and_dark);
  return g_test_run ();
}
