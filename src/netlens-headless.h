/* netlens-headless.h: netlens without a window (--export, --history)
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "netlens-options.h"

G_BEGIN_DECLS

/* Runs the headless mode; returns the process exit code (DESIGN.md). */
int netlens_headless_run (NetlensOptions *options);

G_END_DECLS
