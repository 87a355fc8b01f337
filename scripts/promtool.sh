#!/usr/bin/env bash
# Runs promtool (Prometheus' rule and metrics checker) with the given arguments, installing Debian's
# `prometheus` package first when promtool is not on PATH; tests use it to check alerts and scrapes.
#
#   scripts/promtool.sh check rules ops/prometheus/alerts.yaml
#   scripts/promtool.sh --path        print promtool's location (installing it if needed)
set -euo pipefail

find_promtool() {
  if command -v promtool >/dev/null 2>&1; then command -v promtool; return 0; fi
  for candidate in /usr/bin/promtool /usr/local/bin/promtool; do
    if [ -x "$candidate" ]; then echo "$candidate"; return 0; fi
  done
  return 1
}

if ! PROMTOOL="$(find_promtool)"; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "promtool.sh: promtool not found and not root; install the 'prometheus' package" >&2
    exit 1
  fi
  # Several test files may ask at once: one installs, the others wait on the lock.
  exec 9>/tmp/imagematching-router-promtool.lock
  flock 9
  if ! PROMTOOL="$(find_promtool)"; then
    echo "promtool.sh: installing Debian package prometheus for promtool" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    # Only promtool is used; the Prometheus server the package also ships is left alone.
    apt-get install -y -qq --no-install-recommends prometheus >&2
    PROMTOOL="$(find_promtool)" || { echo "promtool.sh: promtool still not found after install" >&2; exit 1; }
  fi
  flock -u 9
fi

if [ "${1:-}" = "--path" ]; then
  echo "$PROMTOOL"
  exit 0
fi
exec "$PROMTOOL" "$@"
