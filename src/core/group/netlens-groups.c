/* netlens-groups.c: connections grouped per program and per remote host
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "netlens-groups"

#include "config.h"

#include <string.h>
#include <glib.h>

#include "netlens-groups.h"

/* A group and what it needs besides its public fields. */
typedef struct
{
  NetlensGroup  pub;
  GHashTable   *peers;       /* the other kind's key → number of rows (GUINT_TO_POINTER) */
  guint64       pending_rx;  /* bytes since the last tick */
  guint64       pending_tx;
} Group;

/* What a row has contributed so far, to add only differences and to move it. */
typedef struct
{
  guint32  id;
  gboolean open;
  Group   *group[NETLENS_N_GROUP_KINDS];
  guint64  rx_bytes;
  guint64  tx_bytes;
  guint64  rx_packets;
  guint64  tx_packets;
} Row;

struct _NetlensGroups
{
  GHashTable *groups[NETLENS_N_GROUP_KINDS];  /* key → Group */
  GHashTable *rows;                           /* id → Row */
  GPtrArray  *list[NETLENS_N_GROUP_KINDS];    /* scratch for netlens_groups_list() */
  guint64     rx_bytes;
  guint64     tx_bytes;
  guint64     pending_rx;
  guint64     pending_tx;
  double      rx_rate;
  double      tx_rate;
  gint64      last_tick;
  guint64     serial;     /* the last serial given to a group: never reused */
};

static void
group_free (gpointer data)
{
  Group *group = data;

  g_free (group->pub.key);
  g_free (group->pub.label);
  g_free (group->pub.app_id);
  g_free (group->pub.exe);
  g_free (group->pub.process_name);
  g_free (group->pub.address);
  g_clear_pointer (&group->pub.country, g_ref_string_release);
  g_clear_pointer (&group->pub.as_org, g_ref_string_release);
  g_clear_pointer (&group->peers, g_hash_table_unref);
  g_free (group);
}

NetlensGroups *
netlens_groups_new (void)
{
  NetlensGroups *groups = g_new0 (NetlensGroups, 1);

  for (guint k = 0; k < NETLENS_N_GROUP_KINDS; k++)
    {
      /* the key string is owned by the group */
      groups->groups[k] = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, group_free);
      groups->list[k] = g_ptr_array_new ();
    }
  groups->rows = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  return groups;
}

void
netlens_groups_free (NetlensGroups *groups)
{
  if (groups == NULL)
    return;
  g_hash_table_unref (groups->rows);
  for (guint k = 0; k < NETLENS_N_GROUP_KINDS; k++)
    {
      g_ptr_array_unref (groups->list[k]);
      g_hash_table_unref (groups->groups[k]);
    }
  g_free (groups);
}

/* ------------------------------------------------------------------ keys */

static gboolean
has_text (const char *s)
{
  return s != NULL && *s != '\0';
}

char *
netlens_group_key_for_process (const NetlensConnection *conn)
{
  const NetlensOwner *owner;

  g_return_val_if_fail (conn != NULL, NULL);

  owner = conn->process;
  if (owner == NULL)
    return g_strdup ("unknown");
  if (has_text (owner->app_id))
    return g_strconcat ("app:", owner->app_id, NULL);
  if (has_text (owner->exe))
    return g_strconcat ("exe:", owner->exe, NULL);
  if (has_text (owner->name))
    return g_strconcat ("name:", owner->name, NULL);
  return g_strdup ("unknown");
}

char *
netlens_group_key_for_host (const NetlensConnection *conn)
{
  const char *name;
  char buf[64];

  g_return_val_if_fail (conn != NULL, NULL);

  name = netlens_connection_get_best_name (conn);
  if (has_text (name))
    {
      g_autofree char *down = g_ascii_strdown (name, -1);

      return g_strconcat ("name:", down, NULL);
    }
  netlens_addr_to_string (conn->key.family, &conn->key.raddr, buf, sizeof buf);
  return g_strconcat ("addr:", buf, NULL);
}

static void
append_quoted (GString    *out,
               const char *value)
{
  g_string_append_c (out, '"');
  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (out, '\\');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

char *
netlens_group_dup_query (const NetlensGroup *group)
{
  GString *out;
  const char *colon;

  g_return_val_if_fail (group != NULL, NULL);

  colon = strchr (group->key, ':');
  if (colon == NULL)
    return NULL;  /* "unknown" */
  out = g_string_new (NULL);
  if (group->kind == NETLENS_GROUP_PROCESS)
    g_string_append (out, g_str_has_prefix (group->key, "exe:") ? "cmdline:" : "process:");
  else
    g_string_append (out, g_str_has_prefix (group->key, "addr:") ? "dst:" : "name:");
  append_quoted (out, colon + 1);
  return g_string_free (out, FALSE);
}

static char *
label_for (NetlensGroupKind         kind,
           const char              *key,
           const NetlensConnection *conn)
{
  if (kind == NETLENS_GROUP_PROCESS)
    {
      if (g_str_has_prefix (key, "exe:"))
        return g_path_get_basename (key + 4);
      if (g_str_has_prefix (key, "app:") || g_str_has_prefix (key, "name:"))
        return g_strdup (strchr (key, ':') + 1);
      return g_strdup (key);
    }
  if (g_str_has_prefix (key, "name:"))
    return g_strdup (netlens_connection_get_best_name (conn));
  return g_strdup (key + strlen ("addr:"));
}

/* ------------------------------------------------------------------ rows */

static Group *
get_group (NetlensGroups           *groups,
           NetlensGroupKind         kind,
           char                    *key,  /* taken */
           const NetlensConnection *conn)
{
  Group *group = g_hash_table_lookup (groups->groups[kind], key);

  if (group != NULL)
    {
      g_free (key);
      return group;
    }
  group = g_new0 (Group, 1);
  group->pub.kind = kind;
  group->pub.key = key;
  group->pub.label = label_for (kind, key, conn);
  group->pub.first_seen = conn->first_seen;
  group->pub.last_seen = conn->last_seen;
  group->peers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_hash_table_insert (groups->groups[kind], group->pub.key, group);
  return group;
}

static void
peer_add (Group      *group,
          const char *peer,
          int         delta)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (group->peers, peer));

  if (delta > 0)
    g_hash_table_replace (group->peers, g_strdup (peer), GUINT_TO_POINTER (n + 1));
  else if (n <= 1)
    g_hash_table_remove (group->peers, peer);
  else
    g_hash_table_replace (group->peers, g_strdup (peer), GUINT_TO_POINTER (n - 1));
  group->pub.n_peers = g_hash_table_size (group->peers);
}

static void
row_attach (NetlensGroups *groups,
            Row           *row)
{
  Group *process = row->group[NETLENS_GROUP_PROCESS];
  Group *host = row->group[NETLENS_GROUP_HOST];

  peer_add (process, host->pub.key, 1);
  peer_add (host, process->pub.key, 1);
  for (guint k = 0; k < NETLENS_N_GROUP_KINDS; k++)
    {
      Group *group = row->group[k];

      group->pub.n_connections++;
      if (row->open)
        group->pub.n_open++;
      group->pub.rx_bytes += row->rx_bytes;
      group->pub.tx_bytes += row->tx_bytes;
      group->pub.rx_packets += row->rx_packets;
      group->pub.tx_packets += row->tx_packets;
      group->pub.serial = ++groups->serial;
    }
}

static void
row_detach (NetlensGroups *groups,
            Row           *row)
{
  Group *process = row->group[NETLENS_GROUP_PROCESS];
  Group *host = row->group[NETLENS_GROUP_HOST];

  peer_add (process, host->pub.key, -1);
  peer_add (host, process->pub.key, -1);
  for (guint k = 0; k < NETLENS_N_GROUP_KINDS; k++)
    {
      Group *group = row->group[k];

      g_assert (group->pub.n_connections > 0);
      group->pub.n_connections--;
      if (row->open)
        group->pub.n_open--;
      group->pub.rx_bytes -= row->rx_bytes;
      group->pub.tx_bytes -= row->tx_bytes;
      group->pub.rx_packets -= row->rx_packets;
      group->pub.tx_packets -= row->tx_packets;
      group->pub.serial = ++groups->serial;
      row->group[k] = NULL;
      if (group->pub.n_connections == 0)
        g_hash_table_remove (groups->groups[k], group->pub.key);
    }
}

static void
set_string (char       **field,
            const char  *value)
{
  if (has_text (value) && g_strcmp0 (*field, value) != 0)
    {
      g_free (*field);
      *field = g_strdup (value);
    }
}

static void
set_ref_string (char **field,
                char  *value)
{
  if (value != NULL && *field != value)
    {
      g_clear_pointer (field, g_ref_string_release);
      *field = g_ref_string_acquire (value);
    }
}

static void
group_take_details (Group                   *group,
                    const NetlensConnection *conn)
{
  NetlensGroup *pub = &group->pub;

  if (conn->first_seen != 0 && (pub->first_seen == 0 || conn->first_seen < pub->first_seen))
    pub->first_seen = conn->first_seen;
  if (conn->last_seen > pub->last_seen)
    pub->last_seen = conn->last_seen;

  if (pub->kind == NETLENS_GROUP_PROCESS)
    {
      if (conn->process != NULL)
        {
          set_string (&pub->app_id, conn->process->app_id);
          set_string (&pub->exe, conn->process->exe);
          set_string (&pub->process_name, conn->process->name);
          pub->pid = conn->process->pid;
        }
    }
  else
    {
      char buf[64];

      if (pub->address == NULL)
        pub->address = g_strdup (netlens_addr_to_string (conn->key.family, &conn->key.raddr,
                                                         buf, sizeof buf));
      set_ref_string (&pub->country, conn->country);
      set_ref_string (&pub->as_org, conn->as_org);
      if (conn->asn != 0)
        pub->asn = conn->asn;
    }
}

void
netlens_groups_update (NetlensGroups           *groups,
                       const NetlensConnection *conn)
{
  g_autofree char *pkey = NULL;
  g_autofree char *hkey = NULL;
  guint64 d_rx, d_tx, d_rxp, d_txp;
  gboolean open;
  Row *row;

  g_return_if_fail (groups != NULL);
  g_return_if_fail (conn != NULL);

  pkey = netlens_group_key_for_process (conn);
  hkey = netlens_group_key_for_host (conn);
  open = conn->ended == 0;

  row = g_hash_table_lookup (groups->rows, GUINT_TO_POINTER (conn->id));
  if (row == NULL)
    {
      row = g_new0 (Row, 1);
      row->id = conn->id;
      row->open = open;
      row->group[NETLENS_GROUP_PROCESS] = get_group (groups, NETLENS_GROUP_PROCESS,
                                                     g_steal_pointer (&pkey), conn);
      row->group[NETLENS_GROUP_HOST] = get_group (groups, NETLENS_GROUP_HOST,
                                                  g_steal_pointer (&hkey), conn);
      g_hash_table_insert (groups->rows, GUINT_TO_POINTER (conn->id), row);
      row_attach (groups, row);
    }
  else if (strcmp (row->group[NETLENS_GROUP_PROCESS]->pub.key, pkey) != 0
           || strcmp (row->group[NETLENS_GROUP_HOST]->pub.key, hkey) != 0)
    {
      /* it moves with everything it has contributed */
      row_detach (groups, row);
      row->group[NETLENS_GROUP_PROCESS] = get_group (groups, NETLENS_GROUP_PROCESS,
                                                     g_steal_pointer (&pkey), conn);
      row->group[NETLENS_GROUP_HOST] = get_group (groups, NETLENS_GROUP_HOST,
                                                  g_steal_pointer (&hkey), conn);
      row_attach (groups, row);
    }

  /* counters only grow within a row; a smaller one starts the row's count again */
  d_rx = conn->rx_bytes >= row->rx_bytes ? conn->rx_bytes - row->rx_bytes : conn->rx_bytes;
  d_tx = conn->tx_bytes >= row->tx_bytes ? conn->tx_bytes - row->tx_bytes : conn->tx_bytes;
  d_rxp = conn->rx_packets >= row->rx_packets ? conn->rx_packets - row->rx_packets : conn->rx_packets;
  d_txp = conn->tx_packets >= row->tx_packets ? conn->tx_packets - row->tx_packets : conn->tx_packets;
  row->rx_bytes += d_rx;
  row->tx_bytes += d_tx;
  row->rx_packets += d_rxp;
  row->tx_packets += d_txp;
  groups->rx_bytes += d_rx;
  groups->tx_bytes += d_tx;
  groups->pending_rx += d_rx;
  groups->pending_tx += d_tx;

  for (guint k = 0; k < NETLENS_N_GROUP_KINDS; k++)
    {
      Group *group = row->group[k];

      group->pub.rx_bytes += d_rx;
      group->pub.tx_bytes += d_tx;
      group->pub.rx_packets += d_rxp;
      group->pub.tx_packets += d_txp;
      group->pending_rx += d_rx;
      group->pending_tx += d_tx;
      if (row->open && !open)
        group->pub.n_open--;
      else if (!row->open && open)
        group->pub.n_open++;
      group_take_details (group, conn);
      group->pub.serial = ++groups->serial;
    }
  row->open = open;
}

void
netlens_groups_remove (NetlensGroups *groups,
                       guint32        id)
{
  Row *row;

  g_return_if_fail (groups != NULL);

  row = g_hash_table_lookup (groups->rows, GUINT_TO_POINTER (id));
  if (row == NULL)
    return;
  if (row->open)
    for (guint k = 0; k < NETLENS_N_GROUP_KINDS; k++)
      {
        row->group[k]->pub.n_open--;
        row->group[k]->pub.serial = ++groups->serial;
      }
  g_hash_table_remove (groups->rows, GUINT_TO_POINTER (id));
}

void
netlens_groups_apply (NetlensGroups          *groups,
                      const NetlensChangeSet *set)
{
  g_return_if_fail (groups != NULL);
  g_return_if_fail (set != NULL);

  for (guint i = 0; set->updated != NULL && i < set->updated->len; i++)
    netlens_groups_update (groups, g_ptr_array_index (set->updated, i));
  for (guint i = 0; set->removed != NULL && i < set->removed->len; i++)
    netlens_groups_remove (groups, g_array_index (set->removed, guint32, i));
}

static double
rate (guint64 bytes,
      gint64  elapsed_us)
{
  return elapsed_us > 0 ? (double) bytes * G_USEC_PER_SEC / (double) elapsed_us : 0.0;
}

void
netlens_groups_tick (NetlensGroups *groups,
                     gint64         now_us)
{
  gint64 elapsed;

  g_return_if_fail (groups != NULL);

  if (groups->last_tick != 0 && now_us <= groups->last_tick)
    return;  /* no time has passed: keep collecting */
  elapsed = groups->last_tick != 0 ? now_us - groups->last_tick : 0;

  for (guint k = 0; k < NETLENS_N_GROUP_KINDS; k++)
    {
      GHashTableIter iter;
      gpointer value;

      g_hash_table_iter_init (&iter, groups->groups[k]);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        {
          Group *group = value;
          double rx = rate (group->pending_rx, elapsed);
          double tx = rate (group->pending_tx, elapsed);

          if (rx != group->pub.rx_rate || tx != group->pub.tx_rate)
            {
              group->pub.rx_rate = rx;
              group->pub.tx_rate = tx;
              group->pub.serial = ++groups->serial;
            }
          group->pending_rx = group->pending_tx = 0;
        }
    }
  groups->rx_rate = rate (groups->pending_rx, elapsed);
  groups->tx_rate = rate (groups->pending_tx, elapsed);
  groups->pending_rx = groups->pending_tx = 0;
  groups->last_tick = now_us;
}

GPtrArray *
netlens_groups_list (NetlensGroups    *groups,
                     NetlensGroupKind  kind)
{
  GHashTableIter iter;
  gpointer value;

  g_return_val_if_fail (groups != NULL, NULL);
  g_return_val_if_fail ((guint) kind < NETLENS_N_GROUP_KINDS, NULL);

  g_ptr_array_set_size (groups->list[kind], 0);
  g_hash_table_iter_init (&iter, groups->groups[kind]);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (groups->list[kind], &((Group *) value)->pub);
  return groups->list[kind];
}

const NetlensGroup *
netlens_groups_lookup (NetlensGroups    *groups,
                       NetlensGroupKind  kind,
                       const char       *key)
{
  Group *group;

  g_return_val_if_fail (groups != NULL, NULL);
  g_return_val_if_fail ((guint) kind < NETLENS_N_GROUP_KINDS, NULL);
  g_return_val_if_fail (key != NULL, NULL);

  group = g_hash_table_lookup (groups->groups[kind], key);
  return group != NULL ? &group->pub : NULL;
}

const NetlensGroup *
netlens_groups_lookup_row (NetlensGroups    *groups,
                           NetlensGroupKind  kind,
                           guint32           id)
{
  Row *row;

  g_return_val_if_fail (groups != NULL, NULL);
  g_return_val_if_fail ((guint) kind < NETLENS_N_GROUP_KINDS, NULL);

  row = g_hash_table_lookup (groups->rows, GUINT_TO_POINTER (id));
  return row != NULL ? &row->group[kind]->pub : NULL;
}

void
netlens_groups_get_totals (NetlensGroups *groups,
                           guint64       *rx_bytes,
                           guint64       *tx_bytes,
                           double        *rx_rate,
                           double        *tx_rate)
{
  g_return_if_fail (groups != NULL);

  if (rx_bytes != NULL)
    *rx_bytes = groups->rx_bytes;
  if (tx_bytes != NULL)
    *tx_bytes = groups->tx_bytes;
  if (rx_rate != NULL)
    *rx_rate = groups->rx_rate;
  if (tx_rate != NULL)
    *tx_rate = groups->tx_rate;
}

guint
netlens_groups_get_n_rows (NetlensGroups *groups)
{
  g_return_val_if_fail (groups != NULL, 0);
  return g_hash_table_size (groups->rows);
}
