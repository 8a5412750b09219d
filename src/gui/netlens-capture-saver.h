/* netlens-capture-saver.h: Save Capture… (the packets of the session, annotated, as pcapng)
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "netlens-pipeline.h"

G_BEGIN_DECLS

/* A live capture keeps at most this much of its packets in its spool
 * ($XDG_CACHE_HOME/netlens/spool-*.pcapng, removed with the capture); packets past it are
 * not kept, and a saved file's section header comment says how many. */
#define NETLENS_CAPTURE_SAVER_SPOOL_MAX_BYTES (G_GUINT64_CONSTANT (1) << 30)

typedef struct _NetlensCaptureSaver NetlensCaptureSaver;

/* A live capture: a new spool (fails when $XDG_CACHE_HOME/netlens cannot be written). */
NetlensCaptureSaver *netlens_capture_saver_new_live (GError             **error);
/* An opened file: the file itself is re-read when saving. */
NetlensCaptureSaver *netlens_capture_saver_new_file (const char          *path);
NetlensCaptureSaver *netlens_capture_saver_ref      (NetlensCaptureSaver *saver);
/* The last reference removes the spool. */
void                 netlens_capture_saver_unref    (NetlensCaptureSaver *saver);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NetlensCaptureSaver, netlens_capture_saver_unref)

/* A NetlensLivePacketFunc (the live source's reader thread): spools one packet. */
void      netlens_capture_saver_packet     (int                  link_type,
                                            guint32              snaplen,
                                            const char          *interface,
                                            gint64               ts_us,
                                            guint32              caplen,
                                            guint32              origlen,
                                            const guint8        *data,
                                            gpointer             saver);
/* Rows (snapshots, not taken) whose packets get their comments: the window's change sets
 * and ended rows. */
void      netlens_capture_saver_add_rows   (NetlensCaptureSaver *saver,
                                            GPtrArray           *sets,
                                            GPtrArray           *ended);
guint64   netlens_capture_saver_get_n_packets (NetlensCaptureSaver *saver);

/* Writes OUT_PATH on a worker thread: the spool (or the file) re-read, each packet with the
 * comment of its row; STATS (may be NULL) gives the drop note. */
void      netlens_capture_saver_save_async  (NetlensCaptureSaver *saver,
                                             const char          *out_path,
                                             const NetlensStats  *stats,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
/* The packets written, or -1 with ERROR. */
gint64    netlens_capture_saver_save_finish (NetlensCaptureSaver *saver,
                                             GAsyncResult        *result,
                                             GError             **error);

G_END_DECLS
