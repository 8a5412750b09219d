/* netlens-pipeline.h: reader -> worker pool -> (UI snapshots, ended rows)
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "netlens-connection.h"
#include "netlens-conn-table.h"

G_BEGIN_DECLS

typedef struct _NetlensPipeline NetlensPipeline;

typedef struct
{
  guint             n_workers;        /* 0 = min (4, cores - 1), at least 1 */
  gboolean          dpi;              /* deep packet inspection on */
  gboolean          live;             /* live capture: drop when full; files block instead */
  gboolean          hide_localhost;   /* --no-localhost */
  guint             max_connections;  /* 0 = default cap */
  NetlensTimeouts   timeouts;         /* netlens_timeouts_init_defaults() */
} NetlensPipelineConfig;

void netlens_pipeline_config_init (NetlensPipelineConfig *config);

typedef struct
{
  guint64 packets;            /* counted packets */
  guint64 bytes;              /* sum of original lengths */
  guint64 undecodable;        /* frames with nothing to count (bad link type data) */
  guint64 dropped_kernel;     /* from pcap_stats (live) */
  guint64 dropped_interface;
  guint64 dropped_internal;   /* a full queue */
  guint64 owner_events_lost;
  guint64 connections_evicted;
  guint64 connections_live;   /* rows in the tables now */
} NetlensStats;

/* Called for every row that ends (closed, timed out, evicted or at the end of the
 * capture), from a worker thread, serialised by the pipeline.  The callback takes
 * ownership of CONN (a snapshot; free it with netlens_connection_free()). */
typedef void (*NetlensRowSink) (NetlensConnection *conn,
                                gpointer           user_data);

/* What changed since the previous netlens_pipeline_request_changes(): rows that
 * appeared or changed (snapshots, owned by the set) and ids of rows that ended. */
typedef struct
{
  guint      worker;
  gint64     now_us;        /* the worker's clock when it made the set */
  GPtrArray *updated;       /* NetlensConnection * snapshots */
  GArray    *removed;       /* guint32 row ids */
} NetlensChangeSet;

void netlens_change_set_free (NetlensChangeSet *set);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NetlensChangeSet, netlens_change_set_free)

NetlensPipeline *netlens_pipeline_new          (const NetlensPipelineConfig *config);
void             netlens_pipeline_free         (NetlensPipeline   *pipeline);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NetlensPipeline, netlens_pipeline_free)

void             netlens_pipeline_set_row_sink (NetlensPipeline   *pipeline,
                                                NetlensRowSink     sink,
                                                gpointer           user_data);
/* Ask for change sets (the UI does this once per refresh tick). */
void             netlens_pipeline_set_track_changes (NetlensPipeline *pipeline,
                                                     gboolean         track);
guint            netlens_pipeline_get_n_workers (NetlensPipeline  *pipeline);

/* ---- feeding: one reader thread at a time ---- */
/* The link type (DLT_/LINKTYPE_ number) of what follows.  FALSE: not supported. */
gboolean         netlens_pipeline_set_link_type (NetlensPipeline  *pipeline,
                                                 int               link_type);
gboolean         netlens_link_type_supported    (int               link_type);
/* Decode one frame and queue it for its worker.  DATA is copied as needed. */
void             netlens_pipeline_push_packet  (NetlensPipeline   *pipeline,
                                                gint64             ts_us,
                                                guint32            caplen,
                                                guint32            wirelen,
                                                const guint8      *data);
/* A block of memory holding captured frames for netlens_pipeline_push_frame(): every batch
 * that points into it holds a reference, and the last netlens_frame_block_unref() calls
 * RELEASE (from any thread).  The caller sets REFS to 1 for its own reference. */
typedef struct _NetlensFrameBlock NetlensFrameBlock;
struct _NetlensFrameBlock
{
  gint   refs;
  void (*release) (NetlensFrameBlock *block);
};

void             netlens_frame_block_unref     (NetlensFrameBlock *block);
/* Like netlens_pipeline_push_packet(), without copying: DATA (CAPLEN bytes inside BLOCK)
 * stays valid while BLOCK is referenced.  The reader reads only what picks the worker
 * (netlens_decode_peek_flow_key()) and the worker decodes the frame; frames the peek does
 * not take (fragments, DNS, ARP, ...) are decoded here, as push_packet() does. */
void             netlens_pipeline_push_frame   (NetlensPipeline   *pipeline,
                                                gint64             ts_us,
                                                guint32            caplen,
                                                guint32            wirelen,
                                                const guint8      *data,
                                                NetlensFrameBlock *block);
/* Hand every partly filled batch to its worker (the reader waits for a block to come back). */
void             netlens_pipeline_flush        (NetlensPipeline   *pipeline);
/* Advance every worker's clock to NOW_US (timeouts) and flush partial batches. */
void             netlens_pipeline_tick         (NetlensPipeline   *pipeline,
                                                gint64             now_us);
/* Add to the capture statistics (live: from the helper's stats frames). */
void             netlens_pipeline_set_capture_drops (NetlensPipeline *pipeline,
                                                     guint64          dropped_kernel,
                                                     guint64          dropped_interface,
                                                     guint64          owner_events_lost);
/* A socket owner learned by the helper: OWNER's socket is LADDR:LPORT, connected to
 * RADDR:RPORT (RADDR NULL: a listening or unconnected socket; an all-zero LADDR: any
 * address).  Attributes existing and future rows, on either side.  Takes a reference. */
void             netlens_pipeline_push_owner   (NetlensPipeline   *pipeline,
                                                guint8             proto,
                                                NetlensFamily      family,
                                                const NetlensAddr *laddr,
                                                guint16            lport,
                                                const NetlensAddr *raddr,
                                                guint16            rport,
                                                NetlensOwner      *owner);
/* This machine's addresses in the captured namespace (live): rows put them on the
 * local side.  Replaces the previous set. */
void             netlens_pipeline_set_local_addresses (NetlensPipeline   *pipeline,
                                                       NetlensFamily      family,
                                                       const NetlensAddr *addrs,
                                                       guint              n_addrs);
/* Live settings, from any thread, while the capture runs: they reach each worker
 * through its queue, after the packets queued before them.  No effect after finish(). */
void             netlens_pipeline_set_timeouts (NetlensPipeline       *pipeline,
                                                const NetlensTimeouts *timeouts);
void             netlens_pipeline_set_dpi      (NetlensPipeline       *pipeline,
                                                gboolean               dpi);
gboolean         netlens_pipeline_get_dpi      (NetlensPipeline       *pipeline);
/* End of input: every live row ends with END_OF_CAPTURE (to the sink), workers stop. */
void             netlens_pipeline_finish       (NetlensPipeline   *pipeline);

/* ---- consuming (any thread, usually the main thread) ---- */
/* Ask every worker for a change set; they arrive through pop_changes(). */
void             netlens_pipeline_request_changes (NetlensPipeline *pipeline);
/* A change set, or NULL when none is waiting.  Never blocks. */
NetlensChangeSet *netlens_pipeline_pop_changes (NetlensPipeline   *pipeline);
void             netlens_pipeline_get_stats    (NetlensPipeline   *pipeline,
                                                NetlensStats      *stats);
int              netlens_pipeline_get_link_type (NetlensPipeline  *pipeline);

G_END_DECLS
