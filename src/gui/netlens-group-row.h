/* netlens-group-row.h: one row of the Processes or Hosts view
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "netlens-groups.h"

G_BEGIN_DECLS

#define NETLENS_TYPE_GROUP_ROW (netlens_group_row_get_type ())

G_DECLARE_FINAL_TYPE (NetlensGroupRow, netlens_group_row, NETLENS, GROUP_ROW, GObject)

/* A copy of GROUP, owned by the row (the groups' own structs change under the view). */
NetlensGroupRow    *netlens_group_row_new        (const NetlensGroup *group);
/* Copies GROUP again when its serial changed; TRUE when it did. */
gboolean            netlens_group_row_update     (NetlensGroupRow    *self,
                                                  const NetlensGroup *group);
const NetlensGroup *netlens_group_row_get_group  (NetlensGroupRow    *self);
const char         *netlens_group_row_get_key    (NetlensGroupRow    *self);
guint64             netlens_group_row_get_serial (NetlensGroupRow    *self);

G_END_DECLS
