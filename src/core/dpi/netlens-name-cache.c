/* netlens-name-cache.c: passive DNS, address -> name seen in DNS answers
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "netlens-dpi"

#include "config.h"

#include <string.h>

#include "netlens-dpi.h"

/* Bounded: at most max_entries addresses; when full, the least recently answered address
 * is dropped.  Fresh: a name is returned only within freshness_s seconds of the answer
 * that carried it (capture time, not wall-clock time, so files replay the same way).
 * One mutex: inserts come from the DNS dissector and lookups at row creation, both rare
 * compared with packets. */

typedef struct
{
  guint8      family;
  NetlensAddr addr;
} CacheKey;

typedef struct
{
  CacheKey  key;
  char     *name;      /* GRefString */
  gint64    seen_us;
  GList     link;      /* in the age list, oldest first */
} CacheEntry;

struct _NetlensNameCache
{
  GMutex      lock;
  GHashTable *table;   /* CacheKey* -> CacheEntry* (the key lives in the entry) */
  GQueue      age;
  guint       max_entries;
  gint64      freshness_us;
};

static guint
cache_key_hash (gconstpointer p)
{
  const CacheKey *k = p;
  guint h = k->family;

  for (guint i = 0; i < 16; i++)
    h = h * 31 + k->addr.bytes[i];
  return h;
}

static gboolean
cache_key_equal (gconstpointer a, gconstpointer b)
{
  const CacheKey *ka = a, *kb = b;

  return ka->family == kb->family && memcmp (&ka->addr, &kb->addr, sizeof ka->addr) == 0;
}

static void
cache_entry_free (gpointer p)
{
  CacheEntry *entry = p;

  g_ref_string_release (entry->name);
  g_free (entry);
}

NetlensNameCache *
netlens_name_cache_new (guint max_entries,
                        guint freshness_s)
{
  NetlensNameCache *cache = g_new0 (NetlensNameCache, 1);

  g_mutex_init (&cache->lock);
  cache->table = g_hash_table_new_full (cache_key_hash, cache_key_equal, NULL,
                                        cache_entry_free);
  g_queue_init (&cache->age);
  cache->max_entries = MAX (max_entries, 1);
  cache->freshness_us = (gint64) freshness_s * G_USEC_PER_SEC;
  return cache;
}

void
netlens_name_cache_free (NetlensNameCache *cache)
{
  if (cache == NULL)
    return;
  g_hash_table_destroy (cache->table);
  g_mutex_clear (&cache->lock);
  g_free (cache);
}

static void
make_key (CacheKey *key, NetlensFamily family, const NetlensAddr *addr)
{
  memset (key, 0, sizeof *key);
  key->family = family;
  if (family == NETLENS_FAMILY_IPV4)
    memcpy (key->addr.bytes, addr->bytes, 4);
  else
    key->addr = *addr;
}

void
netlens_name_cache_insert (NetlensNameCache  *cache,
                           NetlensFamily      family,
                           const NetlensAddr *addr,
                           const char        *name,
                           gint64             now_us)
{
  CacheKey key;
  CacheEntry *entry;

  g_return_if_fail (cache != NULL);
  g_return_if_fail (addr != NULL);
  g_return_if_fail (name != NULL);

  make_key (&key, family, addr);
  g_mutex_lock (&cache->lock);
  entry = g_hash_table_lookup (cache->table, &key);
  if (entry != NULL)
    {
      if (strcmp (entry->name, name) != 0)
        {
          g_ref_string_release (entry->name);
          entry->name = g_ref_string_new_intern (name);
        }
      entry->seen_us = MAX (entry->seen_us, now_us);
      g_queue_unlink (&cache->age, &entry->link);
      g_queue_push_tail_link (&cache->age, &entry->link);
    }
  else
    {
      while (g_hash_table_size (cache->table) >= cache->max_entries)
        {
          GList *oldest = g_queue_pop_head_link (&cache->age);
          CacheEntry *victim = oldest->data;

          g_hash_table_remove (cache->table, &victim->key);
        }
      entry = g_new0 (CacheEntry, 1);
      entry->key = key;
      entry->name = g_ref_string_new_intern (name);
      entry->seen_us = now_us;
      entry->link.data = entry;
      g_queue_push_tail_link (&cache->age, &entry->link);
      g_hash_table_insert (cache->table, &entry->key, entry);
    }
  g_mutex_unlock (&cache->lock);
}

char *
netlens_name_cache_lookup (NetlensNameCache  *cache,
                           NetlensFamily      family,
                           const NetlensAddr *addr,
                           gint64             now_us)
{
  CacheKey key;
  CacheEntry *entry;
  char *name = NULL;

  g_return_val_if_fail (cache != NULL, NULL);
  g_return_val_if_fail (addr != NULL, NULL);

  make_key (&key, family, addr);
  g_mutex_lock (&cache->lock);
  entry = g_hash_table_lookup (cache->table, &key);
  /* A lookup slightly earlier than the insert (another worker's packet) is fresh too. */
  if (entry != NULL && now_us - entry->seen_us <= cache->freshness_us)
    name = g_ref_string_acquire (entry->name);
  g_mutex_unlock (&cache->lock);
  return name;
}

guint
netlens_name_cache_get_size (NetlensNameCache *cache)
{
  guint n;

  g_return_val_if_fail (cache != NULL, 0);
  g_mutex_lock (&cache->lock);
  n = g_hash_table_size (cache->table);
  g_mutex_unlock (&cache->lock);
  return n;
}
