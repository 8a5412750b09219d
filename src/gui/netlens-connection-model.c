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
 *  - every row has an entry in `sorted`: its sort key inline (two 64-bit words and
 *    the row id, a total order), whether it passes the filter, and the row;
 *  - a changed row finds its entry by binary search on its previous key; when its
 *    new key still sits between its neighbours it is updated in place (always so
 *    for the default order), else the entry dies and the row is merged back in
 *    with the other moved rows: one sequential pass, no row is dereferenced;
 *  - `visible` (the GListModel's items) is rebuilt from the entries only when
 *    membership or order changed; the first and last differing positions give
 *    one items-changed.
 *
 * Text columns sort on their first 16 bytes (case-folded), then by row id.
 *
 * A full re-sort (a new sort column) or re-filter (a new query) of a large table
 * runs on a worker thread (a GTask): it gets a copy of every entry with the row's
 * snapshot and rates, computes the new keys and filter flags and sorts them, while
 * the main thread keeps committing changes incrementally in the order and filter
 * shown.  The result is swapped in on the main thread: rows that changed or
 * arrived meanwhile are then merged in like changed rows, rows that left
 * meanwhile (kept alive until then) are dropped.  The snapshots the worker reads
 * are not freed until it is done.
 *
 * Every row has a slot in `where`, the index of its entry, kept up to date by every
 * pass that moves entries (the merge writes it for each entry it copies): a changed
 * row finds its entry without a search.  The 10,000 rows that move in a tick are
 * sorted with the comparison inline (sort_entries()).
 *
 * Row objects keep their identity across updates.  The window does not show this
 * model directly: NetlensRowSelection turns its items-changed into position-stable
 * slots (GTK 4.8 would rebind every realised row after a re-sort) and keeps the
 * selection on the connection; the window refreshes the text of the cells it shows
 * on "committed". */

typedef struct
{
  guint64               key;
  guint64               key2;
  guint32               id;
  guint32               slot : 30;   /* the row's index in `where` */
  guint32               flags : 2;
  NetlensConnectionRow *row;
} Entry;

enum
{
  ENTRY_MATCHES = 1 << 0,
  ENTRY_DEAD    = 1 << 1,
};

#define DEFAULT_ASYNC_MIN_ROWS 10000

/* A filter, shared by the model and a job running on a worker. */
typedef struct
{
  gatomicrefcount            ref;
  NetlensConnectionMatchFunc func;
  gpointer                   data;
  GDestroyNotify             destroy;
} MatchFilter;

static MatchFilter *
match_filter_ref (MatchFilter *filter)
{
  if (filter != NULL)
    g_atomic_ref_count_inc (&filter->ref);
  return filter;
}

static void
match_filter_unref (MatchFilter *filter)
{
  if (filter != NULL && g_atomic_ref_count_dec (&filter->ref))
    {
      if (filter->destroy != NULL)
        filter->destroy (filter->data);
      g_free (filter);
    }
}

/* What a job reads: plain data, copied on the main thread when it starts. */
typedef struct
{
  NetlensConnectionRow    *row;     /* not dereferenced by the worker */
  const NetlensConnection *conn;    /* kept alive until the job is swapped in */
  double                   rx_rate;
  double                   tx_rate;
  guint64                  key;
  guint64                  key2;
  guint32                  id;
  guint32                  slot;
  guint32                  flags;
} JobItem;

typedef struct
{
  JobItem            *items;
  guint               n_items;
  gboolean            sort_changed;
  NetlensColumn       column;
  gboolean            descending;
  gboolean            filter_changed;
  NetlensFilterChange filter_change;
  MatchFilter        *filter;
  gboolean            hide_localhost;
  GArray             *result;       /* Entry, in the new order */
  gboolean            done;
} RebuildJob;

struct _NetlensConnectionModel
{
  GObject                    parent_instance;

  GHashTable                *rows;      /* guint32 id -> NetlensConnectionRow (owned) */
  GArray                    *sorted;    /* Entry, every row in sort order */
  GArray                    *where;     /* guint, by row slot: the index of its entry */
  GArray                    *free_slots;/* guint, slots of rows gone */
  GArray                    *spare;     /* Entry, the merge's output buffer */
  GPtrArray                 *visible;   /* the rows shown, sort order (borrowed) */
  GPtrArray                 *spare_visible;
  gboolean                   visible_ready; /* the merge filled spare_visible */
  GPtrArray                 *pending;   /* rows changed since the last commit (borrowed) */
  GPtrArray                 *moving;    /* rows with a non-zero rate at the last commit */
  GArray                    *incoming;  /* Entry, rows to merge in */
  GPtrArray                 *garbage;   /* replaced snapshots, freed off the main thread */

  MatchFilter               *filter;    /* requested (NULL: every row) */
  MatchFilter               *applied;   /* what the flags in `sorted` reflect */
  gboolean                   applied_hide_localhost;
  NetlensFilterChange        filter_change;
  gboolean                   filter_dirty;
  gboolean                   hide_localhost;

  NetlensColumn              sort_column;   /* requested */
  gboolean                   descending;
  gboolean                   sort_dirty;
  NetlensColumn              key_column;    /* what the keys in `sorted` are */
  gboolean                   key_descending;

  RebuildJob                *job;           /* a full re-sort/re-filter on a worker */
  GPtrArray                 *job_touched;   /* rows committed while it ran (refs) */
  GPtrArray                 *graveyard;     /* rows removed while it ran (refs) */
  GPtrArray                 *held_garbage;  /* snapshots it may still read */
  guint                      async_min_rows;

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
  REBUILT,
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

/* Any thread: the filter's function must be thread-safe (the query matcher is). */
static gboolean
conn_passes (const NetlensConnection *conn,
             MatchFilter             *filter,
             gboolean                 hide_localhost)
{
  if (hide_localhost &&
      (addr_is_loopback (conn->key.family, &conn->key.laddr) ||
       addr_is_loopback (conn->key.family, &conn->key.raddr)))
    return FALSE;
  if (filter != NULL && !filter->func (conn, filter->data))
    return FALSE;
  return TRUE;
}

static gboolean
row_passes (NetlensConnectionModel *self,
            NetlensConnectionRow   *row)
{
  if (row->removed)
    return FALSE;
  return conn_passes (row->conn, self->applied, self->applied_hide_localhost);
}

/* ---- sort ---- */

static gboolean
column_is_text (NetlensColumn column)
{
  return column == NETLENS_COLUMN_PROCESS || column == NETLENS_COLUMN_PROTOCOL ||
         column == NETLENS_COLUMN_REMOTE || column == NETLENS_COLUMN_SERVICE ||
         column == NETLENS_COLUMN_APPLICATION || column == NETLENS_COLUMN_STATE ||
         column == NETLENS_COLUMN_COUNTRY;
}

static guint64
double_key (double value)
{
  guint64 bits;

  /* non-negative IEEE doubles order like their bits */
  value = MAX (value, 0.0);
  memcpy (&bits, &value, sizeof bits);
  return bits;
}

/* The entry key of CONN for a sort by COLUMN: a total order with the row id.
 * Any thread (the text columns' formatting is thread-safe). */
static void
compute_key (NetlensColumn            column,
             gboolean                 descending,
             const NetlensConnection *conn,
             double                   rx_rate,
             double                   tx_rate,
             GString                 *scratch,
             guint64                 *key,
             guint64                 *key2)
{
  NetlensFormatContext ctx = { 0 };

  *key2 = 0;
  if (column_is_text (column))
    {
      g_autofree char *folded = NULL;
      guint8 bytes[16] = { 0 };

      g_string_truncate (scratch, 0);
      netlens_format_cell (column, conn, &ctx, scratch);
      if (scratch->len == 0)
        {
          /* empty values last in ascending order */
          *key = *key2 = G_MAXUINT64;
        }
      else
        {
          gsize n = MIN (scratch->len, sizeof bytes);
          gboolean ascii = TRUE;

          /* case folding maps ASCII to ASCII lower case, character by character: an
           * ASCII head needs no folded copy */
          for (gsize i = 0; i < n && ascii; i++)
            ascii = (guchar) scratch->str[i] < 0x80;
          if (ascii)
            for (gsize i = 0; i < n; i++)
              bytes[i] = (guint8) g_ascii_tolower (scratch->str[i]);
          else
            {
              folded = g_utf8_casefold (scratch->str, scratch->len);
              memcpy (bytes, folded, MIN (strlen (folded), sizeof bytes));
            }
          *key = *key2 = 0;
          for (guint i = 0; i < 8; i++)
            {
              *key = (*key << 8) | bytes[i];
              *key2 = (*key2 << 8) | bytes[8 + i];
            }
          if (*key == G_MAXUINT64 && *key2 == G_MAXUINT64)
            *key2 = G_MAXUINT64 - 1;
        }
    }
  else
    switch (column)
      {
      case NETLENS_COLUMN_LOCAL:
        *key = ((guint64) conn->key.family << 56) |
               ((guint64) conn->key.laddr.bytes[0] << 48) | ((guint64) conn->key.laddr.bytes[1] << 40) |
               ((guint64) conn->key.laddr.bytes[2] << 32) | ((guint64) conn->key.laddr.bytes[3] << 24) |
               ((guint64) conn->key.laddr.bytes[4] << 16) | conn->key.lport;
        memcpy (key2, conn->key.laddr.bytes + 5, sizeof *key2);
        *key2 = GUINT64_FROM_BE (*key2);
        break;
      case NETLENS_COLUMN_RX_RATE:
        *key = double_key (rx_rate);
        break;
      case NETLENS_COLUMN_TX_RATE:
        *key = double_key (tx_rate);
        break;
      case NETLENS_COLUMN_BYTES:
        *key = conn->rx_bytes + conn->tx_bytes;
        break;
      case NETLENS_COLUMN_PACKETS:
        *key = (guint64) conn->rx_packets + conn->tx_packets;
        break;
      case NETLENS_COLUMN_AGE:
        /* ascending age: the youngest first */
        *key = (guint64) G_MAXINT64 - (guint64) MAX (conn->first_seen, 0);
        break;
      case NETLENS_COLUMN_NONE:
      case NETLENS_N_COLUMNS:
      default:
        *key = (guint64) MAX (conn->first_seen, 0);
        break;
      }

  if (descending)
    {
      *key = ~*key;
      *key2 = ~*key2;
    }
}

static void
row_compute_key (NetlensConnectionModel *self,
                 NetlensConnectionRow   *row,
                 GString                *scratch,
                 guint64                *key,
                 guint64                *key2)
{
  compute_key (self->key_column, self->key_descending, row->conn, row->rx_rate, row->tx_rate,
               scratch, key, key2);
}

static inline int
compare_keys (guint64 a_key,
              guint64 a_key2,
              guint32 a_id,
              guint64 b_key,
              guint64 b_key2,
              guint32 b_id)
{
  if (a_key != b_key)
    return a_key < b_key ? -1 : 1;
  if (a_key2 != b_key2)
    return a_key2 < b_key2 ? -1 : 1;
  return (a_id > b_id) - (a_id < b_id);
}

static int
compare_entries (gconstpointer pa,
                 gconstpointer pb)
{
  const Entry *a = pa, *b = pb;

  return compare_keys (a->key, a->key2, a->id, b->key, b->key2, b->id);
}

static inline gboolean
entry_less (const Entry *a,
            const Entry *b)
{
  return compare_keys (a->key, a->key2, a->id, b->key, b->key2, b->id) < 0;
}

/* Sorts N entries (distinct keys) with the comparison inline: runs of 16 by
 * insertion, then merged bottom-up through TMP (room for N).  Several times
 * faster than g_array_sort() on the 10,000 rows that move in a tick. */
static void
sort_entries (Entry *a,
              guint  n,
              Entry *tmp)
{
  Entry *src = a, *dst = tmp;

  for (guint lo = 0; lo < n; lo += 16)
    {
      guint hi = MIN (lo + 16, n);

      for (guint i = lo + 1; i < hi; i++)
        {
          Entry e = a[i];
          guint j = i;

          while (j > lo && entry_less (&e, &a[j - 1]))
            {
              a[j] = a[j - 1];
              j--;
            }
          a[j] = e;
        }
    }
  for (guint width = 16; width < n; width *= 2)
    {
      for (guint lo = 0; lo < n; lo += 2 * width)
        {
          guint mid = MIN (lo + width, n), hi = MIN (lo + 2 * width, n);
          guint i = lo, j = mid, k = lo;

          while (i < mid && j < hi)
            dst[k++] = entry_less (&src[j], &src[i]) ? src[j++] : src[i++];
          while (i < mid)
            dst[k++] = src[i++];
          while (j < hi)
            dst[k++] = src[j++];
        }
      {
        Entry *t = src;
        src = dst;
        dst = t;
      }
    }
  if (src != a)
    memcpy (a, src, n * sizeof *a);
}

/* Index of ROW's entry, or -1. */
static gssize
find_entry (NetlensConnectionModel *self,
            NetlensConnectionRow   *row)
{
  const Entry *entries = (const Entry *) (gpointer) self->sorted->data;
  gsize lo = 0, hi = self->sorted->len;
  guint32 id = row->conn->id;
  guint pos = g_array_index (self->where, guint, row->slot);

  /* every change of `sorted` keeps `where` up to date: the search is a safety net */
  if (G_LIKELY (pos < hi && entries[pos].row == row))
    return pos;
  while (lo < hi)
    {
      gsize mid = lo + (hi - lo) / 2;
      int r = compare_keys (entries[mid].key, entries[mid].key2, entries[mid].id,
                            row->key, row->key2, id);
      if (r == 0)
        {
          g_array_index (self->where, guint, row->slot) = (guint) mid;
          return (gssize) mid;
        }
      if (r < 0)
        lo = mid + 1;
      else
        hi = mid;
    }
  return -1;
}

/* ---- object ---- */

static void
netlens_connection_model_finalize (GObject *object)
{
  NetlensConnectionModel *self = (NetlensConnectionModel *) object;

  g_assert (self->job == NULL);   /* a running job holds a reference */
  g_clear_pointer (&self->filter, match_filter_unref);
  g_clear_pointer (&self->applied, match_filter_unref);
  g_clear_pointer (&self->job_touched, g_ptr_array_unref);
  g_clear_pointer (&self->graveyard, g_ptr_array_unref);
  g_clear_pointer (&self->held_garbage, g_ptr_array_unref);
  g_clear_pointer (&self->visible, g_ptr_array_unref);
  g_clear_pointer (&self->spare_visible, g_ptr_array_unref);
  g_clear_pointer (&self->sorted, g_array_unref);
  g_clear_pointer (&self->where, g_array_unref);
  g_clear_pointer (&self->free_slots, g_array_unref);
  g_clear_pointer (&self->spare, g_array_unref);
  g_clear_pointer (&self->incoming, g_array_unref);
  g_clear_pointer (&self->pending, g_ptr_array_unref);
  g_clear_pointer (&self->moving, g_ptr_array_unref);
  g_clear_pointer (&self->garbage, g_ptr_array_unref);
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

  /**
   * NetlensConnectionModel::rebuilt:
   *
   * Emitted after the commit that swapped in a re-sort or re-filter done on a
   * worker thread (the rows shown changed without a commit of the caller's).
   */
  signals[REBUILT] =
    g_signal_new ("rebuilt", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
netlens_connection_model_init (NetlensConnectionModel *self)
{
  self->rows = g_hash_table_new_full (NULL, NULL, NULL, g_object_unref);
  self->sorted = g_array_new (FALSE, FALSE, sizeof (Entry));
  self->where = g_array_new (FALSE, FALSE, sizeof (guint));
  self->free_slots = g_array_new (FALSE, FALSE, sizeof (guint));
  self->spare = g_array_new (FALSE, FALSE, sizeof (Entry));
  self->incoming = g_array_new (FALSE, FALSE, sizeof (Entry));
  self->visible = g_ptr_array_new ();
  self->spare_visible = g_ptr_array_new ();
  self->pending = g_ptr_array_new ();
  self->moving = g_ptr_array_new ();
  self->garbage = g_ptr_array_new_with_free_func ((GDestroyNotify) netlens_connection_free);
  self->sort_column = NETLENS_COLUMN_NONE;
  self->key_column = NETLENS_COLUMN_NONE;
  self->job_touched = g_ptr_array_new_with_free_func (g_object_unref);
  self->graveyard = g_ptr_array_new_with_free_func (g_object_unref);
  self->held_garbage = g_ptr_array_new_with_free_func ((GDestroyNotify) netlens_connection_free);
  self->async_min_rows = DEFAULT_ASYNC_MIN_ROWS;
}

NetlensConnectionModel *
netlens_connection_model_new (void)
{
  return g_object_new (NETLENS_TYPE_CONNECTION_MODEL, NULL);
}

/* ---- updates ---- */

/* Freeing 10k snapshots (owners, names, DPI results) is a good part of a tick:
 * a worker thread does it.  Snapshots are plain data, safe to free anywhere. */
static void
free_garbage_func (gpointer data,
                   gpointer user_data)
{
  g_ptr_array_unref (data);
}

static void
dispose_garbage (NetlensConnectionModel *self)
{
  static GThreadPool *pool;
  static gsize once;

  if (self->garbage->len == 0)
    return;
  if (self->job != NULL)
    {
      /* the job may read them: freed once it is swapped in */
      g_ptr_array_extend_and_steal (self->held_garbage, self->garbage);
      self->garbage = g_ptr_array_new_with_free_func ((GDestroyNotify) netlens_connection_free);
      return;
    }
  if (g_once_init_enter (&once))
    {
      pool = g_thread_pool_new (free_garbage_func, NULL, 1, FALSE, NULL);
      g_once_init_leave (&once, 1);
    }
  if (pool == NULL || !g_thread_pool_push (pool, self->garbage, NULL))
    g_ptr_array_unref (self->garbage);
  self->garbage = g_ptr_array_new_with_free_func ((GDestroyNotify) netlens_connection_free);
}

/* Every row has a slot, an index into `where` (dense: slots of rows gone are reused). */
static guint
alloc_slot (NetlensConnectionModel *self)
{
  guint slot;

  if (self->free_slots->len > 0)
    {
      slot = g_array_index (self->free_slots, guint, self->free_slots->len - 1);
      g_array_set_size (self->free_slots, self->free_slots->len - 1);
      return slot;
    }
  slot = self->where->len;
  g_array_set_size (self->where, slot + 1);
  g_array_index (self->where, guint, slot) = G_MAXUINT;
  return slot;
}

static void
free_slot (NetlensConnectionModel *self,
           guint                   slot)
{
  g_array_index (self->where, guint, slot) = G_MAXUINT;
  g_array_append_val (self->free_slots, slot);
}

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
      row->slot = alloc_slot (self);
      g_hash_table_insert (self->rows, GUINT_TO_POINTER (conn->id), row);
    }
  else
    {
      NetlensConnection *old = _netlens_connection_row_set_snapshot (row, conn);
      if (old != NULL)
        g_ptr_array_add (self->garbage, old);
      /* without commits (the display paused) replaced snapshots must not pile up */
      if (self->garbage->len >= 16384)
        dispose_garbage (self);
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
          /* only an order by rate moves it; its cells are refreshed on every tick */
          if (self->key_column == NETLENS_COLUMN_RX_RATE ||
              self->key_column == NETLENS_COLUMN_TX_RATE)
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

static void
merge_incoming (NetlensConnectionModel *self)
{
  const Entry *a = (const Entry *) (gpointer) self->sorted->data;
  Entry *b = (Entry *) (gpointer) self->incoming->data;
  guint *where = (guint *) (gpointer) self->where->data;
  guint na = self->sorted->len, nb = self->incoming->len;
  guint i = 0, j = 0, k = 0, m = 0;
  gpointer *shown;
  Entry *out;
  GArray *tmp;

  g_array_set_size (self->spare, MAX (na + nb, nb));
  out = (Entry *) (gpointer) self->spare->data;
  sort_entries (b, nb, out);
  /* the rows shown come out of the same pass (the flags are final by now) */
  g_ptr_array_set_size (self->spare_visible, na + nb);
  shown = self->spare_visible->pdata;
#define EMIT(e) G_STMT_START { \
    where[(e).slot] = k; \
    if ((e).flags & ENTRY_MATCHES) \
      shown[m++] = (e).row; \
    out[k++] = (e); \
  } G_STMT_END
  while (i < na && j < nb)
    {
      if (a[i].flags & ENTRY_DEAD)
        i++;
      else if (compare_entries (&a[i], &b[j]) < 0)
        {
          EMIT (a[i]);
          i++;
        }
      else
        {
          EMIT (b[j]);
          j++;
        }
    }
  for (; i < na; i++)
    if (!(a[i].flags & ENTRY_DEAD))
      EMIT (a[i]);
  for (; j < nb; j++)
    EMIT (b[j]);
#undef EMIT
  g_array_set_size (self->spare, k);
  g_ptr_array_set_size (self->spare_visible, m);
  self->visible_ready = TRUE;

  tmp = self->sorted;
  self->sorted = self->spare;
  self->spare = tmp;
}

static void
rebuild_all (NetlensConnectionModel *self,
             GString                *scratch)
{
  GHashTableIter iter;
  gpointer value;

  g_array_set_size (self->sorted, 0);
  g_hash_table_iter_init (&iter, self->rows);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      NetlensConnectionRow *row = value;
      Entry entry;

      if (row->removed)
        {
          row->in_sorted = FALSE;
          continue;
        }
      if (row->pending ||
          (self->filter_dirty &&
           !(self->filter_change == NETLENS_FILTER_CHANGE_STRICTER && !row->matches) &&
           !(self->filter_change == NETLENS_FILTER_CHANGE_LOOSER && row->matches)))
        row->matches = row_passes (self, row);
      row_compute_key (self, row, scratch, &row->key, &row->key2);
      row->in_sorted = TRUE;
      entry.key = row->key;
      entry.key2 = row->key2;
      entry.id = row->conn->id;
      entry.slot = row->slot;
      entry.flags = row->matches ? ENTRY_MATCHES : 0;
      entry.row = row;
      g_array_append_val (self->sorted, entry);
    }
  g_array_sort (self->sorted, compare_entries);
  for (guint i = 0; i < self->sorted->len; i++)
    g_array_index (self->where, guint, g_array_index (self->sorted, Entry, i).slot) = i;
}

/* ---- full re-sort and re-filter on a worker ---- */

static void
rebuild_job_free (RebuildJob *job)
{
  g_free (job->items);
  g_clear_pointer (&job->result, g_array_unref);
  match_filter_unref (job->filter);
  g_free (job);
}

static void
rebuild_job_thread (GTask        *task,
                    gpointer      source_object,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  RebuildJob *job = task_data;
  g_autoptr(GString) scratch = g_string_sized_new (128);
  Entry *out;

  job->result = g_array_sized_new (FALSE, FALSE, sizeof (Entry), job->n_items);
  g_array_set_size (job->result, job->n_items);
  out = (Entry *) (gpointer) job->result->data;
  for (guint i = 0; i < job->n_items; i++)
    {
      const JobItem *it = &job->items[i];
      Entry *e = &out[i];

      e->row = it->row;
      e->id = it->id;
      e->slot = it->slot;
      e->flags = it->flags;
      e->key = it->key;
      e->key2 = it->key2;
      if (job->filter_changed)
        {
          gboolean was = (it->flags & ENTRY_MATCHES) != 0;

          /* a stricter filter only hides rows shown, a looser one only shows hidden ones */
          if (!(job->filter_change == NETLENS_FILTER_CHANGE_STRICTER && !was) &&
              !(job->filter_change == NETLENS_FILTER_CHANGE_LOOSER && was))
            e->flags = conn_passes (it->conn, job->filter, job->hide_localhost) ? ENTRY_MATCHES : 0;
        }
      if (job->sort_changed)
        compute_key (job->column, job->descending, it->conn, it->rx_rate, it->tx_rate, scratch,
                     &e->key, &e->key2);
    }
  /* the filter alone keeps the order */
  if (job->sort_changed)
    {
      g_autofree Entry *tmp = g_new (Entry, MAX (job->n_items, 1));

      sort_entries ((Entry *) (gpointer) job->result->data, job->n_items, tmp);
    }
  g_task_return_boolean (task, TRUE);
}

static void
on_rebuild_job_done_cb (GObject      *object,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  NetlensConnectionModel *self = NETLENS_CONNECTION_MODEL (object);

  g_assert (self->job != NULL);
  self->job->done = TRUE;
  /* swap it in now, not at the next tick */
  netlens_connection_model_commit (self);
}

/* Called from commit(), when `sorted` is consistent: copies what the worker needs
 * and hands the requested filter and sort to it. */
static void
start_rebuild_job (NetlensConnectionModel *self)
{
  RebuildJob *job = g_new0 (RebuildJob, 1);
  const Entry *entries = (const Entry *) (gpointer) self->sorted->data;
  g_autoptr(GTask) task = NULL;

  job->sort_changed = self->sort_dirty;
  job->column = self->sort_column;
  job->descending = self->descending;
  job->filter_changed = self->filter_dirty;
  job->filter_change = self->filter_change;
  job->filter = match_filter_ref (self->filter);
  job->hide_localhost = self->hide_localhost;
  job->items = g_new (JobItem, self->sorted->len);
  for (guint i = 0; i < self->sorted->len; i++)
    {
      const Entry *e = &entries[i];
      JobItem *it;

      if (e->flags & ENTRY_DEAD)
        continue;
      /* the rows are all over the heap: ask for the next ones early */
      if (i + 16 < self->sorted->len)
        __builtin_prefetch (entries[i + 16].row);
      it = &job->items[job->n_items++];
      it->row = e->row;
      it->conn = e->row->conn;
      it->rx_rate = e->row->rx_rate;
      it->tx_rate = e->row->tx_rate;
      it->key = e->key;
      it->key2 = e->key2;
      it->id = e->id;
      it->slot = e->slot;
      it->flags = e->flags;
    }
  self->filter_dirty = FALSE;
  self->sort_dirty = FALSE;
  self->job = job;

  task = g_task_new (self, NULL, on_rebuild_job_done_cb, NULL);
  g_task_set_source_tag (task, start_rebuild_job);
  g_task_set_task_data (task, job, NULL);
  g_task_run_in_thread (task, rebuild_job_thread);
}

/* The job's result becomes `sorted`; rows that changed or came while it ran are
 * pending again, to be merged under the new order and filter. */
static void
swap_in_rebuild_job (NetlensConnectionModel *self)
{
  RebuildJob *job = g_steal_pointer (&self->job);
  const Entry *result = (const Entry *) (gpointer) job->result->data;
  g_autoptr(GHashTable) gone = g_hash_table_new (NULL, NULL);
  g_autoptr(GHashTable) touched = g_hash_table_new (NULL, NULL);

  if (job->filter_changed)
    {
      match_filter_unref (self->applied);
      self->applied = match_filter_ref (job->filter);
      self->applied_hide_localhost = job->hide_localhost;
    }
  if (job->sort_changed)
    {
      self->key_column = job->column;
      self->key_descending = job->descending;
    }

  /* rows gone while the job ran (in the graveyard) or going in this commit; rows
   * committed meanwhile (those that came meanwhile are not in the result) */
  for (guint i = 0; i < self->graveyard->len; i++)
    g_hash_table_add (gone, g_ptr_array_index (self->graveyard, i));
  for (guint i = 0; i < self->pending->len; i++)
    {
      NetlensConnectionRow *row = g_ptr_array_index (self->pending, i);

      if (row->removed)
        g_hash_table_add (gone, row);
    }
  for (guint i = 0; i < self->job_touched->len; i++)
    {
      NetlensConnectionRow *row = g_ptr_array_index (self->job_touched, i);

      row->in_sorted = FALSE;
      g_hash_table_add (touched, row);
    }
  g_array_set_size (self->sorted, 0);
  for (guint i = 0; i < job->result->len; i++)
    {
      const Entry *e = &result[i];
      NetlensConnectionRow *row = e->row;

      if (g_hash_table_size (gone) > 0 && g_hash_table_contains (gone, row))
        {
          row->in_sorted = FALSE;
          continue;
        }
      if (job->sort_changed)
        {
          /* every key changed: the rows must know theirs (find_entry) */
          if (i + 16 < job->result->len)
            __builtin_prefetch (result[i + 16].row);
          row->key = e->key;
          row->key2 = e->key2;
          row->matches = (e->flags & ENTRY_MATCHES) != 0;
          row->in_sorted = TRUE;
        }
      else
        {
          /* the same order: only rows whose flag changed, or that were committed
           * meanwhile, are touched (the position stays a hint, checked before use) */
          if ((e->flags ^ job->items[i].flags) & ENTRY_MATCHES)
            row->matches = (e->flags & ENTRY_MATCHES) != 0;
          if (g_hash_table_size (touched) > 0 && g_hash_table_contains (touched, row))
            {
              /* its key may have moved meanwhile: the result has the one it sits by */
              row->key = e->key;
              row->key2 = e->key2;
              row->in_sorted = TRUE;
            }
        }
      g_array_index (self->where, guint, e->slot) = self->sorted->len;
      g_array_append_vals (self->sorted, e, 1);
    }
  for (guint i = 0; i < self->job_touched->len; i++)
    {
      NetlensConnectionRow *row = g_ptr_array_index (self->job_touched, i);

      if (!row->removed)
        mark_pending (self, row);
    }
  g_ptr_array_set_size (self->job_touched, 0);
  for (guint i = 0; i < self->graveyard->len; i++)
    free_slot (self, ((NetlensConnectionRow *) g_ptr_array_index (self->graveyard, i))->slot);
  g_ptr_array_set_size (self->graveyard, 0);
  g_ptr_array_extend_and_steal (self->garbage, g_steal_pointer (&self->held_garbage));
  self->held_garbage = g_ptr_array_new_with_free_func ((GDestroyNotify) netlens_connection_free);
  rebuild_job_free (job);
}

void
netlens_connection_model_commit (NetlensConnectionModel *self)
{
  g_autoptr(GString) scratch = NULL;
  gboolean membership_changed = FALSE;
  guint n_before;
  guint n_dead = 0;
  guint n_removed = 0;
  gboolean swapped = FALSE;
  gboolean want_full, hold, go_async;

  g_return_if_fail (NETLENS_IS_CONNECTION_MODEL (self));
  decay_rates (self);

  if (self->job != NULL && self->job->done)
    {
      swap_in_rebuild_job (self);
      swapped = TRUE;
    }
  want_full = self->filter_dirty || self->sort_dirty;
  /* while a job runs, commits keep the order and filter shown */
  hold = self->job != NULL;
  go_async = want_full && !hold && self->sorted->len >= self->async_min_rows;

  if (self->pending->len == 0 && !swapped && (!want_full || hold))
    {
      dispose_garbage (self);
      self->serial++;
      self->had_changes = FALSE;
      g_signal_emit (self, signals[COMMITTED], 0);
      return;
    }

  self->serial++;
  scratch = g_string_sized_new (128);
  n_before = self->sorted->len;

  for (guint i = 0; i < self->pending->len; i++)
    ((NetlensConnectionRow *) g_ptr_array_index (self->pending, i))->serial = self->serial;

  if (want_full && !hold && !go_async)
    {
      /* small enough to do here: the requested filter and sort apply now */
      if (self->filter_dirty)
        {
          match_filter_unref (self->applied);
          self->applied = match_filter_ref (self->filter);
          self->applied_hide_localhost = self->hide_localhost;
        }
      if (self->sort_dirty)
        {
          self->key_column = self->sort_column;
          self->key_descending = self->descending;
        }
    }
  membership_changed = swapped;

  if (self->sort_dirty && !hold && !go_async)
    {
      rebuild_all (self, scratch);
      membership_changed = TRUE;
    }
  else
    {
      Entry *entries = (Entry *) (gpointer) self->sorted->data;
      guint len = self->sorted->len;

      /* 1. a new filter: only the entries it can change */
      if (self->filter_dirty && !hold && !go_async)
        for (guint i = 0; i < len; i++)
          {
            Entry *e = &entries[i];
            gboolean was = (e->flags & ENTRY_MATCHES) != 0;
            gboolean now;

            if (e->row->pending ||
                (self->filter_change == NETLENS_FILTER_CHANGE_STRICTER && !was) ||
                (self->filter_change == NETLENS_FILTER_CHANGE_LOOSER && was))
              continue;
            now = row_passes (self, e->row);
            if (now != was)
              {
                e->flags ^= ENTRY_MATCHES;
                e->row->matches = now;
                membership_changed = TRUE;
              }
          }

      /* 2. changed rows: in place when they keep their place, else merged in */
      g_array_set_size (self->incoming, 0);
      for (guint i = 0; i < self->pending->len; i++)
        {
          NetlensConnectionRow *row = g_ptr_array_index (self->pending, i);
          guint32 id = row->conn->id;
          gssize idx = -1;
          guint64 key, key2;
          gboolean matches;
          Entry entry;

          /* the entries of changed rows are all over the table: ask for one a few
           * rows ahead (its row was read by the update, its slot is at hand) */
          if (i + 8 < self->pending->len)
            {
              NetlensConnectionRow *ahead = g_ptr_array_index (self->pending, i + 8);
              guint pos = g_array_index (self->where, guint, ahead->slot);

              if (pos < len)
                __builtin_prefetch (&entries[pos]);
            }
          if (row->in_sorted)
            {
              idx = find_entry (self, row);
              g_assert (idx >= 0);
            }
          if (row->removed)
            {
              if (idx >= 0)
                {
                  entries[idx].flags |= ENTRY_DEAD;
                  n_dead++;
                  row->in_sorted = FALSE;
                  membership_changed = TRUE;
                }
              continue;
            }

          matches = row_passes (self, row);
          row->matches = matches;
          row_compute_key (self, row, scratch, &key, &key2);
          if (idx >= 0)
            {
              Entry *e = &entries[idx];
              gboolean stays =
                (idx == 0 ||
                 compare_keys (entries[idx - 1].key, entries[idx - 1].key2, entries[idx - 1].id,
                               key, key2, id) < 0) &&
                ((guint) idx + 1 == len ||
                 compare_keys (key, key2, id,
                               entries[idx + 1].key, entries[idx + 1].key2, entries[idx + 1].id) < 0);

              if (stays)
                {
                  e->key = row->key = key;
                  e->key2 = row->key2 = key2;
                  if (((e->flags & ENTRY_MATCHES) != 0) != matches)
                    {
                      e->flags ^= ENTRY_MATCHES;
                      membership_changed = TRUE;
                    }
                  continue;
                }
              e->flags |= ENTRY_DEAD;
              n_dead++;
            }
          row->key = key;
          row->key2 = key2;
          row->in_sorted = TRUE;
          entry.key = key;
          entry.key2 = key2;
          entry.id = id;
          entry.slot = row->slot;
          entry.flags = matches ? ENTRY_MATCHES : 0;
          entry.row = row;
          g_array_append_val (self->incoming, entry);
          membership_changed = TRUE;
        }

      /* 3. one sequential merge for every row that moved, came or went */
      if (self->incoming->len > 0 || n_dead > 0)
        merge_incoming (self);
    }

  for (guint i = 0; i < self->pending->len; i++)
    {
      NetlensConnectionRow *row = g_ptr_array_index (self->pending, i);

      row->pending = FALSE;
      if (hold && !row->removed)
        g_ptr_array_add (self->job_touched, g_object_ref (row));
    }
  if (!hold && !go_async)
    {
      self->filter_dirty = FALSE;
      self->sort_dirty = FALSE;
    }
  self->had_changes = FALSE;

  /* 4. the rows shown, and one items-changed for the span that differs */
  if (membership_changed)
    {
      const Entry *entries = (const Entry *) (gpointer) self->sorted->data;
      GPtrArray *old_visible = self->visible;

      self->visible = self->spare_visible;
      if (!self->visible_ready)
        {
          g_ptr_array_set_size (self->visible, 0);
          for (guint i = 0; i < self->sorted->len; i++)
            if (entries[i].flags & ENTRY_MATCHES)
              g_ptr_array_add (self->visible, entries[i].row);
        }
      self->visible_ready = FALSE;
      self->spare_visible = old_visible;
      emit_diff (self, old_visible);
      g_ptr_array_set_size (self->spare_visible, 0);
    }

  /* 5. forget removed rows, only now that the list widgets were told */
  for (guint i = 0; i < self->pending->len; i++)
    {
      NetlensConnectionRow *row = g_ptr_array_index (self->pending, i);
      if (row->removed)
        {
          gpointer value = NULL;

          /* a running job holds a pointer to it: kept until the job is swapped in */
          if (self->job != NULL &&
              g_hash_table_steal_extended (self->rows, GUINT_TO_POINTER (row->conn->id), NULL, &value))
            g_ptr_array_add (self->graveyard, value);
          else
            {
              free_slot (self, row->slot);
              g_hash_table_remove (self->rows, GUINT_TO_POINTER (row->conn->id));
            }
          n_removed++;
        }
    }
  g_ptr_array_set_size (self->pending, 0);
  if (go_async)
    start_rebuild_job (self);
  dispose_garbage (self);

  if (n_before != self->sorted->len || n_removed > 0)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_TOTAL]);
  g_signal_emit (self, signals[COMMITTED], 0);
  if (swapped)
    g_signal_emit (self, signals[REBUILT], 0);
}

gboolean
netlens_connection_model_is_busy (NetlensConnectionModel *self)
{
  g_return_val_if_fail (NETLENS_IS_CONNECTION_MODEL (self), FALSE);
  return self->job != NULL;
}

void
netlens_connection_model_set_async_threshold (NetlensConnectionModel *self,
                                              guint                   n_rows)
{
  g_return_if_fail (NETLENS_IS_CONNECTION_MODEL (self));
  self->async_min_rows = n_rows;
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

  g_clear_pointer (&self->filter, match_filter_unref);
  if (func != NULL)
    {
      self->filter = g_new0 (MatchFilter, 1);
      g_atomic_ref_count_init (&self->filter->ref);
      self->filter->func = func;
      self->filter->data = user_data;
      self->filter->destroy = destroy;
    }
  else if (destroy != NULL)
    destroy (user_data);
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
  if (row == NULL || !row->in_sorted)
    return G_MAXUINT;
  /* rare (selection restore, tests): a scan keeps the hot path free of index upkeep */
  for (guint i = 0; i < self->visible->len; i++)
    if (g_ptr_array_index (self->visible, i) == row)
      return i;
  return G_MAXUINT;
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
