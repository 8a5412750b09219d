/* netlens-file-source.c: capture files (pcap, pcapng) into a pipeline
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "netlens-file"

#include "config.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>

#include "netlens-file-source.h"
#include "netlens-link-types.h"

G_DEFINE_QUARK (netlens-file-error-quark, netlens_file_error)

/* 9999-12-31T23:59:59Z */
#define MAX_TIMESTAMP_S G_GINT64_CONSTANT (253402300799)

void
netlens_file_info_clear (NetlensFileInfo *info)
{
  g_clear_error (&info->damage);
  memset (info, 0, sizeof *info);
}

static guint64
file_offset (pcap_t *p)
{
  FILE *f = pcap_file (p);
  long off = f != NULL ? ftell (f) : -1;

  return off >= 0 ? (guint64) off : 0;
}

static gboolean
is_pcapng (const char *path)
{
  guint8 magic[4] = { 0 };
  FILE *f = fopen (path, "rb");
  gboolean ret;

  if (f == NULL)
    return TRUE;  /* unknown: take the exact (slower) path */
  ret = fread (magic, 1, 4, f) != 4 || memcmp (magic, "\x0a\x0d\x0d\x0a", 4) == 0;
  fclose (f);
  return ret;
}

gboolean
netlens_file_source_read (NetlensPipeline *pipeline,
                          const char      *path,
                          NetlensFileInfo *info,
                          void           (*progress) (guint64 offset, guint64 size, gpointer data),
                          gpointer         progress_data,
                          GCancellable    *cancellable,
                          GError         **error)
{
  char errbuf[PCAP_ERRBUF_SIZE] = "";
  pcap_t *p;
  struct stat st;
  guint64 good_offset, size = 0;
  int dlt, rc;
  gboolean classic;
  struct pcap_pkthdr *hdr;
  const u_char *data;

  g_return_val_if_fail (pipeline != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  memset (info, 0, sizeof *info);

  if (stat (path, &st) != 0)
    {
      int saved = errno;

      g_set_error (error, NETLENS_FILE_ERROR, NETLENS_FILE_ERROR_OPEN,
                   "%s: %s", path, g_strerror (saved));
      return FALSE;
    }
  if (S_ISDIR (st.st_mode))
    {
      g_set_error (error, NETLENS_FILE_ERROR, NETLENS_FILE_ERROR_OPEN,
                   "%s: is a folder, not a capture file", path);
      return FALSE;
    }
  size = (guint64) st.st_size;

  p = pcap_open_offline_with_tstamp_precision (path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
  if (p == NULL)
    {
      gboolean unreadable = access (path, R_OK) != 0;

      g_set_error (error, NETLENS_FILE_ERROR,
                   unreadable ? NETLENS_FILE_ERROR_OPEN : NETLENS_FILE_ERROR_FORMAT,
                   "%s: not a readable pcap or pcapng capture (%s)", path,
                   errbuf[0] ? errbuf : "unknown error");
      return FALSE;
    }

  dlt = pcap_datalink (p);
  info->link_type = netlens_link_type_to_linktype (dlt);
  if (!netlens_pipeline_set_link_type (pipeline, dlt))
    {
      const char *name = pcap_datalink_val_to_name (dlt);

      g_set_error (error, NETLENS_FILE_ERROR, NETLENS_FILE_ERROR_LINK_TYPE,
                   "%s: unsupported link type %d (%s); Netlens reads Ethernet, Linux cooked "
                   "(SLL, SLL2), raw IP and BSD loopback captures", path, info->link_type,
                   name != NULL ? name : "unknown");
      pcap_close (p);
      return FALSE;
    }
  info->nanosecond = TRUE;

  /* Where the damage starts: for classic pcap the offset follows from the record sizes
   * (ftell() costs an lseek() per packet); pcapng blocks vary, so ask the stream. */
  /* (pcapng reads as version 1.0.)  A FIFO or a pipe is not opened a second time to check:
   * that would take bytes meant for libpcap, and block once the writer is gone. */
  classic = pcap_major_version (p) == 2 && (!S_ISREG (st.st_mode) || !is_pcapng (path));
  good_offset = file_offset (p);
  if (classic && good_offset == 0)
    good_offset = 24;   /* a FIFO cannot tell: the global header is 24 bytes */
  while ((rc = pcap_next_ex (p, &hdr, &data)) == 1)
    {
      /* A damaged or hostile file may carry any timestamp: keep it within what RFC 3339
       * can write (years 1970..9999), so that later arithmetic cannot overflow. */
      gint64 secs = CLAMP ((gint64) hdr->ts.tv_sec, 0, MAX_TIMESTAMP_S);
      gint64 ts = secs * G_USEC_PER_SEC + (gint64) (hdr->ts.tv_usec % 1000000000) / 1000;

      if (info->packets == 0)
        info->first_ts_us = ts;
      if (ts > info->last_ts_us)
        info->last_ts_us = ts;
      info->packets++;
      netlens_pipeline_push_packet (pipeline, ts, hdr->caplen, hdr->len, data);
      if (classic)
        good_offset += 16 + (guint64) hdr->caplen;
      else
        good_offset = file_offset (p);

      if ((info->packets & 4095) == 0)
        {
          if (progress != NULL)
            progress (good_offset, size, progress_data);
          if (g_cancellable_is_cancelled (cancellable))
            {
              g_set_error (error, NETLENS_FILE_ERROR, NETLENS_FILE_ERROR_CANCELLED,
                           "%s: reading was cancelled", path);
              pcap_close (p);
              return FALSE;
            }
        }
    }

  if (rc == PCAP_ERROR)
    {
      const char *why = pcap_geterr (p);

      info->damage_offset = good_offset;
      if (info->packets == 0)
        {
          g_set_error (error, NETLENS_FILE_ERROR, NETLENS_FILE_ERROR_FORMAT,
                       "%s: damaged at byte %" G_GUINT64_FORMAT ", before the first packet (%s)",
                       path, good_offset, why);
          pcap_close (p);
          return FALSE;
        }
      g_set_error (&info->damage, NETLENS_FILE_ERROR, NETLENS_FILE_ERROR_DAMAGED,
                   "%s: damaged or cut off at byte %" G_GUINT64_FORMAT " after %" G_GUINT64_FORMAT
                   " packets (%s); the result covers the packets before it",
                   path, good_offset, info->packets, why);
    }
  if (progress != NULL)
    progress (size, size, progress_data);
  pcap_close (p);
  return TRUE;
}
