#!/usr/bin/env bash
# Prints the path of the Aiven provider plugin (pulumi-resource-aiven) that @pulumi/aiven 6.51.0
# drives, for `pulumi plugin install resource aiven 6.51.0 -f PATH` into a test bed's plugin cache.
# No registry here serves it and Pulumi's release downloads are not reachable, so it comes from
# ../shared/pulumi-bin (built from the provider's public source at its release tag; see the README
# there), unzipped once into a cache outside the clone and checked against its checksum. Missing,
# it is an error, never a skip: the tests that need it fail.
set -euo pipefail

VERSION=v6.51.0
SHA256=5df9a1815d03a68791efd6e17b5df5b7347d4e2f6e2312e7924a51b6dd4bb6c9

here=$(cd "$(dirname "$0")" && pwd)
shared=${PULUMI_AIVEN_PGAUDIT_SHARED_BIN:-$here/../../shared/pulumi-bin}
cache=${PULUMI_AIVEN_PGAUDIT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-aiven-pgaudit}
dir="$cache/aiven-plugin/$VERSION"
plugin="$dir/pulumi-resource-aiven"

if [ ! -x "$plugin" ]; then
  src="$shared/pulumi-resource-aiven-$VERSION.gz"
  if [ ! -f "$src" ]; then
    echo "aiven-plugin: $src is missing: the Aiven provider plugin $VERSION cannot be downloaded here." >&2
    echo "  Install it yourself (pulumi plugin install resource aiven ${VERSION#v}) or provide that file." >&2
    exit 1
  fi
  mkdir -p "$dir"
  # A temp file of this run's own: the test matrix runs two test processes that may both get here.
  tmp=$(mktemp "$dir/.pulumi-resource-aiven.XXXXXX")
  trap 'rm -f "$tmp"' EXIT # a failed unzip leaves nothing behind; after the mv there is nothing to remove
  gunzip -c "$src" > "$tmp"
  sum=$(sha256sum "$tmp" | cut -d' ' -f1)
  if [ "$sum" != "$SHA256" ]; then
    rm -f "$tmp"
    echo "aiven-plugin: $src unzips to sha256 $sum, not $SHA256 (its README's)" >&2
    exit 1
  fi
  chmod 755 "$tmp"
  mv -f "$tmp" "$plugin"
fi
echo "$plugin"
