/* netlens-connection.h
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "netlens-packet.h"

G_BEGIN_DECLS

/* Transport state ("state" in the export, filter and UI). */
typedef enum
{
  NETLENS_STATE_NONE = 0,
  /* TCP */
  NETLENS_STATE_SYN_SENT,
  NETLENS_STATE_SYN_RECV,
  NETLENS_STATE_ESTABLISHED,
  NETLENS_STATE_FIN_WAIT1,
  NETLENS_STATE_FIN_WAIT2,
  NETLENS_STATE_TIME_WAIT,
  NETLENS_STATE_CLOSE_WAIT,
  NETLENS_STATE_LAST_ACK,
  NETLENS_STATE_CLOSING,
  NETLENS_STATE_CLOSED,
  /* QUIC (UDP flows recognised as QUIC) */
  NETLENS_STATE_QUIC_INITIAL,
  NETLENS_STATE_QUIC_HANDSHAKE,
  NETLENS_STATE_QUIC_CONNECTED,
  NETLENS_STATE_QUIC_DRAINING,
  NETLENS_STATE_QUIC_CLOSED,
  /* other UDP */
  NETLENS_STATE_UDP_ACTIVE,
  NETLENS_STATE_UDP_IDLE,
  NETLENS_STATE_UDP_STALE,
  /* ICMP / ICMPv6 */
  NETLENS_STATE_ECHO_REQUEST,
  NETLENS_STATE_ECHO_REPLY,
  NETLENS_STATE_ICMP_ERROR,
  NETLENS_STATE_ICMP_OTHER,
  /* ARP */
  NETLENS_STATE_ARP_REQUEST,
  NETLENS_STATE_ARP_REPLY,
  /* other IP protocols and layer 2 */
  NETLENS_STATE_ACTIVE,
  NETLENS_N_STATES
} NetlensState;

/* Application state, when DPI knows it ("app_state"). */
typedef enum
{
  NETLENS_APP_STATE_NONE = 0,
  NETLENS_APP_STATE_DNS_QUERY,
  NETLENS_APP_STATE_DNS_RESPONSE,
  NETLENS_APP_STATE_BANNER,
  NETLENS_APP_STATE_KEYEXCHANGE,
  NETLENS_APP_STATE_AUTHENTICATION,
  NETLENS_APP_STATE_ESTABLISHED,
  NETLENS_N_APP_STATES
} NetlensAppState;

/* Application protocol detected by DPI ("app" in the filter). */
typedef enum
{
  NETLENS_APP_NONE = 0,
  NETLENS_APP_HTTP,
  NETLENS_APP_TLS,
  NETLENS_APP_DNS,
  NETLENS_APP_MDNS,
  NETLENS_APP_LLMNR,
  NETLENS_APP_SSH,
  NETLENS_APP_QUIC,
  NETLENS_N_APPS
} NetlensApp;

typedef enum
{
  NETLENS_END_NONE = 0,
  NETLENS_END_CLOSED,
  NETLENS_END_TIMEOUT,
  NETLENS_END_EVICTED,
  NETLENS_END_END_OF_CAPTURE,
} NetlensEndReason;

/* The program that owns one end of a connection.  Shared and immutable once
 * published: take a reference, never change it. */
typedef struct
{
  gint    ref_count;
  guint32 pid;
  guint32 uid;
  char   *name;      /* comm */
  char   *cmdline;
  char   *user;      /* uid resolved to a name, by the GUI side */
  char   *exe;
  char   *cgroup;
  char   *app_id;    /* desktop application id derived from the cgroup */
} NetlensOwner;

NetlensOwner *netlens_owner_new   (void);
NetlensOwner *netlens_owner_ref   (NetlensOwner *owner);
void          netlens_owner_unref (NetlensOwner *owner);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NetlensOwner, netlens_owner_unref)

typedef struct _NetlensDpi NetlensDpi;  /* dpi/netlens-dpi.h */

enum
{
  NETLENS_CONN_SEEN_SYN      = 1 << 0,  /* the handshake was seen: not a mid-stream pickup */
  NETLENS_CONN_LOCAL_FIN     = 1 << 1,
  NETLENS_CONN_REMOTE_FIN    = 1 << 2,
  NETLENS_CONN_LOCAL_FIN_ACK = 1 << 3,  /* the local FIN was acknowledged */
  NETLENS_CONN_REMOTE_FIN_ACK= 1 << 4,
  NETLENS_CONN_DIRTY         = 1 << 5,  /* changed since the last UI snapshot */
  NETLENS_CONN_SNAPSHOT      = 1 << 6,  /* this struct is a snapshot copy, not a live row */
  NETLENS_CONN_IN_UI         = 1 << 7,  /* the UI has been told about this row */
};

/* dpi_flags: DPI's own bits in the row, so that a finished row and a bare handshake cost
 * no DPI record (netlens-dpi.c). */
enum
{
  NETLENS_CONN_DPI_DONE         = 1 << 0,  /* inspection finished: packets skip it */
  NETLENS_CONN_DPI_SYN_LOCAL    = 1 << 1,  /* a SYN from the local side: syn_seq[0] */
  NETLENS_CONN_DPI_SYN_REMOTE   = 1 << 2,  /* a SYN from the remote side: syn_seq[1] */
  NETLENS_CONN_DPI_CLIENT_LOCAL = 1 << 3,  /* the first SYN made the local side the client */
  /* A TCP row whose DPI record held nothing but these (no app yet, no direction being read)
   * keeps them here instead, and the record is freed (netlens-dpi.c, fold_empty_record). */
  NETLENS_CONN_DPI_CLIENT_KNOWN = 1 << 4,
  NETLENS_CONN_DPI_CLIENT_IS_LOCAL = 1 << 5,
  NETLENS_CONN_DPI_DIR_DONE_LOCAL = 1 << 6,   /* local -> remote: detection gave up */
  NETLENS_CONN_DPI_DIR_DONE_REMOTE = 1 << 7,
};

/* A row of the connection table.  Plain struct, owned by one worker's shard;
 * the UI and the export get snapshots (netlens_connection_snapshot()). */
typedef struct _NetlensConnection NetlensConnection;
struct _NetlensConnection
{
  NetlensConnection *next;          /* hash chain in the shard */
  NetlensConnection *wheel_prev;    /* timer wheel slot of its deadline (lifecycle, eviction) */
  NetlensConnection *wheel_next;
  NetlensConnection *dirty_next;    /* changes since the last snapshot */
  NetlensFlowKey     key;
  guint32            hash;
  guint32            id;            /* unique per pipeline: the UI's row identity */
  guint16            generation;
  guint8             state;         /* NetlensState */
  guint8             app_state;     /* NetlensAppState */
  guint8             app;           /* NetlensApp */
  guint8             end_reason;    /* NetlensEndReason */
  guint8             flags;
  guint8             extra_flags;
  guint16            wheel_slot;    /* the timer wheel slot it is in */
  guint32            timeout_s;     /* override from DPI (QUIC max_idle_timeout), 0 = table */
  guint32            local_fin_seq;
  guint32            remote_fin_seq;
  gint64             first_seen;    /* microseconds */
  gint64             last_seen;
  gint64             state_since;   /* when the current state was entered */
  gint64             ended;         /* 0 while live */
  guint64            tx_bytes;      /* local -> remote */
  guint64            rx_bytes;
  guint32            tx_packets;
  guint32            rx_packets;
  NetlensDpi        *dpi;           /* NULL until DPI learns something */
  NetlensOwner      *process;       /* local side */
  NetlensOwner      *peer_process;  /* remote side, when it is a local program too */
  char              *dns_name;      /* passive DNS (GRefString) */
  char              *reverse_name;  /* reverse DNS (GRefString), set by the GUI */
  char              *country;       /* GeoIP ISO country code (GRefString), or NULL */
  char              *as_org;        /* GeoIP AS organisation (GRefString), or NULL */
  guint32            asn;           /* GeoIP AS number, 0 = unknown */
  guint8             dpi_flags;     /* NETLENS_CONN_DPI_* */
  guint32            syn_seq[2];    /* ISNs of bare SYNs until DPI has a record ([0] local) */
  /* Rates are not kept per row (memory): consumers derive them from the byte
   * counters of successive snapshots. */
};

const char *netlens_proto_to_string      (NetlensProto proto);
const char *netlens_state_to_string      (NetlensState state);
const char *netlens_app_state_to_string  (NetlensAppState state);
const char *netlens_app_to_string        (NetlensApp app);
const char *netlens_end_reason_to_string (NetlensEndReason reason);
const char *netlens_l2_kind_to_string    (NetlensL2Kind kind);
const char *netlens_ip_proto_to_string   (guint8 ip_proto);
gboolean    netlens_state_from_string    (const char *name, NetlensState *out);

/* "tcp", "udp", "ip:gre", "l2:stp": written into buf (at least 24 bytes). */
const char *netlens_connection_protocol_name (const NetlensConnection *conn,
                                              char                    *buf,
                                              gsize                    size);
/* Address as text: "192.0.2.1", "2001:db8::1", "aa:bb:cc:dd:ee:ff". buf >= 48 bytes. */
const char *netlens_addr_to_string       (NetlensFamily      family,
                                          const NetlensAddr *addr,
                                          char              *buf,
                                          gsize              size);
/* "ip:port", IPv6 in brackets; the bare address when the protocol has no ports. */
const char *netlens_connection_endpoint_string (const NetlensConnection *conn,
                                                gboolean                 local,
                                                char                    *buf,
                                                gsize                    size);
gboolean    netlens_proto_has_ports      (NetlensProto proto);

/* The best known name of the remote end: SNI, HTTP Host, passive DNS, reverse DNS. */
const char *netlens_connection_get_best_name (const NetlensConnection *conn);
const char *netlens_connection_get_sni       (const NetlensConnection *conn);
const char *netlens_connection_get_http_host (const NetlensConnection *conn);
/* Well-known service name of the connection's ports, or NULL. */
const char *netlens_connection_get_service   (const NetlensConnection *conn);

/* A deep copy for another thread: owners referenced, DPI results copied,
 * hash/list links cleared. */
NetlensConnection *netlens_connection_snapshot (const NetlensConnection *conn);
void               netlens_connection_free     (NetlensConnection *conn);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NetlensConnection, netlens_connection_free)

G_END_DECLS
