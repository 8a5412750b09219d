/* netlens-gui-test.h: main-loop waiting and command helpers shared by the display tests
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

static inline gboolean
netlens_test_timeout_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main loop until COND (re-evaluated each iteration) or TIMEOUT_MS. */
#define WAIT_FOR(cond, timeout_ms)                                              \
  G_STMT_START {                                                                \
    gboolean timed_out_ = FALSE;                                                \
    guint id_ = g_timeout_add (timeout_ms, netlens_test_timeout_cb, &timed_out_); \
    while (!(cond) && !timed_out_)                                              \
      g_main_context_iteration (NULL, TRUE);                                    \
    if (!timed_out_)                                                            \
      g_source_remove (id_);                                                    \
  } G_STMT_END

/* Runs the main loop for MS milliseconds. */
static inline void
spin (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, netlens_test_timeout_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

/* Runs COMMAND (no shell) to its end; its output is kept off the TAP stream, its error
 * output goes to the test log when it fails. */
static inline gboolean
run (const char *command)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = 0;

  if (!g_spawn_command_line_sync (command, &out, &err, &status, &error))
    {
      g_test_message ("%s: %s", command, error->message);
      return FALSE;
    }
  if (!g_spawn_check_wait_status (status, NULL))
    {
      g_test_message ("%s: %s", command, err);
      return FALSE;
    }
  return TRUE;
}
