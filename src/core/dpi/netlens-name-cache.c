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
 *
 * "As of" the lookup's time: the pipeline feeds UDP DNS answers from its reader thread, in
 * capture order and before the packets behind them reach any worker, so by the time a worker
 * looks up an address the cache may already hold answers from later in the capture.  Each
 * address therefore keeps its last few runs (one name, answered again and again with no gap
 * longer than the freshness), and a lookup at time T sees the latest run that began at or
 * before T, if T is within the freshness of it.  Inside a run every moment is within the
 * freshness of an answer before it, so what a lookup returns does not depend on how far the
 * reader is ahead: the naming is the same with 1 and N workers.  One mutex: inserts come from
 * DNS answers and lookups at row creation, both rare compared with packets. */

/* Runs kept per address: every run whose successor began less than RUNS_KEEP_US (capture time)
 * before the newest answer, which covers any distance the reader can be ahead of a worker on
 * real traffic, and never more than RUNS_MAX (a flood of answers for one address). */
#define RUNS_KEEP_US (120 * G_USEC_PER_SEC)
#define RUNS_MAX     64

typedef struct
{
  guint8      family;
  NetlensAddr addr;
} CacheKey;

typedef struct
{
  char   *name;        /* GRefString */
  gint64  first_us;    /* the run's first answer */
  gint64  last_us;     /* its latest answer */
} CacheRun;

typedef struct
{
  CacheKey  key;
  CacheRun *runs;      /* oldest first */
  guint     n_runs;
  guint     runs_size;
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

  for (guint i = 0; i < entry->n_runs; i++)
    g_ref_string_release (entry->runs[i].name);
  g_free (entry->runs);
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
      entry->link.data = entry;
      g_queue_push_tail_link (&cache->age, &entry->link);
      g_hash_table_insert (cache->table, &entry->key, entry);
    }

  if (entry->n_runs > 0)
    {
      CacheRun *run = &entry->runs[entry->n_runs - 1];

      /* the same name again, with no gap longer than the freshness: the run goes on */
      if (strcmp (run->name, name) == 0 && now_us - run->last_us <= cache->freshness_us
          && now_us >= run->first_us)
        {
          run->last_us = MAX (run->last_us, now_us);
          g_mutex_unlock (&cache->lock);
          return;
        }
    }
  {
    guint drop = 0;

    while (entry->n_runs - drop > 0
           && (entry->n_runs - drop >= RUNS_MAX
               || (entry->n_runs - drop > 1
                   && entry->runs[drop + 1].first_us < now_us - RUNS_KEEP_US)
               || (entry->n_runs - drop == 1
                   && entry->runs[drop].last_us < now_us - RUNS_KEEP_US - cache->freshness_us)))
      g_ref_string_release (entry->runs[drop++].name);
    if (drop > 0)
      {
        entry->n_runs -= drop;
        memmove (&entry->runs[0], &entry->runs[drop], entry->n_runs * sizeof (CacheRun));
      }
  }
  if (entry->n_runs == entry->runs_size)
    {
      entry->runs_size = entry->runs_size == 0 ? 1 : MIN (entry->runs_size * 2, RUNS_MAX);
      entry->runs = g_renew (CacheRun, entry->runs, entry->runs_size);
    }
  /* A GRefString, not interned: in GLib 2.74 a thread dropping an interned string's last
   * reference races with another interning the same text (it gets the freed string); rows
   * release their names on the workers and the main thread while the reader names new ones. */
  entry->runs[entry->n_runs].name = g_ref_string_new (name);
  entry->runs[entry->n_runs].first_us = now_us;
  entry->runs[entry->n_runs].last_us = now_us;
  entry->n_runs++;
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
  /* the latest run that began at or before NOW_US (see the top of the file) */
  for (guint i = entry != NULL ? entry->n_runs : 0; i > 0; i--)
    {
      const CacheRun *run = &entry->runs[i - 1];

      if (run->first_us > now_us)
        continue;
      if (now_us - run->last_us <= cache->freshness_us)
        name = g_ref_string_acquire (run->name);
      break;
    }
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
