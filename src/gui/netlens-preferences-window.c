/* netlens-preferences-window.c
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "netlens-gui"

#include "config.h"

#include <glib/gi18n.h>

#include "netlens-preferences-window.h"
#include "netlens-geo.h"
#include "netlens-history-service.h"

/* Built from rows libadwaita 1.2 has: AdwActionRow with a GtkSwitch or a
 * GtkSpinButton suffix, AdwComboRow (AdwSwitchRow and AdwSpinRow are 1.3+). */

struct _NetlensPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  GSettings            *settings;
  AdwComboRow          *units_row;
};

G_DEFINE_FINAL_TYPE (NetlensPreferencesWindow, netlens_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

static const char *
key_summary (GSettings  *settings,
             const char *key)
{
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GSettingsSchemaKey) schema_key = NULL;
  static GHashTable *summaries;
  const char *summary;

  if (summaries == NULL)
    summaries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  summary = g_hash_table_lookup (summaries, key);
  if (summary != NULL)
    return summary;
  g_object_get (settings, "settings-schema", &schema, NULL);
  schema_key = g_settings_schema_get_key (schema, key);
  /* the schema's gettext domain translates the summary */
  summary = g_settings_schema_key_get_summary (schema_key);
  g_hash_table_insert (summaries, g_strdup (key), g_strdup (summary ? summary : key));
  return g_hash_table_lookup (summaries, key);
}

static GtkWidget *
switch_row (NetlensPreferencesWindow *self,
            const char               *key,
            const char               *title,
            const char               *subtitle)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *toggle = gtk_switch_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  if (subtitle != NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_widget_set_valign (toggle, GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (toggle), GTK_ACCESSIBLE_PROPERTY_LABEL, title, -1);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), toggle);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), toggle);
  g_settings_bind (self->settings, key, toggle, "active", G_SETTINGS_BIND_DEFAULT);
  return row;
}

static GtkWidget *
spin_row (NetlensPreferencesWindow *self,
          const char               *key,
          const char               *title,
          const char               *subtitle,
          double                    min,
          double                    max,
          double                    step)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *spin = gtk_spin_button_new_with_range (min, max, step);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  if (subtitle != NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_widget_set_valign (spin, GTK_ALIGN_CENTER);
  gtk_spin_button_set_numeric (GTK_SPIN_BUTTON (spin), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (spin), GTK_ACCESSIBLE_PROPERTY_LABEL, title, -1);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), spin);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), spin);
  g_settings_bind (self->settings, key, spin, "value", G_SETTINGS_BIND_DEFAULT);
  return row;
}

/* ---- Clear History ---- */

static void
on_history_cleared_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GtkWidget) row = user_data;
  g_autoptr(GError) error = NULL;

  if (!netlens_history_service_clear_finish (netlens_history_service_get_default (), result, &error))
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), error->message);
  else
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), _("The history was cleared"));
  gtk_widget_set_sensitive (row, TRUE);
}

static void
on_clear_response_cb (AdwMessageDialog *dialog,
                      const char       *response,
                      GtkWidget        *row)
{
  if (!g_str_equal (response, "clear"))
    return;
  gtk_widget_set_sensitive (row, FALSE);
  netlens_history_service_clear_async (netlens_history_service_get_default (), NULL,
                                       on_history_cleared_cb, g_object_ref (row));
}

static void
on_clear_history_cb (GtkButton *button,
                     GtkWidget *row)
{
  GtkWidget *dialog;

  dialog = adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (row)), _("Clear History?"),
                                   _("Every connection kept in the history is deleted. "
                                     "This cannot be undone."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"),
                                    "clear", _("_Clear History"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "clear",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect (dialog, "response", G_CALLBACK (on_clear_response_cb), row);
  gtk_window_present (GTK_WINDOW (dialog));
}

static GtkWidget *
clear_history_row (NetlensPreferencesWindow *self)
{
  NetlensHistoryService *history = netlens_history_service_get_default ();
  const GError *error = netlens_history_service_get_error (history);
  g_autofree char *path = netlens_history_service_get_path (history);
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *button = gtk_button_new_with_mnemonic (_("C_lear History…"));

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("History Database"));
  /* a damaged or newer database is named here, with why it is not used */
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), error != NULL ? error->message : path);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "destructive-action");
  g_signal_connect (button, "clicked", G_CALLBACK (on_clear_history_cb), row);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
  return row;
}

/* A kind of notification: only meaningful while notifications are on. */
static GtkWidget *
notify_kind_row (NetlensPreferencesWindow *self,
                 const char               *key,
                 const char               *title,
                 const char               *subtitle)
{
  GtkWidget *row = switch_row (self, key, title, subtitle);

  g_settings_bind (self->settings, "notifications", row, "sensitive", G_SETTINGS_BIND_GET);
  return row;
}

static void
on_units_selected_cb (AdwComboRow              *row,
                      GParamSpec               *pspec,
                      NetlensPreferencesWindow *self)
{
  g_settings_set_string (self->settings, "units",
                         adw_combo_row_get_selected (row) == 1 ? "bits" : "bytes");
}

static void
on_units_changed_cb (GSettings                *settings,
                     const char               *key,
                     NetlensPreferencesWindow *self)
{
  g_autofree char *units = g_settings_get_string (settings, "units");
  guint pos = g_str_equal (units, "bits") ? 1 : 0;

  if (adw_combo_row_get_selected (self->units_row) != pos)
    adw_combo_row_set_selected (self->units_row, pos);
}

/* ---- GeoIP: a MaxMind DB file per kind, chosen or found in the usual places ---- */

static const char *
geo_key (GtkWidget *row)
{
  return g_object_get_data (G_OBJECT (row), "netlens-key");
}

/* The row's subtitle says which file is used, or why none is. */
static void
update_geo_row (NetlensPreferencesWindow *self,
                GtkWidget                *row)
{
  const char *key = geo_key (row);
  gboolean country = g_str_equal (key, "geoip-country-db");
  g_autofree char *path = g_settings_get_string (self->settings, key);
  g_autofree char *subtitle = NULL;
  g_autoptr(GError) error = NULL;
  GtkWidget *clear = g_object_get_data (G_OBJECT (row), "netlens-clear");
  gboolean failed = FALSE;

  if (*path != '\0')
    {
      g_autoptr(NetlensGeo) geo = netlens_geo_open (country ? path : NULL, country ? NULL : path,
                                                    &error);
      if (geo == NULL)
        {
          subtitle = g_strdup (error->message);
          failed = TRUE;
        }
      else
        subtitle = g_strdup (path);
    }
  else
    {
      g_autoptr(NetlensGeo) geo = netlens_geo_open_default (NULL);
      const char *found = geo == NULL ? NULL
                          : country ? netlens_geo_get_country_path (geo) : netlens_geo_get_asn_path (geo);

      if (found != NULL)
        /* Translators: the GeoIP file found without being named in Preferences */
        subtitle = g_strdup_printf (_("Automatic: %s"), found);
      else
        subtitle = g_strdup (_("None found"));
    }
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  if (failed)
    gtk_widget_add_css_class (row, "error");
  else
    gtk_widget_remove_css_class (row, "error");
  gtk_widget_set_sensitive (clear, *path != '\0');
}

static void
on_geo_setting_changed_cb (GSettings                *settings,
                           const char               *key,
                           NetlensPreferencesWindow *self)
{
  GtkWidget *row = g_object_get_data (G_OBJECT (self), key);

  if (row != NULL)
    update_geo_row (self, row);
}

static void
on_geo_chosen_cb (GtkNativeDialog *dialog,
                  int              response,
                  GtkWidget       *row)
{
  NetlensPreferencesWindow *self = NETLENS_PREFERENCES_WINDOW (gtk_widget_get_root (row));

  if (response == GTK_RESPONSE_ACCEPT && self != NULL)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;

      if (path != NULL)
        g_settings_set_string (self->settings, geo_key (row), path);
    }
  g_object_unref (dialog);
}

static void
on_geo_choose_clicked_cb (GtkButton *button,
                          GtkWidget *row)
{
  GtkWindow *window = GTK_WINDOW (gtk_widget_get_root (row));
  GtkFileChooserNative *dialog;
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  /* GtkFileDialog is GTK 4.10 */
  dialog = gtk_file_chooser_native_new (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)),
                                        window, GTK_FILE_CHOOSER_ACTION_OPEN, _("_Select"), _("_Cancel"));
  gtk_file_filter_set_name (filter, _("MaxMind databases (.mmdb)"));
  gtk_file_filter_add_pattern (filter, "*.mmdb");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), filter);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  g_signal_connect (dialog, "response", G_CALLBACK (on_geo_chosen_cb), row);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
on_geo_clear_clicked_cb (GtkButton *button,
                         GtkWidget *row)
{
  NetlensPreferencesWindow *self = NETLENS_PREFERENCES_WINDOW (gtk_widget_get_root (row));

  g_settings_set_string (self->settings, geo_key (row), "");
}

static GtkWidget *
geo_row (NetlensPreferencesWindow *self,
         const char               *key,
         const char               *title)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *choose = gtk_button_new_from_icon_name ("document-open-symbolic");
  GtkWidget *clear = gtk_button_new_from_icon_name ("edit-clear-symbolic");
  g_autofree char *choose_text = g_strdup_printf (_("Choose %s"), title);
  g_autofree char *clear_text = g_strdup_printf (_("Use an Installed %s"), title);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  g_object_set_data_full (G_OBJECT (row), "netlens-key", g_strdup (key), g_free);
  g_object_set_data (G_OBJECT (row), "netlens-clear", clear);
  g_object_set_data (G_OBJECT (self), key, row);
  for (guint i = 0; i < 2; i++)
    {
      GtkWidget *button = i == 0 ? choose : clear;
      const char *text = i == 0 ? choose_text : clear_text;

      gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (button, "flat");
      gtk_widget_set_tooltip_text (button, text);
      gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
    }
  g_signal_connect (choose, "clicked", G_CALLBACK (on_geo_choose_clicked_cb), row);
  g_signal_connect (clear, "clicked", G_CALLBACK (on_geo_clear_clicked_cb), row);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), choose);
  update_geo_row (self, row);
  return row;
}

static AdwPreferencesGroup *
geo_group (NetlensPreferencesWindow *self)
{
  AdwPreferencesGroup *group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  g_auto(GStrv) dirs = netlens_geo_dup_search_dirs ();
  g_autofree char *joined = g_strjoinv (", ", dirs);
  g_autofree char *description = NULL;

  adw_preferences_group_set_title (group, _("Country and Network"));
  /* Translators: %s is a list of folders */
  description = g_strdup_printf (_("The country and network (AS) of remote addresses come from MaxMind "
                                   "database files: GeoLite2 or DB-IP lite, Country and ASN. Name "
                                   "them here, or put them in one of these folders: %s. Private and "
                                   "reserved addresses are never looked up."), joined);
  adw_preferences_group_set_description (group, description);
  adw_preferences_group_add (group, geo_row (self, "geoip-country-db", _("Country Database")));
  adw_preferences_group_add (group, geo_row (self, "geoip-asn-db", _("ASN Database")));
  g_signal_connect_object (self->settings, "changed::geoip-country-db",
                           G_CALLBACK (on_geo_setting_changed_cb), self, 0);
  g_signal_connect_object (self->settings, "changed::geoip-asn-db",
                           G_CALLBACK (on_geo_setting_changed_cb), self, 0);
  return group;
}

static const char *timeout_keys[] = {
  "timeouts-tcp-established-ssh", "timeouts-tcp-established-http", "timeouts-tcp-established",
  "timeouts-tcp-transient", "timeouts-tcp-closing", "timeouts-tcp-closed",
  "timeouts-quic-handshake", "timeouts-quic-connected", "timeouts-quic-closed",
  "timeouts-dns", "timeouts-udp", "timeouts-udp-idle", "timeouts-udp-stale",
  "timeouts-icmp", "timeouts-arp", "timeouts-other",
};

static void
build (NetlensPreferencesWindow *self)
{
  AdwPreferencesPage *page;
  AdwPreferencesGroup *group;
  g_autoptr(GtkStringList) units = NULL;

  /* General */
  page = ADW_PREFERENCES_PAGE (adw_preferences_page_new ());
  adw_preferences_page_set_title (page, _("General"));
  adw_preferences_page_set_icon_name (page, "preferences-system-symbolic");

  group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (group, _("Display"));
  adw_preferences_group_add (group, spin_row (self, "refresh-interval", _("Refresh Interval"),
                                              _("Milliseconds between updates of the table"),
                                              100, 60000, 100));
  units = gtk_string_list_new ((const char *[]) { _("Bytes"), _("Bits"), NULL });
  self->units_row = ADW_COMBO_ROW (adw_combo_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->units_row), _("Units"));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->units_row),
                               _("Show amounts and rates in bytes or in bits"));
  adw_combo_row_set_model (self->units_row, G_LIST_MODEL (units));
  on_units_changed_cb (self->settings, "units", self);
  g_signal_connect (self->units_row, "notify::selected", G_CALLBACK (on_units_selected_cb), self);
  g_signal_connect_object (self->settings, "changed::units", G_CALLBACK (on_units_changed_cb), self, 0);
  adw_preferences_group_add (group, GTK_WIDGET (self->units_row));
  adw_preferences_group_add (group, switch_row (self, "hide-localhost", _("Hide Loopback Connections"),
                                                _("Connections on 127.0.0.1 and ::1")));
  adw_preferences_page_add (page, group);

  group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (group, _("Inspection"));
  adw_preferences_group_add (group, switch_row (self, "dpi", _("Deep Packet Inspection"),
                                                _("Read HTTP, TLS, QUIC, DNS and SSH to name connections. "
                                                  "Applies at once, to the packets that follow.")));
  adw_preferences_group_add (group, switch_row (self, "reverse-dns", _("Reverse DNS Lookups"),
                                                _("Look up the names of remote addresses. This sends "
                                                  "the looked-up addresses to your DNS resolver.")));
  adw_preferences_page_add (page, group);

  group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (group, _("Notifications and History"));
  adw_preferences_group_add (group, switch_row (self, "notifications", _("Notifications"),
                                                _("Tell about new network activity")));
  adw_preferences_group_add (group, notify_kind_row (self, "notify-new-program", _("New Programs"),
                                                     _("A program's first network connection since "
                                                       "Netlens started")));
  adw_preferences_group_add (group, notify_kind_row (self, "notify-new-host", _("New Hosts"),
                                                     _("A first connection to a host not seen before")));
  adw_preferences_group_add (group, switch_row (self, "history-enabled", _("Keep History"),
                                                _("Write closed and long-lived connections to "
                                                  "the history database")));
  adw_preferences_group_add (group, spin_row (self, "history-retention-days", _("History Retention"),
                                              _("Days to keep closed connections"), 1, 3650, 1));
  adw_preferences_group_add (group, spin_row (self, "history-max-size-mb", _("History Size Limit"),
                                              _("Megabytes; the oldest connections go first"),
                                              16, 1048576, 16));
  adw_preferences_group_add (group, clear_history_row (self));
  adw_preferences_page_add (page, group);
  adw_preferences_page_add (page, geo_group (self));
  adw_preferences_window_add (ADW_PREFERENCES_WINDOW (self), page);

  /* Timeouts */
  page = ADW_PREFERENCES_PAGE (adw_preferences_page_new ());
  adw_preferences_page_set_title (page, _("Timeouts"));
  adw_preferences_page_set_icon_name (page, "alarm-symbolic");
  group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (group, _("Timeouts"));
  adw_preferences_group_set_description (group, _("Seconds without packets after which a connection "
                                                  "leaves the live table. Rows close to their "
                                                  "timeout are dimmed."));
  for (guint i = 0; i < G_N_ELEMENTS (timeout_keys); i++)
    adw_preferences_group_add (group, spin_row (self, timeout_keys[i],
                                                key_summary (self->settings, timeout_keys[i]),
                                                NULL, 1, 86400, 1));
  adw_preferences_page_add (page, group);
  adw_preferences_window_add (ADW_PREFERENCES_WINDOW (self), page);
}

static void
netlens_preferences_window_dispose (GObject *object)
{
  NetlensPreferencesWindow *self = (NetlensPreferencesWindow *) object;

  g_clear_object (&self->settings);

  G_OBJECT_CLASS (netlens_preferences_window_parent_class)->dispose (object);
}

static void
netlens_preferences_window_class_init (NetlensPreferencesWindowClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = netlens_preferences_window_dispose;
}

static void
netlens_preferences_window_init (NetlensPreferencesWindow *self)
{
  self->settings = g_settings_new (APPLICATION_ID);
  gtk_window_set_default_size (GTK_WINDOW (self), 600, 640);
  build (self);
}

GtkWidget *
netlens_preferences_window_new (GtkWindow *parent)
{
  return g_object_new (NETLENS_TYPE_PREFERENCES_WINDOW,
                       "transient-for", parent,
                       "modal", parent != NULL,
                       NULL);
}
