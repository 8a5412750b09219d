/* fuzz-dpi-dns.c: DNS messages, names with compression, the merge into a connection's
 * entries and the passive name cache
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Input: one DNS message (as carried by UDP; TCP's length prefix is the dissector's).
 */

#define G_LOG_DOMAIN "netlens-fuzz"

#include "config.h"

#include <string.h>

#include "netlens-dpi-private.h"
#include "netlens-fuzz.h"

int
netlens_fuzz_dpi_dns (const guint8 *data,
                      gsize         size)
{
  NetlensDnsMessage msg;
  GPtrArray *entries = NULL, *copy;
  NetlensNameCache *cache;
  g_autofree guint8 *buf = NULL;

  if (size > 65535)
    return 0;
  buf = g_memdup2 (data, size);

  (void) _netlens_dns_looks_valid (buf, size);

  /* Every name the message could point at, from every offset of the first 64. */
  for (gsize start = 0; start < MIN (size, (gsize) 64); start++)
    {
      gsize offset = start;
      g_autofree char *name = _netlens_dns_read_name (buf, size, &offset);

      if (name != NULL)
        g_assert_cmpuint (offset, <=, size);
    }

  memset (&msg, 0, sizeof msg);
  if (_netlens_dns_parse (buf, size, &msg))
    {
      (void) _netlens_dns_type_name (msg.qtype);
      _netlens_dns_merge (&entries, &msg);
      /* The same message again must not grow the list. */
      if (entries != NULL)
        {
          guint n = entries->len;

          _netlens_dns_merge (&entries, &msg);
          g_assert_cmpuint (entries->len, ==, n);
        }
      cache = netlens_name_cache_new (8, 60);
      if (msg.addresses != NULL)
        for (guint i = 0; i < msg.addresses->len; i++)
          {
            const NetlensDnsAddress *a = &g_array_index (msg.addresses, NetlensDnsAddress, i);
            char *found;

            netlens_name_cache_insert (cache, a->family, &a->addr, a->owner, 1000000);
            found = netlens_name_cache_lookup (cache, a->family, &a->addr, 2000000);
            g_assert_nonnull (found);
            g_ref_string_release (found);
          }
      g_assert_cmpuint (netlens_name_cache_get_size (cache), <=, 8);
      netlens_name_cache_free (cache);
      _netlens_dns_message_clear (&msg);
    }
  copy = _netlens_dns_entries_copy (entries);
  g_clear_pointer (&entries, g_ptr_array_unref);
  g_clear_pointer (&copy, g_ptr_array_unref);
  return 0;
}

NETLENS_FUZZ_TARGET (netlens_fuzz_dpi_dns)
