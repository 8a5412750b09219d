/* netlens-pipeline.c: reader -> worker pool -> (UI snapshots, ended rows)
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "netlens-pipeline"

#include "config.h"

#include <string.h>

#include <glib.h>

#include "netlens-conn-table.h"
#include "netlens-dpi.h"
#include "netlens-pipeline.h"

#define USEC 1000000
#define BATCH_PACKETS 256
#define BATCH_BYTES (256 * 1024)
#define BATCHES_PER_WORKER 32
/* Blocks of frames one batch may point into (push_frame); a batch that needs more is sent. */
#define BATCH_BLOCKS 16
/* How many packets ahead a worker prefetches a bucket, then its rows */
#define PREFETCH_BUCKET 16
#define PREFETCH_ROWS 8
/* The first bytes of a payload are all DPI reads from one packet. */
#define DPI_PAYLOAD_MAX 4096
#define FRAG_CACHE_MAX 4096
#define OWNER_MAP_MAX 65536
#define DEFAULT_MAX_CONNECTIONS (1024 * 1024)
#define NAME_CACHE_ENTRIES 65536
#define NAME_CACHE_FRESHNESS_S 3600

typedef enum
{
  MSG_PACKETS,
  MSG_TICK,
  MSG_OWNER,
  MSG_CHANGES,
  MSG_FINISH,
  MSG_SETTINGS,
} MsgType;

typedef struct
{
  MsgType        type;
  gboolean       pooled;
  gint64         now;
  guint          n;
  NetlensPacket  pkts[BATCH_PACKETS];
  guint8        *data;
  gsize          data_len;
  /* push_frame: raw[i] non-NULL is a frame the worker decodes (pkts[i] holds its time and
   * lengths only), read with LINK_TYPE; raw_dpi[i] tells whether DPI was on for it */
  const guint8  *raw[BATCH_PACKETS];
  guint32        hash[BATCH_PACKETS];   /* the flow key's hash: the worker prefetches its row */
  guint8         raw_dpi[BATCH_PACKETS];
  int            link_type;
  guint          n_blocks;
  NetlensFrameBlock *blocks[BATCH_BLOCKS];   /* referenced while the batch is in use */
} Batch;

typedef struct
{
  MsgType        type;
  gboolean       pooled;
  gint64         now;
  guint8         proto;
  NetlensFamily  family;
  NetlensAddr    laddr;
  NetlensAddr    raddr;
  guint16        lport;
  guint16        rport;
  NetlensOwner  *owner;
} OwnerMsg;

typedef struct
{
  MsgType  type;
  gboolean pooled;
  gint64   now;
} ControlMsg;

typedef struct
{
  MsgType         type;
  gboolean        pooled;
  gint64          now;
  gboolean        has_timeouts;
  NetlensTimeouts timeouts;
  gboolean        has_dpi;
  gboolean        dpi;
} SettingsMsg;

typedef struct
{
  NetlensPipeline  *pipeline;
  guint             index;
  GThread          *thread;
  GAsyncQueue      *in;
  NetlensConnTable *table;
  gint              live_rows;   /* the table's size, published after each message */
  Batch            *filling;     /* reader side: the batch being filled for this worker */
  gint64            now;
} Worker;

typedef struct
{
  NetlensFamily family;
  NetlensAddr   addr;
  NetlensOwner *owner;
} OwnerEntry;

typedef struct
{
  guint32 id;
  guint16 sport;
  guint16 dport;
} FragPorts;

#define QUIC_CIDS_MAX 16384

/* A row's QUIC results as the registry keeps them: one copy per registration, shared by the
 * entries of its connection IDs. */
typedef struct
{
  gint        ref_count;
  NetlensDpi *results;
} QuicResults;

typedef struct
{
  guint32      row_id;
  gboolean     owned_by_client;  /* the ID names the client's end (packets to it go to the client) */
  QuicResults *shared;
} QuicEntry;

static void
quic_entry_free (gpointer p)
{
  QuicEntry *e = p;

  if (g_atomic_int_dec_and_test (&e->shared->ref_count))
    {
      netlens_dpi_free (e->shared->results);
      g_free (e->shared);
    }
  g_free (e);
}

struct _NetlensPipeline
{
  NetlensPipelineConfig config;
  guint                 n_workers;
  Worker               *workers;
  GAsyncQueue          *free_batches;
  GAsyncQueue          *changes;
  int                   link_type;
  gboolean              started;
  gint                  started_flag;
  GMutex                start_mutex;   /* also orders finish() against request_changes() */
  gboolean              finished;
  gint64                last_tick;    /* reader side, microseconds */
  guint                 max_connections;
  guint64               pending_packets; /* reader side, not yet in stats */
  guint64               pending_bytes;
  gint                  dpi_on;        /* live setting, read by the reader for each packet */

  GMutex                sink_mutex;
  NetlensRowSink        sink;
  gpointer              sink_data;

  GMutex                stats_mutex;
  NetlensStats          stats;

  NetlensNameCache     *names;

  GMutex                owner_mutex;
  GHashTable           *owners;       /* (proto << 16 | port) -> GArray of OwnerEntry */
  guint                 n_owner_entries;

  GRWLock               local_lock;
  GHashTable           *local_addrs;  /* family byte + address (17 bytes) as GBytes */
  gint                  has_local;

  GMutex                quic_mutex;
  GHashTable           *quic_cids;    /* connection ID (GBytes) -> QuicEntry */

  GHashTable           *frags;        /* reader side: fragment id -> FragPorts */
  GString              *frag_key;
};

void
netlens_pipeline_config_init (NetlensPipelineConfig *config)
{
  memset (config, 0, sizeof *config);
  config->dpi = TRUE;
  netlens_timeouts_init_defaults (&config->timeouts);
}

void
netlens_change_set_free (NetlensChangeSet *set)
{
  if (set == NULL)
    return;
  g_ptr_array_unref (set->updated);
  g_array_unref (set->removed);
  g_free (set);
}

/* ---- owners and local addresses (shared by the workers) ----------------------- */

static NetlensOwner *
lookup_owner (guint8             proto,
              NetlensFamily      family,
              const NetlensAddr *addr,
              guint16            port,
              gpointer           user_data)
{
  NetlensPipeline *self = user_data;
  NetlensOwner *found = NULL;
  GArray *entries;
  static const NetlensAddr any = { { 0 } };

  g_mutex_lock (&self->owner_mutex);
  entries = g_hash_table_lookup (self->owners, GUINT_TO_POINTER (((guint) proto << 16) | port));
  if (entries != NULL)
    {
      /* an exact address wins over a wildcard bind */
      for (guint i = entries->len; i > 0; i--)
        {
          OwnerEntry *e = &g_array_index (entries, OwnerEntry, i - 1);

          if (e->family != family)
            continue;
          if (memcmp (&e->addr, addr, sizeof *addr) == 0)
            {
              found = e->owner;
              break;
            }
          if (found == NULL && memcmp (&e->addr, &any, sizeof any) == 0)
            found = e->owner;
        }
    }
  if (found != NULL)
    netlens_owner_ref (found);
  g_mutex_unlock (&self->owner_mutex);
  return found;
}

static void
owner_entries_free (gpointer data)
{
  GArray *entries = data;

  for (guint i = 0; i < entries->len; i++)
    netlens_owner_unref (g_array_index (entries, OwnerEntry, i).owner);
  g_array_unref (entries);
}

static gboolean
is_local_addr (NetlensFamily      family,
               const NetlensAddr *addr,
               gpointer           user_data)
{
  NetlensPipeline *self = user_data;
  guint8 k[17];
  gboolean ret;

  if (!g_atomic_int_get (&self->has_local))
    return FALSE;
  k[0] = family;
  memcpy (k + 1, addr->bytes, 16);
  g_rw_lock_reader_lock (&self->local_lock);
  {
    g_autoptr(GBytes) b = g_bytes_new_static (k, sizeof k);

    ret = g_hash_table_contains (self->local_addrs, b);
  }
  g_rw_lock_reader_unlock (&self->local_lock);
  return ret;
}

void
netlens_pipeline_set_local_addresses (NetlensPipeline   *self,
                                      NetlensFamily      family,
                                      const NetlensAddr *addrs,
                                      guint              n_addrs)
{
  GHashTableIter iter;
  gpointer key;

  g_return_if_fail (self != NULL);
  g_rw_lock_writer_lock (&self->local_lock);
  g_hash_table_iter_init (&iter, self->local_addrs);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (((const guint8 *) g_bytes_get_data (key, NULL))[0] == family)
      g_hash_table_iter_remove (&iter);
  for (guint i = 0; i < n_addrs; i++)
    {
      guint8 k[17];

      k[0] = family;
      memcpy (k + 1, addrs[i].bytes, 16);
      g_hash_table_add (self->local_addrs, g_bytes_new (k, sizeof k));
    }
  g_atomic_int_set (&self->has_local, g_hash_table_size (self->local_addrs) > 0);
  g_rw_lock_writer_unlock (&self->local_lock);
}

/* ---- workers ------------------------------------------------------------------- */

static void
on_row_ended (NetlensConnection *conn,
              gpointer           user_data)
{
  NetlensPipeline *self = user_data;

  if (conn->end_reason == NETLENS_END_EVICTED)
    {
      g_mutex_lock (&self->stats_mutex);
      self->stats.connections_evicted++;
      g_mutex_unlock (&self->stats_mutex);
    }
  if (self->sink == NULL)
    return;
  g_mutex_lock (&self->sink_mutex);
  self->sink (netlens_connection_snapshot (conn), self->sink_data);
  g_mutex_unlock (&self->sink_mutex);
}

static void
release_msg (NetlensPipeline *self,
             gpointer         msg)
{
  Batch *batch = msg;

  if (batch->pooled)
    {
      for (guint i = 0; i < batch->n_blocks; i++)
        netlens_frame_block_unref (batch->blocks[i]);
      batch->n_blocks = 0;
      batch->n = 0;
      batch->data_len = 0;
      g_async_queue_push (self->free_batches, batch);
    }
  else
    g_free (msg);
}

static void
publish_changes (Worker *w)
{
  NetlensChangeSet *set = g_new0 (NetlensChangeSet, 1);

  set->worker = w->index;
  set->now_us = w->now;
  set->updated = g_ptr_array_new_with_free_func ((GDestroyNotify) netlens_connection_free);
  set->removed = g_array_new (FALSE, FALSE, sizeof (guint32));
  netlens_conn_table_collect_changes (w->table, set->updated, set->removed);
  g_async_queue_push (w->pipeline->changes, set);
}

void
netlens_frame_block_unref (NetlensFrameBlock *block)
{
  if (g_atomic_int_dec_and_test (&block->refs))
    block->release (block);
}

/* A frame of a push_frame() batch, decoded on the worker as the reader would have. */
static gboolean
decode_raw (NetlensPipeline *self,
            const Batch     *b,
            guint            i,
            NetlensPacket   *out)
{
  const NetlensPacket *h = &b->pkts[i];

  if (netlens_decode_packet (b->link_type, b->raw[i], h->caplen, h->wirelen, h->ts_us,
                             out) != NETLENS_DECODE_OK || out->proto == NETLENS_PROTO_NONE)
    {
      /* the reader's peek took only frames that decode: not reached */
      g_mutex_lock (&self->stats_mutex);
      self->stats.undecodable++;
      g_mutex_unlock (&self->stats_mutex);
      return FALSE;
    }
  if (!b->raw_dpi[i] || out->payload_len == 0)
    {
      out->payload = NULL;
      out->payload_len = 0;
    }
  else
    out->payload_len = MIN (out->payload_len, DPI_PAYLOAD_MAX);
  return TRUE;
}

static gpointer
worker_main (gpointer data)
{
  Worker *w = data;
  NetlensPipeline *self = w->pipeline;
  gboolean running = TRUE;

  while (running)
    {
      ControlMsg *msg = g_async_queue_pop (w->in);

      switch (msg->type)
        {
        case MSG_PACKETS:
          {
            Batch *b = (Batch *) msg;

            for (guint i = 0; i < b->n; i++)
              {
                NetlensPacket decoded, *pkt = &b->pkts[i];

                /* the row lookups miss the cache: ask for them ahead */
                if (i + PREFETCH_BUCKET < b->n)
                  netlens_conn_table_prefetch_bucket (w->table, b->hash[i + PREFETCH_BUCKET]);
                if (i + PREFETCH_ROWS < b->n)
                  {
                    netlens_conn_table_prefetch_rows (w->table, b->hash[i + PREFETCH_ROWS]);
                    if (b->raw[i + PREFETCH_ROWS] != NULL)
                      {
                        /* the headers the decode reads, written by the reader's core */
                        __builtin_prefetch (b->raw[i + PREFETCH_ROWS]);
                        __builtin_prefetch (b->raw[i + PREFETCH_ROWS] + 64);
                      }
                  }

                if (b->raw[i] != NULL)
                  {
                    if (!decode_raw (self, b, i, &decoded))
                      continue;
                    pkt = &decoded;
                  }
                netlens_conn_table_process (w->table, pkt);
                if (pkt->ts_us > w->now)
                  w->now = pkt->ts_us;
              }
            if (b->now > w->now)
              w->now = b->now;
            netlens_conn_table_expire (w->table, w->now);
          }
          break;
        case MSG_TICK:
          if (msg->now > w->now)
            w->now = msg->now;
          netlens_conn_table_expire (w->table, w->now);
          break;
        case MSG_OWNER:
          {
            OwnerMsg *o = (OwnerMsg *) msg;

            netlens_conn_table_set_owner (w->table, o->proto, o->family, &o->laddr, o->lport,
                                          &o->raddr, o->rport, o->owner);
            netlens_owner_unref (o->owner);
          }
          break;
        case MSG_CHANGES:
          publish_changes (w);
          break;
        case MSG_SETTINGS:
          {
            SettingsMsg *m = (SettingsMsg *) msg;

            if (m->has_timeouts)
              {
                netlens_conn_table_set_timeouts (w->table, &m->timeouts);
                netlens_conn_table_expire (w->table, w->now);
              }
            if (m->has_dpi)
              netlens_conn_table_set_dpi (w->table, m->dpi, self->names);
          }
          break;
        case MSG_FINISH:
          if (msg->now > w->now)
            w->now = msg->now;
          netlens_conn_table_end_all (w->table, w->now);
          running = FALSE;
          break;
        default:
          g_assert_not_reached ();
        }
      release_msg (self, msg);
      g_atomic_int_set (&w->live_rows, (gint) netlens_conn_table_size (w->table));
    }
  return NULL;
}

/* Rows are oriented with the client local (files: the initiator; live: this machine),
 * so the sender of a packet from the local side is the client. */
static void
quic_register (NetlensConnection   *conn,
               const NetlensPacket *pkt,
               gboolean             from_local,
               gpointer             user_data)
{
  NetlensPipeline *self = user_data;
  guint8 dcid[20], scid[20], dl = 0, sl = 0;
  QuicResults *shared = NULL;

  if (conn->dpi == NULL ||
      !netlens_dpi_quic_long_header_cids (pkt->payload, pkt->payload_len, dcid, &dl, scid, &sl))
    return;
  g_mutex_lock (&self->quic_mutex);
  if (g_hash_table_size (self->quic_cids) >= QUIC_CIDS_MAX)
    g_hash_table_remove_all (self->quic_cids);
  for (guint i = 0; i < 2; i++)
    {
      const guint8 *cid = i == 0 ? dcid : scid;
      guint8 len = i == 0 ? dl : sl;
      QuicEntry *e;

      /* zero-length IDs identify nothing; short ones would join strangers */
      if (len < 4)
        continue;
      if (shared == NULL)
        {
          shared = g_new0 (QuicResults, 1);
          shared->results = netlens_dpi_copy_quic_results (conn->dpi);
        }
      g_atomic_int_inc (&shared->ref_count);
      e = g_new0 (QuicEntry, 1);
      e->row_id = conn->id;
      /* the destination ID of a packet from the client names the server's end */
      e->owned_by_client = (i == 0) ? !from_local : from_local;
      e->shared = shared;
      g_hash_table_replace (self->quic_cids, g_bytes_new (cid, len), e);
    }
  g_mutex_unlock (&self->quic_mutex);
}

static gboolean
quic_join (NetlensConnection   *conn,
           const NetlensPacket *pkt,
           gboolean             from_local,
           gpointer             user_data)
{
  NetlensPipeline *self = user_data;
  guint8 dcid[20], scid[20], dl = 0, sl = 0;
  gboolean joined = FALSE;

  if (!netlens_dpi_quic_long_header_cids (pkt->payload, pkt->payload_len, dcid, &dl, scid, &sl) ||
      dl < 4)
    return FALSE;
  g_mutex_lock (&self->quic_mutex);
  if (g_hash_table_size (self->quic_cids) > 0)
    {
      g_autoptr(GBytes) key = g_bytes_new_static (dcid, dl);
      QuicEntry *e = g_hash_table_lookup (self->quic_cids, key);

      if (e != NULL && e->row_id != conn->id)
        {
          /* a packet to the client's ID comes from the server, and the other way round */
          gboolean sender_is_client = !e->owned_by_client;

          netlens_dpi_join_quic (conn, e->shared->results,
                                 sender_is_client ? from_local : !from_local);
          joined = TRUE;
        }
    }
  g_mutex_unlock (&self->quic_mutex);
  return joined;
}

static NetlensConnTable *
make_table (NetlensPipeline *self,
            guint            i,
            gboolean         track_changes)
{
  NetlensConnTableConfig tc = { 0 };

  tc.timeouts = &self->config.timeouts;
  tc.dpi = self->config.dpi;
  tc.track_changes = track_changes;
  tc.max_connections = (self->max_connections + self->n_workers - 1) / self->n_workers;
  tc.id_base = i + 1;
  tc.id_stride = self->n_workers;
  tc.names = self->config.dpi ? self->names : NULL;
  tc.ended = on_row_ended;
  tc.ended_data = self;
  tc.owner_lookup = lookup_owner;
  tc.is_local = self->config.live ? is_local_addr : NULL;
  tc.quic_register = quic_register;
  tc.quic_join = quic_join;
  tc.lookup_data = self;
  return netlens_conn_table_new (&tc);
}

NetlensPipeline *
netlens_pipeline_new (const NetlensPipelineConfig *config)
{
  NetlensPipeline *self = g_new0 (NetlensPipeline, 1);
  guint max_conn, n_batches;

  self->config = *config;
  /* The reader is a busy thread of its own: one core for it, the rest (up to 4) for workers.
   * On 2 cores, reader + 1 worker read files faster than reader + 2 (docs/performance.md). */
  self->n_workers = config->n_workers != 0 ? config->n_workers
                                           : MIN (4, MAX (2, g_get_num_processors ()) - 1);
  self->n_workers = MIN (self->n_workers, 64);
  self->link_type = -1;
  self->last_tick = G_MININT64;
  self->dpi_on = !!config->dpi;
  g_mutex_init (&self->sink_mutex);
  g_mutex_init (&self->start_mutex);
  g_mutex_init (&self->stats_mutex);
  g_mutex_init (&self->owner_mutex);
  g_rw_lock_init (&self->local_lock);
  self->owners = g_hash_table_new_full (NULL, NULL, NULL, owner_entries_free);
  self->local_addrs = g_hash_table_new_full (g_bytes_hash, g_bytes_equal,
                                             (GDestroyNotify) g_bytes_unref, NULL);
  self->frags = g_hash_table_new_full (g_bytes_hash, g_bytes_equal,
                                       (GDestroyNotify) g_bytes_unref, g_free);
  g_mutex_init (&self->quic_mutex);
  self->quic_cids = g_hash_table_new_full (g_bytes_hash, g_bytes_equal,
                                           (GDestroyNotify) g_bytes_unref, quic_entry_free);
  self->names = netlens_name_cache_new (NAME_CACHE_ENTRIES, NAME_CACHE_FRESHNESS_S);
  self->free_batches = g_async_queue_new ();
  self->changes = g_async_queue_new_full ((GDestroyNotify) netlens_change_set_free);

  max_conn = config->max_connections != 0 ? config->max_connections : DEFAULT_MAX_CONNECTIONS;
  n_batches = self->n_workers * BATCHES_PER_WORKER;
  for (guint i = 0; i < n_batches; i++)
    {
      Batch *b = g_new0 (Batch, 1);

      b->type = MSG_PACKETS;
      b->pooled = TRUE;   /* b->data: on the first copied payload (push_frame copies none) */
      g_async_queue_push (self->free_batches, b);
    }

  self->max_connections = max_conn;
  self->workers = g_new0 (Worker, self->n_workers);
  for (guint i = 0; i < self->n_workers; i++)
    {
      Worker *w = &self->workers[i];

      w->pipeline = self;
      w->index = i;
      w->in = g_async_queue_new ();
      w->table = make_table (self, i, FALSE);
    }
  return self;
}

static void publish_counts (NetlensPipeline *self);

/* The reader thread, the main thread (request_changes) and finish() may all be the
 * first to need the workers: start them exactly once. */
static void
ensure_started (NetlensPipeline *self)
{
  if (g_atomic_int_get (&self->started_flag))
    return;
  g_mutex_lock (&self->start_mutex);
  if (self->started)
    {
      g_mutex_unlock (&self->start_mutex);
      return;
    }
  self->started = TRUE;
  for (guint i = 0; i < self->n_workers; i++)
    {
      g_autofree char *name = g_strdup_printf ("netlens-worker-%u", i);

      self->workers[i].thread = g_thread_new (name, worker_main, &self->workers[i]);
    }
  g_atomic_int_set (&self->started_flag, TRUE);
  g_mutex_unlock (&self->start_mutex);
}

void
netlens_pipeline_set_track_changes (NetlensPipeline *self,
                                    gboolean         track)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (!self->started);
  /* The tables are configured before any thread runs: safe to replace them here. */
  for (guint i = 0; i < self->n_workers; i++)
    {
      netlens_conn_table_free (self->workers[i].table);
      self->workers[i].table = make_table (self, i, track);
    }
}

guint
netlens_pipeline_get_n_workers (NetlensPipeline *self)
{
  return self->n_workers;
}

void
netlens_pipeline_set_row_sink (NetlensPipeline *self,
                               NetlensRowSink   sink,
                               gpointer         user_data)
{
  g_mutex_lock (&self->sink_mutex);
  self->sink = sink;
  self->sink_data = user_data;
  g_mutex_unlock (&self->sink_mutex);
}

gboolean
netlens_pipeline_set_link_type (NetlensPipeline *self,
                                int              link_type)
{
  if (!netlens_link_type_supported (link_type))
    return FALSE;
  /* frames the workers decode are read with their batch's link type */
  if (link_type != self->link_type)
    netlens_pipeline_flush (self);
  self->link_type = link_type;
  return TRUE;
}

int
netlens_pipeline_get_link_type (NetlensPipeline *self)
{
  return self->link_type;
}

/* A flow's worker.  (The tables pick buckets with the hash's low bits too, so each uses
 * 1/N of its buckets; but which flows share a worker decides, for example, whether a QUIC
 * connection that changes path joins its first row at once: kept as it was.) */
static inline Worker *
worker_for (NetlensPipeline *self,
            guint32          hash)
{
  return &self->workers[hash % self->n_workers];
}

static Batch *
take_batch (NetlensPipeline *self)
{
  if (self->config.live)
    return g_async_queue_try_pop (self->free_batches);
  return g_async_queue_pop (self->free_batches);
}

static void
send_filling (NetlensPipeline *self,
              Worker          *w,
              gint64           now)
{
  if (w->filling == NULL)
    return;
  w->filling->now = now;
  g_async_queue_push (w->in, w->filling);
  w->filling = NULL;
}

void
netlens_pipeline_flush (NetlensPipeline *self)
{
  for (guint i = 0; i < self->n_workers; i++)
    send_filling (self, &self->workers[i], self->last_tick);
}

static void
send_control (NetlensPipeline *self,
              Worker          *w,
              MsgType          type,
              gint64           now)
{
  ControlMsg *msg = g_new0 (ControlMsg, 1);

  msg->type = type;
  msg->now = now;
  g_async_queue_push (w->in, msg);
}

void
netlens_pipeline_tick (NetlensPipeline *self,
                       gint64           now_us)
{
  ensure_started (self);
  publish_counts (self);
  self->last_tick = now_us;
  for (guint i = 0; i < self->n_workers; i++)
    {
      Worker *w = &self->workers[i];

      if (w->filling != NULL)
        send_filling (self, w, now_us);
      else
        send_control (self, w, MSG_TICK, now_us);
    }
}

static gboolean
is_loopback (const NetlensPacket *pkt,
             const NetlensAddr   *a)
{
  static const guint8 v6_loopback[16] = { [15] = 1 };

  if (pkt->family == NETLENS_FAMILY_IPV4)
    return a->bytes[0] == 127;
  if (pkt->family == NETLENS_FAMILY_IPV6)
    return memcmp (a->bytes, v6_loopback, 16) == 0;
  return FALSE;
}

/* IP fragments after the first carry no ports: take them from the first fragment
 * of the same datagram, seen earlier on this (single) reader thread. */
static void
resolve_fragment (NetlensPipeline *self,
                  NetlensPacket   *pkt)
{
  guint8 k[1 + 1 + 32 + 4];
  g_autoptr(GBytes) key = NULL;

  k[0] = pkt->family;
  k[1] = pkt->ip_proto;
  memcpy (k + 2, pkt->src.bytes, 16);
  memcpy (k + 18, pkt->dst.bytes, 16);
  memcpy (k + 34, &pkt->frag_id, 4);

  if (pkt->first_fragment)
    {
      FragPorts *fp;

      if (!netlens_proto_has_ports (pkt->proto))
        return;
      if (g_hash_table_size (self->frags) >= FRAG_CACHE_MAX)
        g_hash_table_remove_all (self->frags);
      fp = g_new (FragPorts, 1);
      fp->sport = pkt->sport;
      fp->dport = pkt->dport;
      g_hash_table_replace (self->frags, g_bytes_new (k, sizeof k), fp);
    }
  else if (pkt->ports_unknown)
    {
      FragPorts *fp;

      key = g_bytes_new_static (k, sizeof k);
      fp = g_hash_table_lookup (self->frags, key);
      pkt->payload_len = 0;  /* not the start of a datagram: nothing for DPI */
      if (fp != NULL)
        {
          pkt->sport = fp->sport;
          pkt->dport = fp->dport;
          pkt->ports_unknown = FALSE;
        }
      else
        {
          /* the first fragment was not seen: no transport to count it under */
          pkt->proto = NETLENS_PROTO_IP_FRAGMENT;
          pkt->sport = pkt->dport = 0;
        }
    }
}

static void
publish_counts (NetlensPipeline *self)
{
  g_mutex_lock (&self->stats_mutex);
  self->stats.packets += self->pending_packets;
  self->stats.bytes += self->pending_bytes;
  g_mutex_unlock (&self->stats_mutex);
  self->pending_packets = 0;
  self->pending_bytes = 0;
}

static void
count_dropped_internal (NetlensPipeline *self)
{
  g_mutex_lock (&self->stats_mutex);
  self->stats.dropped_internal++;
  g_mutex_unlock (&self->stats_mutex);
}

/* W's batch, with room for a packet of COPY payload bytes pointing into BLOCK (may be NULL);
 * NULL when no batch is free (live capture: the packet is dropped). */
static Batch *
batch_with_room (NetlensPipeline   *self,
                 Worker            *w,
                 guint32            copy,
                 NetlensFrameBlock *block,
                 gint64             ts_us)
{
  Batch *b = w->filling;

  if (b != NULL &&
      (b->data_len + copy > BATCH_BYTES ||
       (block != NULL && b->n_blocks == BATCH_BLOCKS && b->blocks[BATCH_BLOCKS - 1] != block)))
    {
      send_filling (self, w, ts_us);
      b = NULL;
    }
  if (b == NULL)
    {
      b = w->filling = take_batch (self);
      if (b == NULL)
        {
          count_dropped_internal (self);
          return NULL;
        }
    }
  if (block != NULL && (b->n_blocks == 0 || b->blocks[b->n_blocks - 1] != block))
    {
      g_atomic_int_inc (&block->refs);
      b->blocks[b->n_blocks++] = block;
    }
  return b;
}

/* The reader's part for every frame: the clock and the counts. */
static void
reader_account (NetlensPipeline *self,
                gint64           ts_us,
                guint32          wirelen)
{
  ensure_started (self);

  if (self->last_tick == G_MININT64)
    self->last_tick = ts_us;
  else if (ts_us - self->last_tick >= USEC)
    netlens_pipeline_tick (self, ts_us);   /* every shard's clock follows packet time */

  /* counted on the reader side, published every few hundred packets */
  self->pending_packets++;
  self->pending_bytes += wirelen;
  if (self->pending_packets >= 256)
    publish_counts (self);
}

/* Decodes on the reader and queues the packet: its payload is copied into the batch, or,
 * with BLOCK, pointed at where it is. */
static void
push_decoded (NetlensPipeline   *self,
              gint64             ts_us,
              guint32            caplen,
              guint32            wirelen,
              const guint8      *data,
              NetlensFrameBlock *block)
{
  Worker *w;
  Batch *b;
  NetlensPacket *pkt;
  NetlensFlowKey key;
  NetlensDecodeResult res;
  NetlensPacket tmp;
  guint32 copy, hash;

  res = netlens_decode_packet (self->link_type, data, caplen, wirelen, ts_us, &tmp);
  if (res != NETLENS_DECODE_OK || tmp.proto == NETLENS_PROTO_NONE)
    {
      g_mutex_lock (&self->stats_mutex);
      self->stats.undecodable++;
      g_mutex_unlock (&self->stats_mutex);
      return;
    }
  if (tmp.is_fragment)
    resolve_fragment (self, &tmp);
  if (self->config.hide_localhost && is_loopback (&tmp, &tmp.src) && is_loopback (&tmp, &tmp.dst))
    return;

  /* Passive DNS on this thread, in capture order, before any worker sees a packet behind
   * the answer: naming does not depend on the number of workers. */
  if (g_atomic_int_get (&self->dpi_on))
    netlens_dpi_note_dns_answers (self->names, &tmp, DPI_PAYLOAD_MAX);

  netlens_flow_key_from_packet (&tmp, &key);
  hash = netlens_flow_key_hash_symmetric (&key);
  w = worker_for (self, hash);

  copy = g_atomic_int_get (&self->dpi_on) ? MIN (tmp.payload_len, DPI_PAYLOAD_MAX) : 0;
  b = batch_with_room (self, w, block != NULL ? 0 : copy, block, ts_us);
  if (b == NULL)
    return;
  b->raw[b->n] = NULL;
  b->hash[b->n] = hash;
  pkt = &b->pkts[b->n++];
  *pkt = tmp;
  if (copy > 0 && block == NULL)
    {
      if (b->data == NULL)
        b->data = g_malloc (BATCH_BYTES);
      memcpy (b->data + b->data_len, tmp.payload, copy);
      pkt->payload = b->data + b->data_len;
      b->data_len += copy;
    }
  else if (copy == 0)
    pkt->payload = NULL;
  pkt->payload_len = copy;
  if (b->n == BATCH_PACKETS)
    send_filling (self, w, ts_us);
}

void
netlens_pipeline_push_packet (NetlensPipeline *self,
                              gint64           ts_us,
                              guint32          caplen,
                              guint32          wirelen,
                              const guint8    *data)
{
  reader_account (self, ts_us, wirelen);
  push_decoded (self, ts_us, caplen, wirelen, data, NULL);
}

void
netlens_pipeline_push_frame (NetlensPipeline   *self,
                             gint64             ts_us,
                             guint32            caplen,
                             guint32            wirelen,
                             const guint8      *data,
                             NetlensFrameBlock *block)
{
  NetlensFlowKey key;
  Worker *w;
  Batch *b;
  guint32 hash;
  guint i;

  g_return_if_fail (block != NULL);

  reader_account (self, ts_us, wirelen);
  if (self->config.hide_localhost ||
      !netlens_decode_peek_flow_key (self->link_type, data, caplen, &key))
    {
      push_decoded (self, ts_us, caplen, wirelen, data, block);
      return;
    }

  hash = netlens_flow_key_hash_symmetric (&key);
  w = worker_for (self, hash);
  b = batch_with_room (self, w, 0, block, ts_us);
  if (b == NULL)
    return;
  i = b->n++;
  b->raw[i] = data;
  b->hash[i] = hash;
  b->raw_dpi[i] = g_atomic_int_get (&self->dpi_on);
  b->link_type = self->link_type;
  b->pkts[i].ts_us = ts_us;
  b->pkts[i].caplen = caplen;
  b->pkts[i].wirelen = wirelen;
  if (b->n == BATCH_PACKETS)
    send_filling (self, w, ts_us);
}

void
netlens_pipeline_set_capture_drops (NetlensPipeline *self,
                                    guint64          dropped_kernel,
                                    guint64          dropped_interface,
                                    guint64          owner_events_lost)
{
  g_mutex_lock (&self->stats_mutex);
  self->stats.dropped_kernel = dropped_kernel;
  self->stats.dropped_interface = dropped_interface;
  self->stats.owner_events_lost = owner_events_lost;
  g_mutex_unlock (&self->stats_mutex);
}

void
netlens_pipeline_push_owner (NetlensPipeline   *self,
                             guint8             proto,
                             NetlensFamily      family,
                             const NetlensAddr *laddr,
                             guint16            lport,
                             const NetlensAddr *raddr,
                             guint16            rport,
                             NetlensOwner      *owner)
{
  GArray *entries;
  OwnerEntry e;
  guint key = ((guint) proto << 16) | lport;

  g_return_if_fail (owner != NULL);
  ensure_started (self);

  g_mutex_lock (&self->owner_mutex);
  if (self->n_owner_entries >= OWNER_MAP_MAX)
    {
      g_hash_table_remove_all (self->owners);
      self->n_owner_entries = 0;
    }
  entries = g_hash_table_lookup (self->owners, GUINT_TO_POINTER (key));
  if (entries == NULL)
    {
      entries = g_array_new (FALSE, FALSE, sizeof (OwnerEntry));
      g_hash_table_insert (self->owners, GUINT_TO_POINTER (key), entries);
    }
  for (guint i = 0; i < entries->len; i++)
    {
      OwnerEntry *old = &g_array_index (entries, OwnerEntry, i);

      if (old->family == family && memcmp (&old->addr, laddr, sizeof *laddr) == 0)
        {
          netlens_owner_unref (old->owner);
          g_array_remove_index (entries, i);
          self->n_owner_entries--;
          break;
        }
    }
  e.family = family;
  e.addr = *laddr;
  e.owner = netlens_owner_ref (owner);
  g_array_append_val (entries, e);
  self->n_owner_entries++;
  g_mutex_unlock (&self->owner_mutex);

  if (raddr != NULL)
    {
      /* a connected socket: the row (if any) lives in one shard; packets queued
       * before this event are processed first */
      NetlensFlowKey k = { 0 };
      OwnerMsg *msg;
      Worker *w;

      k.proto = proto;
      k.family = family;
      k.laddr = *laddr;
      k.lport = lport;
      k.raddr = *raddr;
      k.rport = rport;
      w = worker_for (self, netlens_flow_key_hash_symmetric (&k));
      send_filling (self, w, self->last_tick);
      msg = g_new0 (OwnerMsg, 1);
      msg->type = MSG_OWNER;
      msg->proto = proto;
      msg->family = family;
      msg->laddr = *laddr;
      msg->raddr = *raddr;
      msg->lport = lport;
      msg->rport = rport;
      msg->owner = netlens_owner_ref (owner);
      g_async_queue_push (w->in, msg);
    }
}

void
netlens_pipeline_finish (NetlensPipeline *self)
{
  gint64 now = self->last_tick;

  ensure_started (self);
  g_mutex_lock (&self->start_mutex);
  if (self->finished)
    {
      g_mutex_unlock (&self->start_mutex);
      return;
    }
  self->finished = TRUE;
  g_mutex_unlock (&self->start_mutex);
  publish_counts (self);
  for (guint i = 0; i < self->n_workers; i++)
    if (self->workers[i].filling != NULL && self->workers[i].filling->n > 0)
      {
        Batch *b = self->workers[i].filling;

        for (guint j = 0; j < b->n; j++)
          now = MAX (now, b->pkts[j].ts_us);
      }
  for (guint i = 0; i < self->n_workers; i++)
    {
      send_filling (self, &self->workers[i], now);
      send_control (self, &self->workers[i], MSG_FINISH, now);
    }
  for (guint i = 0; i < self->n_workers; i++)
    {
      g_thread_join (self->workers[i].thread);
      self->workers[i].thread = NULL;
    }
}

/* Before the workers run the tables are the caller's: change them in place.  After,
 * each worker applies the message between two batches (no lock on the packet path). */
static void
send_settings (NetlensPipeline   *self,
               const SettingsMsg *tmpl)
{
  g_mutex_lock (&self->start_mutex);
  if (tmpl->has_timeouts)
    self->config.timeouts = tmpl->timeouts;   /* for tables made later (set_track_changes) */
  if (tmpl->has_dpi)
    self->config.dpi = tmpl->dpi;
  if (!self->started)
    {
      for (guint i = 0; i < self->n_workers; i++)
        {
          if (tmpl->has_timeouts)
            netlens_conn_table_set_timeouts (self->workers[i].table, &tmpl->timeouts);
          if (tmpl->has_dpi)
            netlens_conn_table_set_dpi (self->workers[i].table, tmpl->dpi, self->names);
        }
    }
  else if (!self->finished)
    {
      for (guint i = 0; i < self->n_workers; i++)
        {
          SettingsMsg *msg = g_memdup2 (tmpl, sizeof *tmpl);

          msg->type = MSG_SETTINGS;
          msg->pooled = FALSE;
          g_async_queue_push (self->workers[i].in, msg);
        }
    }
  g_mutex_unlock (&self->start_mutex);
}

void
netlens_pipeline_set_timeouts (NetlensPipeline       *self,
                               const NetlensTimeouts *timeouts)
{
  SettingsMsg msg = { 0 };

  g_return_if_fail (self != NULL && timeouts != NULL);

  msg.has_timeouts = TRUE;
  msg.timeouts = *timeouts;
  send_settings (self, &msg);
}

void
netlens_pipeline_set_dpi (NetlensPipeline *self,
                          gboolean         dpi)
{
  SettingsMsg msg = { 0 };

  g_return_if_fail (self != NULL);

  dpi = !!dpi;
  if (g_atomic_int_get (&self->dpi_on) == dpi)
    return;
  msg.has_dpi = TRUE;
  msg.dpi = dpi;
  send_settings (self, &msg);
  /* the reader copies payloads only while DPI is on; a table that sees a packet
   * without its payload in between only counts it */
  g_atomic_int_set (&self->dpi_on, dpi);
}

gboolean
netlens_pipeline_get_dpi (NetlensPipeline *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return g_atomic_int_get (&self->dpi_on);
}

void
netlens_pipeline_request_changes (NetlensPipeline *self)
{
  ensure_started (self);
  /* after finish() the workers are gone: nothing to ask */
  g_mutex_lock (&self->start_mutex);
  if (!self->finished)
    for (guint i = 0; i < self->n_workers; i++)
      send_control (self, &self->workers[i], MSG_CHANGES, 0);
  g_mutex_unlock (&self->start_mutex);
}

NetlensChangeSet *
netlens_pipeline_pop_changes (NetlensPipeline *self)
{
  return g_async_queue_try_pop (self->changes);
}

void
netlens_pipeline_get_stats (NetlensPipeline *self,
                            NetlensStats    *stats)
{
  g_mutex_lock (&self->stats_mutex);
  *stats = self->stats;
  g_mutex_unlock (&self->stats_mutex);
  stats->connections_live = 0;
  for (guint i = 0; i < self->n_workers; i++)
    stats->connections_live += (guint) g_atomic_int_get (&self->workers[i].live_rows);
}

void
netlens_pipeline_free (NetlensPipeline *self)
{
  gpointer b;

  if (self == NULL)
    return;
  if (self->started && !self->finished)
    netlens_pipeline_finish (self);
  for (guint i = 0; i < self->n_workers; i++)
    {
      Worker *w = &self->workers[i];
      gpointer msg;

      while ((msg = g_async_queue_try_pop (w->in)) != NULL)
        release_msg (self, msg);
      if (w->filling != NULL)
        release_msg (self, w->filling);
      g_async_queue_unref (w->in);
      netlens_conn_table_free (w->table);
    }
  g_free (self->workers);
  while ((b = g_async_queue_try_pop (self->free_batches)) != NULL)
    {
      g_free (((Batch *) b)->data);
      g_free (b);
    }
  g_async_queue_unref (self->free_batches);
  g_async_queue_unref (self->changes);
  g_hash_table_unref (self->owners);
  g_hash_table_unref (self->local_addrs);
  g_hash_table_unref (self->frags);
  g_hash_table_unref (self->quic_cids);
  g_mutex_clear (&self->quic_mutex);
  netlens_name_cache_free (self->names);
  g_mutex_clear (&self->sink_mutex);
  g_mutex_clear (&self->start_mutex);
  g_mutex_clear (&self->stats_mutex);
  g_mutex_clear (&self->owner_mutex);
  g_rw_lock_clear (&self->local_lock);
  g_free (self);
}
