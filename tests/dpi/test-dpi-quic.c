/* test-dpi-quic.c: QUIC Initial keys, decryption and dissection (RFC 9001, RFC 9369)
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <nettle/aes.h>
#include <nettle/gcm.h>

#include "dpi-test-util.h"

#define DCID "8394c8f03e515708"

/* RFC 9001 Appendix A.2 / RFC 9369 Appendix A.2: the unprotected client Initial payload
 * (a CRYPTO frame with a ClientHello for example.com), followed by 917 bytes of PADDING. */
static const char client_payload_hex[] =
  "060040f1010000ed0303ebf8fa56f12939b9584a3896472ec40bb863cfd3e868"
  "04fe3a47f06a2b69484c00000413011302010000c000000010000e00000b6578"
  "616d706c652e636f6dff01000100000a00080006001d00170018001000070005"
  "04616c706e000500050100000000003300260024001d00209370b2c9caa47fba"
  "baf4559fedba753de171fa71f50f1ce15d43e994ec74d748002b000302030400"
  "0d0010000e0403050306030203080408050806002d00020101001c0002400100"
  "3900320408ffffffffffffffff05048000ffff07048000ffff08011001048000"
  "75300901100f088394c8f03e51570806048000ffff";

/* RFC 9001 Appendix A.2: the protected client Initial (1200 bytes). */
static const char v1_client_packet_hex[] =
  "c000000001088394c8f03e5157080000449e7b9aec34d1b1c98dd7689fb8ec11"
  "d242b123dc9bd8bab936b47d92ec356c0bab7df5976d27cd449f63300099f399"
  "1c260ec4c60d17b31f8429157bb35a1282a643a8d2262cad67500cadb8e7378c"
  "8eb7539ec4d4905fed1bee1fc8aafba17c750e2c7ace01e6005f80fcb7df6212"
  "30c83711b39343fa028cea7f7fb5ff89eac2308249a02252155e2347b63d58c5"
  "457afd84d05dfffdb20392844ae812154682e9cf012f9021a6f0be17ddd0c208"
  "4dce25ff9b06cde535d0f920a2db1bf362c23e596d11a4f5a6cf3948838a3aec"
  "4e15daf8500a6ef69ec4e3feb6b1d98e610ac8b7ec3faf6ad760b7bad1db4ba3"
  "485e8a94dc250ae3fdb41ed15fb6a8e5eba0fc3dd60bc8e30c5c4287e53805db"
  "059ae0648db2f64264ed5e39be2e20d82df566da8dd5998ccabdae053060ae6c"
  "7b4378e846d29f37ed7b4ea9ec5d82e7961b7f25a9323851f681d582363aa5f8"
  "9937f5a67258bf63ad6f1a0b1d96dbd4faddfcefc5266ba6611722395c906556"
  "be52afe3f565636ad1b17d508b73d8743eeb524be22b3dcbc2c7468d54119c74"
  "68449a13d8e3b95811a198f3491de3e7fe942b330407abf82a4ed7c1b311663a"
  "c69890f4157015853d91e923037c227a33cdd5ec281ca3f79c44546b9d90ca00"
  "f064c99e3dd97911d39fe9c5d0b23a229a234cb36186c4819e8b9c5927726632"
  "291d6a418211cc2962e20fe47feb3edf330f2c603a9d48c0fcb5699dbfe58964"
  "25c5bac4aee82e57a85aaf4e2513e4f05796b07ba2ee47d80506f8d2c25e50fd"
  "14de71e6c418559302f939b0e1abd576f279c4b2e0feb85c1f28ff18f58891ff"
  "ef132eef2fa09346aee33c28eb130ff28f5b766953334113211996d20011a198"
  "e3fc433f9f2541010ae17c1bf202580f6047472fb36857fe843b19f5984009dd"
  "c324044e847a4f4a0ab34f719595de37252d6235365e9b84392b061085349d73"
  "203a4a13e96f5432ec0fd4a1ee65accdd5e3904df54c1da510b0ff20dcc0c77f"
  "cb2c0e0eb605cb0504db87632cf3d8b4dae6e705769d1de354270123cb11450e"
  "fc60ac47683d7b8d0f811365565fd98c4c8eb936bcab8d069fc33bd801b03ade"
  "a2e1fbc5aa463d08ca19896d2bf59a071b851e6c239052172f296bfb5e724047"
  "90a2181014f3b94a4e97d117b438130368cc39dbb2d198065ae3986547926cd2"
  "162f40a29f0c3c8745c0f50fba3852e566d44575c29d39a03f0cda721984b6f4"
  "40591f355e12d439ff150aab7613499dbd49adabc8676eef023b15b65bfc5ca0"
  "6948109f23f350db82123535eb8a7433bdabcb909271a6ecbcb58b936a88cd4e"
  "8f2e6ff5800175f113253d8fa9ca8885c2f552e657dc603f252e1a8e308f76f0"
  "be79e2fb8f5d5fbbe2e30ecadd220723c8c0aea8078cdfcb3868263ff8f09400"
  "54da48781893a7e49ad5aff4af300cd804a6b6279ab3ff3afb64491c85194aab"
  "760d58a606654f9f4400e8b38591356fbf6425aca26dc85244259ff2b19c41b9"
  "f96f3ca9ec1dde434da7d2d392b905ddf3d1f9af93d1af5950bd493f5aa731b4"
  "056df31bd267b6b90a079831aaf579be0a39013137aac6d404f518cfd4684064"
  "7e78bfe706ca4cf5e9c5453e9f7cfd2b8b4c8d169a44e55c88d4a9a7f9474241"
  "e221af44860018ab0856972e194cd934";

/* RFC 9001 Appendix A.3: server Initial (ACK + CRYPTO with a ServerHello). */
static const char server_payload_hex[] =
  "02000000000600405a020000560303eefce7f7b37ba1d1632e96677825ddf739"
  "88cfc79825df566dc5430b9a045a1200130100002e00330024001d00209d3c94"
  "0d89690b84d08a60993c144eca684d1081287c834d5311bcf32bb9da1a002b00"
  "020304";
static const char v1_server_packet_hex[] =
  "cf000000010008f067a5502a4262b5004075c0d95a482cd0991cd25b0aac406a"
  "5816b6394100f37a1c69797554780bb38cc5a99f5ede4cf73c3ec2493a1839b3"
  "dbcba3f6ea46c5b7684df3548e7ddeb9c3bf9c73cc3f3bded74b562bfb19fb84"
  "022f8ef4cdd93795d77d06edbb7aaf2f58891850abbdca3d20398c276456cbc4"
  "2158407dd074ee";

/* RFC 9369 Appendix A.2 and A.3 */
static const char v2_client_packet_hex[] =
  "d76b3343cf088394c8f03e5157080000449ea0c95e82ffe67b6abcdb4298b485"
  "dd04de806071bf03dceebfa162e75d6c96058bdbfb127cdfcbf903388e99ad04"
  "9f9a3dd4425ae4d0992cfff18ecf0fdb5a842d09747052f17ac2053d21f57c5d"
  "250f2c4f0e0202b70785b7946e992e58a59ac52dea6774d4f03b55545243cf1a"
  "12834e3f249a78d395e0d18f4d766004f1a2674802a747eaa901c3f10cda5500"
  "cb9122faa9f1df66c392079a1b40f0de1c6054196a11cbea40afb6ef5253cd68"
  "18f6625efce3b6def6ba7e4b37a40f7732e093daa7d52190935b8da58976ff33"
  "12ae50b187c1433c0f028edcc4c2838b6a9bfc226ca4b4530e7a4ccee1bfa2a3"
  "d396ae5a3fb512384b2fdd851f784a65e03f2c4fbe11a53c7777c023462239dd"
  "6f7521a3f6c7d5dd3ec9b3f233773d4b46d23cc375eb198c63301c21801f6520"
  "bcfb7966fc49b393f0061d974a2706df8c4a9449f11d7f3d2dcbb90c6b877045"
  "636e7c0c0fe4eb0f697545460c806910d2c355f1d253bc9d2452aaa549e27a1f"
  "ac7cf4ed77f322e8fa894b6a83810a34b361901751a6f5eb65a0326e07de7c12"
  "16ccce2d0193f958bb3850a833f7ae432b65bc5a53975c155aa4bcb4f7b2c4e5"
  "4df16efaf6ddea94e2c50b4cd1dfe06017e0e9d02900cffe1935e0491d77ffb4"
  "fdf85290fdd893d577b1131a610ef6a5c32b2ee0293617a37cbb08b847741c3b"
  "8017c25ca9052ca1079d8b78aebd47876d330a30f6a8c6d61dd1ab5589329de7"
  "14d19d61370f8149748c72f132f0fc99f34d766c6938597040d8f9e2bb522ff9"
  "9c63a344d6a2ae8aa8e51b7b90a4a806105fcbca31506c446151adfeceb51b91"
  "abfe43960977c87471cf9ad4074d30e10d6a7f03c63bd5d4317f68ff325ba3bd"
  "80bf4dc8b52a0ba031758022eb025cdd770b44d6d6cf0670f4e990b22347a7db"
  "848265e3e5eb72dfe8299ad7481a408322cac55786e52f633b2fb6b614eaed18"
  "d703dd84045a274ae8bfa73379661388d6991fe39b0d93debb41700b41f90a15"
  "c4d526250235ddcd6776fc77bc97e7a417ebcb31600d01e57f32162a8560cacc"
  "7e27a096d37a1a86952ec71bd89a3e9a30a2a26162984d7740f81193e8238e61"
  "f6b5b984d4d3dfa033c1bb7e4f0037febf406d91c0dccf32acf423cfa1e70710"
  "10d3f270121b493ce85054ef58bada42310138fe081adb04e2bd901f2f13458b"
  "3d6758158197107c14ebb193230cd1157380aa79cae1374a7c1e5bbcb80ee23e"
  "06ebfde206bfb0fcbc0edc4ebec309661bdd908d532eb0c6adc38b7ca7331dce"
  "8dfce39ab71e7c32d318d136b6100671a1ae6a6600e3899f31f0eed19e3417d1"
  "34b90c9058f8632c798d4490da4987307cba922d61c39805d072b589bd52fdf1"
  "e86215c2d54e6670e07383a27bbffb5addf47d66aa85a0c6f9f32e59d85a44dd"
  "5d3b22dc2be80919b490437ae4f36a0ae55edf1d0b5cb4e9a3ecabee93dfc6e3"
  "8d209d0fa6536d27a5d6fbb17641cde27525d61093f1b28072d111b2b4ae5f89"
  "d5974ee12e5cf7d5da4d6a31123041f33e61407e76cffcdcfd7e19ba58cf4b53"
  "6f4c4938ae79324dc402894b44faf8afbab35282ab659d13c93f70412e85cb19"
  "9a37ddec600545473cfb5a05e08d0b209973b2172b4d21fb69745a262ccde96b"
  "a18b2faa745b6fe189cf772a9f84cbfc";
static const char v2_server_packet_hex[] =
  "dc6b3343cf0008f067a5502a4262b5004075d92faaf16f05d8a4398c47089698"
  "baeea26b91eb761d9b89237bbf87263017915358230035f7fd3945d88965cf17"
  "f9af6e16886c61bfc703106fbaf3cb4cfa52382dd16a393e42757507698075b2"
  "c984c707f0a0812d8cd5a6881eaf21ceda98f4bd23f6fe1a3e2c43edd9ce7ca8"
  "4bed8521e2e140";

static void
assert_hex (const guint8 *got, gsize len, const char *want_hex)
{
  g_autoptr(GByteArray) want = hex_bytes (want_hex);

  g_assert_cmpmem (got, len, want->data, want->len);
}

static void
test_keys_v1 (void)
{
  g_autoptr(GByteArray) dcid = hex_bytes (DCID);
  NetlensQuicKeys c, s;

  /* RFC 9001 Appendix A.1 */
  g_assert_true (_netlens_quic_derive_initial_keys (NETLENS_QUIC_V1, dcid->data, dcid->len,
                                                    &c, &s));
  assert_hex (c.secret, 32, "c00cf151ca5be075ed0ebfb5c80323c42d6b7db67881289af4008f1f6c357aea");
  assert_hex (c.key, 16, "1f369613dd76d5467730efcbe3b1a22d");
  assert_hex (c.iv, 12, "fa044b2f42a3fd3b46fb255c");
  assert_hex (c.hp, 16, "9f50449e04a0e810283a1e9933adedd2");
  assert_hex (s.secret, 32, "3c199828fd139efd216c155ad844cc81fb82fa8d7446fa7d78be803acdda951b");
  assert_hex (s.key, 16, "cf3a5331653c364c88f0f379b6067e37");
  assert_hex (s.iv, 12, "0ac1493ca1905853b0bba03e");
  assert_hex (s.hp, 16, "c206b8d9b9f0f37644430b490eeaa314");
  g_assert_false (_netlens_quic_derive_initial_keys (0x1a2a3a4a, dcid->data, dcid->len, &c, &s));
}

static void
test_keys_v2 (void)
{
  g_autoptr(GByteArray) dcid = hex_bytes (DCID);
  NetlensQuicKeys c, s;

  /* RFC 9369 Appendix A.1 */
  g_assert_true (_netlens_quic_derive_initial_keys (NETLENS_QUIC_V2, dcid->data, dcid->len,
                                                    &c, &s));
  assert_hex (c.secret, 32, "14ec9d6eb9fd7af83bf5a668bc17a7e283766aade7ecd0891f70f9ff7f4bf47b");
  assert_hex (c.key, 16, "8b1a0bc121284290a29e0971b5cd045d");
  assert_hex (c.iv, 12, "91f73e2351d8fa91660e909f");
  assert_hex (c.hp, 16, "45b95e15235d6f45a6b19cbcb0294ba9");
  assert_hex (s.secret, 32, "0263db1782731bf4588e7e4d93b7463907cb8cd8200b5da55a8bd488eafc37c1");
  assert_hex (s.key, 16, "82db637861d55e1d011f19ea71d5d2a7");
  assert_hex (s.iv, 12, "dd13c276499c0249d3310652");
  assert_hex (s.hp, 16, "edf6d05c83121201b436e16877593c3a");
}

static void
check_decrypt (guint32 version, const char *packet_hex, gboolean server,
               const char *payload_hex, gsize padding, guint64 want_pn)
{
  g_autoptr(GByteArray) dcid = hex_bytes (DCID);
  g_autoptr(GByteArray) pkt = hex_bytes (packet_hex);
  g_autoptr(GByteArray) want = hex_bytes (payload_hex);
  g_autofree guint8 *plain = NULL;
  NetlensQuicLongHeader hdr;
  NetlensQuicKeys c, s;
  gsize len = 0;
  guint64 pn = 0;

  g_byte_array_set_size (want, want->len + padding);
  memset (want->data + want->len - padding, 0, padding);

  g_assert_true (_netlens_quic_parse_long_header (pkt->data, pkt->len, &hdr));
  g_assert_cmphex (hdr.version, ==, version);
  g_assert_cmpuint (hdr.type, ==, 0);
  g_assert_cmpuint (hdr.packet_len, ==, pkt->len);
  g_assert_true (_netlens_quic_derive_initial_keys (version, dcid->data, dcid->len, &c, &s));
  plain = _netlens_quic_decrypt_initial (server ? &s : &c, pkt->data, &hdr, &len, &pn);
  g_assert_nonnull (plain);
  g_assert_cmpuint (pn, ==, want_pn);
  g_assert_cmpmem (plain, len, want->data, want->len);

#if !NETLENS_FUZZING
  /* The other direction's keys, or a flipped bit, fail the AEAD tag. */
  {
    g_autofree guint8 *wrong = _netlens_quic_decrypt_initial (server ? &c : &s, pkt->data, &hdr,
                                                              &len, NULL);
    g_autofree guint8 *tampered = NULL;

    g_assert_null (wrong);
    pkt->data[pkt->len - 20] ^= 0x01;
    tampered = _netlens_quic_decrypt_initial (server ? &s : &c, pkt->data, &hdr, &len, NULL);
    g_assert_null (tampered);
  }
#endif
}

static void
test_decrypt_v1_client (void)
{
  check_decrypt (NETLENS_QUIC_V1, v1_client_packet_hex, FALSE, client_payload_hex, 917, 2);
}

static void
test_decrypt_v1_server (void)
{
  check_decrypt (NETLENS_QUIC_V1, v1_server_packet_hex, TRUE, server_payload_hex, 0, 1);
}

static void
test_decrypt_v2_client (void)
{
  check_decrypt (NETLENS_QUIC_V2, v2_client_packet_hex, FALSE, client_payload_hex, 917, 2);
}

static void
test_decrypt_v2_server (void)
{
  check_decrypt (NETLENS_QUIC_V2, v2_server_packet_hex, TRUE, server_payload_hex, 0, 1);
}

/* The RFC packets through the whole per-connection path: SNI, ALPN, idle timeout, states. */
static void
check_flow (const char *client_hex, const char *server_hex)
{
  g_autoptr(GByteArray) c = hex_bytes (client_hex);
  g_autoptr(GByteArray) s = hex_bytes (server_hex);
  NetlensQuicState *state = _netlens_quic_state_new ();
  NetlensQuicInfo *info = _netlens_quic_info_new ();
  gboolean is_quic = FALSE, client_local = FALSE;

  g_assert_true (_netlens_quic_detect (c->data, c->len));
  g_assert_true (_netlens_quic_datagram (state, info, TRUE, c->data, c->len, &is_quic,
                                         &client_local));
  g_assert_true (is_quic);
  g_assert_true (client_local);
  g_assert_nonnull (info->tls);
  g_assert_cmpuint (info->tls->client_hellos, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (info->tls->sni, 0), ==, "example.com");
  g_assert_cmpstr (g_ptr_array_index (info->tls->alpn, 0), ==, "alpn");
  /* max_idle_timeout 0x7530 in the RFC's transport parameters */
  g_assert_cmpint (info->tls->quic_max_idle_timeout_ms, ==, 30000);
  g_assert_cmpint (_netlens_quic_conn_state (state, info), ==, NETLENS_STATE_QUIC_INITIAL);

  _netlens_quic_datagram (state, info, FALSE, s->data, s->len, &is_quic, &client_local);
  g_assert_cmpuint (info->tls->server_hellos, ==, 1);
  g_assert_cmpuint (info->tls->version, ==, 0x0304);
  g_assert_cmpuint (info->tls->cipher_suite, ==, 0x1301);
  g_assert_cmpuint (info->initial_packets, ==, 2);
  g_assert_cmpint (_netlens_quic_conn_state (state, info), ==, NETLENS_STATE_QUIC_HANDSHAKE);
  g_assert_cmpuint (info->undecryptable, ==, 0);

  _netlens_quic_state_free (state);
  _netlens_quic_info_free (info);
}

static void
test_flow_v1 (void)
{
  check_flow (v1_client_packet_hex, v1_server_packet_hex);
}

static void
test_flow_v2 (void)
{
  check_flow (v2_client_packet_hex, v2_server_packet_hex);
}

/* ---- hand-built packets ------------------------------------------------------------------- */

static const guint8 test_dcid[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
static const guint8 other_cid[4] = { 9, 9, 9, 9 };

/* Protects an Initial with the real Nettle primitives, the way a sender does (RFC 9001
 * section 5), so that the dissector is tested on packets it has never seen. */
static GByteArray *
protect_initial (guint32       version,
                 gboolean      server,
                 guint64       pn,
                 const guint8 *frames,
                 gsize         frames_len)
{
  NetlensQuicKeys c, s, *k;
  GByteArray *pkt = g_byte_array_new ();
  g_autoptr(GByteArray) payload = g_byte_array_new ();
  struct gcm_aes128_ctx gcm;
  struct aes128_ctx hp;
  guint8 nonce[12], mask[16];
  gsize pn_offset, hdr_len;
  guint type = version == NETLENS_QUIC_V2 ? 1 : 0;

  g_assert_true (_netlens_quic_derive_initial_keys (version, test_dcid, 8, &c, &s));
  k = server ? &s : &c;
  g_byte_array_append (payload, frames, frames_len);
  while (payload->len < 20)
    put8 (payload, 0);  /* PADDING: the sample needs 16 bytes after the packet number + 4 */

  put8 (pkt, 0xc0 | (type << 4) | 0x01);  /* 2-byte packet number */
  put16 (pkt, version >> 16);
  put16 (pkt, version & 0xffff);
  put8 (pkt, server ? 4 : 8);
  g_byte_array_append (pkt, server ? other_cid : test_dcid, server ? 4 : 8);
  put8 (pkt, server ? 8 : 4);
  g_byte_array_append (pkt, server ? test_dcid : other_cid, server ? 8 : 4);
  put8 (pkt, 0);  /* token length */
  put16 (pkt, 0x4000 | (2 + payload->len + 16));
  pn_offset = pkt->len;
  put16 (pkt, pn);
  hdr_len = pkt->len;

  memcpy (nonce, k->iv, 12);
  for (int i = 0; i < 8; i++)
    nonce[11 - i] ^= (pn >> (8 * i)) & 0xff;
  gcm_aes128_set_key (&gcm, k->key);
  gcm_aes128_set_iv (&gcm, 12, nonce);
  gcm_aes128_update (&gcm, hdr_len, pkt->data);
  g_byte_array_set_size (pkt, hdr_len + payload->len + 16);
  gcm_aes128_encrypt (&gcm, payload->len, pkt->data + hdr_len, payload->data);
  gcm_aes128_digest (&gcm, 16, pkt->data + hdr_len + payload->len);

  aes128_set_encrypt_key (&hp, k->hp);
  aes128_encrypt (&hp, 16, mask, pkt->data + pn_offset + 4);
  pkt->data[0] ^= mask[0] & 0x0f;
  pkt->data[pn_offset] ^= mask[1];
  pkt->data[pn_offset + 1] ^= mask[2];
  return pkt;
}

static void
put_varint (GByteArray *a, guint64 v)
{
  if (v < 64)
    put8 (a, v);
  else
    put16 (a, 0x4000 | v);
}

static void
put_crypto (GByteArray *a, guint64 offset, const guint8 *data, gsize len)
{
  put8 (a, 0x06);
  put_varint (a, offset);
  put_varint (a, len);
  g_byte_array_append (a, data, len);
}

/* A ClientHello spread over two Initials, its pieces out of order, with PING and ACK mixed
 * in (as Chrome does), and a Handshake packet coalesced behind the first one. */
static void
test_crypto_across_initials (void)
{
  const char *alpn[] = { "h3", NULL };
  g_autoptr(GByteArray) ch = build_client_hello ("split.example", alpn, 45000, 600);
  g_autoptr(GByteArray) f1 = g_byte_array_new ();
  g_autoptr(GByteArray) f2 = g_byte_array_new ();
  g_autoptr(GByteArray) p1 = NULL;
  g_autoptr(GByteArray) p2 = NULL;
  g_autoptr(GByteArray) datagram = g_byte_array_new ();
  NetlensQuicState *state = _netlens_quic_state_new ();
  NetlensQuicInfo *info = _netlens_quic_info_new ();
  gboolean is_quic, client_local;
  gsize half = ch->len / 2;

  put8 (f1, 0x01);                                        /* PING */
  put_crypto (f1, half, ch->data + half, ch->len - half); /* second half first */
  put8 (f2, 0x02); put8 (f2, 0); put8 (f2, 0); put8 (f2, 0); put8 (f2, 0);  /* ACK */
  put_crypto (f2, 0, ch->data, 100);                      /* overlaps what follows */
  put_crypto (f2, 0, ch->data, half);

  p1 = protect_initial (NETLENS_QUIC_V1, FALSE, 0, f1->data, f1->len);
  p2 = protect_initial (NETLENS_QUIC_V1, FALSE, 1, f2->data, f2->len);

  /* Coalesced: the first Initial, then a (fake) Handshake long header packet. */
  g_byte_array_append (datagram, p1->data, p1->len);
  {
    guint8 hs[] = { 0xe0, 0, 0, 0, 1, 0, 0, 0x40, 0x14,
                    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
    g_byte_array_append (datagram, hs, sizeof hs);
  }
  _netlens_quic_datagram (state, info, TRUE, datagram->data, datagram->len, &is_quic,
                          &client_local);
  g_assert_true (is_quic);
  g_assert_cmpuint (info->handshake_packets, ==, 1);
  g_assert_true (info->tls == NULL || info->tls->client_hellos == 0);

  _netlens_quic_datagram (state, info, TRUE, p2->data, p2->len, &is_quic, &client_local);
  g_assert_nonnull (info->tls);
  g_assert_cmpuint (info->tls->client_hellos, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (info->tls->sni, 0), ==, "split.example");
  g_assert_cmpstr (g_ptr_array_index (info->tls->alpn, 0), ==, "h3");
  g_assert_cmpint (info->tls->quic_max_idle_timeout_ms, ==, 45000);
  g_assert_cmpuint (info->initial_packets, ==, 2);

  _netlens_quic_state_free (state);
  _netlens_quic_info_free (info);
}

static void
test_connection_close (void)
{
  g_autoptr(GByteArray) frames = g_byte_array_new ();
  g_autoptr(GByteArray) app = g_byte_array_new ();
  g_autoptr(GByteArray) p = NULL;
  g_autoptr(GByteArray) ps = NULL;
  NetlensQuicState *state = _netlens_quic_state_new ();
  NetlensQuicInfo *info = _netlens_quic_info_new ();
  NetlensQuicClose *close;
  gboolean is_quic, client_local;

  /* 0x1c: error 0x0a, frame type 0x06, reason "bye" */
  put8 (frames, 0x1c); put8 (frames, 0x0a); put8 (frames, 0x06); put8 (frames, 3);
  g_byte_array_append (frames, (const guint8 *) "bye", 3);
  p = protect_initial (NETLENS_QUIC_V2, FALSE, 0, frames->data, frames->len);
  _netlens_quic_datagram (state, info, TRUE, p->data, p->len, &is_quic, &client_local);
  g_assert_true (is_quic);
  g_assert_nonnull (info->closes);
  g_assert_cmpuint (info->closes->len, ==, 1);
  close = &g_array_index (info->closes, NetlensQuicClose, 0);
  g_assert_cmpuint (close->frame_type, ==, 0x1c);
  g_assert_cmpuint (close->error_code, ==, 0x0a);
  g_assert_cmpstr (close->reason, ==, "bye");
  g_assert_true (close->from_client);
  g_assert_cmpint (_netlens_quic_conn_state (state, info), ==, NETLENS_STATE_QUIC_DRAINING);

  /* 0x1d from the server (application close): no frame type field */
  put8 (app, 0x1d); put16 (app, 0x4000 | 0x100); put8 (app, 0);
  ps = protect_initial (NETLENS_QUIC_V2, TRUE, 0, app->data, app->len);
  _netlens_quic_datagram (state, info, FALSE, ps->data, ps->len, &is_quic, &client_local);
  g_assert_cmpuint (info->closes->len, ==, 2);
  close = &g_array_index (info->closes, NetlensQuicClose, 1);
  g_assert_cmpuint (close->frame_type, ==, 0x1d);
  g_assert_cmpuint (close->error_code, ==, 0x100);
  g_assert_false (close->from_client);
  g_assert_cmpint (_netlens_quic_conn_state (state, info), ==, NETLENS_STATE_QUIC_CLOSED);

  _netlens_quic_state_free (state);
  _netlens_quic_info_free (info);
}

/* A client tries an unknown version, the server answers Version Negotiation, the client
 * retries with v1; later a Retry is recognised. */
static void
test_vn_and_retry (void)
{
  g_autoptr(GByteArray) grease = g_byte_array_new ();
  g_autoptr(GByteArray) vn = g_byte_array_new ();
  g_autoptr(GByteArray) retry = g_byte_array_new ();
  g_autoptr(GByteArray) ch = build_client_hello ("vn.example", NULL, -1, 0);
  g_autoptr(GByteArray) frames = g_byte_array_new ();
  g_autoptr(GByteArray) p = NULL;
  NetlensQuicState *state = _netlens_quic_state_new ();
  NetlensQuicInfo *info = _netlens_quic_info_new ();
  gboolean is_quic = TRUE, client_local;

  put8 (grease, 0xc0); put16 (grease, 0x1a2a); put16 (grease, 0x3a4a);
  put8 (grease, 8); g_byte_array_append (grease, test_dcid, 8); put8 (grease, 0);
  g_byte_array_set_size (grease, 1200);
  g_assert_true (_netlens_quic_detect (grease->data, grease->len));
  _netlens_quic_datagram (state, info, TRUE, grease->data, grease->len, &is_quic, &client_local);
  g_assert_false (is_quic);

  put8 (vn, 0x80); put16 (vn, 0); put16 (vn, 0);
  put8 (vn, 0); put8 (vn, 8); g_byte_array_append (vn, test_dcid, 8);
  put16 (vn, 0); put16 (vn, 1);           /* v1 */
  put16 (vn, 0x6b33); put16 (vn, 0x43cf); /* v2 */
  _netlens_quic_datagram (state, info, FALSE, vn->data, vn->len, &is_quic, &client_local);
  g_assert_true (is_quic);
  g_assert_true (info->version_negotiation);
  g_assert_cmpuint (info->vn_versions->len, ==, 2);

  put_crypto (frames, 0, ch->data, ch->len);
  p = protect_initial (NETLENS_QUIC_V1, FALSE, 0, frames->data, frames->len);
  _netlens_quic_datagram (state, info, TRUE, p->data, p->len, &is_quic, &client_local);
  g_assert_cmpstr (g_ptr_array_index (info->tls->sni, 0), ==, "vn.example");
  g_assert_cmpuint (info->versions->len, ==, 2);
  g_assert_cmphex (g_array_index (info->versions, guint32, 0), ==, 0x1a2a3a4a);
  g_assert_cmphex (g_array_index (info->versions, guint32, 1), ==, NETLENS_QUIC_V1);

  /* Retry (v1 type 3): SCID, token, 16-byte integrity tag */
  put8 (retry, 0xf0); put16 (retry, 0); put16 (retry, 1);
  put8 (retry, 4); g_byte_array_append (retry, (const guint8 *) "\x09\x09\x09\x09", 4);
  put8 (retry, 8); g_byte_array_append (retry, (const guint8 *) "ABCDEFGH", 8);
  g_byte_array_append (retry, (const guint8 *) "token-token-token-token", 23);
  _netlens_quic_datagram (state, info, FALSE, retry->data, retry->len, &is_quic, &client_local);
  g_assert_cmpuint (info->retry_packets, ==, 1);

  _netlens_quic_state_free (state);
  _netlens_quic_info_free (info);
}

/* Every prefix of a real Initial, and random bytes: no crash, no over-read. */
static void
test_truncated (void)
{
  g_autoptr(GByteArray) pkt = hex_bytes (v1_client_packet_hex);
  g_autoptr(GByteArray) payload = hex_bytes (client_payload_hex);
  GRand *rand = g_rand_new_with_seed (11);

  for (gsize n = 0; n <= pkt->len; n += (n < 64 ? 1 : 37))
    {
      NetlensQuicState *state = _netlens_quic_state_new ();
      NetlensQuicInfo *info = _netlens_quic_info_new ();
      guint8 *copy = g_memdup2 (pkt->data, n);
      gboolean is_quic, client_local;

      _netlens_quic_datagram (state, info, TRUE, copy, n, &is_quic, &client_local);
      g_assert_true (n == pkt->len || !is_quic);
      g_free (copy);
      _netlens_quic_state_free (state);
      _netlens_quic_info_free (info);
    }
  for (gsize n = 0; n <= payload->len; n++)
    {
      NetlensQuicInfo *info = _netlens_quic_info_new ();
      NetlensQuicCrypto crypto = { 0, };
      guint8 *copy = g_memdup2 (payload->data, n);

      _netlens_quic_parse_frames (info, &crypto, TRUE, copy, n);
      _netlens_quic_crypto_process (info, &crypto, TRUE);
      g_assert_true (n == payload->len || info->tls == NULL || info->tls->client_hellos == 0);
      g_free (copy);
      _netlens_quic_crypto_clear (&crypto);
      _netlens_quic_info_free (info);
    }
  for (int i = 0; i < 2000; i++)
    {
      guint8 buf[256];
      NetlensQuicInfo *info = _netlens_quic_info_new ();
      NetlensQuicCrypto crypto = { 0, };
      gsize n = g_rand_int_range (rand, 0, sizeof buf);

      for (gsize j = 0; j < n; j++)
        buf[j] = g_rand_int (rand);
      _netlens_quic_parse_frames (info, &crypto, TRUE, buf, n);
      _netlens_quic_crypto_process (info, &crypto, TRUE);
      _netlens_quic_crypto_clear (&crypto);
      _netlens_quic_info_free (info);
    }
  g_rand_free (rand);
}

static gboolean
send_udp (NetlensConnection *conn, gboolean from_local, const GByteArray *data)
{
  NetlensPacket pkt = { 0, };

  pkt.proto = NETLENS_PROTO_UDP;
  pkt.sport = from_local ? conn->key.lport : conn->key.rport;
  pkt.dport = from_local ? conn->key.rport : conn->key.lport;
  pkt.payload = data->data;
  pkt.payload_len = data->len;
  return netlens_dpi_inspect (conn, &pkt, from_local, NULL);
}

/* A connection that moves to a new address keeps its connection IDs: the new row can be
 * matched and continue with the old row's results. */
static void
test_migration (void)
{
  const char *alpn[] = { "h3", NULL };
  g_autoptr(GByteArray) ch = build_client_hello ("migrate.example", alpn, 10000, 0);
  g_autoptr(GByteArray) frames = g_byte_array_new ();
  g_autoptr(GByteArray) sframes = g_byte_array_new ();
  g_autoptr(GByteArray) c = NULL;
  g_autoptr(GByteArray) s = NULL;
  g_autoptr(GByteArray) shorthdr = g_byte_array_new ();
  g_autoptr(GByteArray) other = g_byte_array_new ();
  NetlensConnection a = { 0, }, b = { 0, };
  guint8 dcid[20], scid[20], dl, sl;

  put_crypto (frames, 0, ch->data, ch->len);
  c = protect_initial (NETLENS_QUIC_V1, FALSE, 0, frames->data, frames->len);
  put8 (sframes, 0x01);
  s = protect_initial (NETLENS_QUIC_V1, TRUE, 0, sframes->data, sframes->len);

  a.key.proto = b.key.proto = NETLENS_PROTO_UDP;
  a.key.lport = 50000;
  a.key.rport = 4433;
  b.key.lport = 50999;
  b.key.rport = 4433;
  g_assert_true (send_udp (&a, TRUE, c));
  send_udp (&a, FALSE, s);
  g_assert_cmpint (a.app, ==, NETLENS_APP_QUIC);
  g_assert_cmpint (a.state, ==, NETLENS_STATE_QUIC_HANDSHAKE);
  g_assert_cmpuint (a.timeout_s, ==, 10);

  g_assert_true (netlens_dpi_quic_long_header_cids (c->data, c->len, dcid, &dl, scid, &sl));
  g_assert_cmpmem (dcid, dl, test_dcid, 8);
  g_assert_cmpuint (sl, ==, 4);
  g_assert_true (netlens_dpi_quic_matches (a.dpi, c->data, c->len));
  /* 1-RTT from the client's new address: DCID = the server's SCID */
  put8 (shorthdr, 0x41);
  g_byte_array_append (shorthdr, test_dcid, 8);
  g_byte_array_set_size (shorthdr, 40);
  g_assert_true (netlens_dpi_quic_matches (a.dpi, shorthdr->data, shorthdr->len));
  put8 (other, 0x41);
  g_byte_array_append (other, (const guint8 *) "zzzzzzzzzzzzzzzz", 16);
  g_assert_false (netlens_dpi_quic_matches (a.dpi, other->data, other->len));

  netlens_dpi_join_quic (&b, a.dpi, TRUE);
  send_udp (&b, TRUE, shorthdr);
  g_assert_cmpint (b.app, ==, NETLENS_APP_QUIC);
  g_assert_cmpstr (netlens_dpi_get_sni (b.dpi), ==, "migrate.example");
  g_assert_cmpint (b.state, ==, NETLENS_STATE_QUIC_CONNECTED);
  g_assert_cmpuint (b.dpi->quic->short_header_packets, ==, 1);

  netlens_dpi_free (a.dpi);
  netlens_dpi_free (b.dpi);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/dpi/quic/keys-v1", test_keys_v1);
  g_test_add_func ("/dpi/quic/keys-v2", test_keys_v2);
  g_test_add_func ("/dpi/quic/decrypt-v1-client", test_decrypt_v1_client);
  g_test_add_func ("/dpi/quic/decrypt-v1-server", test_decrypt_v1_server);
  g_test_add_func ("/dpi/quic/decrypt-v2-client", test_decrypt_v2_client);
  g_test_add_func ("/dpi/quic/decrypt-v2-server", test_decrypt_v2_server);
  g_test_add_func ("/dpi/quic/flow-v1", test_flow_v1);
  g_test_add_func ("/dpi/quic/flow-v2", test_flow_v2);
  g_test_add_func ("/dpi/quic/crypto-across-initials", test_crypto_across_initials);
  g_test_add_func ("/dpi/quic/connection-close", test_connection_close);
  g_test_add_func ("/dpi/quic/vn-and-retry", test_vn_and_retry);
  g_test_add_func ("/dpi/quic/truncated", test_truncated);
  g_test_add_func ("/dpi/quic/migration", test_migration);
  return g_test_run ();
}
