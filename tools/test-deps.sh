#!/usr/bin/env bash
# What the integration tier needs beyond the venv: PostgreSQL's server binaries (Debian's package).
set -euo pipefail
# shellcheck source=tools/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
  exit 0
fi
[ "$(id -u)" = 0 ] && command -v apt-get >/dev/null \
  || die "PostgreSQL server binaries are missing: install Debian's postgresql package (apt-get install postgresql)"
log "installing Debian's postgresql package for the integration tests"
apt-get update -qq
apt-get install -y -qq --no-install-recommends postgresql >/dev/null
