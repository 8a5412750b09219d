/* netlens-groups.h: connections grouped per program and per remote host
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "netlens-connection.h"
#include "netlens-pipeline.h"

G_BEGIN_DECLS

typedef enum
{
  NETLENS_GROUP_PROCESS,  /* one per program: desktop app id, else executable, else name */
  NETLENS_GROUP_HOST,     /* one per remote host: best known name, else address */
  NETLENS_N_GROUP_KINDS
} NetlensGroupKind;

/* One row of the Processes or Hosts view.  Owned by NetlensGroups and valid until
 * the next call that changes it; read it on the thread that feeds the groups. */
typedef struct
{
  NetlensGroupKind kind;
  char    *key;            /* "app:org.gnome.Epiphany", "exe:/usr/bin/curl", "name:curl",
                            * "unknown"; "name:example.org", "addr:192.0.2.1" */
  char    *label;          /* what to show: app id, exe base name, name; host name or address */
  /* process groups: the latest owner seen (for the process: / pid: filters), else NULL / 0 */
  char    *app_id;
  char    *exe;
  char    *process_name;
  guint32  pid;
  /* host groups */
  char    *address;        /* a remote address as text */
  char    *country;        /* GRefString, from the rows' GeoIP fields */
  char    *as_org;         /* GRefString */
  guint32  asn;

  guint    n_open;         /* connections open now */
  guint    n_connections;  /* connections seen since start */
  guint    n_peers;        /* distinct remote hosts (process) or programs (host) */
  guint64  rx_bytes;       /* totals since start */
  guint64  tx_bytes;
  guint64  rx_packets;
  guint64  tx_packets;
  double   rx_rate;        /* bytes per second between the last two ticks */
  double   tx_rate;
  gint64   first_seen;     /* microseconds */
  gint64   last_seen;
  guint64  serial;         /* changes with every change, never repeats within a NetlensGroups */
} NetlensGroup;

typedef struct _NetlensGroups NetlensGroups;

NetlensGroups      *netlens_groups_new            (void);
void                netlens_groups_free           (NetlensGroups      *groups);

/* CONN is a snapshot of a row (any number of times, as it changes); its byte
 * counters are totals, the groups add the difference since the previous snapshot
 * of the same row (conn->id).  A row whose group changes (a name learned later,
 * an owner found) moves with all its bytes. */
void                netlens_groups_update         (NetlensGroups      *groups,
                                                   const NetlensConnection *conn);
/* The row left the table (timeout, eviction): it is no longer open; the groups
 * keep its totals. */
void                netlens_groups_remove         (NetlensGroups      *groups,
                                                   guint32             id);
/* Every update and removal of a worker's change set (the GUI's refresh); does not
 * tick: tick once per refresh, after the sets of all workers. */
void                netlens_groups_apply          (NetlensGroups      *groups,
                                                   const NetlensChangeSet *set);
/* Rates: bytes added since the previous tick over the time between them.  Call
 * once per refresh with the pipeline's clock (NetlensChangeSet.now_us, or the
 * last packet's time for a file). */
void                netlens_groups_tick           (NetlensGroups      *groups,
                                                   gint64              now_us);

/* The groups of KIND, in no particular order (NetlensGroup *, owned). */
GPtrArray          *netlens_groups_list           (NetlensGroups      *groups,
                                                   NetlensGroupKind    kind);
const NetlensGroup *netlens_groups_lookup         (NetlensGroups      *groups,
                                                   NetlensGroupKind    kind,
                                                   const char         *key);
/* The group a row is in, or NULL when the row is unknown. */
const NetlensGroup *netlens_groups_lookup_row     (NetlensGroups      *groups,
                                                   NetlensGroupKind    kind,
                                                   guint32             id);

/* Whole-machine totals and rates (for the traffic graph). */
void                netlens_groups_get_totals     (NetlensGroups      *groups,
                                                   guint64            *rx_bytes,
                                                   guint64            *tx_bytes,
                                                   double             *rx_rate,
                                                   double             *tx_rate);
guint               netlens_groups_get_n_rows     (NetlensGroups      *groups);

/* The filter-bar query that shows a group's connections (process:"org.gnome.Epiphany",
 * cmdline:"/usr/bin/curl", name:"example.org", dst:"192.0.2.1"), or NULL for the
 * group of rows without a known program. */
char               *netlens_group_dup_query       (const NetlensGroup *group);

/* The keys a row would be grouped under (newly allocated). */
char               *netlens_group_key_for_process (const NetlensConnection *conn);
char               *netlens_group_key_for_host    (const NetlensConnection *conn);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NetlensGroups, netlens_groups_free)

G_END_DECLS
