/* netlens-application.h: the GTK application
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "netlens-options.h"

G_BEGIN_DECLS

#define NETLENS_TYPE_APPLICATION (netlens_application_get_type ())

G_DECLARE_FINAL_TYPE (NetlensApplication, netlens_application, NETLENS, APPLICATION, AdwApplication)

/* OPTIONS (borrowed for the call) were parsed by main(); the command line's values
 * override GSettings for this run. */
NetlensApplication *netlens_application_new (NetlensOptions *options);
int                 netlens_application_run (NetlensOptions *options,
                                             int             argc,
                                             char          **argv);

G_END_DECLS
