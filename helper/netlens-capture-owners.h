/* netlens-capture-owners.h: which process owns which socket (eBPF events, /proc scans)
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "netlens-wire.h"

G_BEGIN_DECLS

typedef struct _NetlensOwners NetlensOwners;

/* Called for every owner record to send (from the thread that found it). */
typedef void (*NetlensOwnerEmit) (const NetlensWireOwner *owner,
                                  gpointer                user_data);

NetlensOwners *netlens_owners_new        (guint64           netns_inode,
                                          NetlensOwnerEmit  emit,
                                          gpointer          user_data);
void           netlens_owners_free       (NetlensOwners    *owners);

/* One sock_diag dump of this namespace's TCP and UDP sockets matched against every
 * process's /proc/PID/fd: emits the owners not sent before.  Opens its netlink socket
 * on first use and keeps it.  FALSE (with a message) when sock_diag is unavailable. */
gboolean       netlens_owners_scan       (NetlensOwners    *owners,
                                          char            **error_message);
/* Proc mode: scan every INTERVAL_MS in a thread of its own (started before seccomp). */
void           netlens_owners_start_scan_thread (NetlensOwners *owners,
                                                 guint          interval_ms);

/* eBPF probes.  Returns the NETLENS_WIRE_PROBE_* mask attached; 0 with a message when
 * none could load.  Must run with privileges. */
guint32        netlens_owners_bpf_start  (NetlensOwners    *owners,
                                          char            **error_message);
/* The ring buffer's epoll descriptor (-1 without BPF); poll it, then call _bpf_poll. */
int            netlens_owners_bpf_fd     (NetlensOwners    *owners);
void           netlens_owners_bpf_poll   (NetlensOwners    *owners);

/* Events lost: ring buffer full in the kernel. */
guint64        netlens_owners_get_lost   (NetlensOwners    *owners);

/* The identity part of an owner record from /proc/PID (cached): cmdline, exe, cgroup
 * and, when COMM is NULL, comm and uid. */
void           netlens_owners_fill_identity (NetlensOwners    *owners,
                                             NetlensWireOwner *owner,
                                             guint32           pid);

G_END_DECLS
