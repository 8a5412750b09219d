/* netlens-row-selection.h: the connection table's selection model, position-stable items
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "netlens-connection-model.h"

G_BEGIN_DECLS

/* One position of the table: the row shown there changes when the table is
 * re-sorted or rows come and go ("row" is notified), the slot stays. */
#define NETLENS_TYPE_ROW_SLOT (netlens_row_slot_get_type ())

G_DECLARE_FINAL_TYPE (NetlensRowSlot, netlens_row_slot, NETLENS, ROW_SLOT, GObject)

/* The row at the slot's position now (NULL once the slot is past the end). */
NetlensConnectionRow *netlens_row_slot_get_row (NetlensRowSlot *self);

#define NETLENS_TYPE_ROW_SELECTION (netlens_row_selection_get_type ())

G_DECLARE_FINAL_TYPE (NetlensRowSelection, netlens_row_selection, NETLENS, ROW_SELECTION, GObject)

/* A single selection over MODEL whose items are NetlensRowSlot.  MODEL's
 * items-changed becomes at most one items-changed at the end of the list (the
 * count changed) and the slots in use are pointed at their new rows: the list
 * widget rebinds nothing.  The selection is a connection: it follows the row
 * wherever the model moves it, and is cleared when the row leaves the rows shown. */
NetlensRowSelection  *netlens_row_selection_new              (NetlensConnectionModel *model);
/* GTK_INVALID_LIST_POSITION when nothing is selected. */
guint                 netlens_row_selection_get_selected     (NetlensRowSelection    *self);
/* GTK_INVALID_LIST_POSITION (or past the end) unselects. */
void                  netlens_row_selection_set_selected     (NetlensRowSelection    *self,
                                                              guint                   position);
NetlensConnectionRow *netlens_row_selection_get_selected_row (NetlensRowSelection    *self);
/* The row shown at POSITION (borrowed), or NULL. */
NetlensConnectionRow *netlens_row_selection_get_row          (NetlensRowSelection    *self,
                                                              guint                   position);

G_END_DECLS
