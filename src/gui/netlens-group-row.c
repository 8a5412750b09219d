/* netlens-group-row.c: one row of the Processes or Hosts view
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "netlens-gui"

#include "config.h"

#include "netlens-group-row.h"

struct _NetlensGroupRow
{
  GObject      parent_instance;

  NetlensGroup group;  /* strings owned */
};

G_DEFINE_FINAL_TYPE (NetlensGroupRow, netlens_group_row, G_TYPE_OBJECT)

static void
group_clear (NetlensGroup *g)
{
  g_clear_pointer (&g->key, g_free);
  g_clear_pointer (&g->label, g_free);
  g_clear_pointer (&g->app_id, g_free);
  g_clear_pointer (&g->exe, g_free);
  g_clear_pointer (&g->process_name, g_free);
  g_clear_pointer (&g->address, g_free);
  g_clear_pointer (&g->country, g_ref_string_release);
  g_clear_pointer (&g->as_org, g_ref_string_release);
}

static void
group_copy (NetlensGroup       *dst,
            const NetlensGroup *src)
{
  group_clear (dst);
  *dst = *src;
  dst->key = g_strdup (src->key);
  dst->label = g_strdup (src->label);
  dst->app_id = g_strdup (src->app_id);
  dst->exe = g_strdup (src->exe);
  dst->process_name = g_strdup (src->process_name);
  dst->address = g_strdup (src->address);
  dst->country = src->country != NULL ? g_ref_string_acquire (src->country) : NULL;
  dst->as_org = src->as_org != NULL ? g_ref_string_acquire (src->as_org) : NULL;
}

static void
netlens_group_row_finalize (GObject *object)
{
  NetlensGroupRow *self = NETLENS_GROUP_ROW (object);

  group_clear (&self->group);
  G_OBJECT_CLASS (netlens_group_row_parent_class)->finalize (object);
}

static void
netlens_group_row_class_init (NetlensGroupRowClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = netlens_group_row_finalize;
}

static void
netlens_group_row_init (NetlensGroupRow *self)
{
}

NetlensGroupRow *
netlens_group_row_new (const NetlensGroup *group)
{
  NetlensGroupRow *self;

  g_return_val_if_fail (group != NULL, NULL);

  self = g_object_new (NETLENS_TYPE_GROUP_ROW, NULL);
  group_copy (&self->group, group);
  return self;
}

gboolean
netlens_group_row_update (NetlensGroupRow    *self,
                          const NetlensGroup *group)
{
  g_return_val_if_fail (NETLENS_IS_GROUP_ROW (self), FALSE);
  g_return_val_if_fail (group != NULL, FALSE);

  if (group->serial == self->group.serial)
    return FALSE;
  group_copy (&self->group, group);
  return TRUE;
}

const NetlensGroup *
netlens_group_row_get_group (NetlensGroupRow *self)
{
  g_return_val_if_fail (NETLENS_IS_GROUP_ROW (self), NULL);
  return &self->group;
}

const char *
netlens_group_row_get_key (NetlensGroupRow *self)
{
  g_return_val_if_fail (NETLENS_IS_GROUP_ROW (self), NULL);
  return self->group.key;
}

guint64
netlens_group_row_get_serial (NetlensGroupRow *self)
{
  g_return_val_if_fail (NETLENS_IS_GROUP_ROW (self), 0);
  return self->group.serial;
}
