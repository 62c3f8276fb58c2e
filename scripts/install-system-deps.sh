#!/usr/bin/env bash
# Installs the Debian packages the tests and benchmarks use, when missing (CI runs as root on a
# fresh machine). Tests: chromium (the html report is opened headless) and etcd-server (the etcd
# backend's tests; scripts/services.sh starts it). Benchmarks: wrk, jq, hyperfine.
set -euo pipefail
want=(chromium etcd-server)
if [ "${1:-}" = "--bench" ]; then want+=(wrk jq hyperfine); fi
missing=()
for pkg in "${want[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "install-system-deps: missing ${missing[*]}; run as root or install them with apt-get" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
