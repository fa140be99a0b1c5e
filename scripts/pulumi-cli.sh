#!/usr/bin/env bash
# Provides `pulumi`, `pulumi-language-nodejs` and `pulumi-resource-pulumi-nodejs` and prints the
# folder that holds them (the last line of stdout), for `PATH="$(scripts/pulumi-cli.sh):$PATH"`.
#
# A `pulumi` already on PATH is used as it is: that is a user's own install. Otherwise:
# - the CLI is built from the Go module proxy at CLI_VERSION (Pulumi publishes no release this
#   machine can download; the CLI is a Go program whose modules the proxy serves), once, into a
#   cache outside the clone;
# - the Node.js language host is the v3.248.0 one in ../shared/pulumi-bin (built from Pulumi's
#   source at that tag, checksum below): it runs programs and policy packs, as a user's release
#   does. Where that folder is missing, the host is built from sdk/v3 v3.68.0, the newest module
#   the proxy serves that still holds it; that one cannot load policy packs, so CI (CI=true)
#   refuses to fall back.
set -euo pipefail

CLI_VERSION=v3.274.1
SHARED_HOST_VERSION=v3.248.0
SHARED_HOST_SHA256=ea6598ac09c50f676429958c58be884ef20fdd6b47c08b922972797892d25ec4
PROXY_HOST_VERSION=v3.68.0

here=$(cd "$(dirname "$0")" && pwd)
shared=${PULUMI_AIVEN_PGAUDIT_SHARED_BIN:-$here/../../shared/pulumi-bin}

if [ -z "${PULUMI_CLI_FORCE_BUILD:-}" ] && command -v pulumi >/dev/null 2>&1; then
  dir=$(dirname "$(command -v pulumi)")
  for tool in pulumi-language-nodejs pulumi-resource-pulumi-nodejs; do
    if ! command -v "$tool" >/dev/null 2>&1 && [ ! -x "$dir/$tool" ]; then
      echo "pulumi-cli: pulumi is on PATH ($dir) but $tool is not; install Pulumi's full release," >&2
      echo "  or set PULUMI_CLI_FORCE_BUILD=1 to build all three from the Go module proxy." >&2
      exit 1
    fi
  done
  echo "$dir"
  exit 0
fi

if [ -f "$shared/pulumi-language-nodejs-$SHARED_HOST_VERSION.gz" ]; then
  host_version=$SHARED_HOST_VERSION
elif [ "${CI:-}" = "true" ]; then
  echo "pulumi-cli: $shared/pulumi-language-nodejs-$SHARED_HOST_VERSION.gz is missing: CI needs the" >&2
  echo "  language host that runs policy packs, and does not fall back to the proxy-built $PROXY_HOST_VERSION." >&2
  exit 1
else
  host_version=$PROXY_HOST_VERSION
  echo "pulumi-cli: no $shared; the Node.js language host will be $PROXY_HOST_VERSION, which cannot run policy packs" >&2
fi

cache=${PULUMI_AIVEN_PGAUDIT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-aiven-pgaudit}
cli="$cache/pulumi-cli/cli-$CLI_VERSION"
bin="$cache/pulumi-cli/$CLI_VERSION-nodejs-$host_version/bin"
if [ -x "$bin/pulumi" ] && [ -x "$bin/pulumi-language-nodejs" ] && [ -x "$bin/pulumi-resource-pulumi-nodejs" ]; then
  echo "$bin"
  exit 0
fi

work=$(mktemp -d)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
export GOFLAGS=-mod=mod CGO_ENABLED=0
flags=(-trimpath -tags osusergo,grpcnotrace)

need_go() {
  if ! command -v go >/dev/null 2>&1; then
    echo "pulumi-cli: no pulumi on PATH and no Go toolchain to build it with." >&2
    echo "  Install the Pulumi CLI (https://www.pulumi.com/docs/install/) or Go 1.24+, then run this again." >&2
    exit 1
  fi
  [ -f "$work/go.mod" ] || (cd "$work" && go mod init pulumi-cli-build >/dev/null 2>&1)
}

# A module's source as the proxy serves it, writable, in $work/$2.
module_dir() {
  local src
  src=$(cd "$work" && go mod download -json "$1" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  [ -n "$src" ] || { echo "pulumi-cli: go mod download $1 gave no source folder" >&2; exit 1; }
  mkdir -p "$work/$2"
  cp -R "$src/." "$work/$2/"
  chmod -R u+w "$work/$2"
}

# The CLI and the dynamic-provider shim (a 4-line sh script in sdk/v3), once per CLI_VERSION.
if [ ! -x "$cli/pulumi" ] || [ ! -x "$cli/pulumi-resource-pulumi-nodejs" ]; then
  need_go
  echo "pulumi-cli: building pulumi $CLI_VERSION into $cli (about 3 minutes, once)" >&2
  # pkg/v3's go.mod replaces sdk/v3 with ../sdk: lay both out as siblings, as in pulumi/pulumi.
  module_dir "github.com/pulumi/pulumi/pkg/v3@$CLI_VERSION" pkg
  module_dir "github.com/pulumi/pulumi/sdk/v3@$CLI_VERSION" sdk
  mkdir -p "$cli.tmp"
  (cd "$work/pkg" && go build "${flags[@]}" \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$CLI_VERSION" \
    -o "$cli.tmp/pulumi" ./cmd/pulumi)
  cp "$work/sdk/nodejs/dist/pulumi-resource-pulumi-nodejs" "$cli.tmp/"
  chmod 755 "$cli.tmp/"*
  rm -rf "$cli"
  mv "$cli.tmp" "$cli"
fi

mkdir -p "$bin.tmp"
cp "$cli/pulumi" "$cli/pulumi-resource-pulumi-nodejs" "$bin.tmp/"
if [ "$host_version" = "$SHARED_HOST_VERSION" ]; then
  gunzip -c "$shared/pulumi-language-nodejs-$SHARED_HOST_VERSION.gz" > "$bin.tmp/pulumi-language-nodejs"
  sum=$(sha256sum "$bin.tmp/pulumi-language-nodejs" | cut -d' ' -f1)
  if [ "$sum" != "$SHARED_HOST_SHA256" ]; then
    echo "pulumi-cli: pulumi-language-nodejs from $shared has sha256 $sum, not $SHARED_HOST_SHA256 (its README's)" >&2
    rm -rf "$bin.tmp"
    exit 1
  fi
else
  need_go
  echo "pulumi-cli: building the Node.js language host $PROXY_HOST_VERSION (about 15 s, once)" >&2
  module_dir "github.com/pulumi/pulumi/sdk/v3@$PROXY_HOST_VERSION" sdk-nodejs-host
  (cd "$work/sdk-nodejs-host" && go build "${flags[@]}" \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PROXY_HOST_VERSION" \
    -o "$bin.tmp/pulumi-language-nodejs" ./nodejs/cmd/pulumi-language-nodejs)
fi
chmod 755 "$bin.tmp/"*
rm -rf "$bin"
mv "$bin.tmp" "$bin"
echo "$bin"
