/* bench-model.c: the connection table at 100k rows (a benchmark, not a test)
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Usage (under Xvfb and a session bus):
 *   GSETTINGS_SCHEMA_DIR=build/data GSETTINGS_BACKEND=memory build/src/gui/bench-model [ROWS] [TICKS]
 *
 * Prints, with the window mapped:
 *  - main-thread milliseconds per refresh with 10% of the rows changing (model update +
 *    commit + cell refresh, then GTK's layout and paint of the next frame);
 *  - milliseconds from a filter edit to the painted table (the entry's 30 ms
 *    search-delay comes on top): the main thread's share, and the wall time until
 *    the re-filter done on a worker thread is swapped in and painted;
 *  - the same for a click on a column header (a full re-sort).
 * Times are the main thread's CPU time (CLOCK_THREAD_CPUTIME_ID): on a shared machine
 * wall time mostly measures the other processes.
 */

#define G_LOG_DOMAIN "netlens-bench"

#include "config.h"

#include <adwaita.h>
#include <string.h>
#include <time.h>

#include "netlens-window-private.h"

#define T0 (G_GINT64_CONSTANT (1700000000) * G_USEC_PER_SEC)

static const char *names[] = { "firefox", "ssh", "curl", "chrome", "systemd-resolve", "thunderbird",
                               "git", "apt", "signal-desktop", "spotify" };

static NetlensConnection *
make_conn (guint32 id,
           guint64 bytes,
           gint64  now)
{
  NetlensConnection tmpl;
  NetlensConnection *conn;

  memset (&tmpl, 0, sizeof tmpl);
  tmpl.id = id;
  tmpl.generation = 1;
  tmpl.key.proto = id % 4 == 0 ? NETLENS_PROTO_UDP : NETLENS_PROTO_TCP;
  tmpl.key.family = NETLENS_FAMILY_IPV4;
  tmpl.key.laddr.bytes[0] = 10;
  tmpl.key.laddr.bytes[3] = 2;
  tmpl.key.raddr.bytes[0] = 100 + id % 100;
  tmpl.key.raddr.bytes[1] = (id >> 8) & 0xff;
  tmpl.key.raddr.bytes[2] = id & 0xff;
  tmpl.key.raddr.bytes[3] = 1;
  tmpl.key.lport = 32768 + id % 28000;
  tmpl.key.rport = id % 4 == 0 ? 53 : (id % 3 == 0 ? 22 : 443);
  tmpl.state = id % 4 == 0 ? NETLENS_STATE_UDP_ACTIVE : NETLENS_STATE_ESTABLISHED;
  tmpl.first_seen = T0 + id;
  tmpl.last_seen = now;
  tmpl.rx_bytes = bytes;
  tmpl.tx_bytes = bytes / 3;
  tmpl.rx_packets = 1 + bytes / 1200;
  tmpl.tx_packets = 1 + bytes / 3600;
  conn = netlens_connection_snapshot (&tmpl);
  conn->process = netlens_owner_new ();
  conn->process->pid = 1000 + id % 500;
  conn->process->name = g_strdup (names[id % G_N_ELEMENTS (names)]);
  return conn;
}

/* CPU time of this thread: the machine may be shared, wall time then says little */
static gint64
cpu_now (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

/* CPU time of the whole process (the model's worker thread included) */
static gint64
process_cpu_now (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

static NetlensWindow *bench_window;
static gint64 paint_start;
static gint64 paint_end;
static guint n_paints;

static void
before_paint_cb (GdkFrameClock *clock,
                 gpointer       data)
{
  paint_start = cpu_now ();
}

static void
after_paint_cb (GdkFrameClock *clock,
                gpointer       data)
{
  paint_end = cpu_now ();
  n_paints++;
}

/* Runs the main loop until the next frame was painted; returns its layout+paint time. */
static double
wait_frame (void)
{
  guint n = n_paints;
  gint64 deadline = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;

  while (n_paints == n && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  return (paint_end - paint_start) / 1000.0;
}

/* Wall milliseconds until the model's worker job (if any) is swapped in and the
 * table painted; *MAIN_MS gets the main thread's CPU time spent meanwhile. */
static double settle_process_ms;

static double
settle (NetlensConnectionModel *model,
        double                 *main_ms)
{
  gint64 start = g_get_monotonic_time ();
  gint64 cpu = cpu_now ();
  gint64 pcpu = process_cpu_now ();

  while (netlens_connection_model_is_busy (model))
    g_main_context_iteration (NULL, TRUE);
  /* a result that changes nothing on screen paints no frame: one is asked for, so
   * that the wait ends (the cells in view are redrawn then, as after any change) */
  gtk_widget_queue_draw (GTK_WIDGET (bench_window));
  wait_frame ();
  if (main_ms != NULL)
    *main_ms = (cpu_now () - cpu) / 1000.0;
  settle_process_ms = (process_cpu_now () - pcpu) / 1000.0;
  return (g_get_monotonic_time () - start) / 1000.0;
}

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

static void
report (const char *what,
        GArray     *values)
{
  double sum = 0;

  g_array_sort (values, compare_double);
  for (guint i = 0; i < values->len; i++)
    sum += g_array_index (values, double, i);
  g_print ("%-52s median %7.2f ms   mean %7.2f ms   max %7.2f ms   (n=%u)\n", what,
           g_array_index (values, double, values->len / 2), sum / values->len,
           g_array_index (values, double, values->len - 1), values->len);
}

static void
run_ticks (NetlensWindow *window,
           guint          n_rows,
           guint          n_ticks,
           const char    *label)
{
  NetlensConnectionModel *model = _netlens_window_get_model (window);
  g_autoptr(GArray) main_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) commit_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  gint64 t_update = 0, t_commit = 0, t_cells = 0, t1;

  for (guint tick = 0; tick < n_ticks; tick++)
    {
      gint64 now = T0 + (gint64) (tick + 2) * G_USEC_PER_SEC;
      g_autoptr(GPtrArray) snapshots = g_ptr_array_new ();
      gint64 start;
      double ms, frame;

      /* the workers' snapshots are made off the main thread: not timed */
      for (guint i = 0; i < n_rows / 10; i++)
        {
          guint32 id = 1 + g_rand_int_range (rand, 0, n_rows);
          g_ptr_array_add (snapshots, make_conn (id, g_rand_int_range (rand, 0, 50000000), now));
        }

      start = cpu_now ();
      netlens_connection_model_set_now (model, now);
      for (guint i = 0; i < snapshots->len; i++)
        netlens_connection_model_update (model, g_ptr_array_index (snapshots, i));
      t_update += cpu_now () - start;
      t1 = cpu_now ();
      netlens_connection_model_commit (model);
      t_commit += cpu_now () - t1;
      t1 = cpu_now ();
      _netlens_window_refresh_view (window);
      t_cells += cpu_now () - t1;
      ms = (cpu_now () - start) / 1000.0;
      frame = wait_frame ();
      g_array_append_val (commit_ms, ms);
      ms += frame;
      g_array_append_val (main_ms, ms);
    }
  {
    g_autofree char *a = g_strdup_printf ("refresh, %s: update+commit+cells", label);
    g_autofree char *b = g_strdup_printf ("refresh, %s: + layout and paint", label);
    report (a, commit_ms);
    report (b, main_ms);
    g_print ("    of which, mean: update %.2f ms, commit (incl. items-changed) %.2f ms, cells %.2f ms\n",
             t_update / 1000.0 / n_ticks, t_commit / 1000.0 / n_ticks, t_cells / 1000.0 / n_ticks);
  }
}

/* The model alone (no list widget listening): what the model costs without GTK's
 * handling of items-changed. */
static void
run_model_only (guint n_rows,
                guint n_ticks)
{
  g_autoptr(NetlensConnectionModel) model = netlens_connection_model_new ();
  g_autoptr(GArray) commit_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);

  netlens_connection_model_set_now (model, T0 + G_USEC_PER_SEC);
  for (guint i = 1; i <= n_rows; i++)
    netlens_connection_model_update (model, make_conn (i, (guint64) i * 37 % 50000000, T0));
  netlens_connection_model_set_sort (model, NETLENS_COLUMN_BYTES, TRUE);
  netlens_connection_model_commit (model);
  while (netlens_connection_model_is_busy (model))
    g_main_context_iteration (NULL, TRUE);

  for (guint tick = 0; tick < n_ticks; tick++)
    {
      gint64 now = T0 + (gint64) (tick + 2) * G_USEC_PER_SEC;
      g_autoptr(GPtrArray) snapshots = g_ptr_array_new ();
      gint64 start;
      double ms;

      for (guint i = 0; i < n_rows / 10; i++)
        g_ptr_array_add (snapshots, make_conn (1 + g_rand_int_range (rand, 0, n_rows),
                                               g_rand_int_range (rand, 0, 50000000), now));
      start = cpu_now ();
      netlens_connection_model_set_now (model, now);
      for (guint i = 0; i < snapshots->len; i++)
        netlens_connection_model_update (model, g_ptr_array_index (snapshots, i));
      netlens_connection_model_commit (model);
      ms = (cpu_now () - start) / 1000.0;
      g_array_append_val (commit_ms, ms);
    }
  report ("model alone, sorted by bytes: update+commit", commit_ms);
}

static void
run_keystrokes (NetlensWindow *window)
{
  static const char *steps[] = {
    /* typing "proto:udp" (each step stricter or different), then erasing it */
    "p", "pr", "pro", "prot", "proto", "proto:", "proto:u", "proto:ud", "proto:udp",
    "proto:ud", "proto:u", "proto:", "proto", "prot", "pro", "pr", "p", "",
    /* a bare word, a negation, a process */
    "fire", "firefox", "", "!proto:tcp", "", "process:ssh state:established", "",
  };
  NetlensConnectionModel *model = _netlens_window_get_model (window);
  g_autoptr(GArray) apply_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) total_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) wall_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) process_ms = g_array_new (FALSE, FALSE, sizeof (double));

  for (guint round = 0; round < 2; round++)
    for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
      {
        gint64 start = cpu_now ();
        double ms, frame;

        gint64 wall = g_get_monotonic_time ();
        double swap_ms = 0;

        _netlens_window_apply_query (window, steps[i]);
        ms = (cpu_now () - start) / 1000.0;
        g_array_append_val (apply_ms, ms);
        /* the worker's result, swapped in and painted */
        settle (model, &swap_ms);
        g_array_append_val (process_ms, settle_process_ms);
        ms += swap_ms;
        g_array_append_val (total_ms, ms);
        frame = (g_get_monotonic_time () - wall) / 1000.0;
        g_array_append_val (wall_ms, frame);
      }
  report ("keystroke: main thread, the edit (parse, job start)", apply_ms);
  report ("keystroke: main thread, all (+ swap, layout, paint)", total_ms);
  report ("keystroke: wall time to the painted table", wall_ms);
  report ("keystroke: CPU, all threads, job to painted table", process_ms);
}

int
main (int   argc,
      char *argv[])
{
  guint n_rows = argc > 1 ? (guint) g_ascii_strtoull (argv[1], NULL, 10) : 100000;
  guint n_ticks = argc > 2 ? (guint) g_ascii_strtoull (argv[2], NULL, 10) : 20;
  NetlensWindow *window;
  NetlensConnectionModel *model;
  GdkFrameClock *clock;
  gint64 start;

  if (!gtk_init_check ())
    {
      g_printerr ("bench-model: no display (run it under Xvfb)\n");
      return 1;
    }
  adw_init ();

  window = bench_window = netlens_window_new (NULL, NULL);
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_present (GTK_WINDOW (window));
  while (!gtk_widget_get_mapped (GTK_WIDGET (window)))
    g_main_context_iteration (NULL, TRUE);
  clock = gtk_widget_get_frame_clock (GTK_WIDGET (window));
  g_signal_connect (clock, "before-paint", G_CALLBACK (before_paint_cb), NULL);
  g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint_cb), NULL);

  model = _netlens_window_get_model (window);
  start = cpu_now ();
  netlens_connection_model_set_now (model, T0 + G_USEC_PER_SEC);
  for (guint i = 1; i <= n_rows; i++)
    netlens_connection_model_update (model, make_conn (i, (guint64) i * 37 % 50000000, T0));
  netlens_connection_model_commit (model);
  _netlens_window_refresh_view (window);
  g_print ("rows: %u, changing per tick: %u\n", n_rows, n_rows / 10);
  g_print ("%-52s %7.2f ms\n", "initial fill (one commit)", (cpu_now () - start) / 1000.0);
  wait_frame ();

  if (g_getenv ("BENCH_ONLY_BYTES") == NULL)
    run_ticks (window, n_rows, n_ticks, "default order");

  netlens_connection_model_set_sort (model, NETLENS_COLUMN_BYTES, TRUE);
  start = cpu_now ();
  netlens_connection_model_commit (model);
  g_print ("%-52s %7.2f ms\n", "sort by bytes (full sort): main thread, click", (cpu_now () - start) / 1000.0);
  {
    double main_ms, wall = settle (model, &main_ms);
    g_print ("%-52s %7.2f ms   (main thread %.2f ms, all threads %.2f ms)\n",
             "  ... until swapped in and painted (wall)", wall, main_ms, settle_process_ms);
  }
  run_ticks (window, n_rows, n_ticks, "sorted by bytes");

  netlens_connection_model_set_sort (model, NETLENS_COLUMN_PROCESS, FALSE);
  start = cpu_now ();
  netlens_connection_model_commit (model);
  g_print ("%-52s %7.2f ms\n", "sort by process (full sort, text): main thread", (cpu_now () - start) / 1000.0);
  {
    double main_ms, wall = settle (model, &main_ms);
    g_print ("%-52s %7.2f ms   (main thread %.2f ms, all threads %.2f ms)\n",
             "  ... until swapped in and painted (wall)", wall, main_ms, settle_process_ms);
  }
  run_ticks (window, n_rows, n_ticks, "sorted by process");

  run_keystrokes (window);
  run_model_only (n_rows, n_ticks);

  gtk_window_destroy (GTK_WINDOW (window));
  return 0;
}
