/* netlens-connection-row.c
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "netlens-gui"

#include "config.h"

#include <gio/gio.h>

#include "netlens-connection-row-private.h"

G_DEFINE_FINAL_TYPE (NetlensConnectionRow, netlens_connection_row, G_TYPE_OBJECT)

static void
netlens_connection_row_finalize (GObject *object)
{
  NetlensConnectionRow *self = (NetlensConnectionRow *) object;

  g_clear_pointer (&self->conn, netlens_connection_free);
  g_clear_pointer (&self->sort_text, g_free);

  G_OBJECT_CLASS (netlens_connection_row_parent_class)->finalize (object);
}

static void
netlens_connection_row_class_init (NetlensConnectionRowClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = netlens_connection_row_finalize;
}

static void
netlens_connection_row_init (NetlensConnectionRow *self)
{
}

NetlensConnectionRow *
_netlens_connection_row_new (NetlensConnection *conn)
{
  NetlensConnectionRow *self = g_object_new (NETLENS_TYPE_CONNECTION_ROW, NULL);

  self->conn = conn;
  return self;
}

NetlensConnection *
_netlens_connection_row_set_snapshot (NetlensConnectionRow *self,
                                      NetlensConnection    *conn)
{
  NetlensConnection *old = self->conn;

  g_assert (conn != NULL);

  if (conn == old)
    return NULL;
  self->conn = conn;
  return old;
}

const NetlensConnection *
netlens_connection_row_get_connection (NetlensConnectionRow *self)
{
  g_return_val_if_fail (NETLENS_IS_CONNECTION_ROW (self), NULL);
  return self->conn;
}

guint32
netlens_connection_row_get_id (NetlensConnectionRow *self)
{
  g_return_val_if_fail (NETLENS_IS_CONNECTION_ROW (self), 0);
  return self->conn->id;
}

double
netlens_connection_row_get_rx_rate (NetlensConnectionRow *self)
{
  g_return_val_if_fail (NETLENS_IS_CONNECTION_ROW (self), 0);
  return self->rx_rate;
}

double
netlens_connection_row_get_tx_rate (NetlensConnectionRow *self)
{
  g_return_val_if_fail (NETLENS_IS_CONNECTION_ROW (self), 0);
  return self->tx_rate;
}

guint64
netlens_connection_row_get_serial (NetlensConnectionRow *self)
{
  g_return_val_if_fail (NETLENS_IS_CONNECTION_ROW (self), 0);
  return self->serial;
}
