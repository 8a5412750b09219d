/* test-live-source.c: the live source's parts that need no privileges
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Owner info (user names, desktop application ids), the interface list, the helper's
 * command line, and how the source ends when its helper misbehaves: a helper that is
 * missing, one that writes something that is not the frame format, one that is killed.
 * The real helper is exercised by the test-helper-*.py scripts.
 */

#define G_LOG_DOMAIN "netlens-test-live"

#include "config.h"

#include <glib/gstdio.h>
#include <unistd.h>

#include "netlens-interfaces.h"
#include "netlens-live-source.h"
#include "netlens-owner-info.h"

static void
test_app_id (void)
{
  static const struct { const char *cgroup; const char *id; } cases[] = {
    { "/user.slice/user-1000.slice/user@1000.service/app.slice/"
      "app-gnome-org.gnome.Terminal-4321.scope", "org.gnome.Terminal" },
    { "/user.slice/user-1000.slice/user@1000.service/app.slice/"
      "app-flatpak-org.mozilla.firefox-56789.scope", "org.mozilla.firefox" },
    { "/user.slice/user-1000.slice/user@1000.service/app.slice/"
      "app-org.gnome.Nautilus@1a2b3c.service", "org.gnome.Nautilus" },
    { "/user.slice/user-1000.slice/user@1000.service/app.slice/"
      "app-gnome-org.gnome.Console-12.scope/tab-3.scope", "org.gnome.Console" },
    { "/user.slice/user-1000.slice/session-2.scope", NULL },
    { "/system.slice/ssh.service", NULL },
    { "/", NULL },
    { "", NULL },
    { "/user.slice/app-gnome-firefox-123.scope", NULL },  /* no reverse-DNS id */
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *id = netlens_owner_info_app_id (cases[i].cgroup);

      g_assert_cmpstr (id, ==, cases[i].id);
    }
}

static void
test_owner_record (void)
{
  NetlensWireOwner rec = {
    .ip_proto = 6, .family = 4, .pid = 4242, .uid = 0,
    .comm = (char *) "curl", .cmdline = (char *) "curl http://example.test/",
    .exe = (char *) "", .cgroup = (char *) "/app-flatpak-org.example.App-99.scope",
  };
  g_autoptr(NetlensOwner) owner = netlens_owner_info_new_owner (&rec);
  g_autofree char *nobody = netlens_owner_info_user_name (4294960000u);

  g_assert_cmpuint (owner->pid, ==, 4242);
  g_assert_cmpstr (owner->name, ==, "curl");
  g_assert_cmpstr (owner->cmdline, ==, "curl http://example.test/");
  g_assert_null (owner->exe);
  g_assert_cmpstr (owner->user, ==, "root");
  g_assert_cmpstr (owner->app_id, ==, "org.example.App");
  /* a uid without an account is shown as its number */
  g_assert_cmpstr (nobody, ==, "4294960000");
}

static void
test_interfaces (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = netlens_interfaces_list (&error);
  gboolean have_lo = FALSE;

  g_assert_no_error (error);
  g_assert_nonnull (list);
  for (guint i = 0; i < list->len; i++)
    {
      NetlensInterface *iface = g_ptr_array_index (list, i);

      if (g_str_equal (iface->name, "lo"))
        {
          have_lo = TRUE;
          g_assert_true (iface->flags & NETLENS_INTERFACE_LOOPBACK);
        }
    }
  g_assert_true (have_lo);
  g_assert_true (netlens_interfaces_contains (list, "lo"));
  g_assert_true (netlens_interfaces_contains (list, "any"));
  g_assert_false (netlens_interfaces_contains (list, "no-such-if0"));
}

static NetlensPipeline *
new_pipeline (void)
{
  NetlensPipelineConfig config;

  netlens_pipeline_config_init (&config);
  config.live = TRUE;
  config.n_workers = 1;
  return netlens_pipeline_new (&config);
}

static void
test_argv (void)
{
  g_autoptr(NetlensPipeline) pipeline = new_pipeline ();
  g_autoptr(NetlensLiveSource) source = netlens_live_source_new (pipeline);
  g_auto(GStrv) argv = NULL;
  g_autofree char *joined = NULL;

  g_setenv ("NETLENS_HELPER", "/opt/test/netlens-capture", TRUE);
  netlens_live_source_set_interface (source, "lo");
  netlens_live_source_set_bpf (source, "tcp port 80");
  netlens_live_source_set_attribution (source, NETLENS_ATTRIBUTION_PROC);
  netlens_live_source_set_promiscuous (source, FALSE);
  argv = netlens_live_source_build_argv (source);
  joined = g_strjoinv ("|", argv);
  if (geteuid () == 0)
    {
      g_assert_cmpint (netlens_live_source_get_launch (source), ==, NETLENS_LIVE_LAUNCH_DIRECT);
      g_assert_cmpstr (joined, ==, "/opt/test/netlens-capture|--interface|lo|--bpf|tcp port 80|"
                                   "--no-promiscuous|--attribution|proc");
    }
  else if (!g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS))
    g_assert_cmpstr (joined, ==, "pkexec|/opt/test/netlens-capture|--interface|lo|"
                                 "--bpf|tcp port 80|--no-promiscuous|--attribution|proc");
  g_unsetenv ("NETLENS_HELPER");
}

static void
on_finished (NetlensLiveSource *source, const GError *error, gpointer user_data)
{
  GError **out = user_data;

  *out = error != NULL ? g_error_copy (error) : g_error_new_literal (G_IO_ERROR, 0, "none");
}

/* Runs the source with a stand-in helper script; returns how it finished. */
static GError *
run_with_helper (const char *script, gint64 *elapsed_us)
{
  g_autoptr(NetlensPipeline) pipeline = new_pipeline ();
  g_autoptr(NetlensLiveSource) source = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  GError *finished = NULL;
  gint64 start = g_get_monotonic_time ();
  int fd;

  fd = g_file_open_tmp ("netlens-fake-helper-XXXXXX", &path, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (path, script, -1, &error));
  close (fd);
  g_chmod (path, 0755);
  g_setenv ("NETLENS_HELPER", path, TRUE);

  source = netlens_live_source_new (pipeline);
  netlens_live_source_set_interface (source, "lo");
  g_signal_connect (source, "finished", G_CALLBACK (on_finished), &finished);
  g_assert_true (netlens_live_source_start (source, &error));
  g_assert_no_error (error);
  while (finished == NULL && g_get_monotonic_time () - start < 10 * G_USEC_PER_SEC)
    g_main_context_iteration (NULL, TRUE);
  *elapsed_us = g_get_monotonic_time () - start;
  g_assert_cmpint (netlens_live_source_get_state (source), ==, NETLENS_LIVE_STATE_STOPPED);
  g_unlink (path);
  g_unsetenv ("NETLENS_HELPER");
  netlens_pipeline_finish (pipeline);
  return finished;
}

static void
test_garbage_helper (void)
{
  gint64 elapsed;
  g_autoptr(GError) error = NULL;

  if (geteuid () != 0)
    {
      g_test_skip ("runs the stand-in helper directly only as root (else through pkexec)");
      return;
    }
  /* an HTTP answer instead of frames, then it would hang: the source must not */
  error = run_with_helper ("#!/bin/sh\nprintf 'HTTP/1.1 200 OK\\r\\n\\r\\n'\nexec sleep 30\n",
                           &elapsed);
  g_assert_error (error, NETLENS_LIVE_ERROR, NETLENS_LIVE_ERROR_PROTOCOL);
  g_assert_cmpint (elapsed, <, 5 * G_USEC_PER_SEC);
}

static void
test_killed_helper (void)
{
  gint64 elapsed;
  g_autoptr(GError) error = NULL;

  if (geteuid () != 0)
    {
      g_test_skip ("runs the stand-in helper directly only as root");
      return;
    }
  error = run_with_helper ("#!/bin/sh\nkill -9 $$\n", &elapsed);
  g_assert_error (error, NETLENS_LIVE_ERROR, NETLENS_LIVE_ERROR_HELPER_DIED);
  g_assert_nonnull (strstr (error->message, "signal 9"));
}

static void
test_missing_helper (void)
{
  g_autoptr(NetlensPipeline) pipeline = new_pipeline ();
  g_autoptr(NetlensLiveSource) source = netlens_live_source_new (pipeline);
  g_autoptr(GError) error = NULL;

  if (geteuid () != 0)
    {
      g_test_skip ("a missing helper is pkexec's error when not root");
      return;
    }
  g_setenv ("NETLENS_HELPER", "/nonexistent/netlens-capture", TRUE);
  netlens_live_source_set_interface (source, "lo");
  g_assert_false (netlens_live_source_start (source, &error));
  g_assert_error (error, NETLENS_LIVE_ERROR, NETLENS_LIVE_ERROR_HELPER_MISSING);
  g_unsetenv ("NETLENS_HELPER");
  netlens_pipeline_finish (pipeline);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/live/app-id", test_app_id);
  g_test_add_func ("/live/owner-record", test_owner_record);
  g_test_add_func ("/live/interfaces", test_interfaces);
  g_test_add_func ("/live/argv", test_argv);
  g_test_add_func ("/live/garbage-helper", test_garbage_helper);
  g_test_add_func ("/live/killed-helper", test_killed_helper);
  g_test_add_func ("/live/missing-helper", test_missing_helper);
  return g_test_run ();
}
