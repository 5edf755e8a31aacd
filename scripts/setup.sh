#!/usr/bin/env bash
# Installs what this project needs on a fresh Debian machine with Node 20 and npm:
# pnpm 10, the workspace's packages and, unless --no-peers, the real servers the tests talk to
# (Debian's victoria-metrics, prometheus, nginx-light, openssl). Safe to run again: it skips what is there.
set -euo pipefail
cd "$(dirname "$0")/.."

peers=1
[ "${1:-}" = "--no-peers" ] && peers=0

say() { printf '[setup] %s\n' "$*" >&2; }

if [ "$peers" = 1 ]; then
  missing=()
  command -v victoria-metrics >/dev/null 2>&1 || missing+=(victoria-metrics)
  command -v prometheus >/dev/null 2>&1 || missing+=(prometheus)
  { command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; } || missing+=(nginx-light)
  command -v openssl >/dev/null 2>&1 || missing+=(openssl)
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      say "installing ${missing[*]} with apt-get"
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq
      apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
      say "missing ${missing[*]}: install with: sudo apt-get install ${missing[*]}"
      exit 1
    fi
  fi
fi

if ! command -v pnpm >/dev/null 2>&1; then
  say "installing pnpm 10 with npm"
  npm install -g pnpm@10 >/dev/null
fi

# Install only when the lockfile changed since the last install.
stamp=node_modules/.anomaly-writer-lock
if [ ! -f "$stamp" ] || ! cmp -s pnpm-lock.yaml "$stamp"; then
  say "installing workspace packages (pnpm install --frozen-lockfile)"
  pnpm install --frozen-lockfile --reporter=append-only >&2
  cp pnpm-lock.yaml "$stamp"
fi
