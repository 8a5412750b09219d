/* netlens-live-source.h: live capture through netlens-capture, into a pipeline
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "../netlens-options.h"  /* NetlensAttribution */
#include "netlens-pipeline.h"

G_BEGIN_DECLS

#define NETLENS_LIVE_ERROR (netlens_live_error_quark ())

typedef enum
{
  NETLENS_LIVE_ERROR_NOT_AUTHORIZED,   /* polkit said no (pkexec 127 "Not authorized") */
  NETLENS_LIVE_ERROR_NO_AGENT,         /* nobody could ask for the password */
  NETLENS_LIVE_ERROR_DISMISSED,        /* the password dialog was dismissed (pkexec 126) */
  NETLENS_LIVE_ERROR_HELPER_MISSING,   /* the helper (or pkexec) is not installed */
  NETLENS_LIVE_ERROR_HELPER_FAILED,    /* the helper reported an error (no interface, bad filter, …) */
  NETLENS_LIVE_ERROR_HELPER_DIED,      /* it was killed or ended without saying why */
  NETLENS_LIVE_ERROR_PROTOCOL,         /* its stream was damaged */
  NETLENS_LIVE_ERROR_LINK_TYPE,        /* a link type Netlens does not decode */
} NetlensLiveError;

GQuark netlens_live_error_quark (void);

typedef enum
{
  NETLENS_LIVE_STATE_IDLE,
  NETLENS_LIVE_STATE_STARTING,   /* waiting for authorisation and the helper's hello */
  NETLENS_LIVE_STATE_RUNNING,
  NETLENS_LIVE_STATE_STOPPING,
  NETLENS_LIVE_STATE_STOPPED,    /* ended; see netlens_live_source_get_error() */
} NetlensLiveState;

/* How the helper is started (chosen by netlens_live_source_start) */
typedef enum
{
  NETLENS_LIVE_LAUNCH_PKEXEC,         /* pkexec HELPER ARGS */
  NETLENS_LIVE_LAUNCH_DIRECT,         /* already root, or the helper has file capabilities */
  NETLENS_LIVE_LAUNCH_FLATPAK,        /* flatpak-spawn --host pkexec HELPER ARGS */
} NetlensLiveLaunch;

typedef struct
{
  guint64 packets;              /* packet frames read */
  guint64 owners;               /* owner records read */
  guint64 received;             /* helper's pcap_stats */
  guint64 dropped_kernel;
  guint64 dropped_interface;
  guint64 owner_events_lost;
} NetlensLiveStats;

#define NETLENS_TYPE_LIVE_SOURCE (netlens_live_source_get_type ())
G_DECLARE_FINAL_TYPE (NetlensLiveSource, netlens_live_source, NETLENS, LIVE_SOURCE, GObject)

/* Signals (emitted in the main context that was the thread default at start()):
 *   "started"  ()            the helper's hello arrived: capture runs
 *   "stats"    ()            a statistics frame arrived (about once a second)
 *   "finished" (GError *)    the helper is gone; NULL when stopped on request
 * Property "state" (NetlensLiveState) is notified on every change. */

NetlensLiveSource *netlens_live_source_new             (NetlensPipeline    *pipeline);
void               netlens_live_source_set_interface   (NetlensLiveSource  *self,
                                                        const char         *interface);
void               netlens_live_source_set_bpf         (NetlensLiveSource  *self,
                                                        const char         *bpf);
void               netlens_live_source_set_attribution (NetlensLiveSource  *self,
                                                        NetlensAttribution  attribution);
void               netlens_live_source_set_snaplen     (NetlensLiveSource  *self,
                                                        guint               snaplen);
void               netlens_live_source_set_promiscuous (NetlensLiveSource  *self,
                                                        gboolean            promiscuous);
/* The helper path: $NETLENS_HELPER when set (tests), else NETLENS_HELPER_PATH. */
const char        *netlens_live_source_get_helper_path (NetlensLiveSource  *self);
/* How start() would launch the helper, and the argv it would use (for the UI's text
 * before a password prompt, and for tests). */
NetlensLiveLaunch  netlens_live_source_get_launch      (NetlensLiveSource  *self);
char             **netlens_live_source_build_argv      (NetlensLiveSource  *self);

/* A packet tap (Save Capture's spool, `--write` of a headless live run): FUNC sees every
 * packet the pipeline gets, on the capture's reader thread, with the interface's link type,
 * snaplen and name from the helper's hello.  Set it before start(); it must not block. */
typedef void (*NetlensLivePacketFunc) (int           link_type,
                                       guint32       snaplen,
                                       const char   *interface,
                                       gint64        ts_us,
                                       guint32       caplen,
                                       guint32       origlen,
                                       const guint8 *data,
                                       gpointer      user_data);
void               netlens_live_source_set_packet_func (NetlensLiveSource     *self,
                                                        NetlensLivePacketFunc  func,
                                                        gpointer               user_data);

/* Starts the helper; FALSE only when it cannot even be spawned.  Everything later
 * (authorisation refused, helper errors) arrives through "finished". */
gboolean           netlens_live_source_start           (NetlensLiveSource  *self,
                                                        GError            **error);
/* Asks the helper to stop (closes its stdin: the GUI cannot signal a root child).
 * "finished" follows within about a second. */
void               netlens_live_source_stop            (NetlensLiveSource  *self);

NetlensLiveState   netlens_live_source_get_state       (NetlensLiveSource  *self);
const GError      *netlens_live_source_get_error       (NetlensLiveSource  *self);
void               netlens_live_source_get_stats       (NetlensLiveSource  *self,
                                                        NetlensLiveStats   *stats);
/* From the hello: "bpf", "proc" or "none", and why it differs from the request (or NULL). */
const char        *netlens_live_source_get_attribution (NetlensLiveSource  *self);
const char        *netlens_live_source_get_attribution_note (NetlensLiveSource *self);
int                netlens_live_source_get_link_type   (NetlensLiveSource  *self);

/* Headless live capture for `netlens --interface IF --export …`: runs until DURATION_S
 * (0: no limit), SIGINT/SIGTERM, or the helper's end.  Everything captured stays in
 * PIPELINE (not finished here).  FALSE with ERROR when the capture could not start or
 * the helper failed or died (what was captured until then is kept). */
gboolean           netlens_live_source_run_headless    (NetlensPipeline    *pipeline,
                                                        const char         *interface,
                                                        const char         *bpf,
                                                        NetlensAttribution  attribution,
                                                        double              duration_s,
                                                        GError            **error);
/* The same with a packet tap (netlens_live_source_set_packet_func()). */
gboolean           netlens_live_source_run_headless_tap (NetlensPipeline       *pipeline,
                                                         const char            *interface,
                                                         const char            *bpf,
                                                         NetlensAttribution     attribution,
                                                         double                 duration_s,
                                                         NetlensLivePacketFunc  packet_func,
                                                         gpointer               packet_data,
                                                         GError               **error);

G_END_DECLS
