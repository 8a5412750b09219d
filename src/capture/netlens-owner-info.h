/* netlens-owner-info.h: socket owners in people's terms (user names, desktop apps)
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "netlens-connection.h"
#include "netlens-wire.h"

G_BEGIN_DECLS

/* The user name of UID (cached; thread-safe), or the number as text. */
char         *netlens_owner_info_user_name   (guint32     uid);
/* The desktop application id a cgroup path names, or NULL:
 *   .../app-gnome-org.gnome.Terminal-1234.scope        -> org.gnome.Terminal
 *   .../app-flatpak-org.mozilla.firefox-56789.scope    -> org.mozilla.firefox
 *   .../app-org.gnome.Nautilus@1a2b.service            -> org.gnome.Nautilus */
char         *netlens_owner_info_app_id      (const char *cgroup);
/* A NetlensOwner (one reference) from a helper's owner record. */
NetlensOwner *netlens_owner_info_new_owner   (const NetlensWireOwner *record);

G_END_DECLS
