/* netlens-connection-row-private.h: the row's fields, for NetlensConnectionModel
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "netlens-connection-row.h"

G_BEGIN_DECLS

struct _NetlensConnectionRow
{
  GObject            parent_instance;

  NetlensConnection *conn;          /* snapshot, owned */
  char              *sort_text;     /* folded text of the sort column, when it is textual */
  double             rx_rate;       /* bytes per second */
  double             tx_rate;
  gint64             sample_us;     /* when the byte counters below were sampled */
  guint64            sample_rx;
  guint64            sample_tx;
  guint64            serial;        /* commit serial of the last change */
  guint64            touched;       /* commit serial of the last update call */
  guint64            key;           /* sort key of its entry in the model's sorted list */
  guint64            key2;
  guint              slot;          /* its index in the model's entry index (reused when it goes) */
  guint              pending : 1;   /* changed since the last commit */
  guint              matches : 1;   /* passes the filter */
  guint              removed : 1;
  guint              in_sorted : 1; /* has an entry in the sorted list */
};

NetlensConnectionRow *_netlens_connection_row_new          (NetlensConnection    *conn);
/* Takes ownership of CONN; returns the previous snapshot (to be freed by the caller). */
NetlensConnection    *_netlens_connection_row_set_snapshot (NetlensConnectionRow *self,
                                                            NetlensConnection    *conn);

G_END_DECLS
