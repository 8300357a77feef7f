#!/usr/bin/env bash
# check_layers.sh: every #include in src/ keeps to the layer rules of
# docs/architecture.md. A layer includes only itself and the layers below
# it (core <- host <- store <- dispatcher <- cli), the store's private
# headers stay inside the store, and only the dispatcher (and the store)
# include the dispatcher's store API.
set -euo pipefail
src="${1:-$(dirname "$0")/../src}"
failures=0

# allowed[LAYER] = the layers its files may include.
declare -A allowed=(
  [core]="core"
  [host]="core host"
  [store]="core host store"
  [dispatcher]="core host store dispatcher"
  [cli]="core host store dispatcher cli"
)

complain() {
  echo "FAIL: $1" >&2
  failures=$((failures + 1))
}

while IFS= read -r -d '' file; do
  relative=${file#"$src"/}
  layer=${relative%%/*}
  [ -n "${allowed[$layer]:-}" ] || continue
  while IFS= read -r line; do
    header=$(sed -E 's/^#include "([^"]+)".*/\1/' <<<"$line")
    case "$header" in
      msiq_sql.h)
        # The embedded SQL belongs to the store.
        [ "$layer" = store ] || complain "$relative includes $header (SQL is the store's)"
        continue ;;
      */*) ;;
      *) complain "$relative includes \"$header\" without naming its layer"; continue ;;
    esac
    target=${header%%/*}
    if ! grep -qw "$target" <<<"${allowed[$layer]}"; then
      complain "$relative ($layer) includes $header ($target is above it)"
    fi
    if [ "$header" = store/store_internal.h ] && [ "$layer" != store ]; then
      complain "$relative includes store/store_internal.h (private to the store)"
    fi
    if [ "$header" = store/store_dispatch.h ] && [ "$layer" != store ] && [ "$layer" != dispatcher ]; then
      complain "$relative includes store/store_dispatch.h (the dispatcher's API)"
    fi
  done < <(grep -E '^#include "' "$file" || true)
done < <(find "$src" -name '*.[ch]' -print0)

if [ "$failures" -gt 0 ]; then
  echo "check_layers: $failures include(s) break the layer rules" >&2
  exit 1
fi
echo "check_layers: every include keeps to the layer rules"
