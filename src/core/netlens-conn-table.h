/* netlens-conn-table.h: one worker's shard of the connection table
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "netlens-connection.h"
#include "netlens-packet.h"

G_BEGIN_DECLS

/* Timeouts in seconds (DESIGN.md "Lifecycle defaults"). */
typedef struct
{
  guint tcp_established_ssh;    /* 1800 */
  guint tcp_established_http;   /* 600: HTTP and HTTPS/TLS */
  guint tcp_established;        /* 300 */
  guint tcp_transient;          /* 60: SYN_SENT, SYN_RECV, FIN_WAIT1/2, CLOSE_WAIT, LAST_ACK */
  guint tcp_closing;            /* 30: CLOSING, TIME_WAIT */
  guint tcp_closed;             /* 15, from the moment it closed */
  guint quic_handshake;         /* 60: INITIAL, HANDSHAKE */
  guint quic_connected;         /* 180, or the client's max_idle_timeout */
  guint quic_closed;            /* 15 after CONNECTION_CLOSE */
  guint dns;                    /* 30 */
  guint udp;                    /* 60: removed */
  guint udp_idle;               /* 30: UDP_IDLE after this long without packets */
  guint udp_stale;              /* 45: UDP_STALE */
  guint icmp;                   /* 10 */
  guint arp;                    /* 30 */
  guint other;                  /* 60: other IP protocols, layer 2 */
} NetlensTimeouts;

void  netlens_timeouts_init_defaults (NetlensTimeouts         *timeouts);
/* Seconds of inactivity after which CONN is removed (state, protocol and app). */
guint netlens_timeouts_for           (const NetlensTimeouts   *timeouts,
                                      const NetlensConnection *conn);
/* Seconds until CONN times out at NOW_US (0 when due). */
gint64 netlens_connection_timeout_left_us (const NetlensTimeouts   *timeouts,
                                           const NetlensConnection *conn,
                                           gint64                   now_us);

typedef struct _NetlensConnTable NetlensConnTable;
typedef struct _NetlensNameCache NetlensNameCache;

typedef void (*NetlensConnEnded) (NetlensConnection *conn,  /* still owned by the table */
                                  gpointer           user_data);
/* The owner of a local socket (proto, address, port), as a new reference, or NULL. */
typedef NetlensOwner *(*NetlensOwnerLookup) (guint8             proto,
                                             NetlensFamily      family,
                                             const NetlensAddr *addr,
                                             guint16            port,
                                             gpointer           user_data);
/* Whether ADDR is one of this machine's addresses (live capture). */
typedef gboolean (*NetlensIsLocal) (NetlensFamily      family,
                                    const NetlensAddr *addr,
                                    gpointer           user_data);

/* QUIC connection IDs shared by every shard, so that a connection that moved to a new
 * address or port (migration, NAT rebinding) joins its first row's DPI results:
 * REGISTER is called with every long-header packet of a QUIC row; JOIN with the first
 * packet of a new UDP row, returning TRUE when it joined a known connection. */
typedef void     (*NetlensQuicRegister) (NetlensConnection   *conn,
                                         const NetlensPacket *pkt,
                                         gboolean             from_local,
                                         gpointer             user_data);
typedef gboolean (*NetlensQuicJoin)     (NetlensConnection   *conn,
                                         const NetlensPacket *pkt,
                                         gboolean             from_local,
                                         gpointer             user_data);

typedef struct
{
  const NetlensTimeouts *timeouts;
  gboolean               dpi;
  gboolean               track_changes;   /* keep a dirty list for UI snapshots */
  guint                  max_connections; /* 0: unlimited */
  guint32                id_base;         /* row ids: id_base + k * id_stride */
  guint32                id_stride;
  NetlensNameCache      *names;           /* may be NULL */
  NetlensConnEnded       ended;           /* called before a row is freed */
  gpointer               ended_data;
  NetlensOwnerLookup     owner_lookup;    /* may be NULL */
  NetlensIsLocal         is_local;        /* NULL: files, the initiator is local */
  NetlensQuicRegister    quic_register;   /* may be NULL */
  NetlensQuicJoin        quic_join;       /* may be NULL */
  gpointer               lookup_data;
} NetlensConnTableConfig;

NetlensConnTable  *netlens_conn_table_new      (const NetlensConnTableConfig *config);
void               netlens_conn_table_free     (NetlensConnTable    *table);
/* Account one decoded packet; returns its row (NULL when the packet makes none). */
NetlensConnection *netlens_conn_table_process  (NetlensConnTable    *table,
                                                const NetlensPacket *pkt);
/* Remove what timed out by NOW_US (packet time for files, wall time live). */
void               netlens_conn_table_expire   (NetlensConnTable    *table,
                                                gint64               now_us);
/* End every row with END_OF_CAPTURE. */
void               netlens_conn_table_end_all  (NetlensConnTable    *table,
                                                gint64               now_us);
NetlensConnection *netlens_conn_table_lookup   (NetlensConnTable     *table,
                                                const NetlensFlowKey *key);
guint              netlens_conn_table_size     (NetlensConnTable    *table);
guint64            netlens_conn_table_evicted  (NetlensConnTable    *table);
/* Attribute the row with these endpoints (either orientation) to OWNER, which owns the
 * socket at LADDR:LPORT (reference taken). */
void               netlens_conn_table_set_owner (NetlensConnTable  *table,
                                                 guint8             proto,
                                                 NetlensFamily      family,
                                                 const NetlensAddr *laddr,
                                                 guint16            lport,
                                                 const NetlensAddr *raddr,
                                                 guint16            rport,
                                                 NetlensOwner      *owner);
/* Snapshots of the rows changed since the last call, ids of rows removed since. */
void               netlens_conn_table_collect_changes (NetlensConnTable *table,
                                                       GPtrArray        *updated,
                                                       GArray           *removed);
/* Live settings (the worker that owns TABLE calls these between packets).  New
 * timeouts apply to every row at once: a row that is now past its timeout ends when
 * expire() next moves the clock on by a second.  DPI off: later packets are only counted; on: later packets are
 * inspected (rows picked up mid-stream, as at the start of a capture). */
void               netlens_conn_table_set_timeouts (NetlensConnTable      *table,
                                                    const NetlensTimeouts *timeouts);
void               netlens_conn_table_set_dpi      (NetlensConnTable      *table,
                                                    gboolean               dpi,
                                                    NetlensNameCache      *names);
/* Cache hints for a worker that will soon process a packet whose key hashes to HASH
 * (netlens_flow_key_hash_symmetric()): the bucket first, a few packets later its rows. */
void               netlens_conn_table_prefetch_bucket (NetlensConnTable *table,
                                                       guint32           hash);
void               netlens_conn_table_prefetch_rows   (NetlensConnTable *table,
                                                       guint32           hash);
/* Iterate live rows (tests, debugging). */
void               netlens_conn_table_foreach  (NetlensConnTable    *table,
                                                GFunc                func,
                                                gpointer             user_data);

/* Decode (netlens-decode.c) */
typedef enum
{
  NETLENS_DECODE_OK = 0,      /* something to count */
  NETLENS_DECODE_SKIP,        /* a valid frame with nothing to count (e.g. an unknown ethertype) */
  NETLENS_DECODE_MALFORMED,   /* headers cut or inconsistent */
} NetlensDecodeResult;

NetlensDecodeResult netlens_decode_packet (int            link_type,
                                           const guint8  *data,
                                           guint32        caplen,
                                           guint32        wirelen,
                                           gint64         ts_us,
                                           NetlensPacket *pkt);
/* The flow key netlens_decode_packet() + netlens_flow_key_from_packet() would give, read
 * from the few header fields it depends on: TRUE only for a frame that decodes (OK) to an
 * unfragmented TCP, UDP, ICMP or ICMPv6 packet that is not a UDP packet on a DNS port
 * (53, 5353, 5355); FALSE means "decode it in full" (not an error). */
gboolean netlens_decode_peek_flow_key (int             link_type,
                                       const guint8   *data,
                                       guint32         caplen,
                                       NetlensFlowKey *key);

/* Flow key of PKT with local = source; *FORWARD tells whether it had to be swapped
 * into the canonical (lower endpoint first) order used for hashing. */
void     netlens_flow_key_from_packet (const NetlensPacket *pkt,
                                       NetlensFlowKey      *key);
void     netlens_flow_key_reverse     (const NetlensFlowKey *key,
                                       NetlensFlowKey       *out);
/* Hash that is the same for both directions of a flow. */
guint32  netlens_flow_key_hash_symmetric (const NetlensFlowKey *key);

G_END_DECLS
