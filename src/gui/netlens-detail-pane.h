/* netlens-detail-pane.h: every field of the selected connection, grouped and copyable
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "netlens-conn-table.h"
#include "netlens-connection-row.h"

G_BEGIN_DECLS

#define NETLENS_TYPE_DETAIL_PANE (netlens_detail_pane_get_type ())

G_DECLARE_FINAL_TYPE (NetlensDetailPane, netlens_detail_pane, NETLENS, DETAIL_PANE, GtkWidget)

GtkWidget  *netlens_detail_pane_new        (void);
/* Shows ROW (NULL: nothing).  Called again on every refresh: only the values that
 * changed are replaced, so a text selection elsewhere in the pane survives. */
void        netlens_detail_pane_set_row    (NetlensDetailPane     *self,
                                            NetlensConnectionRow  *row,
                                            gint64                 now_us,
                                            const NetlensTimeouts *timeouts,
                                            gboolean               bits);
NetlensConnectionRow *netlens_detail_pane_get_row (NetlensDetailPane *self);
/* The text of field KEY ("remote", "state", "process.pid", "dpi.tls.sni", …), NULL
 * when the field is not shown. */
const char *netlens_detail_pane_get_value  (NetlensDetailPane     *self,
                                            const char            *key);

G_END_DECLS
