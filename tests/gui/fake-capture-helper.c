/* fake-capture-helper.c: a stand-in for netlens-capture that replays a capture file
 * over the real wire format, then misbehaves as asked (tests/gui/test-faults.c)
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The window starts it through NETLENS_HELPER (the variable the live source honours for
 * tests) with the real helper's arguments.  It writes HELLO and one PACKET frame per
 * packet of NETLENS_FAKE_CAPTURE (1 ms apart, ending now, so that a live pipeline keeps
 * every row), with the real writer (src/wire), then does what NETLENS_FAKE_MODE says:
 *
 *   wait       wait for stdin to close, as the real helper does (then exit 0)
 *   garbage    write bytes that are no frame, then wait for stdin to close
 *   oversized  write a frame header announcing more than any frame may carry, then wait
 *   truncated  write the first half of a packet frame and exit 0
 *
 * It writes its pid to NETLENS_FAKE_PIDFILE (when set) once every packet is written.
 */

#include <glib.h>
#include <glib/gstdio.h>
#include <pcap/pcap.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "netlens-wire.h"

static gboolean
write_all (const guint8 *data,
           gsize         len)
{
  while (len > 0)
    {
      ssize_t n = write (STDOUT_FILENO, data, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      data += n;
      len -= (gsize) n;
    }
  return TRUE;
}

static void
wait_for_stdin_eof (void)
{
  char buf[256];

  for (;;)
    {
      ssize_t n = read (STDIN_FILENO, buf, sizeof buf);

      if (n == 0 || (n < 0 && errno != EINTR))
        break;
    }
}

int
main (int   argc,
      char *argv[])
{
  const char *capture = g_getenv ("NETLENS_FAKE_CAPTURE");
  const char *mode = g_getenv ("NETLENS_FAKE_MODE");
  const char *pidfile = g_getenv ("NETLENS_FAKE_PIDFILE");
  const char *interface = "any";
  guint8 attribution = NETLENS_WIRE_ATTRIBUTION_NONE;
  char errbuf[PCAP_ERRBUF_SIZE];
  g_autoptr(GByteArray) out = g_byte_array_new ();
  NetlensWireHello hello = { 0 };
  struct pcap_pkthdr *header;
  const u_char *data;
  gint64 n_packets = 0, ts;
  gsize cut = 0;
  pcap_t *p;

  for (int i = 1; i + 1 < argc; i++)
    {
      if (strcmp (argv[i], "--interface") == 0)
        interface = argv[i + 1];
      else if (strcmp (argv[i], "--attribution") == 0)
        attribution = strcmp (argv[i + 1], "bpf") == 0 ? NETLENS_WIRE_ATTRIBUTION_BPF
                      : strcmp (argv[i + 1], "proc") == 0 ? NETLENS_WIRE_ATTRIBUTION_PROC
                      : NETLENS_WIRE_ATTRIBUTION_NONE;
    }
  if (capture == NULL || mode == NULL)
    {
      g_printerr ("fake-capture-helper: Error: NETLENS_FAKE_CAPTURE and NETLENS_FAKE_MODE must be set\n");
      return 2;
    }
  p = pcap_open_offline (capture, errbuf);
  if (p == NULL)
    {
      g_printerr ("fake-capture-helper: Error: %s\n", errbuf);
      return 6;
    }

  hello.magic = NETLENS_WIRE_MAGIC;
  hello.version = NETLENS_WIRE_VERSION;
  hello.attribution = attribution;
  hello.requested = attribution;
  hello.link_type = pcap_datalink (p);
  hello.snaplen = 65535;
  hello.helper_pid = (guint32) getpid ();
  hello.interface = (char *) interface;
  netlens_wire_write_hello (out, &hello);

  /* the packets in their order, 1 ms apart, the last one now: no row times out, and
   * none lies in the future */
  while (pcap_next_ex (p, &header, &data) == 1)
    n_packets++;
  pcap_close (p);
  p = pcap_open_offline (capture, errbuf);
  g_assert (p != NULL);
  ts = g_get_real_time () - n_packets * 1000;
  while (pcap_next_ex (p, &header, &data) == 1)
    {
      cut = out->len;
      netlens_wire_write_packet (out, ts, header->caplen, header->len, data);
      ts += 1000;
    }
  pcap_close (p);

  if (strcmp (mode, "truncated") == 0)
    {
      /* the last packet frame, cut in the middle */
      gsize last = out->len - cut;

      g_byte_array_set_size (out, cut + last / 2);
    }
  if (!write_all (out->data, out->len))
    return 1;
  if (pidfile != NULL)
    {
      g_autofree char *text = g_strdup_printf ("%d\n", (int) getpid ());

      g_file_set_contents (pidfile, text, -1, NULL);
    }

  if (strcmp (mode, "garbage") == 0)
    {
      static const guint8 garbage[] = "\x7f\x00\x00\x00\x10\x00\x00\x00this is no frame";

      write_all (garbage, sizeof garbage - 1);
    }
  else if (strcmp (mode, "oversized") == 0)
    {
      /* a packet frame announcing 1 GiB */
      static const guint8 header_bytes[] = { 2, 0, 0, 0, 0, 0, 0, 0x40 };

      write_all (header_bytes, sizeof header_bytes);
    }
  else if (strcmp (mode, "truncated") == 0)
    return 0;
  else if (strcmp (mode, "wait") != 0)
    {
      g_printerr ("fake-capture-helper: Error: unknown NETLENS_FAKE_MODE %s\n", mode);
      return 2;
    }
  wait_for_stdin_eof ();
  return 0;
}
