#!/usr/bin/env bash
# System packages the test suite uses, from Debian: promtool (package prometheus) judges the
# metrics exposition format and rule files, and the end-to-end suite runs a real Prometheus (same
# package); prometheus-alertmanager (amtool, and a real Alertmanager) the alert exports;
# redis-server and PostgreSQL 15 back the health checks' and the demo's tests (each test starts
# its own server on 127.0.0.1 and stops it); wrk drives the end-to-end hostile-input flood;
# chromium (driven by playwright-core) opens the demo's /docs. Idempotent; needs root (CI and
# these machines run as root).
set -euo pipefail
missing=()
{ command -v promtool && command -v prometheus; } >/dev/null 2>&1 || missing+=(prometheus)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
{ command -v amtool && command -v prometheus-alertmanager; } >/dev/null 2>&1 ||
  missing+=(prometheus-alertmanager)
[ -x /usr/lib/postgresql/15/bin/postgres ] || missing+=(postgresql-15)
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  timeout 300 apt-get update -qq
  timeout 600 apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
promtool --version | head -1
prometheus --version 2>&1 | head -1
prometheus-alertmanager --version 2>&1 | head -1
redis-server --version
amtool --version 2>&1 | head -1
/usr/lib/postgresql/15/bin/postgres --version
wrk --version 2>&1 | head -1 || true
/usr/bin/chromium --version
