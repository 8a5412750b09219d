/* netlens-window.h: the main window
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define NETLENS_TYPE_WINDOW (netlens_window_get_type ())

G_DECLARE_FINAL_TYPE (NetlensWindow, netlens_window, NETLENS, WINDOW, AdwApplicationWindow)

/* Values of the command line that override GSettings for this run (-1: not given). */
typedef struct
{
  int refresh_ms;
  int dpi;
  int hide_localhost;
} NetlensWindowOverrides;

NetlensWindow *netlens_window_new            (GtkApplication               *application,
                                              const NetlensWindowOverrides *overrides);
void           netlens_window_open_file      (NetlensWindow *self,
                                              GFile         *file);
/* Selects interface NAME in the chooser and starts capturing on it. */
void           netlens_window_capture_on     (NetlensWindow *self,
                                              const char    *name);
/* Shows connection ID (a notification's action): the table, its row selected, its
 * details; the filter is cleared when it hides the row. */
void           netlens_window_show_connection (NetlensWindow *self,
                                               guint32        id);
/* Shows the view NAME: "connections", "processes", "hosts". */
void           netlens_window_show_view      (NetlensWindow *self,
                                              const char    *name);

G_END_DECLS
