/* netlens-history-row.h: one history row's fields as one compact blob (schema 4)
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The history stores, per connection, the few values SQL looks at as columns (identity,
 * first and last seen, byte totals, when written) and everything else as this blob: varints,
 * length-prefixed texts, and the DPI results.  A row is encoded where it is pushed, so the
 * history thread only binds and steps (docs/history.md, "Row format").
 */

#pragma once

#include <glib.h>

#include "netlens-connection.h"

G_BEGIN_DECLS

/* The blob's first byte: its format.  A reader refuses another. */
#define NETLENS_HISTORY_ROW_FORMAT 1

/* Appends CONN's blob to OUT.  Everything but the columns (id, generation, first_seen,
 * last_seen, tx_bytes, rx_bytes): the key, the states, ended, state_since, the packet
 * counters, names, owners, GeoIP values, timeout, flags and the DPI results. */
void     netlens_history_row_encode (const NetlensConnection *conn,
                                     GByteArray              *out);

/* Fills CONN (whose column fields are set already: they are used to place the blob's
 * times) from a blob.  FALSE with ERROR when it is damaged, truncated or of another
 * format: CONN then keeps what was read before the damage, and no DPI results. */
gboolean netlens_history_row_decode (const guint8            *data,
                                     gsize                    len,
                                     NetlensConnection       *conn,
                                     GError                 **error);

/* The enum values the blob stores as numbers, by name: index i is the name of value i.
 * A change to the enums that renumbers them must be made here too (tests/store pins them). */
const char *const *netlens_history_row_state_names      (guint *n);
const char *const *netlens_history_row_app_state_names  (guint *n);
const char *const *netlens_history_row_app_names        (guint *n);
const char *const *netlens_history_row_end_reason_names (guint *n);

G_END_DECLS
