/* netlens-pcapng-writer.h: annotated pcapng files, and a small pcap/pcapng reader
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

#define NETLENS_PCAPNG_ERROR (netlens_pcapng_error_quark ())

typedef enum
{
  NETLENS_PCAPNG_ERROR_IO,        /* cannot open, read or write */
  NETLENS_PCAPNG_ERROR_FORMAT,    /* not a pcap or pcapng file, or damaged */
  NETLENS_PCAPNG_ERROR_USAGE,     /* e.g. a drop note after the first packet */
} NetlensPcapngError;

GQuark netlens_pcapng_error_quark (void);

/* ---- writing ---- */

typedef struct _NetlensPcapngWriter NetlensPcapngWriter;

/* Creates (or truncates) PATH.  Writes with the host's byte order.  A writer is used by one
 * thread at a time (the capture reader for the spool); call netlens_pcapng_writer_flush()
 * now and then (once per UI tick) so that a save sees the packets so far: the reader stops
 * cleanly at a block that is not whole yet. */
NetlensPcapngWriter *netlens_pcapng_writer_new       (const char           *path,
                                                      GError              **error);
/* A new spool file "spool-XXXXXX.pcapng" in $XDG_CACHE_HOME/netlens (created 0600). */
NetlensPcapngWriter *netlens_pcapng_writer_new_spool (GError              **error);
const char          *netlens_pcapng_writer_get_path  (NetlensPcapngWriter  *writer);

/* The section header's comment (shown by `capinfos` and Wireshark's capture file
 * properties), e.g. "Packets were dropped: 12 by the kernel, 3 by Netlens".  The section
 * header is written with the first interface, so this must come before that (FALSE after). */
gboolean  netlens_pcapng_writer_set_drop_note  (NetlensPcapngWriter *writer,
                                                const char          *note);
/* The section header comment for a capture that lost packets, or NULL when none were lost:
 * "Packets were dropped: 12 by the kernel, 3 by the interface, 5 by Netlens (queue full);
 * 100 were not saved (the spool reached its size limit)". */
char     *netlens_pcapng_drop_note             (guint64              dropped_kernel,
                                                guint64              dropped_interface,
                                                guint64              dropped_internal,
                                                guint64              not_spooled);
/* A size cap (0 = none): a packet that would take the file past MAX_BYTES is not written
 * and counted in netlens_pcapng_writer_get_n_skipped(). */
void      netlens_pcapng_writer_set_max_bytes  (NetlensPcapngWriter *writer,
                                                guint64              max_bytes);

/* An interface description: returns its id for the packets, -1 on error.
 * TSRESOL is the pcapng if_tsresol byte (6 = microseconds, 9 = nanoseconds; 0 means 6). */
int       netlens_pcapng_writer_add_interface  (NetlensPcapngWriter *writer,
                                                int                  link_type,
                                                guint32              snaplen,
                                                const char          *name,
                                                guint8               tsresol,
                                                GError             **error);
/* An enhanced packet block; COMMENT (may be NULL) becomes its opt_comment
 * (Wireshark's frame.comment).  TS_US is microseconds since the epoch; the interface's
 * resolution is applied. */
gboolean  netlens_pcapng_writer_write_packet   (NetlensPcapngWriter *writer,
                                                guint                interface_id,
                                                gint64               ts_us,
                                                guint32              caplen,
                                                guint32              wirelen,
                                                const guint8        *data,
                                                const char          *comment,
                                                GError             **error);
/* The same with a timestamp already in the interface's units (copying a file exactly). */
gboolean  netlens_pcapng_writer_write_packet_raw (NetlensPcapngWriter *writer,
                                                  guint                interface_id,
                                                  guint64              ts_units,
                                                  guint32              caplen,
                                                  guint32              wirelen,
                                                  const guint8        *data,
                                                  const char          *comment,
                                                  GError             **error);
/* Pushes buffered blocks to the file (so that a reader sees whole blocks). */
gboolean  netlens_pcapng_writer_flush          (NetlensPcapngWriter *writer,
                                                GError             **error);
guint64   netlens_pcapng_writer_get_n_packets  (NetlensPcapngWriter *writer);
guint64   netlens_pcapng_writer_get_n_skipped  (NetlensPcapngWriter *writer);
guint64   netlens_pcapng_writer_get_size       (NetlensPcapngWriter *writer);
/* Flushes and closes; FALSE when something could not be written.  Frees WRITER. */
gboolean  netlens_pcapng_writer_close          (NetlensPcapngWriter *writer,
                                                GError             **error);
/* Closes without reporting (error paths).  NULL is fine. */
void      netlens_pcapng_writer_free           (NetlensPcapngWriter *writer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NetlensPcapngWriter, netlens_pcapng_writer_free)

/* ---- reading (pcapng, and classic pcap) ---- */

typedef struct _NetlensPcapReader NetlensPcapReader;

typedef struct
{
  guint         section;      /* counts section headers from 0 (pcap: always 0) */
  guint         interface_id; /* within the section */
  int           link_type;
  guint32       snaplen;
  guint8        tsresol;      /* if_tsresol byte of the interface */
  guint64       ts_units;     /* timestamp in the interface's units */
  gint64        ts_us;        /* microseconds since the epoch */
  guint32       caplen;
  guint32       wirelen;
  const guint8 *data;         /* valid until the next call */
  const char   *comment;      /* the packet's first opt_comment, or NULL; same lifetime */
} NetlensPcapRecord;

NetlensPcapReader *netlens_pcap_reader_open  (const char        *path,
                                              GError           **error);
void               netlens_pcap_reader_free  (NetlensPcapReader *reader);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NetlensPcapReader, netlens_pcap_reader_free)
/* The next packet: TRUE with RECORD filled; FALSE at the end (ERROR unset) or on damage
 * (ERROR set).  A block cut short at the end of the file (a spool still being written, a
 * crash) is the end, noted by netlens_pcap_reader_was_truncated(). */
gboolean           netlens_pcap_reader_next  (NetlensPcapReader *reader,
                                              NetlensPcapRecord *record,
                                              GError           **error);
gboolean           netlens_pcap_reader_was_truncated (NetlensPcapReader *reader);
/* Interfaces seen so far (pcapng: per section, as they appear; pcap: one). */
guint              netlens_pcap_reader_get_n_interfaces (NetlensPcapReader *reader);
/* The section header's comment of the current section, or NULL. */
const char        *netlens_pcap_reader_get_section_comment (NetlensPcapReader *reader);

/* ---- Save Capture: the spool, annotated ---- */

/* The comment for the packets of CONN: "process firefox pid 1234 sni example.org"
 * ("host" for an HTTP Host, "name" for a DNS or reverse name), or NULL when nothing
 * is known. */
char     *netlens_pcapng_comment_for_connection (const NetlensConnection *conn);

/* Key -> comment, from connection rows (snapshots: the UI's rows, the ended rows). */
typedef struct _NetlensPcapngAnnotations NetlensPcapngAnnotations;

NetlensPcapngAnnotations *netlens_pcapng_annotations_new  (void);
void                      netlens_pcapng_annotations_free (NetlensPcapngAnnotations *annotations);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NetlensPcapngAnnotations, netlens_pcapng_annotations_free)
/* Adds or refreshes (same key and first_seen) the comment of CONN.  Thread-safe, also
 * while netlens_pcapng_annotate() reads the map on another thread. */
void        netlens_pcapng_annotations_add    (NetlensPcapngAnnotations *annotations,
                                               const NetlensConnection  *conn);
guint       netlens_pcapng_annotations_size   (NetlensPcapngAnnotations *annotations);
/* Forgets rows that ended before BEFORE_US (older than the spool's first packet: a long
 * session's map then follows the spool, not the whole session).  Not during a save. */
void        netlens_pcapng_annotations_prune  (NetlensPcapngAnnotations *annotations,
                                               gint64                    before_us);

/* Looks a packet's flow up.  KEY is the packet's key with local = its source
 * (netlens_flow_key_from_packet); the annotate helper also tries the reversed key.
 * Returns a comment that stays valid during the netlens_pcapng_annotate() call, or NULL.
 * Called from the thread that runs netlens_pcapng_annotate(). */
typedef const char *(*NetlensPcapngLookupFunc) (const NetlensFlowKey *key,
                                                gint64                ts_us,
                                                gpointer              user_data);

/* A NetlensPcapngLookupFunc over a NetlensPcapngAnnotations (USER_DATA): the row of that
 * key whose [first_seen, last_seen] holds TS_US, else the nearest in time. */
const char *netlens_pcapng_annotations_lookup (const NetlensFlowKey *key,
                                               gint64                ts_us,
                                               gpointer              annotations);

typedef struct
{
  guint64  packets;      /* written */
  guint64  annotated;    /* of them with a comment */
  gboolean truncated;    /* the input ended in a cut block */
} NetlensPcapngAnnotateStats;

/* Reads SPOOL_PATH (pcapng or pcap), decodes each packet (netlens_decode_packet), asks
 * LOOKUP for its comment and writes OUT_PATH as pcapng with the same interfaces, the same
 * timestamps and the packets unchanged.  DROP_NOTE (may be NULL) becomes the section
 * header's comment.  On error OUT_PATH is removed. */
gboolean  netlens_pcapng_annotate (const char                 *spool_path,
                                   const char                 *out_path,
                                   const char                 *drop_note,
                                   NetlensPcapngLookupFunc     lookup,
                                   gpointer                    user_data,
                                   NetlensPcapngAnnotateStats *stats,
                                   GError                    **error);

G_END_DECLS
