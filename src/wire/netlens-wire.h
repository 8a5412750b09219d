/* netlens-wire.h: the netlens-capture -> netlens frame format
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A stream of frames, each an 8-byte header {u16 type, u16 reserved (0), u32 payload
 * length} followed by the payload.  Integers are little-endian; a string is a u16
 * length and that many bytes (no NUL); an address is 16 bytes (IPv4 in the first 4).
 * The first frame is HELLO, or an ERROR when the helper failed before capturing.  The
 * reader treats the bytes as untrusted: every length is bounded, and a truncated,
 * oversized or malformed frame is a clean error.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define NETLENS_WIRE_MAGIC          0x46434c4eu   /* the bytes "NLCF" read as a little-endian u32 */
#define NETLENS_WIRE_VERSION        1
#define NETLENS_WIRE_HEADER_SIZE    8
#define NETLENS_WIRE_MAX_SNAPLEN    262144
/* the largest payload any frame may have: a packet at the largest snaplen plus its header */
#define NETLENS_WIRE_MAX_PAYLOAD    (NETLENS_WIRE_MAX_SNAPLEN + 64)
#define NETLENS_WIRE_MAX_STRING     4096
#define NETLENS_WIRE_MAX_ADDRESSES  1024

typedef enum
{
  NETLENS_WIRE_HELLO = 1,
  NETLENS_WIRE_PACKET = 2,
  NETLENS_WIRE_OWNER = 3,
  NETLENS_WIRE_STATS = 4,
  NETLENS_WIRE_ERROR = 5,
  NETLENS_WIRE_LOCAL_ADDRESSES = 6,
  NETLENS_WIRE_N_TYPES
} NetlensWireType;

/* How the helper attributes sockets to processes (the hello frame says which it uses). */
typedef enum
{
  NETLENS_WIRE_ATTRIBUTION_BPF = 0,
  NETLENS_WIRE_ATTRIBUTION_PROC = 1,
  NETLENS_WIRE_ATTRIBUTION_NONE = 2,
} NetlensWireAttribution;

/* Which eBPF probes are attached (hello.probes bit mask) */
enum
{
  NETLENS_WIRE_PROBE_SET_STATE   = 1 << 0,  /* tp_btf/inet_sock_set_state (client side, listen) */
  NETLENS_WIRE_PROBE_SEND_LENGTH = 1 << 1,  /* tp_btf/sock_send_length */
  NETLENS_WIRE_PROBE_RECV_LENGTH = 1 << 2,  /* tp_btf/sock_recv_length */
  NETLENS_WIRE_PROBE_CONNECT4    = 1 << 3,  /* cgroup/connect4 */
  NETLENS_WIRE_PROBE_CONNECT6    = 1 << 4,
  NETLENS_WIRE_PROBE_SENDMSG4    = 1 << 5,
  NETLENS_WIRE_PROBE_SENDMSG6    = 1 << 6,
  NETLENS_WIRE_PROBE_RECVMSG4    = 1 << 7,
  NETLENS_WIRE_PROBE_RECVMSG6    = 1 << 8,
  NETLENS_WIRE_PROBE_POST_BIND4  = 1 << 9,
  NETLENS_WIRE_PROBE_POST_BIND6  = 1 << 10,
  NETLENS_WIRE_PROBE_PROC_SCAN   = 1 << 15, /* the /proc + sock_diag scan */
};

/* Error codes of ERROR frames (the helper's exit status is the same number) */
typedef enum
{
  NETLENS_WIRE_ERROR_NONE = 0,
  NETLENS_WIRE_ERROR_USAGE = 2,        /* bad arguments */
  NETLENS_WIRE_ERROR_INTERFACE = 3,    /* no such interface / it went away */
  NETLENS_WIRE_ERROR_PERMISSION = 4,   /* not allowed to capture */
  NETLENS_WIRE_ERROR_FILTER = 5,       /* the BPF filter expression does not compile */
  NETLENS_WIRE_ERROR_CAPTURE = 6,      /* any other libpcap failure */
  NETLENS_WIRE_ERROR_PRIVILEGES = 7,   /* dropping privileges or seccomp failed */
  NETLENS_WIRE_ERROR_INTERNAL = 8,
} NetlensWireErrorCode;

typedef struct
{
  guint32 magic;
  guint16 version;
  guint8  attribution;     /* NetlensWireAttribution in use */
  guint8  requested;       /* NetlensWireAttribution asked for */
  gint32  link_type;       /* DLT_ */
  guint32 snaplen;
  guint32 probes;          /* NETLENS_WIRE_PROBE_* */
  guint64 netns_inode;     /* network namespace of the capture */
  guint32 helper_pid;
  char   *interface;
  char   *note;            /* why the attribution differs from the request, or NULL */
} NetlensWireHello;

typedef struct
{
  gint64        ts_us;
  guint32       caplen;
  guint32       origlen;
  const guint8 *data;      /* points into the frame */
} NetlensWirePacket;

typedef enum
{
  NETLENS_WIRE_SOURCE_SCAN = 0,     /* the /proc + sock_diag scan */
  NETLENS_WIRE_SOURCE_SET_STATE,
  NETLENS_WIRE_SOURCE_SEND,
  NETLENS_WIRE_SOURCE_RECV,
  NETLENS_WIRE_SOURCE_CONNECT,
  NETLENS_WIRE_SOURCE_SENDMSG,
  NETLENS_WIRE_SOURCE_RECVMSG,
  NETLENS_WIRE_SOURCE_POST_BIND,
  NETLENS_WIRE_SOURCE_LISTEN,
} NetlensWireOwnerSource;

typedef struct
{
  guint8   ip_proto;       /* 6 TCP, 17 UDP */
  guint8   family;         /* 4 or 6 */
  guint8   source;         /* NetlensWireOwnerSource */
  guint8   reserved;
  guint16  local_port;
  guint16  remote_port;    /* 0: not known (listening, bound) */
  guint8   local_addr[16];
  guint8   remote_addr[16];
  guint64  netns_inode;
  guint32  uid;
  guint32  pid;            /* tgid */
  guint32  tid;
  gint64   first_seen_us;  /* wall clock */
  char    *comm;
  char    *cmdline;        /* arguments joined with spaces, may be empty */
  char    *exe;            /* may be empty: not readable */
  char    *cgroup;         /* the unified (v2) cgroup path, may be empty */
} NetlensWireOwner;

typedef struct
{
  gint64  ts_us;
  guint64 received;          /* pcap_stats ps_recv */
  guint64 dropped;           /* ps_drop */
  guint64 ifdropped;         /* ps_ifdrop */
  guint64 owner_events_lost; /* ring buffer reservations that failed, and bounded queues */
  guint64 packets_sent;      /* packet frames written */
} NetlensWireStats;

typedef struct
{
  guint32  code;             /* NetlensWireErrorCode */
  char    *primary;
  char    *secondary;
} NetlensWireError;

typedef struct
{
  guint8 family;             /* 4 or 6 */
  guint8 prefix_len;
  guint8 addr[16];
} NetlensWireAddress;

typedef struct
{
  guint               n;
  NetlensWireAddress *addrs;
} NetlensWireAddresses;

/* ---- writing: append a whole frame to OUT ---- */
void netlens_wire_write_hello     (GByteArray              *out,
                                   const NetlensWireHello  *hello);
void netlens_wire_write_packet    (GByteArray              *out,
                                   gint64                   ts_us,
                                   guint32                  caplen,
                                   guint32                  origlen,
                                   const guint8            *data);
void netlens_wire_write_owner     (GByteArray              *out,
                                   const NetlensWireOwner  *owner);
void netlens_wire_write_stats     (GByteArray              *out,
                                   const NetlensWireStats  *stats);
void netlens_wire_write_error     (GByteArray              *out,
                                   guint32                  code,
                                   const char              *primary,
                                   const char              *secondary);
void netlens_wire_write_addresses (GByteArray              *out,
                                   const NetlensWireAddress *addrs,
                                   guint                    n);

/* ---- reading ---- */
#define NETLENS_WIRE_PARSE_ERROR (netlens_wire_parse_error_quark ())
GQuark netlens_wire_parse_error_quark (void);

typedef enum
{
  NETLENS_WIRE_PARSE_ERROR_TRUNCATED,   /* the stream ended inside a frame */
  NETLENS_WIRE_PARSE_ERROR_OVERSIZED,   /* a length above its bound */
  NETLENS_WIRE_PARSE_ERROR_MALFORMED,   /* bad magic, version, type or payload */
} NetlensWireParseError;

typedef struct
{
  guint16       type;
  guint32       length;
  const guint8 *payload;    /* valid until the next call on the reader */
} NetlensWireFrame;

typedef enum
{
  NETLENS_WIRE_READ_FRAME,  /* *frame is filled */
  NETLENS_WIRE_READ_MORE,   /* feed more bytes */
  NETLENS_WIRE_READ_ERROR,  /* the stream is bad; the reader stays failed */
} NetlensWireReadResult;

typedef struct _NetlensWireReader NetlensWireReader;

NetlensWireReader     *netlens_wire_reader_new   (void);
void                   netlens_wire_reader_free  (NetlensWireReader *reader);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NetlensWireReader, netlens_wire_reader_free)
/* Append untrusted bytes. */
void                   netlens_wire_reader_feed  (NetlensWireReader *reader,
                                                  const guint8      *data,
                                                  gsize              len);
/* The next complete frame.  The first must be HELLO or ERROR (checked). */
NetlensWireReadResult  netlens_wire_reader_next  (NetlensWireReader *reader,
                                                  NetlensWireFrame  *frame,
                                                  GError           **error);
/* At end of stream: FALSE with TRUNCATED when a partial frame is left. */
gboolean               netlens_wire_reader_finish (NetlensWireReader *reader,
                                                   GError           **error);

/* Payload decoders: FALSE with MALFORMED on anything out of bounds. */
gboolean netlens_wire_parse_hello     (const NetlensWireFrame *frame,
                                       NetlensWireHello       *hello,
                                       GError                **error);
void     netlens_wire_hello_clear     (NetlensWireHello       *hello);
gboolean netlens_wire_parse_packet    (const NetlensWireFrame *frame,
                                       NetlensWirePacket      *packet,
                                       GError                **error);
gboolean netlens_wire_parse_owner     (const NetlensWireFrame *frame,
                                       NetlensWireOwner       *owner,
                                       GError                **error);
void     netlens_wire_owner_clear     (NetlensWireOwner       *owner);
gboolean netlens_wire_parse_stats     (const NetlensWireFrame *frame,
                                       NetlensWireStats       *stats,
                                       GError                **error);
gboolean netlens_wire_parse_error     (const NetlensWireFrame *frame,
                                       NetlensWireError       *err,
                                       GError                **error);
void     netlens_wire_error_clear     (NetlensWireError       *err);
gboolean netlens_wire_parse_addresses (const NetlensWireFrame *frame,
                                       NetlensWireAddresses   *addrs,
                                       GError                **error);
void     netlens_wire_addresses_clear (NetlensWireAddresses   *addrs);

const char *netlens_wire_attribution_to_string (guint attribution);

G_END_DECLS
