/* netlens-capture-privs.h: giving up privileges, and the seccomp allow-list of the loop
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Become "nobody" (when allowed to change uid), keep no capabilities, or only
 * CAP_SYS_PTRACE + CAP_DAC_READ_SEARCH when KEEP_PROC_SCAN (both are needed to read
 * another user's /proc/PID/fd), and set PR_SET_NO_NEW_PRIVS. */
gboolean netlens_capture_drop_privileges (gboolean   keep_proc_scan,
                                          char     **error_message);

/* Install the seccomp allow-list for the capture loop (every thread). */
gboolean netlens_capture_install_seccomp (char     **error_message);

/* Ask for SIGTERM when the parent dies (set after the uid change, which clears it). */
void     netlens_capture_watch_parent    (void);

G_END_DECLS
