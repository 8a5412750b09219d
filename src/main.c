/* main.c
 *
 * Copyright 2026 The Netlens authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "netlens"

#include "config.h"

#include <locale.h>
#include <stdio.h>

#include <glib.h>
#include <glib/gi18n.h>

#include "netlens-headless.h"
#include "netlens-options.h"
#ifdef NETLENS_HAVE_GUI
#include "netlens-application.h"
#endif

int
main (int   argc,
      char *argv[])
{
  g_autoptr(NetlensOptions) options = netlens_options_new ();
  g_autoptr(GError) error = NULL;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  if (!netlens_options_parse (options, &argc, &argv, &error))
    {
      g_printerr ("netlens: %s\n%s\n", error->message, _("Run “netlens --help” to see the options."));
      return NETLENS_EXIT_USAGE;
    }
  if (options->version)
    {
      printf ("netlens %s\n", PACKAGE_VERSION);
      return NETLENS_EXIT_OK;
    }
  netlens_options_apply_log_level (options);

  /* Headless runs open no window and need no display. */
  if (netlens_options_is_headless (options))
    return netlens_headless_run (options);

#ifdef NETLENS_HAVE_GUI
  return netlens_application_run (options, argc, argv);
#else
  g_printerr ("netlens: %s\n", _("this build has no window; use --read FILE --export json"));
  return NETLENS_EXIT_USAGE;
#endif
}
