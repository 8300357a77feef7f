#!/usr/bin/env bash
# check_architecture.sh: docs/architecture.md matches the tree.
#   1. Every file it names exists: each backticked path (`src/core/gate.c`,
#      `schema/queries/*_json.sql`, `0010_settings.sql`) and each file name
#      in its "Source layout" picture, where a name is relative to the
#      folder it stands under (`win/host_win.c`). A pattern (*, NNNN, NAME,
#      <name>) must match at least one file; a name without a folder must
#      exist somewhere in the repository. The files the build makes
#      (generated, below) are not in the tree and count as present.
#   2. Every file under src/ is named in it: by its path or the end of its
#      path (`src/host/win/host_win.c`, `win/host_win.c`, `host_win.c`),
#      or, for a .c file, as the ".c" of "NAME.h, .c".
set -euo pipefail
root="${1:-$(cd "$(dirname "$0")/.." && pwd)}"
doc="$root/docs/architecture.md"
failures=0

# Made at build time, so cited but never in the tree: the embedded SQL
# (cmake/MsiqEmbedSql.cmake).
generated="msiq_sql.h"

complain() {
  echo "FAIL: $1" >&2
  failures=$((failures + 1))
}

# The files of the repository, relative to its root (the build folders
# left out).
files=$(cd "$root" && find . -path ./build -prune -o -path ./.git -prune \
  -o -type f -print | sed 's|^\./||' | sort)

# Turns a name as the document writes it into an extended regular
# expression over repository paths: the placeholders match any part of a
# name.
name_pattern() {
  sed -E -e 's/[.]/\\./g' -e 's/[*]/[^\/]*/g' -e 's/<[a-z]+>|NNNN|NAME/[^\/]+/g' <<<"$1"
}

# Does a name the document cites stand for a file (or, ending in "/", a
# folder) of the repository? A path is from the repository's root; with
# "relative" (the layout picture) it may be the end of one.
cited_exists() {
  local name=$1 relative=${2:-} pattern
  grep -Fxq "$name" <<<"$generated" && return 0
  pattern=$(name_pattern "$name")
  case "$name" in
    */) grep -Eq "^${pattern}" <<<"$files" ;;
    */*) if [ -n "$relative" ]; then
        grep -Eq "(^|/)${pattern}\$" <<<"$files"
      else
        grep -Eq "^${pattern}\$" <<<"$files"
      fi ;;
    *) grep -Eq "(^|/)${pattern}\$" <<<"$files" ;;
  esac
}

# 1a. Backticked paths: a word that starts with one of the repository's
# folders, or a file name with one of the source or schema endings.
path_like='^((src|schema|cmake|tests|docs)/[^ ]*|[A-Za-z0-9_*<>.-]+\.(c|h|sql|sh|cmake|in|mc|md))$'
while IFS= read -r cited; do
  [ "$cited" = "src/" ] && continue # the folder itself
  if ! cited_exists "$cited"; then
    complain "docs/architecture.md cites \`$cited\`, which is not in the tree"
  fi
done < <(grep -o '`[^`]*`' "$doc" | tr -d '`' | grep -E "$path_like" | sort -u)

# 1b. The "Source layout" picture: its first code block after the heading.
layout=$(awk '/^## Source layout/ { section = 1; next }
              section && /^```/ { if (inside) exit; inside = 1; next }
              inside { print }' "$doc")
if [ -z "$layout" ]; then
  complain "docs/architecture.md has no \"Source layout\" picture"
fi
while IFS= read -r cited; do
  case "$cited" in
    .c | .h) continue ;; # the shorthand "gate.h, .c"
  esac
  if ! cited_exists "$cited" relative; then
    complain "the source layout names $cited, which is not in the tree"
  fi
done < <(grep -oE '[A-Za-z0-9_*./<>-]*\.(c|h|sql|sh|cmake|in|mc)\b' <<<"$layout" |
  sed -E 's/^\.\///' | sort -u)

# 2. Every file under src/ named somewhere in the document.
words=$(grep -oE '[A-Za-z0-9_./<>-]+' "$doc" | sort -u)
while IFS= read -r file; do
  base=${file##*/}
  # The path and every end of it that starts after a "/".
  ends=("$file")
  rest=$file
  while [[ "$rest" == */* ]]; do
    rest=${rest#*/}
    ends+=("$rest")
  done
  patterns=()
  for end in "${ends[@]}"; do patterns+=(-e "$end"); done
  if grep -Fxq "${patterns[@]}" <<<"$words"; then
    continue
  fi
  if [[ "$base" == *.c ]] && grep -Fq "${base%.c}.h, .c" "$doc"; then
    continue
  fi
  complain "$file is not named in docs/architecture.md"
done < <(grep '^src/' <<<"$files")

if [ "$failures" -gt 0 ]; then
  echo "check_architecture: $failures difference(s) between docs/architecture.md and the tree" >&2
  exit 1
fi
echo "check_architecture: docs/architecture.md matches the tree"
