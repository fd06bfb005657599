#!/usr/bin/env bash
# What the tests need besides npm packages: Debian's Chromium (the browser tests drive it with
# playwright-core) and its CJK fonts (so Japanese pages and screenshots draw glyphs, not boxes), nginx
# with the Nchan module (the benchmark peer the tests run), PostgreSQL and Redis (the several-node tests
# start private instances of each, never the system services), and ii (the IRC program the IRC tests
# drive; openssl makes their TLS certificate). Installs what is missing when it can (root, with apt-get);
# otherwise says in one line what to install, and stops.
set -euo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
[ -e /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] || missing+=(fonts-noto-cjk)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v ii >/dev/null 2>&1 || missing+=(ii)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
if [ ! -x /usr/sbin/nginx ] || [ ! -e /usr/lib/nginx/modules/ngx_nchan_module.so ]; then
  missing+=(nginx libnginx-mod-nchan)
fi
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "npm test needs Debian packages that are missing: ${missing[*]}. Install them (sudo apt-get install -y ${missing[*]}) and run npm test again." >&2
  exit 1
fi

echo "Installing what the tests need: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# nginx's package would start a system nginx on port 80: forbid starting services during the install,
# and stop any nginx that runs all the same (the tests start private ones).
saved_policy=""
if [ -e /usr/sbin/policy-rc.d ]; then
  saved_policy=$(mktemp)
  cp -p /usr/sbin/policy-rc.d "$saved_policy"
fi
printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
chmod 755 /usr/sbin/policy-rc.d
status=0
apt-get install -y -qq "${missing[@]}" >/dev/null || status=$?
if [ -n "$saved_policy" ]; then mv "$saved_policy" /usr/sbin/policy-rc.d; else rm -f /usr/sbin/policy-rc.d; fi
/usr/sbin/nginx -s stop 2>/dev/null || true
# The packages' own PostgreSQL cluster and Redis service are not used; make sure neither runs.
command -v pg_ctlcluster >/dev/null 2>&1 && pg_lsclusters -h 2>/dev/null | while read -r version name _; do
  pg_ctlcluster "$version" "$name" stop 2>/dev/null || true
done
command -v redis-cli >/dev/null 2>&1 && redis-cli -p 6379 shutdown nosave 2>/dev/null || true
exit $status
