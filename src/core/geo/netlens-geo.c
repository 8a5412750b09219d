/* netlens-geo.c: GeoIP country and ASN through libmaxminddb
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "netlens-geo"

#include "config.h"

#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <maxminddb.h>
#include <glib.h>

#include "netlens-geo.h"

/* Two generations of at most half the limit each: a hit in the old one moves the
 * entry to the new one, and when the new one is full the old one is dropped.  So
 * the cache stays bounded and keeps what is used, without a list per entry. */
#define DEFAULT_CACHE_LIMIT 8192

typedef struct
{
  guint8 family;
  guint8 bytes[16];
} CacheKey;

typedef struct
{
  char    *country;  /* GRefString */
  char    *as_org;   /* GRefString */
  guint32  asn;
} CacheEntry;

struct _NetlensGeo
{
  MMDB_s      *country_db;
  MMDB_s      *asn_db;
  char        *country_path;
  char        *asn_path;
  GMutex       lock;
  GHashTable  *young;  /* CacheKey → CacheEntry */
  GHashTable  *old;
  guint        cache_limit;
};

G_DEFINE_QUARK (netlens-geo-error-quark, netlens_geo_error)

/* ------------------------------------------------------------------ ranges */

static gboolean
v4_in (const guint8 *a,
       guint32       net,
       guint         prefix)
{
  guint32 v = ((guint32) a[0] << 24) | ((guint32) a[1] << 16) | ((guint32) a[2] << 8) | a[3];
  guint32 mask = prefix == 0 ? 0 : 0xFFFFFFFFu << (32 - prefix);

  return (v & mask) == (net & mask);
}

static NetlensGeoRange
classify_v4 (const guint8 *a)
{
  if (a[0] == 255 && a[1] == 255 && a[2] == 255 && a[3] == 255)
    return NETLENS_GEO_RANGE_BROADCAST;
  if (v4_in (a, 0x00000000, 8))
    return NETLENS_GEO_RANGE_UNSPECIFIED;
  if (v4_in (a, 0x0A000000, 8) || v4_in (a, 0xAC100000, 12) || v4_in (a, 0xC0A80000, 16))
    return NETLENS_GEO_RANGE_PRIVATE;
  if (v4_in (a, 0x64400000, 10))
    return NETLENS_GEO_RANGE_SHARED;
  if (v4_in (a, 0x7F000000, 8))
    return NETLENS_GEO_RANGE_LOOPBACK;
  if (v4_in (a, 0xA9FE0000, 16))
    return NETLENS_GEO_RANGE_LINK_LOCAL;
  if (v4_in (a, 0xC0000200, 24) || v4_in (a, 0xC6336400, 24) || v4_in (a, 0xCB007100, 24))
    return NETLENS_GEO_RANGE_DOCUMENTATION;
  if (v4_in (a, 0xC0000000, 24)      /* IETF protocol assignments */
      || v4_in (a, 0xC6120000, 15))  /* benchmarking */
    return NETLENS_GEO_RANGE_RESERVED;
  if (v4_in (a, 0xE0000000, 4))
    return NETLENS_GEO_RANGE_MULTICAST;
  if (v4_in (a, 0xF0000000, 4))
    return NETLENS_GEO_RANGE_RESERVED;
  return NETLENS_GEO_RANGE_PUBLIC;
}

static gboolean
is_v4_mapped (const guint8 *a)
{
  static const guint8 prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF };

  return memcmp (a, prefix, sizeof prefix) == 0;
}

static NetlensGeoRange
classify_v6 (const guint8 *a)
{
  static const guint8 zero[16] = { 0 };

  if (is_v4_mapped (a))
    return classify_v4 (a + 12);
  if (memcmp (a, zero, 15) == 0)
    return a[15] == 1 ? NETLENS_GEO_RANGE_LOOPBACK : NETLENS_GEO_RANGE_UNSPECIFIED;
  if (a[0] == 0xFF)
    return NETLENS_GEO_RANGE_MULTICAST;
  if (a[0] == 0xFE && (a[1] & 0xC0) == 0x80)
    return NETLENS_GEO_RANGE_LINK_LOCAL;
  if ((a[0] & 0xFE) == 0xFC || (a[0] == 0xFE && (a[1] & 0xC0) == 0xC0))
    return NETLENS_GEO_RANGE_PRIVATE;
  if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0D && a[3] == 0xB8)
    return NETLENS_GEO_RANGE_DOCUMENTATION;
  /* 2001::/23 IETF protocol assignments (Teredo, ORCHID…) */
  if (a[0] == 0x20 && a[1] == 0x01 && (a[2] & 0xFE) == 0x00)
    return NETLENS_GEO_RANGE_RESERVED;
  /* only 2000::/3 is global unicast */
  if ((a[0] & 0xE0) != 0x20)
    return NETLENS_GEO_RANGE_RESERVED;
  return NETLENS_GEO_RANGE_PUBLIC;
}

NetlensGeoRange
netlens_geo_classify (NetlensFamily      family,
                      const NetlensAddr *addr)
{
  g_return_val_if_fail (addr != NULL, NETLENS_GEO_RANGE_NOT_IP);

  switch (family)
    {
    case NETLENS_FAMILY_IPV4:
      return classify_v4 (addr->bytes);
    case NETLENS_FAMILY_IPV6:
      return classify_v6 (addr->bytes);
    case NETLENS_FAMILY_NONE:
    case NETLENS_FAMILY_MAC:
    default:
      return NETLENS_GEO_RANGE_NOT_IP;
    }
}

const char *
netlens_geo_range_to_string (NetlensGeoRange range)
{
  static const char * const names[NETLENS_GEO_N_RANGES] = {
    [NETLENS_GEO_RANGE_PUBLIC] = "public",
    [NETLENS_GEO_RANGE_PRIVATE] = "private",
    [NETLENS_GEO_RANGE_SHARED] = "shared",
    [NETLENS_GEO_RANGE_LOOPBACK] = "loopback",
    [NETLENS_GEO_RANGE_LINK_LOCAL] = "link-local",
    [NETLENS_GEO_RANGE_MULTICAST] = "multicast",
    [NETLENS_GEO_RANGE_BROADCAST] = "broadcast",
    [NETLENS_GEO_RANGE_UNSPECIFIED] = "unspecified",
    [NETLENS_GEO_RANGE_DOCUMENTATION] = "documentation",
    [NETLENS_GEO_RANGE_RESERVED] = "reserved",
    [NETLENS_GEO_RANGE_NOT_IP] = "not-ip",
  };

  if ((guint) range >= NETLENS_GEO_N_RANGES)
    return "reserved";
  return names[range];
}

/* ------------------------------------------------------------------ files */

char **
netlens_geo_dup_search_dirs (void)
{
  char **dirs = g_new0 (char *, 4);

  dirs[0] = g_build_filename (g_get_user_data_dir (), "GeoIP", NULL);
  dirs[1] = g_strdup ("/var/lib/GeoIP");
  dirs[2] = g_strdup ("/usr/share/GeoIP");
  return dirs;
}

static const char * const country_names[] = {
  "GeoLite2-Country", "GeoIP2-Country", "dbip-country-lite", "dbip-country",
  "GeoLite2-City", "GeoIP2-City", "dbip-city-lite", NULL
};
static const char * const asn_names[] = {
  "GeoLite2-ASN", "GeoIP2-ISP", "dbip-asn-lite", "dbip-asn", NULL
};

/* BASE.mmdb, else the newest BASE-YYYY-MM.mmdb (DB-IP's monthly names). */
static char *
find_in_dir (const char *dir,
             const char *base)
{
  g_autofree char *exact_name = g_strconcat (base, ".mmdb", NULL);
  g_autofree char *exact = g_build_filename (dir, exact_name, NULL);
  g_autoptr(GDir) d = NULL;
  g_autofree char *best = NULL;
  gsize base_len = strlen (base);
  const char *name;

  if (g_file_test (exact, G_FILE_TEST_IS_REGULAR))
    return g_steal_pointer (&exact);

  d = g_dir_open (dir, 0, NULL);
  if (d == NULL)
    return NULL;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      if (strncmp (name, base, base_len) != 0 || name[base_len] != '-'
          || !g_ascii_isdigit (name[base_len + 1]) || !g_str_has_suffix (name, ".mmdb"))
        continue;
      if (best == NULL || strcmp (name, best) > 0)
        {
          g_free (best);
          best = g_strdup (name);
        }
    }
  return best != NULL ? g_build_filename (dir, best, NULL) : NULL;
}

static char *
find_db (const char * const *dirs,
         const char * const *names)
{
  for (guint i = 0; dirs[i] != NULL; i++)
    for (guint j = 0; names[j] != NULL; j++)
      {
        char *path = find_in_dir (dirs[i], names[j]);

        if (path != NULL)
          return path;
      }
  return NULL;
}

static MMDB_s *
open_mmdb (const char  *path,
           GError     **error)
{
  MMDB_s *db = g_new0 (MMDB_s, 1);
  int status = MMDB_open (path, MMDB_MODE_MMAP, db);

  if (status != MMDB_SUCCESS)
    {
      g_set_error (error, NETLENS_GEO_ERROR, NETLENS_GEO_ERROR_OPEN,
                   "%s: %s", path, MMDB_strerror (status));
      g_free (db);
      return NULL;
    }
  return db;
}

static void
cache_entry_free (gpointer data)
{
  CacheEntry *entry = data;

  g_clear_pointer (&entry->country, g_ref_string_release);
  g_clear_pointer (&entry->as_org, g_ref_string_release);
  g_free (entry);
}

static guint
cache_key_hash (gconstpointer data)
{
  const CacheKey *key = data;
  guint h = 2166136261u ^ key->family;

  for (guint i = 0; i < sizeof key->bytes; i++)
    h = (h ^ key->bytes[i]) * 16777619u;
  return h;
}

static gboolean
cache_key_equal (gconstpointer a,
                 gconstpointer b)
{
  return memcmp (a, b, sizeof (CacheKey)) == 0;
}

static GHashTable *
cache_table_new (void)
{
  return g_hash_table_new_full (cache_key_hash, cache_key_equal, g_free, cache_entry_free);
}

NetlensGeo *
netlens_geo_open (const char  *country_path,
                  const char  *asn_path,
                  GError     **error)
{
  g_autoptr(NetlensGeo) geo = NULL;

  g_return_val_if_fail (country_path != NULL || asn_path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  geo = g_new0 (NetlensGeo, 1);
  g_mutex_init (&geo->lock);
  geo->young = cache_table_new ();
  geo->old = cache_table_new ();
  geo->cache_limit = DEFAULT_CACHE_LIMIT;

  if (country_path != NULL)
    {
      geo->country_db = open_mmdb (country_path, error);
      if (geo->country_db == NULL)
        return NULL;
      geo->country_path = g_strdup (country_path);
    }
  if (asn_path != NULL)
    {
      geo->asn_db = open_mmdb (asn_path, error);
      if (geo->asn_db == NULL)
        return NULL;
      geo->asn_path = g_strdup (asn_path);
    }
  g_debug ("GeoIP: country %s, ASN %s",
           country_path ? country_path : "(none)", asn_path ? asn_path : "(none)");
  return g_steal_pointer (&geo);
}

NetlensGeo *
netlens_geo_open_in_dirs (const char * const  *dirs,
                          GError             **error)
{
  g_autofree char *country = NULL;
  g_autofree char *asn = NULL;

  g_return_val_if_fail (dirs != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  country = find_db (dirs, country_names);
  asn = find_db (dirs, asn_names);
  if (country == NULL && asn == NULL)
    {
      g_autofree char *joined = g_strjoinv (", ", (char **) dirs);

      g_set_error (error, NETLENS_GEO_ERROR, NETLENS_GEO_ERROR_NOT_FOUND,
                   "no GeoIP database (GeoLite2-Country.mmdb, GeoLite2-ASN.mmdb, "
                   "dbip-country-lite.mmdb or dbip-asn-lite.mmdb) in %s", joined);
      return NULL;
    }
  return netlens_geo_open (country, asn, error);
}

NetlensGeo *
netlens_geo_open_default (GError **error)
{
  g_auto(GStrv) dirs = netlens_geo_dup_search_dirs ();

  return netlens_geo_open_in_dirs ((const char * const *) dirs, error);
}

void
netlens_geo_free (NetlensGeo *geo)
{
  if (geo == NULL)
    return;
  if (geo->country_db != NULL)
    MMDB_close (geo->country_db);
  if (geo->asn_db != NULL)
    MMDB_close (geo->asn_db);
  g_free (geo->country_db);
  g_free (geo->asn_db);
  g_free (geo->country_path);
  g_free (geo->asn_path);
  g_clear_pointer (&geo->young, g_hash_table_unref);
  g_clear_pointer (&geo->old, g_hash_table_unref);
  g_mutex_clear (&geo->lock);
  g_free (geo);
}

const char *
netlens_geo_get_country_path (NetlensGeo *geo)
{
  g_return_val_if_fail (geo != NULL, NULL);
  return geo->country_path;
}

const char *
netlens_geo_get_asn_path (NetlensGeo *geo)
{
  g_return_val_if_fail (geo != NULL, NULL);
  return geo->asn_path;
}

/* ------------------------------------------------------------------ lookup */

static char *
get_string (MMDB_entry_s *entry,
            const char   *first,
            const char   *second)
{
  MMDB_entry_data_s data;
  int status;

  if (second != NULL)
    status = MMDB_get_value (entry, &data, first, second, NULL);
  else
    status = MMDB_get_value (entry, &data, first, NULL);
  if (status != MMDB_SUCCESS || !data.has_data || data.type != MMDB_DATA_TYPE_UTF8_STRING
      || data.data_size == 0 || data.data_size > 256)
    return NULL;

  {
    g_autofree char *copy = g_strndup (data.utf8_string, data.data_size);

    if (!g_utf8_validate (copy, -1, NULL))
      return NULL;
    return g_ref_string_new (copy);  /* not interned: GLib 2.74 interning races */
  }
}

static guint32
get_asn (MMDB_entry_s *entry)
{
  MMDB_entry_data_s data;

  if (MMDB_get_value (entry, &data, "autonomous_system_number", NULL) != MMDB_SUCCESS
      || !data.has_data)
    return 0;
  switch (data.type)
    {
    case MMDB_DATA_TYPE_UINT16:
      return data.uint16;
    case MMDB_DATA_TYPE_UINT32:
      return data.uint32;
    case MMDB_DATA_TYPE_UINT64:
      return data.uint64 <= G_MAXUINT32 ? (guint32) data.uint64 : 0;
    case MMDB_DATA_TYPE_INT32:
      return data.int32 > 0 ? (guint32) data.int32 : 0;
    default:
      return 0;
    }
}

static gboolean
mmdb_find (MMDB_s                *db,
           const struct sockaddr *sa,
           MMDB_entry_s          *entry)
{
  MMDB_lookup_result_s result;
  int mmdb_error = MMDB_SUCCESS;

  result = MMDB_lookup_sockaddr (db, sa, &mmdb_error);
  if (mmdb_error != MMDB_SUCCESS || !result.found_entry)
    return FALSE;
  *entry = result.entry;
  return TRUE;
}

static void
lookup_uncached (NetlensGeo   *geo,
                 const guint8 *bytes,
                 gboolean      v4,
                 CacheEntry   *out)
{
  struct sockaddr_in sin;
  struct sockaddr_in6 sin6;
  const struct sockaddr *sa;
  MMDB_entry_s entry;

  if (v4)
    {
      memset (&sin, 0, sizeof sin);
      sin.sin_family = AF_INET;
      memcpy (&sin.sin_addr, bytes, 4);
      sa = (const struct sockaddr *) &sin;
    }
  else
    {
      memset (&sin6, 0, sizeof sin6);
      sin6.sin6_family = AF_INET6;
      memcpy (&sin6.sin6_addr, bytes, 16);
      sa = (const struct sockaddr *) &sin6;
    }

  if (geo->country_db != NULL && mmdb_find (geo->country_db, sa, &entry))
    {
      out->country = get_string (&entry, "country", "iso_code");
      if (out->country == NULL)
        out->country = get_string (&entry, "registered_country", "iso_code");
      /* a combined database may carry the AS too */
      out->asn = get_asn (&entry);
      if (out->asn != 0)
        out->as_org = get_string (&entry, "autonomous_system_organization", NULL);
    }
  if (geo->asn_db != NULL && out->asn == 0 && mmdb_find (geo->asn_db, sa, &entry))
    {
      out->asn = get_asn (&entry);
      out->as_org = get_string (&entry, "autonomous_system_organization", NULL);
      if (out->country == NULL)
        out->country = get_string (&entry, "country", "iso_code");
    }
}

NetlensGeoRange
netlens_geo_lookup (NetlensGeo        *geo,
                    NetlensFamily      family,
                    const NetlensAddr *addr,
                    char             **country,
                    guint32           *asn,
                    char             **as_org)
{
  NetlensGeoRange range;
  CacheKey key;
  CacheEntry *entry;
  gboolean v4;

  if (country != NULL)
    *country = NULL;
  if (asn != NULL)
    *asn = 0;
  if (as_org != NULL)
    *as_org = NULL;

  g_return_val_if_fail (geo != NULL, NETLENS_GEO_RANGE_NOT_IP);
  g_return_val_if_fail (addr != NULL, NETLENS_GEO_RANGE_NOT_IP);

  range = netlens_geo_classify (family, addr);
  if (range != NETLENS_GEO_RANGE_PUBLIC)
    return range;

  memset (&key, 0, sizeof key);
  v4 = family == NETLENS_FAMILY_IPV4 || is_v4_mapped (addr->bytes);
  key.family = v4 ? 4 : 6;
  memcpy (key.bytes, v4 && family == NETLENS_FAMILY_IPV6 ? addr->bytes + 12 : addr->bytes,
          v4 ? 4 : 16);

  g_mutex_lock (&geo->lock);
  entry = g_hash_table_lookup (geo->young, &key);
  if (entry == NULL)
    {
      gpointer old_key = NULL, old_value = NULL;

      if (g_hash_table_steal_extended (geo->old, &key, &old_key, &old_value))
        entry = old_value;
      else
        {
          entry = g_new0 (CacheEntry, 1);
          lookup_uncached (geo, key.bytes, v4, entry);
          old_key = g_memdup2 (&key, sizeof key);
        }
      if (g_hash_table_size (geo->young) >= MAX (geo->cache_limit / 2, 1))
        {
          g_hash_table_unref (geo->old);
          geo->old = geo->young;
          geo->young = cache_table_new ();
        }
      g_hash_table_insert (geo->young, old_key, entry);
    }
  if (country != NULL && entry->country != NULL)
    *country = g_ref_string_acquire (entry->country);
  if (asn != NULL)
    *asn = entry->asn;
  if (as_org != NULL && entry->as_org != NULL)
    *as_org = g_ref_string_acquire (entry->as_org);
  g_mutex_unlock (&geo->lock);

  return range;
}

void
netlens_geo_enrich (NetlensGeo        *geo,
                    NetlensConnection *conn)
{
  const NetlensAddr *addr;
  NetlensFamily family;
  char *country = NULL;
  char *as_org = NULL;
  guint32 asn = 0;

  g_return_if_fail (geo != NULL);
  g_return_if_fail (conn != NULL);

  family = conn->key.family;
  if (family != NETLENS_FAMILY_IPV4 && family != NETLENS_FAMILY_IPV6)
    return;

  addr = &conn->key.raddr;
  if (netlens_geo_classify (family, addr) != NETLENS_GEO_RANGE_PUBLIC
      && netlens_geo_classify (family, &conn->key.laddr) == NETLENS_GEO_RANGE_PUBLIC)
    addr = &conn->key.laddr;

  netlens_geo_lookup (geo, family, addr, &country, &asn, &as_org);

  g_clear_pointer (&conn->country, g_ref_string_release);
  g_clear_pointer (&conn->as_org, g_ref_string_release);
  conn->country = country;
  conn->as_org = as_org;
  conn->asn = asn;
}

guint
netlens_geo_get_cache_size (NetlensGeo *geo)
{
  guint n;

  g_return_val_if_fail (geo != NULL, 0);
  g_mutex_lock (&geo->lock);
  n = g_hash_table_size (geo->young) + g_hash_table_size (geo->old);
  g_mutex_unlock (&geo->lock);
  return n;
}

guint
netlens_geo_get_cache_limit (NetlensGeo *geo)
{
  g_return_val_if_fail (geo != NULL, 0);
  return geo->cache_limit;
}

void
netlens_geo_set_cache_limit (NetlensGeo *geo,
                             guint       limit)
{
  g_return_if_fail (geo != NULL);
  g_mutex_lock (&geo->lock);
  geo->cache_limit = MAX (limit, 2);
  g_hash_table_remove_all (geo->old);
  g_hash_table_remove_all (geo->young);
  g_mutex_unlock (&geo->lock);
}
