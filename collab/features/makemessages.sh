#!/bin/sh
# French catalogue of the features package (collab/features/locale), covering its Python code, the
# glossary template tag and its templates — without touching collab/locale (the lead's).
# Makemessages runs on a temporary copy holding only these files; the result is merged into the
# existing catalogue so translations already made survive. The shared link hooks
# (collab/templates/collab/includes/*_links.html) are left to collab/locale: other apps add links
# there, and their words are translated where they are added. Usage: sh collab/features/makemessages.sh
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d /tmp/feat_msgs.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/features" "$WORK/templatetags" "$WORK/templates/collab" "$WORK/locale"
cp "$ROOT"/collab/features/*.py "$WORK/features/"
cp "$ROOT"/collab/templatetags/*.py "$WORK/templatetags/"
for dir in features okrs glossary; do cp -R "$ROOT/collab/templates/collab/$dir" "$WORK/templates/collab/"; done
(cd "$WORK" && "$ROOT/.venv/bin/django-admin" makemessages -l fr --no-location --no-obsolete >/dev/null)
TARGET="$ROOT/collab/features/locale/fr/LC_MESSAGES/django.po"
mkdir -p "$(dirname "$TARGET")"
if [ -f "$TARGET" ]; then
  msgmerge --quiet --no-fuzzy-matching --no-location "$TARGET" "$WORK/locale/fr/LC_MESSAGES/django.po" -o "$WORK/merged.po"
  msgattrib --no-obsolete --no-location "$WORK/merged.po" -o "$TARGET"
else
  cp "$WORK/locale/fr/LC_MESSAGES/django.po" "$TARGET"
fi
echo "$TARGET: $(msgattrib --untranslated "$TARGET" | grep -c '^msgid' || true) entries to translate"
