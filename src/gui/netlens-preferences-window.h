/* netlens-preferences-window.h
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define NETLENS_TYPE_PREFERENCES_WINDOW (netlens_preferences_window_get_type ())

G_DECLARE_FINAL_TYPE (NetlensPreferencesWindow, netlens_preferences_window, NETLENS, PREFERENCES_WINDOW, AdwPreferencesWindow)

GtkWidget *netlens_preferences_window_new (GtkWindow *parent);

G_END_DECLS
