/* netlens-owner-info.c: socket owners in people's terms (user names, desktop apps)
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs in the unprivileged process: the helper sends numbers and paths, this turns them
 * into what the user recognises (DESIGN.md "The capture helper").
 */

#define G_LOG_DOMAIN "netlens-capture"

#include "config.h"

#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>

#include "netlens-owner-info.h"

static GMutex user_lock;
static GHashTable *user_names;   /* uid -> name */

char *
netlens_owner_info_user_name (guint32 uid)
{
  char *name;

  g_mutex_lock (&user_lock);
  if (user_names == NULL)
    user_names = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  name = g_hash_table_lookup (user_names, GUINT_TO_POINTER (uid));
  if (name == NULL)
    {
      struct passwd pw, *result = NULL;
      char buf[4096];

      if (getpwuid_r (uid, &pw, buf, sizeof buf, &result) == 0 && result != NULL)
        name = g_strdup (result->pw_name);
      else
        name = g_strdup_printf ("%u", uid);
      g_hash_table_insert (user_names, GUINT_TO_POINTER (uid), name);
    }
  name = g_strdup (name);
  g_mutex_unlock (&user_lock);
  return name;
}

/* systemd escapes '-' in unit names as \x2d: undo it for the id */
static char *
unescape_unit (const char *s, gsize len)
{
  GString *out = g_string_sized_new (len);

  for (gsize i = 0; i < len; i++)
    {
      if (s[i] == '\\' && i + 3 < len && s[i + 1] == 'x'
          && g_ascii_isxdigit (s[i + 2]) && g_ascii_isxdigit (s[i + 3]))
        {
          g_string_append_c (out, (char) (g_ascii_xdigit_value (s[i + 2]) * 16
                                          + g_ascii_xdigit_value (s[i + 3])));
          i += 3;
        }
      else
        g_string_append_c (out, s[i]);
    }
  return g_string_free (out, FALSE);
}

static gboolean
looks_like_app_id (const char *id)
{
  /* reverse-DNS with at least two dots' worth of parts, as desktop files are named */
  return id != NULL && strchr (id, '.') != NULL && g_application_id_is_valid (id);
}

char *
netlens_owner_info_app_id (const char *cgroup)
{
  g_auto(GStrv) parts = NULL;

  if (cgroup == NULL || *cgroup == '\0')
    return NULL;
  parts = g_strsplit (cgroup, "/", -1);
  /* the innermost app-… unit wins */
  for (int i = (int) g_strv_length (parts) - 1; i >= 0; i--)
    {
      const char *unit = parts[i];
      const char *body, *end;
      g_autofree char *id = NULL;

      if (!g_str_has_prefix (unit, "app-"))
        continue;
      body = unit + 4;
      end = strrchr (body, '.');  /* .scope / .service / .slice */
      if (end == NULL)
        end = body + strlen (body);

      if (g_str_has_prefix (body, "flatpak-"))
        {
          /* app-flatpak-<id>-<instance>.scope */
          const char *dash;

          body += strlen ("flatpak-");
          dash = end;
          while (dash > body && dash[-1] != '-')
            dash--;
          if (dash > body)
            id = unescape_unit (body, dash - 1 - body);
        }
      else
        {
          /* app[-<launcher>]-<id>[@<random>|-<random>].<type> */
          const char *at = memchr (body, '@', end - body);
          const char *stop = at != NULL ? at : end;
          const char *dash = stop;
          g_autofree char *name = NULL;
          const char *first_dash;

          if (at == NULL)
            {
              while (dash > body && dash[-1] != '-')
                dash--;
              /* a trailing -<number or random> is the instance */
              if (dash > body)
                stop = dash - 1;
            }
          name = unescape_unit (body, stop - body);
          /* the launcher prefix (gnome, kde, …) has no dot; the id has */
          first_dash = strchr (name, '-');
          if (first_dash != NULL && memchr (name, '.', first_dash - name) == NULL)
            id = g_strdup (first_dash + 1);
          else
            id = g_strdup (name);
        }
      if (looks_like_app_id (id))
        return g_steal_pointer (&id);
    }
  return NULL;
}

NetlensOwner *
netlens_owner_info_new_owner (const NetlensWireOwner *record)
{
  NetlensOwner *owner = netlens_owner_new ();

  owner->pid = record->pid;
  owner->uid = record->uid;
  owner->name = g_strdup (record->comm != NULL ? record->comm : "");
  owner->cmdline = record->cmdline != NULL && *record->cmdline ? g_strdup (record->cmdline) : NULL;
  owner->exe = record->exe != NULL && *record->exe ? g_strdup (record->exe) : NULL;
  owner->cgroup = record->cgroup != NULL && *record->cgroup ? g_strdup (record->cgroup) : NULL;
  owner->user = netlens_owner_info_user_name (record->uid);
  owner->app_id = netlens_owner_info_app_id (record->cgroup);
  return owner;
}
