/* netlens-detail-pane.c
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "netlens-gui"

#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "netlens-detail-pane.h"
#include "netlens-app-info.h"
#include "netlens-dpi.h"
#include "netlens-export.h"
#include "netlens-format.h"

typedef struct
{
  GtkWidget *row;
  GtkLabel  *value;
  gboolean   seen;     /* set in this refresh */
} Field;

struct _NetlensDetailPane
{
  GtkWidget             parent_instance;

  GtkWidget            *box;
  GtkWidget            *placeholder;
  GtkWidget            *groups[5];
  GHashTable           *fields;       /* key -> Field */
  GHashTable           *dpi_groups;   /* protocol -> group box */
  GtkWidget            *dpi_box;
  NetlensConnectionRow *row;
  guint32               shown_id;
};

enum { GROUP_ENDPOINTS, GROUP_PROCESS, GROUP_STATE, GROUP_TRAFFIC, GROUP_OTHER };

G_DEFINE_FINAL_TYPE (NetlensDetailPane, netlens_detail_pane, GTK_TYPE_WIDGET)

static void
field_free (gpointer data)
{
  g_free (data);
}

static void
on_copy_clicked_cb (GtkButton *button,
                    GtkLabel  *value)
{
  GdkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (button));

  gdk_clipboard_set_text (clipboard, gtk_label_get_text (value));
}

static GtkWidget *
group_new (NetlensDetailPane *self,
           GtkWidget         *parent,
           const char        *title)
{
  GtkWidget *outer = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *heading = gtk_label_new (title);
  GtkWidget *list = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);

  gtk_label_set_xalign (GTK_LABEL (heading), 0);
  gtk_widget_add_css_class (heading, "heading");
  gtk_widget_add_css_class (list, "card");
  gtk_widget_add_css_class (list, "netlens-detail-group");
  gtk_accessible_update_property (GTK_ACCESSIBLE (list), GTK_ACCESSIBLE_PROPERTY_LABEL, title, -1);
  gtk_box_append (GTK_BOX (outer), heading);
  gtk_box_append (GTK_BOX (outer), list);
  gtk_box_append (GTK_BOX (parent), outer);
  g_object_set_data (G_OBJECT (outer), "netlens-list", list);
  return outer;
}

static Field *
field_get (NetlensDetailPane *self,
           GtkWidget         *group,
           const char        *key,
           const char        *title)
{
  Field *field = g_hash_table_lookup (self->fields, key);

  if (field == NULL)
    {
      GtkWidget *list = g_object_get_data (G_OBJECT (group), "netlens-list");
      GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
      GtkWidget *texts = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
      GtkWidget *key_label = gtk_label_new (title);
      GtkWidget *value = gtk_label_new (NULL);
      GtkWidget *copy = gtk_button_new_from_icon_name ("edit-copy-symbolic");
      g_autofree char *copy_name = g_strdup_printf (_("Copy %s"), title);

      gtk_widget_add_css_class (row, "netlens-detail-row");
      gtk_label_set_xalign (GTK_LABEL (key_label), 0);
      gtk_widget_add_css_class (key_label, "caption");
      gtk_widget_add_css_class (key_label, "dim-label");
      gtk_label_set_xalign (GTK_LABEL (value), 0);
      gtk_label_set_selectable (GTK_LABEL (value), TRUE);
      gtk_label_set_wrap (GTK_LABEL (value), TRUE);
      gtk_label_set_wrap_mode (GTK_LABEL (value), PANGO_WRAP_WORD_CHAR);
      gtk_widget_set_hexpand (texts, TRUE);
      gtk_accessible_update_relation (GTK_ACCESSIBLE (value), GTK_ACCESSIBLE_RELATION_LABELLED_BY,
                                      key_label, NULL, -1);
      gtk_widget_set_valign (copy, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (copy, "flat");
      gtk_widget_set_tooltip_text (copy, copy_name);
      gtk_accessible_update_property (GTK_ACCESSIBLE (copy), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      copy_name, -1);
      g_signal_connect (copy, "clicked", G_CALLBACK (on_copy_clicked_cb), value);

      gtk_box_append (GTK_BOX (texts), key_label);
      gtk_box_append (GTK_BOX (texts), value);
      gtk_box_append (GTK_BOX (row), texts);
      gtk_box_append (GTK_BOX (row), copy);
      gtk_box_append (GTK_BOX (list), row);

      field = g_new0 (Field, 1);
      field->row = row;
      field->value = GTK_LABEL (value);
      g_hash_table_insert (self->fields, g_strdup (key), field);
    }
  return field;
}

static void
set_field (NetlensDetailPane *self,
           GtkWidget         *group,
           const char        *key,
           const char        *title,
           const char        *value)
{
  Field *field;

  if (value == NULL || *value == '\0')
    return;
  field = field_get (self, group, key, title);
  /* only a real change replaces the text: that keeps the user's selection */
  if (g_strcmp0 (gtk_label_get_text (field->value), value) != 0)
    gtk_label_set_text (field->value, value);
  field->seen = TRUE;
}

static void
set_field_take (NetlensDetailPane *self,
                GtkWidget         *group,
                const char        *key,
                const char        *title,
                char              *value)
{
  set_field (self, group, key, title, value);
  g_free (value);
}

static char *
format_time (gint64 us)
{
  g_autoptr(GDateTime) dt = NULL;

  if (us <= 0)
    return NULL;
  dt = g_date_time_new_from_unix_local (us / G_USEC_PER_SEC);
  if (dt == NULL)
    return NULL;
  {
    g_autofree char *base = g_date_time_format (dt, "%Y-%m-%d %H:%M:%S");
    return g_strdup_printf ("%s.%06d", base, (int) (us % G_USEC_PER_SEC));
  }
}

static void
add_owner (NetlensDetailPane  *self,
           const char         *prefix,
           const char         *title_prefix,
           const NetlensOwner *owner)
{
  GtkWidget *group = self->groups[GROUP_PROCESS];
  g_autofree char *k_name = g_strconcat (prefix, ".name", NULL);
  g_autofree char *k_pid = g_strconcat (prefix, ".pid", NULL);
  g_autofree char *k_app = g_strconcat (prefix, ".application", NULL);
  g_autofree char *k_exe = g_strconcat (prefix, ".exe", NULL);
  g_autofree char *k_cmd = g_strconcat (prefix, ".cmdline", NULL);
  g_autofree char *k_user = g_strconcat (prefix, ".user", NULL);
  g_autofree char *k_cgroup = g_strconcat (prefix, ".cgroup", NULL);
  g_autofree char *t_name = g_strdup_printf ("%s%s", title_prefix, _("Name"));
  g_autofree char *t_pid = g_strdup_printf ("%s%s", title_prefix, _("PID"));
  g_autofree char *t_app = g_strdup_printf ("%s%s", title_prefix, _("Desktop Application"));
  g_autofree char *t_exe = g_strdup_printf ("%s%s", title_prefix, _("Executable"));
  g_autofree char *t_cmd = g_strdup_printf ("%s%s", title_prefix, _("Command Line"));
  g_autofree char *t_user = g_strdup_printf ("%s%s", title_prefix, _("User"));
  g_autofree char *t_cgroup = g_strdup_printf ("%s%s", title_prefix, _("Control Group"));

  if (owner == NULL)
    return;
  set_field (self, group, k_name, t_name, owner->name);
  if (owner->pid != 0)
    set_field_take (self, group, k_pid, t_pid, g_strdup_printf ("%u", owner->pid));
  if (owner->app_id != NULL)
    {
      const char *name = netlens_app_info_get_name (owner->app_id);
      set_field_take (self, group, k_app, t_app,
                      name ? g_strdup_printf ("%s (%s)", name, owner->app_id)
                           : g_strdup (owner->app_id));
    }
  set_field (self, group, k_exe, t_exe, owner->exe);
  set_field (self, group, k_cmd, t_cmd, owner->cmdline);
  if (owner->user != NULL)
    set_field_take (self, group, k_user, t_user, g_strdup_printf ("%s (%u)", owner->user, owner->uid));
  else
    set_field_take (self, group, k_user, t_user, g_strdup_printf ("%u", owner->uid));
  set_field (self, group, k_cgroup, t_cgroup, owner->cgroup);
}

/* ---- DPI: the export's "dpi" object, flattened to "proto.field" rows ---- */

static GtkWidget *
dpi_group (NetlensDetailPane *self,
           const char        *protocol)
{
  GtkWidget *group = g_hash_table_lookup (self->dpi_groups, protocol);

  if (group == NULL)
    {
      g_autofree char *title = g_ascii_strup (protocol, -1);

      group = group_new (self, self->dpi_box, title);
      g_hash_table_insert (self->dpi_groups, g_strdup (protocol), group);
    }
  return group;
}

static char *
node_to_text (JsonNode *node)
{
  GType type;

  if (JSON_NODE_HOLDS_NULL (node) || !JSON_NODE_HOLDS_VALUE (node))
    return NULL;
  type = json_node_get_value_type (node);
  if (type == G_TYPE_STRING)
    return g_strdup (json_node_get_string (node));
  if (type == G_TYPE_BOOLEAN)
    return g_strdup (json_node_get_boolean (node) ? _("yes") : _("no"));
  if (type == G_TYPE_DOUBLE)
    return g_strdup_printf ("%g", json_node_get_double (node));
  return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
}

static void
add_dpi_node (NetlensDetailPane *self,
              GtkWidget         *group,
              const char        *key,
              const char        *title,
              JsonNode          *node)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);
      JsonObjectIter iter;
      const char *member;
      JsonNode *child;

      json_object_iter_init (&iter, object);
      while (json_object_iter_next (&iter, &member, &child))
        {
          g_autofree char *k = g_strconcat (key, ".", member, NULL);
          g_autofree char *t = title[0] ? g_strconcat (title, " ", member, NULL) : g_strdup (member);
          add_dpi_node (self, group, k, t, child);
        }
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);
      guint n = json_array_get_length (array);
      g_autoptr(GString) joined = g_string_new (NULL);
      gboolean scalars = TRUE;

      for (guint i = 0; i < n && scalars; i++)
        scalars = !JSON_NODE_HOLDS_OBJECT (json_array_get_element (array, i)) &&
                  !JSON_NODE_HOLDS_ARRAY (json_array_get_element (array, i));
      if (scalars)
        {
          for (guint i = 0; i < n; i++)
            {
              g_autofree char *text = node_to_text (json_array_get_element (array, i));
              if (text == NULL)
                continue;
              if (joined->len > 0)
                g_string_append (joined, ", ");
              g_string_append (joined, text);
            }
          set_field (self, group, key, title, joined->str);
        }
      else
        for (guint i = 0; i < n; i++)
          {
            g_autofree char *k = g_strdup_printf ("%s[%u]", key, i);
            g_autofree char *t = g_strdup_printf ("%s %u", title, i + 1);
            add_dpi_node (self, group, k, t, json_array_get_element (array, i));
          }
    }
  else
    {
      g_autofree char *text = node_to_text (node);
      set_field (self, group, key, title, text);
    }
}

static void
add_dpi (NetlensDetailPane       *self,
         const NetlensConnection *conn)
{
  g_autoptr(GString) json = g_string_new (NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;
  JsonObjectIter iter;
  const char *protocol;
  JsonNode *node;

  if (conn->dpi == NULL)
    return;
  netlens_dpi_write_json (conn->dpi, json);
  if (!json_parser_load_from_data (parser, json->str, json->len, NULL))
    return;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return;
  json_object_iter_init (&iter, json_node_get_object (root));
  while (json_object_iter_next (&iter, &protocol, &node))
    {
      g_autofree char *key = NULL;
      GtkWidget *group;

      if (JSON_NODE_HOLDS_NULL (node))
        continue;
      group = dpi_group (self, protocol);
      key = g_strconcat ("dpi.", protocol, NULL);
      add_dpi_node (self, group, key, "", node);
    }
}

/* ---- the whole pane ---- */

static void
refresh (NetlensDetailPane     *self,
         gint64                 now_us,
         const NetlensTimeouts *timeouts,
         gboolean               bits)
{
  const NetlensConnection *conn = netlens_connection_row_get_connection (self->row);
  NetlensFormatContext ctx = {
    .now_us = now_us,
    .rx_rate = netlens_connection_row_get_rx_rate (self->row),
    .tx_rate = netlens_connection_row_get_tx_rate (self->row),
    .bits = bits,
  };
  GtkWidget *g;
  GHashTableIter iter;
  gpointer value;
  char buf[128];

  g_hash_table_iter_init (&iter, self->fields);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    ((Field *) value)->seen = FALSE;

  /* endpoints and names */
  g = self->groups[GROUP_ENDPOINTS];
  set_field (self, g, "protocol", _("Protocol"), netlens_connection_protocol_name (conn, buf, sizeof buf));
  set_field (self, g, "local", _("Local"), netlens_connection_endpoint_string (conn, TRUE, buf, sizeof buf));
  set_field (self, g, "remote", _("Remote"), netlens_connection_endpoint_string (conn, FALSE, buf, sizeof buf));
  set_field (self, g, "names.best", _("Best Name"), netlens_connection_get_best_name (conn));
  set_field (self, g, "names.sni", _("Server Name (SNI)"), netlens_connection_get_sni (conn));
  set_field (self, g, "names.http_host", _("HTTP Host"), netlens_connection_get_http_host (conn));
  set_field (self, g, "names.dns", _("Passive DNS Name"), conn->dns_name);
  set_field (self, g, "names.reverse", _("Reverse DNS Name"), conn->reverse_name);
  set_field (self, g, "service", _("Service"), netlens_connection_get_service (conn));
  set_field (self, g, "geo.country", _("Country"), conn->country);
  if (conn->asn != 0)
    set_field_take (self, g, "geo.asn", _("Autonomous System"),
                    g_strdup_printf ("AS%u %s", conn->asn, conn->as_org ? conn->as_org : ""));

  /* process */
  add_owner (self, "process", "", conn->process);
  add_owner (self, "peer_process", _("Peer "), conn->peer_process);
  if (conn->process == NULL && conn->peer_process == NULL)
    set_field (self, self->groups[GROUP_PROCESS], "process.none", _("Process"), _("Unknown"));

  /* state */
  g = self->groups[GROUP_STATE];
  set_field (self, g, "state", _("State"), netlens_state_to_string ((NetlensState) conn->state));
  if (conn->app_state != NETLENS_APP_STATE_NONE)
    set_field (self, g, "app_state", _("Application State"),
               netlens_app_state_to_string ((NetlensAppState) conn->app_state));
  if (conn->app != NETLENS_APP_NONE)
    set_field (self, g, "app", _("Application Protocol"), netlens_app_to_string ((NetlensApp) conn->app));
  set_field_take (self, g, "first_seen", _("First Seen"), format_time (conn->first_seen));
  set_field_take (self, g, "last_seen", _("Last Seen"), format_time (conn->last_seen));
  if (conn->ended != 0)
    {
      set_field_take (self, g, "ended", _("Ended"), format_time (conn->ended));
      set_field (self, g, "end_reason", _("End Reason"),
                 netlens_end_reason_to_string ((NetlensEndReason) conn->end_reason));
    }
  else if (timeouts != NULL)
    {
      gint64 left = netlens_connection_timeout_left_us (timeouts, conn, now_us);
      g_autoptr(GString) text = g_string_new (NULL);

      g_string_append (text, _("Times out in "));
      netlens_format_duration (left, text);
      set_field (self, g, "timeout_left", _("Timeout"), text->str);
    }
  {
    g_autoptr(GString) age = g_string_new (NULL);
    netlens_format_cell (NETLENS_COLUMN_AGE, conn, &ctx, age);
    set_field (self, g, "age", _("Age"), age->str);
  }
  if (conn->generation > 1)
    set_field_take (self, g, "generation", _("Generation"), g_strdup_printf ("%u", conn->generation));

  /* traffic */
  g = self->groups[GROUP_TRAFFIC];
  {
    g_autoptr(GString) text = g_string_new (NULL);

    netlens_format_amount (conn->tx_bytes, bits, text);
    g_string_append_printf (text, _(" in %u packets"), conn->tx_packets);
    set_field (self, g, "tx", _("Sent (local → remote)"), text->str);
    g_string_truncate (text, 0);
    netlens_format_amount (conn->rx_bytes, bits, text);
    g_string_append_printf (text, _(" in %u packets"), conn->rx_packets);
    set_field (self, g, "rx", _("Received (remote → local)"), text->str);
    g_string_truncate (text, 0);
    netlens_format_rate (ctx.tx_rate, bits, text);
    set_field (self, g, "tx_rate", _("Send Rate"), text->str);
    g_string_truncate (text, 0);
    netlens_format_rate (ctx.rx_rate, bits, text);
    set_field (self, g, "rx_rate", _("Receive Rate"), text->str);
  }

  /* DPI, per protocol */
  add_dpi (self, conn);

  /* hide what this connection does not have */
  g_hash_table_iter_init (&iter, self->fields);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Field *field = value;
      gtk_widget_set_visible (field->row, field->seen);
    }
  g_hash_table_iter_init (&iter, self->dpi_groups);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      GtkWidget *list = g_object_get_data (G_OBJECT (value), "netlens-list");
      gboolean any = FALSE;

      for (GtkWidget *child = gtk_widget_get_first_child (list); child && !any;
           child = gtk_widget_get_next_sibling (child))
        any = gtk_widget_get_visible (child);
      gtk_widget_set_visible (GTK_WIDGET (value), any);
    }
}

void
netlens_detail_pane_set_row (NetlensDetailPane     *self,
                             NetlensConnectionRow  *row,
                             gint64                 now_us,
                             const NetlensTimeouts *timeouts,
                             gboolean               bits)
{
  g_return_if_fail (NETLENS_IS_DETAIL_PANE (self));

  if (row != self->row)
    g_set_object (&self->row, row);
  gtk_widget_set_visible (self->placeholder, row == NULL);
  gtk_widget_set_visible (self->box, row != NULL);
  if (row != NULL)
    refresh (self, now_us, timeouts, bits);
}

NetlensConnectionRow *
netlens_detail_pane_get_row (NetlensDetailPane *self)
{
  g_return_val_if_fail (NETLENS_IS_DETAIL_PANE (self), NULL);
  return self->row;
}

const char *
netlens_detail_pane_get_value (NetlensDetailPane *self,
                               const char        *key)
{
  Field *field;

  g_return_val_if_fail (NETLENS_IS_DETAIL_PANE (self), NULL);

  field = g_hash_table_lookup (self->fields, key);
  if (field == NULL || !gtk_widget_get_visible (field->row))
    return NULL;
  return gtk_label_get_text (field->value);
}

static void
netlens_detail_pane_dispose (GObject *object)
{
  NetlensDetailPane *self = (NetlensDetailPane *) object;
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_object (&self->row);
  g_clear_pointer (&self->fields, g_hash_table_unref);
  g_clear_pointer (&self->dpi_groups, g_hash_table_unref);

  G_OBJECT_CLASS (netlens_detail_pane_parent_class)->dispose (object);
}

static void
netlens_detail_pane_class_init (NetlensDetailPaneClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = netlens_detail_pane_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "netlens-detail-pane");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
netlens_detail_pane_init (NetlensDetailPane *self)
{
  GtkLayoutManager *layout = gtk_widget_get_layout_manager (GTK_WIDGET (self));

  gtk_orientable_set_orientation (GTK_ORIENTABLE (layout), GTK_ORIENTATION_VERTICAL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Connection Details"), -1);

  self->fields = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, field_free);
  self->dpi_groups = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  self->placeholder = gtk_label_new (_("Select a connection to see its details."));
  gtk_widget_add_css_class (self->placeholder, "dim-label");
  gtk_widget_set_vexpand (self->placeholder, TRUE);
  gtk_label_set_wrap (GTK_LABEL (self->placeholder), TRUE);
  gtk_widget_set_parent (self->placeholder, GTK_WIDGET (self));

  self->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 18);
  gtk_widget_add_css_class (self->box, "netlens-detail-box");
  gtk_widget_set_visible (self->box, FALSE);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));

  self->groups[GROUP_ENDPOINTS] = group_new (self, self->box, _("Endpoints and Names"));
  self->groups[GROUP_PROCESS] = group_new (self, self->box, _("Process"));
  self->groups[GROUP_STATE] = group_new (self, self->box, _("State"));
  self->groups[GROUP_TRAFFIC] = group_new (self, self->box, _("Traffic"));
  self->dpi_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 18);
  gtk_box_append (GTK_BOX (self->box), self->dpi_box);
}

GtkWidget *
netlens_detail_pane_new (void)
{
  return g_object_new (NETLENS_TYPE_DETAIL_PANE, NULL);
}
