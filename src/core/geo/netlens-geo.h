/* netlens-geo.h: GeoIP country and ASN through libmaxminddb
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "netlens-connection.h"

G_BEGIN_DECLS

/* What kind of address space an address is in.  Only NETLENS_GEO_RANGE_PUBLIC
 * addresses are looked up; the others are labelled with
 * netlens_geo_range_to_string() ("private", "loopback", …). */
typedef enum
{
  NETLENS_GEO_RANGE_PUBLIC = 0,
  NETLENS_GEO_RANGE_PRIVATE,        /* RFC 1918, IPv6 ULA fc00::/7, site-local fec0::/10 */
  NETLENS_GEO_RANGE_SHARED,         /* 100.64.0.0/10, carrier-grade NAT (RFC 6598) */
  NETLENS_GEO_RANGE_LOOPBACK,       /* 127.0.0.0/8, ::1 */
  NETLENS_GEO_RANGE_LINK_LOCAL,     /* 169.254.0.0/16, fe80::/10 */
  NETLENS_GEO_RANGE_MULTICAST,      /* 224.0.0.0/4, ff00::/8 */
  NETLENS_GEO_RANGE_BROADCAST,      /* 255.255.255.255 */
  NETLENS_GEO_RANGE_UNSPECIFIED,    /* 0.0.0.0/8, :: */
  NETLENS_GEO_RANGE_DOCUMENTATION,  /* 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32 */
  NETLENS_GEO_RANGE_RESERVED,       /* everything else that is not routed on the Internet */
  NETLENS_GEO_RANGE_NOT_IP,         /* MAC addresses and unknown families */
  NETLENS_GEO_N_RANGES
} NetlensGeoRange;

typedef struct _NetlensGeo NetlensGeo;

#define NETLENS_GEO_ERROR (netlens_geo_error_quark ())

typedef enum
{
  NETLENS_GEO_ERROR_NOT_FOUND,  /* no database in the searched places */
  NETLENS_GEO_ERROR_OPEN,       /* a named file is missing or not a MaxMind DB */
} NetlensGeoError;

GQuark               netlens_geo_error_quark      (void);

/* Thread-safe and pure: no database needed. */
NetlensGeoRange      netlens_geo_classify         (NetlensFamily      family,
                                                   const NetlensAddr *addr);
/* "public", "private", "shared", "loopback", "link-local", "multicast", "broadcast",
 * "unspecified", "documentation", "reserved", "not-ip". */
const char          *netlens_geo_range_to_string  (NetlensGeoRange    range);

/* The folders searched by netlens_geo_open_default(), in order: the user's data
 * directory ($XDG_DATA_HOME/GeoIP), /var/lib/GeoIP, /usr/share/GeoIP.  For the
 * Preferences text that says where to put a database.  Free with g_strfreev(). */
char               **netlens_geo_dup_search_dirs  (void);

/* Finds GeoLite2-Country / GeoLite2-City / dbip-country-lite(-YYYY-MM) / dbip-city-lite
 * and GeoLite2-ASN / dbip-asn-lite(-YYYY-MM) .mmdb files in the search dirs.
 * NULL with NETLENS_GEO_ERROR_NOT_FOUND when there is none. */
NetlensGeo          *netlens_geo_open_default     (GError           **error);
/* As above, in DIRS (NULL-terminated) only. */
NetlensGeo          *netlens_geo_open_in_dirs     (const char * const *dirs,
                                                   GError           **error);
/* Explicit files (Preferences); either may be NULL, not both.  A file that is
 * named but cannot be opened is an error. */
NetlensGeo          *netlens_geo_open             (const char        *country_path,
                                                   const char        *asn_path,
                                                   GError           **error);
void                 netlens_geo_free             (NetlensGeo        *geo);

/* The files in use, or NULL. */
const char          *netlens_geo_get_country_path (NetlensGeo        *geo);
const char          *netlens_geo_get_asn_path     (NetlensGeo        *geo);

/* Looks ADDR up (through a bounded cache; thread-safe).  On return *COUNTRY is an
 * ISO 3166 code as a GRefString (release it) or NULL, *ASN the AS number or 0 and
 * *AS_ORG the AS organisation as a GRefString or NULL; any of them may be NULL.
 * Addresses outside the public range are not looked up: the return value says
 * which range ADDR is in. */
NetlensGeoRange      netlens_geo_lookup           (NetlensGeo        *geo,
                                                   NetlensFamily      family,
                                                   const NetlensAddr *addr,
                                                   char             **country,
                                                   guint32           *asn,
                                                   char             **as_org);

/* Fills CONN->country / asn / as_org from its remote address (or from the local
 * one when only that is public, as for an incoming connection in a capture file).
 * Fields already set are replaced. */
void                 netlens_geo_enrich           (NetlensGeo        *geo,
                                                   NetlensConnection *conn);

/* Cache statistics, for tests. */
guint                netlens_geo_get_cache_size   (NetlensGeo        *geo);
guint                netlens_geo_get_cache_limit  (NetlensGeo        *geo);
void                 netlens_geo_set_cache_limit  (NetlensGeo        *geo,
                                                   guint              limit);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NetlensGeo, netlens_geo_free)

G_END_DECLS
