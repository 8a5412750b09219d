/* netlens-app-info.c
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "netlens-gui"

#include "config.h"

#include <gio/gdesktopappinfo.h>

#include "netlens-app-info.h"

typedef struct
{
  char  *name;
  GIcon *icon;
} AppEntry;

/* Entries are never freed: the names and icons handed out stay valid.  The lock lets
 * the connection model's sort worker format the process column. */
static GHashTable *cache;
static GMutex cache_lock;

static void
app_entry_free (gpointer data)
{
  AppEntry *entry = data;

  g_free (entry->name);
  g_clear_object (&entry->icon);
  g_free (entry);
}

static AppEntry *
lookup (const char *app_id)
{
  AppEntry *entry;

  if (app_id == NULL || *app_id == '\0')
    return NULL;
  g_mutex_lock (&cache_lock);
  if (cache == NULL)
    cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, app_entry_free);

  entry = g_hash_table_lookup (cache, app_id);
  if (entry == NULL)
    {
      g_autofree char *desktop_id = g_strconcat (app_id, ".desktop", NULL);
      g_autoptr(GDesktopAppInfo) info = g_desktop_app_info_new (desktop_id);

      entry = g_new0 (AppEntry, 1);
      if (info != NULL)
        {
          GIcon *icon = g_app_info_get_icon (G_APP_INFO (info));

          entry->name = g_strdup (g_app_info_get_display_name (G_APP_INFO (info)));
          entry->icon = icon ? g_object_ref (icon) : NULL;
        }
      g_hash_table_insert (cache, g_strdup (app_id), entry);
    }
  g_mutex_unlock (&cache_lock);
  return entry;
}

const char *
netlens_app_info_get_name (const char *app_id)
{
  AppEntry *entry = lookup (app_id);

  return entry ? entry->name : NULL;
}

GIcon *
netlens_app_info_get_icon (const char *app_id)
{
  AppEntry *entry = lookup (app_id);

  return entry ? entry->icon : NULL;
}
