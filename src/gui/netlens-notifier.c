/* netlens-notifier.c: desktop notifications about new programs and new hosts
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "netlens-gui"

#include "config.h"

#include <glib/gi18n.h>

#include "netlens-notifier.h"

#define DEFAULT_INTERVAL_MS 5000
#define MAX_NAMES_LISTED    3

typedef struct
{
  char    *label;
  char    *peer;
  guint32  conn_id;
} Event;

typedef struct
{
  GHashTable *seen;      /* keys */
  GHashTable *known;     /* keys from the history (netlens_notifier_add_known) */
  GPtrArray  *pending;   /* Event *, not yet announced */
  gint64      last_sent; /* monotonic µs, 0: never */
  guint       timer_id;
  gboolean    wanted;
} Kind;

struct _NetlensNotifier
{
  GObject       parent_instance;

  GApplication *application;   /* not a reference: the application outlives its windows */
  Kind          kinds[NETLENS_N_GROUP_KINDS];
  gboolean      enabled;
  guint         interval_ms;
  guint         n_sent;
  guint         n_unsent;

  /* who can show a notification: a server that owns one of the names, or one that
   * the bus can start, or (in a sandbox) the portal */
  guint         watch_ids[2];
  gboolean      owned[2];
  gboolean      activatable;
  gboolean      sandboxed;
  GCancellable *cancellable;
};

G_DEFINE_FINAL_TYPE (NetlensNotifier, netlens_notifier, G_TYPE_OBJECT)

static const char *server_names[2] = { "org.freedesktop.Notifications", "org.gtk.Notifications" };

static void
event_free (gpointer data)
{
  Event *event = data;

  g_free (event->label);
  g_free (event->peer);
  g_free (event);
}

gboolean
netlens_notifier_get_server_available (NetlensNotifier *self)
{
  g_return_val_if_fail (NETLENS_IS_NOTIFIER (self), FALSE);
  return self->sandboxed || self->activatable || self->owned[0] || self->owned[1];
}

static char *
list_names (GPtrArray *events)
{
  g_autoptr(GString) names = g_string_new (NULL);
  guint shown = MIN (events->len, MAX_NAMES_LISTED);

  for (guint i = 0; i < shown; i++)
    {
      const Event *event = g_ptr_array_index (events, i);

      if (i > 0)
        g_string_append (names, i + 1 == shown && events->len == shown ? _(" and ") : ", ");
      g_string_append (names, event->label);
    }
  if (events->len > shown)
    /* Translators: the end of a list of names, "curl, wget, ssh and 4 more" */
    g_string_append_printf (names, g_dngettext (GETTEXT_PACKAGE, " and %u more", " and %u more",
                                                events->len - shown),
                            events->len - shown);
  return g_string_free (g_steal_pointer (&names), FALSE);
}

static void
send_pending (NetlensNotifier  *self,
              NetlensGroupKind  kind)
{
  Kind *k = &self->kinds[kind];
  g_autoptr(GNotification) notification = NULL;
  g_autofree char *title = NULL;
  g_autofree char *body = NULL;
  guint n = k->pending->len;

  if (n == 0)
    return;
  k->last_sent = g_get_monotonic_time ();
  if (!netlens_notifier_get_server_available (self))
    {
      /* GLib would warn ("ServiceUnknown") for each one: count them instead */
      g_debug ("no notification server: %u %s not announced", n,
               kind == NETLENS_GROUP_PROCESS ? "programs" : "hosts");
      self->n_unsent++;
      g_ptr_array_set_size (k->pending, 0);
      return;
    }

  if (n == 1)
    {
      const Event *event = g_ptr_array_index (k->pending, 0);

      if (kind == NETLENS_GROUP_PROCESS)
        {
          /* Translators: a notification's title, %s is a program */
          title = g_strdup_printf (_("%s uses the network"), event->label);
          body = event->peer != NULL
                 /* Translators: %s is a host name or address */
                 ? g_strdup_printf (_("Its first connection goes to %s."), event->peer)
                 : g_strdup (_("Its first network connection since Netlens started."));
        }
      else
        {
          /* Translators: a notification's title, %s is a host name or address */
          title = g_strdup_printf (_("New host: %s"), event->label);
          body = event->peer != NULL
                 /* Translators: %s is a program */
                 ? g_strdup_printf (_("%s connected to it for the first time."), event->peer)
                 : g_strdup (_("A first connection to a host not seen before."));
        }
      notification = g_notification_new (title);
      g_notification_set_body (notification, body);
      g_notification_set_default_action_and_target (notification, "app.show-connection", "u",
                                                    event->conn_id);
    }
  else
    {
      g_autofree char *names = list_names (k->pending);

      if (kind == NETLENS_GROUP_PROCESS)
        title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u new program uses the network",
                                              "%u new programs use the network", n), n);
      else
        title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u new host", "%u new hosts", n), n);
      notification = g_notification_new (title);
      g_notification_set_body (notification, names);
      g_notification_set_default_action_and_target (notification, "app.show-view", "s",
                                                    kind == NETLENS_GROUP_PROCESS ? "processes" : "hosts");
    }
  g_ptr_array_set_size (k->pending, 0);
  /* one id per kind: a newer notification replaces the one still shown */
  g_application_send_notification (self->application,
                                   kind == NETLENS_GROUP_PROCESS ? "new-programs" : "new-hosts",
                                   notification);
  self->n_sent++;
}

typedef struct
{
  NetlensNotifier  *self;
  NetlensGroupKind  kind;
} TimerData;

static gboolean
on_timer_cb (gpointer data)
{
  TimerData *timer = data;

  timer->self->kinds[timer->kind].timer_id = 0;
  send_pending (timer->self, timer->kind);
  return G_SOURCE_REMOVE;
}

/* Sends soon, but not sooner than the interval after the previous one: a burst is
 * gathered into one notification. */
static void
schedule (NetlensNotifier  *self,
          NetlensGroupKind  kind)
{
  Kind *k = &self->kinds[kind];
  gint64 now = g_get_monotonic_time ();
  gint64 due;
  TimerData *timer;

  if (k->timer_id != 0)
    return;
  due = k->last_sent != 0 ? k->last_sent + (gint64) self->interval_ms * 1000 : now;
  timer = g_new (TimerData, 1);
  timer->self = self;
  timer->kind = kind;
  /* a short wait even the first time, to gather what arrives in the same moment */
  k->timer_id = g_timeout_add_full (G_PRIORITY_DEFAULT, (guint) (MAX (due - now, 0) / 1000) + 50,
                                    on_timer_cb, timer, g_free);
}

void
netlens_notifier_observe (NetlensNotifier  *self,
                          NetlensGroupKind  kind,
                          const char       *key,
                          const char       *label,
                          const char       *peer,
                          guint32           conn_id)
{
  Kind *k;
  Event *event;

  g_return_if_fail (NETLENS_IS_NOTIFIER (self));
  g_return_if_fail ((guint) kind < NETLENS_N_GROUP_KINDS);
  g_return_if_fail (key != NULL);

  k = &self->kinds[kind];
  if (g_hash_table_contains (k->seen, key) || g_hash_table_contains (k->known, key))
    return;
  g_hash_table_add (k->seen, g_strdup (key));
  if (!self->enabled || !k->wanted || g_str_equal (key, "unknown"))
    return;
  event = g_new0 (Event, 1);
  event->label = g_strdup (label != NULL ? label : key);
  event->peer = g_strdup (peer);
  event->conn_id = conn_id;
  g_ptr_array_add (k->pending, event);
  schedule (self, kind);
}

void
netlens_notifier_add_known (NetlensNotifier  *self,
                            NetlensGroupKind  kind,
                            const char       *key)
{
  g_return_if_fail (NETLENS_IS_NOTIFIER (self));
  g_return_if_fail ((guint) kind < NETLENS_N_GROUP_KINDS);
  g_return_if_fail (key != NULL);

  g_hash_table_add (self->kinds[kind].known, g_strdup (key));
}

void
netlens_notifier_reset (NetlensNotifier *self)
{
  g_return_if_fail (NETLENS_IS_NOTIFIER (self));

  for (guint i = 0; i < NETLENS_N_GROUP_KINDS; i++)
    {
      g_hash_table_remove_all (self->kinds[i].seen);
      g_ptr_array_set_size (self->kinds[i].pending, 0);
      g_clear_handle_id (&self->kinds[i].timer_id, g_source_remove);
    }
}

void
netlens_notifier_set_enabled (NetlensNotifier *self,
                              gboolean         enabled)
{
  g_return_if_fail (NETLENS_IS_NOTIFIER (self));

  self->enabled = !!enabled;
  if (!self->enabled)
    for (guint i = 0; i < NETLENS_N_GROUP_KINDS; i++)
      {
        /* switched off: what waits is dropped, not sent */
        g_ptr_array_set_size (self->kinds[i].pending, 0);
        g_clear_handle_id (&self->kinds[i].timer_id, g_source_remove);
      }
}

void
netlens_notifier_set_kinds (NetlensNotifier *self,
                            gboolean         programs,
                            gboolean         hosts)
{
  g_return_if_fail (NETLENS_IS_NOTIFIER (self));

  self->kinds[NETLENS_GROUP_PROCESS].wanted = !!programs;
  self->kinds[NETLENS_GROUP_HOST].wanted = !!hosts;
}

void
netlens_notifier_set_interval (NetlensNotifier *self,
                               guint            interval_ms)
{
  g_return_if_fail (NETLENS_IS_NOTIFIER (self));
  self->interval_ms = interval_ms;
}

guint
netlens_notifier_get_n_sent (NetlensNotifier *self)
{
  g_return_val_if_fail (NETLENS_IS_NOTIFIER (self), 0);
  return self->n_sent;
}

guint
netlens_notifier_get_n_unsent (NetlensNotifier *self)
{
  g_return_val_if_fail (NETLENS_IS_NOTIFIER (self), 0);
  return self->n_unsent;
}

/* ---- is anyone there to show them? ---- */

static void
on_name_appeared_cb (GDBusConnection *connection,
                     const char      *name,
                     const char      *owner,
                     gpointer         data)
{
  NetlensNotifier *self = data;

  for (guint i = 0; i < G_N_ELEMENTS (server_names); i++)
    if (g_str_equal (name, server_names[i]))
      self->owned[i] = TRUE;
}

static void
on_name_vanished_cb (GDBusConnection *connection,
                     const char      *name,
                     gpointer         data)
{
  NetlensNotifier *self = data;

  for (guint i = 0; i < G_N_ELEMENTS (server_names); i++)
    if (g_str_equal (name, server_names[i]))
      self->owned[i] = FALSE;
}

static void
on_activatable_names_cb (GObject      *source,
                         GAsyncResult *result,
                         gpointer      data)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree const char **names = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("ListActivatableNames: %s", error->message);
      return;
    }
  g_variant_get (reply, "(^a&s)", &names);
  for (guint i = 0; names != NULL && names[i] != NULL; i++)
    if (g_str_equal (names[i], server_names[0]) || g_str_equal (names[i], server_names[1]))
      NETLENS_NOTIFIER (data)->activatable = TRUE;
}

static void
watch_servers (NetlensNotifier *self)
{
  g_autoptr(GDBusConnection) bus = NULL;

  /* in a sandbox GNotification goes through the portal, whatever the bus shows */
  self->sandboxed = g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS);
  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  if (bus == NULL)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (server_names); i++)
    self->watch_ids[i] = g_bus_watch_name_on_connection (bus, server_names[i],
                                                         G_BUS_NAME_WATCHER_FLAGS_NONE,
                                                         on_name_appeared_cb, on_name_vanished_cb,
                                                         self, NULL);
  g_dbus_connection_call (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                          "org.freedesktop.DBus", "ListActivatableNames", NULL,
                          G_VARIANT_TYPE ("(as)"), G_DBUS_CALL_FLAGS_NONE, -1, self->cancellable,
                          on_activatable_names_cb, self);
}

/* ---- object ---- */

static void
netlens_notifier_dispose (GObject *object)
{
  NetlensNotifier *self = NETLENS_NOTIFIER (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  for (guint i = 0; i < G_N_ELEMENTS (self->watch_ids); i++)
    g_clear_handle_id (&self->watch_ids[i], g_bus_unwatch_name);
  for (guint i = 0; i < NETLENS_N_GROUP_KINDS; i++)
    g_clear_handle_id (&self->kinds[i].timer_id, g_source_remove);

  G_OBJECT_CLASS (netlens_notifier_parent_class)->dispose (object);
}

static void
netlens_notifier_finalize (GObject *object)
{
  NetlensNotifier *self = NETLENS_NOTIFIER (object);

  for (guint i = 0; i < NETLENS_N_GROUP_KINDS; i++)
    {
      g_hash_table_unref (self->kinds[i].seen);
      g_hash_table_unref (self->kinds[i].known);
      g_ptr_array_unref (self->kinds[i].pending);
    }

  G_OBJECT_CLASS (netlens_notifier_parent_class)->finalize (object);
}

static void
netlens_notifier_class_init (NetlensNotifierClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = netlens_notifier_dispose;
  object_class->finalize = netlens_notifier_finalize;
}

static void
netlens_notifier_init (NetlensNotifier *self)
{
  self->interval_ms = DEFAULT_INTERVAL_MS;
  self->cancellable = g_cancellable_new ();
  for (guint i = 0; i < NETLENS_N_GROUP_KINDS; i++)
    {
      self->kinds[i].seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      self->kinds[i].known = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      self->kinds[i].pending = g_ptr_array_new_with_free_func (event_free);
      self->kinds[i].wanted = TRUE;
    }
}

NetlensNotifier *
netlens_notifier_new (GApplication *application)
{
  NetlensNotifier *self;

  g_return_val_if_fail (G_IS_APPLICATION (application), NULL);

  self = g_object_new (NETLENS_TYPE_NOTIFIER, NULL);
  self->application = application;
  watch_servers (self);
  return self;
}
