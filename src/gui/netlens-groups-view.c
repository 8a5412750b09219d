/* netlens-groups-view.c: the Processes and Hosts views
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "netlens-gui"

#include "config.h"

#include <string.h>
#include <adwaita.h>
#include <glib/gi18n.h>

#include "netlens-groups-view.h"
#include "netlens-group-row.h"
#include "netlens-app-info.h"
#include "netlens-format.h"
#include "netlens-history-service.h"

typedef enum
{
  COL_NAME,
  COL_COUNTRY,
  COL_ASN,
  COL_OPEN,
  COL_RX_RATE,
  COL_TX_RATE,
  COL_RX,
  COL_TX,
  COL_PEERS,
  COL_FIRST_SEEN,
  COL_LAST_SEEN,   /* a history range only */
  COL_TOP,         /* a history range only: a program's busiest hosts, a host's programs */
  N_COLS
} Column;

#define KIND_BIT(k) (1u << (k))
#define BOTH        (KIND_BIT (NETLENS_GROUP_PROCESS) | KIND_BIT (NETLENS_GROUP_HOST))

static const struct
{
  const char *id;
  const char *process_title;
  const char *host_title;
  gboolean    numeric;
  guint       kinds;
  int         width;
} columns[N_COLS] = {
  [COL_NAME] = { "name", N_("Program"), N_("Host"), FALSE, BOTH, 220 },
  [COL_COUNTRY] = { "country", NULL, N_("Country"), FALSE, KIND_BIT (NETLENS_GROUP_HOST), 70 },
  [COL_ASN] = { "asn", NULL, N_("Network"), FALSE, KIND_BIT (NETLENS_GROUP_HOST), 180 },
  [COL_OPEN] = { "open", N_("Connections"), N_("Connections"), TRUE, BOTH, 90 },
  [COL_RX_RATE] = { "rx-rate", N_("Receiving"), N_("Receiving"), TRUE, BOTH, 90 },
  [COL_TX_RATE] = { "tx-rate", N_("Sending"), N_("Sending"), TRUE, BOTH, 90 },
  [COL_RX] = { "rx", N_("Received"), N_("Received"), TRUE, BOTH, 90 },
  [COL_TX] = { "tx", N_("Sent"), N_("Sent"), TRUE, BOTH, 90 },
  [COL_PEERS] = { "peers", N_("Hosts"), N_("Programs"), TRUE, BOTH, 80 },
  [COL_FIRST_SEEN] = { "first-seen", N_("First Seen"), N_("First Seen"), TRUE, BOTH, 150 },
  [COL_LAST_SEEN] = { "last-seen", N_("Last Seen"), N_("Last Seen"), TRUE, BOTH, 150 },
  [COL_TOP] = { "top", N_("Top Hosts"), N_("Top Programs"), FALSE, BOTH, 240 },
};

/* The range menu: Live, then the History page's ranges (NetlensHistoryRangeKind + 1). */
#define RANGE_LIVE 0u

typedef struct
{
  Column       column;
  GtkListItem *item;
  guint64      serial;
  gboolean     bits;
} CellData;

struct _NetlensGroupsView
{
  GtkWidget            parent_instance;

  NetlensGroupKind     kind;
  GtkWidget           *scrolled;
  GtkColumnView       *view;
  GListStore          *store;
  GtkSortListModel    *sorted;
  GtkSingleSelection  *selection;
  GtkColumnViewColumn *columns[N_COLS];
  GtkSorter           *sorters[N_COLS];
  GHashTable          *index;   /* key → NetlensGroupRow (in the store) */
  GHashTable          *bound;   /* cell widget → CellData */
  NetlensGroups       *groups;   /* the live groups (the window's) */
  GString             *scratch;
  gboolean             dirty;
  gboolean             bits;

  /* a range of the history instead of the live groups */
  GtkWidget           *range_dropdown;
  GtkWidget           *since_entry;
  GtkWidget           *until_entry;
  GtkWidget           *count_label;
  GtkWidget           *stack;
  GtkWidget           *status_page;
  guint                range;     /* RANGE_LIVE, or a NetlensHistoryRangeKind + 1 */
  NetlensHistoryGroups *range_groups;
  GCancellable        *cancellable;
  guint                load_serial;
  gboolean             loading;
  char                *message;
};

G_DEFINE_FINAL_TYPE (NetlensGroupsView, netlens_groups_view, GTK_TYPE_WIDGET)

enum
{
  GROUP_ACTIVATED,
  SELECTION_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* The groups on screen: the live ones, or those of the history range once read. */
static NetlensGroups *
shown_groups (NetlensGroupsView *self)
{
  if (self->range == RANGE_LIVE)
    return self->groups;
  return self->range_groups != NULL ? self->range_groups->groups : NULL;
}

/* ------------------------------------------------------------------ sorting */

static int
cmp_u64 (guint64 a,
         guint64 b)
{
  return a < b ? -1 : a > b ? 1 : 0;
}

static int
cmp_double (double a,
            double b)
{
  return a < b ? -1 : a > b ? 1 : 0;
}

static int
compare_rows (gconstpointer a,
              gconstpointer b,
              gpointer      data)
{
  const NetlensGroup *x = netlens_group_row_get_group ((NetlensGroupRow *) a);
  const NetlensGroup *y = netlens_group_row_get_group ((NetlensGroupRow *) b);
  int r = 0;

  switch ((Column) GPOINTER_TO_INT (data))
    {
    case COL_NAME:
      r = g_utf8_collate (x->label ? x->label : "", y->label ? y->label : "");
      break;
    case COL_COUNTRY:
      r = g_strcmp0 (x->country, y->country);
      break;
    case COL_ASN:
      r = cmp_u64 (x->asn, y->asn);
      break;
    case COL_OPEN:
      r = cmp_u64 (x->n_open, y->n_open);
      if (r == 0)
        r = cmp_u64 (x->n_connections, y->n_connections);
      break;
    case COL_RX_RATE:
      r = cmp_double (x->rx_rate, y->rx_rate);
      if (r == 0)
        r = cmp_u64 (x->rx_bytes, y->rx_bytes);
      break;
    case COL_TX_RATE:
      r = cmp_double (x->tx_rate, y->tx_rate);
      if (r == 0)
        r = cmp_u64 (x->tx_bytes, y->tx_bytes);
      break;
    case COL_RX:
      r = cmp_u64 (x->rx_bytes, y->rx_bytes);
      break;
    case COL_TX:
      r = cmp_u64 (x->tx_bytes, y->tx_bytes);
      break;
    case COL_PEERS:
      r = cmp_u64 (x->n_peers, y->n_peers);
      break;
    case COL_FIRST_SEEN:
      r = cmp_u64 ((guint64) x->first_seen, (guint64) y->first_seen);
      break;
    case COL_LAST_SEEN:
      r = cmp_u64 ((guint64) x->last_seen, (guint64) y->last_seen);
      break;
    case COL_TOP:
    case N_COLS:
    default:
      g_assert_not_reached ();
    }
  /* a stable order among equals */
  return r != 0 ? r : strcmp (x->key, y->key);
}

/* ------------------------------------------------------------------ cells */

static void
format_time (gint64   us,
             GString *out)
{
  g_autoptr(GDateTime) then = NULL;
  g_autoptr(GDateTime) now = NULL;
  g_autofree char *text = NULL;

  if (us <= 0 || (then = g_date_time_new_from_unix_local (us / G_USEC_PER_SEC)) == NULL)
    return;
  now = g_date_time_new_now_local ();
  if (g_date_time_get_year (then) == g_date_time_get_year (now)
      && g_date_time_get_day_of_year (then) == g_date_time_get_day_of_year (now))
    text = g_date_time_format (then, "%X");
  else
    text = g_date_time_format (then, "%x %X");
  g_string_append (out, text);
}

/* What a group is called on screen: a desktop application's name, else its label. */
static const char *
group_display_name (NetlensGroupKind    kind,
                    const NetlensGroup *g)
{
  const char *name = g->app_id != NULL && kind == NETLENS_GROUP_PROCESS
                     ? netlens_app_info_get_name (g->app_id) : NULL;

  if (name == NULL && kind == NETLENS_GROUP_PROCESS && g_strcmp0 (g->key, "unknown") == 0)
    name = _("Unknown program");
  return name != NULL ? name : g->label;
}

/* A range's group: the busiest groups of the other kind, by name. */
static void
format_top (NetlensGroupsView  *self,
            const NetlensGroup *g,
            GString            *out)
{
  NetlensGroupKind other = self->kind == NETLENS_GROUP_PROCESS ? NETLENS_GROUP_HOST : NETLENS_GROUP_PROCESS;
  const char * const *keys;

  if (self->range_groups == NULL)
    return;
  keys = g_hash_table_lookup (self->range_groups->top[self->kind], g->key);
  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    {
      const NetlensGroup *peer = netlens_groups_lookup (self->range_groups->groups, other, keys[i]);

      if (peer == NULL)
        continue;
      if (out->len > 0)
        g_string_append (out, ", ");
      g_string_append (out, group_display_name (other, peer));
    }
}

static void
format_cell (NetlensGroupsView  *self,
             Column              column,
             const NetlensGroup *g,
             GString            *out)
{
  switch (column)
    {
    case COL_NAME:
      g_string_append (out, group_display_name (self->kind, g));
      break;
    case COL_COUNTRY:
      if (g->country != NULL)
        g_string_append (out, g->country);
      break;
    case COL_ASN:
      if (g->asn != 0)
        g_string_append_printf (out, "AS%u", g->asn);
      if (g->as_org != NULL)
        g_string_append_printf (out, "%s%s", g->asn != 0 ? " " : "", g->as_org);
      break;
    case COL_OPEN:
      if (self->range != RANGE_LIVE)
        g_string_append_printf (out, "%u", g->n_connections);   /* the range's */
      else if (g->n_open != g->n_connections)
        /* TRANSLATORS: connections open now, and since the start */
        g_string_append_printf (out, _("%u of %u"), g->n_open, g->n_connections);
      else
        g_string_append_printf (out, "%u", g->n_open);
      break;
    case COL_RX_RATE:
      netlens_format_rate (g->rx_rate, self->bits, out);
      break;
    case COL_TX_RATE:
      netlens_format_rate (g->tx_rate, self->bits, out);
      break;
    case COL_RX:
      netlens_format_amount (g->rx_bytes, self->bits, out);
      break;
    case COL_TX:
      netlens_format_amount (g->tx_bytes, self->bits, out);
      break;
    case COL_PEERS:
      g_string_append_printf (out, "%u", g->n_peers);
      break;
    case COL_FIRST_SEEN:
      format_time (g->first_seen, out);
      break;
    case COL_LAST_SEEN:
      format_time (g->last_seen, out);
      break;
    case COL_TOP:
      format_top (self, g, out);
      break;
    case N_COLS:
    default:
      g_assert_not_reached ();
    }
}

static GtkInscription *
cell_inscription (GtkWidget *cell)
{
  if (GTK_IS_INSCRIPTION (cell))
    return GTK_INSCRIPTION (cell);
  return GTK_INSCRIPTION (gtk_widget_get_last_child (cell));
}

static void
refresh_cell (NetlensGroupsView *self,
              GtkWidget         *cell,
              CellData          *data,
              gboolean           force)
{
  NetlensGroupRow *row = gtk_list_item_get_item (data->item);
  const NetlensGroup *g;
  GtkInscription *inscription;

  if (row == NULL)
    return;
  if (!force && data->serial == netlens_group_row_get_serial (row) && data->bits == self->bits)
    return;
  data->serial = netlens_group_row_get_serial (row);
  data->bits = self->bits;
  g = netlens_group_row_get_group (row);

  g_string_truncate (self->scratch, 0);
  format_cell (self, data->column, g, self->scratch);
  inscription = cell_inscription (cell);
  if (g_strcmp0 (gtk_inscription_get_text (inscription), self->scratch->str) != 0)
    gtk_inscription_set_text (inscription, self->scratch->str);

  if (data->column == COL_NAME)
    {
      const char *tip = self->kind == NETLENS_GROUP_PROCESS
                        ? (g->exe != NULL ? g->exe : g->process_name)
                        : g->address;

      if (g_strcmp0 (gtk_widget_get_tooltip_text (cell), tip) != 0)
        gtk_widget_set_tooltip_text (cell, tip);
    }
  if (data->column == COL_NAME && self->kind == NETLENS_GROUP_PROCESS)
    {
      GtkImage *image = GTK_IMAGE (gtk_widget_get_first_child (cell));
      GIcon *icon = g->app_id != NULL ? netlens_app_info_get_icon (g->app_id) : NULL;

      if (icon != NULL)
        gtk_image_set_from_gicon (image, icon);
      else if (g_strcmp0 (g->key, "unknown") != 0)
        gtk_image_set_from_icon_name (image, "application-x-executable-symbolic");
      else
        gtk_image_clear (image);
    }
}

static void
on_cell_setup_cb (GtkSignalListItemFactory *factory,
                  GtkListItem              *item,
                  NetlensGroupsView        *self)
{
  Column column = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (factory), "netlens-column"));
  GtkWidget *inscription = gtk_inscription_new (NULL);
  GtkWidget *cell = inscription;
  CellData *data;

  gtk_inscription_set_text_overflow (GTK_INSCRIPTION (inscription),
                                     GTK_INSCRIPTION_OVERFLOW_ELLIPSIZE_END);
  gtk_inscription_set_min_chars (GTK_INSCRIPTION (inscription), 3);
  gtk_widget_set_hexpand (inscription, TRUE);
  if (columns[column].numeric)
    {
      gtk_inscription_set_xalign (GTK_INSCRIPTION (inscription), 1.0);
      gtk_widget_add_css_class (inscription, "numeric");
    }
  if (column == COL_NAME && self->kind == NETLENS_GROUP_PROCESS)
    {
      cell = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
      gtk_box_append (GTK_BOX (cell), gtk_image_new ());
      gtk_box_append (GTK_BOX (cell), inscription);
    }
  data = g_new0 (CellData, 1);
  data->column = column;
  data->item = item;
  g_object_set_data_full (G_OBJECT (cell), "netlens-cell", data, g_free);
  gtk_list_item_set_child (item, cell);
}

static void
on_cell_bind_cb (GtkSignalListItemFactory *factory,
                 GtkListItem              *item,
                 NetlensGroupsView        *self)
{
  GtkWidget *cell = gtk_list_item_get_child (item);
  CellData *data = g_object_get_data (G_OBJECT (cell), "netlens-cell");

  g_hash_table_add (self->bound, cell);
  refresh_cell (self, cell, data, TRUE);
}

static void
on_cell_unbind_cb (GtkSignalListItemFactory *factory,
                   GtkListItem              *item,
                   NetlensGroupsView        *self)
{
  g_hash_table_remove (self->bound, gtk_list_item_get_child (item));
}

static void
refresh_bound_cells (NetlensGroupsView *self,
                     gboolean           force)
{
  GHashTableIter iter;
  gpointer cell;

  g_hash_table_iter_init (&iter, self->bound);
  while (g_hash_table_iter_next (&iter, &cell, NULL))
    refresh_cell (self, cell, g_object_get_data (cell, "netlens-cell"), force);
}

/* ------------------------------------------------------------------ updates */

static void
sync_groups (NetlensGroupsView *self)
{
  g_autoptr(GPtrArray) added = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) gone = g_ptr_array_new ();
  gboolean changed = FALSE;
  GHashTableIter iter;
  gpointer key, value;
  GPtrArray *list;

  NetlensGroups *groups = shown_groups (self);

  self->dirty = FALSE;

  if (groups == NULL)
    {
      if (g_hash_table_size (self->index) > 0)
        {
          g_hash_table_remove_all (self->index);
          g_list_store_remove_all (self->store);
        }
      return;
    }

  /* rows whose group went away (all its connections moved to another) */
  g_hash_table_iter_init (&iter, self->index);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (netlens_groups_lookup (groups, self->kind, key) == NULL)
      g_ptr_array_add (gone, value);
  for (guint i = 0; i < gone->len; i++)
    {
      NetlensGroupRow *row = g_ptr_array_index (gone, i);
      guint pos;

      /* the index holds no reference: out of it first, the store may drop the last */
      g_hash_table_remove (self->index, netlens_group_row_get_key (row));
      if (g_list_store_find (self->store, row, &pos))
        g_list_store_remove (self->store, pos);
      changed = TRUE;
    }

  list = netlens_groups_list (groups, self->kind);
  for (guint i = 0; i < list->len; i++)
    {
      const NetlensGroup *g = g_ptr_array_index (list, i);
      NetlensGroupRow *row = g_hash_table_lookup (self->index, g->key);

      if (row != NULL)
        changed |= netlens_group_row_update (row, g);
      else
        {
          row = netlens_group_row_new (g);
          g_hash_table_insert (self->index, g_strdup (netlens_group_row_get_key (row)), row);
          g_ptr_array_add (added, row);
        }
    }
  if (added->len > 0)
    {
      /* one items-changed for all the new rows */
      g_list_store_splice (self->store, g_list_model_get_n_items (G_LIST_MODEL (self->store)),
                           0, added->pdata, added->len);
      changed = TRUE;
    }
  if (!changed)
    return;

  /* values moved: sort again (a few hundred rows; the selection follows its item) */
  for (guint c = 0; c < N_COLS; c++)
    if (self->sorters[c] != NULL)
      gtk_sorter_changed (self->sorters[c], GTK_SORTER_CHANGE_DIFFERENT);
  refresh_bound_cells (self, FALSE);
}

void
netlens_groups_view_update (NetlensGroupsView *self,
                            NetlensGroups     *groups)
{
  g_return_if_fail (NETLENS_IS_GROUPS_VIEW (self));

  if (self->range != RANGE_LIVE)
    {
      self->groups = groups;   /* shown when Live is picked again */
      return;
    }
  if (groups != self->groups && g_hash_table_size (self->index) > 0)
    {
      /* serials count per NetlensGroups: rows of another one cannot be compared */
      g_hash_table_remove_all (self->index);
      g_list_store_remove_all (self->store);
    }
  self->groups = groups;
  if (!gtk_widget_get_mapped (GTK_WIDGET (self)))
    {
      self->dirty = TRUE;  /* hidden: nothing to do until it is shown */
      return;
    }
  sync_groups (self);
}

/* ------------------------------------------------------------------ history ranges */

static void
show_message (NetlensGroupsView *self,
              const char        *title,
              const char        *text)
{
  g_free (self->message);
  self->message = g_strdup (text != NULL ? text : title);
  adw_status_page_set_title (ADW_STATUS_PAGE (self->status_page), title);
  adw_status_page_set_description (ADW_STATUS_PAGE (self->status_page), text);
  gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "message");
}

static void
show_rows (NetlensGroupsView *self)
{
  g_clear_pointer (&self->message, g_free);
  gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "rows");
}

/* Other groups take the rows' place: serials cannot be compared across them. */
static void
clear_rows (NetlensGroupsView *self)
{
  g_hash_table_remove_all (self->index);
  g_list_store_remove_all (self->store);
}

/* Which columns a mode shows: rates live, last seen and the busiest peers for a range. */
static void
update_columns (NetlensGroupsView *self)
{
  gboolean live = self->range == RANGE_LIVE;

  gtk_column_view_column_set_visible (self->columns[COL_RX_RATE], live);
  gtk_column_view_column_set_visible (self->columns[COL_TX_RATE], live);
  gtk_column_view_column_set_visible (self->columns[COL_LAST_SEEN], !live);
  gtk_column_view_column_set_visible (self->columns[COL_TOP], !live);
}

static gboolean
compute_range (NetlensGroupsView *self,
               gint64            *since,
               gint64            *until,
               GError           **error)
{
  return netlens_history_range_compute ((NetlensHistoryRangeKind) (self->range - 1),
                                        gtk_editable_get_text (GTK_EDITABLE (self->since_entry)),
                                        gtk_editable_get_text (GTK_EDITABLE (self->until_entry)),
                                        since, until, error);
}

typedef struct
{
  NetlensGroupsView *self;   /* a reference */
  guint              serial;
} Load;

static void
on_range_loaded_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Load *load = user_data;
  NetlensGroupsView *self = load->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(NetlensHistoryGroups) groups = NULL;
  g_autofree char *count = NULL;

  groups = netlens_history_service_groups_finish (NULL, result, &error);
  if (load->serial != self->load_serial || self->store == NULL
      || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    goto out;
  self->loading = FALSE;
  clear_rows (self);
  g_clear_pointer (&self->range_groups, netlens_history_groups_free);
  if (groups == NULL)
    {
      gtk_label_set_text (GTK_LABEL (self->count_label), "");
      if (g_error_matches (error, NETLENS_HISTORY_ERROR, NETLENS_HISTORY_ERROR_CORRUPT)
          || g_error_matches (error, NETLENS_HISTORY_ERROR, NETLENS_HISTORY_ERROR_NEWER))
        show_message (self, _("The history cannot be read"), error->message);
      else
        show_message (self, _("No history"), error->message);
      goto out;
    }
  self->range_groups = g_steal_pointer (&groups);
  count = g_strdup_printf (g_dngettext (NULL, "%u connection", "%u connections",
                                        self->range_groups->n_rows),
                           self->range_groups->n_rows);
  gtk_label_set_text (GTK_LABEL (self->count_label), count);
  sync_groups (self);
  if (self->range_groups->n_rows == 0)
    show_message (self,
                  self->kind == NETLENS_GROUP_PROCESS ? _("No programs in this range")
                                                      : _("No hosts in this range"),
                  _("The history has no connections in this range: pick a longer one."));
  else
    show_rows (self);
out:
  g_object_unref (load->self);
  g_free (load);
}

void
netlens_groups_view_reload (NetlensGroupsView *self)
{
  g_autoptr(GError) error = NULL;
  gint64 since = 0, until = 0;
  Load *load;

  g_return_if_fail (NETLENS_IS_GROUPS_VIEW (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->load_serial++;
  self->loading = FALSE;
  if (self->range == RANGE_LIVE)
    return;
  if (!compute_range (self, &since, &until, &error))
    {
      clear_rows (self);
      g_clear_pointer (&self->range_groups, netlens_history_groups_free);
      gtk_label_set_text (GTK_LABEL (self->count_label), "");
      show_message (self, _("Not a time"), error->message);
      return;
    }
  self->loading = TRUE;
  self->cancellable = g_cancellable_new ();
  load = g_new0 (Load, 1);
  load->self = g_object_ref (self);
  load->serial = self->load_serial;
  /* read and counted on the history's worker thread, never here */
  netlens_history_service_groups_async (netlens_history_service_get_default (), since, until,
                                        self->cancellable, on_range_loaded_cb, load);
}

static void
on_range_changed_cb (GtkDropDown       *dropdown,
                     GParamSpec        *pspec,
                     NetlensGroupsView *self)
{
  guint range = gtk_drop_down_get_selected (dropdown);
  gboolean custom = range == NETLENS_HISTORY_RANGE_CUSTOM + 1;

  gtk_widget_set_visible (self->since_entry, custom);
  gtk_widget_set_visible (self->until_entry, custom);
  if (custom && gtk_widget_get_mapped (GTK_WIDGET (self)))
    gtk_widget_grab_focus (self->since_entry);   /* the range is typed there */
  if (range == self->range && range == RANGE_LIVE)
    return;
  self->range = range;
  update_columns (self);
  clear_rows (self);
  g_clear_pointer (&self->range_groups, netlens_history_groups_free);
  gtk_label_set_text (GTK_LABEL (self->count_label), "");
  if (range == RANGE_LIVE)
    {
      netlens_groups_view_reload (self);   /* cancels a load */
      show_rows (self);
      sync_groups (self);
      return;
    }
  netlens_groups_view_reload (self);
}

static void
on_custom_activate_cb (GtkEntry          *entry,
                       NetlensGroupsView *self)
{
  netlens_groups_view_reload (self);
}

void
netlens_groups_view_show_live (NetlensGroupsView *self)
{
  g_return_if_fail (NETLENS_IS_GROUPS_VIEW (self));
  gtk_drop_down_set_selected (GTK_DROP_DOWN (self->range_dropdown), RANGE_LIVE);
}

void
netlens_groups_view_show_range (NetlensGroupsView      *self,
                                NetlensHistoryRangeKind kind,
                                const char             *since,
                                const char             *until)
{
  g_return_if_fail (NETLENS_IS_GROUPS_VIEW (self));
  g_return_if_fail ((guint) kind <= NETLENS_HISTORY_RANGE_CUSTOM);

  if (kind == NETLENS_HISTORY_RANGE_CUSTOM)
    {
      gtk_editable_set_text (GTK_EDITABLE (self->since_entry), since != NULL ? since : "");
      gtk_editable_set_text (GTK_EDITABLE (self->until_entry), until != NULL ? until : "");
    }
  if (gtk_drop_down_get_selected (GTK_DROP_DOWN (self->range_dropdown)) != kind + 1)
    gtk_drop_down_set_selected (GTK_DROP_DOWN (self->range_dropdown), kind + 1);   /* loads */
  else
    netlens_groups_view_reload (self);
}

gboolean
netlens_groups_view_get_range (NetlensGroupsView       *self,
                               NetlensHistoryRangeKind *kind,
                               const char             **since,
                               const char             **until)
{
  g_return_val_if_fail (NETLENS_IS_GROUPS_VIEW (self), FALSE);

  if (self->range == RANGE_LIVE)
    return FALSE;
  if (kind != NULL)
    *kind = self->range - 1;
  if (since != NULL)
    *since = gtk_editable_get_text (GTK_EDITABLE (self->since_entry));
  if (until != NULL)
    *until = gtk_editable_get_text (GTK_EDITABLE (self->until_entry));
  return TRUE;
}

NetlensGroups *
netlens_groups_view_get_shown_groups (NetlensGroupsView *self)
{
  g_return_val_if_fail (NETLENS_IS_GROUPS_VIEW (self), NULL);
  return shown_groups (self);
}

gboolean
netlens_groups_view_is_loading (NetlensGroupsView *self)
{
  g_return_val_if_fail (NETLENS_IS_GROUPS_VIEW (self), FALSE);
  return self->loading;
}

const char *
netlens_groups_view_get_message (NetlensGroupsView *self)
{
  g_return_val_if_fail (NETLENS_IS_GROUPS_VIEW (self), NULL);
  return self->message;
}

char *
netlens_groups_view_dup_cell_text (NetlensGroupsView *self,
                                   NetlensGroupRow   *row,
                                   const char        *column_id)
{
  g_autoptr(GString) out = g_string_new (NULL);

  g_return_val_if_fail (NETLENS_IS_GROUPS_VIEW (self), NULL);
  g_return_val_if_fail (row != NULL && column_id != NULL, NULL);

  for (guint c = 0; c < N_COLS; c++)
    if (self->columns[c] != NULL && strcmp (columns[c].id, column_id) == 0)
      {
        format_cell (self, c, netlens_group_row_get_group (row), out);
        return g_string_free (g_steal_pointer (&out), FALSE);
      }
  return NULL;
}

/* The keyboard goes to the rows. */
static gboolean
netlens_groups_view_grab_focus (GtkWidget *widget)
{
  return gtk_widget_grab_focus (GTK_WIDGET (NETLENS_GROUPS_VIEW (widget)->view));
}

static void
netlens_groups_view_map (GtkWidget *widget)
{
  NetlensGroupsView *self = NETLENS_GROUPS_VIEW (widget);

  if (self->dirty)
    sync_groups (self);
  GTK_WIDGET_CLASS (netlens_groups_view_parent_class)->map (widget);
  /* a range shown again: with what was written meanwhile */
  if (self->range != RANGE_LIVE)
    netlens_groups_view_reload (self);
}

NetlensGroupKind
netlens_groups_view_get_kind (NetlensGroupsView *self)
{
  g_return_val_if_fail (NETLENS_IS_GROUPS_VIEW (self), NETLENS_GROUP_PROCESS);
  return self->kind;
}

void
netlens_groups_view_set_bits (NetlensGroupsView *self,
                              gboolean           bits)
{
  g_return_if_fail (NETLENS_IS_GROUPS_VIEW (self));

  if (self->bits == !!bits)
    return;
  self->bits = !!bits;
  refresh_bound_cells (self, FALSE);
}

void
netlens_groups_view_set_geo_visible (NetlensGroupsView *self,
                                     gboolean           visible)
{
  g_return_if_fail (NETLENS_IS_GROUPS_VIEW (self));

  if (self->columns[COL_COUNTRY] != NULL)
    gtk_column_view_column_set_visible (self->columns[COL_COUNTRY], visible);
  if (self->columns[COL_ASN] != NULL)
    gtk_column_view_column_set_visible (self->columns[COL_ASN], visible);
}

GListModel *
netlens_groups_view_get_model (NetlensGroupsView *self)
{
  g_return_val_if_fail (NETLENS_IS_GROUPS_VIEW (self), NULL);
  return G_LIST_MODEL (self->sorted);
}

void
netlens_groups_view_sort_by (NetlensGroupsView *self,
                             const char        *column_id,
                             gboolean           descending)
{
  g_return_if_fail (NETLENS_IS_GROUPS_VIEW (self));
  g_return_if_fail (column_id != NULL);

  for (guint c = 0; c < N_COLS; c++)
    if (self->columns[c] != NULL && strcmp (columns[c].id, column_id) == 0)
      {
        gtk_column_view_sort_by_column (self->view, self->columns[c],
                                        descending ? GTK_SORT_DESCENDING : GTK_SORT_ASCENDING);
        return;
      }
  g_warning ("no column %s", column_id);
}

static void
on_view_activate_cb (GtkColumnView     *view,
                     guint              position,
                     NetlensGroupsView *self)
{
  g_autoptr(NetlensGroupRow) row = g_list_model_get_item (G_LIST_MODEL (self->sorted), position);
  g_autofree char *query = NULL;

  if (row == NULL)
    return;
  query = netlens_group_dup_query (netlens_group_row_get_group (row));
  g_signal_emit (self, signals[GROUP_ACTIVATED], 0, query, netlens_group_row_get_key (row));
}

NetlensGroupRow *
netlens_groups_view_get_selected (NetlensGroupsView *self)
{
  g_return_val_if_fail (NETLENS_IS_GROUPS_VIEW (self), NULL);
  return gtk_single_selection_get_selected_item (self->selection);
}

static void
on_selected_item_changed_cb (GtkSingleSelection *selection,
                             GParamSpec         *pspec,
                             NetlensGroupsView  *self)
{
  g_signal_emit (self, signals[SELECTION_CHANGED], 0);
}

/* ------------------------------------------------------------------ object */

static void
build_columns (NetlensGroupsView *self)
{
  for (guint c = 0; c < N_COLS; c++)
    {
      GtkListItemFactory *factory;
      GtkColumnViewColumn *column;
      const char *title;

      if ((columns[c].kinds & KIND_BIT (self->kind)) == 0)
        continue;
      title = self->kind == NETLENS_GROUP_PROCESS ? columns[c].process_title : columns[c].host_title;
      factory = gtk_signal_list_item_factory_new ();
      g_object_set_data (G_OBJECT (factory), "netlens-column", GINT_TO_POINTER (c));
      g_signal_connect (factory, "setup", G_CALLBACK (on_cell_setup_cb), self);
      g_signal_connect (factory, "bind", G_CALLBACK (on_cell_bind_cb), self);
      g_signal_connect (factory, "unbind", G_CALLBACK (on_cell_unbind_cb), self);
      column = gtk_column_view_column_new (_(title), factory);
      gtk_column_view_column_set_resizable (column, TRUE);
      gtk_column_view_column_set_fixed_width (column, columns[c].width);
      if (c == COL_NAME)
        gtk_column_view_column_set_expand (column, TRUE);
      if (c != COL_TOP)
        {
          self->sorters[c] = GTK_SORTER (gtk_custom_sorter_new (compare_rows, GINT_TO_POINTER (c), NULL));
          gtk_column_view_column_set_sorter (column, self->sorters[c]);
        }
      gtk_column_view_append_column (self->view, column);
      self->columns[c] = column;  /* the view holds the reference */
      g_object_unref (column);
    }
}

/* Live, or a range of the history as on the History page. */
static void
build_range_bar (NetlensGroupsView *self)
{
  static const char *ranges[] = { N_("Live"), N_("Last Hour"), N_("Today"), N_("Last 7 Days"),
                                  N_("Custom Range"), NULL };
  const char *translated[G_N_ELEMENTS (ranges)];
  GtkWidget *bar = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);

  gtk_widget_set_margin_start (bar, 6);
  gtk_widget_set_margin_end (bar, 6);
  gtk_widget_set_margin_top (bar, 6);
  gtk_widget_set_margin_bottom (bar, 6);
  for (guint i = 0; i < G_N_ELEMENTS (ranges); i++)
    translated[i] = ranges[i] != NULL ? _(ranges[i]) : NULL;
  self->range_dropdown = gtk_drop_down_new_from_strings (translated);
  gtk_widget_set_tooltip_text (self->range_dropdown, _("Live, or what the history kept"));
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
  self->count_label = gtk_label_new (NULL);
  gtk_widget_add_css_class (self->count_label, "dim-label");
  gtk_widget_set_hexpand (self->count_label, TRUE);
  gtk_label_set_xalign (GTK_LABEL (self->count_label), 1.0);
  gtk_box_append (GTK_BOX (bar), self->count_label);
  gtk_widget_set_parent (bar, GTK_WIDGET (self));
  g_signal_connect (self->range_dropdown, "notify::selected", G_CALLBACK (on_range_changed_cb), self);
}

static void
netlens_groups_view_dispose (GObject *object)
{
  NetlensGroupsView *self = NETLENS_GROUPS_VIEW (object);

  GtkWidget *child;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->selection != NULL)
    g_signal_handlers_disconnect_by_data (self->selection, self);
  if (self->range_dropdown != NULL)
    g_signal_handlers_disconnect_by_data (self->range_dropdown, self);
  self->selection = NULL;
  self->range_dropdown = NULL;
  self->scrolled = NULL;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_pointer (&self->bound, g_hash_table_unref);
  for (guint c = 0; c < N_COLS; c++)
    {
      g_clear_object (&self->sorters[c]);
      self->columns[c] = NULL;
    }
  self->groups = NULL;
  G_OBJECT_CLASS (netlens_groups_view_parent_class)->dispose (object);
}

static void
netlens_groups_view_finalize (GObject *object)
{
  NetlensGroupsView *self = NETLENS_GROUPS_VIEW (object);

  g_clear_pointer (&self->index, g_hash_table_unref);
  g_clear_object (&self->store);
  g_clear_pointer (&self->range_groups, netlens_history_groups_free);
  g_free (self->message);
  g_string_free (self->scratch, TRUE);
  G_OBJECT_CLASS (netlens_groups_view_parent_class)->finalize (object);
}

static void
netlens_groups_view_class_init (NetlensGroupsViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = netlens_groups_view_dispose;
  object_class->finalize = netlens_groups_view_finalize;
  widget_class->map = netlens_groups_view_map;
  widget_class->grab_focus = netlens_groups_view_grab_focus;

  /**
   * NetlensGroupsView::group-activated:
   * @query: (nullable): the filter that shows the group's connections
   * @key: the group's key
   */
  signals[GROUP_ACTIVATED] =
    g_signal_new ("group-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);

  /**
   * NetlensGroupsView::selection-changed:
   *
   * The selected row changed (netlens_groups_view_get_selected()).
   */
  signals[SELECTION_CHANGED] =
    g_signal_new ("selection-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "groupsview");
}

static void
netlens_groups_view_init (NetlensGroupsView *self)
{
  self->scratch = g_string_new (NULL);
  /* its own copies of the keys: a row's strings are replaced when it is updated */
  self->index = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->bound = g_hash_table_new (NULL, NULL);
  self->store = g_list_store_new (NETLENS_TYPE_GROUP_ROW);
  gtk_orientable_set_orientation (GTK_ORIENTABLE (gtk_widget_get_layout_manager (GTK_WIDGET (self))),
                                  GTK_ORIENTATION_VERTICAL);
}

GtkWidget *
netlens_groups_view_new (NetlensGroupKind kind)
{
  NetlensGroupsView *self;
  GtkSorter *sorter;

  g_return_val_if_fail ((guint) kind < NETLENS_N_GROUP_KINDS, NULL);

  self = g_object_new (NETLENS_TYPE_GROUPS_VIEW, NULL);
  self->kind = kind;

  self->view = GTK_COLUMN_VIEW (gtk_column_view_new (NULL));
  gtk_widget_add_css_class (GTK_WIDGET (self->view), "data-table");
  gtk_column_view_set_reorderable (self->view, TRUE);
  build_columns (self);

  sorter = gtk_column_view_get_sorter (self->view);
  self->sorted = gtk_sort_list_model_new (G_LIST_MODEL (g_object_ref (self->store)),
                                          sorter != NULL ? g_object_ref (sorter) : NULL);
  self->selection = gtk_single_selection_new (G_LIST_MODEL (self->sorted));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  gtk_column_view_set_model (self->view, GTK_SELECTION_MODEL (self->selection));
  g_object_unref (self->selection);  /* the view holds it, and it holds the sorted model */
  g_signal_connect (self->view, "activate", G_CALLBACK (on_view_activate_cb), self);
  g_signal_connect (self->selection, "notify::selected-item",
                    G_CALLBACK (on_selected_item_changed_cb), self);

  build_range_bar (self);
  self->scrolled = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (self->scrolled), GTK_WIDGET (self->view));
  self->status_page = adw_status_page_new ();
  adw_status_page_set_icon_name (ADW_STATUS_PAGE (self->status_page), "document-open-recent-symbolic");
  self->stack = gtk_stack_new ();
  gtk_widget_set_vexpand (self->stack, TRUE);
  gtk_stack_add_named (GTK_STACK (self->stack), self->scrolled, "rows");
  gtk_stack_add_named (GTK_STACK (self->stack), self->status_page, "message");
  gtk_widget_set_parent (self->stack, GTK_WIDGET (self));
  update_columns (self);

  gtk_column_view_sort_by_column (self->view, self->columns[COL_RX_RATE], GTK_SORT_DESCENDING);
  /* shown once a GeoIP database is open */
  netlens_groups_view_set_geo_visible (self, FALSE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->view),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  kind == NETLENS_GROUP_PROCESS ? _("Programs") : _("Hosts"),
                                  -1);
  return GTK_WIDGET (self);
}
