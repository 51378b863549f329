#!/bin/sh
# French catalogue of the workspace package (collab/workspace/locale): its Python code, its
# templates and the `workspace` management command — without touching the other catalogues.
# makemessages runs on a temporary copy holding only these files; the result is merged into the
# existing catalogue so translations already made survive. Usage: sh collab/workspace/makemessages.sh
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d /tmp/workspace_msgs.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/workspace" "$WORK/templates/collab" "$WORK/commands" "$WORK/locale"
cp "$ROOT"/collab/workspace/*.py "$WORK/workspace/"
cp -R "$ROOT/collab/templates/collab/workspace" "$WORK/templates/collab/"
cp "$ROOT/collab/management/commands/workspace.py" "$WORK/commands/"
(cd "$WORK" && "$ROOT/.venv/bin/django-admin" makemessages -l fr --no-location --no-obsolete >/dev/null)
TARGET="$ROOT/collab/workspace/locale/fr/LC_MESSAGES/django.po"
mkdir -p "$(dirname "$TARGET")"
if [ -f "$TARGET" ]; then
  msgmerge --quiet --no-fuzzy-matching --no-location "$TARGET" "$WORK/locale/fr/LC_MESSAGES/django.po" -o "$WORK/merged.po"
  msgattrib --no-obsolete --no-location "$WORK/merged.po" -o "$TARGET"
else
  cp "$WORK/locale/fr/LC_MESSAGES/django.po" "$TARGET"
fi
echo "$TARGET: $(msgattrib --untranslated "$TARGET" | grep -c '^msgid' || true) entries to translate"
