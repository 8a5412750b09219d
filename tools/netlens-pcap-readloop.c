/* netlens-pcap-readloop.c: libpcap's own read rate, the benchmark's floor
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Reads a capture with a bare pcap_next_ex() loop and prints the packet and
 * byte counts: no decode, no copy.  Nothing that reads a file through libpcap
 * can be faster, so tools/bench quotes every reader against it.
 *
 *   netlens-pcap-readloop FILE [--buffer BYTES] [--ftell]
 *
 * --buffer opens the file with a stdio buffer of that size (libpcap's own
 * fopen() gets st_blksize, 4 KiB on ext4: one read() per 4 KiB); --ftell calls
 * ftell() after every packet, as a reader that tracks offsets would.  Both
 * measure what a file reader's choices cost against the bare loop.
 */

#define G_LOG_DOMAIN "netlens-bench"

#include "config.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
main (int argc, char **argv)
{
  char errbuf[PCAP_ERRBUF_SIZE];
  struct pcap_pkthdr *header;
  const unsigned char *data;
  unsigned long long packets = 0, bytes = 0, touched = 0;
  size_t buffer = 0;
  int use_ftell = 0;
  pcap_t *pcap;
  int rc;

  for (int i = 2; i < argc; i++)
    {
      if (strcmp (argv[i], "--buffer") == 0 && i + 1 < argc)
        buffer = strtoul (argv[++i], NULL, 10);
      else if (strcmp (argv[i], "--ftell") == 0)
        use_ftell = 1;
      else
        argc = 0;
    }
  if (argc < 2)
    {
      fprintf (stderr, "usage: netlens-pcap-readloop FILE [--buffer BYTES] [--ftell]\n");
      return 1;
    }
  if (buffer > 0)
    {
      FILE *f = fopen (argv[1], "rb");
      if (f == NULL || setvbuf (f, NULL, _IOFBF, buffer) != 0)
        {
          perror (argv[1]);
          return 2;
        }
      pcap = pcap_fopen_offline (f, errbuf);
    }
  else
    pcap = pcap_open_offline (argv[1], errbuf);
  if (pcap == NULL)
    {
      fprintf (stderr, "%s: %s\n", argv[1], errbuf);
      return 2;
    }
  while ((rc = pcap_next_ex (pcap, &header, &data)) == 1)
    {
      packets++;
      bytes += header->len;
      touched += data[0];   /* keep the loop honest: read one byte */
      if (use_ftell)
        touched += (unsigned long long) ftell (pcap_file (pcap));
    }
  if (rc == PCAP_ERROR)
    {
      fprintf (stderr, "%s: %s\n", argv[1], pcap_geterr (pcap));
      pcap_close (pcap);
      return 3;
    }
  pcap_close (pcap);
  printf ("%llu packets %llu bytes (%llu)\n", packets, bytes, touched & 1);
  return 0;
}
