/* test-live-settings.c: timeouts and DPI changed while the pipeline runs
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Real frames (Ethernet, IPv4, TCP) go through the real pipeline and its worker
 * threads; the settings change between packets, as the preferences window does
 * during a capture, and the rows that come out show the new setting at work.
 */

#include "config.h"

#include <string.h>

#include <glib.h>

#include "netlens-pipeline.h"

#define SEC G_GINT64_CONSTANT (1000000)
#define T0 (G_GINT64_CONSTANT (1700000000) * SEC)

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_PSH 0x08
#define TCP_ACK 0x10

typedef struct
{
  GMutex     lock;
  GPtrArray *ended;   /* NetlensConnection snapshots */
} Sink;

static void
sink_cb (NetlensConnection *conn,
         gpointer           data)
{
  Sink *sink = data;

  g_mutex_lock (&sink->lock);
  g_ptr_array_add (sink->ended, conn);
  g_mutex_unlock (&sink->lock);
}

static guint
sink_count (Sink *sink)
{
  guint n;

  g_mutex_lock (&sink->lock);
  n = sink->ended->len;
  g_mutex_unlock (&sink->lock);
  return n;
}

/* One Ethernet/IPv4/TCP frame from 10.9.0.1:CPORT to 10.9.0.2:80 (or back). */
static void
push_tcp (NetlensPipeline *pipeline,
          gint64           ts,
          guint16          cport,
          gboolean         from_client,
          guint8           flags,
          guint32          seq,
          guint32          ack,
          const char      *payload)
{
  guint8 frame[256] = { 0 };
  gsize plen = payload != NULL ? strlen (payload) : 0;
  guint8 *ip = frame + 14, *tcp = ip + 20;
  guint16 sport = from_client ? cport : 80, dport = from_client ? 80 : cport;
  guint16 total = (guint16) (20 + 20 + plen);

  g_assert_cmpuint (plen, <=, sizeof frame - 54);
  memcpy (frame, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00", 14);
  ip[0] = 0x45;
  ip[2] = total >> 8;
  ip[3] = total & 0xff;
  ip[8] = 64;
  ip[9] = 6;
  memcpy (ip + 12, from_client ? "\x0a\x09\x00\x01\x0a\x09\x00\x02" : "\x0a\x09\x00\x02\x0a\x09\x00\x01", 8);
  tcp[0] = sport >> 8;
  tcp[1] = sport & 0xff;
  tcp[2] = dport >> 8;
  tcp[3] = dport & 0xff;
  tcp[4] = seq >> 24; tcp[5] = seq >> 16; tcp[6] = seq >> 8; tcp[7] = seq;
  tcp[8] = ack >> 24; tcp[9] = ack >> 16; tcp[10] = ack >> 8; tcp[11] = ack;
  tcp[12] = 5 << 4;
  tcp[13] = flags;
  tcp[14] = 0xff;
  tcp[15] = 0xff;
  if (plen > 0)
    memcpy (tcp + 20, payload, plen);
  netlens_pipeline_push_packet (pipeline, ts, 14 + total, 14 + total, frame);
}

/* A handshake and an HTTP request with Host HOST on client port CPORT. */
static void
http_request (NetlensPipeline *pipeline,
              gint64           ts,
              guint16          cport,
              const char      *host)
{
  g_autofree char *request = g_strdup_printf ("GET / HTTP/1.1\r\nHost: %s\r\n\r\n", host);

  push_tcp (pipeline, ts, cport, TRUE, TCP_SYN, 1000, 0, NULL);
  push_tcp (pipeline, ts + 1000, cport, FALSE, TCP_SYN | TCP_ACK, 5000, 1001, NULL);
  push_tcp (pipeline, ts + 2000, cport, TRUE, TCP_ACK, 1001, 5001, NULL);
  push_tcp (pipeline, ts + 3000, cport, TRUE, TCP_ACK | TCP_PSH, 1001, 5001, request);
}

static guint64
live_rows (NetlensPipeline *pipeline)
{
  NetlensStats stats;

  netlens_pipeline_get_stats (pipeline, &stats);
  return stats.connections_live;
}

/* The workers publish their table size after each message: wait until it is N. */
static gboolean
wait_live_rows (NetlensPipeline *pipeline,
                guint64          n)
{
  gint64 deadline = g_get_monotonic_time () + 20 * SEC;

  while (live_rows (pipeline) != n)
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      g_usleep (1000);
    }
  return TRUE;
}

static void
test_timeouts (void)
{
  NetlensPipelineConfig config;
  g_autoptr(NetlensPipeline) pipeline = NULL;
  NetlensTimeouts t;
  Sink sink = { 0 };
  NetlensConnection *conn;

  g_mutex_init (&sink.lock);
  sink.ended = g_ptr_array_new_with_free_func ((GDestroyNotify) netlens_connection_free);
  netlens_pipeline_config_init (&config);
  config.n_workers = 2;
  pipeline = netlens_pipeline_new (&config);
  netlens_pipeline_set_row_sink (pipeline, sink_cb, &sink);
  g_assert_true (netlens_pipeline_set_link_type (pipeline, 1));

  /* two established connections; a minute later both are there (300 s timeout) */
  http_request (pipeline, T0, 40001, "a.example");
  http_request (pipeline, T0 + 1000, 40002, "b.example");
  netlens_pipeline_tick (pipeline, T0 + 60 * SEC);
  g_assert_true (wait_live_rows (pipeline, 2));
  g_assert_cmpuint (sink_count (&sink), ==, 0);

  /* ten seconds for established connections, while the capture runs: they end as
   * soon as the clock moves, with a timeout */
  netlens_timeouts_init_defaults (&t);
  t.tcp_established = 10;
  t.tcp_established_http = 10;
  netlens_pipeline_set_timeouts (pipeline, &t);
  netlens_pipeline_tick (pipeline, T0 + 62 * SEC);
  g_assert_true (wait_live_rows (pipeline, 0));
  g_assert_cmpuint (sink_count (&sink), ==, 2);
  conn = g_ptr_array_index (sink.ended, 0);
  g_assert_cmpint (conn->end_reason, ==, NETLENS_END_TIMEOUT);

  /* a new row lives by the new timeout: there at 9 s, gone at 11 s */
  http_request (pipeline, T0 + 100 * SEC, 40003, "c.example");
  netlens_pipeline_tick (pipeline, T0 + 109 * SEC);
  g_assert_true (wait_live_rows (pipeline, 1));
  netlens_pipeline_tick (pipeline, T0 + 111 * SEC);
  g_assert_true (wait_live_rows (pipeline, 0));

  /* longer again: a row of 30 s idle stays */
  t.tcp_established = t.tcp_established_http = 300;
  netlens_pipeline_set_timeouts (pipeline, &t);
  http_request (pipeline, T0 + 200 * SEC, 40004, "d.example");
  netlens_pipeline_tick (pipeline, T0 + 230 * SEC);
  g_assert_true (wait_live_rows (pipeline, 1));

  netlens_pipeline_finish (pipeline);
  g_assert_cmpuint (sink_count (&sink), ==, 4);
  conn = g_ptr_array_index (sink.ended, 3);
  g_assert_cmpint (conn->end_reason, ==, NETLENS_END_END_OF_CAPTURE);
  g_ptr_array_unref (sink.ended);
  g_mutex_clear (&sink.lock);
}

static const char *
host_of (GPtrArray *rows,
         guint16    cport)
{
  for (guint i = 0; i < rows->len; i++)
    {
      NetlensConnection *c = g_ptr_array_index (rows, i);

      if (c->key.lport == cport || c->key.rport == cport)
        {
          const char *host = netlens_connection_get_http_host (c);
          return host != NULL ? host : "";
        }
    }
  g_assert_not_reached ();
  return NULL;
}

static void
test_dpi (void)
{
  NetlensPipelineConfig config;
  g_autoptr(NetlensPipeline) pipeline = NULL;
  Sink sink = { 0 };

  g_mutex_init (&sink.lock);
  sink.ended = g_ptr_array_new_with_free_func ((GDestroyNotify) netlens_connection_free);
  netlens_pipeline_config_init (&config);
  config.n_workers = 2;
  config.dpi = FALSE;
  pipeline = netlens_pipeline_new (&config);
  netlens_pipeline_set_row_sink (pipeline, sink_cb, &sink);
  g_assert_true (netlens_pipeline_set_link_type (pipeline, 1));
  g_assert_false (netlens_pipeline_get_dpi (pipeline));

  /* off: no Host; on, during the capture: the next connection has its Host; off
   * again: the one after has none */
  http_request (pipeline, T0, 41001, "off.example");
  netlens_pipeline_tick (pipeline, T0 + SEC);
  g_assert_true (wait_live_rows (pipeline, 1));
  netlens_pipeline_set_dpi (pipeline, TRUE);
  g_assert_true (netlens_pipeline_get_dpi (pipeline));
  http_request (pipeline, T0 + 2 * SEC, 41002, "on.example");
  netlens_pipeline_tick (pipeline, T0 + 3 * SEC);
  g_assert_true (wait_live_rows (pipeline, 2));
  netlens_pipeline_set_dpi (pipeline, FALSE);
  http_request (pipeline, T0 + 4 * SEC, 41003, "off-again.example");
  netlens_pipeline_finish (pipeline);

  g_assert_cmpuint (sink.ended->len, ==, 3);
  g_assert_cmpstr (host_of (sink.ended, 41001), ==, "");
  g_assert_cmpstr (host_of (sink.ended, 41002), ==, "on.example");
  g_assert_cmpstr (host_of (sink.ended, 41003), ==, "");

  /* after finish() a setting has nothing to reach: no effect, no crash */
  netlens_pipeline_set_dpi (pipeline, TRUE);
  g_ptr_array_unref (sink.ended);
  g_mutex_clear (&sink.lock);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/pipeline/live-settings/timeouts", test_timeouts);
  g_test_add_func ("/pipeline/live-settings/dpi", test_dpi);
  return g_test_run ();
}
