/* test-views-live.c: the Processes and Hosts views on a live capture, in-process under Xvfb
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The window captures with the real helper (NETLENS_HELPER) on the loopback interface of
 * a network namespace this test makes, so that no other traffic reaches it.  A known
 * client (a copy of socat under a name of its own) connects to a server there; its row
 * in the Processes view must carry that name, add up its connections, and activating it
 * must filter the table to them.  Needs root (namespaces, capture); skips otherwise,
 * unless CI=true.
 */

#define G_LOG_DOMAIN "netlens-test"

#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "netlens-window-private.h"
#include "netlens-gui-test.h"

/* at most 15 characters: the kernel's comm, what names a process whose executable is not read */
#define PROBE_NAME "nlviews-probe"
#define PORT       18765

static NetlensWindow *window;
static char *ns;
static char *workdir;

/* The probe's group in the Processes view, or NULL. */
static NetlensGroupRow *
find_probe (void)
{
  GListModel *model = netlens_groups_view_get_model (_netlens_window_get_groups_view (window,
                                                                                     NETLENS_GROUP_PROCESS));

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(NetlensGroupRow) row = g_list_model_get_item (model, i);

      if (g_strcmp0 (netlens_group_row_get_group (row)->label, PROBE_NAME) == 0)
        return row;
    }
  return NULL;
}

static void
test_processes_live (void)
{
  const char *build = g_getenv ("NETLENS_BUILD_ROOT");
  g_autofree char *helper = g_build_filename (build, "helper", "netlens-capture", NULL);
  g_autofree char *wrapper = g_build_filename (workdir, "helper-in-ns", NULL);
  g_autofree char *probe = g_build_filename (workdir, PROBE_NAME, NULL);
  g_autofree char *script = NULL;
  g_autofree char *cmd = NULL;
  g_autofree char *server_cmd = NULL;
  g_autoptr(GSubprocess) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *socat = g_find_program_in_path ("socat");
  NetlensGroupsView *processes = _netlens_window_get_groups_view (window, NETLENS_GROUP_PROCESS);
  AdwViewStack *stack = _netlens_window_get_view_stack (window);
  NetlensGroupRow *found = NULL;
  const NetlensGroup *g;
  guint64 shown_bytes = 0;

  if (geteuid () != 0 || socat == NULL || !g_file_test (helper, G_FILE_TEST_IS_EXECUTABLE))
    {
      if (g_strcmp0 (g_getenv ("CI"), "true") == 0)
        g_error ("needs root, socat and the built helper");
      g_test_skip ("needs root, socat and the built helper");
      return;
    }
  cmd = g_strdup_printf ("sh -c 'ip netns add %1$s && ip -n %1$s link set lo up'", ns);
  if (!run (cmd))
    {
      g_test_skip ("cannot create a network namespace");
      return;
    }

  /* a client with a name of its own: its executable is what the Processes view names */
  g_free (cmd);
  cmd = g_strdup_printf ("cp %s %s", socat, probe);
  g_assert_true (run (cmd));

  /* the real helper, in the namespace, on its loopback */
  script = g_strdup_printf ("#!/bin/sh\nexec ip netns exec %s %s \"$@\"\n", ns, helper);
  g_assert_true (g_file_set_contents (wrapper, script, -1, NULL));
  g_assert_cmpint (g_chmod (wrapper, 0755), ==, 0);
  g_setenv ("NETLENS_HELPER", wrapper, TRUE);
  netlens_window_capture_on (window, "lo");

  server_cmd = g_strdup_printf ("TCP-LISTEN:%u,bind=127.0.0.1,reuseaddr,fork", PORT);
  server = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                             &error, "ip", "netns", "exec", ns, socat, "-u", server_cmd,
                             "OPEN:/dev/null", NULL);
  g_assert_no_error (error);
  spin (300);

  /* the client stays connected a moment, so that its owner is found */
  g_free (cmd);
  cmd = g_strdup_printf ("ip netns exec %s sh -c '(echo hello; sleep 1) | %s -u - TCP:127.0.0.1:%u'",
                         ns, probe, PORT);
  adw_view_stack_set_visible_child_name (stack, "processes");
  for (guint i = 0; i < 10 && (found = find_probe ()) == NULL; i++)
    {
      run (cmd);
      spin (500);
    }
  g_assert_nonnull (found);
  g = netlens_group_row_get_group (found);
  g_test_message ("%s: %u connections, %" G_GUINT64_FORMAT " bytes sent", g->label,
                  g->n_connections, g->tx_bytes);
  g_assert_cmpuint (g->n_connections, >=, 1);
  g_assert_cmpuint (g->tx_bytes, >, 0);
  /* a client gone before its executable was read is named by its comm alone */
  g_assert_true (g->exe == NULL || g_str_has_suffix (g->exe, "/" PROBE_NAME));
  g_assert_cmpuint (g->pid, >, 0);

  /* activating it shows its connections in the table */
  {
    g_autofree char *query = netlens_group_dup_query (g);
    guint n;

    g_signal_emit_by_name (processes, "group-activated", query, g->key);
    spin (100);
    g_assert_cmpstr (adw_view_stack_get_visible_child_name (stack), ==, "connections");
    n = g_list_model_get_n_items (G_LIST_MODEL (_netlens_window_get_model (window)));
    g_assert_cmpuint (n, >=, 1);
    for (guint i = 0; i < n; i++)
      {
        g_autoptr(NetlensConnectionRow) row = g_list_model_get_item (G_LIST_MODEL (_netlens_window_get_model (window)), i);
        const NetlensConnection *conn = netlens_connection_row_get_connection (row);

        g_assert_true (conn->process != NULL || conn->peer_process != NULL);
        shown_bytes += conn->tx_bytes;
      }
    g_assert_cmpuint (shown_bytes, >, 0);
  }

  g_subprocess_force_exit (server);
  g_subprocess_wait (server, NULL, NULL);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  if (!gtk_init_check ())
    {
      if (g_strcmp0 (g_getenv ("CI"), "true") == 0)
        {
          g_printerr ("no display, but CI=true: failing\n");
          return 1;
        }
      g_print ("1..0 # SKIP no display\n");
      return 0;
    }
  g_test_init (&argc, &argv, NULL);
  adw_init ();

  ns = g_strdup_printf ("nlviews%d", (int) getpid ());
  workdir = g_dir_make_tmp ("netlens-views-XXXXXX", NULL);
  g_assert_nonnull (workdir);
  window = netlens_window_new (NULL, NULL);
  gtk_window_present (GTK_WINDOW (window));
  WAIT_FOR (gtk_widget_get_mapped (GTK_WIDGET (window)), 5000);

  g_test_add_func ("/gui/views-live/processes", test_processes_live);
  ret = g_test_run ();

  gtk_window_destroy (GTK_WINDOW (window));
  spin (300);   /* the helper stops when its stdin closes */
  {
    g_autofree char *cmd = g_strdup_printf ("sh -c 'ip netns del %s 2>/dev/null; rm -rf %s'", ns, workdir);
    run (cmd);
  }
  g_free (ns);
  g_free (workdir);
  return ret;
}
