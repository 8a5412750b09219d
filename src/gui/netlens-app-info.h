/* netlens-app-info.h: desktop application names and icons by application id
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Main thread only; results are cached for the life of the process (desktop
 * file lookups read the disk).  NULL when APP_ID has no desktop file. */
const char *netlens_app_info_get_name (const char *app_id);
GIcon      *netlens_app_info_get_icon (const char *app_id);

G_END_DECLS
