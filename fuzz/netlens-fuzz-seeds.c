/* netlens-fuzz-seeds.c: seed inputs for every fuzz target, cut from real captures
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * netlens-fuzz-seeds CORPUS_DIR OUT_DIR [STAMP]
 *
 * Reads every file in CORPUS_DIR/captures (../shared/corpus) and writes OUT_DIR/<target>/<sha1>: whole
 * captures (pcap), single frames with their link-type byte (decode), per-flow segment
 * chunks (dpi-tls, dpi-ssh, dpi-inspect), byte streams (dpi-http), DNS messages (dpi-dns),
 * QUIC datagrams (quic-initial) and their decrypted payloads (quic-frames), helper streams
 * made with the wire writer (wire), history databases written by the store (history) and the
 * binary form of every row's DPI results (dpi-binary).
 * Names are content hashes, so a seed found twice is written once.
 */

#define G_LOG_DOMAIN "netlens-fuzz"

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <pcap/pcap.h>

#include "netlens-conn-table.h"
#include "netlens-dpi-private.h"
#include "netlens-file-source.h"
#include "netlens-fuzz.h"
#include "netlens-history.h"
#include "netlens-wire.h"

static const char *const targets[] = {
  "decode", "dpi-http", "dpi-tls", "dpi-dns", "dpi-ssh", "dpi-inspect", "quic-frames",
  "quic-initial", "wire", "query", "pcap", "history", "dpi-binary",
};

static const char *out_dir;
static guint n_written;

static void
write_seed (const char   *target,
            const guint8 *data,
            gsize         len)
{
  g_autofree char *sum = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;

  if (len == 0)
    return;
  sum = g_compute_checksum_for_data (G_CHECKSUM_SHA1, data, len);
  path = g_build_filename (out_dir, target, sum, NULL);
  if (g_file_test (path, G_FILE_TEST_EXISTS))
    return;
  if (!g_file_set_contents (path, (const char *) data, (gssize) len, &error))
    g_error ("%s", error->message);
  n_written++;
}

static void
put_chunk (GByteArray   *out,
           guint8        flags,
           const guint8 *data,
           gsize         len)
{
  guint8 hdr[3];

  len = MIN (len, (gsize) 65535);
  hdr[0] = flags;
  hdr[1] = (guint8) (len >> 8);
  hdr[2] = (guint8) len;
  g_byte_array_append (out, hdr, 3);
  g_byte_array_append (out, data, (guint) len);
}

typedef struct
{
  NetlensFlowKey key;         /* as the first packet had it: local = its sender */
  guint          n_chunks;
  GByteArray    *chunks;      /* dpi-inspect/tls/ssh: segments */
  GByteArray    *streams[2];  /* dpi-http: each direction's bytes */
  GByteArray    *datagrams;   /* quic-initial */
  GByteArray    *frames;      /* quic-frames */
  gboolean       quic_keys;
  NetlensQuicKeys keys[2];    /* client, server */
} Flow;

static void
flow_free (gpointer data)
{
  Flow *flow = data;

  g_byte_array_unref (flow->chunks);
  g_byte_array_unref (flow->streams[0]);
  g_byte_array_unref (flow->streams[1]);
  g_byte_array_unref (flow->datagrams);
  g_byte_array_unref (flow->frames);
  g_free (flow);
}

static guint
key_hash (gconstpointer k)
{
  return netlens_flow_key_hash_symmetric (k);
}

static void
canonical (const NetlensFlowKey *key,
           NetlensFlowKey       *out)
{
  NetlensFlowKey rev;

  netlens_flow_key_reverse (key, &rev);
  *out = memcmp (key, &rev, sizeof rev) <= 0 ? *key : rev;
}

static gboolean
key_equal (gconstpointer a,
           gconstpointer b)
{
  NetlensFlowKey ca, cb;

  canonical (a, &ca);
  canonical (b, &cb);
  return memcmp (&ca, &cb, sizeof ca) == 0;
}

static gboolean
is_port (const NetlensFlowKey *key, guint16 port)
{
  return key->lport == port || key->rport == port;
}

static void
quic_decrypt (Flow         *flow,
              gboolean      from_client,
              const guint8 *data,
              gsize         len)
{
  gsize pos = 0;

  while (pos < len)
    {
      NetlensQuicLongHeader hdr;
      g_autofree guint8 *plain = NULL;
      gsize plain_len = 0;

      if (!_netlens_quic_parse_long_header (data + pos, len - pos, &hdr)
          || !_netlens_quic_version_supported (hdr.version) || hdr.packet_len == 0)
        return;
      if (hdr.type == 0)
        {
          if (!flow->quic_keys && from_client)
            flow->quic_keys = _netlens_quic_derive_initial_keys (hdr.version, hdr.dcid,
                                                                  hdr.dcid_len, &flow->keys[0],
                                                                  &flow->keys[1]);
          if (flow->quic_keys)
            plain = _netlens_quic_decrypt_initial (&flow->keys[from_client ? 0 : 1], data + pos,
                                                   &hdr, &plain_len, NULL);
          if (plain != NULL && flow->frames->len < 65536)
            put_chunk (flow->frames, from_client ? 1 : 0, plain, plain_len);
        }
      pos += hdr.packet_len;
    }
}

static void
add_packet (GHashTable          *flows,
            const NetlensPacket *pkt)
{
  NetlensFlowKey key;
  Flow *flow;
  gboolean from_first;

  netlens_flow_key_from_packet (pkt, &key);
  flow = g_hash_table_lookup (flows, &key);
  if (flow == NULL)
    {
      if (g_hash_table_size (flows) >= 256)
        return;
      flow = g_new0 (Flow, 1);
      flow->key = key;
      flow->chunks = g_byte_array_new ();
      flow->streams[0] = g_byte_array_new ();
      flow->streams[1] = g_byte_array_new ();
      flow->datagrams = g_byte_array_new ();
      flow->frames = g_byte_array_new ();
      g_hash_table_insert (flows, &flow->key, flow);
    }
  from_first = memcmp (&key, &flow->key, sizeof key) == 0;
  if (flow->n_chunks >= 48 || flow->chunks->len > 60000)
    return;
  if (pkt->proto == NETLENS_PROTO_TCP)
    {
      guint8 flags = from_first ? 1 : 0;

      if (pkt->tcp_flags & NETLENS_TCP_SYN)
        flags |= 3 << 1;
      if (pkt->payload_len == 0 && !(pkt->tcp_flags & NETLENS_TCP_SYN))
        return;
      put_chunk (flow->chunks, flags, pkt->payload, pkt->payload_len);
      if (flow->streams[from_first ? 0 : 1]->len < 32768)
        g_byte_array_append (flow->streams[from_first ? 0 : 1], pkt->payload, pkt->payload_len);
    }
  else
    {
      put_chunk (flow->chunks, from_first ? 1 : 0, pkt->payload, pkt->payload_len);
      if (_netlens_quic_detect (pkt->payload, pkt->payload_len) || flow->quic_keys)
        {
          put_chunk (flow->datagrams, from_first ? 1 : 0, pkt->payload, pkt->payload_len);
          quic_decrypt (flow, from_first, pkt->payload, pkt->payload_len);
        }
      if ((is_port (&key, 53) || is_port (&key, 5353) || is_port (&key, 5355)))
        write_seed ("dpi-dns", pkt->payload, pkt->payload_len);
    }
  flow->n_chunks++;
}

static void
write_flow (Flow *flow)
{
  const NetlensFlowKey *k = &flow->key;
  gboolean tcp = k->proto == NETLENS_PROTO_TCP;

  if (flow->chunks->len == 0)
    return;
  {
    g_autoptr(GByteArray) inspect = g_byte_array_new ();
    guint8 hdr[5] = { tcp ? 0 : 1, k->lport >> 8, k->lport, k->rport >> 8, k->rport };

    g_byte_array_append (inspect, hdr, 5);
    g_byte_array_append (inspect, flow->chunks->data, flow->chunks->len);
    write_seed ("dpi-inspect", inspect->data, inspect->len);
  }
  if (tcp)
    {
      const guint8 *c = flow->streams[0]->data, *s = flow->streams[1]->data;
      gsize cl = flow->streams[0]->len, sl = flow->streams[1]->len;
      gboolean tls = (cl > 0 && c[0] == 0x16) || (sl > 0 && s[0] == 0x16);
      gboolean ssh = (cl >= 4 && memcmp (c, "SSH-", 4) == 0) || (sl >= 4 && memcmp (s, "SSH-", 4) == 0);
      gboolean http = (cl > 0 && _netlens_http_is_request_start (c, cl))
                      || (sl > 0 && _netlens_http_is_response_start (s, sl));

      if (tls)
        write_seed ("dpi-tls", flow->chunks->data, flow->chunks->len);
      if (ssh)
        write_seed ("dpi-ssh", flow->chunks->data, flow->chunks->len);
      if (http)
        {
          write_seed ("dpi-http", c, cl);
          write_seed ("dpi-http", s, sl);
        }
      if (is_port (k, 53) && cl > 2)
        write_seed ("dpi-dns", c + 2, MIN (cl - 2, ((gsize) c[0] << 8) | c[1]));
    }
  write_seed ("quic-initial", flow->datagrams->data, flow->datagrams->len);
  write_seed ("quic-frames", flow->frames->data, flow->frames->len);
}

static void
write_wire (int           dlt,
            GPtrArray    *frames,
            GArray       *lengths)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();
  NetlensWireHello hello = { 0 };
  NetlensWireStats stats = { 0 };
  NetlensWireOwner owner = { 0 };
  NetlensWireAddress addr = { 4, 24, { 192, 0, 2, 1 } };
  guint8 step = 0x3f;  /* first byte of a wire seed: bytes fed at a time - 1 */

  hello.magic = NETLENS_WIRE_MAGIC;
  hello.version = NETLENS_WIRE_VERSION;
  hello.link_type = dlt;
  hello.snaplen = 262144;
  hello.probes = NETLENS_WIRE_PROBE_CONNECT4 | NETLENS_WIRE_PROBE_PROC_SCAN;
  hello.interface = (char *) "eth0";
  g_byte_array_append (out, &step, 1);
  netlens_wire_write_hello (out, &hello);
  netlens_wire_write_addresses (out, &addr, 1);
  owner.ip_proto = 6;
  owner.family = 4;
  owner.local_port = 40000;
  owner.remote_port = 443;
  owner.pid = 4242;
  owner.comm = (char *) "curl";
  owner.cmdline = (char *) "curl https://example.org/";
  owner.exe = (char *) "/usr/bin/curl";
  owner.cgroup = (char *) "/user.slice/app-org.gnome.Terminal.slice/vte-spawn.scope";
  netlens_wire_write_owner (out, &owner);
  for (guint i = 0; i < frames->len && i < 16; i++)
    netlens_wire_write_packet (out, 1700000000000000 + i, g_array_index (lengths, guint32, i),
                               g_array_index (lengths, guint32, i),
                               g_ptr_array_index (frames, i));
  stats.received = frames->len;
  stats.dropped = 1;
  netlens_wire_write_stats (out, &stats);
  netlens_wire_write_error (out, NETLENS_WIRE_ERROR_INTERFACE, "The interface went away",
                            "eth0 no longer exists.");
  write_seed ("wire", out->data, out->len);
}

static void
read_capture (const char *path)
{
  char errbuf[PCAP_ERRBUF_SIZE];
  pcap_t *p;
  struct pcap_pkthdr *h;
  const u_char *bytes;
  int dlt, sel = -1, r;
  guint n = 0, n_decode = 0;
  g_autoptr(GHashTable) flows = g_hash_table_new_full (key_hash, key_equal, NULL, flow_free);
  g_autoptr(GPtrArray) frames = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) lengths = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autofree char *contents = NULL;
  gsize size = 0;

  if (g_file_get_contents (path, &contents, &size, NULL))
    write_seed ("pcap", (const guint8 *) contents, MIN (size, (gsize) 128 * 1024));

  p = pcap_open_offline (path, errbuf);
  if (p == NULL)
    return;
  dlt = pcap_datalink (p);
  for (int i = 0; i < NETLENS_FUZZ_N_LINK_TYPES; i++)
    if (netlens_fuzz_link_type ((guint8) i) == dlt)
      sel = i;
  while ((r = pcap_next_ex (p, &h, &bytes)) == 1 && n++ < 5000)
    {
      NetlensPacket pkt;

      if (sel < 0)
        break;
      if (n_decode < 24 && h->caplen < 4096)
        {
          g_autofree guint8 *seed = g_malloc (h->caplen + 1);

          seed[0] = (guint8) sel;
          memcpy (seed + 1, bytes, h->caplen);
          write_seed ("decode", seed, h->caplen + 1);
          n_decode++;
        }
      if (frames->len < 16 && h->caplen < 4096)
        {
          g_ptr_array_add (frames, g_memdup2 (bytes, h->caplen));
          g_array_append_val (lengths, h->caplen);
        }
      memset (&pkt, 0, sizeof pkt);
      if (netlens_decode_packet (dlt, bytes, h->caplen, h->len, 0, &pkt) != NETLENS_DECODE_OK)
        continue;
      if ((pkt.proto == NETLENS_PROTO_TCP || pkt.proto == NETLENS_PROTO_UDP)
          && !pkt.ports_unknown)
        add_packet (flows, &pkt);
    }
  pcap_close (p);
  if (sel >= 0)
    {
      GHashTableIter iter;
      gpointer flow;

      write_wire (dlt, frames, lengths);
      g_hash_table_iter_init (&iter, flows);
      while (g_hash_table_iter_next (&iter, NULL, &flow))
        write_flow (flow);
    }
}

/* A history database as the store writes it, from one capture read through the pipeline. */
static void
write_history (const char *capture,
               const char *tmpdir)
{
  g_autofree char *db = g_build_filename (tmpdir, "seed.sqlite", NULL);
  g_autoptr(GError) error = NULL;
  NetlensPipelineConfig config;
  NetlensPipeline *pipeline;
  NetlensHistory *history;
  NetlensFileInfo info = { 0 };
  g_autofree char *contents = NULL;
  gsize size = 0;

  history = netlens_history_open (db, &error);
  if (history == NULL)
    g_error ("%s", error->message);
  netlens_pipeline_config_init (&config);
  config.n_workers = 1;
  config.dpi = TRUE;
  pipeline = netlens_pipeline_new (&config);
  netlens_pipeline_set_row_sink (pipeline, netlens_history_row_sink, history);
  netlens_file_source_read (pipeline, capture, &info, NULL, NULL, NULL, NULL);
  netlens_pipeline_finish (pipeline);
  netlens_pipeline_free (pipeline);
  netlens_file_info_clear (&info);
  netlens_history_flush (history);
  netlens_history_close (history);
  if (g_file_get_contents (db, &contents, &size, NULL) && size <= 512 * 1024)
    write_seed ("history", (const guint8 *) contents, size);
  g_unlink (db);
}

static void
dpi_binary_sink (NetlensConnection *conn,
                 gpointer           data)
{
  g_autoptr(GByteArray) binary = g_byte_array_new ();

  netlens_dpi_write_binary (conn->dpi, binary);
  if (binary->data[1] != 0)  /* some results */
    write_seed ("dpi-binary", binary->data, binary->len);
  netlens_connection_free (conn);  /* the sink owns the snapshot */
}

/* The binary DPI results of every row of one capture. */
static void
write_dpi_binary (const char *capture)
{
  NetlensPipelineConfig config;
  NetlensPipeline *pipeline;
  NetlensFileInfo info = { 0 };

  netlens_pipeline_config_init (&config);
  config.n_workers = 1;
  config.dpi = TRUE;
  pipeline = netlens_pipeline_new (&config);
  netlens_pipeline_set_row_sink (pipeline, dpi_binary_sink, NULL);
  netlens_file_source_read (pipeline, capture, &info, NULL, NULL, NULL, NULL);
  netlens_pipeline_finish (pipeline);
  netlens_pipeline_free (pipeline);
  netlens_file_info_clear (&info);
}

static int
compare_paths (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(char *const *) a, *(char *const *) b);
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *captures = NULL;
  g_autofree char *tmpdir = NULL;
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;
  guint n_history = 0;

  if (argc < 3)
    {
      g_printerr ("usage: %s CORPUS_DIR OUT_DIR [STAMP]\n", argv[0]);
      return 1;
    }
  out_dir = argv[2];
  for (guint i = 0; i < G_N_ELEMENTS (targets); i++)
    {
      g_autofree char *d = g_build_filename (out_dir, targets[i], NULL);

      if (g_mkdir_with_parents (d, 0755) != 0)
        g_error ("cannot create %s", d);
    }

  captures = g_build_filename (argv[1], "captures", NULL);
  dir = g_dir_open (captures, 0, NULL);
  if (dir == NULL)
    g_printerr ("netlens-fuzz-seeds: no corpus at %s: only the committed seeds\n", captures);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_build_filename (captures, name, NULL));
  g_ptr_array_sort (names, compare_paths);

  tmpdir = g_dir_make_tmp ("netlens-fuzz-seeds-XXXXXX", NULL);
  for (guint i = 0; i < names->len; i++)
    {
      const char *path = g_ptr_array_index (names, i);
      GStatBuf st;

      read_capture (path);
      write_dpi_binary (path);
      if (n_history < 4 && g_stat (path, &st) == 0 && st.st_size < 20000)
        {
          write_history (path, tmpdir);
          n_history++;
        }
    }
  g_rmdir (tmpdir);

  if (argc > 3)
    {
      g_autofree char *text = g_strdup_printf ("%u seeds from %u captures\n", n_written,
                                               names->len);

      g_file_set_contents (argv[3], text, -1, NULL);
    }
  g_print ("netlens-fuzz-seeds: %u seeds from %u captures in %s\n", n_written, names->len,
           out_dir);
  return 0;
}
