/* netlens-export.h: headless export (JSON, JSONL, CSV)
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>
#include <stdio.h>

#include "netlens-connection.h"
#include "netlens-pipeline.h"

G_BEGIN_DECLS

typedef enum
{
  NETLENS_EXPORT_JSON,
  NETLENS_EXPORT_JSONL,
  NETLENS_EXPORT_CSV,
} NetlensExportFormat;

gboolean netlens_export_format_from_string (const char *name, NetlensExportFormat *out);

typedef struct _NetlensExport NetlensExport;

typedef struct
{
  const char *file;        /* capture file, or NULL */
  const char *interface;   /* live interface, or NULL */
  int         link_type;
  gint64      started_us;
  gint64      ended_us;
} NetlensExportSource;

/* Writes to STREAM (not closed).  A filter (netlens_query_match()) may be set. */
NetlensExport *netlens_export_new        (NetlensExportFormat format,
                                          FILE               *stream);
void           netlens_export_free       (NetlensExport     *export);
/* Only rows for which FUNC returns TRUE are written. */
void           netlens_export_set_filter (NetlensExport     *export,
                                          gboolean         (*func) (const NetlensConnection *conn,
                                                                    gpointer                 data),
                                          gpointer           data);
/* Thread-safe; may be used directly as a NetlensRowSink (takes ownership). */
void           netlens_export_row_sink   (NetlensConnection *conn,
                                          gpointer           export);
void           netlens_export_write_row  (NetlensExport     *export,
                                          const NetlensConnection *conn);
/* Writes the trailer (source, stats); FALSE on a write error (errno set). */
gboolean       netlens_export_finish     (NetlensExport     *export,
                                          const NetlensExportSource *source,
                                          const NetlensStats *stats);
guint64        netlens_export_get_n_rows (NetlensExport     *export);

/* One connection as a JSON object (the "connections" element). */
void           netlens_connection_write_json (const NetlensConnection *conn,
                                              GString                 *out);
/* RFC 3339 UTC with microseconds. */
void           netlens_append_timestamp  (GString *out, gint64 ts_us);
void           netlens_append_json_string (GString *out, const char *text);

G_END_DECLS
