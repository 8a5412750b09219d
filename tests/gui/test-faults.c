/* test-faults.c: the window when its sources fail (issue 18, "Faults"), in-process under Xvfb
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The window captures through NETLENS_HELPER, which the live source honours for tests:
 *   - fake-capture-helper (this folder) replays a corpus capture over the real wire format
 *     and then waits to be killed, writes garbage, announces an oversized frame or ends in
 *     the middle of a frame;
 *   - the real netlens-capture, started in a network namespace this test makes, captures on
 *     a veth pair there that the test then deletes.
 * A capture file is read from a FIFO whose writer stops in the middle of a record, and from
 * a file truncated while the window reads it.
 * Each case checks the banner (title, detail, Retry), that the rows already shown stay,
 * and that the window goes on working.
 */

#define G_LOG_DOMAIN "netlens-test"

#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "netlens-window-private.h"
#include "netlens-gui-test.h"

#define CAPTURE "ndpi-KakaoTalk_chat.pcap"

static NetlensWindow *window;
static char *capture_path;
static char *workdir;
static char *pidfile;
static guint reference_rows;   /* rows of CAPTURE replayed in full */

/* ---- helpers ---- */

static guint
n_shown (void)
{
  return g_list_model_get_n_items (G_LIST_MODEL (_netlens_window_get_model (window)));
}

typedef struct
{
  GtkLabel  *title;
  GtkLabel  *detail;
  GtkButton *retry;
} Banner;

static void
find_banner_widgets (GtkWidget *widget,
                     Banner    *banner)
{
  if (GTK_IS_LABEL (widget))
    {
      /* the title comes first, then the detail (netlens-window.ui) */
      if (banner->title == NULL)
        banner->title = GTK_LABEL (widget);
      else if (banner->detail == NULL)
        banner->detail = GTK_LABEL (widget);
    }
  if (GTK_IS_BUTTON (widget) &&
      g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (widget)), "win.retry") == 0)
    banner->retry = GTK_BUTTON (widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    find_banner_widgets (child, banner);
}

static Banner
banner (void)
{
  Banner b = { NULL, NULL, NULL };

  find_banner_widgets (GTK_WIDGET (_netlens_window_get_error_revealer (window)), &b);
  g_assert_nonnull (b.title);
  g_assert_nonnull (b.detail);
  g_assert_nonnull (b.retry);
  return b;
}

static gboolean
banner_shown (void)
{
  return gtk_revealer_get_reveal_child (_netlens_window_get_error_revealer (window));
}

static gboolean
banner_says (const char *title_part)
{
  return banner_shown () && strstr (gtk_label_get_text (banner ().title), title_part) != NULL;
}

static void
log_banner (const char *what)
{
  Banner b = banner ();

  g_test_message ("%s: banner %s: \"%s\" / \"%s\"%s, %u rows", what,
                  banner_shown () ? "shown" : "hidden", gtk_label_get_text (b.title),
                  gtk_label_get_text (b.detail),
                  gtk_widget_get_visible (GTK_WIDGET (b.retry)) ? " [Retry]" : "", n_shown ());
}

static void
assert_detail_contains (const char *part)
{
  const char *detail = gtk_label_get_text (banner ().detail);

  if (strstr (detail, part) == NULL)
    g_error ("banner detail \"%s\" does not contain \"%s\"", detail, part);
}

static int
read_pid (void)
{
  g_autofree char *text = NULL;

  if (!g_file_get_contents (pidfile, &text, NULL, NULL))
    return 0;
  return atoi (text);
}

/* Starts a live capture with the fake helper in MODE; returns once it wrote everything. */
static void
capture_with_fake (const char *mode)
{
  const char *build = g_getenv ("NETLENS_BUILD_ROOT");
  g_autofree char *helper = g_build_filename (build, "tests", "gui", "fake-capture-helper", NULL);

  g_setenv ("NETLENS_HELPER", helper, TRUE);
  g_setenv ("NETLENS_FAKE_MODE", mode, TRUE);
  g_setenv ("NETLENS_FAKE_CAPTURE", capture_path, TRUE);
  g_setenv ("NETLENS_FAKE_PIDFILE", pidfile, TRUE);
  g_unlink (pidfile);
  netlens_window_capture_on (window, "lo");
  WAIT_FOR (read_pid () > 0, 20000);
  g_assert_cmpint (read_pid (), >, 0);
}

/* ---- the helper is killed ---- */

static void
test_helper_killed (void)
{
  guint before;
  int pid;
  Banner b;

  capture_with_fake ("wait");
  WAIT_FOR (n_shown () >= reference_rows && reference_rows > 0, 20000);
  spin (300);
  before = n_shown ();
  g_assert_cmpuint (before, ==, reference_rows);
  g_assert_false (banner_shown ());

  pid = read_pid ();
  g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
  WAIT_FOR (banner_shown (), 10000);
  log_banner ("helper killed");
  b = banner ();
  g_assert_true (banner_says ("The capture helper stopped unexpectedly"));
  assert_detail_contains ("signal 9");
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (b.retry)));
  /* the rows stay, ticks later too */
  spin (1200);
  g_assert_cmpuint (n_shown (), ==, before);

  /* Retry starts a new capture: the helper runs again, the banner goes */
  g_unlink (pidfile);
  gtk_widget_activate (GTK_WIDGET (b.retry));
  WAIT_FOR (read_pid () > 0 && n_shown () >= reference_rows, 20000);
  g_assert_cmpint (read_pid (), >, 0);
  g_assert_cmpint (read_pid (), !=, pid);
  g_assert_false (banner_shown ());
  g_assert_cmpuint (n_shown (), ==, reference_rows);
}

/* ---- the helper's stream is damaged ---- */

static void
check_stream_fault (const char *mode,
                    const char *detail_part)
{
  Banner b;

  capture_with_fake (mode);
  WAIT_FOR (banner_shown () && n_shown () >= reference_rows, 10000);
  spin (300);
  log_banner (mode);
  b = banner ();
  g_assert_true (banner_says ("Capture stopped"));
  assert_detail_contains (detail_part);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (b.retry)));
  /* every packet before the damage was read: nothing is lost */
  g_assert_cmpuint (n_shown (), ==, reference_rows);
  /* the helper was told to stop (its stdin closed) and did */
  WAIT_FOR (kill (read_pid (), 0) != 0, 5000);
  g_assert_cmpint (kill (read_pid (), 0), !=, 0);
}

static void
test_helper_garbage (void)
{
  check_stream_fault ("garbage", "stream is damaged");
}

static void
test_helper_oversized (void)
{
  check_stream_fault ("oversized", "stream is damaged");
}

static void
test_helper_truncated (void)
{
  Banner b;

  capture_with_fake ("truncated");
  WAIT_FOR (banner_shown () && n_shown () + 1 >= reference_rows, 10000);
  spin (300);
  log_banner ("truncated");
  b = banner ();
  g_assert_true (banner_says ("The capture helper stopped unexpectedly"));
  assert_detail_contains ("in the middle of a frame");
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (b.retry)));
  /* only the cut packet is missing */
  g_assert_cmpuint (n_shown (), >=, reference_rows - 1);
  g_assert_cmpuint (n_shown (), <=, reference_rows);
}

/* ---- the capture interface goes away ---- */

static void
test_interface_gone (void)
{
  const char *build = g_getenv ("NETLENS_BUILD_ROOT");
  g_autofree char *helper = g_build_filename (build, "helper", "netlens-capture", NULL);
  g_autofree char *ns = g_strdup_printf ("nlrel-faults-%d", (int) getpid ());
  g_autofree char *wrapper = g_build_filename (workdir, "helper-in-netns", NULL);
  g_autofree char *script = NULL;
  g_autofree char *cmd = NULL;
  guint before;

  if (geteuid () != 0 || !g_file_test ("/usr/bin/ip", G_FILE_TEST_IS_EXECUTABLE) ||
      !g_file_test (helper, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("needs root, iproute2 and the built helper");
      return;
    }
  /* the capture end nlf0 in NS, its peer nlf1 in NS-peer: pings cross the veth */
  cmd = g_strdup_printf ("sh -c 'ip netns add %1$s && ip netns add %1$s-peer'", ns);
  if (!run (cmd))
    {
      g_test_skip ("cannot create network namespaces");
      return;
    }
  g_free (cmd);
  cmd = g_strdup_printf ("sh -c 'ip link add nlf0 netns %1$s type veth peer name nlf1 netns %1$s-peer && "
                         "ip -n %1$s addr add 10.231.18.1/24 dev nlf0 && "
                         "ip -n %1$s-peer addr add 10.231.18.2/24 dev nlf1 && "
                         "ip -n %1$s link set nlf0 up && ip -n %1$s-peer link set nlf1 up'", ns);
  g_assert_true (run (cmd));

  /* the window asks for "lo"; the helper, the real one, captures on nlf0 in the namespace */
  script = g_strdup_printf ("#!/bin/sh\n"
                            "n=$#; i=0; next=\n"
                            "for a in \"$@\"; do\n"
                            "  i=$((i+1))\n"
                            "  if [ \"$next\" = 1 ]; then a=nlf0; next=; fi\n"
                            "  [ \"$a\" = --interface ] && next=1\n"
                            "  set -- \"$@\" \"$a\"\n"
                            "done\n"
                            "shift $n\n"
                            "exec ip netns exec %s %s \"$@\"\n", ns, helper);
  g_assert_true (g_file_set_contents (wrapper, script, -1, NULL));
  g_assert_cmpint (g_chmod (wrapper, 0755), ==, 0);
  g_setenv ("NETLENS_HELPER", wrapper, TRUE);

  netlens_window_capture_on (window, "lo");
  /* traffic on the veth: pings from its other end, until rows show */
  g_free (cmd);
  cmd = g_strdup_printf ("ip netns exec %s-peer ping -c 3 -i 0.2 -W 1 10.231.18.1", ns);
  for (guint i = 0; i < 20 && n_shown () == 0; i++)
    {
      run (cmd);
      spin (300);
    }
  before = n_shown ();
  g_test_message ("%u rows before the interface was deleted", before);
  g_assert_cmpuint (before, >, 0);

  g_free (cmd);
  cmd = g_strdup_printf ("ip -n %s link del nlf0", ns);
  g_assert_true (run (cmd));
  WAIT_FOR (banner_says ("Capture stopped"), 10000);
  log_banner ("interface deleted");
  g_assert_true (banner_says ("Capture stopped"));
  assert_detail_contains ("nlf0");
  spin (500);
  g_assert_cmpuint (n_shown (), >=, before);

  g_free (cmd);
  cmd = g_strdup_printf ("sh -c 'ip netns del %1$s; ip netns del %1$s-peer'", ns);
  run (cmd);
}

/* ---- a capture file cut while it is read ---- */

/* The offset of the last whole record of a classic pcap in its first LEN bytes. */
static gsize
last_record_end (const guint8 *data,
                 gsize         len)
{
  gsize off = 24;

  while (off + 16 <= len)
    {
      guint32 caplen;

      memcpy (&caplen, data + off + 8, sizeof caplen);
      caplen = GUINT32_FROM_LE (caplen);

      if (off + 16 + caplen > len)
        break;
      off += 16 + caplen;
    }
  return off;
}

typedef struct
{
  char         *path;
  const guint8 *data;
  gsize         len;
} FifoWriter;

static gpointer
fifo_writer (gpointer user_data)
{
  FifoWriter *w = user_data;
  int fd = open (w->path, O_WRONLY);
  gsize done = 0;

  while (fd >= 0 && done < w->len)
    {
      ssize_t n = write (fd, w->data + done, w->len - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      done += (gsize) n;
    }
  if (fd >= 0)
    close (fd);
  return NULL;
}

static void
test_fifo_closes_early (void)
{
  g_autofree guint8 *data = NULL;
  g_autofree char *fifo = g_build_filename (workdir, "cut.pcap", NULL);
  g_autofree char *offset = NULL;
  gsize len = 0, cut, good;
  g_autoptr(GFile) file = NULL;
  FifoWriter w;
  GThread *thread;

  g_assert_true (g_file_get_contents (capture_path, (char **) &data, &len, NULL));
  /* three fifths of the file, in the middle of a record */
  cut = len * 3 / 5;
  good = last_record_end (data, cut);
  if (good == cut)
    cut++;
  g_unlink (fifo);
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  w = (FifoWriter) { fifo, data, cut };
  thread = g_thread_new ("fifo-writer", fifo_writer, &w);

  file = g_file_new_for_path (fifo);
  netlens_window_open_file (window, file);
  WAIT_FOR (_netlens_window_is_loaded (window), 20000);
  g_thread_join (thread);
  g_assert_true (_netlens_window_is_loaded (window));
  spin (300);
  log_banner ("fifo closed early");
  g_assert_true (banner_says ("The capture file is damaged"));
  offset = g_strdup_printf ("at byte %" G_GSIZE_FORMAT " ", good);
  assert_detail_contains (offset);
  g_assert_cmpuint (n_shown (), >, 0);
  g_assert_cmpuint (n_shown (), <=, reference_rows);
  g_unlink (fifo);
}

typedef struct
{
  const char *path;
  goffset     size;
  gboolean    done;
} Cutter;

/* Cuts the file to SIZE as soon as this process has it open (the window's reader thread),
 * found in /proc/self/fd: the reader is then at its first bytes, well before SIZE. */
static gpointer
cutter_main (gpointer data)
{
  Cutter *c = data;

  for (guint i = 0; i < 20000 && !c->done; i++)
    {
      g_autoptr(GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *link = g_strconcat ("/proc/self/fd/", name, NULL);
          g_autofree char *target = g_file_read_link (link, NULL);

          if (g_strcmp0 (target, c->path) == 0)
            {
              c->done = truncate (c->path, c->size) == 0;
              break;
            }
        }
      g_usleep (1000);
    }
  return NULL;
}

static void
test_file_truncated_while_read (void)
{
  const char *build = g_getenv ("NETLENS_BUILD_ROOT");
  g_autofree char *gen = g_build_filename (build, "tools", "netlens-gen-capture", NULL);
  g_autofree char *path = g_build_filename (workdir, "big.pcap", NULL);
  g_autofree char *cmd = NULL;
  g_autoptr(GFile) file = NULL;
  struct stat st;
  guint before;
  Cutter cutter = { 0 };
  GThread *thread;

  if (!g_file_test (gen, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("tools/netlens-gen-capture is not built");
      return;
    }
  cmd = g_strdup_printf ("%s --syn-flood 100000 --no-checksums --quiet --output %s", gen, path);
  g_assert_true (run (cmd));
  g_assert_cmpint (g_stat (path, &st), ==, 0);

  file = g_file_new_for_path (path);
  cutter.path = path;
  cutter.size = st.st_size / 3 + 7;
  thread = g_thread_new ("cutter", cutter_main, &cutter);
  netlens_window_open_file (window, file);
  WAIT_FOR (_netlens_window_is_loaded (window), 60000);
  g_thread_join (thread);
  g_assert_true (cutter.done);
  g_assert_true (_netlens_window_is_loaded (window));
  spin (300);
  before = n_shown ();
  log_banner ("file truncated while read");
  g_assert_true (banner_says ("The capture file is damaged"));
  assert_detail_contains ("cut off at byte ");
  g_assert_cmpuint (before, >, 0);
  spin (500);
  g_assert_cmpuint (n_shown (), ==, before);
  g_unlink (path);
  g_free (cmd);
  cmd = g_strconcat (path, ".truth.json", NULL);
  g_unlink (cmd);
}

int
main (int   argc,
      char *argv[])
{
  const char *corpus = g_getenv ("NETLENS_CORPUS");
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
  signal (SIGPIPE, SIG_IGN);

  capture_path = g_build_filename (corpus ? corpus : ".", "captures", CAPTURE, NULL);
  if (!g_file_test (capture_path, G_FILE_TEST_EXISTS))
    {
      g_print ("1..0 # SKIP no corpus at %s\n", capture_path);
      return 0;
    }
  workdir = g_dir_make_tmp ("netlens-faults-XXXXXX", NULL);
  g_assert_nonnull (workdir);
  pidfile = g_build_filename (workdir, "helper.pid", NULL);

  window = netlens_window_new (NULL, NULL);
  gtk_window_present (GTK_WINDOW (window));
  WAIT_FOR (gtk_widget_get_mapped (GTK_WIDGET (window)), 5000);

  /* how many rows the whole capture makes, replayed live */
  capture_with_fake ("wait");
  WAIT_FOR (n_shown () > 10, 20000);
  for (guint last = 0; last != n_shown ();)
    {
      last = n_shown ();
      spin (500);
    }
  reference_rows = n_shown ();
  g_test_message ("the replayed capture shows %u rows", reference_rows);

  g_test_add_func ("/gui/faults/helper-killed", test_helper_killed);
  g_test_add_func ("/gui/faults/helper-garbage", test_helper_garbage);
  g_test_add_func ("/gui/faults/helper-oversized-frame", test_helper_oversized);
  g_test_add_func ("/gui/faults/helper-truncated-frame", test_helper_truncated);
  g_test_add_func ("/gui/faults/interface-gone", test_interface_gone);
  g_test_add_func ("/gui/faults/fifo-closes-early", test_fifo_closes_early);
  g_test_add_func ("/gui/faults/file-truncated-while-read", test_file_truncated_while_read);

  ret = g_test_run ();
  gtk_window_destroy (GTK_WINDOW (window));
  spin (200);
  g_unlink (pidfile);
  g_rmdir (workdir);
  g_free (pidfile);
  g_free (workdir);
  g_free (capture_path);
  return ret;
}
