/* netlens-application.c
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "netlens-gui"

#include "config.h"

#include <glib/gi18n.h>

#include "netlens-application.h"
#include "netlens-history-service.h"
#include "netlens-preferences-window.h"
#include "netlens-window.h"

struct _NetlensApplication
{
  AdwApplication          parent_instance;

  NetlensWindowOverrides  overrides;
  char                   *read_file;
  char                   *interface;
};

G_DEFINE_FINAL_TYPE (NetlensApplication, netlens_application, ADW_TYPE_APPLICATION)

static NetlensWindow *
get_window (NetlensApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (window == NULL)
    window = GTK_WINDOW (netlens_window_new (GTK_APPLICATION (self), &self->overrides));
  return NETLENS_WINDOW (window);
}

static void
netlens_application_activate (GApplication *app)
{
  NetlensApplication *self = NETLENS_APPLICATION (app);
  NetlensWindow *window = get_window (self);

  gtk_window_present (GTK_WINDOW (window));
  if (self->read_file != NULL)
    {
      g_autoptr(GFile) file = g_file_new_for_commandline_arg (self->read_file);
      g_clear_pointer (&self->read_file, g_free);
      netlens_window_open_file (window, file);
    }
  else if (self->interface != NULL)
    {
      g_autofree char *name = g_steal_pointer (&self->interface);
      netlens_window_capture_on (window, name);
    }
}

static void
netlens_application_open (GApplication  *app,
                          GFile        **files,
                          int            n_files,
                          const char    *hint)
{
  NetlensApplication *self = NETLENS_APPLICATION (app);
  NetlensWindow *window = get_window (self);

  gtk_window_present (GTK_WINDOW (window));
  if (n_files > 0)
    netlens_window_open_file (window, files[0]);
}

static void
quit_action (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (user_data));

  /* closing the windows saves their state (size, columns) */
  for (GList *l = windows; l != NULL;)
    {
      GList *next = l->next;
      gtk_window_close (l->data);
      l = next;
    }
  g_application_quit (G_APPLICATION (user_data));
}

static void
preferences_action (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (user_data));
  GtkWidget *prefs = netlens_preferences_window_new (parent);

  gtk_window_present (GTK_WINDOW (prefs));
}

static void
about_action (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  static const char *developers[] = { "The Netlens authors", NULL };
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (user_data));
  GtkWidget *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", parent,
                        "modal", TRUE,
                        "application-icon", APPLICATION_ID,
                        "application-name", _("Netlens"),
                        "developer-name", _("The Netlens authors"),
                        "version", PACKAGE_VERSION,
                        "comments", _("See every connection on this computer: its state, its program, "
                                      "and what deep packet inspection learned about it."),
                        "website", "https://github.com/netlens/netlens",
                        "issue-url", "https://github.com/netlens/netlens/issues",
                        "license-type", GTK_LICENSE_GPL_3_0,
                        "developers", developers,
                        "translator-credits", _("translator-credits"),
                        NULL);
  gtk_window_present (GTK_WINDOW (about));
}

/* A notification's action: the window on the connection (or the view) it names. */
static void
show_connection_action (GSimpleAction *action,
                        GVariant      *parameter,
                        gpointer       user_data)
{
  NetlensWindow *window = get_window (NETLENS_APPLICATION (user_data));

  gtk_window_present (GTK_WINDOW (window));
  netlens_window_show_connection (window, g_variant_get_uint32 (parameter));
}

static void
show_view_action (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  NetlensWindow *window = get_window (NETLENS_APPLICATION (user_data));

  gtk_window_present (GTK_WINDOW (window));
  netlens_window_show_view (window, g_variant_get_string (parameter, NULL));
}

static const GActionEntry app_actions[] = {
  { .name = "quit", .activate = quit_action },
  { .name = "show-connection", .activate = show_connection_action, .parameter_type = "u" },
  { .name = "show-view", .activate = show_view_action, .parameter_type = "s" },
  { .name = "preferences", .activate = preferences_action },
  { .name = "about", .activate = about_action },
};

static void
netlens_application_startup (GApplication *app)
{
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *prefs_accels[] = { "<Control>comma", NULL };
  static const char *close_accels[] = { "<Control>w", NULL };

  G_APPLICATION_CLASS (netlens_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions, G_N_ELEMENTS (app_actions), app);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.preferences", prefs_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "window.close", close_accels);
}

static void
netlens_application_shutdown (GApplication *app)
{
  /* what the windows queued is written before the process ends */
  netlens_history_service_shutdown ();
  G_APPLICATION_CLASS (netlens_application_parent_class)->shutdown (app);
}

static void
netlens_application_finalize (GObject *object)
{
  NetlensApplication *self = (NetlensApplication *) object;

  g_free (self->read_file);
  g_free (self->interface);

  G_OBJECT_CLASS (netlens_application_parent_class)->finalize (object);
}

static void
netlens_application_class_init (NetlensApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = netlens_application_finalize;
  app_class->activate = netlens_application_activate;
  app_class->open = netlens_application_open;
  app_class->startup = netlens_application_startup;
  app_class->shutdown = netlens_application_shutdown;
}

static void
netlens_application_init (NetlensApplication *self)
{
  self->overrides = (NetlensWindowOverrides) { -1, -1, -1 };
}

NetlensApplication *
netlens_application_new (NetlensOptions *options)
{
  NetlensApplication *self;

  self = g_object_new (NETLENS_TYPE_APPLICATION,
                       "application-id", APPLICATION_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN,
                       /* .Devel builds share the resources of the plain id */
                       "resource-base-path", "/io/github/netlens/Netlens",
                       NULL);
  if (options != NULL)
    {
      if (options->refresh_set)
        self->overrides.refresh_ms = options->refresh_ms;
      if (options->dpi_set)
        self->overrides.dpi = !options->no_dpi;
      if (options->localhost_set)
        self->overrides.hide_localhost = options->no_localhost;
      /* the window writes history unless --no-history; --history-db names the file */
      netlens_history_service_configure (options->history_db, options->no_history);
      self->read_file = g_strdup (options->read_file);
      if (self->read_file == NULL && options->remaining != NULL && options->remaining[0] != NULL)
        self->read_file = g_strdup (options->remaining[0]);
      self->interface = g_strdup (options->interface);
    }
  return self;
}

int
netlens_application_run (NetlensOptions *options,
                         int             argc,
                         char          **argv)
{
  g_autoptr(NetlensApplication) app = netlens_application_new (options);
  /* main() already parsed the command line; GApplication sees the program name and
   * the file to open, which reaches a window already running through "open" */
  g_autofree char *file = g_steal_pointer (&app->read_file);
  char *args[] = { argc > 0 ? argv[0] : (char *) "netlens", file, NULL };

  g_set_application_name (_("Netlens"));
  gtk_window_set_default_icon_name (APPLICATION_ID);
  return g_application_run (G_APPLICATION (app), file != NULL ? 2 : 1, args);
}
