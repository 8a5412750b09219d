/* netlens-query-bar.c: a query typed into a search entry, its error under the entry
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "netlens-query-bar.h"

void
netlens_query_bar_show_error (GtkLabel   *error_label,
                              GtkWidget  *entry,
                              const char *text,
                              int         start,
                              int         end,
                              const char *message)
{
  g_autoptr(GString) markup = g_string_new (NULL);
  g_autofree char *escaped_message = g_markup_escape_text (message, -1);
  int len = (int) strlen (text);

  g_string_append (markup, escaped_message);
  if (start >= 0 && start <= len)
    {
      g_autofree char *before = g_markup_escape_text (text, start);
      g_autofree char *bad = NULL;
      g_autofree char *after = NULL;

      end = CLAMP (end, start, len);
      bad = g_markup_escape_text (text + start, end - start);
      after = g_markup_escape_text (text + end, len - end);
      g_string_append_printf (markup, "\n<tt>%s<span underline=\"error\" weight=\"bold\">%s%s</span>%s</tt>",
                              before, bad, end == start ? "␣" : "", after);
    }
  gtk_label_set_markup (error_label, markup->str);
  gtk_widget_set_visible (GTK_WIDGET (error_label), TRUE);
  gtk_widget_add_css_class (entry, "error");
  gtk_accessible_update_state (GTK_ACCESSIBLE (entry),
                               GTK_ACCESSIBLE_STATE_INVALID, GTK_ACCESSIBLE_INVALID_TRUE, -1);
}

void
netlens_query_bar_hide_error (GtkLabel  *error_label,
                              GtkWidget *entry)
{
  gtk_widget_set_visible (GTK_WIDGET (error_label), FALSE);
  gtk_label_set_text (error_label, "");
  gtk_widget_remove_css_class (entry, "error");
  gtk_accessible_reset_state (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_STATE_INVALID);
}

/* TEXT without the whitespace-separated term around [START, END), or NULL. */
static char *
without_term (const char *text,
              int         start,
              int         end)
{
  int len = (int) strlen (text);
  GString *out;

  if (start < 0 || start > len)
    return NULL;
  end = CLAMP (end, start, len);
  while (start > 0 && !g_ascii_isspace (text[start - 1]))
    start--;
  while (end < len && !g_ascii_isspace (text[end]))
    end++;
  out = g_string_new_len (text, start);
  g_string_append (out, text + end);
  return g_string_free (out, FALSE);
}

NetlensQuery *
netlens_query_bar_parse (GtkLabel   *error_label,
                         GtkWidget  *entry,
                         const char *text,
                         char      **applied)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *rest = NULL;
  NetlensQuery *query = NULL;
  int start = -1, end = -1;

  if (text == NULL)
    text = "";
  if (netlens_query_parse_full (text, &query, &start, &end, &error))
    {
      netlens_query_bar_hide_error (error_label, entry);
      if (applied != NULL)
        *applied = g_strdup (text);
      return query;
    }
  netlens_query_bar_show_error (error_label, entry, text, start, end, error->message);
  if (end >= (int) strlen (text))
    return NULL;
  rest = without_term (text, start, end);
  if (rest == NULL || !netlens_query_parse_full (rest, &query, NULL, NULL, NULL))
    return NULL;
  if (applied != NULL)
    *applied = g_steal_pointer (&rest);
  return query;
}
