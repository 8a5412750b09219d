#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""check-floor.py: prove that the API floor (Debian 12: GLib 2.74, GTK 4.8, libadwaita 1.2) holds.

Usage: check-floor.py PKG_CONFIG -- FLOOR_ARGS... -- CC [CC_ARGS...]

FLOOR_ARGS are the top-level floor_args plus the project's C arguments (which make an
undeclared function an error, as in the real build).

Compiles small snippets with the project's real compiler and its floor_args:
  1. an API newer than the floor must FAIL to compile (on Debian 12 it is not even declared; on a
     newer system the version macros plus -Werror=deprecated-declarations refuse it);
  2. floor-era API must compile (control: the test can tell a broken compiler from a refusal);
  3. the mechanism itself: with the pins lowered one release below the floor, the floor-era API
     must fail with a *deprecation* error, i.e. the macros are honoured and the warning is an error.
     Without -Werror=deprecated-declarations the same snippet only warns (shown for information).
"""
import os
import re
import subprocess
import sys
import tempfile

NEWER = {
    'glib-2.0': ('GLib 2.76 g_string_free_and_steal',
                 '#include <glib.h>\n'
                 'char *f (void) { return g_string_free_and_steal (g_string_new ("x")); }\n'),
    'gtk4': ('GTK 4.10 gtk_column_view_column_set_id',
             '#include <gtk/gtk.h>\n'
             'void f (GtkColumnViewColumn *c) { gtk_column_view_column_set_id (c, "x"); }\n'),
    'libadwaita-1': ('libadwaita 1.3 adw_banner_new',
                     '#include <adwaita.h>\n'
                     'GtkWidget *f (void) { return adw_banner_new ("x"); }\n'),
}

FLOOR = {
    'glib-2.0': ('GLib 2.74 g_idle_add_once',
                 '#include <glib.h>\n'
                 'static void cb (gpointer d) { (void) d; }\n'
                 'guint f (void) { return g_idle_add_once (cb, NULL); }\n'),
    'gtk4': ('GTK 4.8 gtk_inscription_new',
             '#include <gtk/gtk.h>\n'
             'GtkWidget *f (void) { return gtk_inscription_new ("x"); }\n'),
    'libadwaita-1': ('libadwaita 1.2 adw_about_window_new',
                     '#include <adwaita.h>\n'
                     'GtkWidget *f (void) { return adw_about_window_new (); }\n'),
}

# One release below the floor, for the mechanism check.
LOWER = {
    'GLIB_VERSION_2_74': 'GLIB_VERSION_2_72',
    'GDK_VERSION_4_8': 'GDK_VERSION_4_6',
    'ADW_VERSION_1_2': 'ADW_VERSION_1_1',
}


def compile_snippet(cc, args, cflags, code, workdir, name):
    src = os.path.join(workdir, name + '.c')
    with open(src, 'w') as f:
        f.write(code)
    cmd = cc + ['-std=gnu11'] + args + cflags + ['-c', src, '-o', os.path.join(workdir, name + '.o')]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return p.returncode, p.stdout


def main():
    argv = sys.argv[1:]
    if argv.count('--') < 2:
        print(__doc__)
        return 2
    pkg_config = argv[0]
    i = argv.index('--')
    j = argv.index('--', i + 1)
    floor_args = argv[i + 1:j]
    cc = argv[j + 1:]
    if not cc or not floor_args:
        print('check-floor: no compiler or no floor arguments given')
        return 2
    if '-Werror=deprecated-declarations' not in floor_args:
        print('not ok: floor_args lack -Werror=deprecated-declarations: ' + ' '.join(floor_args))
        return 1
    lowered = [re.sub(r'=(\w+)$', lambda m: '=' + LOWER.get(m.group(1), m.group(1)), a)
               for a in floor_args]
    warn_only = [a for a in lowered if a != '-Werror=deprecated-declarations']

    failures = 0
    tested = 0
    with tempfile.TemporaryDirectory(prefix='netlens-floor-') as work:
        for module in ('glib-2.0', 'gtk4', 'libadwaita-1'):
            p = subprocess.run([pkg_config, '--cflags', module], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
            if p.returncode != 0:
                print('# %s not found by pkg-config: its snippets are skipped' % module)
                continue
            cflags = p.stdout.split()
            slug = module.replace('-', '_').replace('.', '_')

            what, code = FLOOR[module]
            rc, out = compile_snippet(cc, floor_args, cflags, code, work, 'floor_' + slug)
            tested += 1
            if rc == 0:
                print('ok - control: %s compiles with floor_args' % what)
            else:
                failures += 1
                print('not ok - control: %s does not compile with floor_args:\n%s' % (what, out))

            what_new, code_new = NEWER[module]
            rc, out = compile_snippet(cc, floor_args, cflags, code_new, work, 'newer_' + slug)
            tested += 1
            if rc != 0:
                why = 'deprecation error' if 'deprecated' in out else 'not declared at the floor'
                print('ok - %s is refused with floor_args (%s)' % (what_new, why))
            else:
                failures += 1
                print('not ok - %s COMPILED with floor_args: the floor does not hold' % what_new)

            rc, out = compile_snippet(cc, lowered, cflags, code, work, 'lowered_' + slug)
            tested += 1
            if rc != 0 and 'deprecated' in out:
                line = next((l for l in out.splitlines() if 'deprecated' in l), '')
                print('ok - pins one release lower refuse %s: %s' % (what, line.strip()))
            else:
                failures += 1
                print('not ok - pins one release lower did not refuse %s (rc %d):\n%s'
                      % (what, rc, out))

            rc, out = compile_snippet(cc, warn_only, cflags, code, work, 'warnonly_' + slug)
            print('# without -Werror=deprecated-declarations the same snippet: %s'
                  % ('compiles (warning only)' if rc == 0 else 'fails'))

    print('%d checks, %d failed' % (tested, failures))
    if tested == 0:
        return 1
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
