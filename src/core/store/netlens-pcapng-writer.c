/* netlens-pcapng-writer.c: annotated pcapng files, and a small pcap/pcapng reader
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pcapng as in draft-ietf-opsawg-pcapng: blocks of (type, total length, body, total length),
 * 32-bit aligned, options as (code, length, value padded to 4).  The core does not link
 * libpcap, so the spool is read back by the reader below.
 */

#define G_LOG_DOMAIN "netlens-pcapng"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "netlens-pcapng-writer.h"
#include "netlens-conn-table.h"

G_DEFINE_QUARK (netlens-pcapng-error-quark, netlens_pcapng_error)

#define BLOCK_SHB 0x0A0D0D0Au
#define BLOCK_IDB 0x00000001u
#define BLOCK_PB  0x00000002u   /* obsolete Packet Block */
#define BLOCK_SPB 0x00000003u
#define BLOCK_EPB 0x00000006u
#define BYTE_ORDER_MAGIC 0x1A2B3C4Du

#define OPT_END       0
#define OPT_COMMENT   1
#define SHB_USERAPPL  4
#define IF_NAME       2
#define IF_TSRESOL    9

/* Larger blocks are taken for damage rather than allocated. */
#define MAX_BLOCK_SIZE (64u * 1024u * 1024u)

#define PAD4(n) (((n) + 3u) & ~3u)

/* ---- timestamps ---- */

static guint64
pow10_u64 (guint n)
{
  guint64 v = 1;
  while (n-- > 0)
    v *= 10;
  return v;
}

static gboolean
tsresol_valid (guint8 tsresol)
{
  /* decimal up to nanoseconds... picoseconds; binary up to 2^-63 */
  return (tsresol & 0x80) ? (tsresol & 0x7f) < 64 : tsresol <= 19;
}

static guint64
units_from_us (guint8  tsresol,
               gint64  ts_us)
{
  guint64 us = ts_us > 0 ? (guint64) ts_us : 0;

  if (tsresol & 0x80)
    {
      guint shift = tsresol & 0x7f;
      return ((us / G_USEC_PER_SEC) << shift) + (((us % G_USEC_PER_SEC) << shift) / G_USEC_PER_SEC);
    }
  if (tsresol >= 6)
    return us * pow10_u64 (tsresol - 6);
  return us / pow10_u64 (6 - tsresol);
}

static gint64
us_from_units (guint8  tsresol,
               guint64 units)
{
  if (tsresol & 0x80)
    {
      guint shift = tsresol & 0x7f;
      guint64 mask = shift >= 64 ? G_MAXUINT64 : (G_GUINT64_CONSTANT (1) << shift) - 1;
      return (gint64) ((units >> shift) * G_USEC_PER_SEC
                       + (((units & mask) * G_USEC_PER_SEC) >> shift));
    }
  if (tsresol >= 6)
    return (gint64) (units / pow10_u64 (tsresol - 6));
  return (gint64) (units * pow10_u64 (6 - tsresol));
}

/* ---- writer ---- */

struct _NetlensPcapngWriter
{
  char     *path;
  FILE     *file;
  char     *drop_note;
  gboolean  header_written;
  gboolean  failed;
  GArray   *tsresols;      /* guint8 per interface */
  guint64   max_bytes;
  guint64   size;
  guint64   n_packets;
  guint64   n_skipped;
  GByteArray *block;
};

static void
block_u16 (GByteArray *b, guint16 v)
{
  g_byte_array_append (b, (const guint8 *) &v, 2);
}

static void
block_u32 (GByteArray *b, guint32 v)
{
  g_byte_array_append (b, (const guint8 *) &v, 4);
}

static void
block_pad (GByteArray *b)
{
  static const guint8 zeros[4] = { 0 };
  g_byte_array_append (b, zeros, PAD4 (b->len) - b->len);
}

static void
block_option (GByteArray   *b,
              guint16       code,
              const void   *value,
              guint16       len)
{
  block_u16 (b, code);
  block_u16 (b, len);
  g_byte_array_append (b, value, len);
  block_pad (b);
}

/* A comment as valid UTF-8 (pcapng requires it), cut to what one option holds. */
static void
block_text_option (GByteArray *b,
                   guint16     code,
                   const char *text)
{
  g_autofree char *valid = NULL;
  gsize len;

  if (text == NULL || text[0] == '\0')
    return;
  valid = g_utf8_make_valid (text, -1);
  len = strlen (valid);
  if (len > 60000)
    {
      const char *end = g_utf8_find_prev_char (valid, valid + 60000);
      len = end != NULL ? (gsize) (end - valid) : 0;
    }
  block_option (b, code, valid, (guint16) len);
}

static void
block_begin (GByteArray *b,
             guint32     type)
{
  g_byte_array_set_size (b, 0);
  block_u32 (b, type);
  block_u32 (b, 0);  /* total length, set by block_end */
}

static void
block_end (GByteArray *b)
{
  guint32 total;

  block_pad (b);
  total = b->len + 4;
  memcpy (b->data + 4, &total, 4);
  block_u32 (b, total);
}

static gboolean
write_block (NetlensPcapngWriter  *writer,
             GError              **error)
{
  if (writer->failed)
    {
      g_set_error (error, NETLENS_PCAPNG_ERROR, NETLENS_PCAPNG_ERROR_IO,
                   "Writing %s failed earlier", writer->path);
      return FALSE;
    }
  if (fwrite (writer->block->data, 1, writer->block->len, writer->file) != writer->block->len)
    {
      int saved = errno;
      writer->failed = TRUE;
      g_set_error (error, NETLENS_PCAPNG_ERROR, NETLENS_PCAPNG_ERROR_IO,
                   "Cannot write %s: %s", writer->path, g_strerror (saved));
      return FALSE;
    }
  writer->size += writer->block->len;
  return TRUE;
}

static gboolean
write_section_header (NetlensPcapngWriter  *writer,
                      GError              **error)
{
  GByteArray *b = writer->block;
  guint64 section_length = G_MAXUINT64;   /* -1: not given */

  if (writer->header_written)
    return TRUE;
  writer->header_written = TRUE;
  block_begin (b, BLOCK_SHB);
  block_u32 (b, BYTE_ORDER_MAGIC);
  block_u16 (b, 1);
  block_u16 (b, 0);
  g_byte_array_append (b, (const guint8 *) &section_length, 8);
  block_text_option (b, OPT_COMMENT, writer->drop_note);
  block_text_option (b, SHB_USERAPPL, "Netlens " PACKAGE_VERSION);
  block_option (b, OPT_END, NULL, 0);
  block_end (b);
  return write_block (writer, error);
}

static NetlensPcapngWriter *
writer_new_for_file (const char *path,
                     FILE       *file)
{
  NetlensPcapngWriter *writer = g_new0 (NetlensPcapngWriter, 1);

  writer->path = g_strdup (path);
  writer->file = file;
  writer->tsresols = g_array_new (FALSE, FALSE, sizeof (guint8));
  writer->block = g_byte_array_sized_new (2048);
  setvbuf (file, NULL, _IOFBF, 256 * 1024);
  return writer;
}

NetlensPcapngWriter *
netlens_pcapng_writer_new (const char  *path,
                           GError     **error)
{
  FILE *file;

  g_return_val_if_fail (path != NULL, NULL);

  file = g_fopen (path, "wb");
  if (file == NULL)
    {
      int saved = errno;
      g_set_error (error, NETLENS_PCAPNG_ERROR, NETLENS_PCAPNG_ERROR_IO,
                   "Cannot create %s: %s", path, g_strerror (saved));
      return NULL;
    }
  return writer_new_for_file (path, file);
}

/* Spools of processes that were killed (a crash, SIGKILL) would stay in the cache forever,
 * up to the spool's size limit each: a spool whose lock nobody holds goes. */
static void
remove_stale_spools (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = NULL;
      int fd;

      if (!g_str_has_prefix (name, "spool-") || !g_str_has_suffix (name, ".pcapng"))
        continue;
      path = g_build_filename (dir, name, NULL);
      fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW, 0);
      if (fd < 0)
        continue;
      if (flock (fd, LOCK_EX | LOCK_NB) == 0)
        {
          g_debug ("removing the stale spool %s", path);
          g_unlink (path);
        }
      close (fd);
    }
}

NetlensPcapngWriter *
netlens_pcapng_writer_new_spool (GError **error)
{
  g_autofree char *dir = g_build_filename (g_get_user_cache_dir (), "netlens", NULL);
  g_autofree char *path = NULL;
  FILE *file;
  int fd;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, NETLENS_PCAPNG_ERROR, NETLENS_PCAPNG_ERROR_IO,
                   "Cannot create %s: %s", dir, g_strerror (saved));
      return NULL;
    }
  remove_stale_spools (dir);
  path = g_build_filename (dir, "spool-XXXXXX.pcapng", NULL);
  fd = g_mkstemp_full (path, O_RDWR, 0600);
  /* held while the spool is open: a spool nobody holds was left by a process that died */
  if (fd >= 0)
    flock (fd, LOCK_EX | LOCK_NB);
  if (fd < 0 || (file = fdopen (fd, "wb")) == NULL)
    {
      int saved = errno;
      if (fd >= 0)
        close (fd);
      g_set_error (error, NETLENS_PCAPNG_ERROR, NETLENS_PCAPNG_ERROR_IO,
                   "Cannot create a spool file in %s: %s", dir, g_strerror (saved));
      return NULL;
    }
  return writer_new_for_file (path, file);
}

const char *
netlens_pcapng_writer_get_path (NetlensPcapngWriter *writer)
{
  g_return_val_if_fail (writer != NULL, NULL);
  return writer->path;
}

gboolean
netlens_pcapng_writer_set_drop_note (NetlensPcapngWriter *writer,
                                     const char          *note)
{
  g_return_val_if_fail (writer != NULL, FALSE);

  if (writer->header_written)
    return FALSE;
  g_free (writer->drop_note);
  writer->drop_note = g_strdup (note);
  return TRUE;
}

char *
netlens_pcapng_drop_note (guint64 dropped_kernel,
                          guint64 dropped_interface,
                          guint64 dropped_internal,
                          guint64 not_spooled)
{
  g_autoptr(GString) note = g_string_new (NULL);
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);

  if (dropped_kernel > 0)
    g_ptr_array_add (parts, g_strdup_printf ("%" G_GUINT64_FORMAT " by the kernel", dropped_kernel));
  if (dropped_interface > 0)
    g_ptr_array_add (parts, g_strdup_printf ("%" G_GUINT64_FORMAT " by the interface",
                                             dropped_interface));
  if (dropped_internal > 0)
    g_ptr_array_add (parts, g_strdup_printf ("%" G_GUINT64_FORMAT " by Netlens (queue full)",
                                             dropped_internal));
  if (parts->len > 0)
    {
      g_string_append (note, "Packets were dropped: ");
      for (guint i = 0; i < parts->len; i++)
        g_string_append_printf (note, "%s%s", i ? ", " : "", (char *) g_ptr_array_index (parts, i));
    }
  if (not_spooled > 0)
    g_string_append_printf (note, "%s%" G_GUINT64_FORMAT " %s not saved (the spool reached its "
                            "size limit)", note->len ? "; " : "", not_spooled,
                            not_spooled == 1 ? "packet was" : "packets were");
  if (note->len == 0)
    return NULL;
  return g_string_free (g_steal_pointer (&note), FALSE);
}

void
netlens_pcapng_writer_set_max_bytes (NetlensPcapngWriter *writer,
                                     guint64              max_bytes)
{
  g_return_if_fail (writer != NULL);
  writer->max_bytes = max_bytes;
}

int
netlens_pcapng_writer_add_interface (NetlensPcapngWriter  *writer,
                                     int                   link_type,
                                     guint32               snaplen,
                                     const char           *name,
                                     guint8                tsresol,
                                     GError              **error)
{
  GByteArray *b;

  g_return_val_if_fail (writer != NULL, -1);

  if (tsresol == 0)
    tsresol = 6;
  if (link_type < 0 || link_type > 0xffff || !tsresol_valid (tsresol))
    {
      g_set_error (error, NETLENS_PCAPNG_ERROR, NETLENS_PCAPNG_ERROR_USAGE,
                   "Invalid interface (link type %d, resolution %u)", link_type, tsresol);
      return -1;
    }
  if (!write_section_header (writer, error))
    return -1;

  b = writer->block;
  block_begin (b, BLOCK_IDB);
  block_u16 (b, (guint16) link_type);
  block_u16 (b, 0);
  block_u32 (b, snaplen);
  block_text_option (b, IF_NAME, name);
  if (tsresol != 6)
    block_option (b, IF_TSRESOL, &tsresol, 1);
  block_option (b, OPT_END, NULL, 0);
  block_end (b);
  if (!write_block (writer, error))
    return -1;
  g_array_append_val (writer->tsresols, tsresol);
  return (int) writer->tsresols->len - 1;
}

gboolean
netlens_pcapng_writer_write_packet_raw (NetlensPcapngWriter  *writer,
                                        guint                 interface_id,
                                        guint64               ts_units,
                                        guint32               caplen,
                                        guint32               wirelen,
                                        const guint8         *data,
                                        const char           *comment,
                                        GError              **error)
{
  GByteArray *b;

  g_return_val_if_fail (writer != NULL, FALSE);
  g_return_val_if_fail (data != NULL || caplen == 0, FALSE);

  if (interface_id >= writer->tsresols->len)
    {
      g_set_error (error, NETLENS_PCAPNG_ERROR, NETLENS_PCAPNG_ERROR_USAGE,
                   "No interface %u in %s", interface_id, writer->path);
      return FALSE;
    }
  if (caplen > MAX_BLOCK_SIZE / 2)
    {
      g_set_error (error, NETLENS_PCAPNG_ERROR, NETLENS_PCAPNG_ERROR_USAGE,
                   "A packet of %u bytes is too large", caplen);
      return FALSE;
    }

  b = writer->block;
  block_begin (b, BLOCK_EPB);
  block_u32 (b, interface_id);
  block_u32 (b, (guint32) (ts_units >> 32));
  block_u32 (b, (guint32) (ts_units & 0xffffffffu));
  block_u32 (b, caplen);
  block_u32 (b, MAX (wirelen, caplen));
  g_byte_array_append (b, data, caplen);
  block_pad (b);
  if (comment != NULL && comment[0] != '\0')
    {
      block_text_option (b, OPT_COMMENT, comment);
      block_option (b, OPT_END, NULL, 0);
    }
  block_end (b);

  if (writer->max_bytes > 0 && writer->size + b->len > writer->max_bytes)
    {
      writer->n_skipped++;
      return TRUE;
    }
  if (!write_block (writer, error))
    return FALSE;
  writer->n_packets++;
  return TRUE;
}

gboolean
netlens_pcapng_writer_write_packet (NetlensPcapngWriter  *writer,
                                    guint                 interface_id,
                                    gint64                ts_us,
                                    guint32               caplen,
                                    guint32               wirelen,
                                    const guint8         *data,
                                    const char           *comment,
                                    GError              **error)
{
  guint8 tsresol;

  g_return_val_if_fail (writer != NULL, FALSE);

  if (interface_id >= writer->tsresols->len)
    {
      g_set_error (error, NETLENS_PCAPNG_ERROR, NETLENS_PCAPNG_ERROR_USAGE,
                   "No interface %u in %s", interface_id, writer->path);
      return FALSE;
    }
  tsresol = g_array_index (writer->tsresols, guint8, interface_id);
  return netlens_pcapng_writer_write_packet_raw (writer, interface_id,
                                                 units_from_us (tsresol, ts_us),
                                                 caplen, wirelen, data, comment, error);
}

gboolean
netlens_pcapng_writer_flush (NetlensPcapngWriter  *writer,
                             GError              **error)
{
  g_return_val_if_fail (writer != NULL, FALSE);

  if (!writer->failed && fflush (writer->file) != 0)
    {
      int saved = errno;
      writer->failed = TRUE;
      g_set_error (error, NETLENS_PCAPNG_ERROR, NETLENS_PCAPNG_ERROR_IO,
                   "Cannot write %s: %s", writer->path, g_strerror (saved));
      return FALSE;
    }
  if (writer->failed)
    {
      g_set_error (error, NETLENS_PCAPNG_ERROR, NETLENS_PCAPNG_ERROR_IO,
                   "Writing %s failed", writer->path);
      return FALSE;
    }
  return TRUE;
}

guint64
netlens_pcapng_writer_get_n_packets (NetlensPcapngWriter *writer)
{
  g_return_val_if_fail (writer != NULL, 0);
  return writer->n_packets;
}

guint64
netlens_pcapng_writer_get_n_skipped (NetlensPcapngWriter *writer)
{
  g_return_val_if_fail (writer != NULL, 0);
  return writer->n_skipped;
}

guint64
netlens_pcapng_writer_get_size (NetlensPcapngWriter *writer)
{
  g_return_val_if_fail (writer != NULL, 0);
  return writer->size;
}

void
netlens_pcapng_writer_free (NetlensPcapngWriter *writer)
{
  if (writer == NULL)
    return;
  if (writer->file != NULL)
    fclose (writer->file);
  g_array_unref (writer->tsresols);
  g_byte_array_unref (writer->block);
  g_free (writer->drop_note);
  g_free (writer->path);
  g_free (writer);
}

gboolean
netlens_pcapng_writer_close (NetlensPcapngWriter  *writer,
                             GError              **error)
{
  gboolean ok;

  g_return_val_if_fail (writer != NULL, FALSE);

  /* a file with no interface is still a valid (empty) pcapng */
  ok = write_section_header (writer, error);
  if (ok)
    ok = netlens_pcapng_writer_flush (writer, error);
  if (fclose (writer->file) != 0 && ok)
    {
      int saved = errno;
      g_set_error (error, NETLENS_PCAPNG_ERROR, NETLENS_PCAPNG_ERROR_IO,
                   "Cannot write %s: %s", writer->path, g_strerror (saved));
      ok = FALSE;
    }
  writer->file = NULL;
  netlens_pcapng_writer_free (writer);
  return ok;
}

/* ---- reader ---- */

typedef struct
{
  int     link_type;
  guint32 snaplen;
  guint8  tsresol;
} ReaderInterface;

struct _NetlensPcapReader
{
  char       *path;
  FILE       *file;
  gboolean    pcapng;
  gboolean    swapped;     /* the file's byte order is not the host's */
  gboolean    truncated;
  gboolean    done;
  guint       section;
  GArray     *interfaces;  /* ReaderInterface, current section */
  GByteArray *buffer;
  char       *section_comment;
  char       *comment;     /* the last packet's */
  guint64     offset;
};

static guint16
rd16 (NetlensPcapReader *reader,
      const guint8      *p)
{
  guint16 v;
  memcpy (&v, p, 2);
  return reader->swapped ? GUINT16_SWAP_LE_BE (v) : v;
}

static guint32
rd32 (NetlensPcapReader *reader,
      const guint8      *p)
{
  guint32 v;
  memcpy (&v, p, 4);
  return reader->swapped ? GUINT32_SWAP_LE_BE (v) : v;
}

/* Reads exactly N bytes; *GOT tells how many came before the end of the file. */
static gboolean
read_exact (NetlensPcapReader  *reader,
            guint8             *dest,
            gsize               n,
            gsize              *got,
            GError            **error)
{
  gsize r = fread (dest, 1, n, reader->file);

  *got = r;
  reader->offset += r;
  if (r < n && ferror (reader->file))
    {
      g_set_error (error, NETLENS_PCAPNG_ERROR, NETLENS_PCAPNG_ERROR_IO,
                   "Cannot read %s: %s", reader->path, g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

static gboolean
format_error (NetlensPcapReader  *reader,
              GError            **error,
              const char         *what)
{
  g_set_error (error, NETLENS_PCAPNG_ERROR, NETLENS_PCAPNG_ERROR_FORMAT,
               "%s is damaged at offset %" G_GUINT64_FORMAT ": %s", reader->path,
               reader->offset, what);
  reader->done = TRUE;
  return FALSE;
}

NetlensPcapReader *
netlens_pcap_reader_open (const char  *path,
                          GError     **error)
{
  g_autoptr(NetlensPcapReader) reader = NULL;
  guint8 head[24];
  guint32 magic;
  gsize got = 0;

  g_return_val_if_fail (path != NULL, NULL);

  reader = g_new0 (NetlensPcapReader, 1);
  reader->path = g_strdup (path);
  reader->interfaces = g_array_new (FALSE, FALSE, sizeof (ReaderInterface));
  reader->buffer = g_byte_array_new ();
  reader->file = g_fopen (path, "rb");
  if (reader->file == NULL)
    {
      int saved = errno;
      g_set_error (error, NETLENS_PCAPNG_ERROR, NETLENS_PCAPNG_ERROR_IO,
                   "Cannot open %s: %s", path, g_strerror (saved));
      return NULL;
    }

  if (!read_exact (reader, head, 4, &got, error))
    return NULL;
  if (got < 4)
    {
      g_set_error (error, NETLENS_PCAPNG_ERROR, NETLENS_PCAPNG_ERROR_FORMAT,
                   "%s is not a pcap or pcapng file (too short)", path);
      return NULL;
    }
  memcpy (&magic, head, 4);
  if (magic == BLOCK_SHB)
    {
      reader->pcapng = TRUE;
      /* the SHB is read by the first netlens_pcap_reader_next() */
      fseek (reader->file, 0, SEEK_SET);
      reader->offset = 0;
      reader->section = G_MAXUINT;   /* the first SHB makes it 0 */
      return g_steal_pointer (&reader);
    }

  if (magic == 0xa1b2c3d4u || magic == 0xa1b23c4du)
    reader->swapped = FALSE;
  else if (magic == 0xd4c3b2a1u || magic == 0x4d3cb2a1u)
    reader->swapped = TRUE;
  else
    {
      g_set_error (error, NETLENS_PCAPNG_ERROR, NETLENS_PCAPNG_ERROR_FORMAT,
                   "%s is not a pcap or pcapng file", path);
      return NULL;
    }
  if (!read_exact (reader, head + 4, 20, &got, error))
    return NULL;
  if (got < 20)
    {
      g_set_error (error, NETLENS_PCAPNG_ERROR, NETLENS_PCAPNG_ERROR_FORMAT,
                   "%s is cut short in its header", path);
      return NULL;
    }
  {
    ReaderInterface iface;
    gboolean nano = magic == 0xa1b23c4du || magic == 0x4d3cb2a1u;

    iface.snaplen = rd32 (reader, head + 16);
    iface.link_type = (int) (rd32 (reader, head + 20) & 0xffff);
    iface.tsresol = nano ? 9 : 6;
    g_array_append_val (reader->interfaces, iface);
  }
  return g_steal_pointer (&reader);
}

void
netlens_pcap_reader_free (NetlensPcapReader *reader)
{
  if (reader == NULL)
    return;
  if (reader->file != NULL)
    fclose (reader->file);
  g_array_unref (reader->interfaces);
  g_byte_array_unref (reader->buffer);
  g_free (reader->section_comment);
  g_free (reader->comment);
  g_free (reader->path);
  g_free (reader);
}

gboolean
netlens_pcap_reader_was_truncated (NetlensPcapReader *reader)
{
  g_return_val_if_fail (reader != NULL, FALSE);
  return reader->truncated;
}

guint
netlens_pcap_reader_get_n_interfaces (NetlensPcapReader *reader)
{
  g_return_val_if_fail (reader != NULL, 0);
  return reader->interfaces->len;
}

const char *
netlens_pcap_reader_get_section_comment (NetlensPcapReader *reader)
{
  g_return_val_if_fail (reader != NULL, NULL);
  return reader->section_comment;
}

static gboolean
read_pcap_record (NetlensPcapReader  *reader,
                  NetlensPcapRecord  *record,
                  GError            **error)
{
  const ReaderInterface *iface = &g_array_index (reader->interfaces, ReaderInterface, 0);
  guint8 head[16];
  guint32 caplen;
  gsize got;

  if (!read_exact (reader, head, 16, &got, error))
    return FALSE;
  if (got == 0)
    return FALSE;
  if (got < 16)
    {
      reader->truncated = TRUE;
      return FALSE;
    }
  caplen = rd32 (reader, head + 8);
  if (caplen > MAX_BLOCK_SIZE)
    return format_error (reader, error, "a record length out of range");
  g_byte_array_set_size (reader->buffer, caplen);
  if (!read_exact (reader, reader->buffer->data, caplen, &got, error))
    return FALSE;
  if (got < caplen)
    {
      reader->truncated = TRUE;
      return FALSE;
    }

  memset (record, 0, sizeof *record);
  record->link_type = iface->link_type;
  record->snaplen = iface->snaplen;
  record->tsresol = iface->tsresol;
  record->ts_units = (guint64) rd32 (reader, head) * pow10_u64 (iface->tsresol)
                     + rd32 (reader, head + 4);
  record->ts_us = us_from_units (iface->tsresol, record->ts_units);
  record->caplen = caplen;
  record->wirelen = MAX (rd32 (reader, head + 12), caplen);
  record->data = reader->buffer->data;
  return TRUE;
}

/* Walks the options in [P, END); returns the first value of CODE (length in *LEN). */
static const guint8 *
find_option (NetlensPcapReader *reader,
             const guint8      *p,
             const guint8      *end,
             guint16            code,
             guint16           *len)
{
  while (p + 4 <= end)
    {
      guint16 c = rd16 (reader, p);
      guint16 l = rd16 (reader, p + 2);

      if (c == OPT_END)
        break;
      if ((gsize) (end - (p + 4)) < l)
        break;
      if (c == code)
        {
          *len = l;
          return p + 4;
        }
      p += 4 + PAD4 ((guint32) l);
    }
  return NULL;
}

static char *
option_text (NetlensPcapReader *reader,
             const guint8      *p,
             const guint8      *end,
             guint16            code)
{
  guint16 len = 0;
  const guint8 *value = find_option (reader, p, end, code, &len);

  if (value == NULL)
    return NULL;
  return g_utf8_make_valid ((const char *) value, len);
}

gboolean
netlens_pcap_reader_next (NetlensPcapReader  *reader,
                          NetlensPcapRecord  *record,
                          GError            **error)
{
  g_return_val_if_fail (reader != NULL, FALSE);
  g_return_val_if_fail (record != NULL, FALSE);

  if (reader->done)
    return FALSE;
  if (!reader->pcapng)
    {
      gboolean ok = read_pcap_record (reader, record, error);
      if (!ok)
        reader->done = TRUE;
      return ok;
    }

  for (;;)
    {
      guint8 head[12];
      guint32 type, total, body_len;
      const guint8 *body, *body_end;
      gsize got;

      if (!read_exact (reader, head, 8, &got, error))
        return (reader->done = TRUE, FALSE);
      if (got == 0)
        return (reader->done = TRUE, FALSE);
      if (got < 8)
        {
          reader->truncated = TRUE;
          return (reader->done = TRUE, FALSE);
        }
      memcpy (&type, head, 4);
      if (type == BLOCK_SHB)
        {
          /* the byte order of the new section comes from its magic */
          guint32 magic;
          if (!read_exact (reader, head + 8, 4, &got, error))
            return (reader->done = TRUE, FALSE);
          if (got < 4)
            {
              reader->truncated = TRUE;
              return (reader->done = TRUE, FALSE);
            }
          memcpy (&magic, head + 8, 4);
          if (magic == BYTE_ORDER_MAGIC)
            reader->swapped = FALSE;
          else if (magic == GUINT32_SWAP_LE_BE (BYTE_ORDER_MAGIC))
            reader->swapped = TRUE;
          else
            return format_error (reader, error, "a section header with an unknown byte order");
        }
      else if (reader->section == G_MAXUINT)
        return format_error (reader, error, "no section header first");

      total = rd32 (reader, head + 4);
      if (total < 12 || total % 4 != 0 || total > MAX_BLOCK_SIZE
          || (type == BLOCK_SHB && total < 28))
        return format_error (reader, error, "a block length out of range");

      /* the body after the header, the trailing length included */
      body_len = total - 8;
      g_byte_array_set_size (reader->buffer, body_len);
      if (type == BLOCK_SHB)
        {
          memcpy (reader->buffer->data, head + 8, 4);
          if (!read_exact (reader, reader->buffer->data + 4, body_len - 4, &got, error))
            return (reader->done = TRUE, FALSE);
          got += 4;
        }
      else if (!read_exact (reader, reader->buffer->data, body_len, &got, error))
        return (reader->done = TRUE, FALSE);
      if (got < body_len)
        {
          reader->truncated = TRUE;
          return (reader->done = TRUE, FALSE);
        }
      if (rd32 (reader, reader->buffer->data + body_len - 4) != total)
        return format_error (reader, error, "a block whose two lengths differ");

      body = reader->buffer->data;
      body_end = body + body_len - 4;

      switch (type)
        {
        case BLOCK_SHB:
          reader->section++;
          g_array_set_size (reader->interfaces, 0);
          g_clear_pointer (&reader->section_comment, g_free);
          if (body_end - body < 16)
            return format_error (reader, error, "a short section header");
          if (rd16 (reader, body + 4) != 1)
            return format_error (reader, error, "an unknown pcapng major version");
          reader->section_comment = option_text (reader, body + 16, body_end, OPT_COMMENT);
          break;

        case BLOCK_IDB:
          {
            ReaderInterface iface;
            guint16 len = 0;
            const guint8 *value;

            if (body_end - body < 8)
              return format_error (reader, error, "a short interface description");
            iface.link_type = rd16 (reader, body);
            iface.snaplen = rd32 (reader, body + 4);
            iface.tsresol = 6;
            value = find_option (reader, body + 8, body_end, IF_TSRESOL, &len);
            if (value != NULL && len >= 1)
              {
                if (!tsresol_valid (value[0]))
                  return format_error (reader, error, "an unknown time resolution");
                iface.tsresol = value[0];
              }
            g_array_append_val (reader->interfaces, iface);
          }
          break;

        case BLOCK_EPB:
        case BLOCK_PB:
          {
            const ReaderInterface *iface;
            guint32 id, caplen;

            if (body_end - body < 20)
              return format_error (reader, error, "a short packet block");
            id = type == BLOCK_EPB ? rd32 (reader, body) : rd16 (reader, body);
            caplen = rd32 (reader, body + 12);
            if (id >= reader->interfaces->len)
              return format_error (reader, error, "a packet of an undescribed interface");
            if (caplen > (guint32) (body_end - body - 20))
              return format_error (reader, error, "a packet longer than its block");
            iface = &g_array_index (reader->interfaces, ReaderInterface, id);

            memset (record, 0, sizeof *record);
            record->section = reader->section;
            record->interface_id = id;
            record->link_type = iface->link_type;
            record->snaplen = iface->snaplen;
            record->tsresol = iface->tsresol;
            record->ts_units = ((guint64) rd32 (reader, body + 4) << 32) | rd32 (reader, body + 8);
            record->ts_us = us_from_units (iface->tsresol, record->ts_units);
            record->caplen = caplen;
            record->wirelen = MAX (rd32 (reader, body + 16), caplen);
            record->data = body + 20;
            g_free (reader->comment);
            reader->comment = option_text (reader, body + 20 + PAD4 (caplen), body_end,
                                           OPT_COMMENT);
            record->comment = reader->comment;
            return TRUE;
          }

        case BLOCK_SPB:
          {
            const ReaderInterface *iface;
            guint32 wirelen, caplen;

            if (body_end - body < 4)
              return format_error (reader, error, "a short simple packet block");
            if (reader->interfaces->len == 0)
              return format_error (reader, error, "a packet of an undescribed interface");
            iface = &g_array_index (reader->interfaces, ReaderInterface, 0);
            wirelen = rd32 (reader, body);
            caplen = MIN (wirelen, (guint32) (body_end - body - 4));
            if (iface->snaplen > 0)
              caplen = MIN (caplen, iface->snaplen);

            memset (record, 0, sizeof *record);
            record->section = reader->section;
            record->link_type = iface->link_type;
            record->snaplen = iface->snaplen;
            record->tsresol = iface->tsresol;
            record->caplen = caplen;
            record->wirelen = wirelen;
            record->data = body + 4;
            return TRUE;
          }

        default:
          break;   /* statistics, name resolution, custom blocks: not needed */
        }
    }
}

/* ---- annotations ---- */

char *
netlens_pcapng_comment_for_connection (const NetlensConnection *conn)
{
  g_autoptr(GString) text = g_string_new (NULL);
  const char *sni, *host, *name;

  g_return_val_if_fail (conn != NULL, NULL);

  if (conn->process != NULL)
    {
      if (conn->process->name != NULL && conn->process->name[0] != '\0')
        g_string_append_printf (text, "process %s ", conn->process->name);
      g_string_append_printf (text, "pid %u", conn->process->pid);
    }
  sni = netlens_connection_get_sni (conn);
  host = netlens_connection_get_http_host (conn);
  name = conn->dns_name != NULL ? conn->dns_name : conn->reverse_name;
  if (sni != NULL && sni[0] != '\0')
    g_string_append_printf (text, "%ssni %s", text->len ? " " : "", sni);
  if (host != NULL && host[0] != '\0' && g_strcmp0 (host, sni) != 0)
    g_string_append_printf (text, "%shost %s", text->len ? " " : "", host);
  if ((sni == NULL || sni[0] == '\0') && (host == NULL || host[0] == '\0')
      && name != NULL && name[0] != '\0')
    g_string_append_printf (text, "%sname %s", text->len ? " " : "", name);

  if (text->len == 0)
    return NULL;
  return g_string_free (g_steal_pointer (&text), FALSE);
}

typedef struct
{
  gint64  first_seen;
  gint64  last_seen;
  char   *comment;
} Annotation;

struct _NetlensPcapngAnnotations
{
  GMutex      lock;
  GHashTable *by_key;   /* NetlensFlowKey * -> GArray of Annotation */
  GPtrArray  *retired;  /* replaced comments: a save running beside add() may still hold one */
};

static guint
flow_key_hash (gconstpointer key)
{
  return netlens_flow_key_hash_symmetric (key);
}

static gboolean
flow_key_equal (gconstpointer a,
                gconstpointer b)
{
  return memcmp (a, b, sizeof (NetlensFlowKey)) == 0;
}

static void
annotation_clear (gpointer data)
{
  Annotation *a = data;
  g_free (a->comment);
}

NetlensPcapngAnnotations *
netlens_pcapng_annotations_new (void)
{
  NetlensPcapngAnnotations *annotations = g_new0 (NetlensPcapngAnnotations, 1);

  g_mutex_init (&annotations->lock);
  annotations->by_key = g_hash_table_new_full (flow_key_hash, flow_key_equal, g_free,
                                               (GDestroyNotify) g_array_unref);
  annotations->retired = g_ptr_array_new_with_free_func (g_free);
  return annotations;
}

void
netlens_pcapng_annotations_free (NetlensPcapngAnnotations *annotations)
{
  if (annotations == NULL)
    return;
  g_hash_table_unref (annotations->by_key);
  g_ptr_array_unref (annotations->retired);
  g_mutex_clear (&annotations->lock);
  g_free (annotations);
}

guint
netlens_pcapng_annotations_size (NetlensPcapngAnnotations *annotations)
{
  guint n;

  g_return_val_if_fail (annotations != NULL, 0);
  g_mutex_lock (&annotations->lock);
  n = g_hash_table_size (annotations->by_key);
  g_mutex_unlock (&annotations->lock);
  return n;
}

static gboolean
prune_list (gpointer key,
            gpointer value,
            gpointer data)
{
  GArray *list = value;
  gint64 before = *(gint64 *) data;

  for (guint i = list->len; i-- > 0;)
    if (g_array_index (list, Annotation, i).last_seen < before)
      g_array_remove_index_fast (list, i);
  return list->len == 0;
}

void
netlens_pcapng_annotations_prune (NetlensPcapngAnnotations *annotations,
                                  gint64                    before_us)
{
  g_return_if_fail (annotations != NULL);

  g_mutex_lock (&annotations->lock);
  g_hash_table_foreach_remove (annotations->by_key, prune_list, &before_us);
  g_ptr_array_set_size (annotations->retired, 0);
  g_mutex_unlock (&annotations->lock);
}

void
netlens_pcapng_annotations_add (NetlensPcapngAnnotations *annotations,
                                const NetlensConnection  *conn)
{
  g_autofree char *comment = NULL;
  GArray *list;
  Annotation entry;

  g_return_if_fail (annotations != NULL);
  g_return_if_fail (conn != NULL);

  comment = netlens_pcapng_comment_for_connection (conn);
  if (comment == NULL)
    return;

  g_mutex_lock (&annotations->lock);
  list = g_hash_table_lookup (annotations->by_key, &conn->key);
  if (list == NULL)
    {
      list = g_array_new (FALSE, FALSE, sizeof (Annotation));
      g_array_set_clear_func (list, annotation_clear);
      g_hash_table_insert (annotations->by_key, g_memdup2 (&conn->key, sizeof conn->key), list);
    }
  for (guint i = 0; i < list->len; i++)
    {
      Annotation *a = &g_array_index (list, Annotation, i);
      if (a->first_seen == conn->first_seen)
        {
          a->last_seen = MAX (a->last_seen, conn->last_seen);
          if (strcmp (a->comment, comment) != 0)
            {
              g_ptr_array_add (annotations->retired, a->comment);
              a->comment = g_steal_pointer (&comment);
            }
          g_mutex_unlock (&annotations->lock);
          return;
        }
    }
  entry.first_seen = conn->first_seen;
  entry.last_seen = MAX (conn->last_seen, conn->first_seen);
  entry.comment = g_steal_pointer (&comment);
  g_array_append_val (list, entry);
  g_mutex_unlock (&annotations->lock);
}

const char *
netlens_pcapng_annotations_lookup (const NetlensFlowKey *key,
                                   gint64                ts_us,
                                   gpointer              user_data)
{
  NetlensPcapngAnnotations *annotations = user_data;
  const char *best = NULL;
  gint64 best_distance = G_MAXINT64;
  GArray *list;

  g_mutex_lock (&annotations->lock);
  list = g_hash_table_lookup (annotations->by_key, key);
  for (guint i = 0; list != NULL && i < list->len; i++)
    {
      const Annotation *a = &g_array_index (list, Annotation, i);
      gint64 distance;

      if (ts_us >= a->first_seen && ts_us <= a->last_seen)
        distance = 0;
      else if (ts_us < a->first_seen)
        distance = a->first_seen - ts_us;
      else
        distance = ts_us - a->last_seen;
      if (distance < best_distance)
        {
          best_distance = distance;
          best = a->comment;
        }
    }
  g_mutex_unlock (&annotations->lock);
  /* a comment is freed only with the map (add() retires the ones it replaces), so it stays
   * valid for a save that runs while rows keep coming */
  return best;
}

/* ---- Save Capture ---- */

typedef struct
{
  guint section;
  guint interface_id;
} InterfaceKey;

gboolean
netlens_pcapng_annotate (const char                 *spool_path,
                         const char                 *out_path,
                         const char                 *drop_note,
                         NetlensPcapngLookupFunc     lookup,
                         gpointer                    user_data,
                         NetlensPcapngAnnotateStats *stats,
                         GError                    **error)
{
  g_autoptr(NetlensPcapReader) reader = NULL;
  g_autoptr(NetlensPcapngWriter) writer = NULL;
  g_autoptr(GHashTable) out_ids = NULL;   /* (section << 32 | interface) -> out id + 1 */
  NetlensPcapngAnnotateStats local = { 0 };
  NetlensPcapRecord record;
  GError *read_error = NULL;

  g_return_val_if_fail (spool_path != NULL, FALSE);
  g_return_val_if_fail (out_path != NULL, FALSE);

  {
    GStatBuf in_st, out_st;

    /* writing over the input would truncate it before it is read */
    if (g_stat (spool_path, &in_st) == 0 && g_stat (out_path, &out_st) == 0
        && in_st.st_dev == out_st.st_dev && in_st.st_ino == out_st.st_ino)
      {
        g_set_error (error, NETLENS_PCAPNG_ERROR, NETLENS_PCAPNG_ERROR_USAGE,
                     "%s is the capture being read: choose another file", out_path);
        return FALSE;
      }
  }
  reader = netlens_pcap_reader_open (spool_path, error);
  if (reader == NULL)
    return FALSE;
  writer = netlens_pcapng_writer_new (out_path, error);
  if (writer == NULL)
    return FALSE;
  netlens_pcapng_writer_set_drop_note (writer, drop_note);
  out_ids = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);

  while (netlens_pcap_reader_next (reader, &record, &read_error))
    {
      gint64 id_key = ((gint64) record.section << 32) | record.interface_id;
      gpointer value = g_hash_table_lookup (out_ids, &id_key);
      const char *comment = NULL;
      NetlensPacket pkt;
      int out_id;

      if (value != NULL)
        out_id = GPOINTER_TO_INT (value) - 1;
      else
        {
          out_id = netlens_pcapng_writer_add_interface (writer, record.link_type, record.snaplen,
                                                        NULL, record.tsresol, error);
          if (out_id < 0)
            goto fail;
          g_hash_table_insert (out_ids, g_memdup2 (&id_key, sizeof id_key),
                               GINT_TO_POINTER (out_id + 1));
        }

      if (lookup != NULL
          && netlens_decode_packet (record.link_type, record.data, record.caplen, record.wirelen,
                                    record.ts_us, &pkt) == NETLENS_DECODE_OK
          && pkt.proto != NETLENS_PROTO_NONE)
        {
          NetlensFlowKey key, reversed;

          netlens_flow_key_from_packet (&pkt, &key);
          comment = lookup (&key, record.ts_us, user_data);
          if (comment == NULL)
            {
              netlens_flow_key_reverse (&key, &reversed);
              comment = lookup (&reversed, record.ts_us, user_data);
            }
        }

      if (!netlens_pcapng_writer_write_packet_raw (writer, (guint) out_id, record.ts_units,
                                                   record.caplen, record.wirelen, record.data,
                                                   comment, error))
        goto fail;
      local.packets++;
      if (comment != NULL)
        local.annotated++;
    }
  if (read_error != NULL)
    {
      g_propagate_error (error, read_error);
      goto fail;
    }
  local.truncated = netlens_pcap_reader_was_truncated (reader);

  if (!netlens_pcapng_writer_close (g_steal_pointer (&writer), error))
    {
      g_unlink (out_path);
      return FALSE;
    }
  if (stats != NULL)
    *stats = local;
  return TRUE;

fail:
  g_clear_pointer (&writer, netlens_pcapng_writer_free);
  g_unlink (out_path);
  return FALSE;
}
