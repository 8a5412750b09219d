/* netlens-connection-model.c
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "netlens-gui"

#include "config.h"

#include <string.h>

#include "netlens-connection-model.h"
#include "netlens-connection-row-private.h"

/* On GTK 4.8 a GtkFilterListModel -> GtkSortListModel chain costs 195 ms per
 * refresh at 100k rows (DESIGN.md), so this model filters and sorts itself:
 *
 *  - every row is in `sorted` (all rows, in sort order) and in `rows` (id -> row);
 *  - a tick's changed rows are taken out of `sorted`, sorted among themselves
 *    and merged back: O(N) pointer moves plus O(k log k) comparisons;
 *  - `visible` is `sorted` without the rows that fail the filter, rebuilt in one
 *    pass; the first and last differing positions give one items-changed.
 *
 * Row objects keep their identity across updates, so GtkSingleSelection keeps its
 * selection on the connection wherever it moves, and the list widgets reuse the
 * cells of rows that stay; the window refreshes the text of the cells it shows on
 * "committed". */

struct _NetlensConnectionModel
{
  GObject                    parent_instance;

  GHashTable                *rows;      /* guint32 id -> NetlensConnectionRow (owned) */
  GPtrArray                 *sorted;    /* every row, sort order (borrowed) */
  GPtrArray                 *visible;   /* the rows shown, sort order (borrowed) */
  GPtrArray                 *pending;   /* rows changed since the last commit (borrowed) */
  GPtrArray                 *moving;    /* rows with a non-zero rate at the last commit */

  NetlensConnectionMatchFunc match;
  gpointer                   match_data;
  GDestroyNotify             match_destroy;
  NetlensFilterChange        filter_change;
  gboolean                   filter_dirty;
  gboolean                   hide_localhost;

  NetlensColumn              sort_column;
  gboolean                   descending;
  gboolean                   sort_dirty;

  gint64                     now_us;
  gboolean                   had_changes;   /* a change set arrived since the last commit */
  guint64                    serial;
};

enum {
  PROP_0,
  PROP_N_TOTAL,
  N_PROPS
};

enum {
  COMMITTED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static GType
netlens_connection_model_get_item_type (GListModel *model)
{
  return NETLENS_TYPE_CONNECTION_ROW;
}

static guint
netlens_connection_model_get_n_items (GListModel *model)
{
  NetlensConnectionModel *self = NETLENS_CONNECTION_MODEL (model);

  return self->visible->len;
}

static gpointer
netlens_connection_model_get_item (GListModel *model,
                                   guint       position)
{
  NetlensConnectionModel *self = NETLENS_CONNECTION_MODEL (model);

  if (position >= self->visible->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->visible, position));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = netlens_connection_model_get_item_type;
  iface->get_n_items = netlens_connection_model_get_n_items;
  iface->get_item = netlens_connection_model_get_item;
}

G_DEFINE_FINAL_TYPE_WITH_CODE (NetlensConnectionModel, netlens_connection_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

/* ---- filter ---- */

static gboolean
addr_is_loopback (NetlensFamily      family,
                  const NetlensAddr *addr)
{
  static const guint8 v6_loopback[16] = { [15] = 1 };

  if (family == NETLENS_FAMILY_IPV4)
    return addr->bytes[0] == 127;
  if (family == NETLENS_FAMILY_IPV6)
    return memcmp (addr->bytes, v6_loopback, 16) == 0;
  return FALSE;
}

static gboolean
row_passes (NetlensConnectionModel *self,
            NetlensConnectionRow   *row)
{
  const NetlensConnection *conn = row->conn;

  if (row->removed)
    return FALSE;
  if (self->hide_localhost &&
      (addr_is_loopback (conn->key.family, &conn->key.laddr) ||
       addr_is_loopback (conn->key.family, &conn->key.raddr)))
    return FALSE;
  if (self->match != NULL && !self->match (conn, self->match_data))
    return FALSE;
  return TRUE;
}

/* ---- sort ---- */

static void
row_update_sort_text (NetlensConnectionModel *self,
                      NetlensConnectionRow   *row)
{
  g_autoptr(GString) text = NULL;
  NetlensFormatContext ctx = { 0 };

  g_clear_pointer (&row->sort_text, g_free);
  switch (self->sort_column)
    {
    case NETLENS_COLUMN_PROCESS:
    case NETLENS_COLUMN_PROTOCOL:
    case NETLENS_COLUMN_REMOTE:
    case NETLENS_COLUMN_SERVICE:
    case NETLENS_COLUMN_APPLICATION:
    case NETLENS_COLUMN_STATE:
      text = g_string_new (NULL);
      netlens_format_cell (self->sort_column, row->conn, &ctx, text);
      row->sort_text = g_utf8_casefold (text->str, text->len);
      break;

    case NETLENS_COLUMN_LOCAL:
    case NETLENS_COLUMN_RX_RATE:
    case NETLENS_COLUMN_TX_RATE:
    case NETLENS_COLUMN_BYTES:
    case NETLENS_COLUMN_PACKETS:
    case NETLENS_COLUMN_AGE:
    case NETLENS_COLUMN_NONE:
    case NETLENS_N_COLUMNS:
    default:
      break;
    }
}

#define CMP(a, b) (((a) > (b)) - ((a) < (b)))

static int
compare_rows_primary (NetlensConnectionModel *self,
                      NetlensConnectionRow   *a,
                      NetlensConnectionRow   *b)
{
  const NetlensConnection *ca = a->conn;
  const NetlensConnection *cb = b->conn;
  int r;

  switch (self->sort_column)
    {
    case NETLENS_COLUMN_PROCESS:
    case NETLENS_COLUMN_PROTOCOL:
    case NETLENS_COLUMN_REMOTE:
    case NETLENS_COLUMN_SERVICE:
    case NETLENS_COLUMN_APPLICATION:
    case NETLENS_COLUMN_STATE:
      /* empty values last in ascending order */
      if ((a->sort_text[0] == '\0') != (b->sort_text[0] == '\0'))
        return a->sort_text[0] == '\0' ? 1 : -1;
      return strcmp (a->sort_text, b->sort_text);

    case NETLENS_COLUMN_LOCAL:
      if ((r = CMP (ca->key.family, cb->key.family)) != 0)
        return r;
      if ((r = memcmp (ca->key.laddr.bytes, cb->key.laddr.bytes, 16)) != 0)
        return r;
      return CMP (ca->key.lport, cb->key.lport);

    case NETLENS_COLUMN_RX_RATE:
      return CMP (a->rx_rate, b->rx_rate);

    case NETLENS_COLUMN_TX_RATE:
      return CMP (a->tx_rate, b->tx_rate);

    case NETLENS_COLUMN_BYTES:
      return CMP (ca->rx_bytes + ca->tx_bytes, cb->rx_bytes + cb->tx_bytes);

    case NETLENS_COLUMN_PACKETS:
      return CMP ((guint64) ca->rx_packets + ca->tx_packets,
                  (guint64) cb->rx_packets + cb->tx_packets);

    case NETLENS_COLUMN_AGE:
      /* older first in ascending order of age */
      return CMP (cb->first_seen, ca->first_seen);

    case NETLENS_COLUMN_NONE:
    case NETLENS_N_COLUMNS:
    default:
      return CMP (ca->first_seen, cb->first_seen);
    }
}

static int
compare_rows (gconstpointer pa,
              gconstpointer pb,
              gpointer      user_data)
{
  NetlensConnectionModel *self = user_data;
  NetlensConnectionRow *a = *(NetlensConnectionRow **) pa;
  NetlensConnectionRow *b = *(NetlensConnectionRow **) pb;
  int r = compare_rows_primary (self, a, b);

  if (r != 0)
    return self->descending ? -r : r;
  /* a total order, so that merging is deterministic and rows never swap places */
  return CMP (a->conn->id, b->conn->id);
}

/* ---- object ---- */

static void
netlens_connection_model_finalize (GObject *object)
{
  NetlensConnectionModel *self = (NetlensConnectionModel *) object;

  if (self->match_destroy != NULL)
    self->match_destroy (self->match_data);
  g_clear_pointer (&self->visible, g_ptr_array_unref);
  g_clear_pointer (&self->sorted, g_ptr_array_unref);
  g_clear_pointer (&self->pending, g_ptr_array_unref);
  g_clear_pointer (&self->moving, g_ptr_array_unref);
  g_clear_pointer (&self->rows, g_hash_table_unref);

  G_OBJECT_CLASS (netlens_connection_model_parent_class)->finalize (object);
}

static void
netlens_connection_model_get_property (GObject    *object,
                                       guint       prop_id,
                                       GValue     *value,
                                       GParamSpec *pspec)
{
  NetlensConnectionModel *self = NETLENS_CONNECTION_MODEL (object);

  switch (prop_id)
    {
    case PROP_N_TOTAL:
      g_value_set_uint (value, g_hash_table_size (self->rows));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
netlens_connection_model_class_init (NetlensConnectionModelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = netlens_connection_model_finalize;
  object_class->get_property = netlens_connection_model_get_property;

  properties[PROP_N_TOTAL] =
    g_param_spec_uint ("n-total", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * NetlensConnectionModel::committed:
   *
   * Emitted after every commit, after items-changed (if any).
   */
  signals[COMMITTED] =
    g_signal_new ("committed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
netlens_connection_model_init (NetlensConnectionModel *self)
{
  self->rows = g_hash_table_new_full (NULL, NULL, NULL, g_object_unref);
  self->sorted = g_ptr_array_new ();
  self->visible = g_ptr_array_new ();
  self->pending = g_ptr_array_new ();
  self->moving = g_ptr_array_new ();
  self->sort_column = NETLENS_COLUMN_NONE;
}

NetlensConnectionModel *
netlens_connection_model_new (void)
{
  return g_object_new (NETLENS_TYPE_CONNECTION_MODEL, NULL);
}

/* ---- updates ---- */

static void
mark_pending (NetlensConnectionModel *self,
              NetlensConnectionRow   *row)
{
  if (!row->pending)
    {
      row->pending = TRUE;
      g_ptr_array_add (self->pending, row);
    }
}

void
netlens_connection_model_set_now (NetlensConnectionModel *self,
                                  gint64                  now_us)
{
  g_return_if_fail (NETLENS_IS_CONNECTION_MODEL (self));

  self->now_us = MAX (self->now_us, now_us);
  self->had_changes = TRUE;
}

gint64
netlens_connection_model_get_now (NetlensConnectionModel *self)
{
  g_return_val_if_fail (NETLENS_IS_CONNECTION_MODEL (self), 0);
  return self->now_us;
}

static void
row_sample_rates (NetlensConnectionModel *self,
                  NetlensConnectionRow   *row)
{
  const NetlensConnection *conn = row->conn;
  gint64 now = conn->ended != 0 ? conn->ended : MAX (self->now_us, conn->last_seen);
  gint64 dt = now - row->sample_us;

  if (conn->ended != 0)
    {
      row->rx_rate = row->tx_rate = 0;
      return;
    }
  /* too short an interval gives meaningless rates: keep the last ones */
  if (dt < G_USEC_PER_SEC / 10)
    return;
  row->rx_rate = (double) (conn->rx_bytes - MIN (conn->rx_bytes, row->sample_rx)) * G_USEC_PER_SEC / dt;
  row->tx_rate = (double) (conn->tx_bytes - MIN (conn->tx_bytes, row->sample_tx)) * G_USEC_PER_SEC / dt;
  row->sample_us = now;
  row->sample_rx = conn->rx_bytes;
  row->sample_tx = conn->tx_bytes;
}

void
netlens_connection_model_update (NetlensConnectionModel *self,
                                 NetlensConnection      *conn)
{
  NetlensConnectionRow *row;

  g_return_if_fail (NETLENS_IS_CONNECTION_MODEL (self));
  g_return_if_fail (conn != NULL);

  row = g_hash_table_lookup (self->rows, GUINT_TO_POINTER (conn->id));
  if (row == NULL)
    {
      row = _netlens_connection_row_new (conn);
      row->sample_us = conn->first_seen;
      g_hash_table_insert (self->rows, GUINT_TO_POINTER (conn->id), row);
    }
  else
    {
      _netlens_connection_row_set_snapshot (row, conn);
      row->removed = FALSE;
    }
  row->touched = self->serial + 1;
  row_sample_rates (self, row);
  mark_pending (self, row);
}

void
netlens_connection_model_remove (NetlensConnectionModel *self,
                                 guint32                 id)
{
  NetlensConnectionRow *row;

  g_return_if_fail (NETLENS_IS_CONNECTION_MODEL (self));

  row = g_hash_table_lookup (self->rows, GUINT_TO_POINTER (id));
  if (row == NULL)
    return;
  row->removed = TRUE;
  mark_pending (self, row);
}

void
netlens_connection_model_clear (NetlensConnectionModel *self)
{
  GHashTableIter iter;
  gpointer value;

  g_return_if_fail (NETLENS_IS_CONNECTION_MODEL (self));

  g_hash_table_iter_init (&iter, self->rows);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      NetlensConnectionRow *row = value;
      row->removed = TRUE;
      mark_pending (self, row);
    }
  self->now_us = 0;
}

/* Rows that moved traffic at the last commit and got no update since have a rate
 * of zero now: they take part in this commit like changed rows. */
static void
decay_rates (NetlensConnectionModel *self)
{
  g_autoptr(GPtrArray) still_moving = g_ptr_array_new ();

  for (guint i = 0; i < self->moving->len; i++)
    {
      NetlensConnectionRow *row = g_ptr_array_index (self->moving, i);

      if (row->removed)
        continue;
      if (self->had_changes && row->touched != self->serial + 1)
        {
          row->rx_rate = row->tx_rate = 0;
          mark_pending (self, row);
        }
    }
  for (guint i = 0; i < self->pending->len; i++)
    {
      NetlensConnectionRow *row = g_ptr_array_index (self->pending, i);
      if (!row->removed && (row->rx_rate > 0 || row->tx_rate > 0))
        g_ptr_array_add (still_moving, row);
    }
  /* rows with a rate that were neither pending nor decayed keep moving */
  for (guint i = 0; i < self->moving->len; i++)
    {
      NetlensConnectionRow *row = g_ptr_array_index (self->moving, i);
      if (!row->pending && !row->removed && (row->rx_rate > 0 || row->tx_rate > 0))
        g_ptr_array_add (still_moving, row);
    }
  g_ptr_array_unref (self->moving);
  self->moving = g_steal_pointer (&still_moving);
}

static void
emit_diff (NetlensConnectionModel *self,
           GPtrArray              *old_visible)
{
  guint old_len = old_visible->len;
  guint new_len = self->visible->len;
  guint min_len = MIN (old_len, new_len);
  guint prefix = 0;
  guint suffix = 0;

  while (prefix < min_len &&
         old_visible->pdata[prefix] == self->visible->pdata[prefix])
    prefix++;
  while (suffix < min_len - prefix &&
         old_visible->pdata[old_len - 1 - suffix] == self->visible->pdata[new_len - 1 - suffix])
    suffix++;

  if (prefix == old_len && prefix == new_len)
    return;
  g_list_model_items_changed (G_LIST_MODEL (self), prefix,
                              old_len - prefix - suffix, new_len - prefix - suffix);
}

void
netlens_connection_model_commit (NetlensConnectionModel *self)
{
  g_autoptr(GPtrArray) old_visible = NULL;
  g_autoptr(GPtrArray) incoming = NULL;
  GPtrArray *merged;
  gboolean text_sort;
  guint n_before;
  guint n_removed = 0;

  g_return_if_fail (NETLENS_IS_CONNECTION_MODEL (self));

  decay_rates (self);

  text_sort = self->sort_column == NETLENS_COLUMN_PROCESS ||
              self->sort_column == NETLENS_COLUMN_PROTOCOL ||
              self->sort_column == NETLENS_COLUMN_REMOTE ||
              self->sort_column == NETLENS_COLUMN_SERVICE ||
              self->sort_column == NETLENS_COLUMN_APPLICATION ||
              self->sort_column == NETLENS_COLUMN_STATE;

  if (self->pending->len == 0 && !self->filter_dirty && !self->sort_dirty)
    {
      self->serial++;
      self->had_changes = FALSE;
      g_signal_emit (self, signals[COMMITTED], 0);
      return;
    }

  self->serial++;

  /* 1. filter: the changed rows, and the rows a new filter can affect */
  for (guint i = 0; i < self->pending->len; i++)
    {
      NetlensConnectionRow *row = g_ptr_array_index (self->pending, i);

      row->matches = row_passes (self, row);
      row->serial = self->serial;
      if (text_sort && !row->removed)
        row_update_sort_text (self, row);
    }
  if (self->filter_dirty)
    {
      for (guint i = 0; i < self->sorted->len; i++)
        {
          NetlensConnectionRow *row = g_ptr_array_index (self->sorted, i);

          if (row->pending)
            continue;
          if ((self->filter_change == NETLENS_FILTER_CHANGE_STRICTER && !row->matches) ||
              (self->filter_change == NETLENS_FILTER_CHANGE_LOOSER && row->matches))
            continue;
          row->matches = row_passes (self, row);
        }
    }

  /* 2. sort: all again when the order changed, else merge the changed rows in */
  n_before = self->sorted->len;
  if (self->sort_dirty)
    {
      GHashTableIter iter;
      gpointer value;

      g_ptr_array_set_size (self->sorted, 0);
      g_hash_table_iter_init (&iter, self->rows);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        {
          NetlensConnectionRow *row = value;

          if (row->removed)
            continue;
          if (text_sort && !row->pending)
            row_update_sort_text (self, row);
          g_ptr_array_add (self->sorted, row);
        }
      g_ptr_array_sort_with_data (self->sorted, compare_rows, self);
    }
  else
    {
      guint j = 0;

      for (guint i = 0; i < self->sorted->len; i++)
        {
          NetlensConnectionRow *row = g_ptr_array_index (self->sorted, i);
          if (!row->pending)
            self->sorted->pdata[j++] = row;
        }
      g_ptr_array_set_size (self->sorted, j);

      incoming = g_ptr_array_sized_new (self->pending->len);
      for (guint i = 0; i < self->pending->len; i++)
        {
          NetlensConnectionRow *row = g_ptr_array_index (self->pending, i);
          if (!row->removed)
            g_ptr_array_add (incoming, row);
        }
      g_ptr_array_sort_with_data (incoming, compare_rows, self);

      merged = g_ptr_array_sized_new (self->sorted->len + incoming->len);
      {
        guint a = 0, b = 0;
        NetlensConnectionRow **pa = (NetlensConnectionRow **) self->sorted->pdata;
        NetlensConnectionRow **pb = (NetlensConnectionRow **) incoming->pdata;

        while (a < self->sorted->len && b < incoming->len)
          {
            if (compare_rows (&pa[a], &pb[b], self) <= 0)
              g_ptr_array_add (merged, pa[a++]);
            else
              g_ptr_array_add (merged, pb[b++]);
          }
        while (a < self->sorted->len)
          g_ptr_array_add (merged, pa[a++]);
        while (b < incoming->len)
          g_ptr_array_add (merged, pb[b++]);
      }
      g_ptr_array_unref (self->sorted);
      self->sorted = merged;
    }

  /* 3. the rows shown */
  old_visible = self->visible;
  self->visible = g_ptr_array_sized_new (old_visible->len + 16);
  for (guint i = 0; i < self->sorted->len; i++)
    {
      NetlensConnectionRow *row = g_ptr_array_index (self->sorted, i);

      if (row->matches)
        {
          row->position = self->visible->len;
          g_ptr_array_add (self->visible, row);
        }
      else
        row->position = G_MAXUINT;
    }

  /* 4. forget removed rows, but only after the list widgets were told */
  for (guint i = 0; i < self->pending->len; i++)
    {
      NetlensConnectionRow *row = g_ptr_array_index (self->pending, i);
      row->pending = FALSE;
      if (row->removed)
        row->position = G_MAXUINT;
    }
  self->filter_dirty = FALSE;
  self->sort_dirty = FALSE;
  self->had_changes = FALSE;

  emit_diff (self, old_visible);

  for (guint i = 0; i < self->pending->len; i++)
    {
      NetlensConnectionRow *row = g_ptr_array_index (self->pending, i);
      if (row->removed)
        {
          g_hash_table_remove (self->rows, GUINT_TO_POINTER (row->conn->id));
          n_removed++;
        }
    }
  g_ptr_array_set_size (self->pending, 0);

  if (n_before != self->sorted->len || n_removed > 0)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_TOTAL]);
  g_signal_emit (self, signals[COMMITTED], 0);
}

guint64
netlens_connection_model_get_serial (NetlensConnectionModel *self)
{
  g_return_val_if_fail (NETLENS_IS_CONNECTION_MODEL (self), 0);
  return self->serial;
}

/* ---- filter and sort ---- */

static NetlensFilterChange
combine_changes (NetlensConnectionModel *self,
                 NetlensFilterChange     change)
{
  /* two edits before one commit: only the same direction twice stays a direction */
  if (!self->filter_dirty)
    return change;
  if (self->filter_change == change)
    return change;
  return NETLENS_FILTER_CHANGE_DIFFERENT;
}

void
netlens_connection_model_set_filter (NetlensConnectionModel    *self,
                                     NetlensConnectionMatchFunc func,
                                     gpointer                   user_data,
                                     GDestroyNotify             destroy,
                                     NetlensFilterChange        change)
{
  g_return_if_fail (NETLENS_IS_CONNECTION_MODEL (self));

  if (self->match_destroy != NULL)
    self->match_destroy (self->match_data);
  self->match = func;
  self->match_data = user_data;
  self->match_destroy = destroy;
  self->filter_change = combine_changes (self, change);
  self->filter_dirty = TRUE;
}

void
netlens_connection_model_set_hide_localhost (NetlensConnectionModel *self,
                                             gboolean                hide)
{
  g_return_if_fail (NETLENS_IS_CONNECTION_MODEL (self));

  hide = !!hide;
  if (self->hide_localhost == hide)
    return;
  self->hide_localhost = hide;
  self->filter_change = combine_changes (self, hide ? NETLENS_FILTER_CHANGE_STRICTER
                                                    : NETLENS_FILTER_CHANGE_LOOSER);
  self->filter_dirty = TRUE;
}

void
netlens_connection_model_set_sort (NetlensConnectionModel *self,
                                   NetlensColumn           column,
                                   gboolean                descending)
{
  g_return_if_fail (NETLENS_IS_CONNECTION_MODEL (self));
  g_return_if_fail (column >= NETLENS_COLUMN_NONE && column < NETLENS_N_COLUMNS);

  descending = !!descending;
  if (self->sort_column == column && self->descending == descending)
    return;
  self->sort_column = column;
  self->descending = descending;
  self->sort_dirty = TRUE;
}

NetlensColumn
netlens_connection_model_get_sort_column (NetlensConnectionModel *self)
{
  g_return_val_if_fail (NETLENS_IS_CONNECTION_MODEL (self), NETLENS_COLUMN_NONE);
  return self->sort_column;
}

gboolean
netlens_connection_model_get_sort_descending (NetlensConnectionModel *self)
{
  g_return_val_if_fail (NETLENS_IS_CONNECTION_MODEL (self), FALSE);
  return self->descending;
}

/* ---- queries ---- */

guint
netlens_connection_model_get_n_total (NetlensConnectionModel *self)
{
  g_return_val_if_fail (NETLENS_IS_CONNECTION_MODEL (self), 0);
  return self->sorted->len;
}

NetlensConnectionRow *
netlens_connection_model_lookup (NetlensConnectionModel *self,
                                 guint32                 id)
{
  g_return_val_if_fail (NETLENS_IS_CONNECTION_MODEL (self), NULL);
  return g_hash_table_lookup (self->rows, GUINT_TO_POINTER (id));
}

guint
netlens_connection_model_get_position (NetlensConnectionModel *self,
                                       guint32                 id)
{
  NetlensConnectionRow *row;

  g_return_val_if_fail (NETLENS_IS_CONNECTION_MODEL (self), G_MAXUINT);

  row = g_hash_table_lookup (self->rows, GUINT_TO_POINTER (id));
  return row != NULL ? row->position : G_MAXUINT;
}

void
netlens_connection_model_foreach_shown (NetlensConnectionModel *self,
                                        GFunc                   func,
                                        gpointer                user_data)
{
  g_return_if_fail (NETLENS_IS_CONNECTION_MODEL (self));

  for (guint i = 0; i < self->visible->len; i++)
    func (g_ptr_array_index (self->visible, i), user_data);
}
