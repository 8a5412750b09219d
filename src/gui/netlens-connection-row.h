/* netlens-connection-row.h: one row of the connection table (a snapshot holder)
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "netlens-connection.h"

G_BEGIN_DECLS

#define NETLENS_TYPE_CONNECTION_ROW (netlens_connection_row_get_type ())

G_DECLARE_FINAL_TYPE (NetlensConnectionRow, netlens_connection_row, NETLENS, CONNECTION_ROW, GObject)

/* The row's identity is its connection id: the object stays the same while the
 * snapshot it holds is replaced on every update. */
const NetlensConnection *netlens_connection_row_get_connection (NetlensConnectionRow *self);
guint32                  netlens_connection_row_get_id         (NetlensConnectionRow *self);
double                   netlens_connection_row_get_rx_rate    (NetlensConnectionRow *self);
double                   netlens_connection_row_get_tx_rate    (NetlensConnectionRow *self);
/* The model's commit serial of the row's last change. */
guint64                  netlens_connection_row_get_serial     (NetlensConnectionRow *self);

G_END_DECLS
