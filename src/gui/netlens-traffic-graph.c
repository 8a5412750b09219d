/* netlens-traffic-graph.c: a live rx/tx rate graph over the last minutes
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "netlens-gui"

#include "config.h"

#include <math.h>
#include <glib/gi18n.h>
#include <gtk/gtk.h>

#include "netlens-traffic-graph.h"
#include "netlens-format.h"

/* A second per sample over ten minutes, more than the widest span drawn. */
#define MAX_SAMPLES   1024
#define MIN_SCALE     1000.0  /* bytes (or bits) per second: an idle graph shows 0…1 kB/s */
#define PAD           6.0
#define LEGEND_GAP    12.0

typedef struct
{
  gint64 time_us;
  float  rx;
  float  tx;
} Sample;

struct _NetlensTrafficGraph
{
  GtkWidget parent_instance;

  Sample    samples[MAX_SAMPLES];  /* ring */
  guint     first;
  guint     n_samples;
  guint     span_s;
  gboolean  bits;
  guint     n_draws;
  double    last_rx;
  double    last_tx;
};

G_DEFINE_FINAL_TYPE (NetlensTrafficGraph, netlens_traffic_graph, GTK_TYPE_WIDGET)

enum
{
  PROP_0,
  PROP_SPAN,
  PROP_BITS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const Sample *
sample_at (NetlensTrafficGraph *self,
           guint                i)
{
  return &self->samples[(self->first + i) % MAX_SAMPLES];
}

/* 1, 2, 5 × 10^n at or above V. */
static double
nice_ceiling (double v)
{
  double p, m;

  if (!(v > MIN_SCALE))
    return MIN_SCALE;
  p = pow (10.0, floor (log10 (v)));
  m = v / p;
  if (m <= 1.0 + 1e-9)
    return p;
  if (m <= 2.0 + 1e-9)
    return 2.0 * p;
  if (m <= 5.0 + 1e-9)
    return 5.0 * p;
  return 10.0 * p;
}

double
netlens_traffic_graph_get_scale (NetlensTrafficGraph *self)
{
  double max = 0.0;
  double factor;
  gint64 newest, oldest;

  g_return_val_if_fail (NETLENS_IS_TRAFFIC_GRAPH (self), MIN_SCALE);

  factor = self->bits ? 8.0 : 1.0;
  if (self->n_samples == 0)
    return MIN_SCALE / factor;
  newest = sample_at (self, self->n_samples - 1)->time_us;
  oldest = newest - (gint64) self->span_s * G_USEC_PER_SEC;
  for (guint i = 0; i < self->n_samples; i++)
    {
      const Sample *s = sample_at (self, i);

      if (s->time_us < oldest)
        continue;
      max = MAX (max, MAX (s->rx, s->tx));
    }
  return nice_ceiling (max * factor) / factor;
}

char *
netlens_traffic_graph_dup_scale_label (NetlensTrafficGraph *self)
{
  GString *out = g_string_new (NULL);

  netlens_format_rate (netlens_traffic_graph_get_scale (self), self->bits, out);
  return g_string_free (out, FALSE);
}

guint
netlens_traffic_graph_get_n_draws (NetlensTrafficGraph *self)
{
  g_return_val_if_fail (NETLENS_IS_TRAFFIC_GRAPH (self), 0);
  return self->n_draws;
}

/* What a screen reader says: the current rates, in words. */
static void
update_accessible (NetlensTrafficGraph *self)
{
  g_autoptr(GString) rx = g_string_new (NULL);
  g_autoptr(GString) tx = g_string_new (NULL);
  g_autofree char *text = NULL;

  netlens_format_rate (self->last_rx, self->bits, rx);
  netlens_format_rate (self->last_tx, self->bits, tx);
  text = g_strdup_printf (_("Receiving %s, sending %s"), rx->str, tx->str);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text,
                                  -1);
}

void
netlens_traffic_graph_push (NetlensTrafficGraph *self,
                            gint64               time_us,
                            double               rx_rate,
                            double               tx_rate)
{
  Sample *s;

  g_return_if_fail (NETLENS_IS_TRAFFIC_GRAPH (self));

  if (self->n_samples == MAX_SAMPLES)
    {
      self->first = (self->first + 1) % MAX_SAMPLES;
      self->n_samples--;
    }
  s = &self->samples[(self->first + self->n_samples) % MAX_SAMPLES];
  s->time_us = time_us;
  s->rx = (float) MAX (rx_rate, 0.0);
  s->tx = (float) MAX (tx_rate, 0.0);
  self->n_samples++;
  self->last_rx = s->rx;
  self->last_tx = s->tx;

  /* hidden (another view, a minimised window): store only */
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    {
      update_accessible (self);
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
}

void
netlens_traffic_graph_clear (NetlensTrafficGraph *self)
{
  g_return_if_fail (NETLENS_IS_TRAFFIC_GRAPH (self));

  self->first = 0;
  self->n_samples = 0;
  self->last_rx = self->last_tx = 0.0;
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    gtk_widget_queue_draw (GTK_WIDGET (self));
}

guint
netlens_traffic_graph_get_span (NetlensTrafficGraph *self)
{
  g_return_val_if_fail (NETLENS_IS_TRAFFIC_GRAPH (self), 0);
  return self->span_s;
}

void
netlens_traffic_graph_set_span (NetlensTrafficGraph *self,
                                guint                seconds)
{
  g_return_if_fail (NETLENS_IS_TRAFFIC_GRAPH (self));

  seconds = CLAMP (seconds, 10, 600);
  if (self->span_s == seconds)
    return;
  self->span_s = seconds;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SPAN]);
}

gboolean
netlens_traffic_graph_get_bits (NetlensTrafficGraph *self)
{
  g_return_val_if_fail (NETLENS_IS_TRAFFIC_GRAPH (self), FALSE);
  return self->bits;
}

void
netlens_traffic_graph_set_bits (NetlensTrafficGraph *self,
                                gboolean             bits)
{
  g_return_if_fail (NETLENS_IS_TRAFFIC_GRAPH (self));

  bits = !!bits;
  if (self->bits == bits)
    return;
  self->bits = bits;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BITS]);
}

/* ------------------------------------------------------------------ drawing */

static PangoLayout *
small_layout (NetlensTrafficGraph *self,
              const char          *text)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), text);
  PangoAttrList *attrs = pango_attr_list_new ();

  pango_attr_list_insert (attrs, pango_attr_scale_new (0.8333));
  pango_attr_list_insert (attrs, pango_attr_font_features_new ("tnum=1"));
  pango_layout_set_attributes (layout, attrs);
  pango_attr_list_unref (attrs);
  return layout;
}

static void
append_text (GtkSnapshot     *snapshot,
             PangoLayout     *layout,
             double           x,
             double           y,
             const GdkRGBA   *color)
{
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT ((float) x, (float) y));
  gtk_snapshot_append_layout (snapshot, layout, color);
  gtk_snapshot_restore (snapshot);
}

static void
get_colors (NetlensTrafficGraph *self,
            GdkRGBA             *fg,
            GdkRGBA             *rx,
            GdkRGBA             *tx)
{
  GtkStyleContext *context = gtk_widget_get_style_context (GTK_WIDGET (self));

  /* GTK 4.8: the style context is how a widget reads its colours; the named
   * colours follow the light and dark styles of libadwaita */
  gtk_style_context_get_color (context, fg);
  if (!gtk_style_context_lookup_color (context, "accent_color", rx))
    gdk_rgba_parse (rx, "#3584e4");
  if (!gtk_style_context_lookup_color (context, "warning_color", tx))
    gdk_rgba_parse (tx, "#c64600");
}

static void
netlens_traffic_graph_snapshot (GtkWidget   *widget,
                                GtkSnapshot *snapshot)
{
  NetlensTrafficGraph *self = NETLENS_TRAFFIC_GRAPH (widget);
  double width = gtk_widget_get_width (widget);
  double height = gtk_widget_get_height (widget);
  double scale = netlens_traffic_graph_get_scale (self);
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(PangoLayout) top_label = NULL;
  g_autoptr(PangoLayout) mid_label = NULL;
  g_autoptr(PangoLayout) zero_label = NULL;
  g_autoptr(PangoLayout) span_label = NULL;
  g_autoptr(PangoLayout) now_label = NULL;
  g_autoptr(PangoLayout) rx_label = NULL;
  g_autoptr(PangoLayout) tx_label = NULL;
  GdkRGBA fg, rx_color, tx_color, grid, dim;
  PangoRectangle ink, logical;
  double left, right, top, bottom, plot_w, plot_h, label_w = 0, text_h;
  gint64 newest, span_us;
  cairo_t *cr;

  self->n_draws++;
  if (width < 40 || height < 40)
    return;

  get_colors (self, &fg, &rx_color, &tx_color);
  grid = fg;
  grid.alpha *= 0.15f;
  dim = fg;
  dim.alpha *= 0.7f;

  /* vertical axis labels: the top, the middle and zero */
  netlens_format_rate (scale, self->bits, text);
  top_label = small_layout (self, text->str);
  g_string_truncate (text, 0);
  netlens_format_rate (scale / 2, self->bits, text);
  mid_label = small_layout (self, text->str);
  zero_label = small_layout (self, "0");
  for (guint i = 0; i < 3; i++)
    {
      PangoLayout *l = i == 0 ? top_label : i == 1 ? mid_label : zero_label;

      pango_layout_get_pixel_extents (l, &ink, &logical);
      label_w = MAX (label_w, logical.width);
    }
  text_h = logical.height;

  /* the time axis: the span at the left, now at the right */
  g_string_truncate (text, 0);
  if (self->span_s % 60 == 0)
    g_string_printf (text, ngettext ("%u minute ago", "%u minutes ago", self->span_s / 60),
                     self->span_s / 60);
  else
    g_string_printf (text, ngettext ("%u second ago", "%u seconds ago", self->span_s),
                     self->span_s);
  span_label = small_layout (self, text->str);
  now_label = small_layout (self, _("now"));

  left = PAD + label_w + PAD;
  right = width - PAD;
  top = PAD + text_h / 2;
  bottom = height - PAD - text_h - 2;
  plot_w = right - left;
  plot_h = bottom - top;
  if (plot_w < 20 || plot_h < 20)
    return;

  append_text (snapshot, top_label, left - PAD - label_w, top - text_h / 2, &dim);
  append_text (snapshot, mid_label, left - PAD - label_w, top + plot_h / 2 - text_h / 2, &dim);
  append_text (snapshot, zero_label, left - PAD - label_w, bottom - text_h / 2, &dim);
  append_text (snapshot, span_label, left, bottom + 2, &dim);
  pango_layout_get_pixel_extents (now_label, &ink, &logical);
  append_text (snapshot, now_label, right - logical.width, bottom + 2, &dim);

  /* grid: quarter lines, as colour nodes (no cairo needed) */
  for (guint i = 0; i <= 4; i++)
    {
      float y = (float) floor (top + plot_h * i / 4.0);

      gtk_snapshot_append_color (snapshot, &grid,
                                 &GRAPHENE_RECT_INIT ((float) left, y, (float) plot_w, 1));
    }

  /* the series: rx filled with a solid line, tx a dashed line (not colour alone) */
  if (self->n_samples > 0)
    {
      span_us = (gint64) self->span_s * G_USEC_PER_SEC;
      newest = sample_at (self, self->n_samples - 1)->time_us;

      cr = gtk_snapshot_append_cairo (snapshot,
                                      &GRAPHENE_RECT_INIT ((float) left, (float) top - 1,
                                                           (float) plot_w, (float) plot_h + 2));
      cairo_rectangle (cr, left, top - 1, plot_w, plot_h + 2);
      cairo_clip (cr);
      cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);

      for (guint series = 0; series < 2; series++)
        {
          gboolean started = FALSE;
          double first_x = right;
          double last_x = right;

          for (guint i = 0; i < self->n_samples; i++)
            {
              const Sample *s = sample_at (self, i);
              double v = series == 0 ? s->rx : s->tx;
              double x, y;

              if (newest - s->time_us > span_us)
                continue;
              x = right - plot_w * (double) (newest - s->time_us) / (double) span_us;
              y = bottom - plot_h * MIN (v / scale, 1.0);
              if (!started)
                {
                  cairo_move_to (cr, x, y);
                  first_x = x;
                  started = TRUE;
                }
              else
                cairo_line_to (cr, x, y);
              last_x = x;
            }
          if (!started)
            continue;

          if (series == 0)
            {
              cairo_path_t *line = cairo_copy_path (cr);

              cairo_line_to (cr, last_x, bottom);
              cairo_line_to (cr, first_x, bottom);
              cairo_close_path (cr);
              cairo_set_source_rgba (cr, rx_color.red, rx_color.green, rx_color.blue, 0.25);
              cairo_fill (cr);
              cairo_append_path (cr, line);
              cairo_path_destroy (line);
              gdk_cairo_set_source_rgba (cr, &rx_color);
              cairo_set_line_width (cr, 2.0);
              cairo_set_dash (cr, NULL, 0, 0);
            }
          else
            {
              static const double dash[] = { 5.0, 3.0 };

              gdk_cairo_set_source_rgba (cr, &tx_color);
              cairo_set_line_width (cr, 2.0);
              cairo_set_dash (cr, dash, G_N_ELEMENTS (dash), 0);
            }
          cairo_stroke (cr);
        }
      cairo_destroy (cr);
    }

  /* legend with the current values: arrows and words, not colour alone */
  g_string_truncate (text, 0);
  g_string_append (text, "↓ ");
  netlens_format_rate (self->last_rx, self->bits, text);
  rx_label = small_layout (self, text->str);
  g_string_truncate (text, 0);
  g_string_append (text, "↑ ");
  netlens_format_rate (self->last_tx, self->bits, text);
  tx_label = small_layout (self, text->str);
  {
    double x = left + PAD;

    append_text (snapshot, rx_label, x, top + 2, &rx_color);
    pango_layout_get_pixel_extents (rx_label, &ink, &logical);
    append_text (snapshot, tx_label, x + logical.width + LEGEND_GAP, top + 2, &tx_color);
  }
}

static void
netlens_traffic_graph_measure (GtkWidget      *widget,
                               GtkOrientation  orientation,
                               int             for_size,
                               int            *minimum,
                               int            *natural,
                               int            *minimum_baseline,
                               int            *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 160;
      *natural = 480;
    }
  else
    {
      *minimum = 80;
      *natural = 140;
    }
}

static void
netlens_traffic_graph_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (netlens_traffic_graph_parent_class)->map (widget);
  /* catch up with what was pushed while hidden */
  update_accessible (NETLENS_TRAFFIC_GRAPH (widget));
}

static void
netlens_traffic_graph_css_changed (GtkWidget         *widget,
                                   GtkCssStyleChange *change)
{
  GTK_WIDGET_CLASS (netlens_traffic_graph_parent_class)->css_changed (widget, change);
  /* the named colours (dark style) are not tracked by GTK for custom drawing */
  gtk_widget_queue_draw (widget);
}

static void
netlens_traffic_graph_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  NetlensTrafficGraph *self = NETLENS_TRAFFIC_GRAPH (object);

  switch (prop_id)
    {
    case PROP_SPAN:
      g_value_set_uint (value, self->span_s);
      break;
    case PROP_BITS:
      g_value_set_boolean (value, self->bits);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
netlens_traffic_graph_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  NetlensTrafficGraph *self = NETLENS_TRAFFIC_GRAPH (object);

  switch (prop_id)
    {
    case PROP_SPAN:
      netlens_traffic_graph_set_span (self, g_value_get_uint (value));
      break;
    case PROP_BITS:
      netlens_traffic_graph_set_bits (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
netlens_traffic_graph_class_init (NetlensTrafficGraphClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = netlens_traffic_graph_get_property;
  object_class->set_property = netlens_traffic_graph_set_property;

  widget_class->snapshot = netlens_traffic_graph_snapshot;
  widget_class->measure = netlens_traffic_graph_measure;
  widget_class->map = netlens_traffic_graph_map;
  widget_class->css_changed = netlens_traffic_graph_css_changed;

  properties[PROP_SPAN] =
    g_param_spec_uint ("span", NULL, NULL, 10, 600, 300,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_BITS] =
    g_param_spec_boolean ("bits", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "trafficgraph");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
netlens_traffic_graph_init (NetlensTrafficGraph *self)
{
  self->span_s = 300;
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Network traffic"),
                                  -1);
}

GtkWidget *
netlens_traffic_graph_new (void)
{
  return g_object_new (NETLENS_TYPE_TRAFFIC_GRAPH, NULL);
}
