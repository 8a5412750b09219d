/* netlens-history-service.c: the window's history, written and opened off the main thread
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "netlens"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "netlens-history-service.h"
#include "netlens-groups.h"

typedef enum
{
  OP_OPEN,
  OP_CLOSE,
  OP_BEGIN,
  OP_PUSH,
  OP_CLEAR,
  OP_RETENTION,
  OP_SYNC,
  OP_QUERY,
  OP_KNOWN,
  OP_GROUPS,
} OpKind;

typedef struct
{
  OpKind     kind;
  char      *text;       /* OP_OPEN: path; OP_BEGIN: source */
  GPtrArray *rows;       /* OP_PUSH: NetlensConnection *, taken by the history */
  GTask     *task;       /* OP_CLEAR */
  guint      days;       /* OP_RETENTION */
  guint64    max_bytes;
  gint64     since;      /* OP_QUERY */
  gint64     until;
  NetlensQuery *query;
} Op;

struct _NetlensHistoryService
{
  GSettings      *settings;
  GThreadPool    *worker;       /* one thread: operations run in the order queued */
  char           *path;
  gboolean        disabled;     /* --no-history */
  gboolean        enabled;      /* main thread: open or being opened */
  char           *source;       /* main thread: the current session's source */
  GHashTable     *offered;      /* main thread: row id -> last periodic write (µs, pipeline clock) */

  GMutex          lock;         /* the fields below */
  GCond           cond;
  NetlensHistory *history;      /* worker thread only, but read under the lock for counts */
  GError         *error;
  gboolean        write_error_taken;  /* the store's write error was shown */
  guint64         sync_requested;
  guint64         sync_done;
};

static NetlensHistoryService *default_service;
static char *configured_path;
static gboolean configured_disabled;

static void
op_free (Op *op)
{
  g_free (op->text);
  g_clear_pointer (&op->rows, g_ptr_array_unref);
  g_clear_object (&op->task);
  g_clear_pointer (&op->query, netlens_query_unref);
  g_free (op);
}

static void
set_error (NetlensHistoryService *self,
           const GError          *error)
{
  g_mutex_lock (&self->lock);
  g_clear_error (&self->error);
  self->error = error != NULL ? g_error_copy (error) : NULL;
  g_mutex_unlock (&self->lock);
}

void
netlens_history_range_free (NetlensHistoryRange *range)
{
  if (range == NULL)
    return;
  g_clear_pointer (&range->rows, g_ptr_array_unref);
  g_clear_pointer (&range->minutes, g_array_unref);
  g_clear_pointer (&range->damage, g_ptr_array_unref);
  g_free (range);
}

typedef struct
{
  NetlensHistoryRange *range;
  NetlensQuery        *query;
  GCancellable        *cancellable;
} Collect;

static gboolean
collect_row (NetlensHistoryRow *row,
             gpointer           data)
{
  Collect *c = data;

  /* a query typed over (the History page filters as you type): the next one waits */
  if (g_cancellable_is_cancelled (c->cancellable))
    return FALSE;
  /* the rows carry their DPI results: the query language works as on live rows */
  if (c->query == NULL || netlens_query_match (c->query, row->conn))
    {
      g_ptr_array_add (c->range->rows, g_steal_pointer (&row->conn));
      g_ptr_array_add (c->range->damage, g_strdup (row->damage));
      if (row->damage != NULL)
        c->range->n_damaged++;
    }
  return TRUE;
}

/* Every program and host key of the history (netlens_history_service_known_async). */
static gboolean
collect_known (NetlensHistoryRow *row,
               gpointer           data)
{
  GHashTable *known = data;
  g_autofree char *program = netlens_group_key_for_process (row->conn);
  g_autofree char *host = netlens_group_key_for_host (row->conn);

  g_hash_table_add (known, g_strdup_printf ("%u:%s", NETLENS_GROUP_PROCESS, program));
  g_hash_table_add (known, g_strdup_printf ("%u:%s", NETLENS_GROUP_HOST, host));
  return TRUE;
}

/* ---- a range's programs and hosts (netlens_history_service_groups_async) ---- */

void
netlens_history_groups_free (NetlensHistoryGroups *groups)
{
  if (groups == NULL)
    return;
  g_clear_pointer (&groups->groups, netlens_groups_free);
  for (guint k = 0; k < NETLENS_N_GROUP_KINDS; k++)
    g_clear_pointer (&groups->top[k], g_hash_table_unref);
  g_free (groups);
}

typedef struct
{
  NetlensHistoryGroups *result;
  /* per kind: group key -> (key of the other kind -> bytes) */
  GHashTable           *peers[NETLENS_N_GROUP_KINDS];
  guint32               next_id;
} CollectGroups;

static void
add_peer_bytes (GHashTable *peers,
                const char *key,
                const char *peer,
                guint64     bytes)
{
  GHashTable *of_key = g_hash_table_lookup (peers, key);
  guint64 *sum;

  if (of_key == NULL)
    {
      of_key = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      g_hash_table_insert (peers, g_strdup (key), of_key);
    }
  sum = g_hash_table_lookup (of_key, peer);
  if (sum == NULL)
    {
      sum = g_new0 (guint64, 1);
      g_hash_table_insert (of_key, g_strdup (peer), sum);
    }
  *sum += bytes;
}

static gboolean
collect_group_row (NetlensHistoryRow *row,
                   gpointer           data)
{
  CollectGroups *c = data;
  NetlensConnection *conn = row->conn;
  g_autofree char *program = netlens_group_key_for_process (conn);
  g_autofree char *host = netlens_group_key_for_host (conn);
  guint64 bytes = conn->rx_bytes + conn->tx_bytes;

  /* row ids restart with every session: the groups get one id per stored row, and the
   * row is counted, not open (the range's connections, their totals) */
  conn->id = ++c->next_id;
  netlens_groups_update (c->result->groups, conn);
  netlens_groups_remove (c->result->groups, conn->id);
  add_peer_bytes (c->peers[NETLENS_GROUP_PROCESS], program, host, bytes);
  add_peer_bytes (c->peers[NETLENS_GROUP_HOST], host, program, bytes);
  c->result->n_rows++;
  return TRUE;
}

typedef struct
{
  const char *key;
  guint64     bytes;
} PeerBytes;

static int
cmp_peer_bytes (gconstpointer a,
                gconstpointer b)
{
  const PeerBytes *x = a, *y = b;

  if (x->bytes != y->bytes)
    return x->bytes > y->bytes ? -1 : 1;
  return strcmp (x->key, y->key);
}

/* Each group's busiest peers, most bytes first (at most NETLENS_HISTORY_GROUPS_TOP). */
static GHashTable *
top_peers (GHashTable *peers)
{
  GHashTable *top = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_strfreev);
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, peers);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      g_autoptr(GArray) sorted = g_array_new (FALSE, FALSE, sizeof (PeerBytes));
      GHashTableIter inner;
      gpointer peer, sum;
      GStrvBuilder *builder = g_strv_builder_new ();

      g_hash_table_iter_init (&inner, value);
      while (g_hash_table_iter_next (&inner, &peer, &sum))
        {
          PeerBytes pb = { peer, *(guint64 *) sum };
          g_array_append_val (sorted, pb);
        }
      g_array_sort (sorted, cmp_peer_bytes);
      for (guint i = 0; i < MIN (sorted->len, NETLENS_HISTORY_GROUPS_TOP); i++)
        g_strv_builder_add (builder, g_array_index (sorted, PeerBytes, i).key);
      g_hash_table_insert (top, g_strdup (key), g_strv_builder_end (builder));
      g_strv_builder_unref (builder);
    }
  return top;
}

static NetlensHistoryGroups *
read_groups (NetlensHistory *history,
             gint64          since,
             gint64          until,
             GError        **error)
{
  CollectGroups c = { 0 };
  gboolean ok;

  c.result = g_new0 (NetlensHistoryGroups, 1);
  c.result->groups = netlens_groups_new ();
  for (guint k = 0; k < NETLENS_N_GROUP_KINDS; k++)
    c.peers[k] = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify) g_hash_table_unref);
  ok = netlens_history_query (history, since, until, collect_group_row, &c, error);
  for (guint k = 0; k < NETLENS_N_GROUP_KINDS; k++)
    {
      if (ok)
        c.result->top[k] = top_peers (c.peers[k]);
      g_hash_table_unref (c.peers[k]);
    }
  if (!ok)
    g_clear_pointer (&c.result, netlens_history_groups_free);
  return c.result;
}

static gboolean
collect_minute (gint64   minute_us,
                guint64  tx_bytes,
                guint64  rx_bytes,
                gpointer data)
{
  NetlensHistoryMinute m = { minute_us, tx_bytes, rx_bytes };

  g_array_append_val ((GArray *) data, m);
  return TRUE;
}

static void
worker_func (gpointer data,
             gpointer user_data)
{
  NetlensHistoryService *self = user_data;
  Op *op = data;
  g_autoptr(GError) error = NULL;
  NetlensHistory *history = self->history;

  switch (op->kind)
    {
    case OP_OPEN:
      if (history != NULL)
        break;
      /* quick_check of a large file takes a second or more: this is why it is here */
      history = netlens_history_open (op->text, &error);
      if (history == NULL)
        {
          g_message ("history: %s", error->message);
          set_error (self, error);
          break;
        }
      set_error (self, NULL);
      netlens_history_start_writer (history);
      g_mutex_lock (&self->lock);
      self->history = history;
      self->write_error_taken = FALSE;
      g_mutex_unlock (&self->lock);
      break;
    case OP_CLOSE:
      g_mutex_lock (&self->lock);
      self->history = NULL;
      g_mutex_unlock (&self->lock);
      netlens_history_close (history);  /* writes what is queued */
      break;
    case OP_BEGIN:
      if (history != NULL)
        netlens_history_begin_session (history, op->text);
      break;
    case OP_PUSH:
      for (guint i = 0; i < op->rows->len; i++)
        {
          NetlensConnection *conn = g_steal_pointer (&op->rows->pdata[i]);

          if (history != NULL)
            netlens_history_push (history, conn);  /* queues; never waits on the database */
          else
            netlens_connection_free (conn);
        }
      break;
    case OP_RETENTION:
      if (history != NULL)
        netlens_history_set_retention (history, op->days, op->max_bytes);
      break;
    case OP_CLEAR:
      if (history == NULL)
        g_task_return_new_error (op->task, NETLENS_HISTORY_ERROR, NETLENS_HISTORY_ERROR_FAILED,
                                 "%s", _("The history is not open"));
      else if (!netlens_history_clear (history, &error))
        g_task_return_error (op->task, g_steal_pointer (&error));
      else
        g_task_return_boolean (op->task, TRUE);
      break;
    case OP_QUERY:
      {
        NetlensHistoryRange *range;
        Collect collect;

        if (g_task_return_error_if_cancelled (op->task))
          break;
        if (history == NULL)
          {
            const GError *open_error = netlens_history_service_get_error (self);

            if (open_error != NULL)
              g_task_return_error (op->task, g_error_copy (open_error));
            else
              g_task_return_new_error (op->task, NETLENS_HISTORY_ERROR, NETLENS_HISTORY_ERROR_FAILED,
                                       "%s", _("The history is off (Preferences)"));
            break;
          }
        range = g_new0 (NetlensHistoryRange, 1);
        range->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) netlens_connection_free);
        range->minutes = g_array_new (FALSE, FALSE, sizeof (NetlensHistoryMinute));
        range->damage = g_ptr_array_new_with_free_func (g_free);
        /* what was pushed before is in it */
        netlens_history_flush (history);
        collect.range = range;
        collect.query = op->query;
        collect.cancellable = g_task_get_cancellable (op->task);
        if (!netlens_history_query (history, op->since, op->until, collect_row, &collect, &error)
            || g_cancellable_set_error_if_cancelled (collect.cancellable, &error)
            || !netlens_history_query_traffic (history, op->since, op->until, NULL, collect_minute,
                                               range->minutes, &error))
          {
            netlens_history_range_free (range);
            g_task_return_error (op->task, g_steal_pointer (&error));
            break;
          }
        g_task_return_pointer (op->task, range, (GDestroyNotify) netlens_history_range_free);
        break;
      }
    case OP_KNOWN:
      {
        GHashTable *known;

        if (g_task_return_error_if_cancelled (op->task))
          break;
        if (history == NULL)
          {
            g_task_return_new_error (op->task, NETLENS_HISTORY_ERROR, NETLENS_HISTORY_ERROR_FAILED,
                                     "%s", _("The history is not open"));
            break;
          }
        known = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
        if (!netlens_history_query (history, 0, 0, collect_known, known, &error))
          {
            g_hash_table_unref (known);
            g_task_return_error (op->task, g_steal_pointer (&error));
            break;
          }
        g_task_return_pointer (op->task, known, (GDestroyNotify) g_hash_table_unref);
        break;
      }
    case OP_GROUPS:
      {
        NetlensHistoryGroups *groups;

        if (g_task_return_error_if_cancelled (op->task))
          break;
        if (history == NULL)
          {
            const GError *open_error = netlens_history_service_get_error (self);

            if (open_error != NULL)
              g_task_return_error (op->task, g_error_copy (open_error));
            else
              g_task_return_new_error (op->task, NETLENS_HISTORY_ERROR, NETLENS_HISTORY_ERROR_FAILED,
                                       "%s", _("The history is off (Preferences)"));
            break;
          }
        netlens_history_flush (history);   /* what was pushed before is in it */
        groups = read_groups (history, op->since, op->until, &error);
        if (groups == NULL)
          g_task_return_error (op->task, g_steal_pointer (&error));
        else
          g_task_return_pointer (op->task, groups, (GDestroyNotify) netlens_history_groups_free);
        break;
      }
    case OP_SYNC:
      if (history != NULL)
        netlens_history_flush (history);
      g_mutex_lock (&self->lock);
      self->sync_done++;
      g_cond_broadcast (&self->cond);
      g_mutex_unlock (&self->lock);
      break;
    }
  op_free (op);
}

static void
queue_op (NetlensHistoryService *self,
          Op                    *op)
{
  g_thread_pool_push (self->worker, op, NULL);
}

static void
queue_retention (NetlensHistoryService *self)
{
  Op *op = g_new0 (Op, 1);

  op->kind = OP_RETENTION;
  op->days = g_settings_get_uint (self->settings, "history-retention-days");
  op->max_bytes = (guint64) g_settings_get_uint (self->settings, "history-max-size-mb") << 20;
  queue_op (self, op);
}

static void
apply_enabled (NetlensHistoryService *self)
{
  gboolean enabled = !self->disabled && g_settings_get_boolean (self->settings, "history-enabled");
  Op *op;

  if (enabled == self->enabled)
    return;
  self->enabled = enabled;
  op = g_new0 (Op, 1);
  if (enabled)
    {
      op->kind = OP_OPEN;
      op->text = g_strdup (self->path);
      queue_op (self, op);
      queue_retention (self);
      if (self->source != NULL)
        {
          op = g_new0 (Op, 1);
          op->kind = OP_BEGIN;
          op->text = g_strdup (self->source);
          queue_op (self, op);
        }
    }
  else
    {
      op->kind = OP_CLOSE;
      queue_op (self, op);
      g_hash_table_remove_all (self->offered);
    }
}

static void
on_settings_changed_cb (GSettings  *settings,
                        const char *key,
                        gpointer    user_data)
{
  NetlensHistoryService *self = user_data;

  if (g_str_equal (key, "history-enabled"))
    apply_enabled (self);
  else if (self->enabled && (g_str_equal (key, "history-retention-days")
                             || g_str_equal (key, "history-max-size-mb")))
    queue_retention (self);
}

void
netlens_history_service_configure (const char *path,
                                   gboolean    disabled)
{
  g_return_if_fail (default_service == NULL);
  g_free (configured_path);
  configured_path = g_strdup (path);
  configured_disabled = disabled;
}

NetlensHistoryService *
netlens_history_service_get_default (void)
{
  NetlensHistoryService *self;

  if (default_service != NULL)
    return default_service;
  self = g_new0 (NetlensHistoryService, 1);
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->path = configured_path != NULL ? g_strdup (configured_path) : netlens_history_default_path ();
  self->disabled = configured_disabled;
  self->offered = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  self->worker = g_thread_pool_new (worker_func, self, 1, FALSE, NULL);
  self->settings = g_settings_new (APPLICATION_ID);
  g_signal_connect (self->settings, "changed", G_CALLBACK (on_settings_changed_cb), self);
  default_service = self;
  apply_enabled (self);
  return self;
}

void
netlens_history_service_shutdown (void)
{
  NetlensHistoryService *self = default_service;
  Op *op;

  if (self == NULL)
    return;
  default_service = NULL;
  g_signal_handlers_disconnect_by_data (self->settings, self);
  g_clear_object (&self->settings);
  op = g_new0 (Op, 1);
  op->kind = OP_CLOSE;
  queue_op (self, op);
  g_thread_pool_free (self->worker, FALSE, TRUE);  /* runs what is queued, then returns */
  g_hash_table_unref (self->offered);
  g_clear_error (&self->error);
  g_free (self->path);
  g_free (self->source);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  g_free (self);
}

gboolean
netlens_history_service_is_enabled (NetlensHistoryService *self)
{
  return self->enabled;
}

GError *
netlens_history_service_take_write_error (NetlensHistoryService *self)
{
  GError *error = NULL;

  g_return_val_if_fail (self != NULL, NULL);
  /* The store's writer fails on its own thread.  SELF->history is cleared under LOCK before
   * the worker closes it, so it stays valid here; the store's own lock nests inside. */
  g_mutex_lock (&self->lock);
  if (!self->write_error_taken && self->history != NULL
      && netlens_history_get_error (self->history, &error))
    self->write_error_taken = TRUE;
  g_mutex_unlock (&self->lock);
  return error;
}

const GError *
netlens_history_service_get_error (NetlensHistoryService *self)
{
  const GError *error;

  /* written by the worker only when an open ends; the pointer stays valid until the next
   * open, which the main thread itself queues */
  g_mutex_lock (&self->lock);
  error = self->error;
  g_mutex_unlock (&self->lock);
  return error;
}

char *
netlens_history_service_get_path (NetlensHistoryService *self)
{
  return g_strdup (self->path);
}

void
netlens_history_service_begin_session (NetlensHistoryService *self,
                                       const char            *source)
{
  Op *op;

  g_free (self->source);
  self->source = g_strdup (source);
  g_hash_table_remove_all (self->offered);
  if (!self->enabled)
    return;
  op = g_new0 (Op, 1);
  op->kind = OP_BEGIN;
  op->text = g_strdup (source);
  queue_op (self, op);
}

void
netlens_history_service_feed (NetlensHistoryService *self,
                              GPtrArray             *sets,
                              GPtrArray             *ended)
{
  const gint64 interval = (gint64) NETLENS_HISTORY_SERVICE_LIVE_INTERVAL_S * G_USEC_PER_SEC;
  GPtrArray *rows;
  Op *op;

  if (!self->enabled)
    return;
  rows = g_ptr_array_new_with_free_func ((GDestroyNotify) netlens_connection_free);
  for (guint s = 0; sets != NULL && s < sets->len; s++)
    {
      NetlensChangeSet *set = g_ptr_array_index (sets, s);

      for (guint i = 0; i < set->updated->len; i++)
        {
          const NetlensConnection *conn = g_ptr_array_index (set->updated, i);
          gint64 *last;

          /* a long-lived row: once it has lived a minute, then once a minute */
          if (conn == NULL || conn->ended != 0 || set->now_us - conn->first_seen < interval)
            continue;
          last = g_hash_table_lookup (self->offered, GUINT_TO_POINTER (conn->id));
          if (last != NULL && set->now_us - *last < interval)
            continue;
          if (last == NULL)
            {
              last = g_new (gint64, 1);
              g_hash_table_insert (self->offered, GUINT_TO_POINTER (conn->id), last);
            }
          *last = set->now_us;
          g_ptr_array_add (rows, netlens_connection_snapshot (conn));
        }
      for (guint i = 0; i < set->removed->len; i++)
        g_hash_table_remove (self->offered,
                             GUINT_TO_POINTER (g_array_index (set->removed, guint32, i)));
    }
  for (guint i = 0; ended != NULL && i < ended->len; i++)
    g_ptr_array_add (rows, netlens_connection_snapshot (g_ptr_array_index (ended, i)));
  if (rows->len == 0)
    {
      g_ptr_array_unref (rows);
      return;
    }
  op = g_new0 (Op, 1);
  op->kind = OP_PUSH;
  op->rows = rows;
  queue_op (self, op);
}

void
netlens_history_service_clear_async (NetlensHistoryService *self,
                                     GCancellable          *cancellable,
                                     GAsyncReadyCallback    callback,
                                     gpointer               user_data)
{
  Op *op = g_new0 (Op, 1);

  op->kind = OP_CLEAR;
  op->task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (op->task, netlens_history_service_clear_async);
  queue_op (self, op);
}

gboolean
netlens_history_service_clear_finish (NetlensHistoryService *self,
                                      GAsyncResult          *result,
                                      GError               **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
netlens_history_service_known_async (NetlensHistoryService *self,
                                     GCancellable          *cancellable,
                                     GAsyncReadyCallback    callback,
                                     gpointer               user_data)
{
  Op *op = g_new0 (Op, 1);

  op->kind = OP_KNOWN;
  op->task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (op->task, netlens_history_service_known_async);
  queue_op (self, op);
}

GHashTable *
netlens_history_service_known_finish (NetlensHistoryService *self,
                                      GAsyncResult          *result,
                                      GError               **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
netlens_history_service_query_async (NetlensHistoryService *self,
                                     gint64                 since_us,
                                     gint64                 until_us,
                                     NetlensQuery          *query,
                                     GCancellable          *cancellable,
                                     GAsyncReadyCallback    callback,
                                     gpointer               user_data)
{
  Op *op = g_new0 (Op, 1);

  op->kind = OP_QUERY;
  op->since = since_us;
  op->until = until_us;
  op->query = query != NULL ? netlens_query_ref (query) : NULL;
  op->task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (op->task, netlens_history_service_query_async);
  queue_op (self, op);
}

NetlensHistoryRange *
netlens_history_service_query_finish (NetlensHistoryService *self,
                                      GAsyncResult          *result,
                                      GError               **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
netlens_history_service_groups_async (NetlensHistoryService *self,
                                      gint64                 since_us,
                                      gint64                 until_us,
                                      GCancellable          *cancellable,
                                      GAsyncReadyCallback    callback,
                                      gpointer               user_data)
{
  Op *op = g_new0 (Op, 1);

  op->kind = OP_GROUPS;
  op->since = since_us;
  op->until = until_us;
  op->task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (op->task, netlens_history_service_groups_async);
  queue_op (self, op);
}

NetlensHistoryGroups *
netlens_history_service_groups_finish (NetlensHistoryService *self,
                                       GAsyncResult          *result,
                                       GError               **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

gboolean
netlens_history_service_sync (NetlensHistoryService *self)
{
  Op *op = g_new0 (Op, 1);
  guint64 target;

  op->kind = OP_SYNC;
  g_mutex_lock (&self->lock);
  target = ++self->sync_requested;
  g_mutex_unlock (&self->lock);
  queue_op (self, op);
  g_mutex_lock (&self->lock);
  while (self->sync_done < target)
    g_cond_wait (&self->cond, &self->lock);
  g_mutex_unlock (&self->lock);
  return self->error == NULL;
}

guint64
netlens_history_service_get_written (NetlensHistoryService *self)
{
  guint64 n = 0;

  g_mutex_lock (&self->lock);
  if (self->history != NULL)
    n = netlens_history_get_written (self->history);
  g_mutex_unlock (&self->lock);
  return n;
}
