/* netlens-live-source.c: live capture through netlens-capture, into a pipeline
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The helper runs as root (through pkexec), so this process cannot signal it: it is
 * stopped by closing its stdin, and it stops by itself when our end of its stdout
 * closes.  A reader thread turns frames into pipeline calls; everything the UI hears
 * comes back on the main context that started the capture.
 */

#define G_LOG_DOMAIN "netlens-capture"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/xattr.h>

#include <gio/gunixinputstream.h>
#include <glib-unix.h>

#include "netlens-live-source.h"
#include "netlens-owner-info.h"
#include "netlens-wire.h"

#define TICK_US          (100 * 1000)
/* The helper writes its frames in batches (64 KiB or 10 ms); the reader takes up to 1 MiB per
 * read(), and asks for a pipe that large, so that a burst waits in the pipe, not in the
 * kernel's capture ring. */
#define READ_CHUNK       (1024 * 1024)
#ifndef F_SETPIPE_SZ
#define F_SETPIPE_SZ     1031   /* Linux, <fcntl.h> without _GNU_SOURCE */
#endif
#define STDERR_KEEP      16384
#define STOP_GRACE_US    (2 * G_USEC_PER_SEC)

G_DEFINE_QUARK (netlens-live-error-quark, netlens_live_error)

struct _NetlensLiveSource
{
  GObject            parent_instance;

  NetlensPipeline   *pipeline;       /* not owned: outlives the source */
  char              *interface;
  char              *bpf;
  NetlensAttribution attribution;
  guint              snaplen;
  gboolean           promiscuous;
  char              *helper_path;

  NetlensLiveState   state;
  NetlensLiveLaunch  launch;
  GSubprocess       *subprocess;
  GThread           *thread;
  GMainContext      *context;        /* where signals are emitted */
  GError            *error;

  GMutex             lock;           /* the fields below */
  GOutputStream     *stdin_pipe;     /* NULL once closed */
  gboolean           stop_requested;
  gint64             stop_time_us;
  NetlensLiveStats   stats;
  char              *attribution_used;
  char              *attribution_note;
  int                link_type;

  /* packet tap (Save Capture's spool): called on the reader thread */
  NetlensLivePacketFunc packet_func;
  gpointer              packet_data;
  guint32               snaplen_used;   /* from the hello */
  char                 *interface_used;
};

G_DEFINE_FINAL_TYPE (NetlensLiveSource, netlens_live_source, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_STATE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  SIGNAL_STARTED,
  SIGNAL_STATS,
  SIGNAL_FINISHED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
netlens_live_source_finalize (GObject *object)
{
  NetlensLiveSource *self = NETLENS_LIVE_SOURCE (object);

  /* the reader thread holds a reference while it runs: it is over by now */
  g_clear_object (&self->subprocess);
  g_clear_object (&self->stdin_pipe);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_error (&self->error);
  g_free (self->interface);
  g_free (self->bpf);
  g_free (self->helper_path);
  g_free (self->attribution_used);
  g_free (self->attribution_note);
  g_free (self->interface_used);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (netlens_live_source_parent_class)->finalize (object);
}

static void
netlens_live_source_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  NetlensLiveSource *self = NETLENS_LIVE_SOURCE (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_int (value, self->state);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
netlens_live_source_class_init (NetlensLiveSourceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = netlens_live_source_finalize;
  object_class->get_property = netlens_live_source_get_property;

  properties[PROP_STATE] =
    g_param_spec_int ("state", NULL, NULL,
                      NETLENS_LIVE_STATE_IDLE, NETLENS_LIVE_STATE_STOPPED,
                      NETLENS_LIVE_STATE_IDLE,
                      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_STARTED] =
    g_signal_new ("started", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_STATS] =
    g_signal_new ("stats", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_FINISHED] =
    g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
netlens_live_source_init (NetlensLiveSource *self)
{
  g_mutex_init (&self->lock);
  self->attribution = NETLENS_ATTRIBUTION_BPF;
  self->promiscuous = TRUE;
  self->link_type = -1;
}

NetlensLiveSource *
netlens_live_source_new (NetlensPipeline *pipeline)
{
  NetlensLiveSource *self;

  g_return_val_if_fail (pipeline != NULL, NULL);

  self = g_object_new (NETLENS_TYPE_LIVE_SOURCE, NULL);
  self->pipeline = pipeline;
  return self;
}

void
netlens_live_source_set_interface (NetlensLiveSource *self,
                                   const char        *interface)
{
  g_return_if_fail (NETLENS_IS_LIVE_SOURCE (self));
  g_free (self->interface);
  self->interface = g_strdup (interface);
}

void
netlens_live_source_set_bpf (NetlensLiveSource *self,
                             const char        *bpf)
{
  g_return_if_fail (NETLENS_IS_LIVE_SOURCE (self));
  g_free (self->bpf);
  self->bpf = (bpf != NULL && *bpf != '\0') ? g_strdup (bpf) : NULL;
}

void
netlens_live_source_set_attribution (NetlensLiveSource  *self,
                                     NetlensAttribution  attribution)
{
  g_return_if_fail (NETLENS_IS_LIVE_SOURCE (self));
  self->attribution = attribution;
}

void
netlens_live_source_set_snaplen (NetlensLiveSource *self,
                                 guint              snaplen)
{
  g_return_if_fail (NETLENS_IS_LIVE_SOURCE (self));
  self->snaplen = snaplen;
}

void
netlens_live_source_set_promiscuous (NetlensLiveSource *self,
                                     gboolean           promiscuous)
{
  g_return_if_fail (NETLENS_IS_LIVE_SOURCE (self));
  self->promiscuous = promiscuous;
}

void
netlens_live_source_set_packet_func (NetlensLiveSource     *self,
                                     NetlensLivePacketFunc  func,
                                     gpointer               user_data)
{
  g_return_if_fail (NETLENS_IS_LIVE_SOURCE (self));
  self->packet_func = func;
  self->packet_data = user_data;
}

static gboolean
in_flatpak (void)
{
  return g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS);
}

const char *
netlens_live_source_get_helper_path (NetlensLiveSource *self)
{
  const char *env;

  g_return_val_if_fail (NETLENS_IS_LIVE_SOURCE (self), NULL);

  if (self->helper_path != NULL)
    return self->helper_path;
  env = g_getenv ("NETLENS_HELPER");
  if (env != NULL && *env != '\0')
    self->helper_path = g_strdup (env);
  else if (in_flatpak ())
    {
      /* pkexec runs on the host: name the helper by the app's deploy path there */
      g_autoptr(GKeyFile) info = g_key_file_new ();
      g_autofree char *app_path = NULL;

      if (g_key_file_load_from_file (info, "/.flatpak-info", G_KEY_FILE_NONE, NULL))
        app_path = g_key_file_get_string (info, "Instance", "app-path", NULL);
      if (app_path != NULL)
        self->helper_path = g_build_filename (app_path, "libexec", "netlens-capture", NULL);
    }
  if (self->helper_path == NULL)
    self->helper_path = g_strdup (NETLENS_HELPER_PATH);
  return self->helper_path;
}

NetlensLiveLaunch
netlens_live_source_get_launch (NetlensLiveSource *self)
{
  const char *path = netlens_live_source_get_helper_path (self);

  if (in_flatpak ())
    return NETLENS_LIVE_LAUNCH_FLATPAK;
  if (geteuid () == 0)
    return NETLENS_LIVE_LAUNCH_DIRECT;
  /* setcap'd helper: it has what it needs without asking */
  if (getxattr (path, "security.capability", NULL, 0) > 0)
    return NETLENS_LIVE_LAUNCH_DIRECT;
  return NETLENS_LIVE_LAUNCH_PKEXEC;
}

char **
netlens_live_source_build_argv (NetlensLiveSource *self)
{
  GPtrArray *argv = g_ptr_array_new ();
  static const char *modes[] = { "bpf", "proc", "none" };

  g_return_val_if_fail (NETLENS_IS_LIVE_SOURCE (self), NULL);

  switch (netlens_live_source_get_launch (self))
    {
    case NETLENS_LIVE_LAUNCH_FLATPAK:
      g_ptr_array_add (argv, g_strdup ("flatpak-spawn"));
      g_ptr_array_add (argv, g_strdup ("--host"));
      g_ptr_array_add (argv, g_strdup ("pkexec"));
      break;
    case NETLENS_LIVE_LAUNCH_PKEXEC:
      g_ptr_array_add (argv, g_strdup ("pkexec"));
      break;
    case NETLENS_LIVE_LAUNCH_DIRECT:
    default:
      break;
    }
  g_ptr_array_add (argv, g_strdup (netlens_live_source_get_helper_path (self)));
  g_ptr_array_add (argv, g_strdup ("--interface"));
  g_ptr_array_add (argv, g_strdup (self->interface != NULL ? self->interface : "any"));
  if (self->bpf != NULL)
    {
      g_ptr_array_add (argv, g_strdup ("--bpf"));
      g_ptr_array_add (argv, g_strdup (self->bpf));
    }
  if (self->snaplen > 0)
    {
      g_ptr_array_add (argv, g_strdup ("--snaplen"));
      g_ptr_array_add (argv, g_strdup_printf ("%u", self->snaplen));
    }
  if (!self->promiscuous)
    g_ptr_array_add (argv, g_strdup ("--no-promiscuous"));
  g_ptr_array_add (argv, g_strdup ("--attribution"));
  g_ptr_array_add (argv, g_strdup (modes[MIN ((guint) self->attribution, 2)]));
  g_ptr_array_add (argv, NULL);
  return (char **) g_ptr_array_free (argv, FALSE);
}

/* ---- main-context notifications ------------------------------------------------ */

static void
set_state (NetlensLiveSource *self, NetlensLiveState state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

typedef struct
{
  NetlensLiveSource *self;
  guint              signal;
  GError            *error;
} Notification;

static gboolean
deliver_notification (gpointer data)
{
  Notification *n = data;
  NetlensLiveSource *self = n->self;

  switch (n->signal)
    {
    case SIGNAL_STARTED:
      if (self->state == NETLENS_LIVE_STATE_STARTING)
        set_state (self, NETLENS_LIVE_STATE_RUNNING);
      g_signal_emit (self, signals[SIGNAL_STARTED], 0);
      break;
    case SIGNAL_STATS:
      g_signal_emit (self, signals[SIGNAL_STATS], 0);
      break;
    case SIGNAL_FINISHED:
      g_clear_error (&self->error);
      self->error = n->error != NULL ? g_error_copy (n->error) : NULL;
      if (self->thread != NULL)
        g_clear_pointer (&self->thread, g_thread_join);
      set_state (self, NETLENS_LIVE_STATE_STOPPED);
      g_signal_emit (self, signals[SIGNAL_FINISHED], 0, n->error);
      break;
    default:
      g_assert_not_reached ();
    }
  return G_SOURCE_REMOVE;
}

static void
notification_free (gpointer data)
{
  Notification *n = data;

  g_clear_error (&n->error);
  g_object_unref (n->self);
  g_free (n);
}

static void
notify_main (NetlensLiveSource *self, guint signal, GError *error)
{
  Notification *n = g_new0 (Notification, 1);
  GSource *source;

  n->self = g_object_ref (self);
  n->signal = signal;
  n->error = error;
  /* Always through a source, never g_main_context_invoke(): that runs the callback right
   * here when this thread can acquire the context (a loop iterating by hand does not hold
   * it between iterations), and "finished" would then join this very thread. */
  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, deliver_notification, n, notification_free);
  g_source_attach (source, self->context);
  g_source_unref (source);
}

/* ---- the reader thread ------------------------------------------------------------- */

typedef struct
{
  NetlensLiveSource *self;
  NetlensWireReader *reader;
  GString           *stderr_text;
  GError            *helper_error;    /* from an ERROR frame */
  GError            *stream_error;    /* protocol damage, link type */
  gboolean           got_hello;
  gboolean           cut_frame;       /* stdout ended inside a frame */
  guint64            netns;
} ReaderState;

static void
close_stdin (NetlensLiveSource *self)
{
  g_autoptr(GOutputStream) pipe = NULL;

  g_mutex_lock (&self->lock);
  pipe = g_steal_pointer (&self->stdin_pipe);
  g_mutex_unlock (&self->lock);
  if (pipe != NULL)
    g_output_stream_close (pipe, NULL, NULL);
}

static void
push_owner (ReaderState *st, const NetlensWireOwner *rec)
{
  NetlensLiveSource *self = st->self;
  g_autoptr(NetlensOwner) owner = NULL;
  NetlensAddr laddr = { { 0 } }, raddr = { { 0 } };
  static const guint8 zero[16] = { 0 };
  gboolean connected;

  /* sockets of other namespaces: 127.0.0.1 exists in each of them */
  if (st->netns != 0 && rec->netns_inode != 0 && rec->netns_inode != st->netns)
    return;
  memcpy (laddr.bytes, rec->local_addr, 16);
  memcpy (raddr.bytes, rec->remote_addr, 16);
  connected = rec->remote_port != 0 || memcmp (rec->remote_addr, zero, 16) != 0;
  owner = netlens_owner_info_new_owner (rec);
  netlens_pipeline_push_owner (self->pipeline,
                               rec->ip_proto == 6 ? NETLENS_PROTO_TCP : NETLENS_PROTO_UDP,
                               rec->family == 4 ? NETLENS_FAMILY_IPV4 : NETLENS_FAMILY_IPV6,
                               &laddr, rec->local_port,
                               connected ? &raddr : NULL, rec->remote_port,
                               owner);
}

static void
push_addresses (ReaderState *st, const NetlensWireAddresses *addrs)
{
  g_autoptr(GArray) v4 = g_array_new (FALSE, TRUE, sizeof (NetlensAddr));
  g_autoptr(GArray) v6 = g_array_new (FALSE, TRUE, sizeof (NetlensAddr));

  for (guint i = 0; i < addrs->n; i++)
    {
      NetlensAddr a = { { 0 } };

      memcpy (a.bytes, addrs->addrs[i].addr, 16);
      g_array_append_val (addrs->addrs[i].family == 4 ? v4 : v6, a);
    }
  netlens_pipeline_set_local_addresses (st->self->pipeline, NETLENS_FAMILY_IPV4,
                                        (const NetlensAddr *) (gconstpointer) v4->data, v4->len);
  netlens_pipeline_set_local_addresses (st->self->pipeline, NETLENS_FAMILY_IPV6,
                                        (const NetlensAddr *) (gconstpointer) v6->data, v6->len);
}

/* FALSE: stop reading (the stream is unusable) */
static gboolean
handle_frame (ReaderState *st, const NetlensWireFrame *frame)
{
  NetlensLiveSource *self = st->self;
  GError *error = NULL;

  switch (frame->type)
    {
    case NETLENS_WIRE_HELLO:
      {
        NetlensWireHello hello;

        if (!netlens_wire_parse_hello (frame, &hello, &error))
          break;
        st->got_hello = TRUE;
        st->netns = hello.netns_inode;
        g_mutex_lock (&self->lock);
        g_free (self->attribution_used);
        self->attribution_used = g_strdup (netlens_wire_attribution_to_string (hello.attribution));
        g_free (self->attribution_note);
        self->attribution_note = g_strdup (hello.note);
        self->link_type = hello.link_type;
        self->snaplen_used = hello.snaplen;
        g_free (self->interface_used);
        self->interface_used = g_strdup (hello.interface);
        g_mutex_unlock (&self->lock);
        if (!netlens_pipeline_set_link_type (self->pipeline, hello.link_type))
          error = g_error_new (NETLENS_LIVE_ERROR, NETLENS_LIVE_ERROR_LINK_TYPE,
                               "Netlens cannot decode the link type (%d) of interface %s",
                               hello.link_type, hello.interface);
        netlens_wire_hello_clear (&hello);
        if (error == NULL)
          notify_main (self, SIGNAL_STARTED, NULL);
        break;
      }
    case NETLENS_WIRE_PACKET:
      {
        NetlensWirePacket packet;

        if (!st->got_hello)
          break;
        if (!netlens_wire_parse_packet (frame, &packet, &error))
          break;
        netlens_pipeline_push_packet (self->pipeline, packet.ts_us, packet.caplen,
                                      packet.origlen, packet.data);
        /* set before start(), read only by this thread: no lock */
        if (self->packet_func != NULL)
          self->packet_func (self->link_type, self->snaplen_used, self->interface_used,
                             packet.ts_us, packet.caplen, packet.origlen, packet.data,
                             self->packet_data);
        g_mutex_lock (&self->lock);
        self->stats.packets++;
        g_mutex_unlock (&self->lock);
        break;
      }
    case NETLENS_WIRE_OWNER:
      {
        NetlensWireOwner owner;

        if (!netlens_wire_parse_owner (frame, &owner, &error))
          break;
        push_owner (st, &owner);
        netlens_wire_owner_clear (&owner);
        g_mutex_lock (&self->lock);
        self->stats.owners++;
        g_mutex_unlock (&self->lock);
        break;
      }
    case NETLENS_WIRE_STATS:
      {
        NetlensWireStats stats;

        if (!netlens_wire_parse_stats (frame, &stats, &error))
          break;
        netlens_pipeline_set_capture_drops (self->pipeline, stats.dropped, stats.ifdropped,
                                            stats.owner_events_lost);
        g_mutex_lock (&self->lock);
        self->stats.received = stats.received;
        self->stats.dropped_kernel = stats.dropped;
        self->stats.dropped_interface = stats.ifdropped;
        self->stats.owner_events_lost = stats.owner_events_lost;
        g_mutex_unlock (&self->lock);
        notify_main (self, SIGNAL_STATS, NULL);
        break;
      }
    case NETLENS_WIRE_ERROR:
      {
        NetlensWireError err;

        if (!netlens_wire_parse_error (frame, &err, &error))
          break;
        g_clear_error (&st->helper_error);
        if (err.secondary != NULL && *err.secondary != '\0')
          st->helper_error = g_error_new (NETLENS_LIVE_ERROR, NETLENS_LIVE_ERROR_HELPER_FAILED,
                                          "%s: %s", err.primary, err.secondary);
        else
          st->helper_error = g_error_new_literal (NETLENS_LIVE_ERROR,
                                                  NETLENS_LIVE_ERROR_HELPER_FAILED, err.primary);
        netlens_wire_error_clear (&err);
        break;
      }
    case NETLENS_WIRE_LOCAL_ADDRESSES:
      {
        NetlensWireAddresses addrs;

        if (!netlens_wire_parse_addresses (frame, &addrs, &error))
          break;
        push_addresses (st, &addrs);
        netlens_wire_addresses_clear (&addrs);
        break;
      }
    default:
      break;
    }

  if (error != NULL)
    {
      if (error->domain == NETLENS_LIVE_ERROR)
        st->stream_error = error;
      else
        {
          st->stream_error = g_error_new (NETLENS_LIVE_ERROR, NETLENS_LIVE_ERROR_PROTOCOL,
                                          "The capture helper's stream is damaged: %s",
                                          error->message);
          g_error_free (error);
        }
      return FALSE;
    }
  return TRUE;
}

static void
append_stderr (GString *text, const char *data, gsize len)
{
  g_string_append_len (text, data, len);
  if (text->len > STDERR_KEEP)
    g_string_erase (text, 0, text->len - STDERR_KEEP);
}

/* The helper's or pkexec's error line: the last one saying "Error", else the last
 * non-empty one ("This incident has been reported." follows pkexec's reason). */
static char *
stderr_summary (GString *text)
{
  g_auto(GStrv) lines = g_strsplit (text->str, "\n", -1);

  for (int i = (int) g_strv_length (lines) - 1; i >= 0; i--)
    if (strstr (lines[i], "Error") != NULL)
      return g_strdup (g_strstrip (lines[i]));
  for (int i = (int) g_strv_length (lines) - 1; i >= 0; i--)
    {
      g_strstrip (lines[i]);
      if (*lines[i] != '\0')
        return g_strdup (lines[i]);
    }
  return NULL;
}

static GError *
classify_end (NetlensLiveSource *self, ReaderState *st)
{
  GSubprocess *sp = self->subprocess;
  gboolean via_pkexec = self->launch != NETLENS_LIVE_LAUNCH_DIRECT;
  gboolean stopped;
  const char *err = st->stderr_text->str;
  g_autofree char *last = stderr_summary (st->stderr_text);

  g_mutex_lock (&self->lock);
  stopped = self->stop_requested;
  g_mutex_unlock (&self->lock);

  if (st->stream_error != NULL)
    return g_steal_pointer (&st->stream_error);
  if (st->helper_error != NULL)
    return g_steal_pointer (&st->helper_error);

  /* asked to stop: however it ended (a pkexec still prompting is signalled) is no error */
  if (stopped && g_subprocess_get_identifier (sp) == NULL)
    return NULL;

  if (g_subprocess_get_identifier (sp) != NULL)
    return g_error_new_literal (NETLENS_LIVE_ERROR, NETLENS_LIVE_ERROR_HELPER_DIED,
                                "The capture helper stopped sending data and did not exit");

  if (g_subprocess_get_if_signaled (sp))
    {
      int sig = g_subprocess_get_term_sig (sp);

      return g_error_new (NETLENS_LIVE_ERROR, NETLENS_LIVE_ERROR_HELPER_DIED,
                          "The capture helper was stopped by signal %d (%s)%s", sig,
                          g_strsignal (sig),
                          sig == SIGSYS ? ": it made a system call its seccomp filter forbids" : "");
    }

  if (g_subprocess_get_if_exited (sp))
    {
      int status = g_subprocess_get_exit_status (sp);

      if (via_pkexec && !st->got_hello && status == 127)
        {
          if (strstr (err, "Not authorized") != NULL)
            return g_error_new (NETLENS_LIVE_ERROR, NETLENS_LIVE_ERROR_NOT_AUTHORIZED,
                                "You are not authorised to capture network traffic "
                                "(polkit action io.github.netlens.Netlens.capture): %s",
                                last != NULL ? last : "Not authorized");
          if (strstr (err, "authentication agent") != NULL)
            return g_error_new (NETLENS_LIVE_ERROR, NETLENS_LIVE_ERROR_NO_AGENT,
                                "No authentication agent could ask for the administrator "
                                "password (run Netlens in a desktop session, or see "
                                "docs/capture.md for setcap and polkit rules): %s",
                                last != NULL ? last : "");
          if (strstr (err, "Error accessing") != NULL || strstr (err, "No such file") != NULL)
            return g_error_new (NETLENS_LIVE_ERROR, NETLENS_LIVE_ERROR_HELPER_MISSING,
                                "The capture helper %s is not installed: %s",
                                netlens_live_source_get_helper_path (self),
                                last != NULL ? last : "");
          return g_error_new (NETLENS_LIVE_ERROR, NETLENS_LIVE_ERROR_NOT_AUTHORIZED,
                              "Could not get authorisation to capture: %s",
                              last != NULL ? last : "pkexec failed");
        }
      if (via_pkexec && !st->got_hello && status == 126)
        return g_error_new_literal (NETLENS_LIVE_ERROR, NETLENS_LIVE_ERROR_DISMISSED,
                                    "Authentication was dismissed: capture did not start");
      if (status == 0 && stopped)
        return NULL;
      if (status == 0)
        return g_error_new_literal (NETLENS_LIVE_ERROR, NETLENS_LIVE_ERROR_HELPER_DIED,
                                    "The capture helper ended unexpectedly");
      return g_error_new (NETLENS_LIVE_ERROR, NETLENS_LIVE_ERROR_HELPER_DIED,
                          "The capture helper ended with status %d%s%s", status,
                          last != NULL ? ": " : "", last != NULL ? last : "");
    }
  return g_error_new_literal (NETLENS_LIVE_ERROR, NETLENS_LIVE_ERROR_HELPER_DIED,
                              "The capture helper ended unexpectedly");
}

/* The helper ends on its own once its stdin and stdout are closed (within 100 ms).  A
 * process that does not (not our helper, or a stuck pkexec) is signalled, which works
 * whenever it is not root, so this never hangs on one we could stop. */
static void
wait_for_exit (NetlensLiveSource *self)
{
  gint64 start = g_get_monotonic_time ();
  gboolean termed = FALSE, killed = FALSE;

  while (g_subprocess_get_identifier (self->subprocess) != NULL)
    {
      gint64 waited = g_get_monotonic_time () - start;

      if (!termed && waited > STOP_GRACE_US)
        {
          g_subprocess_send_signal (self->subprocess, SIGTERM);
          termed = TRUE;
        }
      else if (!killed && waited > 2 * STOP_GRACE_US)
        {
          g_subprocess_force_exit (self->subprocess);
          killed = TRUE;
        }
      else if (killed && waited > 4 * STOP_GRACE_US)
        break;  /* a root process we cannot signal: its exit is reaped by GLib later */
      g_usleep (10 * 1000);
    }
  if (g_subprocess_get_identifier (self->subprocess) == NULL)
    g_subprocess_wait (self->subprocess, NULL, NULL);
}

static gpointer
reader_thread_main (gpointer data)
{
  NetlensLiveSource *self = data;
  ReaderState st = { 0 };
  GInputStream *out = g_subprocess_get_stdout_pipe (self->subprocess);
  GInputStream *err = g_subprocess_get_stderr_pipe (self->subprocess);
  int out_fd = g_unix_input_stream_get_fd (G_UNIX_INPUT_STREAM (out));
  int err_fd = g_unix_input_stream_get_fd (G_UNIX_INPUT_STREAM (err));
  gint64 next_tick = g_get_monotonic_time () + TICK_US;
  g_autofree guint8 *buf = g_malloc (READ_CHUNK);
  gboolean out_open = TRUE, err_open = TRUE;
  gboolean signalled = FALSE;
  gint64 out_closed_at = 0;
  GError *end_error;

  /* best effort: an unprivileged process may be capped by /proc/sys/fs/pipe-max-size */
  (void) fcntl (out_fd, F_SETPIPE_SZ, READ_CHUNK);
  st.self = self;
  st.reader = netlens_wire_reader_new ();
  st.stderr_text = g_string_new (NULL);

  while (out_open || err_open)
    {
      struct pollfd fds[2];
      int nfds = 0, i_out = -1, i_err = -1;
      gint64 now = g_get_monotonic_time ();
      int timeout = (int) MAX (0, (next_tick - now) / 1000);
      gboolean stopping;
      gint64 stop_time;

      if (out_open)
        {
          i_out = nfds;
          fds[nfds++] = (struct pollfd) { out_fd, POLLIN, 0 };
        }
      if (err_open)
        {
          i_err = nfds;
          fds[nfds++] = (struct pollfd) { err_fd, POLLIN, 0 };
        }
      if (poll (fds, nfds, timeout) < 0 && errno != EINTR)
        break;

      if (i_out >= 0 && fds[i_out].revents)
        {
          ssize_t n = read (out_fd, buf, READ_CHUNK);

          if (n > 0)
            {
              NetlensWireFrame frame;
              NetlensWireReadResult r;
              GError *error = NULL;

              netlens_wire_reader_feed (st.reader, buf, n);
              while ((r = netlens_wire_reader_next (st.reader, &frame, &error))
                     == NETLENS_WIRE_READ_FRAME)
                if (!handle_frame (&st, &frame))
                  break;
              if (r == NETLENS_WIRE_READ_ERROR && st.stream_error == NULL)
                st.stream_error = g_error_new (NETLENS_LIVE_ERROR, NETLENS_LIVE_ERROR_PROTOCOL,
                                               "The capture helper's stream is damaged: %s",
                                               error->message);
              g_clear_error (&error);
              if (st.stream_error != NULL)
                {
                  /* stop the helper: closing our end of its stdout makes it exit too */
                  close_stdin (self);
                  g_input_stream_close (out, NULL, NULL);
                  out_open = FALSE;
                }
            }
          else if (n == 0 || (errno != EINTR && errno != EAGAIN))
            {
              /* a frame cut by the helper's end is not reported as damage: how it ended
               * (its exit status or signal) says more; the cut is added to that */
              st.cut_frame = st.stream_error == NULL && !netlens_wire_reader_finish (st.reader, NULL);
              out_open = FALSE;
            }
        }
      if (i_err >= 0 && fds[i_err].revents)
        {
          char ebuf[4096];
          ssize_t n = read (err_fd, ebuf, sizeof ebuf);

          if (n > 0)
            append_stderr (st.stderr_text, ebuf, n);
          else if (n == 0 || (errno != EINTR && errno != EAGAIN))
            err_open = FALSE;
        }

      now = g_get_monotonic_time ();
      if (now >= next_tick)
        {
          if (st.got_hello)
            netlens_pipeline_tick (self->pipeline, g_get_real_time ());
          next_tick = now + TICK_US;
        }

      /* a helper that does not end after we asked (pkexec still waiting for a password):
       * try a signal, which reaches pkexec before it becomes root */
      g_mutex_lock (&self->lock);
      stopping = self->stop_requested;
      stop_time = self->stop_time_us;
      g_mutex_unlock (&self->lock);
      if (stopping && !signalled && now - stop_time > STOP_GRACE_US)
        {
          g_subprocess_send_signal (self->subprocess, SIGTERM);
          signalled = TRUE;
        }
      /* stdout is gone: a stderr kept open by something else must not keep us waiting */
      if (!out_open && err_open)
        {
          if (out_closed_at == 0)
            out_closed_at = now;
          else if (now - out_closed_at > G_USEC_PER_SEC)
            err_open = FALSE;
        }
    }

  close_stdin (self);
  wait_for_exit (self);
  if (st.got_hello)
    netlens_pipeline_tick (self->pipeline, g_get_real_time ());

  end_error = classify_end (self, &st);
  if (end_error != NULL && st.cut_frame &&
      g_error_matches (end_error, NETLENS_LIVE_ERROR, NETLENS_LIVE_ERROR_HELPER_DIED))
    {
      char *message = g_strdup_printf ("%s; its output stopped in the middle of a frame "
                                       "(the packets before it are shown)", end_error->message);

      g_free (end_error->message);
      end_error->message = message;
    }
  notify_main (self, SIGNAL_FINISHED, end_error);

  g_clear_error (&st.helper_error);
  g_clear_error (&st.stream_error);
  g_string_free (st.stderr_text, TRUE);
  netlens_wire_reader_free (st.reader);
  g_object_unref (self);
  return NULL;
}

gboolean
netlens_live_source_start (NetlensLiveSource  *self,
                           GError            **error)
{
  g_auto(GStrv) argv = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;

  g_return_val_if_fail (NETLENS_IS_LIVE_SOURCE (self), FALSE);
  g_return_val_if_fail (self->state == NETLENS_LIVE_STATE_IDLE
                        || self->state == NETLENS_LIVE_STATE_STOPPED, FALSE);

  self->launch = netlens_live_source_get_launch (self);
  argv = netlens_live_source_build_argv (self);
  g_debug ("starting %s", argv[0]);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE
                                        | G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                        | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_clear_object (&self->subprocess);
  self->subprocess = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv, error);
  if (self->subprocess == NULL)
    {
      if (error != NULL && *error != NULL && (*error)->domain == G_SPAWN_ERROR)
        {
          GError *e = *error;

          *error = g_error_new (NETLENS_LIVE_ERROR, NETLENS_LIVE_ERROR_HELPER_MISSING,
                                "Could not start the capture helper (%s): %s", argv[0],
                                e->message);
          g_error_free (e);
        }
      return FALSE;
    }

  g_clear_error (&self->error);
  g_clear_pointer (&self->context, g_main_context_unref);
  self->context = g_main_context_ref_thread_default ();
  g_mutex_lock (&self->lock);
  g_set_object (&self->stdin_pipe, g_subprocess_get_stdin_pipe (self->subprocess));
  self->stop_requested = FALSE;
  memset (&self->stats, 0, sizeof self->stats);
  g_mutex_unlock (&self->lock);

  set_state (self, NETLENS_LIVE_STATE_STARTING);
  self->thread = g_thread_new ("netlens-live-reader", reader_thread_main, g_object_ref (self));
  return TRUE;
}

void
netlens_live_source_stop (NetlensLiveSource *self)
{
  g_return_if_fail (NETLENS_IS_LIVE_SOURCE (self));

  if (self->state != NETLENS_LIVE_STATE_STARTING && self->state != NETLENS_LIVE_STATE_RUNNING)
    return;
  g_mutex_lock (&self->lock);
  self->stop_requested = TRUE;
  self->stop_time_us = g_get_monotonic_time ();
  g_mutex_unlock (&self->lock);
  close_stdin (self);
  set_state (self, NETLENS_LIVE_STATE_STOPPING);
}

NetlensLiveState
netlens_live_source_get_state (NetlensLiveSource *self)
{
  g_return_val_if_fail (NETLENS_IS_LIVE_SOURCE (self), NETLENS_LIVE_STATE_IDLE);
  return self->state;
}

const GError *
netlens_live_source_get_error (NetlensLiveSource *self)
{
  g_return_val_if_fail (NETLENS_IS_LIVE_SOURCE (self), NULL);
  return self->error;
}

void
netlens_live_source_get_stats (NetlensLiveSource *self,
                               NetlensLiveStats  *stats)
{
  g_return_if_fail (NETLENS_IS_LIVE_SOURCE (self));
  g_mutex_lock (&self->lock);
  *stats = self->stats;
  g_mutex_unlock (&self->lock);
}

const char *
netlens_live_source_get_attribution (NetlensLiveSource *self)
{
  g_return_val_if_fail (NETLENS_IS_LIVE_SOURCE (self), NULL);
  /* written once by the reader thread before "started" */
  return self->attribution_used;
}

const char *
netlens_live_source_get_attribution_note (NetlensLiveSource *self)
{
  g_return_val_if_fail (NETLENS_IS_LIVE_SOURCE (self), NULL);
  return self->attribution_note;
}

int
netlens_live_source_get_link_type (NetlensLiveSource *self)
{
  g_return_val_if_fail (NETLENS_IS_LIVE_SOURCE (self), -1);
  return self->link_type;
}

/* ---- headless ------------------------------------------------------------------ */

typedef struct
{
  GMainLoop         *loop;
  NetlensLiveSource *source;
  GError            *error;
} HeadlessRun;

static void
on_headless_started (NetlensLiveSource *source, gpointer user_data)
{
  const char *note = netlens_live_source_get_attribution_note (source);

  if (note != NULL)
    g_printerr ("netlens: %s\n", note);
}

static void
on_headless_finished (NetlensLiveSource *source, const GError *error, gpointer user_data)
{
  HeadlessRun *run = user_data;

  if (error != NULL)
    run->error = g_error_copy (error);
  g_main_loop_quit (run->loop);
}

static gboolean
on_headless_stop (gpointer user_data)
{
  HeadlessRun *run = user_data;

  netlens_live_source_stop (run->source);
  return G_SOURCE_CONTINUE;
}

gboolean
netlens_live_source_run_headless (NetlensPipeline    *pipeline,
                                  const char         *interface,
                                  const char         *bpf,
                                  NetlensAttribution  attribution,
                                  double              duration_s,
                                  GError            **error)
{
  return netlens_live_source_run_headless_tap (pipeline, interface, bpf, attribution, duration_s,
                                               NULL, NULL, error);
}

gboolean
netlens_live_source_run_headless_tap (NetlensPipeline       *pipeline,
                                      const char            *interface,
                                      const char            *bpf,
                                      NetlensAttribution     attribution,
                                      double                 duration_s,
                                      NetlensLivePacketFunc  packet_func,
                                      gpointer               packet_data,
                                      GError               **error)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(NetlensLiveSource) source = NULL;
  HeadlessRun run = { 0 };
  GSource *timeout = NULL, *sigint, *sigterm;

  g_return_val_if_fail (pipeline != NULL, FALSE);
  g_return_val_if_fail (interface != NULL, FALSE);

  g_main_context_push_thread_default (context);
  run.loop = g_main_loop_new (context, FALSE);
  source = netlens_live_source_new (pipeline);
  run.source = source;
  netlens_live_source_set_interface (source, interface);
  netlens_live_source_set_bpf (source, bpf);
  netlens_live_source_set_attribution (source, attribution);
  netlens_live_source_set_packet_func (source, packet_func, packet_data);
  g_signal_connect (source, "started", G_CALLBACK (on_headless_started), &run);
  g_signal_connect (source, "finished", G_CALLBACK (on_headless_finished), &run);

  if (!netlens_live_source_start (source, error))
    {
      g_main_loop_unref (run.loop);
      g_main_context_pop_thread_default (context);
      return FALSE;
    }

  if (duration_s > 0)
    {
      timeout = g_timeout_source_new ((guint) MIN (duration_s * 1000.0, (double) G_MAXUINT));
      g_source_set_callback (timeout, on_headless_stop, &run, NULL);
      g_source_attach (timeout, context);
    }
  sigint = g_unix_signal_source_new (SIGINT);
  g_source_set_callback (sigint, on_headless_stop, &run, NULL);
  g_source_attach (sigint, context);
  sigterm = g_unix_signal_source_new (SIGTERM);
  g_source_set_callback (sigterm, on_headless_stop, &run, NULL);
  g_source_attach (sigterm, context);

  g_main_loop_run (run.loop);

  if (timeout != NULL)
    {
      g_source_destroy (timeout);
      g_source_unref (timeout);
    }
  g_source_destroy (sigint);
  g_source_unref (sigint);
  g_source_destroy (sigterm);
  g_source_unref (sigterm);
  g_signal_handlers_disconnect_by_data (source, &run);
  g_main_loop_unref (run.loop);
  g_main_context_pop_thread_default (context);

  if (run.error != NULL)
    {
      g_propagate_error (error, run.error);
      return FALSE;
    }
  return TRUE;
}
