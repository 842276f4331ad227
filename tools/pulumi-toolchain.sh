#!/usr/bin/env bash
# Pulumi toolchain for FlowForge, built from Go modules and cached outside the repo.
#
#   tools/pulumi-toolchain.sh ensure [all|cli|docker]  build what is missing, install the docker plugin
#   tools/pulumi-toolchain.sh bin-dir                  print the directory to put on PATH
#   tools/pulumi-toolchain.sh status                   say what is cached
#
# What it builds, under "$FLOWFORGE_CACHE_DIR/bin/pulumi-<ver>/":
#   pulumi                         github.com/pulumi/pulumi/pkg/v3/cmd/pulumi at v<ver> (>= the Python SDK pin)
#   pulumi-language-python         tools/pulumi-toolchain/pulumi-language-python/main.go, built against sdk/v3 v<ver>
#                                  (the upstream host module is not served by the module proxy we can reach)
#   pulumi-language-python-exec    copied from the sdk/v3 v<ver> module (python/cmd)
#   pulumi-resource-pulumi-python  copied from the sdk/v3 v<ver> module (python/dist)
# and the docker provider plugin (pulumi-resource-docker, labelled with the version pinned for pulumi-docker in
# pyproject.toml, since the Python SDK asks the engine for exactly that version) into PULUMI_HOME with
# `pulumi plugin install resource docker <ver> --file ...`, cached first in "$FLOWFORGE_CACHE_DIR/plugins/docker-<ver>/".
# The official provider module is refused by the module proxy, so we bridge kreuzwerker's Terraform provider ourselves
# with pulumi-terraform-bridge (same architecture as pulumi-docker): sources in tools/pulumi-toolchain/docker-provider/,
# see build_docker_provider. FLOWFORGE_DOCKER_PROVIDER_BINARY=/path/to/pulumi-resource-docker skips that build.
#
# Env: FLOWFORGE_PULUMI_VERSION (CLI/sdk module version, default below), FLOWFORGE_DOCKER_PROVIDER_BINARY, GO,
#      FLOWFORGE_DOCKER_UPSTREAM_VERSION / FLOWFORGE_TF_BRIDGE_VERSION (module versions of the docker provider build).
# If a `pulumi` already on PATH (and not ours) is at least the SDK pin, it is used and no CLI is built.
# shellcheck shell=bash
set -euo pipefail

# shellcheck source=tools/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Lowest pkg/v3 release >= the SDK pin that the module proxy serves (3.272.0 and 3.273.0 are refused there).
PULUMI_VERSION="${FLOWFORGE_PULUMI_VERSION:-3.274.0}"
SDK_PIN="$(pin_of pulumi)"
DOCKER_VERSION="$(pin_of pulumi-docker)"
BIN_DIR="$FLOWFORGE_CACHE_DIR/bin/pulumi-$PULUMI_VERSION"
PLUGIN_CACHE="$FLOWFORGE_CACHE_DIR/plugins/docker-$DOCKER_VERSION"
BUILD_ROOT="$FLOWFORGE_CACHE_DIR/build"
HOST_SRC="$TOOLS_DIR/pulumi-toolchain/pulumi-language-python/main.go"
DOCKER_SRC="$TOOLS_DIR/pulumi-toolchain/docker-provider"
# kreuzwerker/terraform-provider-docker (its go.mod still says github.com/terraform-providers/terraform-provider-docker)
# and the bridge, both as served by the module proxy.
DOCKER_UPSTREAM_VERSION="${FLOWFORGE_DOCKER_UPSTREAM_VERSION:-v0.0.0-20260916201441-96d331c98ff4}"
TF_BRIDGE_VERSION="${FLOWFORGE_TF_BRIDGE_VERSION:-v3.120.0}"
BUILD_TIMEOUT_S="${FLOWFORGE_BUILD_TIMEOUT_S:-3600}"

[[ -n "$SDK_PIN" ]] || die "no pulumi==X pin in pyproject.toml"
[[ -n "$DOCKER_VERSION" ]] || die "no pulumi-docker==X pin in pyproject.toml"

go_bin() {
  if [[ -n "${GO:-}" ]]; then echo "$GO"
  elif command -v go >/dev/null 2>&1; then command -v go
  elif [[ -x /usr/local/go/bin/go ]]; then echo /usr/local/go/bin/go
  else die "go not found (set GO=/path/to/go)"
  fi
}

# version_ge A B: A >= B for dotted numeric versions (a leading v is ignored).
version_ge() {
  [[ "$(printf '%s\n%s\n' "${1#v}" "${2#v}" | sort -V | head -n1)" == "${2#v}" ]]
}

# A pulumi CLI on PATH that is not ours and new enough, or nothing.
external_pulumi() {
  local p v
  p="$(command -v pulumi 2>/dev/null)" || return 1
  [[ "$(cd "$(dirname "$p")" && pwd -P)" == "$(cd "$BIN_DIR" 2>/dev/null && pwd -P)" ]] && return 1
  v="$("$p" version 2>/dev/null)" || return 1
  version_ge "$v" "$SDK_PIN" || return 1
  echo "$p"
}

cli_stamp() { echo "pulumi=$PULUMI_VERSION host-src=$(sha256sum "$HOST_SRC" | cut -c1-16)"; }

cli_cached() {
  local f
  for f in pulumi pulumi-language-python pulumi-language-python-exec pulumi-resource-pulumi-python; do
    [[ -x "$BIN_DIR/$f" ]] || return 1
  done
  [[ "$(cat "$BIN_DIR/.stamp" 2>/dev/null)" == "$(cli_stamp)" ]] || return 1
  [[ "$("$BIN_DIR/pulumi" version 2>/dev/null)" == "v$PULUMI_VERSION" ]]
}

# run_logged LOG CMD...: run a long command in the background with nohup, poll it, show the log tail on failure.
run_logged() {
  local log=$1; shift
  nohup "$@" >"$log" 2>&1 </dev/null &
  local pid=$! t0=$SECONDS
  while kill -0 "$pid" 2>/dev/null; do
    sleep 5
    if (( SECONDS - t0 > BUILD_TIMEOUT_S )); then
      kill "$pid" 2>/dev/null || true
      log "timed out after ${BUILD_TIMEOUT_S}s: $*"
      return 124
    fi
    if (( (SECONDS - t0) % 60 < 5 )); then log "  ... still running ($((SECONDS - t0)) s)"; fi
  done
  if ! wait "$pid"; then
    tail -n 40 "$log" >&2
    return 1
  fi
}

# Wrapper module: pkg/v3's own go.mod replaces sdk/v3 with ../sdk, so `go install ...@v` cannot work.
prepare_cli_module() {
  local dir=$1 go; go="$(go_bin)"
  # Functions run by `step` sit in an `||` list, where bash ignores set -e: check each command.
  rm -rf "$dir" && mkdir -p "$dir/pulumi-language-python" || return 1
  cp "$HOST_SRC" "$dir/pulumi-language-python/main.go" || return 1
  cat >"$dir/go.mod" <<EOF || return 1
module flowforge.invalid/pulumi-toolchain

go 1.26

// Same as pkg/v3's own go.mod (replace directives of dependencies are not inherited).
replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e

require (
	github.com/pulumi/pulumi/pkg/v3 v$PULUMI_VERSION
	github.com/pulumi/pulumi/sdk/v3 v$PULUMI_VERSION
)

tool github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
EOF
  (cd "$dir" && "$go" mod tidy) || return 1
  # tidy may have raised sdk/v3 above the CLI version; the language host must match the CLI.
  grep -q "github.com/pulumi/pulumi/sdk/v3 v$PULUMI_VERSION\$" "$dir/go.mod" \
    || die "go mod tidy moved sdk/v3 away from v$PULUMI_VERSION: $(grep 'pulumi/sdk/v3 ' "$dir/go.mod")"
}

build_cli() {
  local dir="$BUILD_ROOT/pulumi-$PULUMI_VERSION" go out
  go="$(go_bin)"
  out="$BIN_DIR.tmp"
  step "pulumi $PULUMI_VERSION: wrapper module + go mod tidy" prepare_cli_module "$dir"
  rm -rf "$out" && mkdir -p "$out" || return 1
  local ldv="-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION"
  log "building pulumi CLI + language host v$PULUMI_VERSION (2 cores: 5-15 min on a cold Go cache; log: $dir/build.log)"
  # One go build for both binaries so their compile and link steps overlap.
  step "pulumi $PULUMI_VERSION: go build pulumi + pulumi-language-python" run_logged "$dir/build.log" \
    bash -c "cd '$dir' && '$go' build -trimpath -ldflags '-s -w $ldv' -o '$out/' github.com/pulumi/pulumi/pkg/v3/cmd/pulumi ./pulumi-language-python" \
    || return 1
  local sdk_dir
  sdk_dir="$(cd "$dir" && "$go" list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3)"
  [[ -n "$sdk_dir" && -f "$sdk_dir/python/cmd/pulumi-language-python-exec" ]] \
    || die "pulumi-language-python-exec not found in the sdk/v3 module ($sdk_dir)"
  install -m 0755 "$sdk_dir/python/cmd/pulumi-language-python-exec" "$out/pulumi-language-python-exec" || return 1
  install -m 0755 "$sdk_dir/python/dist/pulumi-resource-pulumi-python" "$out/pulumi-resource-pulumi-python" || return 1
  [[ "$("$out/pulumi" version)" == "v$PULUMI_VERSION" ]] || die "built pulumi reports $("$out/pulumi" version)"
  cli_stamp >"$out/.stamp" || return 1
  rm -rf "$BIN_DIR" && mv "$out" "$BIN_DIR" || return 1
  rm -rf "$dir"   # the Go module and build caches keep what a rebuild needs
}

ensure_cli() {
  local ext
  if ext="$(external_pulumi)"; then
    log "using $ext ($("$ext" version)), which is >= the SDK pin $SDK_PIN; not building the CLI"
    return 0
  fi
  version_ge "$PULUMI_VERSION" "$SDK_PIN" || die "FLOWFORGE_PULUMI_VERSION=$PULUMI_VERSION is older than the SDK pin $SDK_PIN"
  if cli_cached; then
    log "pulumi v$PULUMI_VERSION: cached in $BIN_DIR"
    return 0
  fi
  step "pulumi $PULUMI_VERSION: build (CLI + python language host)" build_cli
}

pulumi_cmd() {
  local ext
  if ext="$(external_pulumi)"; then echo "$ext"; else echo "$BIN_DIR/pulumi"; fi
}

docker_plugin_installed() {
  # Cheap check first (what `pulumi plugin ls` reads), so a warm `ensure` stays well under 2 s.
  local d="$PULUMI_HOME/plugins/resource-docker-v$DOCKER_VERSION"
  [[ -x "$d/pulumi-resource-docker" && ! -e "$d.partial" && ! -e "$PULUMI_HOME/plugins/resource-docker-v$DOCKER_VERSION.partial" ]]
}

install_docker_plugin() {
  local bin=$1 pulumi
  pulumi="$(pulumi_cmd)"
  "$pulumi" plugin install resource docker "$DOCKER_VERSION" --file "$bin" --reinstall
  "$pulumi" plugin ls | grep -E "^docker[[:space:]]+resource[[:space:]]+$DOCKER_VERSION\b" >/dev/null \
    || die "pulumi plugin ls does not list docker $DOCKER_VERSION after install"
}

docker_stamp() {
  echo "docker=$DOCKER_VERSION upstream=$DOCKER_UPSTREAM_VERSION bridge=$TF_BRIDGE_VERSION" \
    "src=$(cd "$DOCKER_SRC" && find . -type f | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-16)"
}

# A binary in the plugin cache is reused if we built it from the same inputs, or if it was given to us.
docker_cached() {
  local stamp
  [[ -x "$PLUGIN_CACHE/pulumi-resource-docker" ]] || return 1
  stamp="$(cat "$PLUGIN_CACHE/.stamp" 2>/dev/null)" || return 1
  [[ "$stamp" == "$(docker_stamp)" || "$stamp" == given:* ]]
}

# The wrapper module, generated into the build dir:
#   go.mod      from go.mod.in: the bridge, plus replaces (dependencies' replaces are not inherited):
#               terraform-provider-docker => kreuzwerker's module at DOCKER_UPSTREAM_VERSION,
#               .../terraform-provider-docker/shim => ./shim, terraform-plugin-sdk/v2 => ./tf-sdk
#   shim/       NewProvider() *schema.Provider (its import path lets it import upstream's internal/provider)
#   tf-sdk/     Pulumi's terraform-plugin-sdk fork at the version the bridge's own go.mod replaces with, plus
#               sdk-patch/*.go (upstream needs terraform-plugin-go v0.31, whose ProviderServer has one more method)
#   info/       the ProviderInfo (tokens, names) shared by
#   cmd/pulumi-tfgen-docker      writes schema.json
#   cmd/pulumi-resource-docker   the plugin, schema.json embedded
prepare_docker_module() {
  local dir=$1 go bridge_dir fork fork_dir
  go="$(go_bin)"
  rm -rf "$dir" && mkdir -p "$dir/out" || return 1
  cp -r "$DOCKER_SRC/shim" "$DOCKER_SRC/info" "$DOCKER_SRC/cmd" "$dir/" || return 1
  bridge_dir="$(cd /tmp && "$go" mod download -json "github.com/pulumi/pulumi-terraform-bridge/v3@$TF_BRIDGE_VERSION" \
    | sed -nE 's/^[[:space:]]*"Dir": "(.*)",?$/\1/p')" || return 1
  [[ -f "$bridge_dir/go.mod" ]] || { log "pulumi-terraform-bridge $TF_BRIDGE_VERSION: not downloadable"; return 1; }
  fork="$(sed -nE 's#^replace github.com/hashicorp/terraform-plugin-sdk/v2 => github.com/pulumi/terraform-plugin-sdk/v2 (v[^ ]+)$#\1#p' "$bridge_dir/go.mod")"
  [[ -n "$fork" ]] || { log "no terraform-plugin-sdk/v2 replace in the bridge's go.mod"; return 1; }
  fork_dir="$(cd /tmp && "$go" mod download -json "github.com/pulumi/terraform-plugin-sdk/v2@$fork" \
    | sed -nE 's/^[[:space:]]*"Dir": "(.*)",?$/\1/p')" || return 1
  [[ -d "$fork_dir/helper/schema" ]] || { log "github.com/pulumi/terraform-plugin-sdk/v2@$fork: not downloadable"; return 1; }
  cp -r "$fork_dir" "$dir/tf-sdk" && chmod -R u+w "$dir/tf-sdk" || return 1
  cp "$DOCKER_SRC"/sdk-patch/*.go "$dir/tf-sdk/helper/schema/" || return 1
  sed -e "s/@UPSTREAM_VERSION@/$DOCKER_UPSTREAM_VERSION/" -e "s/@BRIDGE_VERSION@/$TF_BRIDGE_VERSION/" \
    "$DOCKER_SRC/go.mod.in" >"$dir/go.mod" || return 1
  echo '{}' >"$dir/cmd/pulumi-resource-docker/schema.json" || return 1   # placeholder until tfgen writes it
  (cd "$dir" && "$go" mod tidy) || return 1
}

# check_docker_schema FILE: the tokens and property names FlowForge's program uses, as the Python SDK spells them.
check_docker_schema() {
  jq -e '
    (.resources["docker:index/container:Container"].inputProperties | has("envs") and has("networksAdvanced")
      and has("healthcheck") and has("ports") and has("volumes") and has("wait") and has("waitTimeout")
      and has("command") and has("restart") and has("mustRun") and has("image"))
    and (.types["docker:index/ContainerHealthcheck:ContainerHealthcheck"].properties | has("tests") and has("interval"))
    and (.types["docker:index/ContainerVolume:ContainerVolume"].properties | has("volumeName") and has("containerPath"))
    and (.types["docker:index/ContainerPort:ContainerPort"].properties | has("internal") and has("external") and has("ip"))
    and (.resources["docker:index/remoteImage:RemoteImage"] | (.inputProperties | has("name") and has("keepLocally"))
      and (.properties | has("imageId")))
    and (.resources["docker:index/network:Network"].inputProperties | has("name"))
    and (.resources["docker:index/volume:Volume"].inputProperties | has("name"))
    and (.config.variables | has("host"))' "$1" >/dev/null
}

build_docker_provider() {
  local dir="$BUILD_ROOT/docker-provider-$DOCKER_VERSION" go out ldflags
  go="$(go_bin)"
  out="$PLUGIN_CACHE.tmp"
  step "docker provider $DOCKER_VERSION: wrapper module + go mod tidy" prepare_docker_module "$dir"
  ldflags="-s -w -X main.version=$DOCKER_VERSION"
  log "building the docker provider (kreuzwerker $DOCKER_UPSTREAM_VERSION, bridge $TF_BRIDGE_VERSION; 2 cores: 10-25 min on a cold Go cache; log: $dir/build.log)"
  step "docker provider $DOCKER_VERSION: go build pulumi-tfgen-docker" run_logged "$dir/build.log" \
    bash -c "cd '$dir' && '$go' build -trimpath -ldflags '$ldflags' -o out/ ./cmd/pulumi-tfgen-docker" || return 1
  step "docker provider $DOCKER_VERSION: tfgen schema" run_logged "$dir/tfgen.log" \
    "$dir/out/pulumi-tfgen-docker" schema --out "$dir/cmd/pulumi-resource-docker" --skip-docs --skip-examples --quiet \
    || return 1
  check_docker_schema "$dir/cmd/pulumi-resource-docker/schema.json" \
    || die "generated schema lacks tokens/properties the pulumi-docker $DOCKER_VERSION SDK uses: $dir/cmd/pulumi-resource-docker/schema.json"
  step "docker provider $DOCKER_VERSION: go build pulumi-resource-docker" run_logged "$dir/build.log" \
    bash -c "cd '$dir' && '$go' build -trimpath -ldflags '$ldflags' -o out/ ./cmd/pulumi-resource-docker" || return 1
  rm -rf "$out" && mkdir -p "$out" || return 1
  install -m 0755 "$dir/out/pulumi-resource-docker" "$out/pulumi-resource-docker" || return 1
  cp "$dir/cmd/pulumi-resource-docker/schema.json" "$out/schema.json" || return 1
  docker_stamp >"$out/.stamp" || return 1
  rm -rf "$PLUGIN_CACHE" && mv "$out" "$PLUGIN_CACHE" || return 1
  rm -rf "$dir"   # the Go module and build caches keep what a rebuild needs
}

# The official provider (github.com/pulumi/pulumi-docker/provider/v5) is refused by the module proxy for every
# version, so the plugin is our own bridge build (build_docker_provider), or FLOWFORGE_DOCKER_PROVIDER_BINARY.
ensure_docker_plugin() {
  if docker_plugin_installed; then
    log "docker provider plugin $DOCKER_VERSION: installed in $PULUMI_HOME"
    return 0
  fi
  local given="${FLOWFORGE_DOCKER_PROVIDER_BINARY:-}"
  if [[ -n "$given" ]]; then
    [[ -x "$given" ]] || die "FLOWFORGE_DOCKER_PROVIDER_BINARY=$given is not an executable file"
    mkdir -p "$PLUGIN_CACHE"
    install -m 0755 "$given" "$PLUGIN_CACHE/pulumi-resource-docker.tmp"
    mv "$PLUGIN_CACHE/pulumi-resource-docker.tmp" "$PLUGIN_CACHE/pulumi-resource-docker"
    echo "given:$given" >"$PLUGIN_CACHE/.stamp"
    step "docker provider $DOCKER_VERSION: pulumi plugin install (from $given)" install_docker_plugin "$PLUGIN_CACHE/pulumi-resource-docker"
    return 0
  fi
  if docker_cached; then
    step "docker provider $DOCKER_VERSION: pulumi plugin install (from cache)" install_docker_plugin "$PLUGIN_CACHE/pulumi-resource-docker"
    return 0
  fi
  local go why m
  go="$(go_bin)"
  for m in "github.com/kreuzwerker/terraform-provider-docker@$DOCKER_UPSTREAM_VERSION" \
           "github.com/pulumi/pulumi-terraform-bridge/v3@$TF_BRIDGE_VERSION"; do
    if ! why="$(cd /tmp && "$go" mod download -json "$m" 2>&1)" || grep -q '"Error"' <<<"$why"; then
      log "cannot build the docker provider plugin $DOCKER_VERSION here: the Go module proxy refuses $m:"
      printf '    %s\n' "$(printf '%s' "$why" | grep -E 'Error|403|404' | tail -n2)" >&2
      die "no pulumi-resource-docker $DOCKER_VERSION: set FLOWFORGE_DOCKER_UPSTREAM_VERSION / FLOWFORGE_TF_BRIDGE_VERSION to versions the proxy serves, or FLOWFORGE_DOCKER_PROVIDER_BINARY=/path/to/pulumi-resource-docker (version $DOCKER_VERSION), and rerun 'ensure'"
    fi
  done
  step "docker provider $DOCKER_VERSION: build (bridged kreuzwerker provider)" build_docker_provider
  step "docker provider $DOCKER_VERSION: pulumi plugin install (built)" install_docker_plugin "$PLUGIN_CACHE/pulumi-resource-docker"
}

cmd_bin_dir() {
  local ext
  if ext="$(external_pulumi)"; then dirname "$ext"; else echo "$BIN_DIR"; fi
}

cmd_status() {
  local ext
  if ext="$(external_pulumi)"; then echo "pulumi: external $ext ($("$ext" version))"
  elif cli_cached; then echo "pulumi: v$PULUMI_VERSION cached in $BIN_DIR"
  else echo "pulumi: v$PULUMI_VERSION not built (run: $0 ensure)"; fi
  if docker_plugin_installed; then echo "docker plugin: $DOCKER_VERSION installed in $PULUMI_HOME/plugins"
  else echo "docker plugin: $DOCKER_VERSION missing"; fi
}

main() {
  local cmd="${1:-}"
  case "$cmd" in
    ensure)
      local what="${2:-all}" t0=$SECONDS
      case "$what" in
        all) ensure_cli; ensure_docker_plugin ;;
        cli) ensure_cli ;;
        docker) ensure_cli; ensure_docker_plugin ;;
        *) die "usage: $0 ensure [all|cli|docker]" ;;
      esac
      log "pulumi toolchain ready in $((SECONDS - t0)) s (PATH: $(cmd_bin_dir))"
      ;;
    bin-dir) cmd_bin_dir ;;
    status) cmd_status ;;
    *) die "usage: $0 ensure [all|cli|docker] | bin-dir | status" ;;
  esac
}

main "$@"
