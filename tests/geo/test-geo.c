/* test-geo.c: GeoIP lookups against MaxMind DBs written at test time
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "netlens-test-geo"

#include "config.h"

#include <string.h>
#include <arpa/inet.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "netlens-geo.h"
#include "netlens-export.h"
#include "netlens-query.h"

/* One folder with GeoLite2-Country.mmdb and dbip-asn-lite-2026-11.mmdb (the dated
 * DB-IP name), written once by Debian's MaxMind::DB::Writer. */
static char *db_dir;

static gboolean
write_db (const char *kind,
          const char *path)
{
  const char *root = g_getenv ("NETLENS_SOURCE_ROOT");
  g_autofree char *script = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  int status = 0;

  g_assert_nonnull (root);
  script = g_build_filename (root, "tests", "geo", "write-test-mmdb.pl", NULL);
  {
    const char *argv[] = { "/usr/bin/perl", script, kind, path, NULL };

    if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                       NULL, &err, &status, &error))
      {
        g_printerr ("perl: %s\n", error->message);
        return FALSE;
      }
  }
  if (!g_spawn_check_wait_status (status, &error))
    {
      g_printerr ("write-test-mmdb.pl %s: %s\n%s\n", kind, error->message, err);
      return FALSE;
    }
  return TRUE;
}

static void
parse_addr (const char    *text,
            NetlensFamily *family,
            NetlensAddr   *addr)
{
  memset (addr, 0, sizeof *addr);
  if (inet_pton (AF_INET, text, addr->bytes) == 1)
    *family = NETLENS_FAMILY_IPV4;
  else if (inet_pton (AF_INET6, text, addr->bytes) == 1)
    *family = NETLENS_FAMILY_IPV6;
  else
    g_assert_not_reached ();
}

static NetlensGeo *
open_test_geo (void)
{
  const char *dirs[] = { db_dir, NULL };
  g_autoptr(GError) error = NULL;
  NetlensGeo *geo = netlens_geo_open_in_dirs (dirs, &error);

  g_assert_no_error (error);
  g_assert_nonnull (geo);
  return geo;
}

static void
test_classify (void)
{
  static const struct { const char *addr; NetlensGeoRange range; } cases[] = {
    { "10.1.2.3", NETLENS_GEO_RANGE_PRIVATE },
    { "172.16.0.1", NETLENS_GEO_RANGE_PRIVATE },
    { "172.31.255.255", NETLENS_GEO_RANGE_PRIVATE },
    { "172.32.0.1", NETLENS_GEO_RANGE_PUBLIC },
    { "192.168.178.1", NETLENS_GEO_RANGE_PRIVATE },
    { "100.64.0.1", NETLENS_GEO_RANGE_SHARED },
    { "100.128.0.1", NETLENS_GEO_RANGE_PUBLIC },
    { "127.0.0.53", NETLENS_GEO_RANGE_LOOPBACK },
    { "169.254.1.1", NETLENS_GEO_RANGE_LINK_LOCAL },
    { "224.0.0.251", NETLENS_GEO_RANGE_MULTICAST },
    { "239.255.255.250", NETLENS_GEO_RANGE_MULTICAST },
    { "255.255.255.255", NETLENS_GEO_RANGE_BROADCAST },
    { "240.0.0.1", NETLENS_GEO_RANGE_RESERVED },
    { "0.0.0.0", NETLENS_GEO_RANGE_UNSPECIFIED },
    { "192.0.2.7", NETLENS_GEO_RANGE_DOCUMENTATION },
    { "198.51.100.7", NETLENS_GEO_RANGE_DOCUMENTATION },
    { "203.0.113.7", NETLENS_GEO_RANGE_DOCUMENTATION },
    { "198.18.0.1", NETLENS_GEO_RANGE_RESERVED },
    { "8.8.8.8", NETLENS_GEO_RANGE_PUBLIC },
    { "81.2.3.4", NETLENS_GEO_RANGE_PUBLIC },
    { "::", NETLENS_GEO_RANGE_UNSPECIFIED },
    { "::1", NETLENS_GEO_RANGE_LOOPBACK },
    { "fe80::1", NETLENS_GEO_RANGE_LINK_LOCAL },
    { "fd12:3456::1", NETLENS_GEO_RANGE_PRIVATE },
    { "ff02::fb", NETLENS_GEO_RANGE_MULTICAST },
    { "2001:db8::1", NETLENS_GEO_RANGE_DOCUMENTATION },
    { "::ffff:192.168.1.1", NETLENS_GEO_RANGE_PRIVATE },
    { "::ffff:81.2.3.4", NETLENS_GEO_RANGE_PUBLIC },
    { "3fff::1", NETLENS_GEO_RANGE_PUBLIC },
    { "4000::1", NETLENS_GEO_RANGE_RESERVED },
    { "2a01:4f8::1", NETLENS_GEO_RANGE_PUBLIC },
  };
  NetlensAddr mac = { { 0x02, 0, 0, 0, 0, 1 } };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      NetlensFamily family;
      NetlensAddr addr;

      parse_addr (cases[i].addr, &family, &addr);
      g_test_message ("%s", cases[i].addr);
      g_assert_cmpstr (netlens_geo_range_to_string (netlens_geo_classify (family, &addr)), ==,
                       netlens_geo_range_to_string (cases[i].range));
    }
  g_assert_cmpint (netlens_geo_classify (NETLENS_FAMILY_MAC, &mac), ==, NETLENS_GEO_RANGE_NOT_IP);
  g_assert_cmpstr (netlens_geo_range_to_string (NETLENS_GEO_RANGE_LINK_LOCAL), ==, "link-local");
  g_assert_cmpstr (netlens_geo_range_to_string (NETLENS_GEO_RANGE_PRIVATE), ==, "private");
}

static void
check_lookup (NetlensGeo      *geo,
              const char      *text,
              NetlensGeoRange  want_range,
              const char      *want_country,
              guint32          want_asn,
              const char      *want_org)
{
  NetlensFamily family;
  NetlensAddr addr;
  char *country = (char *) "unset";
  char *org = (char *) "unset";
  guint32 asn = 1;
  NetlensGeoRange range;

  parse_addr (text, &family, &addr);
  g_test_message ("lookup %s", text);
  range = netlens_geo_lookup (geo, family, &addr, &country, &asn, &org);
  g_assert_cmpint (range, ==, want_range);
  g_assert_cmpstr (country, ==, want_country);
  g_assert_cmpuint (asn, ==, want_asn);
  g_assert_cmpstr (org, ==, want_org);
  g_clear_pointer (&country, g_ref_string_release);
  g_clear_pointer (&org, g_ref_string_release);
}

static void
test_lookup (void)
{
  g_autoptr(NetlensGeo) geo = open_test_geo ();

  g_assert_true (g_str_has_suffix (netlens_geo_get_country_path (geo), "/GeoLite2-Country.mmdb"));
  g_assert_true (g_str_has_suffix (netlens_geo_get_asn_path (geo), "/dbip-asn-lite-2026-11.mmdb"));

  for (guint round = 0; round < 2; round++)  /* the second round comes from the cache */
    {
      check_lookup (geo, "81.2.3.4", NETLENS_GEO_RANGE_PUBLIC, "DE", 3320, "Deutsche Telekom AG");
      check_lookup (geo, "8.8.8.8", NETLENS_GEO_RANGE_PUBLIC, "US", 15169, "GOOGLE");
      check_lookup (geo, "8.8.9.1", NETLENS_GEO_RANGE_PUBLIC, NULL, 0, NULL);
      check_lookup (geo, "2a01:4f8:c0c:1::2", NETLENS_GEO_RANGE_PUBLIC, "DE", 24940,
                    "Hetzner Online GmbH");
      check_lookup (geo, "::ffff:81.200.1.1", NETLENS_GEO_RANGE_PUBLIC, "DE", 3320,
                    "Deutsche Telekom AG");
      /* registered_country when there is no country */
      check_lookup (geo, "45.1.2.3", NETLENS_GEO_RANGE_PUBLIC, "FR", 0, NULL);
      /* the databases do map 10/8 (to XX / AS64512): private ranges must not be looked up */
      check_lookup (geo, "10.9.8.7", NETLENS_GEO_RANGE_PRIVATE, NULL, 0, NULL);
      check_lookup (geo, "127.0.0.1", NETLENS_GEO_RANGE_LOOPBACK, NULL, 0, NULL);
      check_lookup (geo, "fe80::1", NETLENS_GEO_RANGE_LINK_LOCAL, NULL, 0, NULL);
    }
  g_assert_cmpuint (netlens_geo_get_cache_size (geo), ==, 6);
}

static void
test_cache_bounded (void)
{
  g_autoptr(NetlensGeo) geo = open_test_geo ();
  guint max_seen = 0;

  netlens_geo_set_cache_limit (geo, 64);
  for (guint i = 0; i < 5000; i++)
    {
      NetlensAddr addr = { { 81, (i >> 8) & 0xFF, i & 0xFF, 1 } };
      char *country = NULL;

      netlens_geo_lookup (geo, NETLENS_FAMILY_IPV4, &addr, &country, NULL, NULL);
      g_assert_cmpstr (country, ==, "DE");
      g_ref_string_release (country);
      max_seen = MAX (max_seen, netlens_geo_get_cache_size (geo));
    }
  g_assert_cmpuint (max_seen, <=, 64);
  g_assert_cmpuint (max_seen, >=, 32);
  /* a hot address stays correct across generations */
  check_lookup (geo, "8.8.8.8", NETLENS_GEO_RANGE_PUBLIC, "US", 15169, "GOOGLE");
}

static NetlensConnection *
make_conn (const char *local,
           const char *remote)
{
  NetlensConnection *conn = g_new0 (NetlensConnection, 1);
  NetlensFamily family;

  conn->key.proto = NETLENS_PROTO_TCP;
  parse_addr (local, &family, &conn->key.laddr);
  parse_addr (remote, &family, &conn->key.raddr);
  conn->key.family = family;
  conn->key.lport = 50000;
  conn->key.rport = 443;
  conn->state = NETLENS_STATE_ESTABLISHED;
  return conn;
}

static gboolean
query_matches (const char              *text,
               const NetlensConnection *conn)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NetlensQuery) query = netlens_query_parse (text, &error);

  g_assert_no_error (error);
  return netlens_query_match (query, conn);
}

static void
test_enrich_and_query (void)
{
  g_autoptr(NetlensGeo) geo = open_test_geo ();
  g_autoptr(NetlensConnection) out = make_conn ("192.168.1.10", "81.2.3.4");
  g_autoptr(NetlensConnection) in = make_conn ("81.2.3.4", "10.0.0.5");
  g_autoptr(NetlensConnection) v6 = make_conn ("fd00::2", "2a01:4f8::1");
  g_autoptr(NetlensConnection) lan = make_conn ("192.168.1.10", "192.168.1.1");
  g_autoptr(GString) json = g_string_new (NULL);

  g_assert_false (query_matches ("country:DE", out));  /* not yet enriched */

  netlens_geo_enrich (geo, out);
  g_assert_cmpstr (out->country, ==, "DE");
  g_assert_cmpuint (out->asn, ==, 3320);
  g_assert_cmpstr (out->as_org, ==, "Deutsche Telekom AG");
  g_assert_true (query_matches ("country:DE", out));
  g_assert_true (query_matches ("country:de", out));
  g_assert_false (query_matches ("country:US", out));
  g_assert_true (query_matches ("asn:3320", out));
  g_assert_true (query_matches ("asn:AS3320", out));
  g_assert_true (query_matches ("asn:telekom", out));
  g_assert_false (query_matches ("asn:hetzner", out));
  g_assert_false (query_matches ("asn:15169", out));
  g_assert_true (query_matches ("country:DE asn:3320", out));

  /* an incoming connection in a capture file: the public end is the local one */
  netlens_geo_enrich (geo, in);
  g_assert_cmpstr (in->country, ==, "DE");

  netlens_geo_enrich (geo, v6);
  g_assert_cmpstr (v6->country, ==, "DE");
  g_assert_cmpuint (v6->asn, ==, 24940);
  g_assert_true (query_matches ("asn:24940", v6));

  /* both ends private: nothing, even though the database maps 10/8 and a re-enrich
   * clears what was there */
  lan->country = g_ref_string_new_intern ("ZZ");
  netlens_geo_enrich (geo, lan);
  g_assert_null (lan->country);
  g_assert_cmpuint (lan->asn, ==, 0);
  g_assert_false (query_matches ("country:XX", lan));

  /* and the export carries it */
  netlens_connection_write_json (out, json);
  g_test_message ("%s", json->str);
  g_assert_nonnull (strstr (json->str,
                            "\"geo\":{\"country\":\"DE\",\"asn\":3320,\"as_org\":\"Deutsche Telekom AG\"}"));
  g_string_truncate (json, 0);
  netlens_connection_write_json (lan, json);
  g_assert_nonnull (strstr (json->str, "\"geo\":null"));
}

static void
test_missing (void)
{
  g_autofree char *empty = g_dir_make_tmp ("netlens-geo-empty-XXXXXX", NULL);
  g_autofree char *bad = NULL;
  const char *dirs[] = { empty, NULL };
  g_autoptr(GError) error = NULL;
  NetlensGeo *geo;

  g_assert_nonnull (empty);
  geo = netlens_geo_open_in_dirs (dirs, &error);
  g_assert_null (geo);
  g_assert_error (error, NETLENS_GEO_ERROR, NETLENS_GEO_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, empty));
  g_clear_error (&error);

  /* a file with a database's name that is not one */
  bad = g_build_filename (empty, "GeoLite2-Country.mmdb", NULL);
  g_assert_true (g_file_set_contents (bad, "not a MaxMind DB", -1, NULL));
  geo = netlens_geo_open_in_dirs (dirs, &error);
  g_assert_null (geo);
  g_assert_error (error, NETLENS_GEO_ERROR, NETLENS_GEO_ERROR_OPEN);
  g_clear_error (&error);
  g_unlink (bad);

  geo = netlens_geo_open ("/nonexistent/GeoLite2-ASN.mmdb", NULL, &error);
  g_assert_null (geo);
  g_assert_error (error, NETLENS_GEO_ERROR, NETLENS_GEO_ERROR_OPEN);
  g_clear_error (&error);
  g_rmdir (empty);

  /* the default places: the user's data directory comes first */
  {
    g_auto(GStrv) search = netlens_geo_dup_search_dirs ();
    g_autofree char *user = g_build_filename (g_get_user_data_dir (), "GeoIP", NULL);

    g_assert_cmpstr (search[0], ==, user);
    g_assert_cmpstr (search[1], ==, "/var/lib/GeoIP");
    g_assert_cmpstr (search[2], ==, "/usr/share/GeoIP");
    g_assert_null (search[3]);
  }
}

static void
test_default_user_dir (void)
{
  /* G_TEST_OPTION_ISOLATE_DIRS points XDG_DATA_HOME at a temporary folder */
  g_autofree char *dir = g_build_filename (g_get_user_data_dir (), "GeoIP", NULL);
  g_autofree char *src = g_build_filename (db_dir, "GeoLite2-Country.mmdb", NULL);
  g_autofree char *dst = g_build_filename (dir, "GeoLite2-Country.mmdb", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(NetlensGeo) geo = NULL;
  g_autoptr(GError) error = NULL;
  gsize len;

  g_assert_true (g_file_get_contents (src, &contents, &len, NULL));
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (dst, contents, len, NULL));

  geo = netlens_geo_open_default (&error);
  g_assert_no_error (error);
  g_assert_cmpstr (netlens_geo_get_country_path (geo), ==, dst);
  {
    NetlensAddr addr = { { 8, 8, 8, 8 } };
    char *found = NULL;

    netlens_geo_lookup (geo, NETLENS_FAMILY_IPV4, &addr, &found, NULL, NULL);
    g_assert_cmpstr (found, ==, "US");
    g_ref_string_release (found);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *country = NULL;
  g_autofree char *asn = NULL;
  int ret;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  db_dir = g_dir_make_tmp ("netlens-geo-XXXXXX", NULL);
  g_assert_nonnull (db_dir);
  country = g_build_filename (db_dir, "GeoLite2-Country.mmdb", NULL);
  asn = g_build_filename (db_dir, "dbip-asn-lite-2026-11.mmdb", NULL);
  if (!write_db ("Country", country) || !write_db ("ASN", asn))
    g_error ("cannot write the test databases (libmaxmind-db-writer-perl)");

  g_test_add_func ("/geo/classify", test_classify);
  g_test_add_func ("/geo/lookup", test_lookup);
  g_test_add_func ("/geo/cache-bounded", test_cache_bounded);
  g_test_add_func ("/geo/enrich-and-query", test_enrich_and_query);
  g_test_add_func ("/geo/missing", test_missing);
  g_test_add_func ("/geo/default-user-dir", test_default_user_dir);
  ret = g_test_run ();

  g_unlink (country);
  g_unlink (asn);
  g_rmdir (db_dir);
  g_free (db_dir);
  return ret;
}
