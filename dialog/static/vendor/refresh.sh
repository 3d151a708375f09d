#!/bin/sh
# `make vendor`: refresh the vendored browser files listed in VERSIONS from the npm registry.
# Only a developer runs this (it needs npm); `make run` serves the committed copies and needs no Node.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
grep -v '^#' "$here/VERSIONS" | while read -r spec files; do
  [ -n "$spec" ] || continue
  name=${spec%@*}
  (cd "$work" && npm pack --silent "$spec" >/dev/null)
  mkdir -p "$work/$name" "$here/$name"
  tar -xzf "$work"/"$(echo "$name" | tr / -)"-*.tgz -C "$work/$name"
  for file in $files; do
    cp "$work/$name/package/$file" "$here/$name/$(basename "$file")"
  done
  echo "vendored $spec"
done
