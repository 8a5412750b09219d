/* test-dpi-tcp.c: TCP dissectors through netlens_dpi_inspect (HTTP, TLS, SSH, DNS over TCP)
 * with split, retransmitted, out-of-order and overlapping segments
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "dpi-test-util.h"

typedef struct
{
  NetlensConnection conn;
  guint32           seq[2];   /* next sequence number per direction: [0] local, [1] remote */
} Flow;

static void
flow_init (Flow *f, guint16 lport, guint16 rport)
{
  memset (f, 0, sizeof *f);
  f->conn.key.proto = NETLENS_PROTO_TCP;
  f->conn.key.family = NETLENS_FAMILY_IPV4;
  f->conn.key.lport = lport;
  f->conn.key.rport = rport;
  f->seq[0] = 1000;
  f->seq[1] = 50000;
}

static void
flow_clear (Flow *f)
{
  g_clear_pointer (&f->conn.dpi, netlens_dpi_free);
}

/* Sends bytes at an explicit sequence number (relative to the direction's start). */
static gboolean
send_at (Flow *f, gboolean from_local, guint32 rel, const void *data, gsize len, guint8 flags)
{
  NetlensPacket pkt = { 0, };

  pkt.proto = NETLENS_PROTO_TCP;
  pkt.family = NETLENS_FAMILY_IPV4;
  pkt.tcp_flags = flags;
  pkt.tcp_seq = f->seq[from_local ? 0 : 1] + rel;
  pkt.sport = from_local ? f->conn.key.lport : f->conn.key.rport;
  pkt.dport = from_local ? f->conn.key.rport : f->conn.key.lport;
  pkt.payload = data;
  pkt.payload_len = len;
  pkt.payload_wire_len = len;
  return netlens_dpi_inspect (&f->conn, &pkt, from_local, NULL);
}

static void
handshake (Flow *f)
{
  send_at (f, TRUE, 0, NULL, 0, NETLENS_TCP_SYN);
  send_at (f, FALSE, 0, NULL, 0, NETLENS_TCP_SYN | NETLENS_TCP_ACK);
}

static void
test_http_segments (void)
{
  static const char req[] =
    "GET /index.html HTTP/1.1\r\nHost: www.example.org\r\nUser-Agent: test/1.0\r\n"
    "Content-Length: 5\r\n\r\nhello"
    "POST /form HTTP/1.1\r\nHost: api.example.org\r\n\r\n";
  static const char resp[] = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
  Flow f;
  gsize n = strlen (req);

  flow_init (&f, 40000, 80);
  handshake (&f);
  /* Three segments, the last one first, the middle one retransmitted with a change. */
  send_at (&f, TRUE, 1 + 40, req + 40, n - 40, NETLENS_TCP_ACK);
  g_assert_null (netlens_dpi_get_http_host (f.conn.dpi));
  send_at (&f, TRUE, 1, req, 20, NETLENS_TCP_ACK);
  send_at (&f, TRUE, 1 + 20, req + 20, 20, NETLENS_TCP_ACK);
  send_at (&f, TRUE, 1 + 10, "XXXXXXXXXXXXXXXXXXXX", 20, NETLENS_TCP_ACK);  /* stale overlap */
  send_at (&f, FALSE, 1, resp, strlen (resp), NETLENS_TCP_ACK);

  g_assert_cmpint (f.conn.app, ==, NETLENS_APP_HTTP);
  g_assert_cmpstr (netlens_dpi_get_http_host (f.conn.dpi), ==, "www.example.org");
  g_assert_cmpuint (f.conn.dpi->http->requests, ==, 2);
  g_assert_cmpuint (f.conn.dpi->http->methods->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (f.conn.dpi->http->methods, 1), ==, "POST");
  g_assert_cmpstr (g_ptr_array_index (f.conn.dpi->http->hosts, 1), ==, "api.example.org");
  g_assert_cmpstr (f.conn.dpi->http->path, ==, "/index.html");
  g_assert_cmpstr (f.conn.dpi->http->user_agent, ==, "test/1.0");
  g_assert_cmpuint (f.conn.dpi->http->status, ==, 404);
  flow_clear (&f);
}

static void
test_http_truncated (void)
{
  static const char req[] = "GET / HTTP/1.0\r\nHost: a.example\r\n\r\n";

  for (gsize n = 0; n < strlen (req); n++)
    {
      Flow f;

      flow_init (&f, 40000, 80);
      handshake (&f);
      send_at (&f, TRUE, 1, req, n, NETLENS_TCP_ACK);
      g_assert_null (netlens_dpi_get_http_host (f.conn.dpi));
      flow_clear (&f);
    }
}

static GByteArray *
tls_record (const GByteArray *handshake, gsize from, gsize len)
{
  GByteArray *rec = g_byte_array_new ();

  put8 (rec, 22);
  put16 (rec, 0x0301);
  put16 (rec, len);
  g_byte_array_append (rec, handshake->data + from, len);
  return rec;
}

static void
test_tls_split (void)
{
  const char *alpn[] = { "h2", "http/1.1", NULL };
  /* A big ClientHello (like a post-quantum key share) in one record over many segments */
  g_autoptr(GByteArray) ch = build_client_hello ("split.example.net", alpn, -1, 1400);
  g_autoptr(GByteArray) rec = tls_record (ch, 0, ch->len);
  Flow f;
  gsize seg = 300;
  guint order[16];
  guint n_segs = (rec->len + seg - 1) / seg;

  g_assert_cmpuint (n_segs, <=, G_N_ELEMENTS (order));
  flow_init (&f, 50000, 443);
  handshake (&f);
  /* A bare handshake allocates nothing: the row keeps the ISNs until the first payload. */
  g_assert_null (f.conn.dpi);
  g_assert_cmpuint (f.conn.dpi_flags & (NETLENS_CONN_DPI_SYN_LOCAL | NETLENS_CONN_DPI_SYN_REMOTE
                                        | NETLENS_CONN_DPI_CLIENT_LOCAL), ==,
                    NETLENS_CONN_DPI_SYN_LOCAL | NETLENS_CONN_DPI_SYN_REMOTE
                    | NETLENS_CONN_DPI_CLIENT_LOCAL);
  /* Out of order: odd segments first, then even ones, each even one twice. */
  for (guint i = 1; i < n_segs; i += 2)
    send_at (&f, TRUE, 1 + i * seg, rec->data + i * seg, MIN (seg, rec->len - i * seg),
             NETLENS_TCP_ACK);
  g_assert_null (netlens_dpi_get_sni (f.conn.dpi));
  for (guint i = 0; i < n_segs; i += 2)
    for (int k = 0; k < 2; k++)
      send_at (&f, TRUE, 1 + i * seg, rec->data + i * seg, MIN (seg, rec->len - i * seg),
               NETLENS_TCP_ACK);

  g_assert_cmpint (f.conn.app, ==, NETLENS_APP_TLS);
  g_assert_cmpstr (netlens_dpi_get_sni (f.conn.dpi), ==, "split.example.net");
  g_assert_cmpuint (f.conn.dpi->tls->alpn->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (f.conn.dpi->tls->alpn, 1), ==, "http/1.1");
  g_assert_true (f.conn.dpi->tls->tls13_offered);
  g_assert_cmpuint (f.conn.dpi->tls->client_hellos, ==, 1);
  flow_clear (&f);
}

/* A ClientHello split over two TLS records, and a ServerHello with ALPN. */
static void
test_tls_records_and_server_hello (void)
{
  g_autoptr(GByteArray) ch = build_client_hello ("two.records", NULL, -1, 0);
  g_autoptr(GByteArray) r1 = tls_record (ch, 0, 30);
  g_autoptr(GByteArray) r2 = tls_record (ch, 30, ch->len - 30);
  g_autoptr(GByteArray) sh = g_byte_array_new ();
  g_autoptr(GByteArray) shmsg = g_byte_array_new ();
  g_autoptr(GByteArray) shrec = NULL;
  guint8 random[32] = { 1, };
  Flow f;

  put16 (sh, 0x0303);
  g_byte_array_append (sh, random, 32);
  put8 (sh, 0);
  put16 (sh, 0xc02f);
  put8 (sh, 0);
  put16 (sh, 9);                                  /* extensions */
  put16 (sh, 0x0010); put16 (sh, 5); put16 (sh, 3); put8 (sh, 2);
  g_byte_array_append (sh, (const guint8 *) "h2", 2);
  put8 (shmsg, 2);
  put24 (shmsg, sh->len);
  g_byte_array_append (shmsg, sh->data, sh->len);
  shrec = tls_record (shmsg, 0, shmsg->len);

  flow_init (&f, 50001, 443);
  handshake (&f);
  send_at (&f, TRUE, 1, r1->data, r1->len, NETLENS_TCP_ACK);
  send_at (&f, TRUE, 1 + r1->len, r2->data, r2->len, NETLENS_TCP_ACK);
  send_at (&f, FALSE, 1, shrec->data, shrec->len, NETLENS_TCP_ACK);
  g_assert_cmpstr (netlens_dpi_get_sni (f.conn.dpi), ==, "two.records");
  g_assert_cmpuint (f.conn.dpi->tls->server_hellos, ==, 1);
  g_assert_cmpuint (f.conn.dpi->tls->cipher_suite, ==, 0xc02f);
  g_assert_cmpstr (g_ptr_array_index (f.conn.dpi->tls->alpn_selected, 0), ==, "h2");
  /* Both directions are complete: the work state is gone. */
  g_assert_null (f.conn.dpi->dirs[0]);
  g_assert_null (f.conn.dpi->dirs[1]);
  flow_clear (&f);
}

static void
test_tls_truncated (void)
{
  g_autoptr(GByteArray) ch = build_client_hello ("t.example", NULL, -1, 0);
  g_autoptr(GByteArray) rec = tls_record (ch, 0, ch->len);

  for (gsize n = 0; n < rec->len; n++)
    {
      Flow f;

      flow_init (&f, 50002, 443);
      handshake (&f);
      send_at (&f, TRUE, 1, rec->data, n, NETLENS_TCP_ACK);
      g_assert_null (netlens_dpi_get_sni (f.conn.dpi));
      flow_clear (&f);
    }
  /* Body truncated inside the hello but the record length says it is complete. */
  for (gsize n = 0; n < ch->len; n++)
    {
      NetlensTlsInfo *info = _netlens_tls_info_new ();

      _netlens_tls_parse_client_hello (info, ch->data + 4, n);
      _netlens_tls_info_free (info);
    }
}

static GByteArray *
ssh_packet (guint8 code, const GByteArray *payload)
{
  GByteArray *p = g_byte_array_new ();
  guint pad = 4;
  guint plen = 1 + 1 + (payload ? payload->len : 0) + pad;

  put16 (p, plen >> 16);
  put16 (p, plen & 0xffff);
  put8 (p, pad);
  put8 (p, code);
  if (payload)
    g_byte_array_append (p, payload->data, payload->len);
  for (guint i = 0; i < pad; i++)
    put8 (p, 0);
  return p;
}

static GByteArray *
kexinit_payload (const char *kex)
{
  GByteArray *p = g_byte_array_new ();
  const char *lists[10] = { kex, "ssh-ed25519", "aes128-ctr", "aes128-ctr", "hmac-sha2-256",
                            "hmac-sha2-256", "none", "none", "", "" };

  for (int i = 0; i < 16; i++)
    put8 (p, i);
  for (int i = 0; i < 10; i++)
    {
      put16 (p, 0);
      put16 (p, strlen (lists[i]));
      g_byte_array_append (p, (const guint8 *) lists[i], strlen (lists[i]));
    }
  put8 (p, 0);
  put16 (p, 0);
  put16 (p, 0);
  return p;
}

static void
test_ssh_states (void)
{
  static const char cbanner[] = "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n";
  static const char sbanner[] = "SSH-2.0-dropbear_2022.83\r\n";
  g_autoptr(GByteArray) ckex = kexinit_payload ("curve25519-sha256,ext-info-c");
  g_autoptr(GByteArray) skex = kexinit_payload ("curve25519-sha256");
  g_autoptr(GByteArray) cki = ssh_packet (20, ckex);
  g_autoptr(GByteArray) ski = ssh_packet (20, skex);
  g_autoptr(GByteArray) nk = ssh_packet (21, NULL);
  guint32 c = 1, s = 1;
  Flow f;

  flow_init (&f, 40022, 22);
  handshake (&f);
  send_at (&f, FALSE, s, sbanner, strlen (sbanner), NETLENS_TCP_ACK); s += strlen (sbanner);
  g_assert_cmpint (f.conn.app, ==, NETLENS_APP_SSH);
  g_assert_cmpint (f.conn.app_state, ==, NETLENS_APP_STATE_BANNER);
  /* The client's banner and KEXINIT in one segment, split in the middle of the banner. */
  {
    g_autoptr(GByteArray) both = g_byte_array_new ();

    g_byte_array_append (both, (const guint8 *) cbanner, strlen (cbanner));
    g_byte_array_append (both, cki->data, cki->len);
    send_at (&f, TRUE, c, both->data, 10, NETLENS_TCP_ACK);
    send_at (&f, TRUE, c + 10, both->data + 10, both->len - 10, NETLENS_TCP_ACK);
    c += both->len;
  }
  g_assert_cmpint (f.conn.app_state, ==, NETLENS_APP_STATE_KEYEXCHANGE);
  send_at (&f, FALSE, s, ski->data, ski->len, NETLENS_TCP_ACK); s += ski->len;
  send_at (&f, FALSE, s, nk->data, nk->len, NETLENS_TCP_ACK); s += nk->len;
  g_assert_cmpint (f.conn.app_state, ==, NETLENS_APP_STATE_KEYEXCHANGE);
  send_at (&f, TRUE, c, nk->data, nk->len, NETLENS_TCP_ACK); c += nk->len;
  g_assert_cmpint (f.conn.app_state, ==, NETLENS_APP_STATE_AUTHENTICATION);

  g_assert_cmpstr (f.conn.dpi->ssh->client.version, ==, "SSH-2.0-OpenSSH_9.2p1 Debian-2");
  g_assert_cmpstr (netlens_dpi_get_ssh_software (f.conn.dpi), ==, "dropbear_2022.83");
  g_assert_cmpstr (f.conn.dpi->ssh->client.lists[NETLENS_SSH_KEX][1], ==, "ext-info-c");
  g_assert_null (f.conn.dpi->ssh->client.lists[NETLENS_SSH_KEX][2]);
  g_assert_null (f.conn.dpi->ssh->client.lists[NETLENS_SSH_LANG_C2S][0]);
  g_assert_true (f.conn.dpi->ssh->server.newkeys && f.conn.dpi->ssh->client.newkeys);

  /* Encrypted exchanges: retransmissions do not count, four new segments each way do. */
  for (int i = 0; i < 4; i++)
    {
      guint8 junk[48] = { i, };

      send_at (&f, TRUE, c, junk, sizeof junk, NETLENS_TCP_ACK);
      send_at (&f, TRUE, c, junk, sizeof junk, NETLENS_TCP_ACK);
      c += sizeof junk;
      g_assert_cmpint (f.conn.app_state, ==, NETLENS_APP_STATE_AUTHENTICATION);
      send_at (&f, FALSE, s, junk, sizeof junk, NETLENS_TCP_ACK);
      s += sizeof junk;
    }
  g_assert_cmpint (f.conn.app_state, ==, NETLENS_APP_STATE_ESTABLISHED);
  flow_clear (&f);
}

static void
test_ssh_bad_kexinit (void)
{
  g_autoptr(GByteArray) kex = kexinit_payload ("a,,b");
  NetlensSshSide side = { 0, };

  /* Empty names are skipped; every truncation fails cleanly. */
  g_assert_true (_netlens_ssh_parse_kexinit (&side, kex->data, kex->len));
  g_assert_cmpstr (side.lists[0][0], ==, "a");
  g_assert_cmpstr (side.lists[0][1], ==, "b");
  for (gsize n = 0; n < kex->len - 4; n++)
    {
      NetlensSshSide s2 = { 0, };

      g_assert_false (_netlens_ssh_parse_kexinit (&s2, kex->data, n));
      g_assert_null (s2.lists[0]);
    }
  for (int i = 0; i < NETLENS_SSH_N_LISTS; i++)
    _netlens_ssh_list_free (side.lists[i]);
}

static void
test_dns_tcp (void)
{
  /* query: id 0x1234, www.example.com A; response with one A answer (compressed name) */
  g_autoptr(GByteArray) q = hex_bytes ("0021" "123401000001000000000000"
                                       "03777777076578616d706c6503636f6d0000010001");
  g_autoptr(GByteArray) r = hex_bytes ("0031" "123481800001000100000000"
                                       "03777777076578616d706c6503636f6d0000010001"
                                       "c00c000100010000003c0004c0000201");
  Flow f;

  flow_init (&f, 40053, 53);
  handshake (&f);
  send_at (&f, TRUE, 1, q->data, 5, NETLENS_TCP_ACK);
  send_at (&f, TRUE, 1 + 5, q->data + 5, q->len - 5, NETLENS_TCP_ACK);
  g_assert_cmpint (f.conn.app, ==, NETLENS_APP_DNS);
  g_assert_cmpint (f.conn.app_state, ==, NETLENS_APP_STATE_DNS_QUERY);
  send_at (&f, FALSE, 1, r->data, r->len, NETLENS_TCP_ACK);
  g_assert_cmpint (f.conn.app_state, ==, NETLENS_APP_STATE_DNS_RESPONSE);
  {
    NetlensDnsEntry *e = g_ptr_array_index (f.conn.dpi->dns, 0);

    g_assert_cmpuint (f.conn.dpi->dns->len, ==, 1);
    g_assert_cmpuint (e->id, ==, 0x1234);
    g_assert_cmpstr (e->name, ==, "www.example.com");
    g_assert_true (e->query && e->response);
    g_assert_cmpint (e->rcode, ==, 0);
    g_assert_cmpstr (g_ptr_array_index (e->answers, 0), ==, "192.0.2.1");
  }
  flow_clear (&f);
}

/* Nothing of ours: the direction is dropped after the first bytes. */
static void
test_unknown_stops (void)
{
  Flow f;
  guint8 junk[100];

  memset (junk, 0xab, sizeof junk);
  flow_init (&f, 40000, 9999);
  handshake (&f);
  send_at (&f, TRUE, 1, junk, sizeof junk, NETLENS_TCP_ACK);
  send_at (&f, FALSE, 1, junk, sizeof junk, NETLENS_TCP_ACK);
  g_assert_cmpint (f.conn.app, ==, NETLENS_APP_NONE);
  /* nothing learned: no record kept (memory), the row's flag says it is finished */
  g_assert_null (f.conn.dpi);
  g_assert_true (f.conn.dpi_flags & NETLENS_CONN_DPI_DONE);
  g_assert_false (send_at (&f, TRUE, 101, junk, sizeof junk, NETLENS_TCP_ACK));
  g_assert_null (f.conn.dpi);
  flow_clear (&f);
}

/* The client's bytes were not recognised and the row waits for its server: it holds no DPI
 * record (its state is in the row's flags), the client direction stays finished, and the
 * server's first bytes are still read. */
static void
test_unknown_client_then_server (void)
{
  Flow f;
  guint8 junk[100];
  static const char banner[] = "SSH-2.0-OpenSSH_9.2\r\n";

  memset (junk, 0xab, sizeof junk);
  flow_init (&f, 40000, 2222);
  handshake (&f);
  send_at (&f, TRUE, 1, junk, sizeof junk, NETLENS_TCP_ACK);
  g_assert_null (f.conn.dpi);
  g_assert_true (f.conn.dpi_flags & NETLENS_CONN_DPI_DIR_DONE_LOCAL);
  g_assert_false (f.conn.dpi_flags & NETLENS_CONN_DPI_DONE);
  /* the client's next bytes, even a banner, are not read again; an ACK costs nothing */
  g_assert_false (send_at (&f, TRUE, 101, banner, strlen (banner), NETLENS_TCP_ACK));
  g_assert_false (send_at (&f, FALSE, 1, NULL, 0, NETLENS_TCP_ACK));
  g_assert_null (f.conn.dpi);

  g_assert_true (send_at (&f, FALSE, 1, banner, strlen (banner), NETLENS_TCP_ACK));
  g_assert_cmpint (f.conn.app, ==, NETLENS_APP_SSH);
  g_assert_nonnull (f.conn.dpi);
  g_assert_false (f.conn.dpi_flags & NETLENS_CONN_DPI_DIR_DONE_LOCAL);
  g_assert_nonnull (f.conn.dpi->ssh);
  /* the local side is the client (its SYN): the remote software is the server's banner */
  g_assert_cmpstr (netlens_dpi_get_ssh_software (f.conn.dpi), ==, "OpenSSH_9.2");
  g_assert_null (f.conn.dpi->ssh->client.version);
  flow_clear (&f);
}

static void
test_reassembly_bounds (void)
{
  NetlensStream s = { 0, };
  guint8 data[4096];

  memset (data, 'x', sizeof data);
  g_assert_false (_netlens_stream_add (&s, 99, TRUE, NULL, 0));
  /* Far beyond the window: not kept. */
  g_assert_false (_netlens_stream_add (&s, 100 + (2u << 20), FALSE, data, 10));
  g_assert_cmpuint (s.n_pending, ==, 0);
  /* More out-of-order data than the pending cap: bounded. */
  for (guint i = 1; i <= 20; i++)
    _netlens_stream_add (&s, 100 + i * 4096, FALSE, data, sizeof data);
  g_assert_cmpuint (s.pending_bytes, <=, NETLENS_STREAM_PENDING_BYTES);
  /* In-order data beyond the cap overflows instead of growing. */
  for (guint i = 0; i < 10; i++)
    _netlens_stream_add (&s, 100 + i * 4096, FALSE, data, sizeof data);
  g_assert_true (s.overflow);
  g_assert_cmpuint (s.len, ==, NETLENS_STREAM_CAP);
  /* Sequence wrap-around. */
  _netlens_stream_clear (&s);
  g_assert_true (_netlens_stream_add (&s, 0xfffffff0u, FALSE, data, 32));
  g_assert_true (_netlens_stream_add (&s, 0x10u, FALSE, data, 32));
  g_assert_false (_netlens_stream_add (&s, 0x0u, FALSE, data, 16));
  g_assert_cmpuint (s.len, ==, 64);
  _netlens_stream_clear (&s);
}

/* Result-list strings are interned: one copy per text, counted, gone with the last
 * reference; texts with a length (not NUL-terminated) and the empty text too. */
static gpointer
intern_worker (gpointer data)
{
  for (guint i = 0; i < 20000; i++)
    {
      char *s = _netlens_strlist_intern ("h2", -1);
      char *t = _netlens_strlist_acquire (s);

      g_assert_cmpstr (t, ==, "h2");
      _netlens_strlist_release (s);
      _netlens_strlist_release (t);
    }
  return data;
}

static void
test_strlist_intern (void)
{
  char *a = _netlens_strlist_intern ("0x0303", -1);
  char *b = _netlens_strlist_intern ("0x0303xx", 6);
  char *e = _netlens_strlist_intern ("", 0);
  GPtrArray *list = NULL, *copy;
  GThread *threads[2];

  g_assert_true (a == b);
  g_assert_cmpstr (e, ==, "");
  g_assert_true (_netlens_strlist_add_unique (&list, "h2xyz", 2));
  g_assert_false (_netlens_strlist_add_unique (&list, "h2", -1));
  copy = _netlens_strlist_copy (list);
  g_assert_true (g_ptr_array_index (copy, 0) == g_ptr_array_index (list, 0));
  g_ptr_array_unref (list);
  g_assert_cmpstr (g_ptr_array_index (copy, 0), ==, "h2");
  g_ptr_array_unref (copy);
  _netlens_strlist_release (a);
  _netlens_strlist_release (b);
  _netlens_strlist_release (e);

  /* the same text taken and dropped to zero by two threads at once (run under ASan) */
  for (guint i = 0; i < 2; i++)
    threads[i] = g_thread_new ("intern", intern_worker, NULL);
  for (guint i = 0; i < 2; i++)
    g_thread_join (threads[i]);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/dpi/http/segments", test_http_segments);
  g_test_add_func ("/dpi/http/truncated", test_http_truncated);
  g_test_add_func ("/dpi/tls/split-out-of-order", test_tls_split);
  g_test_add_func ("/dpi/tls/records-and-server-hello", test_tls_records_and_server_hello);
  g_test_add_func ("/dpi/tls/truncated", test_tls_truncated);
  g_test_add_func ("/dpi/ssh/states", test_ssh_states);
  g_test_add_func ("/dpi/ssh/bad-kexinit", test_ssh_bad_kexinit);
  g_test_add_func ("/dpi/dns/tcp", test_dns_tcp);
  g_test_add_func ("/dpi/tcp/unknown-stops", test_unknown_stops);
  g_test_add_func ("/dpi/tcp/unknown-client-then-server", test_unknown_client_then_server);
  g_test_add_func ("/dpi/tcp/reassembly-bounds", test_reassembly_bounds);
  g_test_add_func ("/dpi/strlist/intern", test_strlist_intern);
  return g_test_run ();
}
