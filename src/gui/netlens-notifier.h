/* netlens-notifier.h: desktop notifications about new programs and new hosts
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "netlens-groups.h"

G_BEGIN_DECLS

#define NETLENS_TYPE_NOTIFIER (netlens_notifier_get_type ())

G_DECLARE_FINAL_TYPE (NetlensNotifier, netlens_notifier, NETLENS, NOTIFIER, GObject)

/* Notifications of APPLICATION (registered, with an id).  Off until enabled; it
 * remembers what it has seen all the same, so that switching it on later does not
 * announce what was already there. */
NetlensNotifier *netlens_notifier_new              (GApplication     *application);
void             netlens_notifier_set_enabled      (NetlensNotifier  *self,
                                                    gboolean          enabled);
/* Which events are announced (both on by default). */
void             netlens_notifier_set_kinds        (NetlensNotifier  *self,
                                                    gboolean          programs,
                                                    gboolean          hosts);
/* At most one notification of each kind per INTERVAL_MS (default 5000); what comes
 * in between is summed up in the next one ("5 new programs"). */
void             netlens_notifier_set_interval     (NetlensNotifier  *self,
                                                    guint             interval_ms);
/* A connection (CONN_ID) of the program or host KEY (a NetlensGroup key), shown as
 * LABEL; PEER is the other side's label (the host a program talks to, or the
 * program talking to a host), or NULL.  The first time a KEY is seen it is
 * announced.  The "unknown" program is never announced. */
void             netlens_notifier_observe          (NetlensNotifier  *self,
                                                    NetlensGroupKind  kind,
                                                    const char       *key,
                                                    const char       *label,
                                                    const char       *peer,
                                                    guint32           conn_id);
/* Forgets what was seen (a new capture). */
void             netlens_notifier_reset            (NetlensNotifier  *self);
/* A program or host seen before Netlens started (the history): never announced as new,
 * reset() keeps it. */
void             netlens_notifier_add_known        (NetlensNotifier  *self,
                                                    NetlensGroupKind  kind,
                                                    const char       *key);

/* Whether a notification server answers (or a portal is there to ask).  Without
 * one nothing is sent: GLib would warn on every notification. */
gboolean         netlens_notifier_get_server_available (NetlensNotifier *self);
/* Notifications sent, and ones that could not be (no server). */
guint            netlens_notifier_get_n_sent       (NetlensNotifier  *self);
guint            netlens_notifier_get_n_unsent     (NetlensNotifier  *self);

G_END_DECLS
