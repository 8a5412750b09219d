/* netlens-pcap-readloop.c: libpcap's own read rate, the benchmark's floor
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Reads a capture with a bare pcap_next_ex() loop and prints the packet and
 * byte counts: no decode, no copy.  Nothing that reads a file through libpcap
 * can be faster, so tools/bench quotes every reader against it.
 */

#define G_LOG_DOMAIN "netlens-bench"

#include "config.h"

#include <pcap/pcap.h>
#include <stdio.h>

int
main (int argc, char **argv)
{
  char errbuf[PCAP_ERRBUF_SIZE];
  struct pcap_pkthdr *header;
  const unsigned char *data;
  unsigned long long packets = 0, bytes = 0, touched = 0;
  pcap_t *pcap;
  int rc;

  if (argc != 2)
    {
      fprintf (stderr, "usage: %s FILE\n", argv[0]);
      return 1;
    }
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
