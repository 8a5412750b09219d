/* netlens-groups-view.c: the Processes and Hosts views
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "netlens-gui"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "netlens-groups-view.h"
#include "netlens-group-row.h"
#include "netlens-app-info.h"
#include "netlens-format.h"

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
};

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
  NetlensGroups       *groups;
  GString             *scratch;
  gboolean             dirty;
  gboolean             bits;
};

G_DEFINE_FINAL_TYPE (NetlensGroupsView, netlens_groups_view, GTK_TYPE_WIDGET)

enum
{
  GROUP_ACTIVATED,
  SELECTION_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

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
    case N_COLS:
    default:
      g_assert_not_reached ();
    }
  /* a stable order among equals */
  return r != 0 ? r : strcmp (x->key, y->key);
}

/* ------------------------------------------------------------------ cells */

static void
format_cell (NetlensGroupsView  *self,
             Column              column,
             const NetlensGroup *g,
             GString            *out)
{
  switch (column)
    {
    case COL_NAME:
      {
        const char *name = g->app_id != NULL && self->kind == NETLENS_GROUP_PROCESS
                           ? netlens_app_info_get_name (g->app_id) : NULL;

        if (name == NULL && g_strcmp0 (g->key, "unknown") == 0)
          name = _("Unknown program");
        g_string_append (out, name != NULL ? name : g->label);
      }
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
      if (g->n_open != g->n_connections)
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
      if (g->first_seen > 0)
        {
          g_autoptr(GDateTime) then = g_date_time_new_from_unix_local (g->first_seen / G_USEC_PER_SEC);
          g_autoptr(GDateTime) now = g_date_time_new_now_local ();
          g_autofree char *text = NULL;

          if (then == NULL)
            break;
          if (g_date_time_get_year (then) == g_date_time_get_year (now)
              && g_date_time_get_day_of_year (then) == g_date_time_get_day_of_year (now))
            text = g_date_time_format (then, "%X");
          else
            text = g_date_time_format (then, "%x %X");
          g_string_append (out, text);
        }
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

  self->dirty = FALSE;

  if (self->groups == NULL)
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
    if (netlens_groups_lookup (self->groups, self->kind, key) == NULL)
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

  list = netlens_groups_list (self->groups, self->kind);
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
      self->sorters[c] = GTK_SORTER (gtk_custom_sorter_new (compare_rows, GINT_TO_POINTER (c), NULL));
      gtk_column_view_column_set_sorter (column, self->sorters[c]);
      gtk_column_view_append_column (self->view, column);
      self->columns[c] = column;  /* the view holds the reference */
      g_object_unref (column);
    }
}

static void
netlens_groups_view_dispose (GObject *object)
{
  NetlensGroupsView *self = NETLENS_GROUPS_VIEW (object);

  if (self->selection != NULL)
    g_signal_handlers_disconnect_by_data (self->selection, self);
  self->selection = NULL;
  g_clear_pointer (&self->scrolled, gtk_widget_unparent);
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

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
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

  self->scrolled = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (self->scrolled), GTK_WIDGET (self->view));
  gtk_widget_set_parent (self->scrolled, GTK_WIDGET (self));

  gtk_column_view_sort_by_column (self->view, self->columns[COL_RX_RATE], GTK_SORT_DESCENDING);
  /* shown once a GeoIP database is open */
  netlens_groups_view_set_geo_visible (self, FALSE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->view),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  kind == NETLENS_GROUP_PROCESS ? _("Programs") : _("Hosts"),
                                  -1);
  return GTK_WIDGET (self);
}
