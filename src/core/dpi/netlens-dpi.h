/* netlens-dpi.h: the boundary between the connection table and deep packet inspection
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

/* Shared by every worker of one pipeline: the passive DNS name cache
 * (address -> names seen in DNS answers).  Thread-safe. */
typedef struct _NetlensNameCache NetlensNameCache;

NetlensNameCache *netlens_name_cache_new    (guint            max_entries,
                                             guint            freshness_s);
void              netlens_name_cache_free   (NetlensNameCache *cache);
/* Record that NAME resolved to ADDR at time NOW_US (microseconds). */
void              netlens_name_cache_insert (NetlensNameCache  *cache,
                                             NetlensFamily      family,
                                             const NetlensAddr *addr,
                                             const char        *name,
                                             gint64             now_us);
/* The freshest name for ADDR, as a new GRefString reference, or NULL. */
char             *netlens_name_cache_lookup (NetlensNameCache  *cache,
                                             NetlensFamily      family,
                                             const NetlensAddr *addr,
                                             gint64             now_us);

/* Defaults (docs/dpi.md): addresses kept, and how long after the DNS answer a name still
 * labels a new connection (capture time). */
#define NETLENS_NAME_CACHE_DEFAULT_ENTRIES     65536
#define NETLENS_NAME_CACHE_DEFAULT_FRESHNESS_S 3600
/* Number of addresses currently held. */
guint             netlens_name_cache_get_size (NetlensNameCache *cache);

/* Called by a worker for every packet of a TCP or UDP connection when DPI is on.
 * FROM_LOCAL: the packet goes local -> remote.  May set conn->dpi, conn->app,
 * conn->app_state, conn->timeout_s and, for QUIC, conn->state.
 * Returns TRUE when it changed something the UI shows. */
gboolean     netlens_dpi_inspect           (NetlensConnection   *conn,
                                            const NetlensPacket *pkt,
                                            gboolean             from_local,
                                            NetlensNameCache    *names);
/* Puts the addresses a UDP DNS response (ports 53, 5353, 5355) answers into NAMES, as of the
 * packet's time, and marks PKT so that netlens_dpi_inspect() does not add them again.  At
 * most MAX_LEN bytes of the payload are read (what inspection would see).  The pipeline
 * calls it on its reader thread, in capture order, before the packet goes to a worker: the
 * names rows get then do not depend on which worker handled the answer (see
 * netlens-name-cache.c). */
void         netlens_dpi_note_dns_answers  (NetlensNameCache    *names,
                                            NetlensPacket       *pkt,
                                            gsize                max_len);
/* QUIC connection migration (RFC 9000 section 9): a connection that moves to a new
 * address keeps its connection IDs.  The table may keep an index of the IDs of QUIC rows
 * and, when a new UDP row's first packet carries one of them, continue from the old
 * row's DPI results.
 * The Destination and Source Connection IDs of a long-header packet (version-independent
 * invariants, RFC 8999); FALSE when PAYLOAD is not one. */
gboolean     netlens_dpi_quic_long_header_cids (const guint8     *payload,
                                                gsize             len,
                                                guint8           *dcid,      /* 20 bytes */
                                                guint8           *dcid_len,
                                                guint8           *scid,      /* 20 bytes */
                                                guint8           *scid_len);
/* TRUE when PAYLOAD (a QUIC packet, long or short header) is addressed to or from one of
 * the connection IDs DPI learned for this row: the client's original DCID, the client's
 * SCID, the server's SCID. */
gboolean     netlens_dpi_quic_matches          (const NetlensDpi *dpi,
                                                const guint8     *payload,
                                                gsize             len);
/* CONN is the same QUIC connection as the row whose results are FROM: copy them, mark
 * CONN as QUIC in FROM's state, and keep inspecting it.  CLIENT_IS_LOCAL: orientation of
 * CONN. */
void         netlens_dpi_join_quic             (NetlensConnection *conn,
                                                const NetlensDpi  *from,
                                                gboolean           client_is_local);
/* What netlens_dpi_join_quic() reads of a row's results (its QUIC part), for the shared
 * registry of QUIC connection IDs; NULL when DPI has no QUIC results. */
NetlensDpi  *netlens_dpi_copy_quic_results     (const NetlensDpi  *dpi);

/* ICMP/ICMPv6 and ARP detail (type, code, echo id/seq, ARP MACs): cheap, also with --no-dpi. */
void         netlens_dpi_note_control      (NetlensConnection   *conn,
                                            const NetlensPacket *pkt,
                                            gboolean             from_local);
void         netlens_dpi_free              (NetlensDpi          *dpi);
/* Results only (no reassembly buffers): for snapshots handed to other threads. */
NetlensDpi  *netlens_dpi_copy_results      (const NetlensDpi    *dpi);

const char  *netlens_dpi_get_sni           (const NetlensDpi    *dpi);
const char  *netlens_dpi_get_http_host     (const NetlensDpi    *dpi);
const char  *netlens_dpi_get_ssh_software  (const NetlensDpi    *dpi);  /* remote side's */
/* One line for the table's application column ("TLS example.org h2"). */
void         netlens_dpi_append_summary    (const NetlensDpi    *dpi,
                                            GString             *out);
/* Every text value, for the query language's bare-word search. Stops when FUNC returns TRUE. */
gboolean     netlens_dpi_foreach_text      (const NetlensDpi    *dpi,
                                            gboolean           (*func) (const char *text,
                                                                        gpointer    user_data),
                                            gpointer             user_data);

/* The inverse of netlens_dpi_write_json() (netlens-dpi-json.c): the DPI results of a stored
 * row rebuilt from its "dpi" JSON, so that sni:, http.host:, ssh: and the CSV columns work on
 * history rows as on live ones.  CONN (may be NULL) gives what the JSON does not hold: the
 * app, and which end was the client (guessed from the ports, as DPI does without a SYN).
 * Writing the result again gives JSON back byte for byte.  NULL with ERROR on bad JSON. */
#define NETLENS_DPI_JSON_ERROR (netlens_dpi_json_error_quark ())
GQuark       netlens_dpi_json_error_quark  (void);
NetlensDpi  *netlens_dpi_from_json         (const char               *json,
                                            const NetlensConnection  *conn,
                                            GError                  **error);

/* The compact binary form of the same results (netlens-dpi-binary.c), for the history
 * store: a version byte, then varints, length-prefixed strings and a presence bitmap per
 * protocol.  write_binary appends the form of DPI (may be NULL: "no results") to OUT.
 * from_binary is its inverse: netlens_dpi_write_json (netlens_dpi_from_binary (b)) is byte
 * for byte netlens_dpi_write_json of the original; CONN as for netlens_dpi_from_json().
 * Like from_json it returns an empty record (not NULL) for "no results"; NULL with ERROR
 * on malformed, truncated, over-long or unknown-version input (never reads out of LEN). */
#define NETLENS_DPI_BINARY_ERROR (netlens_dpi_binary_error_quark ())
GQuark       netlens_dpi_binary_error_quark (void);
typedef enum
{
  NETLENS_DPI_BINARY_ERROR_VERSION,    /* another format version (a newer Netlens) */
  NETLENS_DPI_BINARY_ERROR_MALFORMED,  /* truncated, out of range, unknown fields */
} NetlensDpiBinaryError;
#define NETLENS_DPI_BINARY_VERSION 1
void         netlens_dpi_write_binary      (const NetlensDpi         *dpi,
                                            GByteArray               *out);
NetlensDpi  *netlens_dpi_from_binary       (const guint8             *data,
                                            gsize                     len,
                                            const NetlensConnection  *conn,
                                            GError                  **error);

/* Writes the value of the export's "dpi" key: {"http": …, "tls": …, "dns": …, "ssh": …,
 * "quic": …, "icmp": …, "arp": …} with null for what is unknown.  DPI may be NULL. */
void         netlens_dpi_write_json        (const NetlensDpi    *dpi,
                                            GString             *out);
/* CSV columns, in the order of netlens_dpi_csv_header(); lists joined with ';'.
 * write_csv appends one newly allocated string per column ("" when unknown). */
const char *const *netlens_dpi_csv_header  (void);
void         netlens_dpi_write_csv         (const NetlensDpi    *dpi,
                                            GPtrArray           *cells);

G_END_DECLS
