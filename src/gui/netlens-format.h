/* netlens-format.h: text of the connection table's columns, clipboard and detail values
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "netlens-connection.h"

G_BEGIN_DECLS

/* The table's columns.  GTK 4.8 cannot report a column's id or sort state, so the
 * window keeps these ids itself; they are also the GSettings column ids. */
typedef enum
{
  NETLENS_COLUMN_PROCESS = 0,
  NETLENS_COLUMN_PROTOCOL,
  NETLENS_COLUMN_LOCAL,
  NETLENS_COLUMN_REMOTE,
  NETLENS_COLUMN_SERVICE,
  NETLENS_COLUMN_APPLICATION,
  NETLENS_COLUMN_STATE,
  NETLENS_COLUMN_RX_RATE,
  NETLENS_COLUMN_TX_RATE,
  NETLENS_COLUMN_BYTES,
  NETLENS_COLUMN_PACKETS,
  NETLENS_COLUMN_AGE,
  NETLENS_COLUMN_COUNTRY,   /* GeoIP; hidden without a database */
  NETLENS_N_COLUMNS,
  NETLENS_COLUMN_NONE = -1,
} NetlensColumn;

/* What a cell needs besides the connection. */
typedef struct
{
  gint64   now_us;      /* the pipeline's clock (packet time for files) */
  double   rx_rate;     /* bytes per second, derived from successive snapshots */
  double   tx_rate;
  gboolean bits;        /* units preference */
} NetlensFormatContext;

const char   *netlens_column_get_id        (NetlensColumn column);
const char   *netlens_column_get_title     (NetlensColumn column);
NetlensColumn netlens_column_from_id       (const char   *id);
gboolean      netlens_column_is_numeric    (NetlensColumn column);
gboolean      netlens_column_default_visible (NetlensColumn column);
int           netlens_column_default_width (NetlensColumn column);

/* Appends the cell text of COLUMN. */
void          netlens_format_cell          (NetlensColumn                column,
                                            const NetlensConnection     *conn,
                                            const NetlensFormatContext  *ctx,
                                            GString                     *out);
/* "1.2 MB", "9.6 Mbit" (BITS: 8 × bytes, decimal prefixes). */
void          netlens_format_amount        (guint64  bytes,
                                            gboolean bits,
                                            GString *out);
void          netlens_format_rate          (double   bytes_per_s,
                                            gboolean bits,
                                            GString *out);
/* "42 s", "3 min 02 s", "1 h 04 min" */
void          netlens_format_duration      (gint64   us,
                                            GString *out);
/* The state column: "ESTABLISHED", "ESTABLISHED · DNS_QUERY" when an app state is known. */
void          netlens_format_state         (const NetlensConnection *conn,
                                            GString                 *out);
/* The remote address for the clipboard: "ip:port", IPv6 in brackets. */
char         *netlens_format_remote_address (const NetlensConnection *conn);
/* Every column in default order, tab-separated (no trailing newline). */
char         *netlens_format_row_tsv       (const NetlensConnection    *conn,
                                            const NetlensFormatContext *ctx);
/* The process as "name (pid)", or NULL when unknown. */
void          netlens_format_process       (const NetlensConnection *conn,
                                            GString                 *out);
/* The country column: the GeoIP country code, or what kind of address space the
 * remote address is in when it is never looked up ("Private", "Loopback", …). */
void          netlens_format_country       (const NetlensConnection *conn,
                                            GString                 *out);

G_END_DECLS
