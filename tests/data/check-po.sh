#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# check-po.sh SOURCE_ROOT: the template can be extracted from po/POTFILES.in with the keywords
# of meson's glib preset (what `meson compile netlens-pot` runs), and every translation in
# po/LINGUAS passes msgfmt --check; its coverage against the fresh template is reported.
# The languages in COMPLETE must stay complete: a new or changed string without its
# translation there fails the test (so the German UI never silently falls back to English).
set -uo pipefail
root=$1
tmp=$(mktemp -d /tmp/netlens-po.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

if ! xgettext --package-name=netlens --from-code=UTF-8 --add-comments \
       --keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2 \
       --keyword=g_dcgettext:2 --keyword=g_dngettext:2,3 --keyword=g_dpgettext2:2c,3 \
       --flag=N_:1:pass-c-format --flag=C_:2:pass-c-format --flag=NC_:2:pass-c-format \
       --flag=g_dngettext:2:pass-c-format --flag=g_strdup_printf:1:c-format \
       --flag=g_string_printf:2:c-format --flag=g_string_append_printf:2:c-format \
       --flag=g_error_new:3:c-format --flag=g_set_error:4:c-format \
       -D "$root" -f "$root/po/POTFILES.in" -o "$tmp/netlens.pot" 2>"$tmp/xgettext.err"; then
  cat "$tmp/xgettext.err"
  echo "not ok - xgettext cannot extract the template"
  exit 1
fi
echo "ok - template: $(grep -c '^msgid ' "$tmp/netlens.pot") messages"
COMPLETE=" de "
status=0
while read -r lang; do
  case $lang in ''|'#'*) continue ;; esac
  po=$root/po/$lang.po
  if [ ! -f "$po" ]; then echo "not ok - po/LINGUAS names $lang but po/$lang.po is missing"; status=1; continue; fi
  if ! msgfmt --check -o /dev/null "$po" 2>"$tmp/msgfmt.err"; then
    cat "$tmp/msgfmt.err"; echo "not ok - po/$lang.po fails msgfmt --check"; status=1; continue
  fi
  msgmerge --quiet --no-fuzzy-matching -o "$tmp/$lang.po" "$po" "$tmp/netlens.pot"
  stats=$(msgfmt --statistics -o /dev/null "$tmp/$lang.po" 2>&1)
  if [[ $COMPLETE == *" $lang "* ]] && [[ $stats == *fuzzy* || $stats == *untranslated* ]]; then
    msgattrib --only-fuzzy --no-wrap "$tmp/$lang.po" | grep '^msgid ' | grep -v '^msgid ""$' | sed 's/^/  fuzzy: /'
    msgattrib --untranslated --no-wrap "$tmp/$lang.po" | grep '^msgid ' | grep -v '^msgid ""$' | sed 's/^/  untranslated: /'
    echo "not ok - po/$lang.po must be complete: $stats (update it: meson compile netlens-update-po)"
    status=1
    continue
  fi
  echo "ok - po/$lang.po: $stats (against the current sources)"
done <"$root/po/LINGUAS"
exit $status
