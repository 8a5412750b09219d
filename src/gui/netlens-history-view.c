/* netlens-history-view.c: the History page: a time range of the history, browsed
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A range picker (last hour, today, last 7 days, a custom range in --since/--until syntax),
 * the query language, the traffic graph of the range, the connections in a column view with
 * the live table's columns and cells, and the detail pane.  Everything is read on the history
 * service's worker thread; a damaged or newer database shows its message instead of rows.
 * The query applies as it is typed (each change is a new read on the worker, the previous
 * one cancelled); a query with an error says so under the bar and keeps the rows.  A row
 * whose stored fields are damaged is marked, and its detail pane says why.
 */

#define G_LOG_DOMAIN "netlens"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "netlens-connection-row-private.h"
#include "netlens-detail-pane.h"
#include "netlens-format.h"
#include "netlens-history-service.h"
#include "netlens-history-view.h"
#include "netlens-query-bar.h"

struct _NetlensHistoryView
{
  GtkWidget           parent_instance;

  GtkWidget          *range_dropdown;
  GtkWidget          *since_entry;
  GtkWidget          *until_entry;
  GtkWidget          *search_entry;
  GtkWidget          *count_label;
  GtkWidget          *damaged_label;  /* how many rows of the range are damaged */
  GtkWidget          *query_error_label;
  GtkWidget          *damage_label;   /* over the detail pane: the selected row's damage */
  GtkWidget          *graph;
  GtkWidget          *stack;
  GtkWidget          *status_page;
  GtkWidget          *column_view;
  GtkWidget          *detail_pane;
  GtkWidget          *detail_scroller;
  GListStore         *store;        /* NetlensConnectionRow */
  GtkSingleSelection *selection;

  NetlensHistoryRangeKind kind;
  char               *query_text;
  char               *message;
  GCancellable       *cancellable;
  guint               serial;
  gboolean            loading;

  /* the traffic graph of the range: per-minute bytes, drawn as columns */
  GArray             *minutes;      /* NetlensHistoryMinute */
  gint64              since_us;
  gint64              until_us;
};

G_DEFINE_FINAL_TYPE (NetlensHistoryView, netlens_history_view, GTK_TYPE_WIDGET)

/* a shown row's damage message (NetlensHistoryRange.damage), when it has one */
#define DAMAGE_KEY "netlens-history-damage"

static const NetlensColumn shown_columns[] = {
  NETLENS_COLUMN_PROCESS, NETLENS_COLUMN_PROTOCOL, NETLENS_COLUMN_LOCAL, NETLENS_COLUMN_REMOTE,
  NETLENS_COLUMN_SERVICE, NETLENS_COLUMN_APPLICATION, NETLENS_COLUMN_STATE, NETLENS_COLUMN_BYTES,
  NETLENS_COLUMN_PACKETS, NETLENS_COLUMN_AGE,
};

static void
show_message (NetlensHistoryView *self,
              const char         *title,
              const char         *text)
{
  g_free (self->message);
  self->message = g_strdup (text != NULL ? text : title);
  adw_status_page_set_title (ADW_STATUS_PAGE (self->status_page), title);
  adw_status_page_set_description (ADW_STATUS_PAGE (self->status_page), text);
  gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "message");
}

/* ---- cells ---- */

static void
on_setup_cb (GtkSignalListItemFactory *factory,
             GtkListItem              *item,
             gpointer                  data)
{
  GtkWidget *label = gtk_inscription_new (NULL);

  gtk_inscription_set_text_overflow (GTK_INSCRIPTION (label), GTK_INSCRIPTION_OVERFLOW_ELLIPSIZE_END);
  gtk_list_item_set_child (item, label);
}

static void
on_bind_cb (GtkSignalListItemFactory *factory,
            GtkListItem              *item,
            gpointer                  data)
{
  NetlensColumn column = GPOINTER_TO_INT (data);
  NetlensConnectionRow *row = gtk_list_item_get_item (item);
  const NetlensConnection *conn = netlens_connection_row_get_connection (row);
  NetlensFormatContext ctx = { 0 };
  g_autoptr(GString) text = g_string_new (NULL);

  /* a stored row: its age is its duration, its rates are not kept */
  ctx.now_us = conn->ended != 0 ? conn->ended : conn->last_seen;
  netlens_format_cell (column, conn, &ctx, text);
  gtk_inscription_set_text (GTK_INSCRIPTION (gtk_list_item_get_child (item)), text->str);
  if (netlens_column_is_numeric (column))
    gtk_inscription_set_xalign (GTK_INSCRIPTION (gtk_list_item_get_child (item)), 1.0);
}

static void
on_first_seen_bind_cb (GtkSignalListItemFactory *factory,
                       GtkListItem              *item,
                       gpointer                  data)
{
  NetlensConnectionRow *row = gtk_list_item_get_item (item);
  const NetlensConnection *conn = netlens_connection_row_get_connection (row);
  g_autoptr(GDateTime) t = g_date_time_new_from_unix_local (conn->first_seen / G_USEC_PER_SEC);
  g_autofree char *text = t != NULL ? g_date_time_format (t, "%x %X") : g_strdup ("");
  const char *damage = g_object_get_data (G_OBJECT (row), DAMAGE_KEY);
  g_autofree char *marked = damage != NULL ? g_strdup_printf ("⚠ %s", text) : NULL;

  /* a damaged row is marked where the eye starts: its detail pane says why */
  gtk_inscription_set_text (GTK_INSCRIPTION (gtk_list_item_get_child (item)),
                            marked != NULL ? marked : text);
}

static void
add_column (NetlensHistoryView *self,
            const char         *title,
            GCallback           bind,
            gpointer            data,
            int                 width)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkColumnViewColumn *column;

  g_signal_connect (factory, "setup", G_CALLBACK (on_setup_cb), NULL);
  g_signal_connect (factory, "bind", bind, data);
  column = gtk_column_view_column_new (title, factory);
  gtk_column_view_column_set_resizable (column, TRUE);
  if (width > 0)
    gtk_column_view_column_set_fixed_width (column, width);
  gtk_column_view_append_column (GTK_COLUMN_VIEW (self->column_view), column);
  g_object_unref (column);
}

static void
on_selected_cb (GtkSingleSelection *selection,
                GParamSpec         *pspec,
                NetlensHistoryView *self)
{
  NetlensConnectionRow *row = gtk_single_selection_get_selected_item (selection);
  const NetlensConnection *conn = row != NULL ? netlens_connection_row_get_connection (row) : NULL;

  const char *damage = row != NULL ? g_object_get_data (G_OBJECT (row), DAMAGE_KEY) : NULL;

  netlens_detail_pane_set_row (NETLENS_DETAIL_PANE (self->detail_pane), row,
                               conn != NULL ? (conn->ended != 0 ? conn->ended : conn->last_seen) : 0,
                               NULL, FALSE);
  if (damage != NULL)
    {
      g_autofree char *title = g_markup_escape_text (_("Damaged in the history"), -1);
      g_autofree char *body = g_markup_escape_text (_("Only what was stored before the damage could "
                                                      "be read; the rest of this row is missing."), -1);
      g_autofree char *why = g_markup_escape_text (damage, -1);
      g_autofree char *markup = g_strdup_printf ("<b>%s</b>\n%s\n<small>%s</small>", title, body, why);

      gtk_label_set_markup (GTK_LABEL (self->damage_label), markup);
    }
  else
    gtk_label_set_text (GTK_LABEL (self->damage_label), "");
  gtk_widget_set_visible (self->damage_label, damage != NULL);
  gtk_widget_set_visible (self->detail_scroller, row != NULL);
}

/* ---- the graph ---- */

static void
draw_graph (GtkDrawingArea *area,
            cairo_t        *cr,
            int             width,
            int             height,
            gpointer        data)
{
  NetlensHistoryView *self = data;
  const int left = 8, right = width - 8, top = 18, bottom = height - 18;
  const int n_cols = MAX (1, (right - left) / 4);
  g_autofree double *rx = g_new0 (double, n_cols);
  g_autofree double *tx = g_new0 (double, n_cols);
  g_autoptr(GDateTime) a = NULL, b = NULL;
  g_autofree char *label = NULL, *from = NULL, *to = NULL;
  g_autoptr(GString) peak = g_string_new (NULL);
  GdkRGBA fg, rxc, txc;
  double max = 0, span;

  /* GTK 4.8: colours through the style context, as the live graph does */
  gtk_style_context_get_color (gtk_widget_get_style_context (GTK_WIDGET (area)), &fg);
  if (!gtk_style_context_lookup_color (gtk_widget_get_style_context (GTK_WIDGET (area)),
                                       "accent_color", &rxc))
    gdk_rgba_parse (&rxc, "#3584e4");
  if (!gtk_style_context_lookup_color (gtk_widget_get_style_context (GTK_WIDGET (area)),
                                       "warning_color", &txc))
    gdk_rgba_parse (&txc, "#c64600");
  if (self->minutes == NULL || self->until_us <= self->since_us)
    return;
  span = (double) (self->until_us - self->since_us);
  for (guint i = 0; i < self->minutes->len; i++)
    {
      const NetlensHistoryMinute *m = &g_array_index (self->minutes, NetlensHistoryMinute, i);
      int c = (int) ((double) (m->minute_us - self->since_us) / span * n_cols);

      c = CLAMP (c, 0, n_cols - 1);
      rx[c] += (double) m->rx_bytes;
      tx[c] += (double) m->tx_bytes;
    }
  for (int c = 0; c < n_cols; c++)
    max = MAX (max, MAX (rx[c], tx[c]));
  /* received up, sent down from the middle */
  cairo_set_line_width (cr, 1);
  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.15);
  cairo_move_to (cr, left, (top + bottom) / 2.0 + 0.5);
  cairo_line_to (cr, right, (top + bottom) / 2.0 + 0.5);
  cairo_stroke (cr);
  for (int c = 0; c < n_cols && max > 0; c++)
    {
      double mid = (top + bottom) / 2.0, half = (bottom - top) / 2.0;
      double x = left + c * 4;

      gdk_cairo_set_source_rgba (cr, &rxc);   /* received */
      cairo_rectangle (cr, x, mid - half * rx[c] / max, 3, half * rx[c] / max);
      cairo_fill (cr);
      gdk_cairo_set_source_rgba (cr, &txc);   /* sent */
      cairo_rectangle (cr, x, mid, 3, half * tx[c] / max);
      cairo_fill (cr);
    }
  a = g_date_time_new_from_unix_local (self->since_us / G_USEC_PER_SEC);
  b = g_date_time_new_from_unix_local (self->until_us / G_USEC_PER_SEC);
  from = a != NULL ? g_date_time_format (a, "%x %X") : g_strdup ("");
  to = b != NULL ? g_date_time_format (b, "%x %X") : g_strdup ("");
  netlens_format_amount ((guint64) (max / (span / n_cols / G_USEC_PER_SEC)), FALSE, peak);
  label = g_strdup_printf (_("↑ received  ↓ sent  peak %s/s"), peak->str);
  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.7);
  cairo_select_font_face (cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size (cr, 10);
  cairo_move_to (cr, left, top - 6);
  cairo_show_text (cr, label);
  cairo_move_to (cr, left, height - 4);
  cairo_show_text (cr, from);
  {
    cairo_text_extents_t ext;

    cairo_text_extents (cr, to, &ext);
    cairo_move_to (cr, right - ext.x_advance, height - 4);
    cairo_show_text (cr, to);
  }
}

/* ---- loading ---- */

gboolean
netlens_history_range_compute (NetlensHistoryRangeKind   kind,
                               const char               *since_text,
                               const char               *until_text,
                               gint64                   *since,
                               gint64                   *until,
                               GError                  **error)
{
  gint64 now = g_get_real_time ();

  *until = now;
  switch (kind)
    {
    case NETLENS_HISTORY_RANGE_HOUR:
      *since = now - G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC;
      return TRUE;
    case NETLENS_HISTORY_RANGE_TODAY:
      return netlens_history_parse_time ("today", now, since, error);
    case NETLENS_HISTORY_RANGE_WEEK:
      *since = now - G_GINT64_CONSTANT (7 * 86400) * G_USEC_PER_SEC;
      return TRUE;
    case NETLENS_HISTORY_RANGE_CUSTOM:
    default:
      *since = 0;
      if (*since_text != '\0' && !netlens_history_parse_time (since_text, now, since, error))
        return FALSE;
      if (*until_text != '\0' && !netlens_history_parse_time (until_text, now, until, error))
        return FALSE;
      if (*since != 0 && *until < *since)
        {
          g_set_error (error, NETLENS_HISTORY_ERROR, NETLENS_HISTORY_ERROR_INVALID,
                       "%s", _("The range ends before it starts"));
          return FALSE;
        }
      return TRUE;
    }
}

static gboolean
compute_range (NetlensHistoryView *self,
               gint64             *since,
               gint64             *until,
               GError            **error)
{
  return netlens_history_range_compute (self->kind,
                                        gtk_editable_get_text (GTK_EDITABLE (self->since_entry)),
                                        gtk_editable_get_text (GTK_EDITABLE (self->until_entry)),
                                        since, until, error);
}

typedef struct
{
  NetlensHistoryView *self;   /* a reference */
  guint               serial;
  gint64              since;
  gint64              until;
  gint64              started;    /* monotonic: the read's time, for G_MESSAGES_DEBUG */
} Load;

static void
on_loaded_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Load *load = user_data;
  NetlensHistoryView *self = load->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(NetlensHistoryRange) range = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autofree char *count = NULL;
  g_autofree char *damaged = NULL;
  gint64 read_done;

  range = netlens_history_service_query_finish (NULL, result, &error);
  if (load->serial != self->serial || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    goto out;
  self->loading = FALSE;
  g_clear_pointer (&self->message, g_free);
  if (range == NULL)
    {
      g_list_store_remove_all (self->store);
      gtk_label_set_text (GTK_LABEL (self->count_label), "");
      gtk_widget_set_visible (self->damaged_label, FALSE);
      if (g_error_matches (error, NETLENS_HISTORY_ERROR, NETLENS_HISTORY_ERROR_CORRUPT)
          || g_error_matches (error, NETLENS_HISTORY_ERROR, NETLENS_HISTORY_ERROR_NEWER))
        show_message (self, _("The history cannot be read"), error->message);
      else
        show_message (self, _("No history"), error->message);
      goto out;
    }
  read_done = g_get_monotonic_time ();
  rows = g_ptr_array_new_full (range->rows->len, g_object_unref);
  for (guint i = 0; i < range->rows->len; i++)
    {
      NetlensConnectionRow *row = _netlens_connection_row_new (g_steal_pointer (&range->rows->pdata[i]));

      if (range->damage->pdata[i] != NULL)
        g_object_set_data_full (G_OBJECT (row), DAMAGE_KEY, g_steal_pointer (&range->damage->pdata[i]),
                                g_free);
      g_ptr_array_add (rows, row);
    }
  g_list_store_splice (self->store, 0, g_list_model_get_n_items (G_LIST_MODEL (self->store)),
                       rows->pdata, rows->len);
  count = g_strdup_printf (g_dngettext (NULL, "%u connection", "%u connections", rows->len),
                           rows->len);
  gtk_label_set_text (GTK_LABEL (self->count_label), count);
  g_debug ("history view: %u rows (%u damaged), read in %.0f ms on the worker, "
           "shown in %.0f ms on the main thread", rows->len, range->n_damaged,
           (read_done - load->started) / 1000.0, (g_get_monotonic_time () - read_done) / 1000.0);
  damaged = g_strdup_printf (g_dngettext (NULL, "⚠ %u damaged row", "⚠ %u damaged rows", range->n_damaged),
                             range->n_damaged);
  gtk_label_set_text (GTK_LABEL (self->damaged_label), damaged);
  gtk_widget_set_visible (self->damaged_label, range->n_damaged > 0);

  g_clear_pointer (&self->minutes, g_array_unref);
  self->minutes = g_steal_pointer (&range->minutes);
  self->since_us = load->since != 0 ? load->since
                   : (self->minutes->len > 0 ? g_array_index (self->minutes, NetlensHistoryMinute, 0).minute_us
                                             : load->until);
  self->until_us = load->until;
  gtk_widget_queue_draw (self->graph);

  if (rows->len == 0)
    show_message (self, _("No connections in this range"),
                  _("Pick a longer range, or change the query."));
  else
    gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "rows");
out:
  g_object_unref (load->self);
  g_free (load);
}

void
netlens_history_view_reload (NetlensHistoryView *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NetlensQuery) query = NULL;
  NetlensHistoryService *service = netlens_history_service_get_default ();
  Load *load;
  gint64 since = 0, until = 0;

  g_return_if_fail (NETLENS_IS_HISTORY_VIEW (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->serial++;
  self->loading = FALSE;   /* a read cancelled here never reports */
  if (!compute_range (self, &since, &until, &error))
    {
      show_message (self, _("Not a time"), error->message);
      return;
    }
  if (self->query_text != NULL && *self->query_text != '\0')
    {
      int start = -1, end = -1;

      /* netlens_history_view_set_query() keeps only a query that parses */
      if (!netlens_query_parse_full (self->query_text, &query, &start, &end, &error))
        {
          netlens_query_bar_show_error (GTK_LABEL (self->query_error_label), self->search_entry,
                                        self->query_text, start, end, error->message);
          return;
        }
    }
  self->loading = TRUE;
  self->cancellable = g_cancellable_new ();
  load = g_new0 (Load, 1);
  load->self = g_object_ref (self);
  load->serial = self->serial;
  load->since = since;
  load->until = until;
  load->started = g_get_monotonic_time ();
  netlens_history_service_query_async (service, since, until, query, self->cancellable,
                                       on_loaded_cb, load);
}

void
netlens_history_view_set_range (NetlensHistoryView     *self,
                                NetlensHistoryRangeKind kind)
{
  g_return_if_fail (NETLENS_IS_HISTORY_VIEW (self));
  if (gtk_drop_down_get_selected (GTK_DROP_DOWN (self->range_dropdown)) != (guint) kind)
    gtk_drop_down_set_selected (GTK_DROP_DOWN (self->range_dropdown), kind);  /* reloads */
  else
    netlens_history_view_reload (self);
}

void
netlens_history_view_set_custom (NetlensHistoryView *self,
                                 const char         *since,
                                 const char         *until)
{
  g_return_if_fail (NETLENS_IS_HISTORY_VIEW (self));
  gtk_editable_set_text (GTK_EDITABLE (self->since_entry), since != NULL ? since : "");
  gtk_editable_set_text (GTK_EDITABLE (self->until_entry), until != NULL ? until : "");
  netlens_history_view_set_range (self, NETLENS_HISTORY_RANGE_CUSTOM);
}

/* As the live table's filter bar does: a query with an error is shown under the bar and
 * never empties the page.  While the bad term is the one being typed at the end ("port:" on
 * the way to "port:443") the rows stay those of the last good query and nothing is read; a
 * bad term elsewhere is left out and the rest of the query is read.  FORCE: read again even
 * when the query is the one shown (Enter). */
static void
apply_query (NetlensHistoryView *self,
             const char         *text,
             gboolean            force)
{
  g_autoptr(NetlensQuery) query = NULL;
  g_autofree char *applied = NULL;
  g_autofree char *stripped = NULL;

  /* as the live table's filter bar: an invalid query keeps the rows */
  query = netlens_query_bar_parse (GTK_LABEL (self->query_error_label), self->search_entry,
                                   text, &applied);
  if (query == NULL)
    return;
  stripped = g_strstrip (g_steal_pointer (&applied));
  if (!force && g_strcmp0 (stripped, self->query_text) == 0)
    return;
  g_free (self->query_text);
  self->query_text = g_steal_pointer (&stripped);
  netlens_history_view_reload (self);
}

void
netlens_history_view_set_query (NetlensHistoryView *self,
                                const char         *query)
{
  g_return_if_fail (NETLENS_IS_HISTORY_VIEW (self));
  if (query == NULL)
    query = "";
  if (g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (self->search_entry)), query) != 0)
    gtk_editable_set_text (GTK_EDITABLE (self->search_entry), query);
  apply_query (self, query, TRUE);
}

GListModel *
netlens_history_view_get_model (NetlensHistoryView *self)
{
  return G_LIST_MODEL (self->store);
}

gboolean
netlens_history_view_is_loading (NetlensHistoryView *self)
{
  return self->loading;
}

const char *
netlens_history_view_get_message (NetlensHistoryView *self)
{
  return self->message;
}

GtkWidget *
netlens_history_view_get_detail_pane (NetlensHistoryView *self)
{
  return self->detail_pane;
}

GtkWidget *
netlens_history_view_get_graph (NetlensHistoryView *self)
{
  return self->graph;
}

GtkWidget *
netlens_history_view_get_search_entry (NetlensHistoryView *self)
{
  return self->search_entry;
}

const char *
netlens_history_view_get_query_error (NetlensHistoryView *self)
{
  return gtk_widget_get_visible (self->query_error_label)
         ? gtk_label_get_text (GTK_LABEL (self->query_error_label)) : NULL;
}

const char *
netlens_history_view_get_damaged_count (NetlensHistoryView *self)
{
  return gtk_widget_get_visible (self->damaged_label)
         ? gtk_label_get_text (GTK_LABEL (self->damaged_label)) : NULL;
}

const char *
netlens_history_view_get_damage (NetlensHistoryView *self)
{
  return gtk_widget_get_visible (self->damage_label)
         ? gtk_label_get_text (GTK_LABEL (self->damage_label)) : NULL;
}

GtkSingleSelection *
netlens_history_view_get_selection (NetlensHistoryView *self)
{
  return self->selection;
}

/* ---- widget ---- */

static void
on_range_changed_cb (GtkDropDown        *dropdown,
                     GParamSpec         *pspec,
                     NetlensHistoryView *self)
{
  self->kind = gtk_drop_down_get_selected (dropdown);
  gtk_widget_set_visible (self->since_entry, self->kind == NETLENS_HISTORY_RANGE_CUSTOM);
  gtk_widget_set_visible (self->until_entry, self->kind == NETLENS_HISTORY_RANGE_CUSTOM);
  netlens_history_view_reload (self);
}

static void
on_search_changed_cb (GtkSearchEntry     *entry,
                      NetlensHistoryView *self)
{
  /* already debounced by the entry; the read runs on the worker */
  apply_query (self, gtk_editable_get_text (GTK_EDITABLE (entry)), FALSE);
}

static void
on_search_activate_cb (GtkSearchEntry     *entry,
                       NetlensHistoryView *self)
{
  /* Enter: now, without waiting for the entry's delay, and read again */
  apply_query (self, gtk_editable_get_text (GTK_EDITABLE (entry)), TRUE);
}

static void
on_custom_activate_cb (GtkEntry           *entry,
                       NetlensHistoryView *self)
{
  netlens_history_view_reload (self);
}

static void
netlens_history_view_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (netlens_history_view_parent_class)->map (widget);
  /* shown again: what was written meanwhile */
  netlens_history_view_reload (NETLENS_HISTORY_VIEW (widget));
}

static void
netlens_history_view_dispose (GObject *object)
{
  NetlensHistoryView *self = NETLENS_HISTORY_VIEW (object);
  GtkWidget *child;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_object (&self->selection);
  g_clear_object (&self->store);
  G_OBJECT_CLASS (netlens_history_view_parent_class)->dispose (object);
}

static void
netlens_history_view_finalize (GObject *object)
{
  NetlensHistoryView *self = NETLENS_HISTORY_VIEW (object);

  g_free (self->query_text);
  g_free (self->message);
  g_clear_pointer (&self->minutes, g_array_unref);
  G_OBJECT_CLASS (netlens_history_view_parent_class)->finalize (object);
}

static void
netlens_history_view_class_init (NetlensHistoryViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = netlens_history_view_dispose;
  object_class->finalize = netlens_history_view_finalize;
  widget_class->map = netlens_history_view_map;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "history-view");
}

static void
netlens_history_view_init (NetlensHistoryView *self)
{
  static const char *ranges[] = { N_("Last Hour"), N_("Today"), N_("Last 7 Days"),
                                  N_("Custom Range"), NULL };
  const char *translated[G_N_ELEMENTS (ranges)];
  GtkWidget *bar, *paned, *scrolled, *detail_box;

  gtk_orientable_set_orientation (GTK_ORIENTABLE (gtk_widget_get_layout_manager (GTK_WIDGET (self))),
                                  GTK_ORIENTATION_VERTICAL);

  bar = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_widget_set_margin_start (bar, 6);
  gtk_widget_set_margin_end (bar, 6);
  gtk_widget_set_margin_top (bar, 6);
  gtk_widget_set_margin_bottom (bar, 6);
  for (guint i = 0; i < G_N_ELEMENTS (ranges); i++)
    translated[i] = ranges[i] != NULL ? _(ranges[i]) : NULL;
  self->range_dropdown = gtk_drop_down_new_from_strings (translated);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->range_dropdown),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Time Range"), -1);
  gtk_box_append (GTK_BOX (bar), self->range_dropdown);
  self->since_entry = gtk_entry_new ();
  gtk_entry_set_placeholder_text (GTK_ENTRY (self->since_entry), _("From (-2h, 2026-11-20 10:00)"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->since_entry),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("From"), -1);
  gtk_widget_set_visible (self->since_entry, FALSE);
  g_signal_connect (self->since_entry, "activate", G_CALLBACK (on_custom_activate_cb), self);
  gtk_box_append (GTK_BOX (bar), self->since_entry);
  self->until_entry = gtk_entry_new ();
  gtk_entry_set_placeholder_text (GTK_ENTRY (self->until_entry), _("Until (now)"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->until_entry),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Until"), -1);
  gtk_widget_set_visible (self->until_entry, FALSE);
  g_signal_connect (self->until_entry, "activate", G_CALLBACK (on_custom_activate_cb), self);
  gtk_box_append (GTK_BOX (bar), self->until_entry);
  self->search_entry = gtk_search_entry_new ();
  gtk_widget_set_hexpand (self->search_entry, TRUE);
  g_object_set (self->search_entry, "placeholder-text", _("Query, e.g. sni:example.org"), NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->search_entry),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("History Query"), -1);
  g_signal_connect (self->search_entry, "activate", G_CALLBACK (on_search_activate_cb), self);
  g_signal_connect (self->search_entry, "search-changed", G_CALLBACK (on_search_changed_cb), self);
  gtk_box_append (GTK_BOX (bar), self->search_entry);
  self->count_label = gtk_label_new (NULL);
  gtk_widget_add_css_class (self->count_label, "dim-label");
  gtk_box_append (GTK_BOX (bar), self->count_label);
  self->damaged_label = gtk_label_new (NULL);
  gtk_widget_add_css_class (self->damaged_label, "warning");
  gtk_widget_set_tooltip_text (self->damaged_label,
                               _("Rows of this range whose stored fields are damaged: what could "
                                 "be read is shown, marked ⚠"));
  gtk_widget_set_visible (self->damaged_label, FALSE);
  gtk_box_append (GTK_BOX (bar), self->damaged_label);
  gtk_widget_set_parent (bar, GTK_WIDGET (self));

  /* under the bar, as in the live table's filter bar */
  self->query_error_label = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (self->query_error_label), 0);
  gtk_label_set_wrap (GTK_LABEL (self->query_error_label), TRUE);
  gtk_label_set_selectable (GTK_LABEL (self->query_error_label), TRUE);
  gtk_widget_add_css_class (self->query_error_label, "error");
  gtk_widget_set_margin_start (self->query_error_label, 12);
  gtk_widget_set_margin_end (self->query_error_label, 12);
  gtk_widget_set_margin_bottom (self->query_error_label, 6);
  gtk_widget_set_visible (self->query_error_label, FALSE);
  gtk_widget_set_parent (self->query_error_label, GTK_WIDGET (self));

  self->graph = gtk_drawing_area_new ();
  gtk_widget_set_size_request (self->graph, -1, 100);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (self->graph), draw_graph, self, NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->graph), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Traffic over the range"), -1);
  gtk_widget_set_parent (self->graph, GTK_WIDGET (self));

  self->store = g_list_store_new (NETLENS_TYPE_CONNECTION_ROW);
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->store)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  g_signal_connect (self->selection, "notify::selected-item", G_CALLBACK (on_selected_cb), self);
  self->column_view = gtk_column_view_new (GTK_SELECTION_MODEL (g_object_ref (self->selection)));
  gtk_column_view_set_reorderable (GTK_COLUMN_VIEW (self->column_view), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->column_view),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Connections in the history"), -1);
  add_column (self, _("First Seen"), G_CALLBACK (on_first_seen_bind_cb), NULL, 150);
  for (guint i = 0; i < G_N_ELEMENTS (shown_columns); i++)
    add_column (self, netlens_column_get_id (shown_columns[i]) != NULL
                        ? netlens_column_get_title (shown_columns[i]) : "",
                G_CALLBACK (on_bind_cb), GINT_TO_POINTER (shown_columns[i]),
                netlens_column_default_width (shown_columns[i]));
  scrolled = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), self->column_view);
  gtk_widget_set_hexpand (scrolled, TRUE);
  self->detail_pane = netlens_detail_pane_new ();
  self->damage_label = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (self->damage_label), 0);
  gtk_label_set_wrap (GTK_LABEL (self->damage_label), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (self->damage_label), 40);
  gtk_label_set_selectable (GTK_LABEL (self->damage_label), TRUE);
  gtk_widget_add_css_class (self->damage_label, "netlens-history-damage");
  gtk_widget_set_margin_start (self->damage_label, 12);
  gtk_widget_set_margin_end (self->damage_label, 12);
  gtk_widget_set_margin_top (self->damage_label, 12);
  gtk_widget_set_visible (self->damage_label, FALSE);
  detail_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_box_append (GTK_BOX (detail_box), self->damage_label);
  gtk_box_append (GTK_BOX (detail_box), self->detail_pane);
  self->detail_scroller = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (self->detail_scroller), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_propagate_natural_width (GTK_SCROLLED_WINDOW (self->detail_scroller), TRUE);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (self->detail_scroller), detail_box);
  gtk_widget_set_visible (self->detail_scroller, FALSE);
  paned = gtk_paned_new (GTK_ORIENTATION_HORIZONTAL);
  gtk_paned_set_start_child (GTK_PANED (paned), scrolled);
  gtk_paned_set_end_child (GTK_PANED (paned), self->detail_scroller);
  gtk_paned_set_resize_end_child (GTK_PANED (paned), FALSE);
  gtk_paned_set_shrink_end_child (GTK_PANED (paned), FALSE);

  self->status_page = adw_status_page_new ();
  adw_status_page_set_icon_name (ADW_STATUS_PAGE (self->status_page), "document-open-recent-symbolic");
  self->stack = gtk_stack_new ();
  gtk_widget_set_vexpand (self->stack, TRUE);
  gtk_stack_add_named (GTK_STACK (self->stack), paned, "rows");
  gtk_stack_add_named (GTK_STACK (self->stack), self->status_page, "message");
  gtk_widget_set_parent (self->stack, GTK_WIDGET (self));

  g_signal_connect (self->range_dropdown, "notify::selected", G_CALLBACK (on_range_changed_cb), self);
}

GtkWidget *
netlens_history_view_new (void)
{
  return g_object_new (NETLENS_TYPE_HISTORY_VIEW, NULL);
}
