/* test-file-reader.c: the classic pcap reader (blocks, no libpcap per record) against
 * libpcap's own reading of the same files, record for record and error for error
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each file is read twice into a fresh pipeline: by netlens_file_source_read() (which takes
 * the block reader for a regular version 2.4 pcap file) and with NETLENS_FILE_READ_LIBPCAP.
 * Everything must match: the result, the error or damage message and offset, the packet
 * count and times, the pipeline's counters and every row the export would write.
 */

#include "config.h"

#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "netlens-export.h"
#include "netlens-file-source.h"
#include "netlens-pipeline.h"

/* ---- files ---- */

typedef struct
{
  gboolean swapped;
  gboolean nanosecond;
} Format;

static void
put32 (GByteArray *f,
       gboolean    swapped,
       guint32     v)
{
  if (swapped)
    v = GUINT32_SWAP_LE_BE (v);
  g_byte_array_append (f, (const guint8 *) &v, 4);
}

static void
put16 (GByteArray *f,
       gboolean    swapped,
       guint16     v)
{
  if (swapped)
    v = GUINT16_SWAP_LE_BE (v);
  g_byte_array_append (f, (const guint8 *) &v, 2);
}

static GByteArray *
file_new (const Format *fmt,
          guint16       minor,
          guint32       snaplen)
{
  GByteArray *f = g_byte_array_new ();

  put32 (f, fmt->swapped, fmt->nanosecond ? 0xa1b23c4du : 0xa1b2c3d4u);
  put16 (f, fmt->swapped, 2);
  put16 (f, fmt->swapped, minor);
  put32 (f, fmt->swapped, 0);
  put32 (f, fmt->swapped, 0);
  put32 (f, fmt->swapped, snaplen);
  put32 (f, fmt->swapped, 1);   /* Ethernet */
  return f;
}

static void
add_record (GByteArray   *f,
            const Format *fmt,
            guint32       sec,
            guint32       frac,
            guint32       caplen,
            guint32       len,
            const guint8 *data,
            gsize         data_len)
{
  put32 (f, fmt->swapped, sec);
  put32 (f, fmt->swapped, frac);
  put32 (f, fmt->swapped, caplen);
  put32 (f, fmt->swapped, len);
  g_byte_array_append (f, data, data_len);
}

/* An Ethernet frame of LEN bytes (>= 128): IPv4 or IPv6, TCP, UDP (DNS or not) or ICMP,
 * between hosts picked by FLOW. */
static guint8 *
make_frame (guint  kind,
            guint  flow,
            gsize  len)
{
  guint8 *p = g_malloc0 (len);
  gsize ip = 14, l4;
  guint8 proto = kind % 4 == 0 ? 6 : kind % 4 == 1 ? 17 : kind % 4 == 2 ? 17 : 1;
  gboolean v6 = (kind / 4) % 2 == 1;

  g_assert_cmpuint (len, >=, 128);
  memset (p, 0x02, 12);
  p[5] = (guint8) flow;
  if (!v6)
    {
      p[12] = 0x08;
      p[ip] = 0x45;
      p[ip + 2] = (guint8) ((len - 14) >> 8);
      p[ip + 3] = (guint8) (len - 14);
      p[ip + 8] = 64;
      p[ip + 9] = proto;
      p[ip + 12] = 198; p[ip + 13] = 18; p[ip + 14] = 0; p[ip + 15] = (guint8) flow;
      p[ip + 16] = 198; p[ip + 17] = 19; p[ip + 18] = 0; p[ip + 19] = 1;
      l4 = ip + 20;
    }
  else
    {
      p[12] = 0x86;
      p[13] = 0xdd;
      p[ip] = 0x60;
      p[ip + 4] = (guint8) ((len - 54) >> 8);
      p[ip + 5] = (guint8) (len - 54);
      p[ip + 6] = proto == 1 ? 58 : proto;
      p[ip + 7] = 64;
      p[ip + 8] = 0x20; p[ip + 9] = 0x01; p[ip + 10] = 0x00; p[ip + 11] = 0x02;
      p[ip + 23] = (guint8) flow;
      p[ip + 24] = 0x20; p[ip + 25] = 0x01; p[ip + 26] = 0x00; p[ip + 27] = 0x02;
      p[ip + 39] = 1;
      l4 = ip + 40;
    }
  p[l4] = 0xc0;
  p[l4 + 1] = (guint8) flow;
  if (proto == 6)
    {
      p[l4 + 3] = 80;
      p[l4 + 12] = 0x50;
      p[l4 + 13] = 0x18;
      memcpy (p + l4 + 20, "GET / HTTP/1.1\r\nHost: example.test\r\n\r\n", 38);
    }
  else if (proto == 17)
    {
      p[l4 + 3] = kind % 4 == 2 ? 53 : 123;
      p[l4 + 4] = (guint8) ((len - l4) >> 8);
      p[l4 + 5] = (guint8) (len - l4);
    }
  else
    p[l4] = 8;  /* echo request */
  return p;
}

static char *
write_temp (GByteArray *f)
{
  g_autoptr(GError) error = NULL;
  char *path = NULL;
  int fd = g_file_open_tmp ("netlens-file-reader-XXXXXX.pcap", &path, &error);

  g_assert_no_error (error);
  g_assert_cmpint (write (fd, f->data, f->len), ==, (gssize) f->len);
  close (fd);
  return path;
}

/* ---- one read ---- */

typedef struct
{
  gboolean  ok;
  char     *error;
  char     *damage;
  guint64   damage_offset;
  guint64   packets;
  gint64    first_ts;
  gint64    last_ts;
  NetlensStats stats;
  char     *rows;          /* every ended row's JSON, sorted */
} Reading;

static void
reading_clear (Reading *r)
{
  g_free (r->error);
  g_free (r->damage);
  g_free (r->rows);
}

static void
row_sink (NetlensConnection *conn,
          gpointer           user_data)
{
  GPtrArray *rows = user_data;
  GString *s = g_string_new (NULL);

  netlens_connection_write_json (conn, s);
  g_ptr_array_add (rows, g_string_free (s, FALSE));
  netlens_connection_free (conn);
}

static int
cmp_str (gconstpointer a,
         gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static void
read_once (const char           *path,
           NetlensFileReadFlags  flags,
           guint                 workers,
           Reading              *out)
{
  NetlensPipelineConfig config;
  g_autoptr(NetlensPipeline) pipeline = NULL;
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  NetlensFileInfo info = { 0 };

  netlens_pipeline_config_init (&config);
  config.n_workers = workers;
  pipeline = netlens_pipeline_new (&config);
  netlens_pipeline_set_row_sink (pipeline, row_sink, rows);
  out->ok = netlens_file_source_read_full (pipeline, path, flags, &info, NULL, NULL, NULL, &error);
  netlens_pipeline_finish (pipeline);
  netlens_pipeline_get_stats (pipeline, &out->stats);
  out->error = error != NULL ? g_strdup (error->message) : NULL;
  out->damage = info.damage != NULL ? g_strdup (info.damage->message) : NULL;
  out->damage_offset = info.damage_offset;
  out->packets = info.packets;
  out->first_ts = info.first_ts_us;
  out->last_ts = info.last_ts_us;
  g_ptr_array_sort (rows, cmp_str);
  g_ptr_array_add (rows, NULL);
  out->rows = g_strjoinv ("\n", (char **) rows->pdata);
  netlens_file_info_clear (&info);
}

/* Reads F both ways and compares; returns the packets read. */
static guint64
check_same (GByteArray *f,
            guint       workers)
{
  g_autofree char *path = write_temp (f);
  Reading blocks = { 0 }, ref = { 0 };
  guint64 packets;

  read_once (path, NETLENS_FILE_READ_DEFAULT, workers, &blocks);
  read_once (path, NETLENS_FILE_READ_LIBPCAP, workers, &ref);
  g_assert_cmpint (blocks.ok, ==, ref.ok);
  g_assert_cmpstr (blocks.error, ==, ref.error);
  g_assert_cmpstr (blocks.damage, ==, ref.damage);
  g_assert_cmpuint (blocks.damage_offset, ==, ref.damage_offset);
  g_assert_cmpuint (blocks.packets, ==, ref.packets);
  g_assert_cmpint (blocks.first_ts, ==, ref.first_ts);
  g_assert_cmpint (blocks.last_ts, ==, ref.last_ts);
  g_assert_cmpuint (blocks.stats.packets, ==, ref.stats.packets);
  g_assert_cmpuint (blocks.stats.bytes, ==, ref.stats.bytes);
  g_assert_cmpuint (blocks.stats.undecodable, ==, ref.stats.undecodable);
  g_assert_cmpuint (blocks.stats.dropped_internal, ==, 0);
  g_assert_cmpstr (blocks.rows, ==, ref.rows);
  packets = blocks.packets;
  reading_clear (&blocks);
  reading_clear (&ref);
  unlink (path);
  return packets;
}

/* ---- cases ---- */

static const Format formats[] = {
  { FALSE, FALSE }, { FALSE, TRUE }, { TRUE, FALSE }, { TRUE, TRUE },
};

/* A file of N varied records. */
static GByteArray *
sample_file (const Format *fmt,
             guint32       snaplen,
             guint         n)
{
  GByteArray *f = file_new (fmt, 4, snaplen);

  for (guint i = 0; i < n; i++)
    {
      gsize len = 128 + (i * 37) % 1400;
      g_autofree guint8 *frame = make_frame (i, i % 7, len);
      guint32 caplen = MIN (len, snaplen != 0 ? snaplen : len);

      add_record (f, fmt, 1700000000 + i / 3, (i * 7919) % (fmt->nanosecond ? 1000000000 : 1000000),
                  caplen, (guint32) len, frame, caplen);
    }
  return f;
}

static void
test_formats (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    {
      g_autoptr(GByteArray) f = sample_file (&formats[i], 65535, 60);

      g_assert_cmpuint (check_same (f, 1), ==, 60);
    }
}

static void
test_timestamps (void)
{
  /* int32 seconds and fractions read as libpcap reads them: sign-extended in the file's
   * own byte order, unsigned once swapped; fractions beyond a second; usec scaled up */
  static const guint32 secs[] = { 0, 1, 0x7fffffffu, 0x80000000u, 0xffffffffu, 1700000000 };
  static const guint32 fracs[] = { 0, 999999, 1000000, 999999999, 1000000000, 0x7fffffffu,
                                   0x80000000u, 0xffffffffu };

  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    {
      g_autoptr(GByteArray) f = file_new (&formats[i], 4, 65535);
      g_autofree guint8 *frame = make_frame (0, 1, 128);

      for (guint s = 0; s < G_N_ELEMENTS (secs); s++)
        for (guint u = 0; u < G_N_ELEMENTS (fracs); u++)
          add_record (f, &formats[i], secs[s], fracs[u], 128, 128, frame, 128);
      g_assert_cmpuint (check_same (f, 1), ==, G_N_ELEMENTS (secs) * G_N_ELEMENTS (fracs));
    }
}

static void
test_snaplen (void)
{
  /* records longer than the file's snaplen (libpcap keeps the first snaplen bytes), a zero
   * snaplen (taken as the maximum), records longer than 262144 bytes (an error) */
  static const guint32 snaplens[] = { 64, 100, 0, 262144, 300000 };

  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    for (guint s = 0; s < G_N_ELEMENTS (snaplens); s++)
      {
        g_autoptr(GByteArray) f = file_new (&formats[i], 4, snaplens[s]);
        g_autofree guint8 *frame = make_frame (0, 1, 200);
        g_autofree guint8 *big = make_frame (1, 2, 262200);

        add_record (f, &formats[i], 1, 0, 200, 200, frame, 200);
        add_record (f, &formats[i], 2, 0, 150, 200, frame, 150);
        add_record (f, &formats[i], 3, 0, 262144, 262200, big, 262144);
        add_record (f, &formats[i], 4, 0, 200, 200, frame, 200);
        add_record (f, &formats[i], 5, 0, 262145, 262200, big, 262145);
        add_record (f, &formats[i], 6, 0, 200, 200, frame, 200);
        check_same (f, 1);
      }
}

static void
test_truncated (void)
{
  /* cut at every byte of the last records (header, data, the part past a short snaplen)
   * and at a stride through the rest */
  for (guint snap = 0; snap < 2; snap++)
    {
      /* native microseconds with a large snaplen, swapped nanoseconds with a short one */
      const Format *fmt = &formats[snap ? 3 : 0];
      g_autoptr(GByteArray) f = sample_file (fmt, snap ? 90 : 65535, 4);
      g_autofree guint8 *frame = make_frame (3, 3, 300);
      guint full;

      /* a record longer than the snaplen, cut while its tail is skipped */
      add_record (f, fmt, 1700000100, 0, 300, 300, frame, 300);
      full = f->len;
      for (guint cut = 0; cut < full; cut += cut + 330 < full ? 97 : 1)
        {
          g_autoptr(GByteArray) t = g_byte_array_sized_new (cut);

          g_byte_array_append (t, f->data, cut);
          check_same (t, 1);
        }
    }
}

static void
test_garbled (void)
{
  /* random bytes over the record headers and frames of a small file */
  g_autoptr(GRand) rand = g_rand_new_with_seed (17);

  for (guint round = 0; round < 200; round++)
    {
      const Format *fmt = &formats[round % G_N_ELEMENTS (formats)];
      g_autoptr(GByteArray) f = sample_file (fmt, round % 3 == 0 ? 120 : 65535, 8);
      guint n = 1 + g_rand_int_range (rand, 0, 6);

      for (guint k = 0; k < n; k++)
        {
          guint at = g_rand_int_range (rand, 24, f->len);

          f->data[at] = (guint8) g_rand_int_range (rand, 0, 256);
          if (k == 0 && round % 2 == 0)
            {
              /* one byte of a record's caplen or len field, where it hurts most */
              guint rec = 24;

              while (rec + 16 < f->len && g_rand_boolean (rand))
                {
                  guint32 caplen;

                  memcpy (&caplen, f->data + rec + 8, 4);
                  if (fmt->swapped)
                    caplen = GUINT32_SWAP_LE_BE (caplen);
                  if (caplen > 2000)
                    break;
                  rec += 16 + caplen;
                }
              if (rec + 16 < f->len)
                f->data[rec + 8 + g_rand_int_range (rand, 0, 8)] = (guint8) g_rand_int_range (rand, 0, 256);
            }
        }
      check_same (f, 1);
    }
}

static void
test_many_blocks (void)
{
  /* more data than the reader's blocks hold at once (they come back from the workers),
   * records across block boundaries, with two workers */
  const Format fmt = { FALSE, FALSE };
  g_autoptr(GByteArray) f = file_new (&fmt, 4, 65535);

  for (guint i = 0; i < 26000; i++)
    {
      gsize len = 128 + (i * 131) % 1387;
      g_autofree guint8 *frame = make_frame (i, i % 200, len);

      add_record (f, &fmt, 1700000000 + i / 100, (i % 100) * 10000, (guint32) len,
                  (guint32) len, frame, len);
    }
  g_assert_cmpuint (f->len, >, 20 * 1024 * 1024);
  g_assert_cmpuint (check_same (f, 2), ==, 26000);
}

static void
test_old_versions (void)
{
  /* versions before 2.4 (swapped length fields) stay with libpcap: the same either way */
  for (guint16 minor = 2; minor <= 3; minor++)
    {
      const Format fmt = { FALSE, FALSE };
      g_autoptr(GByteArray) f = file_new (&fmt, minor, 65535);
      g_autofree guint8 *frame = make_frame (0, 1, 128);

      add_record (f, &fmt, 1, 0, 128, 120, frame, 128);
      add_record (f, &fmt, 2, 0, 120, 128, frame, 128);
      check_same (f, 1);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/file-reader/formats", test_formats);
  g_test_add_func ("/file-reader/timestamps", test_timestamps);
  g_test_add_func ("/file-reader/snaplen", test_snaplen);
  g_test_add_func ("/file-reader/truncated", test_truncated);
  g_test_add_func ("/file-reader/garbled", test_garbled);
  g_test_add_func ("/file-reader/many-blocks", test_many_blocks);
  g_test_add_func ("/file-reader/old-versions", test_old_versions);
  return g_test_run ();
}
