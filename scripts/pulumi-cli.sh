#!/usr/bin/env bash
# Provides `pulumi`, `pulumi-language-nodejs` and `pulumi-resource-pulumi-nodejs` and prints the
# folder that holds them (the last line of stdout), for `PATH="$(scripts/pulumi-cli.sh):$PATH"`.
#
# A `pulumi` already on PATH is used as it is: that is a user's own install. Otherwise the three
# are built from the Go module proxy at the pinned versions below into a cache outside the clone,
# and rebuilt only when a pin changes. Pulumi publishes no release this machine can download;
# the CLI is a Go program whose modules the proxy serves. The Node.js language host moved to a
# module of its own in v3.69 that the proxy does not serve, so it comes from sdk/v3 v3.68.0, the
# newest module that holds it (it speaks the same gRPC protocol to a newer CLI).
set -euo pipefail

CLI_VERSION=v3.274.1
LANGUAGE_HOST_VERSION=v3.68.0

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

cache=${PULUMI_AIVEN_PGAUDIT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-aiven-pgaudit}
bin="$cache/pulumi-cli/$CLI_VERSION-nodejs-$LANGUAGE_HOST_VERSION/bin"
if [ -x "$bin/pulumi" ] && [ -x "$bin/pulumi-language-nodejs" ] && [ -x "$bin/pulumi-resource-pulumi-nodejs" ]; then
  echo "$bin"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  echo "pulumi-cli: no pulumi on PATH and no Go toolchain to build it with." >&2
  echo "  Install the Pulumi CLI (https://www.pulumi.com/docs/install/) or Go 1.24+, then run this again." >&2
  exit 1
fi

echo "pulumi-cli: building pulumi $CLI_VERSION and its Node.js language host $LANGUAGE_HOST_VERSION into $bin (about 3 minutes, once)" >&2
work=$(mktemp -d)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
export GOFLAGS=-mod=mod CGO_ENABLED=0

# A module's source as the proxy serves it, writable, in $work/$2.
module_dir() {
  local src
  src=$(cd "$work" && go mod download -json "$1" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  [ -n "$src" ] || { echo "pulumi-cli: go mod download $1 gave no source folder" >&2; exit 1; }
  mkdir -p "$work/$2"
  cp -R "$src/." "$work/$2/"
  chmod -R u+w "$work/$2"
}

(cd "$work" && go mod init pulumi-cli-build >/dev/null 2>&1)
# pkg/v3's go.mod replaces sdk/v3 with ../sdk: lay both out as siblings, as in pulumi/pulumi.
module_dir "github.com/pulumi/pulumi/pkg/v3@$CLI_VERSION" pkg
module_dir "github.com/pulumi/pulumi/sdk/v3@$CLI_VERSION" sdk
module_dir "github.com/pulumi/pulumi/sdk/v3@$LANGUAGE_HOST_VERSION" sdk-nodejs-host

flags=(-trimpath -tags osusergo,grpcnotrace)
mkdir -p "$bin.tmp"
(cd "$work/pkg" && go build "${flags[@]}" \
  -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$CLI_VERSION" \
  -o "$bin.tmp/pulumi" ./cmd/pulumi)
(cd "$work/sdk-nodejs-host" && go build "${flags[@]}" \
  -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$LANGUAGE_HOST_VERSION" \
  -o "$bin.tmp/pulumi-language-nodejs" ./nodejs/cmd/pulumi-language-nodejs)
cp "$work/sdk/nodejs/dist/pulumi-resource-pulumi-nodejs" "$bin.tmp/"
chmod 755 "$bin.tmp/"*
rm -rf "$bin"
mv "$bin.tmp" "$bin"
echo "$bin"
