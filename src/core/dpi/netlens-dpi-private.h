/* netlens-dpi-private.h: DPI internals shared by the dissectors, the unit tests and the fuzzers
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "netlens-dpi.h"

G_BEGIN_DECLS

/* ---- bounds ------------------------------------------------------------------------------- */

/* Reassembly: how many unconsumed in-order bytes one direction may hold, and how much
 * out-of-order data may wait for a gap to fill. */
#define NETLENS_STREAM_CAP            18432  /* one TLS record (2^14 + 5) fits */
#define NETLENS_STREAM_MAX_PENDING    8
#define NETLENS_STREAM_PENDING_BYTES  16384
/* Hard caps on the result lists of one connection. */
#define NETLENS_DPI_MAX_LIST          32
#define NETLENS_DPI_MAX_DNS_ENTRIES   32
#define NETLENS_DPI_MAX_DNS_ANSWERS   32
#define NETLENS_DPI_MAX_DNS_MESSAGES  256
#define NETLENS_DPI_MAX_HTTP_REQUESTS 32
#define NETLENS_DPI_MAX_SSH_MESSAGES  32
#define NETLENS_DPI_MAX_QUIC_CLOSES   4
/* QUIC CRYPTO stream bytes kept per packet number space and direction. */
#define NETLENS_QUIC_CRYPTO_CAP       16384
/* TLS handshake bytes kept per direction. */
#define NETLENS_TLS_HANDSHAKE_CAP     16384

/* ---- small containers ---------------------------------------------------------------------- */

/* Result lists hold interned strings (one copy per process, shared by every row and snapshot
 * that has them; thread-safe): a new list, TEXT (LEN bytes, or -1) as such a string (a new
 * reference), another reference to one, and the release of one. */
GPtrArray *_netlens_strlist_new      (void);
char      *_netlens_strlist_intern   (const char *text,
                                      gssize      len);
char      *_netlens_strlist_acquire  (char       *text);
void       _netlens_strlist_release  (char       *text);
/* Add TEXT (LEN bytes, or -1) unless it is already there or the list is full. */
gboolean _netlens_strlist_add_unique (GPtrArray  **list,
                                      const char  *text,
                                      gssize       len);
GPtrArray *_netlens_strlist_copy     (const GPtrArray *list);
/* "0x0304" */
char      *_netlens_hex16            (guint16 value);

/* ---- TCP reassembly (netlens-reassembly.c) -------------------------------------------------- */

typedef struct
{
  guint32  seq;
  guint32  len;
  guint8  *data;
} NetlensSegment;

/* One direction of a TCP stream: in-order bytes not yet consumed by the dissector,
 * starting at the stream offset consumed_total. */
typedef struct
{
  guint8         *buf;
  NetlensSegment *pending;       /* NETLENS_STREAM_MAX_PENDING slots, allocated by the first
                                  * segment that arrives beyond a gap (most streams: never) */
  guint64         consumed_total;
  guint32         len;
  guint32         cap;           /* bytes allocated at buf: grows by need up to NETLENS_STREAM_CAP */
  guint32         next_seq;      /* sequence number of the byte after buf[len - 1] */
  guint32         skip;          /* bytes the dissector wants dropped as they arrive */
  guint32         pending_bytes;
  guint8          n_pending;
  guint8          init : 1;
  guint8          overflow : 1;  /* more in-order data arrived than NETLENS_STREAM_CAP */
} NetlensStream;

void     _netlens_stream_clear   (NetlensStream *stream);
/* Feeds one segment.  SYN: the segment carries the SYN flag (its sequence number is the ISN).
 * Retransmitted and overlapping bytes are dropped (the first copy wins); a segment beyond
 * a gap waits (bounded).  Returns TRUE when new in-order bytes were appended. */
gboolean _netlens_stream_add     (NetlensStream *stream,
                                  guint32        seq,
                                  gboolean       syn,
                                  const guint8  *data,
                                  gsize          len);
void     _netlens_stream_consume (NetlensStream *stream,
                                  gsize          n);
/* Consumes N bytes, dropping the part that has not arrived yet as it arrives. */
void     _netlens_stream_skip    (NetlensStream *stream,
                                  guint64        n);

/* ---- HTTP (netlens-dpi-http.c) -------------------------------------------------------------- */

typedef struct
{
  GPtrArray *hosts;
  GPtrArray *methods;
  guint      requests;
  char      *path;        /* of the first request */
  char      *user_agent;  /* of the first request that has one */
  guint      responses;
  guint      status;      /* of the first response, 0 = none */
  GArray    *statuses;    /* guint16, distinct, capped */
} NetlensHttpInfo;

typedef enum
{
  NETLENS_PARSE_NEED_MORE = 0,
  NETLENS_PARSE_OK,
  NETLENS_PARSE_ERROR,
} NetlensParseResult;

gboolean           _netlens_http_is_request_start  (const guint8 *data, gsize len);
gboolean           _netlens_http_is_response_start (const guint8 *data, gsize len);
/* Parses one request (line + headers) at DATA.  On OK, *CONSUMED is the header length and
 * *BODY the Content-Length to skip. */
NetlensParseResult _netlens_http_parse_request  (NetlensHttpInfo *info,
                                                 const guint8    *data,
                                                 gsize            len,
                                                 gsize           *consumed,
                                                 guint64         *body);
/* Same for a response; *BODY is G_MAXUINT64 when the body length is unknown (chunked,
 * until close): the caller stops there. */
NetlensParseResult _netlens_http_parse_response (NetlensHttpInfo *info,
                                                 const guint8    *data,
                                                 gsize            len,
                                                 gsize           *consumed,
                                                 guint64         *body);
void               _netlens_http_info_free      (NetlensHttpInfo *info);
NetlensHttpInfo   *_netlens_http_info_copy      (const NetlensHttpInfo *info);

/* ---- TLS (netlens-dpi-tls.c) ---------------------------------------------------------------- */

typedef struct
{
  GPtrArray *sni;
  GPtrArray *alpn;
  guint      client_hellos;
  GPtrArray *legacy_versions;     /* "0x0303" */
  GPtrArray *supported_versions;
  gboolean   tls13_offered;
  gboolean   ech;                 /* encrypted_client_hello extension (0xfe0d) present */
  guint      server_hellos;
  gboolean   hello_retry;
  GPtrArray *server_versions;     /* negotiated: supported_versions, else legacy */
  guint16    version;             /* negotiated, 0 = unknown */
  guint16    cipher_suite;
  gboolean   has_cipher_suite;
  GPtrArray *alpn_selected;
  gint64     quic_max_idle_timeout_ms;  /* from QUIC transport parameters, -1 = absent */
} NetlensTlsInfo;

NetlensTlsInfo *_netlens_tls_info_new  (void);
void            _netlens_tls_info_free (NetlensTlsInfo *info);
NetlensTlsInfo *_netlens_tls_info_copy (const NetlensTlsInfo *info);

/* Handshake message bodies (after the 4-byte type+length header). */
gboolean _netlens_tls_parse_client_hello (NetlensTlsInfo *info,
                                          const guint8   *body,
                                          gsize           len);
gboolean _netlens_tls_parse_server_hello (NetlensTlsInfo *info,
                                          const guint8   *body,
                                          gsize           len);
/* QUIC transport parameters (RFC 9000 section 18); returns max_idle_timeout in ms or -1. */
gint64   _netlens_quic_parse_transport_params (const guint8 *data,
                                               gsize         len);

/* Handshake layer of one TLS direction: records in, messages out. */
typedef struct
{
  GByteArray *hs;        /* handshake bytes not yet parsed */
  guint       done : 1;
  guint       error : 1;
} NetlensTlsDir;

/* Feeds stream bytes (whole records are consumed); returns how many were consumed.
 * Sets DIR->done when this direction has nothing more to tell. */
gsize    _netlens_tls_feed_records   (NetlensTlsInfo *info,
                                      NetlensTlsDir  *dir,
                                      gboolean        from_client,
                                      const guint8   *data,
                                      gsize           len);
/* Parses the handshake messages in DATA (used by TLS records and QUIC CRYPTO).
 * Returns the bytes consumed (whole messages only). */
gsize    _netlens_tls_feed_handshake (NetlensTlsInfo *info,
                                      gboolean        from_client,
                                      const guint8   *data,
                                      gsize           len,
                                      gboolean       *done);
gboolean _netlens_tls_is_record_start (const guint8 *data, gsize len);

/* ---- DNS (netlens-dpi-dns.c) ---------------------------------------------------------------- */

typedef struct
{
  guint16    id;
  char      *name;
  guint16    qtype;
  gboolean   query;
  gboolean   response;
  gint       rcode;        /* -1 = no response */
  GPtrArray *answers;      /* A/AAAA addresses as text */
} NetlensDnsEntry;

typedef struct
{
  NetlensFamily family;
  NetlensAddr   addr;
  char         *owner;      /* the name the address is for */
} NetlensDnsAddress;

/* One parsed message. */
typedef struct
{
  guint16    id;
  gboolean   response;
  guint8     opcode;
  guint8     rcode;
  char      *qname;         /* first question, or NULL */
  guint16    qtype;
  GArray    *addresses;     /* NetlensDnsAddress, capped */
} NetlensDnsMessage;

/* Reads a possibly compressed name at *OFFSET (advanced past it); pointers are followed
 * backwards only and at most 64 times.  Returns a dotted lower-case-preserving name. */
char    *_netlens_dns_read_name    (const guint8 *msg,
                                    gsize         len,
                                    gsize        *offset);
gboolean _netlens_dns_parse        (const guint8      *data,
                                    gsize              len,
                                    NetlensDnsMessage *out);
/* Strict check for DNS on unusual ports: the whole datagram parses, counts are sane. */
gboolean _netlens_dns_looks_valid  (const guint8 *data,
                                    gsize         len);
void     _netlens_dns_message_clear (NetlensDnsMessage *msg);
const char *_netlens_dns_type_name (guint16 qtype);
/* Merges a message into the per-connection entries (one per id+name+qtype). */
gboolean _netlens_dns_merge        (GPtrArray              **entries,
                                    const NetlensDnsMessage *msg);
void     _netlens_dns_entry_free   (gpointer entry);
GPtrArray *_netlens_dns_entries_copy (const GPtrArray *entries);

/* ---- SSH (netlens-dpi-ssh.c) ---------------------------------------------------------------- */

enum
{
  NETLENS_SSH_KEX = 0,
  NETLENS_SSH_HOSTKEY,
  NETLENS_SSH_ENC_C2S,
  NETLENS_SSH_ENC_S2C,
  NETLENS_SSH_MAC_C2S,
  NETLENS_SSH_MAC_S2C,
  NETLENS_SSH_COMP_C2S,
  NETLENS_SSH_COMP_S2C,
  NETLENS_SSH_LANG_C2S,
  NETLENS_SSH_LANG_S2C,
  NETLENS_SSH_N_LISTS
};

typedef struct
{
  char      *version;                 /* whole banner line, "SSH-2.0-OpenSSH_7.4" */
  char      *software;                /* "OpenSSH_7.4" */
  gboolean   kexinit;
  gboolean   newkeys;
  char     **lists[NETLENS_SSH_N_LISTS];  /* KEXINIT name-lists, NULL until seen: NULL-terminated
                                       * arrays of interned strings (_netlens_ssh_list_free) */
  guint32    encrypted_segments;      /* payload segments after this side's NEWKEYS */
} NetlensSshSide;

typedef struct
{
  NetlensSshSide client;
  NetlensSshSide server;
  GPtrArray     *messages;            /* "c2s:20" */
} NetlensSshInfo;

extern const char *const _netlens_ssh_list_names[NETLENS_SSH_N_LISTS];

NetlensSshInfo *_netlens_ssh_info_new  (void);
void            _netlens_ssh_info_free (NetlensSshInfo *info);
NetlensSshInfo *_netlens_ssh_info_copy (const NetlensSshInfo *info);
void            _netlens_ssh_list_free (char **list);
/* The software part of a banner ("OpenSSH_7.4p1 Debian-10"), or NULL. */
char           *_netlens_ssh_banner_software (const char *banner);
/* One direction's bytes: the banner line, then binary packets until NEWKEYS.  Returns the
 * bytes consumed; *SKIP is set to bytes to drop beyond LEN (a large packet). *DONE when
 * NEWKEYS was read (everything after it is encrypted). */
gsize           _netlens_ssh_feed (NetlensSshInfo *info,
                                   gboolean        from_client,
                                   const guint8   *data,
                                   gsize           len,
                                   guint64        *skip,
                                   gboolean       *done,
                                   gboolean       *error);
/* Parses a KEXINIT payload (after the message code) into SIDE->lists. */
gboolean        _netlens_ssh_parse_kexinit (NetlensSshSide *side,
                                            const guint8   *payload,
                                            gsize           len);
/* The app_state the SSH results imply. */
NetlensAppState _netlens_ssh_app_state (const NetlensSshInfo *info);

/* ---- QUIC (netlens-dpi-quic.c) -------------------------------------------------------------- */

#define NETLENS_QUIC_V1       0x00000001u
#define NETLENS_QUIC_V2       0x6b3343cfu
#define NETLENS_QUIC_DRAFT29  0xff00001du

typedef struct
{
  guint8  frame_type;        /* 0x1c or 0x1d */
  gboolean from_client;
  guint64 error_code;
  char   *reason;
} NetlensQuicClose;

typedef struct
{
  GArray    *versions;          /* guint32, long-header versions seen (not VN) */
  GArray    *vn_versions;       /* guint32, versions offered by Version Negotiation */
  NetlensTlsInfo *tls;          /* from the decrypted CRYPTO streams */
  guint      initial_packets;
  guint      zero_rtt_packets;
  guint      handshake_packets;
  guint      retry_packets;
  guint      short_header_packets;
  gboolean   version_negotiation;
  GArray    *closes;            /* NetlensQuicClose */
  guint8     dcid[20];          /* client's first Destination Connection ID */
  guint8     dcid_len;
  guint8     scid[20];          /* client's Source Connection ID */
  guint8     scid_len;
  guint8     server_scid[20];
  guint8     server_scid_len;
  guint      undecryptable;     /* Initials that failed to decrypt */
} NetlensQuicInfo;

NetlensQuicInfo *_netlens_quic_info_new  (void);
void             _netlens_quic_info_free (NetlensQuicInfo *info);
NetlensQuicInfo *_netlens_quic_info_copy (const NetlensQuicInfo *info);

/* Initial keys of one direction (RFC 9001 section 5.2, RFC 9369 section 3.3.1). */
typedef struct
{
  guint8 secret[32];
  guint8 key[16];
  guint8 iv[12];
  guint8 hp[16];
} NetlensQuicKeys;

gboolean _netlens_quic_version_supported (guint32 version);
gboolean _netlens_quic_derive_initial_keys (guint32          version,
                                            const guint8    *dcid,
                                            gsize            dcid_len,
                                            NetlensQuicKeys *client,
                                            NetlensQuicKeys *server);

/* A parsed long header (RFC 9000 section 17.2). */
typedef struct
{
  guint8   first;
  guint32  version;
  guint8   type;              /* normalised to v1 codes: 0 Initial, 1 0-RTT, 2 Handshake, 3 Retry */
  const guint8 *dcid;
  guint8   dcid_len;
  const guint8 *scid;
  guint8   scid_len;
  const guint8 *token;
  guint64  token_len;
  gsize    pn_offset;         /* Initial, 0-RTT, Handshake: offset of the packet number */
  gsize    packet_len;        /* whole packet, header included (coalesced packets follow) */
} NetlensQuicLongHeader;

gboolean _netlens_quic_parse_long_header (const guint8          *data,
                                          gsize                  len,
                                          NetlensQuicLongHeader *out);
/* Removes header protection and the AEAD of one Initial packet (DATA, PACKET_LEN bytes).
 * Returns the plaintext payload (frames) in a new buffer, or NULL. */
guint8  *_netlens_quic_decrypt_initial   (const NetlensQuicKeys       *keys,
                                          const guint8                *data,
                                          const NetlensQuicLongHeader *hdr,
                                          gsize                       *out_len,
                                          guint64                     *out_pn);

/* Reassembly of one CRYPTO stream (offset-addressed, bounded). */
typedef struct
{
  guint8  *buf;               /* NETLENS_QUIC_CRYPTO_CAP bytes, lazily allocated */
  guint64  parsed;            /* bytes of the stream already handed to the TLS parser */
  /* received ranges [start, end), sorted and merged (at most NETLENS_QUIC_CRYPTO_CAP) */
  guint32  ranges[16][2];
  guint    n_ranges;
  gboolean done;
} NetlensQuicCrypto;

void     _netlens_quic_crypto_clear (NetlensQuicCrypto *crypto);
gboolean _netlens_quic_crypto_add   (NetlensQuicCrypto *crypto,
                                     guint64            offset,
                                     const guint8      *data,
                                     gsize              len);
/* Contiguous bytes from offset 0. */
guint64  _netlens_quic_crypto_contiguous (const NetlensQuicCrypto *crypto);

/* Parses the frames of a decrypted Initial packet: CRYPTO into CRYPTO, closes into INFO.
 * Returns FALSE on a malformed frame (what was read before stays). */
gboolean _netlens_quic_parse_frames (NetlensQuicInfo   *info,
                                     NetlensQuicCrypto *crypto,
                                     gboolean           from_client,
                                     const guint8      *data,
                                     gsize              len);
/* Hands the newly contiguous CRYPTO bytes to the TLS parser. */
gboolean _netlens_quic_crypto_process (NetlensQuicInfo   *info,
                                       NetlensQuicCrypto *crypto,
                                       gboolean           from_client);

/* Per-connection QUIC work state (keys, CRYPTO buffers); not copied into snapshots. */
typedef struct _NetlensQuicState NetlensQuicState;

NetlensQuicState *_netlens_quic_state_new  (void);
/* State for a row that continues a known QUIC connection (migration). */
NetlensQuicState *_netlens_quic_state_new_joined (gboolean client_is_local,
                                                  gboolean connected);
void              _netlens_quic_state_free (NetlensQuicState *state);
/* TRUE when DATA looks like the start of a QUIC long-header packet worth a try. */
gboolean          _netlens_quic_detect     (const guint8 *data, gsize len);
/* One UDP datagram (possibly coalesced packets).  Returns TRUE when INFO changed. */
gboolean          _netlens_quic_datagram   (NetlensQuicState *state,
                                            NetlensQuicInfo  *info,
                                            gboolean          from_local,
                                            const guint8     *data,
                                            gsize             len,
                                            gboolean         *is_quic,
                                            gboolean         *client_is_local);
/* States the observed packets imply (QUIC_INITIAL ... QUIC_CLOSED). */
NetlensState      _netlens_quic_conn_state (const NetlensQuicState *state,
                                            const NetlensQuicInfo  *info);

/* ---- ICMP and ARP ---------------------------------------------------------------------------- */

typedef struct
{
  guint8   type;
  guint32  count;
} NetlensIcmpTypeCount;

typedef struct
{
  /* counts by type, ascending by type: a row sees a few types, not 256 (1 KiB each) */
  NetlensIcmpTypeCount *types;
  guint16  n_types;
  guint16  types_size;
  guint    echo_requests;
  guint    echo_replies;
  GArray  *echo_ids;          /* guint16, distinct, capped */
  guint8   last_type;
  guint8   last_code;
  guint16  last_id;
  guint16  last_seq;
} NetlensIcmpInfo;

/* Adds N to TYPE's count; sets it with _set. */
void _netlens_icmp_add_type (NetlensIcmpInfo *icmp, guint8 type, guint32 n);
void _netlens_icmp_set_type (NetlensIcmpInfo *icmp, guint8 type, guint32 count);

typedef struct
{
  guint    requests;
  guint    replies;
  guint16  last_op;
  guint8   sender_mac[6];
  guint8   target_mac[6];
  NetlensAddr sender_ip;
  NetlensAddr target_ip;
  GArray  *sender_macs;       /* 6-byte entries, distinct, capped */
} NetlensArpInfo;

/* ---- the per-connection record (netlens-dpi.c) ---------------------------------------------- */

typedef struct
{
  NetlensStream stream;
  NetlensTlsDir tls;
  guint         done : 1;       /* nothing more to learn from this direction's bytes */
  guint         detected : 1;
  guint         probed_bytes;
} NetlensDpiDir;

/* One per row that has shown payload (88 bytes: a row waiting for its peer holds this and
 * little else).  A direction's NetlensDpiDir exists only from its first payload byte until it
 * is done (then dirs_done has its bit; SSH keeps its directions to count the segments after
 * NEWKEYS); a direction that sent no payload yet keeps its ISN in the row (syn_seq). */
struct _NetlensDpi
{
  /* results */
  NetlensHttpInfo  *http;
  NetlensTlsInfo   *tls;
  GPtrArray        *dns;        /* NetlensDnsEntry */
  NetlensSshInfo   *ssh;
  NetlensQuicInfo  *quic;
  NetlensIcmpInfo  *icmp;
  NetlensArpInfo   *arp;
  /* work state (NULL in copies) */
  NetlensDpiDir    *dirs[2];    /* [0] local -> remote, [1] remote -> local */
  NetlensQuicState *quic_state;
  guint16           udp_packets;   /* saturates at G_MAXUINT16 */
  guint16           dns_messages;  /* at most NETLENS_DPI_MAX_DNS_MESSAGES */
  guint8            app;        /* NetlensApp */
  guint8            mdns : 1;
  guint8            client_known : 1;
  guint8            client_is_local : 1;
  guint8            copy : 1;
  guint8            tcp_done : 1;
  guint8            udp_done : 1;
  guint8            dirs_done : 2;  /* bit 0: local -> remote finished (its dir freed), bit 1: remote */
};

NetlensDpi *_netlens_dpi_new (void);
/* An empty record for the results of a stored row (netlens_dpi_from_json() and
 * netlens_dpi_from_binary()): a copy, with CONN's app and the client guessed from its ports. */
NetlensDpi *_netlens_dpi_new_stored (const NetlensConnection *conn);

G_END_DECLS
