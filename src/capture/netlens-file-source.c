/* netlens-file-source.c: capture files (pcap, pcapng) into a pipeline
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "netlens-file"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
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

/* Classic pcap read without libpcap: blocks of this size, records handed to the workers
 * where they lie.  A record is at most 16 + 262144 bytes, so one always fits in a block. */
#define BLOCK_SIZE (320 * 1024)
#define BLOCKS_MAX 16   /* 5 MiB: about what the workers' queues hold of a typical mix */
/* libpcap's MAXIMUM_SNAPLEN (max_snaplen_for_dlt() for every link type Netlens reads) */
#define PCAP_MAX_CAPLEN 262144u

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

/* ---- classic pcap, read in blocks ---------------------------------------------------- */

typedef struct
{
  NetlensFrameBlock block;
  GAsyncQueue      *pool;   /* where it goes back once the workers are done with it */
  gsize             len;
  guint8            data[];
} Block;

static void
block_release (NetlensFrameBlock *fb)
{
  Block *b = (Block *) fb;
  GAsyncQueue *pool = b->pool;

  /* a block in use holds a reference on its pool, which frees the blocks it holds last */
  g_async_queue_push (pool, b);
  g_async_queue_unref (pool);
}

typedef struct
{
  int          fd;
  GAsyncQueue *pool;
  guint        n_blocks;
  Block       *cur;
  gsize        pos;        /* next record in cur */
  gboolean     eof;
  int          read_errno;
} BlockReader;

static Block *
block_take (BlockReader     *r,
            NetlensPipeline *pipeline)
{
  Block *b = g_async_queue_try_pop (r->pool);

  if (b == NULL && r->n_blocks < BLOCKS_MAX)
    {
      b = g_malloc (sizeof (Block) + BLOCK_SIZE);
      b->block.release = block_release;
      b->pool = r->pool;
      r->n_blocks++;
    }
  if (b == NULL)
    {
      /* all in the workers' hands: send the partly filled batches too, and wait */
      netlens_pipeline_flush (pipeline);
      b = g_async_queue_pop (r->pool);
    }
  b->block.refs = 1;
  b->len = 0;
  g_async_queue_ref (r->pool);
  return b;
}

/* Moves the unread tail of the current block to a fresh one and fills it up.  FALSE on a
 * read error (R->read_errno). */
static gboolean
block_refill (BlockReader     *r,
              NetlensPipeline *pipeline)
{
  Block *b = block_take (r, pipeline);

  if (r->cur != NULL)
    {
      b->len = r->cur->len - r->pos;
      memcpy (b->data, r->cur->data + r->pos, b->len);
      netlens_frame_block_unref (&r->cur->block);
    }
  r->cur = b;
  r->pos = 0;
  while (!r->eof && b->len < BLOCK_SIZE)
    {
      gssize n = read (r->fd, b->data + b->len, BLOCK_SIZE - b->len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          r->read_errno = errno;
          return FALSE;
        }
      if (n == 0)
        r->eof = TRUE;
      b->len += (gsize) n;
    }
  return TRUE;
}

/* At least WANT bytes from R->pos on, unless the file ends first.  FALSE on a read error. */
static gboolean
block_ensure (BlockReader     *r,
              NetlensPipeline *pipeline,
              gsize            want)
{
  if (r->cur != NULL && r->cur->len - r->pos >= want)
    return TRUE;
  if (r->eof && r->cur != NULL)
    return TRUE;
  return block_refill (r, pipeline);
}

static inline guint32
rd32 (const guint8 *p,
      gboolean      swapped)
{
  guint32 v;

  memcpy (&v, p, 4);
  return swapped ? GUINT32_SWAP_LE_BE (v) : v;
}

/* The records of a classic pcap file (version 2.4, microsecond or nanosecond magic, either
 * byte order) from byte 24 on, as libpcap 1.10's pcap_next_packet() reads them: the same
 * checks, the same messages, the same results.  Returns 1 at the end, 0 cancelled, -1 on
 * damage with WHY. */
static int
read_classic_records (NetlensPipeline *pipeline,
                      int              fd,
                      gboolean         swapped,
                      gboolean         nanosecond,
                      guint32          snapshot,
                      NetlensFileInfo *info,
                      guint64         *good_offset,
                      guint64          size,
                      void           (*progress) (guint64 offset, guint64 size, gpointer data),
                      gpointer         progress_data,
                      GCancellable    *cancellable,
                      char           **why)
{
  BlockReader r = { 0 };
  int ret = 1;

  r.fd = fd;
  r.pool = g_async_queue_new_full (g_free);

  for (;;)
    {
      const guint8 *h;
      guint32 caplen, len, file_caplen;
      gint64 tv_sec, tv_frac, secs, ts;
      gsize avail;

      if (!block_ensure (&r, pipeline, 16))
        goto read_error;
      avail = r.cur->len - r.pos;
      if (avail == 0)
        break;
      if (avail < 16)
        {
          *why = g_strdup_printf ("truncated dump file; tried to read %zu header bytes, only got %zu",
                                  (gsize) 16, avail);
          ret = -1;
          break;
        }
      h = r.cur->data + r.pos;
      /* bpf_int32 fields: sign-extended as they are, unsigned once swapped (SWAPLONG) */
      if (swapped)
        {
          tv_sec = rd32 (h, TRUE);
          tv_frac = rd32 (h + 4, TRUE);
        }
      else
        {
          tv_sec = (gint32) rd32 (h, FALSE);
          tv_frac = (gint32) rd32 (h + 4, FALSE);
        }
      caplen = rd32 (h + 8, swapped);
      len = rd32 (h + 12, swapped);
      if (!nanosecond)
        tv_frac *= 1000;

      if (caplen > PCAP_MAX_CAPLEN)
        {
          if (caplen > snapshot)
            *why = g_strdup_printf ("invalid packet capture length %u, bigger than snaplen of %d",
                                    caplen, (int) snapshot);
          else
            *why = g_strdup_printf ("invalid packet capture length %u, bigger than maximum of %u",
                                    caplen, PCAP_MAX_CAPLEN);
          ret = -1;
          break;
        }
      file_caplen = caplen;
      if (!block_ensure (&r, pipeline, 16 + (gsize) file_caplen))
        goto read_error;
      avail = r.cur->len - r.pos - 16;
      if (caplen > snapshot)
        {
          /* a record longer than the file's snaplen: libpcap keeps the first SNAPSHOT bytes */
          if (avail < snapshot)
            {
              *why = g_strdup_printf ("truncated dump file; tried to read %u captured bytes, only got %zu",
                                      snapshot, avail);
              ret = -1;
              break;
            }
          if (avail < file_caplen)
            {
              *why = g_strdup_printf ("truncated dump file; tried to read %u captured bytes, only got %zu",
                                      file_caplen, avail);
              ret = -1;
              break;
            }
          caplen = snapshot;
        }
      else if (avail < caplen)
        {
          *why = g_strdup_printf ("truncated dump file; tried to read %u captured bytes, only got %zu",
                                  caplen, avail);
          ret = -1;
          break;
        }

      /* A damaged or hostile file may carry any timestamp: keep it within what RFC 3339
       * can write (years 1970..9999), so that later arithmetic cannot overflow. */
      secs = CLAMP (tv_sec, 0, MAX_TIMESTAMP_S);
      ts = secs * G_USEC_PER_SEC + (tv_frac % 1000000000) / 1000;
      if (info->packets == 0)
        info->first_ts_us = ts;
      if (ts > info->last_ts_us)
        info->last_ts_us = ts;
      info->packets++;
      netlens_pipeline_push_frame (pipeline, ts, caplen, len, r.cur->data + r.pos + 16,
                                   &r.cur->block);
      r.pos += 16 + (gsize) file_caplen;
      /* as the libpcap path counts it (the captured length it reports) */
      *good_offset += 16 + (guint64) caplen;

      if ((info->packets & 4095) == 0)
        {
          if (progress != NULL)
            progress (*good_offset, size, progress_data);
          if (g_cancellable_is_cancelled (cancellable))
            {
              ret = 0;
              break;
            }
        }
    }
  goto out;

read_error:
  *why = g_strdup_printf ("error reading dump file: %s", g_strerror (r.read_errno));
  ret = -1;

out:
  if (r.cur != NULL)
    netlens_frame_block_unref (&r.cur->block);
  g_async_queue_unref (r.pool);
  return ret;
}

/* What read_classic_records() takes: a regular file with a version 2.4 header whose magic
 * is the microsecond or nanosecond one (either byte order).  FD is then positioned at 24. */
static int
open_classic (const char *path,
              gboolean   *swapped,
              gboolean   *nanosecond)
{
  guint8 hdr[24];
  guint32 magic;
  guint16 major, minor;
  struct stat st;
  int fd = open (path, O_RDONLY | O_CLOEXEC);

  if (fd < 0)
    return -1;
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode) ||
      read (fd, hdr, sizeof hdr) != (gssize) sizeof hdr)
    goto no;
  memcpy (&magic, hdr, 4);
  *swapped = magic == 0xd4c3b2a1u || magic == 0x4d3cb2a1u;
  if (*swapped)
    magic = GUINT32_SWAP_LE_BE (magic);
  if (magic != 0xa1b2c3d4u && magic != 0xa1b23c4du)
    goto no;
  *nanosecond = magic == 0xa1b23c4du;
  memcpy (&major, hdr + 4, 2);
  memcpy (&minor, hdr + 6, 2);
  if (*swapped)
    {
      major = GUINT16_SWAP_LE_BE (major);
      minor = GUINT16_SWAP_LE_BE (minor);
    }
  if (major != 2 || minor != 4)
    goto no;
  posix_fadvise (fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  return fd;

no:
  close (fd);
  return -1;
}

/* Records through libpcap (pcapng, pipes, old versions).  Returns 1 at the end, 0 cancelled,
 * -1 on damage (pcap_geterr()). */
static int
read_libpcap_records (NetlensPipeline *pipeline,
                      pcap_t          *p,
                      gboolean         classic,
                      NetlensFileInfo *info,
                      guint64         *good_offset,
                      guint64          size,
                      void           (*progress) (guint64 offset, guint64 size, gpointer data),
                      gpointer         progress_data,
                      GCancellable    *cancellable)
{
  struct pcap_pkthdr *hdr;
  const u_char *data;
  int rc;

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
        *good_offset += 16 + (guint64) hdr->caplen;
      else
        *good_offset = file_offset (p);

      if ((info->packets & 4095) == 0)
        {
          if (progress != NULL)
            progress (*good_offset, size, progress_data);
          if (g_cancellable_is_cancelled (cancellable))
            return 0;
        }
    }
  return rc == PCAP_ERROR ? -1 : 1;
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
  return netlens_file_source_read_full (pipeline, path, 0, info, progress, progress_data,
                                        cancellable, error);
}

gboolean
netlens_file_source_read_full (NetlensPipeline     *pipeline,
                               const char          *path,
                               NetlensFileReadFlags flags,
                               NetlensFileInfo     *info,
                               void               (*progress) (guint64 offset, guint64 size, gpointer data),
                               gpointer             progress_data,
                               GCancellable        *cancellable,
                               GError             **error)
{
  int classic_fd = -1;
  gboolean swapped = FALSE, nanosecond = FALSE;
  g_autofree char *why_own = NULL;
  char errbuf[PCAP_ERRBUF_SIZE] = "";
  pcap_t *p;
  struct stat st;
  guint64 good_offset, size = 0;
  int dlt, rc;
  gboolean classic;

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

  /* A regular classic pcap file is read here in large blocks whose records go to the
   * workers where they lie (no copy, no decode on this thread); the rest through libpcap. */
  if (classic && S_ISREG (st.st_mode) && (flags & NETLENS_FILE_READ_LIBPCAP) == 0)
    classic_fd = open_classic (path, &swapped, &nanosecond);
  if (classic_fd >= 0)
    {
      guint32 snapshot = (guint32) pcap_snapshot (p);

      pcap_close (p);
      p = NULL;
      good_offset = 24;
      rc = read_classic_records (pipeline, classic_fd, swapped, nanosecond, snapshot, info,
                                 &good_offset, size, progress, progress_data, cancellable,
                                 &why_own);
      close (classic_fd);
    }
  else
    rc = read_libpcap_records (pipeline, p, classic, info, &good_offset, size, progress,
                               progress_data, cancellable);
  if (rc == 0)
    {
      g_set_error (error, NETLENS_FILE_ERROR, NETLENS_FILE_ERROR_CANCELLED,
                   "%s: reading was cancelled", path);
      g_clear_pointer (&p, pcap_close);
      return FALSE;
    }

  if (rc < 0)
    {
      const char *why = p != NULL ? pcap_geterr (p) : why_own;

      info->damage_offset = good_offset;
      if (info->packets == 0)
        {
          g_set_error (error, NETLENS_FILE_ERROR, NETLENS_FILE_ERROR_FORMAT,
                       "%s: damaged at byte %" G_GUINT64_FORMAT ", before the first packet (%s)",
                       path, good_offset, why);
          g_clear_pointer (&p, pcap_close);
          return FALSE;
        }
      g_set_error (&info->damage, NETLENS_FILE_ERROR, NETLENS_FILE_ERROR_DAMAGED,
                   "%s: damaged or cut off at byte %" G_GUINT64_FORMAT " after %" G_GUINT64_FORMAT
                   " packets (%s); the result covers the packets before it",
                   path, good_offset, info->packets, why);
    }
  if (progress != NULL)
    progress (size, size, progress_data);
  g_clear_pointer (&p, pcap_close);
  return TRUE;
}
