/* test-notifier.c: notifications through a real notification server on a private bus
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * meson runs this under its own dbus-run-session: first with no notification server
 * on the bus (GLib would warn "ServiceUnknown", fatal under g_test: nothing may be
 * sent), then with Debian's notification-daemon started by hand (it has no D-Bus
 * service file), every Notify call watched by dbus-monitor.  Last, a click on the
 * daemon's bubble (xdotool) must activate the notification's action in the application.
 */

#define G_LOG_DOMAIN "netlens-test"

#include "config.h"

#include <gtk/gtk.h>
#include <string.h>

#include "netlens-notifier.h"
#include "netlens-gui-test.h"

#define NOTIFICATION_DAEMON "/usr/lib/notification-daemon/notification-daemon"
#define INTERVAL_MS         300

static GtkApplication *app;
static NetlensNotifier *notifier;
static GSubprocess *daemon_process;
static GSubprocess *monitor_process;
static GString *monitor_output;
static GCancellable *cancellable;
static guint8 read_buffer[4096];
static gboolean connection_shown;
static guint shown_connection_id;
static guint n_views_shown;

/* Notify calls dbus-monitor has printed so far. */
static guint
n_notify (void)
{
  guint n = 0;

  for (const char *p = monitor_output->str; (p = strstr (p, "member=Notify")) != NULL; p++)
    n++;
  return n;
}

static void
on_monitor_read_cb (GObject      *stream,
                    GAsyncResult *result,
                    gpointer      data)
{
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (stream), result, NULL);

  if (n <= 0)
    return;
  g_string_append_len (monitor_output, (const char *) read_buffer, n);
  g_input_stream_read_async (G_INPUT_STREAM (stream), read_buffer, sizeof read_buffer,
                             G_PRIORITY_DEFAULT, cancellable, on_monitor_read_cb, NULL);
}

static gboolean
name_has_owner (const char *name)
{
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  g_autoptr(GVariant) reply = NULL;
  gboolean owned = FALSE;

  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "NameHasOwner",
                                       g_variant_new ("(s)", name), G_VARIANT_TYPE ("(b)"),
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
  if (reply != NULL)
    g_variant_get (reply, "(b)", &owned);
  return owned;
}

/* ---- tests ---- */

static void
test_no_server (void)
{
  g_assert_false (name_has_owner ("org.freedesktop.Notifications"));
  g_assert_false (netlens_notifier_get_server_available (notifier));

  /* a new program with notifications on: nothing is sent, nothing warns */
  netlens_notifier_set_enabled (notifier, TRUE);
  netlens_notifier_set_kinds (notifier, TRUE, TRUE);
  netlens_notifier_observe (notifier, NETLENS_GROUP_PROCESS, "exe:/usr/bin/curl", "curl",
                            "example.org", 1);
  netlens_notifier_observe (notifier, NETLENS_GROUP_HOST, "name:example.org", "example.org",
                            "curl", 1);
  spin (3 * INTERVAL_MS);
  g_assert_cmpuint (netlens_notifier_get_n_sent (notifier), ==, 0);
  g_assert_cmpuint (netlens_notifier_get_n_unsent (notifier), ==, 2);
}

static void
start_server (void)
{
  const char *monitor_argv[] = {
    "dbus-monitor", "--session",
    "type='method_call',interface='org.freedesktop.Notifications',member='Notify'", NULL
  };
  g_autoptr(GError) error = NULL;

  monitor_output = g_string_new (NULL);
  cancellable = g_cancellable_new ();
  monitor_process = g_subprocess_newv (monitor_argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                       G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error);
  g_assert_no_error (error);
  g_input_stream_read_async (g_subprocess_get_stdout_pipe (monitor_process), read_buffer,
                             sizeof read_buffer, G_PRIORITY_DEFAULT, cancellable,
                             on_monitor_read_cb, NULL);
  /* the monitor prints its own NameAcquired once it listens */
  WAIT_FOR (strstr (monitor_output->str, "NameAcquired") != NULL, 5000);

  daemon_process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                                     &error, NOTIFICATION_DAEMON, NULL);
  g_assert_no_error (error);
  WAIT_FOR (netlens_notifier_get_server_available (notifier), 10000);
  g_assert_true (name_has_owner ("org.freedesktop.Notifications"));
  g_assert_true (netlens_notifier_get_server_available (notifier));
}

static void
test_switched_off (void)
{
  guint sent = netlens_notifier_get_n_sent (notifier);

  start_server ();

  /* the Preferences switch is off (the default): a new program goes unannounced */
  netlens_notifier_set_enabled (notifier, FALSE);
  netlens_notifier_observe (notifier, NETLENS_GROUP_PROCESS, "exe:/usr/bin/wget", "wget",
                            "example.net", 2);
  netlens_notifier_observe (notifier, NETLENS_GROUP_HOST, "name:example.net", "example.net",
                            "wget", 2);
  spin (3 * INTERVAL_MS);
  g_assert_cmpuint (netlens_notifier_get_n_sent (notifier), ==, sent);
  g_assert_cmpuint (n_notify (), ==, 0);
}

static void
test_new_program (void)
{
  netlens_notifier_set_enabled (notifier, TRUE);
  netlens_notifier_set_kinds (notifier, TRUE, FALSE);

  /* three connections of a new program, and rows of no known program: one Notify */
  for (guint i = 0; i < 3; i++)
    netlens_notifier_observe (notifier, NETLENS_GROUP_PROCESS, "exe:/usr/bin/ssh", "ssh",
                              "git.example.org", 10 + i);
  netlens_notifier_observe (notifier, NETLENS_GROUP_PROCESS, "unknown", "unknown", NULL, 20);
  WAIT_FOR (n_notify () >= 1, 5000);
  spin (3 * INTERVAL_MS);
  g_assert_cmpuint (n_notify (), ==, 1);
  g_assert_nonnull (strstr (monitor_output->str, "ssh uses the network"));
  g_assert_nonnull (strstr (monitor_output->str, "git.example.org"));

  /* seen before: no more */
  netlens_notifier_observe (notifier, NETLENS_GROUP_PROCESS, "exe:/usr/bin/ssh", "ssh", NULL, 30);
  spin (3 * INTERVAL_MS);
  g_assert_cmpuint (n_notify (), ==, 1);
}

static void
test_burst (void)
{
  guint before = n_notify ();
  gint64 start, arrivals_ms;

  netlens_notifier_set_kinds (notifier, FALSE, TRUE);
  /* 100 new hosts at once: gathered into one notification */
  for (guint i = 0; i < 100; i++)
    {
      g_autofree char *key = g_strdup_printf ("addr:192.0.2.%u", i);

      netlens_notifier_observe (notifier, NETLENS_GROUP_HOST, key, key + 5, "curl", 100 + i);
    }
  WAIT_FOR (n_notify () > before, 5000);
  spin (4 * INTERVAL_MS);
  g_assert_cmpuint (n_notify () - before, ==, 1);
  g_assert_nonnull (strstr (monitor_output->str, "100 new hosts"));
  g_assert_nonnull (strstr (monitor_output->str, "and 97 more"));

  /* 20 more over two intervals (600 ms): at most one notification per interval */
  before = n_notify ();
  start = g_get_monotonic_time ();
  for (guint i = 0; i < 20; i++)
    {
      g_autofree char *key = g_strdup_printf ("addr:198.51.100.%u", i);

      netlens_notifier_observe (notifier, NETLENS_GROUP_HOST, key, key + 5, "curl", 300 + i);
      spin (INTERVAL_MS / 10);
    }
  arrivals_ms = (g_get_monotonic_time () - start) / 1000;
  WAIT_FOR (n_notify () > before, 5000);
  spin (3 * INTERVAL_MS);
  /* a busy machine stretches the arrivals: the bound follows the time they took */
  g_assert_cmpuint (n_notify () - before, >=, 2);
  g_assert_cmpuint (n_notify () - before, <=, arrivals_ms / INTERVAL_MS + 2);
  g_assert_cmpuint (n_notify () - before, <, 20);
}

/* With the history on, "new" means never seen before: what the history knows is not
 * announced (the window reads it with netlens_history_service_known_async). */
static void
test_known_from_history (void)
{
  guint before = n_notify ();

  netlens_notifier_set_kinds (notifier, TRUE, FALSE);
  netlens_notifier_add_known (notifier, NETLENS_GROUP_PROCESS, "exe:/usr/bin/scp");
  netlens_notifier_reset (notifier);  /* a new capture: the history's programs stay known */
  netlens_notifier_observe (notifier, NETLENS_GROUP_PROCESS, "exe:/usr/bin/scp", "scp",
                            "files.example.org", 40);
  spin (3 * INTERVAL_MS);
  g_assert_cmpuint (n_notify (), ==, before);

  netlens_notifier_observe (notifier, NETLENS_GROUP_PROCESS, "exe:/usr/bin/sftp", "sftp",
                            "files.example.org", 41);
  WAIT_FOR (n_notify () > before, 5000);
  spin (3 * INTERVAL_MS);
  g_assert_cmpuint (n_notify (), ==, before + 1);
  g_assert_nonnull (strstr (monitor_output->str, "sftp uses the network"));
  g_assert_null (strstr (monitor_output->str, "scp uses the network"));
}

static void
show_connection_cb (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       data)
{
  shown_connection_id = g_variant_get_uint32 (parameter);
  connection_shown = TRUE;
}

static void
show_view_cb (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       data)
{
  n_views_shown++;
}

/* The X windows of the daemon's bubbles that are on screen. */
static GStrv
bubble_windows (void)
{
  const char *argv[] = { "xdotool", "search", "--onlyvisible", "--class", "notification-daemon",
                         NULL };
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;

  process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                               G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error);
  g_assert_no_error (error);
  /* no window: xdotool exits 1 with nothing printed */
  g_subprocess_communicate_utf8 (process, NULL, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  if (out == NULL)
    return g_new0 (char *, 1);
  return g_strsplit (g_strstrip (out), "\n", -1);
}

static void
test_click (void)
{
  const GActionEntry actions[] = {
    { .name = "show-connection", .activate = show_connection_cb, .parameter_type = "u" },
    { .name = "show-view", .activate = show_view_cb, .parameter_type = "s" },
  };
  guint before = n_notify ();
  guint clicked = 0;

  g_action_map_add_action_entries (G_ACTION_MAP (app), actions, G_N_ELEMENTS (actions), NULL);
  netlens_notifier_set_kinds (notifier, TRUE, FALSE);
  netlens_notifier_observe (notifier, NETLENS_GROUP_PROCESS, "exe:/usr/bin/rsync", "rsync",
                            "backup.example.org", 4242);
  WAIT_FOR (n_notify () > before, 5000);
  g_assert_cmpuint (n_notify (), ==, before + 1);
  spin (500);  /* the daemon draws its bubble */

  /* The bubble of an earlier kind (new hosts) may still be up: click the bubbles one by one
   * (a click closes a bubble) until the connection is shown. */
  for (guint attempt = 0; attempt < 40 && !connection_shown; attempt++)
    {
      g_auto(GStrv) windows = bubble_windows ();

      if (windows[0] == NULL || windows[0][0] == '\0')
        {
          spin (250);
          continue;
        }
      {
        const char *argv[] = { "xdotool", "mousemove", "--window", windows[0], "20", "20",
                               "click", "1", NULL };
        g_autoptr(GError) error = NULL;
        g_autoptr(GSubprocess) process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_NONE, &error);

        g_assert_no_error (error);
        g_subprocess_wait_check (process, NULL, &error);
        g_assert_no_error (error);
        clicked++;
      }
      WAIT_FOR (connection_shown, 1500);
    }
  g_test_message ("%u bubble(s) clicked, %u view action(s) on the way", clicked, n_views_shown);
  g_assert_true (connection_shown);
  g_assert_cmpuint (shown_connection_id, ==, 4242);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
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
  if (!g_file_test (NOTIFICATION_DAEMON, G_FILE_TEST_IS_EXECUTABLE))
    {
      if (g_strcmp0 (g_getenv ("CI"), "true") == 0)
        {
          g_printerr ("%s is missing (tools/install-deps.sh --test)\n", NOTIFICATION_DAEMON);
          return 1;
        }
      g_print ("1..0 # SKIP no %s\n", NOTIFICATION_DAEMON);
      return 0;
    }
  g_test_init (&argc, &argv, NULL);

  app = gtk_application_new ("io.github.netlens.Netlens.NotifierTest", G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  notifier = netlens_notifier_new (G_APPLICATION (app));
  netlens_notifier_set_interval (notifier, INTERVAL_MS);
  spin (200);   /* the name watches answer */

  g_test_add_func ("/notifier/no-server", test_no_server);
  g_test_add_func ("/notifier/switched-off", test_switched_off);
  g_test_add_func ("/notifier/new-program", test_new_program);
  g_test_add_func ("/notifier/burst", test_burst);
  g_test_add_func ("/notifier/known-from-history", test_known_from_history);
  g_test_add_func ("/notifier/click", test_click);
  ret = g_test_run ();

  g_clear_object (&notifier);
  if (cancellable != NULL)
    g_cancellable_cancel (cancellable);
  {
    GSubprocess *started[] = { daemon_process, monitor_process };

    for (guint i = 0; i < G_N_ELEMENTS (started); i++)
      if (started[i] != NULL)
        {
          g_subprocess_force_exit (started[i]);
          g_subprocess_wait (started[i], NULL, NULL);
          g_object_unref (started[i]);
        }
  }
  g_clear_object (&cancellable);
  if (monitor_output != NULL)
    g_string_free (monitor_output, TRUE);
  g_object_unref (app);
  return ret;
}
