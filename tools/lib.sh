# Shared helpers for the tools/ scripts. Source it; it defines no side effects beyond variables.
# shellcheck shell=bash

# Everything the toolchain builds or downloads lives here, outside the repo, keyed by version.
FLOWFORGE_CACHE_DIR="${FLOWFORGE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/flowforge}"
# Where the Pulumi CLI keeps plugins and credentials for this project (never ~/.pulumi of the user).
export PULUMI_HOME="${PULUMI_HOME:-$FLOWFORGE_CACHE_DIR/pulumi-home}"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
mkdir -p "$FLOWFORGE_CACHE_DIR"

TOOLS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$TOOLS_DIR/.." && pwd)"

log()  { printf '[local-cloud] %s\n' "$*" >&2; }
die()  { printf '[local-cloud] error: %s\n' "$*" >&2; exit 1; }

# step NAME CMD...: run CMD, then say how long it took (CI prints each setup step's time).
step() {
  local name=$1; shift
  local t0=$SECONDS
  "$@" || die "$name failed (exit $?)"
  log "$name: done in $((SECONDS - t0)) s"
}

# Read an exact pin from pyproject.toml, e.g. pin_of pulumi-docker -> 5.2.0
pin_of() {
  sed -nE "s/^[[:space:]]*\"$1==([^\"]+)\".*/\1/p" "$REPO_DIR/pyproject.toml" | head -n1
}
