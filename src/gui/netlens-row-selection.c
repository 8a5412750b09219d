/* netlens-row-selection.c
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "netlens-gui"

#include "config.h"

#include "netlens-row-selection.h"

/* GTK 4.8's list widgets answer an items-changed that spans the list (a re-sort
 * by a changing value: bytes, rates) by looking up every added item and
 * rebinding every realised row, 60-90 ms per refresh at 100k rows
 * (docs/performance.md).  The view sees this model instead: its items are slots,
 * one per position, made when the view asks for one and kept in a table while
 * it holds them (some 200 realised rows).  When the connection model changes,
 * the slots in the table are pointed at the rows now at their positions (and
 * "row" notified), and only a change of the count reaches the view, at the end
 * of the list.  The window refreshes the text of the cells in view on every
 * commit, so a slot whose row changed shows the new row.
 *
 * The selection is a row (a reference): after every change it is looked up
 * (a scan of the rows shown, only when something is selected) and its position
 * moves with it; a row that left the rows shown (removed, filtered out) clears it. */

struct _NetlensRowSlot
{
  GObject               parent_instance;

  NetlensRowSelection  *owner;      /* not a reference: cleared when it goes */
  guint                 position;
  NetlensConnectionRow *row;        /* owned */
};

enum {
  SLOT_PROP_0,
  SLOT_PROP_ROW,
  SLOT_N_PROPS
};

static GParamSpec *slot_properties[SLOT_N_PROPS];

struct _NetlensRowSelection
{
  GObject                 parent_instance;

  NetlensConnectionModel *model;
  GHashTable             *slots;        /* position -> NetlensRowSlot (not owned) */
  guint                   n_items;      /* what the view was told */
  NetlensConnectionRow   *selected_row; /* owned, NULL: none */
  guint                   selected;
};

enum {
  PROP_0,
  PROP_SELECTED,
  PROP_SELECTED_ROW,
  PROP_N_ITEMS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ---- slots ---- */

G_DEFINE_FINAL_TYPE (NetlensRowSlot, netlens_row_slot, G_TYPE_OBJECT)

static void
netlens_row_slot_finalize (GObject *object)
{
  NetlensRowSlot *self = (NetlensRowSlot *) object;

  if (self->owner != NULL &&
      g_hash_table_lookup (self->owner->slots, GUINT_TO_POINTER (self->position)) == self)
    g_hash_table_remove (self->owner->slots, GUINT_TO_POINTER (self->position));
  g_clear_object (&self->row);

  G_OBJECT_CLASS (netlens_row_slot_parent_class)->finalize (object);
}

static void
netlens_row_slot_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  NetlensRowSlot *self = NETLENS_ROW_SLOT (object);

  switch (prop_id)
    {
    case SLOT_PROP_ROW:
      g_value_set_object (value, self->row);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
netlens_row_slot_class_init (NetlensRowSlotClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = netlens_row_slot_finalize;
  object_class->get_property = netlens_row_slot_get_property;

  slot_properties[SLOT_PROP_ROW] =
    g_param_spec_object ("row", NULL, NULL, NETLENS_TYPE_CONNECTION_ROW,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, SLOT_N_PROPS, slot_properties);
}

static void
netlens_row_slot_init (NetlensRowSlot *self)
{
}

NetlensConnectionRow *
netlens_row_slot_get_row (NetlensRowSlot *self)
{
  g_return_val_if_fail (NETLENS_IS_ROW_SLOT (self), NULL);
  return self->row;
}

/* ---- the list ---- */

static GType
netlens_row_selection_get_item_type (GListModel *list)
{
  return NETLENS_TYPE_ROW_SLOT;
}

static guint
netlens_row_selection_get_n_items (GListModel *list)
{
  return NETLENS_ROW_SELECTION (list)->n_items;
}

static gpointer
netlens_row_selection_get_item (GListModel *list,
                                guint       position)
{
  NetlensRowSelection *self = NETLENS_ROW_SELECTION (list);
  NetlensRowSlot *slot;

  if (position >= self->n_items)
    return NULL;
  slot = g_hash_table_lookup (self->slots, GUINT_TO_POINTER (position));
  if (slot != NULL)
    return g_object_ref (slot);
  slot = g_object_new (NETLENS_TYPE_ROW_SLOT, NULL);
  slot->owner = self;
  slot->position = position;
  slot->row = g_list_model_get_item (G_LIST_MODEL (self->model), position);
  g_hash_table_insert (self->slots, GUINT_TO_POINTER (position), slot);
  return slot;
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = netlens_row_selection_get_item_type;
  iface->get_n_items = netlens_row_selection_get_n_items;
  iface->get_item = netlens_row_selection_get_item;
}

/* ---- the selection ---- */

static void set_selected (NetlensRowSelection *self, guint position);

static gboolean
netlens_row_selection_is_selected (GtkSelectionModel *model,
                                   guint              position)
{
  NetlensRowSelection *self = NETLENS_ROW_SELECTION (model);

  return self->selected_row != NULL && position == self->selected;
}

static GtkBitset *
netlens_row_selection_get_selection_in_range (GtkSelectionModel *model,
                                              guint              position,
                                              guint              n_items)
{
  NetlensRowSelection *self = NETLENS_ROW_SELECTION (model);
  GtkBitset *result = gtk_bitset_new_empty ();

  if (self->selected_row != NULL)
    gtk_bitset_add (result, self->selected);
  return result;
}

static gboolean
netlens_row_selection_select_item (GtkSelectionModel *model,
                                   guint              position,
                                   gboolean           unselect_rest)
{
  NetlensRowSelection *self = NETLENS_ROW_SELECTION (model);

  if (position >= self->n_items)
    return FALSE;
  set_selected (self, position);
  return TRUE;
}

static gboolean
netlens_row_selection_unselect_item (GtkSelectionModel *model,
                                     guint              position)
{
  NetlensRowSelection *self = NETLENS_ROW_SELECTION (model);

  if (self->selected_row != NULL && self->selected == position)
    set_selected (self, GTK_INVALID_LIST_POSITION);
  return TRUE;
}

static gboolean
netlens_row_selection_unselect_all (GtkSelectionModel *model)
{
  set_selected (NETLENS_ROW_SELECTION (model), GTK_INVALID_LIST_POSITION);
  return TRUE;
}

static void
selection_model_iface_init (GtkSelectionModelInterface *iface)
{
  iface->is_selected = netlens_row_selection_is_selected;
  iface->get_selection_in_range = netlens_row_selection_get_selection_in_range;
  iface->select_item = netlens_row_selection_select_item;
  iface->unselect_item = netlens_row_selection_unselect_item;
  iface->unselect_all = netlens_row_selection_unselect_all;
}

G_DEFINE_FINAL_TYPE_WITH_CODE (NetlensRowSelection, netlens_row_selection, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init)
                               G_IMPLEMENT_INTERFACE (GTK_TYPE_SELECTION_MODEL, selection_model_iface_init))

static void
set_selected (NetlensRowSelection *self,
              guint                position)
{
  guint old = self->selected_row != NULL ? self->selected : GTK_INVALID_LIST_POSITION;
  g_autoptr(NetlensConnectionRow) row = NULL;

  if (position < self->n_items)
    row = g_list_model_get_item (G_LIST_MODEL (self->model), position);
  else
    position = GTK_INVALID_LIST_POSITION;
  if (row == self->selected_row && position == old)
    return;

  g_object_freeze_notify (G_OBJECT (self));
  if (row != self->selected_row)
    {
      g_set_object (&self->selected_row, row);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED_ROW]);
    }
  if (position != old)
    {
      self->selected = position;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED]);
    }
  if (old != GTK_INVALID_LIST_POSITION && position != GTK_INVALID_LIST_POSITION)
    gtk_selection_model_selection_changed (GTK_SELECTION_MODEL (self), MIN (old, position),
                                           MAX (old, position) - MIN (old, position) + 1);
  else if (old != GTK_INVALID_LIST_POSITION)
    gtk_selection_model_selection_changed (GTK_SELECTION_MODEL (self), old, 1);
  else if (position != GTK_INVALID_LIST_POSITION)
    gtk_selection_model_selection_changed (GTK_SELECTION_MODEL (self), position, 1);
  g_object_thaw_notify (G_OBJECT (self));
}

/* The connection model changed (one commit): the slots in use show the rows now at
 * their positions, the selected row is found again, and the view hears of the
 * count only. */
static void
on_model_items_changed_cb (GListModel          *model,
                           guint                position,
                           guint                removed,
                           guint                added,
                           NetlensRowSelection *self)
{
  guint old_n = self->n_items;
  guint new_n = g_list_model_get_n_items (model);
  guint old_selected = self->selected_row != NULL ? self->selected : GTK_INVALID_LIST_POSITION;
  guint new_selected = GTK_INVALID_LIST_POSITION;
  g_autoptr(GPtrArray) notify = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  gpointer value;

  /* only positions from POSITION on can show another row */
  g_hash_table_iter_init (&iter, self->slots);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      NetlensRowSlot *slot = value;

      if (slot->position < position)
        continue;
      if (slot->position >= new_n)
        {
          /* past the end: the view drops it below; it keeps its last row meanwhile */
          slot->owner = NULL;
          g_hash_table_iter_remove (&iter);
          continue;
        }
      {
        NetlensConnectionRow *row = g_list_model_get_item (model, slot->position);

        if (row != slot->row)
          {
            g_clear_object (&slot->row);
            slot->row = row;
            g_ptr_array_add (notify, g_object_ref (slot));
          }
        else
          g_object_unref (row);
      }
    }

  if (self->selected_row != NULL)
    {
      guint32 id = netlens_connection_row_get_id (self->selected_row);

      if (old_selected < position)
        new_selected = old_selected;   /* before the change: it stays */
      else if (netlens_connection_model_lookup (self->model, id) == self->selected_row)
        new_selected = netlens_connection_model_get_position (self->model, id);
    }

  self->n_items = new_n;
  g_object_freeze_notify (G_OBJECT (self));
  if (new_selected == GTK_INVALID_LIST_POSITION && self->selected_row != NULL)
    {
      g_clear_object (&self->selected_row);
      self->selected = GTK_INVALID_LIST_POSITION;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED_ROW]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED]);
    }
  else if (new_selected != old_selected)
    {
      self->selected = new_selected;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED]);
    }

  for (guint i = 0; i < notify->len; i++)
    g_object_notify_by_pspec (g_ptr_array_index (notify, i), slot_properties[SLOT_PROP_ROW]);
  if (new_n != old_n)
    {
      guint common = MIN (old_n, new_n);

      g_list_model_items_changed (G_LIST_MODEL (self), common, old_n - common, new_n - common);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
    }
  /* the positions that were and are selected, where the view keeps its rows */
  if (old_selected != new_selected)
    {
      if (old_selected < MIN (old_n, new_n))
        gtk_selection_model_selection_changed (GTK_SELECTION_MODEL (self), old_selected, 1);
      if (new_selected < MIN (old_n, new_n))
        gtk_selection_model_selection_changed (GTK_SELECTION_MODEL (self), new_selected, 1);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

/* ---- object ---- */

static void
netlens_row_selection_dispose (GObject *object)
{
  NetlensRowSelection *self = (NetlensRowSelection *) object;
  GHashTableIter iter;
  gpointer value;

  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (self->model, self);
  g_clear_object (&self->model);
  g_clear_object (&self->selected_row);
  if (self->slots != NULL)
    {
      /* slots the view still holds outlive this */
      g_hash_table_iter_init (&iter, self->slots);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        ((NetlensRowSlot *) value)->owner = NULL;
      g_clear_pointer (&self->slots, g_hash_table_unref);
    }

  G_OBJECT_CLASS (netlens_row_selection_parent_class)->dispose (object);
}

static void
netlens_row_selection_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  NetlensRowSelection *self = NETLENS_ROW_SELECTION (object);

  switch (prop_id)
    {
    case PROP_SELECTED:
      g_value_set_uint (value, netlens_row_selection_get_selected (self));
      break;

    case PROP_SELECTED_ROW:
      g_value_set_object (value, self->selected_row);
      break;

    case PROP_N_ITEMS:
      g_value_set_uint (value, self->n_items);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
netlens_row_selection_class_init (NetlensRowSelectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = netlens_row_selection_dispose;
  object_class->get_property = netlens_row_selection_get_property;

  properties[PROP_SELECTED] =
    g_param_spec_uint ("selected", NULL, NULL, 0, G_MAXUINT, GTK_INVALID_LIST_POSITION,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SELECTED_ROW] =
    g_param_spec_object ("selected-row", NULL, NULL, NETLENS_TYPE_CONNECTION_ROW,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_ITEMS] =
    g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
netlens_row_selection_init (NetlensRowSelection *self)
{
  self->slots = g_hash_table_new (NULL, NULL);
  self->selected = GTK_INVALID_LIST_POSITION;
}

NetlensRowSelection *
netlens_row_selection_new (NetlensConnectionModel *model)
{
  NetlensRowSelection *self;

  g_return_val_if_fail (NETLENS_IS_CONNECTION_MODEL (model), NULL);

  self = g_object_new (NETLENS_TYPE_ROW_SELECTION, NULL);
  self->model = g_object_ref (model);
  self->n_items = g_list_model_get_n_items (G_LIST_MODEL (model));
  g_signal_connect (model, "items-changed", G_CALLBACK (on_model_items_changed_cb), self);
  return self;
}

guint
netlens_row_selection_get_selected (NetlensRowSelection *self)
{
  g_return_val_if_fail (NETLENS_IS_ROW_SELECTION (self), GTK_INVALID_LIST_POSITION);
  return self->selected_row != NULL ? self->selected : GTK_INVALID_LIST_POSITION;
}

void
netlens_row_selection_set_selected (NetlensRowSelection *self,
                                    guint                position)
{
  g_return_if_fail (NETLENS_IS_ROW_SELECTION (self));
  set_selected (self, position);
}

NetlensConnectionRow *
netlens_row_selection_get_selected_row (NetlensRowSelection *self)
{
  g_return_val_if_fail (NETLENS_IS_ROW_SELECTION (self), NULL);
  return self->selected_row;
}

NetlensConnectionRow *
netlens_row_selection_get_row (NetlensRowSelection *self,
                               guint                position)
{
  g_autoptr(NetlensConnectionRow) row = NULL;

  g_return_val_if_fail (NETLENS_IS_ROW_SELECTION (self), NULL);

  if (position >= self->n_items)
    return NULL;
  row = g_list_model_get_item (G_LIST_MODEL (self->model), position);
  /* the model holds it */
  return row;
}
