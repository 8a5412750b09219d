/* netlens-window.c
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "netlens-gui"

#include "config.h"

#include <inttypes.h>

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "netlens-window-private.h"
#include "netlens-app-info.h"
#include "netlens-connection-row.h"
#include "netlens-detail-pane.h"
#include "netlens-export.h"
#include "netlens-file-source.h"
#include "netlens-interfaces.h"
#include "netlens-live-source.h"
#include "netlens-notifier.h"
#include "netlens-format.h"
#include "netlens-geo.h"
#include "netlens-groups.h"
#include "netlens-groups-view.h"
#include "netlens-group-row.h"
#include "netlens-pipeline.h"
#include "netlens-history-service.h"
#include "netlens-capture-saver.h"
#include "netlens-history-view.h"
#include "netlens-traffic-graph.h"
#include "netlens-query.h"
#include "netlens-query-bar.h"
#include "netlens-row-selection.h"

/* Rows this close to their timeout are dimmed (and say so in their tooltip). */
#define NEAR_TIMEOUT_FRACTION 0.25
#define NEAR_TIMEOUT_MIN_US   (5 * G_USEC_PER_SEC)

typedef struct _ReadJob ReadJob;

/* Rates for a graph from running totals over at least RATE_WINDOW_US: the workers
 * answer a refresh at slightly different times, so per-refresh rates jump between
 * twice the traffic and nothing. */
#define RATE_WINDOW_US (2 * G_USEC_PER_SEC)
#define RATE_SAMPLES   16

typedef struct
{
  gint64  time[RATE_SAMPLES];
  guint64 rx[RATE_SAMPLES];
  guint64 tx[RATE_SAMPLES];
  guint   n;
} RateWindow;

static void
rate_window_push (RateWindow *w,
                  gint64      time_us,
                  guint64     rx_total,
                  guint64     tx_total,
                  double     *rx_rate,
                  double     *tx_rate)
{
  guint oldest = 0;

  if (w->n == RATE_SAMPLES)
    {
      memmove (w->time, w->time + 1, sizeof w->time[0] * (RATE_SAMPLES - 1));
      memmove (w->rx, w->rx + 1, sizeof w->rx[0] * (RATE_SAMPLES - 1));
      memmove (w->tx, w->tx + 1, sizeof w->tx[0] * (RATE_SAMPLES - 1));
      w->n--;
    }
  w->time[w->n] = time_us;
  w->rx[w->n] = rx_total;
  w->tx[w->n] = tx_total;
  w->n++;
  /* the newest sample at least a window older than this one, else the oldest */
  for (guint i = 0; i + 1 < w->n; i++)
    if (time_us - w->time[i] >= RATE_WINDOW_US)
      oldest = i;
  if (w->n < 2 || time_us <= w->time[oldest])
    {
      *rx_rate = *tx_rate = 0;
      return;
    }
  *rx_rate = (double) (rx_total - MIN (rx_total, w->rx[oldest])) * G_USEC_PER_SEC /
             (double) (time_us - w->time[oldest]);
  *tx_rate = (double) (tx_total - MIN (tx_total, w->tx[oldest])) * G_USEC_PER_SEC /
             (double) (time_us - w->time[oldest]);
}

/* What a cell remembers, so that a tick only re-renders what changed. */
typedef struct
{
  NetlensColumn          column;
  GtkListItem           *item;
  NetlensConnectionRow  *row;      /* rendered row (not a reference) */
  guint64                serial;   /* its serial when rendered */
  gboolean               dim;
} CellData;

struct _ReadJob
{
  NetlensPipeline *pipeline;
  gboolean         owns_pipeline;  /* the window let go of it while the thread ran */
  GAsyncQueue     *ended;
  char            *path;
  NetlensFileInfo  info;
  double           progress;       /* written by the thread, read by the main thread */
};

typedef enum
{
  RETRY_NONE,
  RETRY_OPEN_FILE,
  RETRY_CAPTURE,
} RetryKind;

struct _NetlensWindow
{
  AdwApplicationWindow  parent_instance;

  /* template widgets */
  AdwHeaderBar         *header_bar;
  GtkButton            *capture_button;
  GtkDropDown          *interface_dropdown;
  AdwViewSwitcherTitle *switcher_title;
  GtkMenuButton        *primary_menu_button;
  GtkToggleButton      *filter_button;
  GtkRevealer          *error_revealer;
  GtkLabel             *error_title;
  GtkLabel             *error_detail;
  GtkButton            *retry_button;
  GtkSearchBar         *search_bar;
  GtkSearchEntry       *search_entry;
  GtkLabel             *count_label;
  GtkLabel             *query_error_label;
  GtkStack             *main_stack;
  AdwStatusPage        *status_page;
  GtkPaned             *paned;
  GtkScrolledWindow    *table_scroller;
  GtkColumnView        *column_view;
  GtkScrolledWindow    *detail_scroller;
  NetlensDetailPane    *detail_pane;
  AdwViewStack         *view_stack;
  AdwViewSwitcherBar   *switcher_bar;
  NetlensTrafficGraph  *traffic_graph;
  NetlensTrafficGraph  *selection_graph;
  GtkStack             *detail_stack;
  GtkLabel             *group_title;
  GtkLabel             *group_summary;
  GtkLabel             *rate_label;
  GtkLabel             *shown_label;
  GtkLabel             *drops_label;
  GtkToggleButton      *pause_button;
  GMenuModel           *row_menu;

  GSettings            *settings;
  NetlensConnectionModel *model;
  NetlensRowSelection  *selection;
  GtkColumnViewColumn  *columns[NETLENS_N_COLUMNS];
  GHashTable           *bound_cells;     /* cell widget -> CellData */
  guint                 cells_idle_id;   /* refresh_cells() after a scroll */
  GtkWidget            *context_menu;
  GtkStringList        *interfaces;
  GString              *scratch;
  GObject              *probe_a;         /* for finding the sort column, see on_sorter_changed_cb */
  GObject              *probe_b;

  NetlensQuery         *query;

  /* the source of connections */
  NetlensPipeline      *pipeline;
  GAsyncQueue          *ended;           /* NetlensConnection *, from worker threads */
  GCancellable         *cancellable;
  ReadJob              *job;             /* the file being read (owned by its task) */
  NetlensLiveSource    *live;            /* live capture into `pipeline` */
  NetlensCaptureSaver  *saver;           /* Save Capture…: the spool or the opened file */
  char                 *source_path;
  char                 *source_interface;
  gboolean              file_mode;
  gboolean              loaded;
  gint64                started_us;
  gint64                ended_us;
  double                progress;

  guint                 tick_id;
  NetlensWindowOverrides overrides;
  NetlensTimeouts       timeouts;
  gboolean              bits;
  gboolean              paused;
  gboolean              dpi;
  gboolean              detail_visible;

  guint64               last_packets;
  gint64                last_stats_us;
  double                packets_per_s;

  RetryKind             retry;
  char                 *retry_path;

  /* the Processes and Hosts views, fed from the same change sets as the table */
  NetlensGroups        *groups;
  NetlensGroupsView    *processes_view;
  NetlensGroupsView    *hosts_view;
  char                 *graph_key;       /* what the selection graph shows, NULL: nothing */
  NetlensGeo           *geo;             /* GeoIP country / ASN, NULL without a database */
  NetlensNotifier      *notifier;        /* live captures only, created with the first one */
  GCancellable         *known_cancellable; /* reading the history's programs and hosts */
  gboolean              geo_error_shown; /* the banner is about the GeoIP database */
  gboolean              country_wanted;  /* the country column's menu state */
  gint64                selection_graph_last_us;
  gint64                machine_graph_last_us;
  RateWindow            machine_rates;
  RateWindow            selection_rates;
  gint64                groups_now_us;
  gint64                groups_tick_us;  /* when the groups' rates were last computed */   /* the latest worker clock seen: rates need a clock that only moves on */

  /* reverse DNS (opt-in): address -> name, "" while looked up or when there is none */
  gboolean              reverse_dns;
  GHashTable           *reverse_names;
  GCancellable         *reverse_cancellable;
  guint                 reverse_pending;
};

G_DEFINE_FINAL_TYPE (NetlensWindow, netlens_window, ADW_TYPE_APPLICATION_WINDOW)

static void refresh_view (NetlensWindow *self);
static void refresh_cells (NetlensWindow *self, gboolean force);
static void stop_source (NetlensWindow *self);
static void restart_tick (NetlensWindow *self);

/* ---- settings ---- */

static const struct
{
  const char *key;
  gsize       offset;
} timeout_keys[] = {
  { "timeouts-tcp-established-ssh", G_STRUCT_OFFSET (NetlensTimeouts, tcp_established_ssh) },
  { "timeouts-tcp-established-http", G_STRUCT_OFFSET (NetlensTimeouts, tcp_established_http) },
  { "timeouts-tcp-established", G_STRUCT_OFFSET (NetlensTimeouts, tcp_established) },
  { "timeouts-tcp-transient", G_STRUCT_OFFSET (NetlensTimeouts, tcp_transient) },
  { "timeouts-tcp-closing", G_STRUCT_OFFSET (NetlensTimeouts, tcp_closing) },
  { "timeouts-tcp-closed", G_STRUCT_OFFSET (NetlensTimeouts, tcp_closed) },
  { "timeouts-quic-handshake", G_STRUCT_OFFSET (NetlensTimeouts, quic_handshake) },
  { "timeouts-quic-connected", G_STRUCT_OFFSET (NetlensTimeouts, quic_connected) },
  { "timeouts-quic-closed", G_STRUCT_OFFSET (NetlensTimeouts, quic_closed) },
  { "timeouts-dns", G_STRUCT_OFFSET (NetlensTimeouts, dns) },
  { "timeouts-udp", G_STRUCT_OFFSET (NetlensTimeouts, udp) },
  { "timeouts-udp-idle", G_STRUCT_OFFSET (NetlensTimeouts, udp_idle) },
  { "timeouts-udp-stale", G_STRUCT_OFFSET (NetlensTimeouts, udp_stale) },
  { "timeouts-icmp", G_STRUCT_OFFSET (NetlensTimeouts, icmp) },
  { "timeouts-arp", G_STRUCT_OFFSET (NetlensTimeouts, arp) },
  { "timeouts-other", G_STRUCT_OFFSET (NetlensTimeouts, other) },
};

static void
load_timeouts (NetlensWindow *self)
{
  netlens_timeouts_init_defaults (&self->timeouts);
  for (guint i = 0; i < G_N_ELEMENTS (timeout_keys); i++)
    G_STRUCT_MEMBER (guint, &self->timeouts, timeout_keys[i].offset) =
      g_settings_get_uint (self->settings, timeout_keys[i].key);
}

static void show_error (NetlensWindow *self, const char *title, const char *detail, RetryKind retry);
static void apply_notify_settings (NetlensWindow *self);

/* The databases named in Preferences, else the installed ones (none: the GeoIP
 * columns stay hidden).  A named file that cannot be read says so in the banner. */
static void
load_geo (NetlensWindow *self)
{
  g_autofree char *country = g_settings_get_string (self->settings, "geoip-country-db");
  g_autofree char *asn = g_settings_get_string (self->settings, "geoip-asn-db");
  g_autoptr(GError) error = NULL;
  gboolean visible;

  g_clear_pointer (&self->geo, netlens_geo_free);
  if (self->geo_error_shown)
    {
      gtk_revealer_set_reveal_child (self->error_revealer, FALSE);
      self->geo_error_shown = FALSE;
    }
  if (*country != '\0' || *asn != '\0')
    {
      self->geo = netlens_geo_open (*country != '\0' ? country : NULL, *asn != '\0' ? asn : NULL,
                                    &error);
      if (self->geo == NULL)
        {
          show_error (self, _("Could not open the GeoIP database"), error->message, RETRY_NONE);
          self->geo_error_shown = TRUE;
        }
    }
  else
    self->geo = netlens_geo_open_default (&error);
  if (self->geo == NULL && error != NULL)
    g_debug ("GeoIP: %s", error->message);

  visible = self->geo != NULL;
  if (self->columns[NETLENS_COLUMN_COUNTRY] != NULL)
    gtk_column_view_column_set_visible (self->columns[NETLENS_COLUMN_COUNTRY],
                                        visible && self->country_wanted);
  if (self->hosts_view != NULL)
    netlens_groups_view_set_geo_visible (self->hosts_view, visible);
}

static int
effective_refresh_ms (NetlensWindow *self)
{
  if (self->overrides.refresh_ms > 0)
    return self->overrides.refresh_ms;
  return (int) g_settings_get_uint (self->settings, "refresh-interval");
}

static void
on_settings_changed_cb (GSettings     *settings,
                        const char    *key,
                        NetlensWindow *self)
{
  /* a preference changed during the run replaces the command line's value */
  if (g_str_equal (key, "refresh-interval"))
    {
      self->overrides.refresh_ms = -1;
      restart_tick (self);
    }
  else if (g_str_equal (key, "hide-localhost"))
    {
      self->overrides.hide_localhost = -1;
      netlens_connection_model_set_hide_localhost (self->model,
                                                   g_settings_get_boolean (settings, key));
      netlens_connection_model_commit (self->model);
      refresh_view (self);
    }
  else if (g_str_equal (key, "dpi"))
    {
      /* applies to the running capture too, from its next packets */
      self->overrides.dpi = -1;
      self->dpi = g_settings_get_boolean (settings, key);
      if (self->pipeline != NULL)
        netlens_pipeline_set_dpi (self->pipeline, self->dpi);
    }
  else if (g_str_equal (key, "reverse-dns"))
    {
      self->reverse_dns = g_settings_get_boolean (settings, key);
      refresh_cells (self, TRUE);
    }
  else if (g_str_equal (key, "units"))
    {
      g_autofree char *units = g_settings_get_string (settings, key);
      self->bits = g_str_equal (units, "bits");
      netlens_groups_view_set_bits (self->processes_view, self->bits);
      netlens_groups_view_set_bits (self->hosts_view, self->bits);
      netlens_traffic_graph_set_bits (self->traffic_graph, self->bits);
      netlens_traffic_graph_set_bits (self->selection_graph, self->bits);
      refresh_cells (self, TRUE);
      refresh_view (self);
    }
  else if (g_str_equal (key, "notifications") || g_str_has_prefix (key, "notify-"))
    apply_notify_settings (self);
  else if (g_str_equal (key, "geoip-country-db") || g_str_equal (key, "geoip-asn-db"))
    {
      load_geo (self);
      /* an opened file sends no more updates: read it again to enrich its rows */
      if (self->file_mode && self->source_path != NULL && self->job == NULL && !self->geo_error_shown)
        {
          g_autoptr(GFile) file = g_file_new_for_path (self->source_path);
          netlens_window_open_file (self, file);
        }
    }
  else if (g_str_has_prefix (key, "timeouts-"))
    {
      load_timeouts (self);
      if (self->pipeline != NULL)
        netlens_pipeline_set_timeouts (self->pipeline, &self->timeouts);
      refresh_cells (self, TRUE);
      refresh_view (self);
    }
}

/* ---- cells ---- */

static gboolean
near_timeout (NetlensWindow           *self,
              const NetlensConnection *conn,
              gint64                  *left_out)
{
  gint64 left, total;

  if (conn->ended != 0)
    return FALSE;
  total = (gint64) netlens_timeouts_for (&self->timeouts, conn) * G_USEC_PER_SEC;
  left = netlens_connection_timeout_left_us (&self->timeouts, conn,
                                             netlens_connection_model_get_now (self->model));
  *left_out = left;
  return left <= MAX (NEAR_TIMEOUT_MIN_US, (gint64) (total * NEAR_TIMEOUT_FRACTION));
}

/* ---- reverse DNS ---- */

#define MAX_REVERSE_LOOKUPS 8

typedef struct
{
  NetlensWindow *self;
  char          *address;
} ReverseLookup;

static void
on_reverse_lookup_cb (GObject      *resolver,
                      GAsyncResult *result,
                      gpointer      data)
{
  ReverseLookup *lookup = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_resolver_lookup_by_address_finish (G_RESOLVER (resolver), result, &error);

  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      NetlensWindow *self = lookup->self;

      self->reverse_pending--;
      if (name != NULL)
        {
          g_hash_table_replace (self->reverse_names, g_strdup (lookup->address), g_steal_pointer (&name));
          refresh_cells (self, TRUE);
        }
    }
  g_free (lookup->address);
  g_free (lookup);
}

/* Puts the reverse name of CONN's remote address on the snapshot, when known; asks
 * the resolver otherwise (a few at a time, only for rows on screen).  Snapshots are
 * replaced on every update, so the cache puts it back each time. */
static void
apply_reverse_name (NetlensWindow           *self,
                    const NetlensConnection *cconn)
{
  NetlensConnection *conn = (NetlensConnection *) cconn;   /* the row's own snapshot */
  char buf[64];
  const char *name;

  if (!self->reverse_dns || conn->reverse_name != NULL ||
      (conn->key.family != NETLENS_FAMILY_IPV4 && conn->key.family != NETLENS_FAMILY_IPV6))
    return;
  netlens_addr_to_string (conn->key.family, &conn->key.raddr, buf, sizeof buf);
  name = g_hash_table_lookup (self->reverse_names, buf);
  if (name != NULL)
    {
      if (*name != '\0')
        conn->reverse_name = g_ref_string_new (name);
      return;
    }
  if (self->reverse_pending >= MAX_REVERSE_LOOKUPS)
    return;
  {
    g_autoptr(GInetAddress) address = g_inet_address_new_from_string (buf);
    g_autoptr(GResolver) resolver = g_resolver_get_default ();
    ReverseLookup *lookup;

    if (address == NULL)
      return;
    g_hash_table_insert (self->reverse_names, g_strdup (buf), g_strdup (""));
    lookup = g_new0 (ReverseLookup, 1);
    lookup->self = self;
    lookup->address = g_strdup (buf);
    self->reverse_pending++;
    g_resolver_lookup_by_address_async (resolver, address, self->reverse_cancellable,
                                        on_reverse_lookup_cb, lookup);
  }
}

static GtkInscription *
cell_get_inscription (GtkWidget *cell)
{
  if (GTK_IS_INSCRIPTION (cell))
    return GTK_INSCRIPTION (cell);
  return GTK_INSCRIPTION (gtk_widget_get_last_child (cell));
}

static void
refresh_cell (NetlensWindow *self,
              GtkWidget     *cell,
              CellData      *data,
              gboolean       force)
{
  NetlensRowSlot *slot = gtk_list_item_get_item (data->item);
  NetlensConnectionRow *row = slot != NULL ? netlens_row_slot_get_row (slot) : NULL;
  const NetlensConnection *conn;
  GtkInscription *inscription;
  NetlensFormatContext ctx;
  gboolean dim;
  gint64 left = 0;

  if (row == NULL)
    return;
  conn = netlens_connection_row_get_connection (row);
  if (data->column == NETLENS_COLUMN_REMOTE && self->reverse_dns && conn->reverse_name == NULL)
    {
      apply_reverse_name (self, conn);
      force = force || conn->reverse_name != NULL;
    }
  dim = near_timeout (self, conn, &left);

  /* only the age, the rates and the timeout move with the clock alone */
  if (!force && row == data->row && netlens_connection_row_get_serial (row) == data->serial &&
      dim == data->dim && !dim &&
      data->column != NETLENS_COLUMN_AGE && data->column != NETLENS_COLUMN_RX_RATE &&
      data->column != NETLENS_COLUMN_TX_RATE)
    return;
  data->row = row;
  data->serial = netlens_connection_row_get_serial (row);

  inscription = cell_get_inscription (cell);
  ctx.now_us = netlens_connection_model_get_now (self->model);
  ctx.rx_rate = netlens_connection_row_get_rx_rate (row);
  ctx.tx_rate = netlens_connection_row_get_tx_rate (row);
  ctx.bits = self->bits;

  g_string_truncate (self->scratch, 0);
  netlens_format_cell (data->column, conn, &ctx, self->scratch);
  if (g_strcmp0 (gtk_inscription_get_text (inscription), self->scratch->str) != 0)
    gtk_inscription_set_text (inscription, self->scratch->str);

  if (data->column == NETLENS_COLUMN_PROCESS)
    {
      GtkImage *image = GTK_IMAGE (gtk_widget_get_first_child (cell));
      GIcon *icon = NULL;

      if (conn->process != NULL && conn->process->app_id != NULL)
        icon = netlens_app_info_get_icon (conn->process->app_id);
      if (icon != NULL)
        gtk_image_set_from_gicon (image, icon);
      else if (conn->process != NULL)
        gtk_image_set_from_icon_name (image, "application-x-executable-symbolic");
      else
        gtk_image_clear (image);
    }

  if (dim != data->dim)
    {
      data->dim = dim;
      if (dim)
        gtk_widget_add_css_class (cell, "netlens-dim");
      else
        gtk_widget_remove_css_class (cell, "netlens-dim");
    }
  if (dim)
    {
      g_string_truncate (self->scratch, 0);
      g_string_append (self->scratch, _("Times out in "));
      netlens_format_duration (left, self->scratch);
      if (g_strcmp0 (gtk_widget_get_tooltip_text (cell), self->scratch->str) != 0)
        gtk_widget_set_tooltip_text (cell, self->scratch->str);
    }
  else if (gtk_widget_get_tooltip_text (cell) != NULL)
    gtk_widget_set_tooltip_text (cell, NULL);
}

static void
on_cell_setup_cb (GtkSignalListItemFactory *factory,
                  GtkListItem              *item,
                  NetlensWindow            *self)
{
  NetlensColumn column = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (factory), "netlens-column"));
  GtkWidget *inscription = gtk_inscription_new (NULL);
  GtkWidget *cell = inscription;

  gtk_inscription_set_text_overflow (GTK_INSCRIPTION (inscription),
                                     GTK_INSCRIPTION_OVERFLOW_ELLIPSIZE_END);
  gtk_inscription_set_min_chars (GTK_INSCRIPTION (inscription), 3);
  gtk_widget_set_hexpand (inscription, TRUE);
  if (netlens_column_is_numeric (column))
    {
      gtk_inscription_set_xalign (GTK_INSCRIPTION (inscription), 1.0);
      gtk_widget_add_css_class (inscription, "numeric");
    }
  if (column == NETLENS_COLUMN_PROCESS)
    {
      cell = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
      gtk_box_append (GTK_BOX (cell), gtk_image_new ());
      gtk_box_append (GTK_BOX (cell), inscription);
    }
  {
    CellData *data = g_new0 (CellData, 1);

    data->column = column;
    data->item = item;
    g_object_set_data_full (G_OBJECT (cell), "netlens-cell", data, g_free);
  }
  g_object_set_data (G_OBJECT (cell), "netlens-list-item", item);
  gtk_list_item_set_child (item, cell);
}

static void
on_cell_bind_cb (GtkSignalListItemFactory *factory,
                 GtkListItem              *item,
                 NetlensWindow            *self)
{
  GtkWidget *cell = gtk_list_item_get_child (item);
  CellData *data = g_object_get_data (G_OBJECT (cell), "netlens-cell");

  g_hash_table_insert (self->bound_cells, cell, data);
  refresh_cell (self, cell, data, TRUE);
}

static void
on_cell_unbind_cb (GtkSignalListItemFactory *factory,
                   GtkListItem              *item,
                   NetlensWindow            *self)
{
  g_hash_table_remove (self->bound_cells, gtk_list_item_get_child (item));
}

/* ---- selection and detail pane ---- */

static NetlensConnectionRow *
selected_row (NetlensWindow *self)
{
  return netlens_row_selection_get_selected_row (self->selection);
}

/* The Processes or Hosts view on screen, or NULL for the connections. */
static NetlensGroupsView *
shown_groups_view (NetlensWindow *self)
{
  GtkWidget *child = adw_view_stack_get_visible_child (self->view_stack);

  if (child == GTK_WIDGET (self->processes_view) || child == GTK_WIDGET (self->hosts_view))
    return NETLENS_GROUPS_VIEW (child);
  return NULL;
}

/* The selection graph follows one thing (KEY); another thing starts it again. */
static void
push_selection_sample (NetlensWindow *self,
                       const char    *key,
                       guint64        rx_total,
                       guint64        tx_total)
{
  gint64 now = self->groups_now_us;
  double rx_rate, tx_rate;

  if (g_strcmp0 (key, self->graph_key) != 0)
    {
      g_free (self->graph_key);
      self->graph_key = g_strdup (key);
      netlens_traffic_graph_clear (self->selection_graph);
      self->selection_graph_last_us = 0;
      memset (&self->selection_rates, 0, sizeof self->selection_rates);
    }
  if (key == NULL || now <= self->selection_graph_last_us)
    return;
  self->selection_graph_last_us = now;
  rate_window_push (&self->selection_rates, now, rx_total, tx_total, &rx_rate, &tx_rate);
  netlens_traffic_graph_push (self->selection_graph, now, rx_rate, tx_rate);
}

static void
append_line (GString    *out,
             const char *title,
             const char *value)
{
  if (value == NULL || *value == '\0')
    return;
  if (out->len > 0)
    g_string_append_c (out, '\n');
  /* Translators: a field of the Processes or Hosts detail pane, "Title: value" */
  g_string_append_printf (out, _("%s: %s"), title, value);
}

/* RANGE: G is a range of the history's group (its rows counted, no rates, nothing open). */
static void
show_group_detail (NetlensWindow      *self,
                   NetlensGroupKind    kind,
                   const NetlensGroup *g,
                   gboolean            range)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GString) value = g_string_new (NULL);
  const char *title;

  if (g == NULL)
    {
      gtk_label_set_text (self->group_title, "");
      gtk_label_set_text (self->group_summary,
                          kind == NETLENS_GROUP_PROCESS
                          ? _("Select a program to see its traffic.")
                          : _("Select a host to see its traffic."));
      return;
    }
  title = g->app_id != NULL && kind == NETLENS_GROUP_PROCESS ? netlens_app_info_get_name (g->app_id) : NULL;
  if (title == NULL)
    title = g_strcmp0 (g->key, "unknown") == 0 ? _("Unknown program") : g->label;
  if (g_strcmp0 (gtk_label_get_text (self->group_title), title) != 0)
    gtk_label_set_text (self->group_title, title);

  if (kind == NETLENS_GROUP_PROCESS)
    {
      append_line (text, _("Desktop Application"), g->app_id);
      append_line (text, _("Executable"), g->exe);
      append_line (text, _("Name"), g->process_name);
      if (g->pid != 0)
        {
          g_string_printf (value, "%u", g->pid);
          append_line (text, _("Latest PID"), value->str);
        }
    }
  else
    {
      append_line (text, _("Address"), g->address);
      append_line (text, _("Country"), g->country);
      if (g->asn != 0 || g->as_org != NULL)
        {
          g_string_truncate (value, 0);
          if (g->asn != 0)
            g_string_append_printf (value, "AS%u ", g->asn);
          if (g->as_org != NULL)
            g_string_append (value, g->as_org);
          append_line (text, _("Network"), value->str);
        }
    }
  if (range)
    g_string_printf (value, "%u", g->n_connections);
  else
    /* Translators: connections open now, and seen since the start */
    g_string_printf (value, _("%u open, %u in all"), g->n_open, g->n_connections);
  append_line (text, _("Connections"), value->str);
  g_string_printf (value, "%u", g->n_peers);
  append_line (text, kind == NETLENS_GROUP_PROCESS ? _("Hosts") : _("Programs"), value->str);
  g_string_truncate (value, 0);
  netlens_format_amount (g->rx_bytes, self->bits, value);
  append_line (text, _("Received"), value->str);
  g_string_truncate (value, 0);
  netlens_format_amount (g->tx_bytes, self->bits, value);
  append_line (text, _("Sent"), value->str);
  if (!range)
    {
      g_string_truncate (value, 0);
      netlens_format_rate (g->rx_rate, self->bits, value);
      append_line (text, _("Receive Rate"), value->str);
      g_string_truncate (value, 0);
      netlens_format_rate (g->tx_rate, self->bits, value);
      append_line (text, _("Send Rate"), value->str);
    }
  if (g->first_seen > 0)
    {
      g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (g->first_seen / G_USEC_PER_SEC);
      g_autofree char *when = dt != NULL ? g_date_time_format (dt, "%Y-%m-%d %H:%M:%S") : NULL;

      append_line (text, _("First Seen"), when);
    }
  if (range && g->last_seen > 0)
    {
      g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (g->last_seen / G_USEC_PER_SEC);
      g_autofree char *when = dt != NULL ? g_date_time_format (dt, "%Y-%m-%d %H:%M:%S") : NULL;

      append_line (text, _("Last Seen"), when);
    }
  /* only a real change replaces the text: that keeps the user's selection */
  if (g_strcmp0 (gtk_label_get_text (self->group_summary), text->str) != 0)
    gtk_label_set_text (self->group_summary, text->str);
}

static void
refresh_detail (NetlensWindow *self)
{
  NetlensGroupsView *groups_view;
  NetlensConnectionRow *row;

  if (!self->detail_visible)
    return;
  groups_view = shown_groups_view (self);
  if (groups_view != NULL)
    {
      NetlensGroupKind kind = netlens_groups_view_get_kind (groups_view);
      NetlensGroupRow *group_row = netlens_groups_view_get_selected (groups_view);
      const NetlensGroup *g = NULL;
      g_autofree char *key = NULL;

      NetlensGroups *groups = netlens_groups_view_get_shown_groups (groups_view);
      gboolean live = !netlens_groups_view_get_range (groups_view, NULL, NULL, NULL);

      /* the groups themselves are newer than the view's copies (live or a history range) */
      if (group_row != NULL && groups != NULL)
        g = netlens_groups_lookup (groups, kind, netlens_group_row_get_key (group_row));
      gtk_stack_set_visible_child_name (self->detail_stack, "group");
      /* the live graph of the selection says nothing about a range of the history */
      gtk_widget_set_visible (GTK_WIDGET (self->selection_graph), live);
      show_group_detail (self, kind, g, !live);
      if (g != NULL && live)
        key = g_strdup_printf ("%u:%s", kind, g->key);
      push_selection_sample (self, key, g ? g->rx_bytes : 0, g ? g->tx_bytes : 0);
      return;
    }

  gtk_stack_set_visible_child_name (self->detail_stack, "connection");
  gtk_widget_set_visible (GTK_WIDGET (self->selection_graph), TRUE);
  row = selected_row (self);
  if (row != NULL)
    {
      g_autofree char *key = g_strdup_printf ("connection:%u",
                                              netlens_connection_row_get_connection (row)->id);

      apply_reverse_name (self, netlens_connection_row_get_connection (row));
      push_selection_sample (self, key, netlens_connection_row_get_connection (row)->rx_bytes,
                             netlens_connection_row_get_connection (row)->tx_bytes);
    }
  else
    push_selection_sample (self, NULL, 0, 0);
  netlens_detail_pane_set_row (self->detail_pane, row,
                               netlens_connection_model_get_now (self->model),
                               &self->timeouts, self->bits);
}

static void
set_detail_visible (NetlensWindow *self,
                    gboolean       visible)
{
  if (self->detail_visible == visible)
    return;
  if (!visible)
    g_settings_set_int (self->settings, "pane-position", gtk_paned_get_position (self->paned));
  self->detail_visible = visible;
  gtk_widget_set_visible (GTK_WIDGET (self->detail_scroller), visible);
  if (!visible)
    push_selection_sample (self, NULL, 0, 0);
  if (visible)
    {
      int position = g_settings_get_int (self->settings, "pane-position");
      int width = gtk_widget_get_width (GTK_WIDGET (self->paned));

      if (position <= 0 || (width > 0 && position > width - 200))
        position = width > 0 ? MAX (width - 380, width / 2) : 700;
      gtk_paned_set_position (self->paned, position);
      refresh_detail (self);
    }
}

static void
on_selected_item_changed_cb (NetlensRowSelection *selection,
                             GParamSpec          *pspec,
                             NetlensWindow       *self)
{
  refresh_detail (self);
}

static void
on_column_view_activate_cb (GtkColumnView *view,
                            guint          position,
                            NetlensWindow *self)
{
  netlens_row_selection_set_selected (self->selection, position);
  set_detail_visible (self, TRUE);
}

static GtkWidget *
inner_list_view (NetlensWindow *self)
{
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->column_view));
       child != NULL; child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_LIST_VIEW (child))
      return child;
  return NULL;
}

static void
scroll_to (NetlensWindow *self,
           guint          position)
{
  GtkWidget *list = inner_list_view (self);

  /* GTK 4.8 has no gtk_column_view_scroll_to(); the inner list view's action does it */
  if (list != NULL)
    gtk_widget_activate_action (list, "list.scroll-to-item", "u", position);
}

static void
move_selection (NetlensWindow *self,
                int            delta)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->selection));
  guint pos = netlens_row_selection_get_selected (self->selection);
  gint64 target;

  if (n == 0)
    return;
  if (pos == GTK_INVALID_LIST_POSITION)
    target = delta > 0 ? 0 : (gint64) n - 1;
  else
    target = CLAMP ((gint64) pos + delta, 0, (gint64) n - 1);
  netlens_row_selection_set_selected (self->selection, (guint) target);
  scroll_to (self, (guint) target);
}

static int
page_rows (NetlensWindow *self)
{
  int height = gtk_widget_get_height (GTK_WIDGET (self->table_scroller));

  /* rows of the data-table style are about 30 pixels high */
  return MAX (1, height / 30 - 1);
}

/* ---- refresh ---- */

static void
update_status (NetlensWindow *self)
{
  guint shown = g_list_model_get_n_items (G_LIST_MODEL (self->model));
  guint total = netlens_connection_model_get_n_total (self->model);
  NetlensStats stats = { 0 };
  g_autofree char *count = NULL;
  g_autofree char *shown_text = NULL;
  g_autofree char *drops = NULL;
  g_autofree char *rate = NULL;

  if (self->pipeline != NULL)
    {
      gint64 now = g_get_monotonic_time ();

      netlens_pipeline_get_stats (self->pipeline, &stats);
      if (self->last_stats_us != 0 && now - self->last_stats_us >= G_USEC_PER_SEC / 2)
        {
          self->packets_per_s = (double) (stats.packets - self->last_packets) * G_USEC_PER_SEC /
                                (double) (now - self->last_stats_us);
          self->last_packets = stats.packets;
          self->last_stats_us = now;
        }
      else if (self->last_stats_us == 0)
        {
          self->last_packets = stats.packets;
          self->last_stats_us = now;
        }
    }

  /* Translators: the filter bar's count, "12 of 345" connections */
  count = g_strdup_printf (_("%u of %u"), shown, total);
  gtk_label_set_text (self->count_label, count);
  shown_text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u of %u connection shown",
                                             "%u of %u connections shown", total), shown, total);
  gtk_label_set_text (self->shown_label, shown_text);
  if (self->job != NULL)
    rate = g_strdup_printf (_("Reading… %.0f%%"), self->job->progress * 100.0);
  else
    rate = g_strdup_printf (_("%.0f packets/s · %" PRIu64 " packets"),
                            self->packets_per_s, stats.packets);
  gtk_label_set_text (self->rate_label, rate);
  drops = g_strdup_printf (_("Dropped: %" PRIu64 " by the kernel, %"
                             PRIu64 " internally"),
                           stats.dropped_kernel + stats.dropped_interface, stats.dropped_internal);
  gtk_label_set_text (self->drops_label, drops);

  gtk_stack_set_visible_child_name (self->main_stack,
                                    self->pipeline == NULL && total == 0 ? "empty" : "table");
}

/* Positions of the rows in view, and a few around (all when not known yet). */
static void
rows_in_view (NetlensWindow *self,
              guint         *first,
              guint         *last)
{
  GtkAdjustment *adj = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (self->column_view));
  GHashTableIter iter;
  gpointer key;
  int row_height = 0;

  *first = 0;
  *last = G_MAXUINT;
  if (adj == NULL)
    return;
  /* cell -> column view cell -> row: every row of the data table is as high (rows
   * out of view may not be allocated) */
  g_hash_table_iter_init (&iter, self->bound_cells);
  while (row_height <= 0 && g_hash_table_iter_next (&iter, &key, NULL))
    if (gtk_widget_get_parent (key) != NULL && gtk_widget_get_parent (gtk_widget_get_parent (key)) != NULL)
      row_height = gtk_widget_get_height (gtk_widget_get_parent (gtk_widget_get_parent (key)));
  if (row_height <= 0 || gtk_adjustment_get_page_size (adj) <= 0)
    return;
  *first = (guint) MAX (0.0, gtk_adjustment_get_value (adj) / row_height - 3);
  *last = (guint) ((gtk_adjustment_get_value (adj) + gtk_adjustment_get_page_size (adj)) / row_height + 3);
}

static void
refresh_cells (NetlensWindow *self,
               gboolean       force)
{
  GHashTableIter iter;
  gpointer key, value;
  guint first, last;

  /* GTK 4.8 keeps up to 200 rows realised: the cells of unchanged rows are skipped, and
   * those of rows out of view are refreshed when they scroll into it */
  rows_in_view (self, &first, &last);
  g_hash_table_iter_init (&iter, self->bound_cells);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      CellData *data = value;
      guint position = gtk_list_item_get_position (data->item);

      if (position < first || position > last)
        data->serial = G_MAXUINT64;   /* stale: rendered again once in view */
      else
        refresh_cell (self, key, value, force);
    }
}

static gboolean
refresh_cells_idle_cb (gpointer data)
{
  NetlensWindow *self = data;

  self->cells_idle_id = 0;
  refresh_cells (self, FALSE);
  return G_SOURCE_REMOVE;
}

/* Scrolled (or resized, which GTK tells while it allocates): the rows now in view
 * get their text, outside the allocation */
static void
on_vadjustment_changed_cb (NetlensWindow *self)
{
  if (self->cells_idle_id == 0)
    self->cells_idle_id = g_idle_add_full (G_PRIORITY_HIGH_IDLE, refresh_cells_idle_cb, self, NULL);
}

static void
refresh_view (NetlensWindow *self)
{
  refresh_cells (self, FALSE);
  refresh_detail (self);
  update_status (self);
}

/* The groups see every snapshot before the model takes it: updates first, then the
 * final snapshots of ended rows, then removals (a removal after a final snapshot
 * would otherwise count the row a second time). */
static void
feed_groups (NetlensWindow *self,
             GPtrArray     *sets,
             GPtrArray     *ended)
{
  for (guint s = 0; s < sets->len; s++)
    {
      NetlensChangeSet *set = g_ptr_array_index (sets, s);

      for (guint i = 0; i < set->updated->len; i++)
        netlens_groups_update (self->groups, g_ptr_array_index (set->updated, i));
    }
  for (guint i = 0; i < ended->len; i++)
    netlens_groups_update (self->groups, g_ptr_array_index (ended, i));
  for (guint s = 0; s < sets->len; s++)
    {
      NetlensChangeSet *set = g_ptr_array_index (sets, s);

      for (guint i = 0; i < set->removed->len; i++)
        netlens_groups_remove (self->groups, g_array_index (set->removed, guint32, i));
    }
}

static void
apply_notify_settings (NetlensWindow *self)
{
  if (self->notifier == NULL)
    return;
  netlens_notifier_set_enabled (self->notifier, g_settings_get_boolean (self->settings, "notifications"));
  netlens_notifier_set_kinds (self->notifier,
                              g_settings_get_boolean (self->settings, "notify-new-program"),
                              g_settings_get_boolean (self->settings, "notify-new-host"));
}

static const char *
program_label (const NetlensGroup *g)
{
  const char *name = g->app_id != NULL ? netlens_app_info_get_name (g->app_id) : NULL;

  return name != NULL ? name : g->label;
}

static void
on_known_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  NetlensWindow *self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) known = NULL;
  GHashTableIter iter;
  gpointer item;

  known = netlens_history_service_known_finish (netlens_history_service_get_default (),
                                                result, &error);
  if (known == NULL)
    {
      /* cancelled: the window is gone; else the history's own error is shown elsewhere */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("notifications: programs since start only: %s", error->message);
      return;
    }
  g_hash_table_iter_init (&iter, known);
  while (g_hash_table_iter_next (&iter, &item, NULL))
    {
      char *end = NULL;
      guint64 kind = g_ascii_strtoull (item, &end, 10);

      if (end != NULL && *end == ':' && kind < NETLENS_N_GROUP_KINDS)
        netlens_notifier_add_known (self->notifier, (NetlensGroupKind) kind, end + 1);
    }
  g_debug ("notifications: %u programs and hosts known from the history",
           g_hash_table_size (known));
}

/* New programs and hosts of a live capture, for notifications: two lookups per
 * changed row.  With the history on, "new" means never seen before: the history's
 * programs and hosts are read once, on its worker (until they arrive, "new" means
 * since Netlens started). */
static void
observe_new (NetlensWindow *self,
             GPtrArray     *sets)
{
  if (self->notifier == NULL)
    {
      GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));

      if (app == NULL || !g_application_get_is_registered (G_APPLICATION (app)))
        return;
      self->notifier = netlens_notifier_new (G_APPLICATION (app));
      apply_notify_settings (self);
      if (netlens_history_service_is_enabled (netlens_history_service_get_default ()))
        {
          self->known_cancellable = g_cancellable_new ();
          netlens_history_service_known_async (netlens_history_service_get_default (),
                                               self->known_cancellable, on_known_cb, self);
        }
    }
  for (guint s = 0; s < sets->len; s++)
    {
      NetlensChangeSet *set = g_ptr_array_index (sets, s);

      for (guint i = 0; i < set->updated->len; i++)
        {
          const NetlensConnection *conn = g_ptr_array_index (set->updated, i);
          const NetlensGroup *program = netlens_groups_lookup_row (self->groups, NETLENS_GROUP_PROCESS, conn->id);
          const NetlensGroup *host = netlens_groups_lookup_row (self->groups, NETLENS_GROUP_HOST, conn->id);
          gboolean known = program != NULL && g_strcmp0 (program->key, "unknown") != 0;

          if (program == NULL || host == NULL)
            continue;
          netlens_notifier_observe (self->notifier, NETLENS_GROUP_PROCESS, program->key,
                                    program_label (program), host->label, conn->id);
          netlens_notifier_observe (self->notifier, NETLENS_GROUP_HOST, host->key, host->label,
                                    known ? program_label (program) : NULL, conn->id);
        }
    }
}

static void
drain (NetlensWindow *self)
{
  g_autoptr(GPtrArray) sets = NULL;
  g_autoptr(GPtrArray) ended = NULL;
  NetlensChangeSet *set;
  NetlensConnection *conn;

  if (self->pipeline == NULL)
    return;

  /* change sets first, then ended rows: a row's final snapshot is queued before its
   * removal is recorded, so it is always there by the time the removal is seen */
  sets = g_ptr_array_new ();
  while ((set = netlens_pipeline_pop_changes (self->pipeline)) != NULL)
    g_ptr_array_add (sets, set);
  ended = g_ptr_array_new ();
  while (self->ended != NULL && (conn = g_async_queue_try_pop (self->ended)) != NULL)
    g_ptr_array_add (ended, conn);

  if (self->geo != NULL)
    {
      /* cached lookups; snapshots are replaced on every update, so each is enriched */
      for (guint s = 0; s < sets->len; s++)
        {
          set = g_ptr_array_index (sets, s);
          for (guint i = 0; i < set->updated->len; i++)
            netlens_geo_enrich (self->geo, g_ptr_array_index (set->updated, i));
        }
      for (guint i = 0; i < ended->len; i++)
        netlens_geo_enrich (self->geo, g_ptr_array_index (ended, i));
    }
  feed_groups (self, sets, ended);
  /* ended rows, and long-lived ones once a minute, to the history (queued off this thread) */
  netlens_history_service_feed (netlens_history_service_get_default (), sets, ended);
  {
    g_autoptr(GError) history_error =
      netlens_history_service_take_write_error (netlens_history_service_get_default ());

    if (history_error != NULL)
      show_error (self, _("The history stopped writing; the capture goes on"),
                  history_error->message, RETRY_NONE);
  }
  if (!self->file_mode)
    observe_new (self, sets);
  /* what Save Capture… writes in each packet's comment */
  if (self->saver != NULL)
    netlens_capture_saver_add_rows (self->saver, sets, ended);

  for (guint s = 0; s < sets->len; s++)
    {
      set = g_ptr_array_index (sets, s);
      netlens_connection_model_set_now (self->model, set->now_us);
      self->groups_now_us = MAX (self->groups_now_us, set->now_us);
      for (guint i = 0; i < set->updated->len; i++)
        {
          NetlensConnection *snapshot = g_ptr_array_index (set->updated, i);
          set->updated->pdata[i] = NULL;
          netlens_connection_model_update (self->model, snapshot);
        }
      /* an opened file keeps its ended rows, with their final state, as the export does */
      if (!self->file_mode)
        for (guint i = 0; i < set->removed->len; i++)
          netlens_connection_model_remove (self->model, g_array_index (set->removed, guint32, i));
      netlens_change_set_free (set);
    }
  for (guint i = 0; i < ended->len; i++)
    {
      conn = g_ptr_array_index (ended, i);
      if (self->file_mode)
        netlens_connection_model_update (self->model, conn);
      else
        netlens_connection_free (conn);
    }
  netlens_pipeline_request_changes (self->pipeline);

  /* rates over the pipeline's clock; the whole-machine graph stores a sample (it
   * draws only while it is on screen) */
  /* each worker has its own clock, the last set's may lag: the groups take the newest,
   * and rates over at least RATE_WINDOW_US (a worker's late answer would make them
   * jump between twice the traffic and nothing) */
  if (self->groups_tick_us == 0 || self->groups_now_us - self->groups_tick_us >= RATE_WINDOW_US)
    {
      netlens_groups_tick (self->groups, self->groups_now_us);
      self->groups_tick_us = self->groups_now_us;
    }
  if (self->groups_now_us > self->machine_graph_last_us)
    {
      guint64 rx_total = 0, tx_total = 0;
      double rx = 0, tx = 0;

      self->machine_graph_last_us = self->groups_now_us;
      netlens_groups_get_totals (self->groups, &rx_total, &tx_total, NULL, NULL);
      rate_window_push (&self->machine_rates, self->groups_now_us, rx_total, tx_total, &rx, &tx);
      netlens_traffic_graph_push (self->traffic_graph, self->machine_graph_last_us, rx, tx);
    }
}

/* The views are kept only while on screen: a hidden view only marks itself stale. */
static void
refresh_groups (NetlensWindow *self)
{
  netlens_groups_view_update (self->processes_view, self->groups);
  netlens_groups_view_update (self->hosts_view, self->groups);
}

void
_netlens_window_tick (NetlensWindow *self)
{
  drain (self);
  if (!self->paused)
    {
      netlens_connection_model_commit (self->model);
      refresh_groups (self);
      refresh_view (self);
    }
  else
    update_status (self);
}

static gboolean
on_tick_cb (gpointer data)
{
  _netlens_window_tick (data);
  return G_SOURCE_CONTINUE;
}

static void
restart_tick (NetlensWindow *self)
{
  g_clear_handle_id (&self->tick_id, g_source_remove);
  self->tick_id = g_timeout_add (MAX (effective_refresh_ms (self), 10), on_tick_cb, self);
}

/* ---- the filter ---- */

static gboolean
match_query (const NetlensConnection *conn,
             gpointer                 data)
{
  return netlens_query_match (data, conn);
}

void
_netlens_window_apply_query (NetlensWindow *self,
                             const char    *text)
{
  NetlensQuery *query;
  NetlensQueryRelation relation;
  NetlensFilterChange change;

  /* An invalid query never empties the table ("proto:" on the way to "proto:udp": no
   * flicker, no work; a bad term elsewhere is left out and the rest of the query filters) */
  query = netlens_query_bar_parse (self->query_error_label, GTK_WIDGET (self->search_entry),
                                   text, NULL);
  if (query == NULL)
    return;

  relation = netlens_query_relation (self->query, query);
  g_clear_pointer (&self->query, netlens_query_unref);
  self->query = query;
  if (relation == NETLENS_QUERY_RELATION_SAME)
    return;

  switch (relation)
    {
    case NETLENS_QUERY_RELATION_STRICTER:
      change = NETLENS_FILTER_CHANGE_STRICTER;
      break;
    case NETLENS_QUERY_RELATION_LOOSER:
      change = NETLENS_FILTER_CHANGE_LOOSER;
      break;
    case NETLENS_QUERY_RELATION_SAME:
    case NETLENS_QUERY_RELATION_DIFFERENT:
    default:
      change = NETLENS_FILTER_CHANGE_DIFFERENT;
      break;
    }
  if (netlens_query_is_match_all (query))
    netlens_connection_model_set_filter (self->model, NULL, NULL, NULL, change);
  else
    netlens_connection_model_set_filter (self->model, match_query, netlens_query_ref (query),
                                         (GDestroyNotify) netlens_query_unref, change);
  netlens_connection_model_commit (self->model);
  refresh_view (self);
}

static void
on_search_changed_cb (GtkSearchEntry *entry,
                      NetlensWindow  *self)
{
  _netlens_window_apply_query (self, gtk_editable_get_text (GTK_EDITABLE (entry)));
}

static void
on_search_activate_cb (GtkSearchEntry *entry,
                       NetlensWindow  *self)
{
  if (netlens_row_selection_get_selected (self->selection) == GTK_INVALID_LIST_POSITION)
    move_selection (self, 1);
  set_detail_visible (self, TRUE);
}

static void
on_search_mode_changed_cb (GtkSearchBar  *bar,
                           GParamSpec    *pspec,
                           NetlensWindow *self)
{
  if (gtk_search_bar_get_search_mode (bar))
    {
      /* however the bar opened (button, shortcut), typing goes to the filter */
      GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self));
      if (focus == NULL || !gtk_widget_is_ancestor (focus, GTK_WIDGET (self->search_entry)))
        gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
    }
  else
    {
      /* closing the bar clears the filter */
      if (*gtk_editable_get_text (GTK_EDITABLE (self->search_entry)) != '\0')
        {
          gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
          _netlens_window_apply_query (self, "");
        }
      netlens_query_bar_hide_error (self->query_error_label,
                                    GTK_WIDGET (self->search_entry));
      gtk_widget_grab_focus (GTK_WIDGET (self->column_view));
    }
}

static gboolean
on_entry_key_pressed_cb (GtkEventControllerKey *controller,
                         guint                  keyval,
                         guint                  keycode,
                         GdkModifierType        state,
                         NetlensWindow         *self)
{
  if ((state & (GDK_CONTROL_MASK | GDK_ALT_MASK | GDK_SHIFT_MASK)) != 0)
    return FALSE;
  /* the table keeps moving while the focus is in the filter */
  switch (keyval)
    {
    case GDK_KEY_Up:
    case GDK_KEY_KP_Up:
      move_selection (self, -1);
      return TRUE;
    case GDK_KEY_Down:
    case GDK_KEY_KP_Down:
      move_selection (self, 1);
      return TRUE;
    case GDK_KEY_Page_Up:
    case GDK_KEY_KP_Page_Up:
      move_selection (self, -page_rows (self));
      return TRUE;
    case GDK_KEY_Page_Down:
    case GDK_KEY_KP_Page_Down:
      move_selection (self, page_rows (self));
      return TRUE;
    default:
      return FALSE;
    }
}

/* The table's cursor keys move the selection, not GTK's focus: the rows move under
 * a fixed position on every re-sort, the selected connection is where the user is. */
static gboolean
on_table_key_pressed_cb (GtkEventControllerKey *controller,
                         guint                  keyval,
                         guint                  keycode,
                         GdkModifierType        state,
                         NetlensWindow         *self)
{
  if ((state & (GDK_CONTROL_MASK | GDK_ALT_MASK | GDK_SHIFT_MASK)) != 0)
    return FALSE;
  if ((keyval == GDK_KEY_Return || keyval == GDK_KEY_KP_Enter) &&
      netlens_row_selection_get_selected (self->selection) != GTK_INVALID_LIST_POSITION)
    {
      set_detail_visible (self, TRUE);
      return TRUE;
    }
  return on_entry_key_pressed_cb (controller, keyval, keycode, state, self);
}

/* The History page when it is shown: it has a query entry of its own (the live filter bar
 * is hidden there), NULL on the live views. */
static NetlensHistoryView *
visible_history_view (NetlensWindow *self)
{
  GtkWidget *child = adw_view_stack_get_visible_child (self->view_stack);

  return NETLENS_IS_HISTORY_VIEW (child) ? NETLENS_HISTORY_VIEW (child) : NULL;
}

/* The query entry of the page shown: the live filter bar, or the History page's own. */
static GtkEditable *
open_filter (NetlensWindow *self)
{
  NetlensHistoryView *history = visible_history_view (self);
  GtkWidget *entry;

  if (history != NULL)
    entry = netlens_history_view_get_search_entry (history);
  else
    {
      gtk_search_bar_set_search_mode (self->search_bar, TRUE);
      entry = GTK_WIDGET (self->search_entry);
    }
  gtk_widget_grab_focus (entry);
  return GTK_EDITABLE (entry);
}

static gboolean
popover_open (NetlensWindow *self)
{
  return (self->context_menu != NULL && gtk_widget_get_visible (self->context_menu)) ||
         gtk_widget_get_visible (GTK_WIDGET (gtk_menu_button_get_popover (self->primary_menu_button)));
}

static gboolean
on_window_key_pressed_cb (GtkEventControllerKey *controller,
                          guint                  keyval,
                          guint                  keycode,
                          GdkModifierType        state,
                          NetlensWindow         *self)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self));
  gboolean in_text = focus != NULL && (GTK_IS_EDITABLE (focus) || GTK_IS_TEXT (focus));

  if (popover_open (self))
    return FALSE;
  if ((state & (GDK_CONTROL_MASK | GDK_ALT_MASK)) != 0)
    return FALSE;

  if (keyval == GDK_KEY_slash && !in_text)
    {
      open_filter (self);
      return TRUE;
    }
  if (keyval == GDK_KEY_Escape)
    {
      /* the first Esc closes the detail pane, the next one clears the filter */
      if (self->detail_visible)
        {
          set_detail_visible (self, FALSE);
          return TRUE;
        }
      /* (not from the History page: the live filter bar is hidden there) */
      if (visible_history_view (self) == NULL &&
          (gtk_search_bar_get_search_mode (self->search_bar) ||
           *gtk_editable_get_text (GTK_EDITABLE (self->search_entry)) != '\0'))
        {
          gtk_search_bar_set_search_mode (self->search_bar, FALSE);
          return TRUE;
        }
    }
  return FALSE;
}

static void
append_filter_term (NetlensWindow *self,
                    const char    *term)
{
  GtkEditable *entry = open_filter (self);
  const char *text = gtk_editable_get_text (entry);
  g_autofree char *joined = NULL;

  if (*text != '\0')
    joined = g_strconcat (text, " ", term, NULL);
  else
    joined = g_strdup (term);
  gtk_editable_set_text (entry, joined);
  gtk_editable_set_position (entry, -1);
  if (entry != GTK_EDITABLE (self->search_entry))
    return;   /* the History page reads its entry's changes itself */
  _netlens_window_apply_query (self, joined);
}

static char *
quote_value (const char *value)
{
  GString *out = g_string_new ("\"");

  for (const char *p = value; *p; p++)
    if (*p != '"')
      g_string_append_c (out, *p);
  g_string_append_c (out, '"');
  return g_string_free (out, FALSE);
}

/* ---- sorting ---- */

static int probe_hit = -1;

static int
probe_sort_cb (gconstpointer a,
               gconstpointer b,
               gpointer      user_data)
{
  if (probe_hit < 0)
    probe_hit = GPOINTER_TO_INT (user_data);
  return GTK_ORDERING_LARGER;
}

static void
on_sorter_changed_cb (GtkSorter       *sorter,
                      GtkSorterChange  change,
                      NetlensWindow   *self)
{
  int result;
  NetlensColumn column;
  gboolean descending;

  /* GTK 4.8 cannot tell which column the user sorted by (the getters are 4.10).
   * Each column's sorter is a probe that records that it was asked: the column
   * view's sorter asks its primary column first, and inverts the answer when
   * the order is descending. */
  probe_hit = -1;
  result = gtk_sorter_compare (sorter, self->probe_a, self->probe_b);
  column = probe_hit >= 0 ? (NetlensColumn) probe_hit : NETLENS_COLUMN_NONE;
  descending = column != NETLENS_COLUMN_NONE && result == GTK_ORDERING_SMALLER;
  probe_hit = -1;

  netlens_connection_model_set_sort (self->model, column, descending);
  netlens_connection_model_commit (self->model);
  refresh_view (self);

  g_settings_set_string (self->settings, "sort-column",
                         column != NETLENS_COLUMN_NONE ? netlens_column_get_id (column) : "");
  g_settings_set_boolean (self->settings, "sort-descending", descending);
}

/* ---- columns ---- */

static NetlensColumn
column_of (GtkColumnViewColumn *column)
{
  return GPOINTER_TO_INT (g_object_get_data (G_OBJECT (column), "netlens-column"));
}

static void
on_column_visible_changed_cb (GSimpleAction *action,
                              GVariant      *state,
                              NetlensWindow *self)
{
  NetlensColumn column = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (action), "netlens-column"));

  g_simple_action_set_state (action, state);
  if (column == NETLENS_COLUMN_COUNTRY)
    {
      /* shown only with a GeoIP database; the wish is kept (and saved) without one */
      self->country_wanted = g_variant_get_boolean (state);
      gtk_column_view_column_set_visible (self->columns[column],
                                          self->country_wanted && self->geo != NULL);
      return;
    }
  gtk_column_view_column_set_visible (self->columns[column], g_variant_get_boolean (state));
}

static void
setup_columns (NetlensWindow *self)
{
  g_autoptr(GMenu) header_menu = g_menu_new ();
  g_autoptr(GMenu) columns_section = g_menu_new ();
  g_auto(GStrv) order = g_settings_get_strv (self->settings, "column-order");
  g_auto(GStrv) visible = g_settings_get_strv (self->settings, "column-visible");
  g_autoptr(GVariant) widths = g_settings_get_value (self->settings, "column-widths");
  g_autofree char *sort_id = g_settings_get_string (self->settings, "sort-column");
  gboolean placed[NETLENS_N_COLUMNS] = { FALSE };
  GtkSorter *view_sorter;

  for (int i = 0; i < NETLENS_N_COLUMNS; i++)
    {
      g_autofree char *action_name = g_strdup_printf ("column-%s", netlens_column_get_id (i));
      g_autofree char *detailed = g_strdup_printf ("win.%s", action_name);
      g_menu_append (columns_section, netlens_column_get_title (i), detailed);
    }
  g_menu_append_section (header_menu, _("Columns"), G_MENU_MODEL (columns_section));

  for (int i = 0; i < NETLENS_N_COLUMNS; i++)
    {
      GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
      g_autoptr(GtkSorter) sorter = GTK_SORTER (gtk_custom_sorter_new (probe_sort_cb,
                                                                        GINT_TO_POINTER (i), NULL));
      GtkColumnViewColumn *column;
      gboolean is_visible;
      int width = -1;
      g_autofree char *action_name = g_strdup_printf ("column-%s", netlens_column_get_id (i));
      GSimpleAction *action;

      g_object_set_data (G_OBJECT (factory), "netlens-column", GINT_TO_POINTER (i));
      g_signal_connect (factory, "setup", G_CALLBACK (on_cell_setup_cb), self);
      g_signal_connect (factory, "bind", G_CALLBACK (on_cell_bind_cb), self);
      g_signal_connect (factory, "unbind", G_CALLBACK (on_cell_unbind_cb), self);

      column = gtk_column_view_column_new (netlens_column_get_title (i), factory);
      g_object_set_data (G_OBJECT (column), "netlens-column", GINT_TO_POINTER (i));
      gtk_column_view_column_set_sorter (column, sorter);
      gtk_column_view_column_set_resizable (column, TRUE);
      gtk_column_view_column_set_header_menu (column, G_MENU_MODEL (header_menu));
      if (g_variant_lookup (widths, netlens_column_get_id (i), "i", &width) && width > 16)
        gtk_column_view_column_set_fixed_width (column, width);
      else
        gtk_column_view_column_set_fixed_width (column, netlens_column_default_width (i));
      if (i == NETLENS_COLUMN_REMOTE)
        gtk_column_view_column_set_expand (column, TRUE);

      is_visible = visible[0] != NULL ? g_strv_contains ((const char * const *) visible,
                                                         netlens_column_get_id (i))
                                      : netlens_column_default_visible (i);
      if (i == NETLENS_COLUMN_COUNTRY)
        {
          self->country_wanted = is_visible;
          gtk_column_view_column_set_visible (column, FALSE);   /* until a database opens */
        }
      else
        gtk_column_view_column_set_visible (column, is_visible);
      self->columns[i] = column;

      action = g_simple_action_new_stateful (action_name, NULL, g_variant_new_boolean (is_visible));
      g_object_set_data (G_OBJECT (action), "netlens-column", GINT_TO_POINTER (i));
      g_signal_connect (action, "change-state", G_CALLBACK (on_column_visible_changed_cb), self);
      g_action_map_add_action (G_ACTION_MAP (self), G_ACTION (action));
      g_object_unref (action);
    }

  /* the saved order first, then any column it does not name */
  for (guint i = 0; order[i] != NULL; i++)
    {
      NetlensColumn column = netlens_column_from_id (order[i]);
      if (column != NETLENS_COLUMN_NONE && !placed[column])
        {
          gtk_column_view_append_column (self->column_view, self->columns[column]);
          placed[column] = TRUE;
        }
    }
  for (int i = 0; i < NETLENS_N_COLUMNS; i++)
    if (!placed[i])
      gtk_column_view_append_column (self->column_view, self->columns[i]);
  for (int i = 0; i < NETLENS_N_COLUMNS; i++)
    g_object_unref (self->columns[i]);   /* the view holds them */

  view_sorter = gtk_column_view_get_sorter (self->column_view);
  {
    NetlensColumn sort_column = netlens_column_from_id (sort_id);
    if (sort_column != NETLENS_COLUMN_NONE)
      {
        gboolean descending = g_settings_get_boolean (self->settings, "sort-descending");
        gtk_column_view_sort_by_column (self->column_view, self->columns[sort_column],
                                        descending ? GTK_SORT_DESCENDING : GTK_SORT_ASCENDING);
        netlens_connection_model_set_sort (self->model, sort_column, descending);
      }
  }
  g_signal_connect (view_sorter, "changed", G_CALLBACK (on_sorter_changed_cb), self);
}

static void
save_columns (NetlensWindow *self)
{
  GListModel *columns = gtk_column_view_get_columns (self->column_view);
  g_autoptr(GStrvBuilder) order = g_strv_builder_new ();
  g_autoptr(GStrvBuilder) visible = g_strv_builder_new ();
  GVariantBuilder widths;
  g_auto(GStrv) order_v = NULL;
  g_auto(GStrv) visible_v = NULL;

  g_variant_builder_init (&widths, G_VARIANT_TYPE ("a{si}"));
  for (guint i = 0; i < g_list_model_get_n_items (columns); i++)
    {
      g_autoptr(GtkColumnViewColumn) column = g_list_model_get_item (columns, i);
      const char *id = netlens_column_get_id (column_of (column));
      int width = gtk_column_view_column_get_fixed_width (column);

      g_strv_builder_add (order, id);
      if (column_of (column) == NETLENS_COLUMN_COUNTRY ? self->country_wanted
                                                       : gtk_column_view_column_get_visible (column))
        g_strv_builder_add (visible, id);
      if (width > 0)
        g_variant_builder_add (&widths, "{si}", id, width);
    }
  order_v = g_strv_builder_end (order);
  visible_v = g_strv_builder_end (visible);
  g_settings_set_strv (self->settings, "column-order", (const char * const *) order_v);
  g_settings_set_strv (self->settings, "column-visible", (const char * const *) visible_v);
  g_settings_set_value (self->settings, "column-widths", g_variant_builder_end (&widths));
}

/* ---- context menu ---- */

static void
popup_context_menu (NetlensWindow *self,
                    double         x,
                    double         y)
{
  if (self->context_menu == NULL)
    {
      self->context_menu = gtk_popover_menu_new_from_model (self->row_menu);
      gtk_widget_set_parent (self->context_menu, GTK_WIDGET (self->column_view));
      gtk_popover_set_has_arrow (GTK_POPOVER (self->context_menu), FALSE);
      gtk_widget_set_halign (self->context_menu, GTK_ALIGN_START);
    }
  gtk_popover_set_pointing_to (GTK_POPOVER (self->context_menu),
                               &(GdkRectangle) { (int) x, (int) y, 1, 1 });
  gtk_popover_popup (GTK_POPOVER (self->context_menu));
}

static void
on_right_click_pressed_cb (GtkGestureClick *gesture,
                           int              n_press,
                           double           x,
                           double           y,
                           NetlensWindow   *self)
{
  GtkWidget *picked = gtk_widget_pick (GTK_WIDGET (self->column_view), x, y, GTK_PICK_DEFAULT);

  /* find the cell under the pointer: it knows its list item, hence its row */
  for (GtkWidget *w = picked; w != NULL && w != GTK_WIDGET (self->column_view);
       w = gtk_widget_get_parent (w))
    {
      GtkListItem *item = g_object_get_data (G_OBJECT (w), "netlens-list-item");
      if (item != NULL)
        {
          guint position = gtk_list_item_get_position (item);
          if (position != GTK_INVALID_LIST_POSITION)
            {
              netlens_row_selection_set_selected (self->selection, position);
              gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
              popup_context_menu (self, x, y);
            }
          return;
        }
    }
}

static void
context_menu_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  NetlensWindow *self = NETLENS_WINDOW (widget);
  guint position = netlens_row_selection_get_selected (self->selection);
  double x = 24, y = 24;

  if (position == GTK_INVALID_LIST_POSITION)
    return;
  /* keyboard: point at the selected row as well as we can without its widget */
  {
    GHashTableIter iter;
    gpointer key;

    g_hash_table_iter_init (&iter, self->bound_cells);
    while (g_hash_table_iter_next (&iter, &key, NULL))
      {
        GtkListItem *item = g_object_get_data (key, "netlens-list-item");
        graphene_point_t p;

        if (gtk_list_item_get_position (item) == position &&
            gtk_widget_compute_point (key, GTK_WIDGET (self->column_view),
                                      &GRAPHENE_POINT_INIT (0, 0), &p))
          {
            x = MAX (x, p.x + 12);
            y = p.y + 12;
            break;
          }
      }
  }
  popup_context_menu (self, x, y);
}

/* ---- clipboard and row actions ---- */

static void
copy_address_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  NetlensWindow *self = NETLENS_WINDOW (widget);
  NetlensConnectionRow *row = selected_row (self);
  g_autofree char *text = NULL;

  if (row == NULL)
    return;
  text = netlens_format_remote_address (netlens_connection_row_get_connection (row));
  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), text);
}

static void
copy_row_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  NetlensWindow *self = NETLENS_WINDOW (widget);
  NetlensConnectionRow *row = selected_row (self);
  NetlensFormatContext ctx;
  g_autofree char *text = NULL;

  if (row == NULL)
    return;
  ctx.now_us = netlens_connection_model_get_now (self->model);
  ctx.rx_rate = netlens_connection_row_get_rx_rate (row);
  ctx.tx_rate = netlens_connection_row_get_tx_rate (row);
  ctx.bits = self->bits;
  text = netlens_format_row_tsv (netlens_connection_row_get_connection (row), &ctx);
  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), text);
}

static void
filter_by_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  NetlensWindow *self = NETLENS_WINDOW (widget);
  NetlensConnectionRow *row = selected_row (self);
  const NetlensConnection *conn;
  g_autofree char *term = NULL;

  if (row == NULL)
    return;
  conn = netlens_connection_row_get_connection (row);
  if (g_str_equal (action_name, "win.filter-process"))
    {
      g_autofree char *quoted = NULL;

      if (conn->process == NULL)
        return;
      if (conn->process->name != NULL)
        {
          quoted = quote_value (conn->process->name);
          term = g_strdup_printf ("process:%s", quoted);
        }
      else
        term = g_strdup_printf ("pid:%u", conn->process->pid);
    }
  else if (g_str_equal (action_name, "win.filter-host"))
    {
      char buf[64];
      g_autofree char *quoted = quote_value (netlens_addr_to_string (conn->key.family, &conn->key.raddr,
                                                                     buf, sizeof buf));
      term = g_strdup_printf ("dst:%s", quoted);
    }
  else
    {
      if (!netlens_proto_has_ports (conn->key.proto))
        return;
      term = g_strdup_printf ("dport:\"%u\"", conn->key.rport);
    }
  append_filter_term (self, term);
}

static void
show_details_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  set_detail_visible (NETLENS_WINDOW (widget), TRUE);
}

static void
find_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  open_filter (NETLENS_WINDOW (widget));
}

/* ---- the Processes and Hosts views ---- */

static void
on_group_activated_cb (NetlensGroupsView *view,
                       const char        *query,
                       const char        *key,
                       NetlensWindow     *self)
{
  const NetlensGroup *g = netlens_groups_lookup (self->groups, netlens_groups_view_get_kind (view), key);
  g_autofree char *text = NULL;
  NetlensHistoryRangeKind range;
  const char *since, *until;

  if (netlens_groups_view_get_range (view, &range, &since, &until))
    {
      /* a range of the history: its connections on the History page, same range */
      NetlensHistoryView *history = NETLENS_HISTORY_VIEW (adw_view_stack_get_child_by_name (self->view_stack,
                                                                                           "history"));

      if (query == NULL)
        return;
      if (range == NETLENS_HISTORY_RANGE_CUSTOM)
        netlens_history_view_set_custom (history, since, until);
      else
        netlens_history_view_set_range (history, range);
      netlens_history_view_set_query (history, query);
      adw_view_stack_set_visible_child_name (self->view_stack, "history");
      return;
    }

  /* the program's connections: by name (or app id, or executable), else by its pid */
  if (query != NULL)
    text = g_strdup (query);
  else if (g != NULL && g->pid != 0)
    text = g_strdup_printf ("pid:%u", g->pid);
  if (text == NULL)
    return;
  adw_view_stack_set_visible_child_name (self->view_stack, "connections");
  open_filter (self);
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), text);
  gtk_editable_set_position (GTK_EDITABLE (self->search_entry), -1);
  _netlens_window_apply_query (self, text);
}

static void
on_group_selection_changed_cb (NetlensGroupsView *view,
                               NetlensWindow     *self)
{
  /* a group has no other details to open: choosing one shows its pane */
  if (netlens_groups_view_get_selected (view) != NULL && !self->detail_visible &&
      gtk_widget_get_mapped (GTK_WIDGET (view)))
    set_detail_visible (self, TRUE);
  else
    refresh_detail (self);
}

static void
on_visible_view_changed_cb (AdwViewStack  *stack,
                            GParamSpec    *pspec,
                            NetlensWindow *self)
{
  GtkWidget *child = adw_view_stack_get_visible_child (stack);
  gboolean history = NETLENS_IS_HISTORY_VIEW (child);

  /* The live filter bar filters the live views; the History page has its own entry (two
   * query entries one above the other were one too many).  The live filter stays as it
   * was for when a live view comes back. */
  gtk_widget_set_visible (GTK_WIDGET (self->search_bar), !history);
  gtk_widget_set_sensitive (GTK_WIDGET (self->filter_button), !history);

  /* the keyboard follows the view (Ctrl+2, then the arrows move in the programs) */
  if (child == GTK_WIDGET (self->table_scroller))
    gtk_widget_grab_focus (GTK_WIDGET (self->column_view));
  else if (child != NULL)
    gtk_widget_grab_focus (child);
  refresh_detail (self);
}

static void
switch_view_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  NetlensWindow *self = NETLENS_WINDOW (widget);

  adw_view_stack_set_visible_child_name (self->view_stack, g_variant_get_string (parameter, NULL));
}

static NetlensGroupsView *
add_groups_view (NetlensWindow    *self,
                 NetlensGroupKind  kind,
                 const char       *name,
                 const char       *title,
                 const char       *icon_name)
{
  GtkWidget *view = netlens_groups_view_new (kind);
  AdwViewStackPage *page;

  netlens_groups_view_set_bits (NETLENS_GROUPS_VIEW (view), self->bits);
  page = adw_view_stack_add_titled (self->view_stack, view, name, title);
  adw_view_stack_page_set_icon_name (page, icon_name);
  g_signal_connect (view, "group-activated", G_CALLBACK (on_group_activated_cb), self);
  g_signal_connect (view, "selection-changed", G_CALLBACK (on_group_selection_changed_cb), self);
  return NETLENS_GROUPS_VIEW (view);
}

/* ---- errors ---- */

static void
show_error (NetlensWindow *self,
            const char    *title,
            const char    *detail,
            RetryKind      retry)
{
  self->geo_error_shown = FALSE;
  gtk_label_set_text (self->error_title, title);
  gtk_label_set_text (self->error_detail, detail ? detail : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_detail), detail != NULL && *detail != '\0');
  self->retry = retry;
  gtk_widget_set_visible (GTK_WIDGET (self->retry_button), retry != RETRY_NONE);
  gtk_revealer_set_reveal_child (self->error_revealer, TRUE);
}

static void
dismiss_error_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  gtk_revealer_set_reveal_child (NETLENS_WINDOW (widget)->error_revealer, FALSE);
  NETLENS_WINDOW (widget)->geo_error_shown = FALSE;
}

/* ---- sources ---- */

static void
row_sink (NetlensConnection *conn,
          gpointer           user_data)
{
  g_async_queue_push (user_data, conn);
}

static NetlensPipeline *
new_pipeline (NetlensWindow *self,
              gboolean       live)
{
  NetlensPipelineConfig config;
  NetlensPipeline *pipeline;

  netlens_pipeline_config_init (&config);
  config.dpi = self->overrides.dpi >= 0 ? self->overrides.dpi : self->dpi;
  config.live = live;
  config.hide_localhost = FALSE;   /* the model hides them, so the preference applies live */
  config.timeouts = self->timeouts;

  pipeline = netlens_pipeline_new (&config);
  netlens_pipeline_set_track_changes (pipeline, TRUE);
  /* one queue per pipeline, so that rows of a pipeline let go of never reach the table */
  g_clear_pointer (&self->ended, g_async_queue_unref);
  self->ended = g_async_queue_new ();
  netlens_pipeline_set_row_sink (pipeline, row_sink, self->ended);
  return pipeline;
}

/* A live pipeline let go of while its reader thread runs, with the queue its row sink
 * pushes into: the workers end every row into it when the pipeline is freed. */
typedef struct
{
  NetlensPipeline *pipeline;
  GAsyncQueue     *ended;
} ReleasedLive;

static void
on_released_live_finished_cb (NetlensLiveSource *live,
                              GError            *error,
                              gpointer           data)
{
  ReleasedLive *released = data;
  NetlensConnection *conn;

  netlens_pipeline_free (released->pipeline);
  while ((conn = g_async_queue_try_pop (released->ended)) != NULL)
    netlens_connection_free (conn);
  g_async_queue_unref (released->ended);
  g_free (released);
  g_object_unref (live);
}

/* Lets go of the pipeline: at once, or, while a file is read into it or a live
 * capture runs, when the reader thread is done with it. */
static void
release_pipeline (NetlensWindow *self)
{
  NetlensConnection *conn;

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->job != NULL)
    {
      self->job->owns_pipeline = TRUE;
      self->job = NULL;
      self->pipeline = NULL;
    }
  if (self->live != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->live, self);
      if (netlens_live_source_get_state (self->live) == NETLENS_LIVE_STATE_STARTING ||
          netlens_live_source_get_state (self->live) == NETLENS_LIVE_STATE_RUNNING ||
          netlens_live_source_get_state (self->live) == NETLENS_LIVE_STATE_STOPPING)
        {
          /* its reader thread feeds the pipeline until "finished": free it then, with
           * the queue its sink pushes into (not the window's any more) */
          ReleasedLive *released = g_new0 (ReleasedLive, 1);

          released->pipeline = self->pipeline;
          released->ended = g_async_queue_ref (self->ended);
          g_signal_connect (g_object_ref (self->live), "finished",
                            G_CALLBACK (on_released_live_finished_cb), released);
          netlens_live_source_stop (self->live);
          self->pipeline = NULL;
        }
      g_clear_object (&self->live);
    }
  g_clear_pointer (&self->pipeline, netlens_pipeline_free);
  if (self->ended != NULL)
    {
      while ((conn = g_async_queue_try_pop (self->ended)) != NULL)
        netlens_connection_free (conn);
      g_clear_pointer (&self->ended, g_async_queue_unref);
    }
}

static void
stop_source (NetlensWindow *self)
{
  release_pipeline (self);
  g_clear_pointer (&self->saver, netlens_capture_saver_unref);
  g_clear_pointer (&self->source_path, g_free);
  g_clear_pointer (&self->source_interface, g_free);
  netlens_connection_model_clear (self->model);
  netlens_connection_model_commit (self->model);
  /* the views let go of the old groups first (a new one may get the same address) */
  netlens_groups_view_update (self->processes_view, NULL);
  netlens_groups_view_update (self->hosts_view, NULL);
  g_clear_pointer (&self->groups, netlens_groups_free);
  self->groups = netlens_groups_new ();
  refresh_groups (self);
  netlens_traffic_graph_clear (self->traffic_graph);
  self->machine_graph_last_us = 0;
  self->groups_now_us = 0;
  self->groups_tick_us = 0;
  memset (&self->machine_rates, 0, sizeof self->machine_rates);
  set_detail_visible (self, FALSE);
  self->loaded = FALSE;
  self->file_mode = FALSE;
  self->progress = 0;
  self->last_stats_us = 0;
  self->packets_per_s = 0;
}


static void
read_job_free (gpointer data)
{
  ReadJob *job = data;
  NetlensConnection *conn;

  /* runs after the reader thread returned: only now may a released pipeline go */
  if (job->owns_pipeline)
    netlens_pipeline_free (job->pipeline);
  while ((conn = g_async_queue_try_pop (job->ended)) != NULL)
    netlens_connection_free (conn);
  g_async_queue_unref (job->ended);
  netlens_file_info_clear (&job->info);
  g_free (job->path);
  g_free (job);
}

static void
read_progress (guint64  offset,
               guint64  size,
               gpointer data)
{
  ReadJob *job = data;

  if (size > 0)
    job->progress = (double) offset / (double) size;
}

static void
read_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  ReadJob *job = task_data;
  GError *error = NULL;
  gboolean ok;

  ok = netlens_file_source_read (job->pipeline, job->path, &job->info, read_progress, job,
                                 cancellable, &error);
  /* every row ends (END_OF_CAPTURE) through the sink: the table then holds the
   * same set as the export */
  if (!g_cancellable_is_cancelled (cancellable))
    netlens_pipeline_finish (job->pipeline);
  if (!ok)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
on_read_done_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  NetlensWindow *self = user_data;
  ReadJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  if (job->owns_pipeline)
    {
      /* a source the window already let go of */
      g_object_unref (self);
      return;
    }
  self->job = NULL;
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
          !g_error_matches (error, NETLENS_FILE_ERROR, NETLENS_FILE_ERROR_CANCELLED))
        {
          g_autofree char *title = g_strdup_printf (_("Could not read “%s”"), job->path);
          show_error (self, title, error->message, RETRY_OPEN_FILE);
          g_free (self->retry_path);
          self->retry_path = g_strdup (job->path);
          self->loaded = TRUE;
          /* nothing was read: back to the empty state under the banner */
          release_pipeline (self);
          adw_view_switcher_title_set_subtitle (self->switcher_title, NULL);
          update_status (self);
        }
      g_object_unref (self);
      return;
    }
  if (job->pipeline == self->pipeline)
    {
      self->loaded = TRUE;
      self->progress = 1.0;
      self->started_us = job->info.first_ts_us;
      self->ended_us = job->info.last_ts_us;
      if (job->info.damage != NULL)
        {
          g_autofree char *detail =
            g_strdup_printf (_("%s. The connections up to byte %" PRIu64 " are shown."),
                             job->info.damage->message, job->info.damage_offset);
          show_error (self, _("The capture file is damaged"), detail, RETRY_NONE);
        }
      _netlens_window_tick (self);
    }
  g_object_unref (self);
}

void
netlens_window_open_file (NetlensWindow *self,
                          GFile         *file)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *basename = NULL;
  ReadJob *job;

  g_return_if_fail (NETLENS_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));

  stop_source (self);
  gtk_revealer_set_reveal_child (self->error_revealer, FALSE);

  self->file_mode = TRUE;
  self->source_path = g_file_get_path (file);
  if (self->source_path == NULL)
    {
      show_error (self, _("Only local files can be opened"), NULL, RETRY_NONE);
      return;
    }
  self->pipeline = new_pipeline (self, FALSE);
  {
    g_autofree char *what = g_strdup_printf ("file %s", self->source_path);

    netlens_history_service_begin_session (netlens_history_service_get_default (), what);
  }
  self->saver = netlens_capture_saver_new_file (self->source_path);
  self->cancellable = g_cancellable_new ();
  basename = g_file_get_basename (file);
  adw_view_switcher_title_set_subtitle (self->switcher_title, basename);

  job = g_new0 (ReadJob, 1);
  job->pipeline = self->pipeline;
  job->ended = g_async_queue_ref (self->ended);
  job->path = g_strdup (self->source_path);
  self->job = job;
  /* the first request starts the workers: on this thread, before the reader runs */
  netlens_pipeline_request_changes (self->pipeline);
  task = g_task_new (NULL, self->cancellable, on_read_done_cb, g_object_ref (self));
  g_task_set_task_data (task, job, read_job_free);
  g_task_run_in_thread (task, read_thread);

  update_status (self);
}

static void
update_capture_button (NetlensWindow *self)
{
  gboolean live = self->live != NULL &&
                  (netlens_live_source_get_state (self->live) == NETLENS_LIVE_STATE_STARTING ||
                   netlens_live_source_get_state (self->live) == NETLENS_LIVE_STATE_RUNNING);

  gtk_button_set_icon_name (self->capture_button,
                            live ? "media-playback-stop-symbolic" : "media-record-symbolic");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->capture_button),
                               live ? _("Stop Capture") : _("Start Capture"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->capture_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  live ? _("Stop Capture") : _("Start Capture"), -1);
}

static const char *
chosen_interface (NetlensWindow *self)
{
  guint pos = gtk_drop_down_get_selected (self->interface_dropdown);

  if (pos == GTK_INVALID_LIST_POSITION || self->interfaces == NULL)
    return NULL;
  return gtk_string_list_get_string (self->interfaces, pos);
}

static void update_capture_button (NetlensWindow *self);

static void
on_live_started_cb (NetlensLiveSource *live,
                    NetlensWindow     *self)
{
  const char *note = netlens_live_source_get_attribution_note (live);

  gtk_revealer_set_reveal_child (self->error_revealer, FALSE);
  if (note != NULL)
    show_error (self, _("Processes are attributed in a reduced mode"), note, RETRY_NONE);
  update_capture_button (self);
}

static void
on_live_finished_cb (NetlensLiveSource *live,
                     GError            *error,
                     NetlensWindow     *self)
{
  if (error != NULL)
    {
      const char *title = _("Capture stopped");

      if (g_error_matches (error, NETLENS_LIVE_ERROR, NETLENS_LIVE_ERROR_NOT_AUTHORIZED) ||
          g_error_matches (error, NETLENS_LIVE_ERROR, NETLENS_LIVE_ERROR_DISMISSED) ||
          g_error_matches (error, NETLENS_LIVE_ERROR, NETLENS_LIVE_ERROR_NO_AGENT))
        title = _("Capturing was not authorised");
      else if (g_error_matches (error, NETLENS_LIVE_ERROR, NETLENS_LIVE_ERROR_HELPER_DIED))
        title = _("The capture helper stopped unexpectedly");
      show_error (self, title, error->message, RETRY_CAPTURE);
    }
  update_capture_button (self);
  update_status (self);
}

static void
start_capture (NetlensWindow *self)
{
  const char *name = chosen_interface (self);
  g_autoptr(GError) error = NULL;

  if (name == NULL)
    {
      show_error (self, _("No interface to capture on"),
                  _("No network interface was found. Open a capture file instead."), RETRY_CAPTURE);
      return;
    }
  g_settings_set_string (self->settings, "last-interface", name);

  stop_source (self);
  gtk_revealer_set_reveal_child (self->error_revealer, FALSE);
  self->file_mode = FALSE;
  self->source_interface = g_strdup (name);
  self->started_us = g_get_real_time ();
  self->pipeline = new_pipeline (self, TRUE);
  {
    g_autofree char *what = g_strdup_printf ("interface %s", name);

    netlens_history_service_begin_session (netlens_history_service_get_default (), what);
  }
  netlens_pipeline_request_changes (self->pipeline);
  self->live = netlens_live_source_new (self->pipeline);
  netlens_live_source_set_interface (self->live, name);
  {
    g_autoptr(GError) spool_error = NULL;

    /* the packets are spooled for Save Capture…; the live source keeps the spool alive
     * as long as its reader thread may write to it */
    self->saver = netlens_capture_saver_new_live (&spool_error);
    if (self->saver != NULL)
      {
        netlens_live_source_set_packet_func (self->live, netlens_capture_saver_packet, self->saver);
        g_object_set_data_full (G_OBJECT (self->live), "netlens-capture-saver",
                                netlens_capture_saver_ref (self->saver),
                                (GDestroyNotify) netlens_capture_saver_unref);
      }
    else
      g_message ("Save Capture is not available: %s", spool_error->message);
  }
  g_signal_connect (self->live, "started", G_CALLBACK (on_live_started_cb), self);
  g_signal_connect (self->live, "finished", G_CALLBACK (on_live_finished_cb), self);
  adw_view_switcher_title_set_subtitle (self->switcher_title, name);

  /* polkit asks for a password through the helper's pkexec: nothing is listed as
   * root, only the capture itself runs privileged */
  if (!netlens_live_source_start (self->live, &error))
    {
      show_error (self, _("Could not start capturing"), error->message, RETRY_CAPTURE);
      g_clear_object (&self->live);
    }
  update_capture_button (self);
  update_status (self);
}

static void
toggle_capture_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  NetlensWindow *self = NETLENS_WINDOW (widget);

  if (self->live != NULL &&
      (netlens_live_source_get_state (self->live) == NETLENS_LIVE_STATE_STARTING ||
       netlens_live_source_get_state (self->live) == NETLENS_LIVE_STATE_RUNNING))
    {
      /* the rows stay; the helper stops when its stdin closes */
      netlens_live_source_stop (self->live);
      update_capture_button (self);
      return;
    }
  start_capture (self);
}

static void
retry_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  NetlensWindow *self = NETLENS_WINDOW (widget);

  gtk_revealer_set_reveal_child (self->error_revealer, FALSE);
  if (self->retry == RETRY_OPEN_FILE && self->retry_path != NULL)
    {
      g_autoptr(GFile) file = g_file_new_for_path (self->retry_path);
      netlens_window_open_file (self, file);
    }
  else if (self->retry == RETRY_CAPTURE)
    start_capture (self);
}

void
netlens_window_capture_on (NetlensWindow *self,
                           const char    *name)
{
  g_return_if_fail (NETLENS_IS_WINDOW (self));

  for (guint i = 0; self->interfaces && i < g_list_model_get_n_items (G_LIST_MODEL (self->interfaces)); i++)
    if (g_strcmp0 (gtk_string_list_get_string (self->interfaces, i), name) == 0)
      {
        gtk_drop_down_set_selected (self->interface_dropdown, i);
        start_capture (self);
        return;
      }
  {
    g_autofree char *title = g_strdup_printf (_("There is no interface “%s”"), name);
    show_error (self, title, NULL, RETRY_NONE);
  }
}

static void
load_interfaces (NetlensWindow *self)
{
  g_autofree char *last = g_settings_get_string (self->settings, "last-interface");
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GError) error = NULL;
  guint selected = 0;

  self->interfaces = gtk_string_list_new (NULL);
  /* pcap_findalldevs in this unprivileged process: listing never asks for a password */
  list = netlens_interfaces_list (&error);
  if (list == NULL)
    g_debug ("interfaces: %s", error ? error->message : "none");
  for (guint i = 0; list != NULL && i < list->len; i++)
    {
      NetlensInterface *iface = g_ptr_array_index (list, i);

      if (g_strcmp0 (iface->name, last) == 0)
        selected = i;
      gtk_string_list_append (self->interfaces, iface->name);
    }
  gtk_drop_down_set_model (self->interface_dropdown, G_LIST_MODEL (self->interfaces));
  if (list != NULL && list->len > 0)
    gtk_drop_down_set_selected (self->interface_dropdown, selected);
}

/* ---- open and export ---- */

static void
on_open_response_cb (GtkNativeDialog *dialog,
                     int              response,
                     NetlensWindow   *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      if (file != NULL)
        netlens_window_open_file (self, file);
    }
  g_object_unref (dialog);
}

static void
open_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  NetlensWindow *self = NETLENS_WINDOW (widget);
  GtkFileChooserNative *dialog;
  g_autoptr(GtkFileFilter) captures = gtk_file_filter_new ();
  g_autoptr(GtkFileFilter) all = gtk_file_filter_new ();

  /* GtkFileDialog is GTK 4.10: the native chooser works on 4.8 and in Flatpak */
  dialog = gtk_file_chooser_native_new (_("Open Capture"), GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), _("_Cancel"));
  gtk_file_filter_set_name (captures, _("Captures (pcap, pcapng)"));
  gtk_file_filter_add_pattern (captures, "*.pcap");
  gtk_file_filter_add_pattern (captures, "*.pcapng");
  gtk_file_filter_add_pattern (captures, "*.cap");
  gtk_file_filter_add_mime_type (captures, "application/vnd.tcpdump.pcap");
  gtk_file_filter_add_mime_type (captures, "application/x-pcapng");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), captures);
  gtk_file_filter_set_name (all, _("All Files"));
  gtk_file_filter_add_pattern (all, "*");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), all);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  g_signal_connect (dialog, "response", G_CALLBACK (on_open_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
write_shown_row (gpointer item,
                 gpointer user_data)
{
  netlens_export_write_row (user_data,
                            netlens_connection_row_get_connection (NETLENS_CONNECTION_ROW (item)));
}

gboolean
_netlens_window_export_to (NetlensWindow *self,
           const char    *path,
           GError       **error)
{
  NetlensExportFormat format = NETLENS_EXPORT_JSON;
  NetlensExportSource source = { 0 };
  NetlensStats stats = { 0 };
  NetlensExport *export;
  FILE *stream;
  gboolean ok;
  int saved_errno;

  if (g_str_has_suffix (path, ".csv"))
    format = NETLENS_EXPORT_CSV;
  else if (g_str_has_suffix (path, ".jsonl"))
    format = NETLENS_EXPORT_JSONL;

  stream = g_fopen (path, "w");
  if (stream == NULL)
    {
      saved_errno = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno), "%s: %s", path,
                   g_strerror (saved_errno));
      return FALSE;
    }
  export = netlens_export_new (format, stream);
  netlens_connection_model_foreach_shown (self->model, write_shown_row, export);
  source.file = self->file_mode ? self->source_path : NULL;
  source.interface = self->file_mode ? NULL : self->source_interface;
  source.link_type = self->pipeline ? netlens_pipeline_get_link_type (self->pipeline) : 0;
  source.started_us = self->started_us;
  source.ended_us = self->ended_us;
  if (self->pipeline != NULL)
    netlens_pipeline_get_stats (self->pipeline, &stats);
  ok = netlens_export_finish (export, &source, &stats);
  saved_errno = errno;
  netlens_export_free (export);
  if (fclose (stream) != 0 && ok)
    {
      ok = FALSE;
      saved_errno = errno;
    }
  if (!ok)
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno), "%s: %s", path,
                 g_strerror (saved_errno));
  return ok;
}

static void
on_export_response_cb (GtkNativeDialog *dialog,
                       int              response,
                       NetlensWindow   *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;
      g_autoptr(GError) error = NULL;

      if (path != NULL && !_netlens_window_export_to (self, path, &error))
        show_error (self, _("Could not export the connections"), error->message, RETRY_NONE);
    }
  g_object_unref (dialog);
}

static void
export_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  NetlensWindow *self = NETLENS_WINDOW (widget);
  GtkFileChooserNative *dialog;

  dialog = gtk_file_chooser_native_new (_("Export Connections"), GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), _("_Cancel"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), "connections.json");
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  g_signal_connect (dialog, "response", G_CALLBACK (on_export_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

/* ---- Save Capture… ---- */

static void
on_capture_saved_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(NetlensWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (netlens_capture_saver_save_finish (NULL, result, &error) < 0)
    show_error (self, _("Could not save the capture"), error->message, RETRY_NONE);
}

void
_netlens_window_save_capture_to (NetlensWindow       *self,
                                 const char          *path,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  NetlensStats stats = { 0 };

  g_return_if_fail (self->saver != NULL);
  if (self->pipeline != NULL)
    netlens_pipeline_get_stats (self->pipeline, &stats);
  netlens_capture_saver_save_async (self->saver, path, &stats, NULL, callback, user_data);
}

static void
on_save_capture_response_cb (GtkNativeDialog *dialog,
                             int              response,
                             NetlensWindow   *self)
{
  if (response == GTK_RESPONSE_ACCEPT && self->saver != NULL)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;

      if (path != NULL)
        _netlens_window_save_capture_to (self, path, on_capture_saved_cb, g_object_ref (self));
    }
  g_object_unref (dialog);
}

static void
save_capture_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  NetlensWindow *self = NETLENS_WINDOW (widget);
  GtkFileChooserNative *dialog;
  GtkFileFilter *filter;

  if (self->saver == NULL)
    {
      show_error (self, _("Nothing to save"),
                  _("Start a capture or open a capture file first."), RETRY_NONE);
      return;
    }
  dialog = gtk_file_chooser_native_new (_("Save Capture"), GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), "capture.pcapng");
  filter = gtk_file_filter_new ();
  gtk_file_filter_set_name (filter, _("pcapng capture files"));
  gtk_file_filter_add_suffix (filter, "pcapng");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), filter);
  g_object_unref (filter);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  g_signal_connect (dialog, "response", G_CALLBACK (on_save_capture_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
pause_display_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  NetlensWindow *self = NETLENS_WINDOW (widget);

  self->paused = !self->paused;
  if (gtk_toggle_button_get_active (self->pause_button) != self->paused)
    gtk_toggle_button_set_active (self->pause_button, self->paused);
  if (!self->paused)
    _netlens_window_tick (self);
}

/* ---- object ---- */

static gboolean
netlens_window_close_request (GtkWindow *window)
{
  NetlensWindow *self = NETLENS_WINDOW (window);
  int width, height;

  gtk_window_get_default_size (window, &width, &height);
  g_settings_set_int (self->settings, "window-width", width);
  g_settings_set_int (self->settings, "window-height", height);
  g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));
  if (self->detail_visible)
    g_settings_set_int (self->settings, "pane-position", gtk_paned_get_position (self->paned));
  save_columns (self);

  return GTK_WINDOW_CLASS (netlens_window_parent_class)->close_request (window);
}

static void
netlens_window_dispose (GObject *object)
{
  NetlensWindow *self = (NetlensWindow *) object;

  g_clear_handle_id (&self->tick_id, g_source_remove);
  g_clear_handle_id (&self->cells_idle_id, g_source_remove);
  if (self->known_cancellable != NULL)
    {
      g_cancellable_cancel (self->known_cancellable);
      g_clear_object (&self->known_cancellable);
    }
  if (self->reverse_cancellable != NULL)
    g_cancellable_cancel (self->reverse_cancellable);
  g_clear_object (&self->reverse_cancellable);
  release_pipeline (self);
  g_clear_pointer (&self->saver, netlens_capture_saver_unref);
  if (self->context_menu != NULL)
    g_clear_pointer (&self->context_menu, gtk_widget_unparent);
  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  if (self->column_view != NULL)
    g_signal_handlers_disconnect_by_data (gtk_column_view_get_sorter (self->column_view), self);
  if (self->selection != NULL)
    g_signal_handlers_disconnect_by_data (self->selection, self);
  if (self->view_stack != NULL)
    g_signal_handlers_disconnect_by_data (self->view_stack, self);
  if (self->processes_view != NULL)
    g_signal_handlers_disconnect_by_data (self->processes_view, self);
  if (self->hosts_view != NULL)
    g_signal_handlers_disconnect_by_data (self->hosts_view, self);
  self->processes_view = self->hosts_view = NULL;

  gtk_widget_dispose_template (GTK_WIDGET (self), NETLENS_TYPE_WINDOW);

  g_clear_object (&self->selection);
  g_clear_object (&self->model);
  g_clear_object (&self->interfaces);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (netlens_window_parent_class)->dispose (object);
}

static void
netlens_window_finalize (GObject *object)
{
  NetlensWindow *self = (NetlensWindow *) object;

  g_clear_pointer (&self->query, netlens_query_unref);
  g_clear_pointer (&self->groups, netlens_groups_free);
  g_clear_pointer (&self->geo, netlens_geo_free);
  g_clear_object (&self->notifier);
  g_free (self->graph_key);
  g_clear_pointer (&self->bound_cells, g_hash_table_unref);
  g_clear_pointer (&self->reverse_names, g_hash_table_unref);
  g_string_free (self->scratch, TRUE);
  g_clear_object (&self->probe_a);
  g_clear_object (&self->probe_b);
  g_free (self->source_path);
  g_free (self->source_interface);
  g_free (self->retry_path);

  G_OBJECT_CLASS (netlens_window_parent_class)->finalize (object);
}

static void
netlens_window_class_init (NetlensWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = netlens_window_dispose;
  object_class->finalize = netlens_window_finalize;
  window_class->close_request = netlens_window_close_request;

  g_type_ensure (NETLENS_TYPE_DETAIL_PANE);
  g_type_ensure (NETLENS_TYPE_TRAFFIC_GRAPH);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/netlens/Netlens/ui/netlens-window.ui");
  gtk_widget_class_bind_template_child (widget_class, NetlensWindow, header_bar);
  gtk_widget_class_bind_template_child (widget_class, NetlensWindow, capture_button);
  gtk_widget_class_bind_template_child (widget_class, NetlensWindow, interface_dropdown);
  gtk_widget_class_bind_template_child (widget_class, NetlensWindow, switcher_title);
  gtk_widget_class_bind_template_child (widget_class, NetlensWindow, primary_menu_button);
  gtk_widget_class_bind_template_child (widget_class, NetlensWindow, filter_button);
  gtk_widget_class_bind_template_child (widget_class, NetlensWindow, error_revealer);
  gtk_widget_class_bind_template_child (widget_class, NetlensWindow, error_title);
  gtk_widget_class_bind_template_child (widget_class, NetlensWindow, error_detail);
  gtk_widget_class_bind_template_child (widget_class, NetlensWindow, retry_button);
  gtk_widget_class_bind_template_child (widget_class, NetlensWindow, search_bar);
  gtk_widget_class_bind_template_child (widget_class, NetlensWindow, search_entry);
  gtk_widget_class_bind_template_child (widget_class, NetlensWindow, count_label);
  gtk_widget_class_bind_template_child (widget_class, NetlensWindow, query_error_label);
  gtk_widget_class_bind_template_child (widget_class, NetlensWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, NetlensWindow, status_page);
  gtk_widget_class_bind_template_child (widget_class, NetlensWindow, paned);
  gtk_widget_class_bind_template_child (widget_class, NetlensWindow, table_scroller);
  gtk_widget_class_bind_template_child (widget_class, NetlensWindow, column_view);
  gtk_widget_class_bind_template_child (widget_class, NetlensWindow, detail_scroller);
  gtk_widget_class_bind_template_child (widget_class, NetlensWindow, detail_pane);
  gtk_widget_class_bind_template_child (widget_class, NetlensWindow, view_stack);
  gtk_widget_class_bind_template_child (widget_class, NetlensWindow, switcher_bar);
  gtk_widget_class_bind_template_child (widget_class, NetlensWindow, traffic_graph);
  gtk_widget_class_bind_template_child (widget_class, NetlensWindow, selection_graph);
  gtk_widget_class_bind_template_child (widget_class, NetlensWindow, detail_stack);
  gtk_widget_class_bind_template_child (widget_class, NetlensWindow, group_title);
  gtk_widget_class_bind_template_child (widget_class, NetlensWindow, group_summary);
  gtk_widget_class_bind_template_child (widget_class, NetlensWindow, rate_label);
  gtk_widget_class_bind_template_child (widget_class, NetlensWindow, shown_label);
  gtk_widget_class_bind_template_child (widget_class, NetlensWindow, drops_label);
  gtk_widget_class_bind_template_child (widget_class, NetlensWindow, pause_button);
  gtk_widget_class_bind_template_child (widget_class, NetlensWindow, row_menu);

  gtk_widget_class_install_action (widget_class, "win.open", NULL, open_action);
  gtk_widget_class_install_action (widget_class, "win.export", NULL, export_action);
  gtk_widget_class_install_action (widget_class, "win.save-capture", NULL, save_capture_action);
  gtk_widget_class_install_action (widget_class, "win.find", NULL, find_action);
  gtk_widget_class_install_action (widget_class, "win.toggle-capture", NULL, toggle_capture_action);
  gtk_widget_class_install_action (widget_class, "win.pause-display", NULL, pause_display_action);
  gtk_widget_class_install_action (widget_class, "win.copy-address", NULL, copy_address_action);
  gtk_widget_class_install_action (widget_class, "win.copy-row", NULL, copy_row_action);
  gtk_widget_class_install_action (widget_class, "win.filter-process", NULL, filter_by_action);
  gtk_widget_class_install_action (widget_class, "win.filter-host", NULL, filter_by_action);
  gtk_widget_class_install_action (widget_class, "win.filter-port", NULL, filter_by_action);
  gtk_widget_class_install_action (widget_class, "win.show-details", NULL, show_details_action);
  gtk_widget_class_install_action (widget_class, "win.context-menu", NULL, context_menu_action);
  gtk_widget_class_install_action (widget_class, "win.retry", NULL, retry_action);
  gtk_widget_class_install_action (widget_class, "win.dismiss-error", NULL, dismiss_error_action);
  gtk_widget_class_install_action (widget_class, "win.view", "s", switch_view_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "win.find", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK, "win.open", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_e, GDK_CONTROL_MASK, "win.export", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.save-capture", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK,
                                       "win.toggle-capture", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_p, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.pause-display", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_1, GDK_CONTROL_MASK,
                                       "win.view", "s", "connections");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_2, GDK_CONTROL_MASK,
                                       "win.view", "s", "processes");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_3, GDK_CONTROL_MASK,
                                       "win.view", "s", "hosts");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_4, GDK_CONTROL_MASK,
                                       "win.view", "s", "history");
}

static void
add_table_shortcut (GtkShortcutController *controller,
                    const char            *trigger,
                    const char            *action)
{
  gtk_shortcut_controller_add_shortcut (controller,
                                        gtk_shortcut_new (gtk_shortcut_trigger_parse_string (trigger),
                                                          gtk_named_action_new (action)));
}

static void
netlens_window_init (NetlensWindow *self)
{
  GtkEventController *controller;
  GtkGesture *gesture;
  GtkShortcutController *shortcuts;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->scratch = g_string_sized_new (128);
  self->bound_cells = g_hash_table_new (NULL, NULL);
  {
    GtkAdjustment *adj = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (self->column_view));

    if (adj != NULL)
      {
        g_signal_connect_object (adj, "value-changed", G_CALLBACK (on_vadjustment_changed_cb),
                                 self, G_CONNECT_SWAPPED);
        g_signal_connect_object (adj, "changed", G_CALLBACK (on_vadjustment_changed_cb),
                                 self, G_CONNECT_SWAPPED);
      }
  }
  self->probe_a = g_object_new (G_TYPE_OBJECT, NULL);
  self->probe_b = g_object_new (G_TYPE_OBJECT, NULL);
  self->overrides = (NetlensWindowOverrides) { -1, -1, -1 };
  self->settings = g_settings_new (APPLICATION_ID);
  load_timeouts (self);
  self->dpi = g_settings_get_boolean (self->settings, "dpi");
  self->reverse_dns = g_settings_get_boolean (self->settings, "reverse-dns");
  self->reverse_names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->reverse_cancellable = g_cancellable_new ();
  {
    g_autofree char *units = g_settings_get_string (self->settings, "units");
    self->bits = g_str_equal (units, "bits");
  }

  self->model = netlens_connection_model_new ();
  /* a re-sort or re-filter done on a worker was swapped in: show it */
  g_signal_connect_object (self->model, "rebuilt", G_CALLBACK (refresh_view), self, G_CONNECT_SWAPPED);
  self->groups = netlens_groups_new ();
  self->processes_view = add_groups_view (self, NETLENS_GROUP_PROCESS, "processes", _("Processes"),
                                          "application-x-executable-symbolic");
  self->hosts_view = add_groups_view (self, NETLENS_GROUP_HOST, "hosts", _("Hosts"),
                                      "network-server-symbolic");
  {
    /* what the history kept, by time range (read off the main thread) */
    AdwViewStackPage *page = adw_view_stack_add_titled (self->view_stack, netlens_history_view_new (),
                                                        "history", _("History"));

    adw_view_stack_page_set_icon_name (page, "document-open-recent-symbolic");
  }
  g_signal_connect (self->view_stack, "notify::visible-child",
                    G_CALLBACK (on_visible_view_changed_cb), self);
  g_object_bind_property (self->switcher_title, "title-visible", self->switcher_bar, "reveal",
                          G_BINDING_SYNC_CREATE);
  netlens_traffic_graph_set_bits (self->traffic_graph, self->bits);
  netlens_traffic_graph_set_bits (self->selection_graph, self->bits);
  netlens_connection_model_set_hide_localhost (self->model,
                                               g_settings_get_boolean (self->settings, "hide-localhost"));
  /* position-stable items: a re-sort does not make GTK rebind every row; the
   * selection follows the connection */
  self->selection = netlens_row_selection_new (self->model);
  g_signal_connect (self->selection, "notify::selected-row",
                    G_CALLBACK (on_selected_item_changed_cb), self);
  setup_columns (self);
  gtk_column_view_set_model (self->column_view, GTK_SELECTION_MODEL (self->selection));
  g_signal_connect (self->column_view, "activate", G_CALLBACK (on_column_view_activate_cb), self);

  /* the table's own keys: copy, and the context menu from the keyboard */
  shortcuts = GTK_SHORTCUT_CONTROLLER (gtk_shortcut_controller_new ());
  add_table_shortcut (shortcuts, "<Control>c", "win.copy-address");
  add_table_shortcut (shortcuts, "<Control><Shift>c", "win.copy-row");
  add_table_shortcut (shortcuts, "<Shift>F10", "win.context-menu");
  add_table_shortcut (shortcuts, "Menu", "win.context-menu");
  gtk_widget_add_controller (GTK_WIDGET (self->column_view), GTK_EVENT_CONTROLLER (shortcuts));
  controller = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_CAPTURE);
  g_signal_connect (controller, "key-pressed", G_CALLBACK (on_table_key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->column_view), controller);

  gesture = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (gesture), GDK_BUTTON_SECONDARY);
  g_signal_connect (gesture, "pressed", G_CALLBACK (on_right_click_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->column_view), GTK_EVENT_CONTROLLER (gesture));

  /* the filter bar */
  gtk_search_bar_connect_entry (self->search_bar, GTK_EDITABLE (self->search_entry));
  gtk_search_bar_set_key_capture_widget (self->search_bar, GTK_WIDGET (self->column_view));
  gtk_search_entry_set_search_delay (self->search_entry, 30);
  g_object_bind_property (self->filter_button, "active", self->search_bar, "search-mode-enabled",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_signal_connect (self->search_entry, "search-changed", G_CALLBACK (on_search_changed_cb), self);
  g_signal_connect (self->search_entry, "activate", G_CALLBACK (on_search_activate_cb), self);
  g_signal_connect (self->search_bar, "notify::search-mode-enabled",
                    G_CALLBACK (on_search_mode_changed_cb), self);
  controller = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_CAPTURE);
  g_signal_connect (controller, "key-pressed", G_CALLBACK (on_entry_key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->search_entry), controller);

  /* '/' and Esc, before any child sees them */
  controller = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_CAPTURE);
  g_signal_connect (controller, "key-pressed", G_CALLBACK (on_window_key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  load_interfaces (self);

  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));

  load_geo (self);
  g_signal_connect (self->settings, "changed", G_CALLBACK (on_settings_changed_cb), self);
  restart_tick (self);
  update_status (self);
}

NetlensWindow *
netlens_window_new (GtkApplication               *application,
                    const NetlensWindowOverrides *overrides)
{
  NetlensWindow *self = g_object_new (NETLENS_TYPE_WINDOW, "application", application, NULL);

  if (overrides != NULL)
    {
      self->overrides = *overrides;
      if (overrides->hide_localhost >= 0)
        {
          netlens_connection_model_set_hide_localhost (self->model, overrides->hide_localhost);
          netlens_connection_model_commit (self->model);
        }
      restart_tick (self);
    }
  return self;
}

/* ---- for tests ---- */

NetlensConnectionModel *
_netlens_window_get_model (NetlensWindow *self)
{
  return self->model;
}

NetlensRowSelection *
_netlens_window_get_selection (NetlensWindow *self)
{
  return self->selection;
}

GtkColumnView *
_netlens_window_get_column_view (NetlensWindow *self)
{
  return self->column_view;
}

GtkSearchEntry *
_netlens_window_get_search_entry (NetlensWindow *self)
{
  return self->search_entry;
}

GtkSearchBar *
_netlens_window_get_search_bar (NetlensWindow *self)
{
  return self->search_bar;
}

GtkLabel *
_netlens_window_get_count_label (NetlensWindow *self)
{
  return self->count_label;
}

GtkLabel *
_netlens_window_get_query_error_label (NetlensWindow *self)
{
  return self->query_error_label;
}

NetlensDetailPane *
_netlens_window_get_detail_pane (NetlensWindow *self)
{
  return self->detail_pane;
}

gboolean
_netlens_window_get_detail_visible (NetlensWindow *self)
{
  return self->detail_visible;
}

GtkRevealer *
_netlens_window_get_error_revealer (NetlensWindow *self)
{
  return self->error_revealer;
}

gboolean
_netlens_window_is_loaded (NetlensWindow *self)
{
  return self->loaded;
}

void
_netlens_window_refresh_view (NetlensWindow *self)
{
  refresh_view (self);
}

AdwViewStack *
_netlens_window_get_view_stack (NetlensWindow *self)
{
  return self->view_stack;
}

NetlensGroupsView *
_netlens_window_get_groups_view (NetlensWindow    *self,
                                 NetlensGroupKind  kind)
{
  return kind == NETLENS_GROUP_PROCESS ? self->processes_view : self->hosts_view;
}

NetlensGroups *
_netlens_window_get_groups (NetlensWindow *self)
{
  return self->groups;
}

NetlensTrafficGraph *
_netlens_window_get_traffic_graph (NetlensWindow *self)
{
  return self->traffic_graph;
}

NetlensTrafficGraph *
_netlens_window_get_selection_graph (NetlensWindow *self)
{
  return self->selection_graph;
}

/* Whether a GeoIP database is open. */
gboolean
_netlens_window_has_geo (NetlensWindow *self)
{
  return self->geo != NULL;
}

GtkColumnViewColumn *
_netlens_window_get_column (NetlensWindow *self,
                            NetlensColumn  column)
{
  return self->columns[column];
}

void
netlens_window_show_view (NetlensWindow *self,
                          const char    *name)
{
  g_return_if_fail (NETLENS_IS_WINDOW (self));
  g_return_if_fail (name != NULL);

  if (adw_view_stack_get_child_by_name (self->view_stack, name) != NULL)
    adw_view_stack_set_visible_child_name (self->view_stack, name);
}

void
netlens_window_show_connection (NetlensWindow *self,
                                guint32        id)
{
  guint position;

  g_return_if_fail (NETLENS_IS_WINDOW (self));

  adw_view_stack_set_visible_child_name (self->view_stack, "connections");
  position = netlens_connection_model_get_position (self->model, id);
  if (position == G_MAXUINT && *gtk_editable_get_text (GTK_EDITABLE (self->search_entry)) != '\0')
    {
      gtk_search_bar_set_search_mode (self->search_bar, FALSE);   /* clears the filter */
      position = netlens_connection_model_get_position (self->model, id);
    }
  if (position == G_MAXUINT)
    return;   /* it has ended since */
  netlens_row_selection_set_selected (self->selection, position);
  scroll_to (self, position);
  set_detail_visible (self, TRUE);
}

NetlensNotifier *
_netlens_window_get_notifier (NetlensWindow *self)
{
  return self->notifier;
}
