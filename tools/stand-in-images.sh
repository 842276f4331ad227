#!/usr/bin/env bash
# Make the container images the Pulumi program needs available to the local Docker engine.
#
#   tools/stand-in-images.sh ensure IMAGE_REF...   e.g. postgres:15 prefecthq/prefect:3.9.1-python3.11
#
# For each ref: a local image of that name is used as is; else `docker pull` (bounded); else a local
# STAND-IN is built under the exact requested name, honouring the official image's interface, from
# Debian bookworm (debootstrap, cached) with packages installed in a chroot on the host (host network,
# host CA, host apt/pip mirrors, read at run time) and a small Dockerfile from tools/images/<kind>/.
# Stand-ins carry LABEL org.flowforge.stand-in=true. Supported: postgres (major 15), prefecthq/prefect.
# The base rootfs (mmdebstrap, or debootstrap where mmdebstrap is unavailable) is cached under
# $FLOWFORGE_CACHE_DIR/rootfs/; stand-ins of different kinds are built in parallel.
#
# Env: FLOWFORGE_PULL_TIMEOUT (s, default 20), FLOWFORGE_NO_PULL=1 (skip pulls),
#      FLOWFORGE_BOOTSTRAP=debootstrap (make the base rootfs with debootstrap instead of mmdebstrap).
set -euo pipefail
# shellcheck source=tools/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

IMAGES_DIR="$TOOLS_DIR/images"
ROOTFS_CACHE="$FLOWFORGE_CACHE_DIR/rootfs"
BASE_TAR="$ROOTFS_CACHE/debian-bookworm-minbase.tar"
BUILD_LOG_DIR="$FLOWFORGE_CACHE_DIR/stand-in-logs"
PULL_TIMEOUT="${FLOWFORGE_PULL_TIMEOUT:-20}"
SUITE=bookworm

banner() {
  local line="################################################################################"
  printf '%s\n# STAND-IN BUILT: %s\n#   %s\n#   (local image labelled org.flowforge.stand-in=true, NOT the official image)\n%s\n' \
    "$line" "$1" "$2" "$line" >&2
}

# ---------------------------------------------------------------------------------------------
# Image refs
# ---------------------------------------------------------------------------------------------
# parse_ref REF -> globals REPO (registry and "library/" stripped) and TAG
parse_ref() {
  local ref=$1 name tag=latest first
  [[ $ref == *@* ]] && die "$ref: a digest reference cannot be given a local stand-in; use a tag"
  name=$ref
  if [[ ${ref##*/} == *:* ]]; then tag=${ref##*:}; name=${ref%:*}; fi
  first=${name%%/*}
  if [[ $name == */* && ( $first == *.* || $first == *:* || $first == localhost ) ]]; then name=${name#*/}; fi
  name=${name#library/}
  REPO=$name TAG=$tag
}

# postgres tag -> major (only 15 can be built: it is Debian bookworm's postgresql-15)
postgres_major() {
  local tag=$1
  [[ $tag =~ ^([0-9]+)(\.[0-9]+)?(-[a-z0-9.]+)?$ ]] \
    || die "postgres:$tag: cannot build a stand-in for this tag; use a numeric one such as postgres:15 or postgres:15-bookworm"
  local major=${BASH_REMATCH[1]}
  [[ $major == 15 ]] \
    || die "postgres:$tag: only PostgreSQL 15 (Debian bookworm's postgresql-15) can be built as a stand-in here; use postgres:15, or make the official postgres:$tag available (docker load/pull)"
  echo "$major"
}

# prefecthq/prefect tag -> prefect version (exact from the tag, else the project's pin)
prefect_version() {
  local tag=$1 base=$1 py=""
  if [[ $tag =~ ^(.*)-python([0-9]+\.[0-9]+)(-[a-z0-9]+)?$ ]]; then
    base=${BASH_REMATCH[1]} py=${BASH_REMATCH[2]}
  fi
  if [[ -n $py && $py != 3.11 ]]; then
    die "prefecthq/prefect:$tag: the stand-in has Debian bookworm's python 3.11, not python$py; use a -python3.11 tag or make the official image available"
  fi
  if [[ $base =~ ^[0-9]+\.[0-9]+\.[0-9]+((a|b|rc)[0-9]+|\.dev[0-9]+|\.post[0-9]+)?$ ]]; then
    echo "$base"; return
  fi
  local pin; pin=$(pin_of prefect)
  [[ -n $pin ]] || die "prefecthq/prefect:$tag is a floating tag and pyproject.toml has no prefect==X pin to resolve it"
  if [[ $base =~ ^([0-9]+)(\.[0-9]+)? ]] && [[ $pin != "${BASH_REMATCH[0]}"* ]]; then
    die "prefecthq/prefect:$tag: floating tag does not match the project's pin prefect==$pin"
  fi
  echo "$pin"
}

# ---------------------------------------------------------------------------------------------
# Host mirrors and pip settings (read at run time; no registry host is written into the repo)
# ---------------------------------------------------------------------------------------------
# Prints "URI<TAB>SUITE" lines for every enabled deb entry of the host's apt sources.
apt_entries() {
  local f
  shopt -s nullglob
  for f in /etc/apt/sources.list.d/*.sources; do
    awk '
      function flush() { if (types ~ /(^| )deb( |$)/ && enabled != "no") { n = split(uris, U, " "); m = split(suites, S, " ");
                           for (i = 1; i <= n; i++) for (j = 1; j <= m; j++) print U[i] "\t" S[j] }
                         types = uris = suites = ""; enabled = "" }
      /^[[:space:]]*#/ { next }
      /^[[:space:]]*$/ { flush(); next }
      { key = tolower($1); sub(/:$/, "", key); $1 = ""; sub(/^ +/, "");
        if (key == "types") types = $0; else if (key == "uris") uris = $0;
        else if (key == "suites") suites = $0; else if (key == "enabled") enabled = tolower($0) }
      END { flush() }' "$f"
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -r $f ]] || continue
    sed -nE 's/^[[:space:]]*deb[[:space:]]+(\[[^]]*\][[:space:]]+)?([^[:space:]]+)[[:space:]]+([^[:space:]]+).*/\2\t\3/p' "$f"
  done
  shopt -u nullglob
}

# A usable URI: "mirror+file:LIST" (Debian cloud images) becomes the first URL listed in LIST.
plain_uri() {
  local u=${1%/}
  if [[ $u == mirror+file:* ]]; then
    u=$(grep -m1 -oE '^[a-z]+://[^[:space:]]+' "${u#mirror+file:}" 2>/dev/null || true); u=${u%/}
  fi
  echo "$u"
}
# Debian archive mirror (suite without "-"), preferring a URI ending in /debian; security mirror.
debian_mirror() {
  local e m; e=$(apt_entries)
  m=$(awk -F'\t' '$2 !~ /-/ && $1 ~ /\/debian\/?$/ { print $1; exit }' <<<"$e")
  [[ -n $m ]] || m=$(awk -F'\t' '$2 !~ /-/ { print $1; exit }' <<<"$e")
  [[ -n $m ]] && plain_uri "$m"
  return 0
}
debian_security_mirror() {
  local e m; e=$(apt_entries)
  m=$(awk -F'\t' '$2 ~ /-security$/ { print $1; exit }' <<<"$e")
  [[ -n $m ]] && plain_uri "$m"
  return 0
}

# pip setting KEY (index-url, extra-index-url, trusted-host): env first, then the machine's pip config.
pip_setting() {
  local key=$1 envname
  envname="PIP_$(tr 'a-z-' 'A-Z_' <<<"$key")"
  if [[ -n ${!envname:-} ]]; then echo "${!envname}"; return; fi
  local pip_cmd=()
  if command -v pip3 >/dev/null 2>&1; then pip_cmd=(pip3)
  elif command -v pip >/dev/null 2>&1; then pip_cmd=(pip)
  elif python3 -m pip --version >/dev/null 2>&1; then pip_cmd=(python3 -m pip)
  else return 0; fi
  "${pip_cmd[@]}" config list 2>/dev/null \
    | sed -nE "s/^[^=]*\\.$key='?([^']*)'?\$/\\1/p" | head -n1 || true
}

# ---------------------------------------------------------------------------------------------
# Base rootfs (once, cached as a tarball)
# ---------------------------------------------------------------------------------------------
need_root_debian() {
  [[ $(id -u) -eq 0 && -r /etc/debian_version ]] \
    || die "building a stand-in needs root on Debian (debootstrap, chroot); make the official $1 image available instead (docker pull/load)"
}

# Install Debian packages on the host if their commands are missing (apt-get update once first).
APT_UPDATED=""
host_install() {
  local pkgs=("$@")
  if [[ -z $APT_UPDATED ]]; then
    apt-get update -qq >"$BUILD_LOG_DIR/apt-host.log" 2>&1 || return 1
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >>"$BUILD_LOG_DIR/apt-host.log" 2>&1
}

# Files that trim the rootfs like Debian's slim images: no docs/man/info/translations from packages.
DPKG_MINIMAL='path-exclude=/usr/share/doc/*
path-include=/usr/share/doc/*/copyright
path-exclude=/usr/share/man/*
path-exclude=/usr/share/info/*
path-exclude=/usr/share/locale/*
path-include=/usr/share/locale/locale.alias'
APT_MINIMAL='APT::Install-Recommends "false";
APT::Install-Suggests "false";
Acquire::Languages "none";'

ensure_base_tar() {
  [[ -s $BASE_TAR ]] && return 0
  local mirror sec t0=$SECONDS
  mirror=$(debian_mirror); sec=$(debian_security_mirror)
  [[ -n $mirror ]] || die "no Debian mirror found in /etc/apt/sources.list or /etc/apt/sources.list.d/*.sources"
  local sources=("deb $mirror $SUITE main" "deb $mirror $SUITE-updates main")
  [[ -n $sec ]] && sources+=("deb $sec $SUITE-security main")
  local blog="$BUILD_LOG_DIR/base-rootfs.log" partial="${BASE_TAR%.tar}.partial.tar"
  rm -rf "$partial"

  # mmdebstrap (faster: apt does the work) unless FLOWFORGE_BOOTSTRAP=debootstrap or it cannot be had.
  if [[ ${FLOWFORGE_BOOTSTRAP:-} != debootstrap ]] && { command -v mmdebstrap >/dev/null 2>&1 || host_install mmdebstrap; }; then
    log "mmdebstrap --variant=minbase $SUITE (once; cached as $BASE_TAR)"
    local opts=() line
    while IFS= read -r line; do opts+=(--dpkgopt="$line"); done <<<"$DPKG_MINIMAL"
    while IFS= read -r line; do opts+=(--aptopt="$line"); done <<<"$APT_MINIMAL"
    # force-unsafe-io only while bootstrapping: the hook takes it out of the rootfs' dpkg config.
    if ! mmdebstrap --variant=minbase --quiet "${opts[@]}" --dpkgopt=force-unsafe-io \
        --customize-hook='sed -i "/^force-unsafe-io/d" "$1/etc/dpkg/dpkg.cfg.d/99mmdebstrap"' \
        --customize-hook='rm -f "$1"/var/log/*.log "$1"/var/log/apt/*' \
        "$SUITE" "$partial" "${sources[@]}" >"$blog" 2>&1; then
      rm -rf "$partial"
      die "mmdebstrap failed (see $blog)"
    fi
    mv "$partial" "$BASE_TAR"
  else
    command -v debootstrap >/dev/null 2>&1 || host_install debootstrap \
      || die "neither mmdebstrap nor debootstrap could be installed (see $BUILD_LOG_DIR/apt-host.log)"
    log "debootstrap --variant=minbase $SUITE (once; cached as $BASE_TAR)"
    local dir; dir=$(mktemp -d "$ROOTFS_CACHE/debootstrap.XXXXXX")
    if ! debootstrap --variant=minbase "$SUITE" "$dir/root" "$mirror" >"$blog" 2>&1; then
      rm -rf --one-file-system "$dir"
      die "debootstrap failed (see $blog)"
    fi
    printf '%s\n' "${sources[@]}" >"$dir/root/etc/apt/sources.list"
    printf '%s\n' "$DPKG_MINIMAL" >"$dir/root/etc/dpkg/dpkg.cfg.d/99minimal"
    printf '%s\n' "$APT_MINIMAL" >"$dir/root/etc/apt/apt.conf.d/99minimal"
    rm -rf "$dir/root/var/cache/apt/archives/"*.deb "$dir/root/var/lib/apt/lists/"* "$dir/root/var/log/"*.log
    tar --numeric-owner -C "$dir/root" -cf "$partial" . && mv "$partial" "$BASE_TAR"
    rm -rf --one-file-system "$dir"
  fi
  [[ -f $BASE_TAR ]] || die "base rootfs tarball $BASE_TAR was not made"
  log "base rootfs ready in $((SECONDS - t0)) s ($(du -sh "$BASE_TAR" | cut -f1))"
}

# ---------------------------------------------------------------------------------------------
# One stand-in: extract base, run tools/images/KIND/rootfs-setup.sh in a chroot, import, build
# ---------------------------------------------------------------------------------------------
CHROOT_DIR=""
chroot_cleanup() {
  [[ -n $CHROOT_DIR ]] || return 0
  local m
  for m in dev/pts dev proc; do
    if mountpoint -q "$CHROOT_DIR/root/$m" 2>/dev/null; then umount "$CHROOT_DIR/root/$m" || umount -l "$CHROOT_DIR/root/$m"; fi
  done
  # Never delete through a mount that is still there.
  if grep -qF " $CHROOT_DIR/" /proc/self/mounts; then
    log "warning: mounts left under $CHROOT_DIR; not deleting it"
  else
    rm -rf --one-file-system "$CHROOT_DIR"
  fi
  CHROOT_DIR=""
}

# build_stand_in REF KIND KEY SETUP_ARG "BUILD_ARGS (newline-separated)" "CHROOT_ENV (newline-separated)"
# Writes "VERSION SECONDS" to $BUILD_LOG_DIR/KEY.result on success.
build_stand_in() {
  local ref=$1 kind=$2 key=$3 arg=$4 bargs_s=$5 cenv_s=$6
  local t0=$SECONDS rootfs_tag="flowforge/stand-in-rootfs:$key" slog="$BUILD_LOG_DIR/$key-rootfs.log"
  local bargs=() cenv=() line
  while IFS= read -r line; do [[ -n $line ]] && bargs+=(--build-arg "$line"); done <<<"$bargs_s"
  while IFS= read -r line; do [[ -n $line ]] && cenv+=("$line"); done <<<"$cenv_s"

  CHROOT_DIR=$(mktemp -d "$ROOTFS_CACHE/chroot-$key.XXXXXX")
  local root=$CHROOT_DIR/root
  mkdir -p "$root"
  tar --numeric-owner -C "$root" -xf "$BASE_TAR" || die "$ref: cannot extract $BASE_TAR"
  mount -t proc proc "$root/proc"
  mount --bind /dev "$root/dev"
  mount --bind /dev/pts "$root/dev/pts" 2>/dev/null || true
  cp -L /etc/resolv.conf "$root/etc/resolv.conf"
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"; chmod +x "$root/usr/sbin/policy-rc.d"
  echo force-unsafe-io >"$root/etc/dpkg/dpkg.cfg.d/zz-build-unsafe-io"
  # The host's CA bundle (a TLS-intercepting proxy's CA included) for this run only, for pip and for
  # apt on an https mirror; removed below with the rest of the build-only files.
  if [[ -r /etc/ssl/certs/ca-certificates.crt ]]; then
    cp /etc/ssl/certs/ca-certificates.crt "$root/tmp/host-ca.crt"
    echo 'Acquire::https::CAInfo "/tmp/host-ca.crt";' >"$root/etc/apt/apt.conf.d/zz-build-ca"
  fi
  # The host's proxy settings, if any, reach apt and pip in the chroot (env -i below drops the rest).
  local v
  for v in http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY; do
    if [[ -n ${!v:-} ]]; then cenv+=("$v=${!v}"); fi
  done
  cp "$IMAGES_DIR/$kind/rootfs-setup.sh" "$root/tmp/rootfs-setup.sh"

  log "$ref: installing into a $SUITE chroot (log: $slog)"
  if ! chroot "$root" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
      HOME=/root LANG=C.UTF-8 "${cenv[@]}" /bin/bash /tmp/rootfs-setup.sh "$arg" >"$slog" 2>&1; then
    tail -n 20 "$slog" >&2
    die "$ref: rootfs setup failed (full log: $slog)"
  fi
  local t_setup=$((SECONDS - t0)) version
  version=$(cat "$root/.stand-in-version" 2>/dev/null || echo unknown)
  rm -f "$root/.stand-in-version" "$root/usr/sbin/policy-rc.d" "$root/etc/dpkg/dpkg.cfg.d/zz-build-unsafe-io" \
    "$root/etc/apt/apt.conf.d/zz-build-ca"
  rm -rf "$root/tmp" "$root/root/.cache" "$root/var/lib/apt/lists/"*
  install -d -m 1777 "$root/tmp"
  : >"$root/etc/resolv.conf"
  local m
  for m in dev/pts dev proc; do if mountpoint -q "$root/$m"; then umount "$root/$m"; fi; done

  tar --numeric-owner -C "$root" -c . | docker import -m "flowforge stand-in rootfs ($key)" - "$rootfs_tag" >/dev/null \
    || die "$ref: docker import of the rootfs failed"
  chroot_cleanup
  local t_import=$((SECONDS - t0 - t_setup))
  DOCKER_BUILDKIT=0 docker build -q -t "$ref" --build-arg "ROOTFS=$rootfs_tag" "${bargs[@]}" \
    --build-arg "STAND_IN_VERSION=$version" \
    --label "org.flowforge.stand-in.for=$ref" --label "org.flowforge.stand-in.key=$key" \
    --label "org.flowforge.stand-in.version=$version" \
    "$IMAGES_DIR/$kind" >"$BUILD_LOG_DIR/$key-build.log" 2>&1 \
    || { cat "$BUILD_LOG_DIR/$key-build.log" >&2; die "$ref: docker build of the stand-in failed"; }
  docker rmi "$rootfs_tag" >/dev/null 2>&1 || true   # only untags: the stand-in keeps the layer
  log "$ref: chroot install $t_setup s, import $t_import s, build $((SECONDS - t0 - t_setup - t_import)) s"
  echo "$version $((SECONDS - t0))" >"$BUILD_LOG_DIR/$key.result"
}

# ---------------------------------------------------------------------------------------------
# Planning: which refs are present, pullable, or need a stand-in (and which recipe)
# ---------------------------------------------------------------------------------------------
declare -A P_KIND P_ARG P_BARGS P_CENV P_REFS
P_KEYS=()

plan_one() {
  local ref=$1
  if docker image inspect "$ref" >/dev/null 2>&1; then
    local si; si=$(docker image inspect -f '{{index .Config.Labels "org.flowforge.stand-in"}}' "$ref" 2>/dev/null || true)
    log "$ref: present locally${si:+ (a local stand-in)}"
    return 0
  fi

  if [[ ${FLOWFORGE_NO_PULL:-} == 1 ]]; then
    log "$ref: not present locally; FLOWFORGE_NO_PULL=1, not pulling"
  elif [[ $PULL_OK == no ]]; then
    log "$ref: not present locally; the registry was unreachable a moment ago, not pulling again"
  else
    log "$ref: not present locally; trying docker pull (timeout ${PULL_TIMEOUT} s)"
    local out rc=0
    out=$(timeout "$PULL_TIMEOUT" docker pull -q "$ref" 2>&1) || rc=$?
    if ((rc == 0)); then log "$ref: pulled"; return 0; fi
    ((rc == 124)) && out="timed out after ${PULL_TIMEOUT} s"
    log "$ref: pull failed: $(tail -n1 <<<"$out" | cut -c1-200)"
    # No point waiting on the same unreachable registry again in this run.
    if ((rc == 124)) || grep -qiE 'dial tcp|no such host|i/o timeout|connection refused|network is unreachable|TLS handshake' <<<"$out"; then
      PULL_OK=no
    fi
  fi

  parse_ref "$ref"
  local kind key arg bargs="" cenv=""
  case $REPO in
    postgres)
      local major; major=$(postgres_major "$TAG")
      kind=postgres key="postgres-$major" arg=$major bargs="PG_MAJOR=$major"
      ;;
    prefecthq/prefect)
      local ver; ver=$(prefect_version "$TAG")
      kind=prefect key="prefect-$ver" arg=$ver bargs="PREFECT_VERSION=$ver"
      cenv="PIP_CERT=/tmp/host-ca.crt
PIP_DISABLE_PIP_VERSION_CHECK=1
PIP_NO_CACHE_DIR=1
PIP_DEFAULT_TIMEOUT=${PIP_DEFAULT_TIMEOUT:-60}"
      local k v
      for k in index-url extra-index-url trusted-host; do
        v=$(pip_setting "$k")
        if [[ -n $v ]]; then cenv+=$'\n'"PIP_$(tr 'a-z-' 'A-Z_' <<<"$k")=$v"; fi
      done
      ;;
    *) die "$ref: not present, not pullable, and no stand-in recipe for '$REPO' (have: postgres, prefecthq/prefect)" ;;
  esac
  if [[ -z ${P_KIND[$key]:-} ]]; then
    P_KEYS+=("$key")
    P_KIND[$key]=$kind P_ARG[$key]=$arg P_BARGS[$key]=$bargs P_CENV[$key]=$cenv P_REFS[$key]=""
  fi
  P_REFS[$key]+="$ref "
}

JOB_PIDS=()
on_signal() {
  local p
  for p in "${JOB_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  wait || true
  exit 130
}

cmd_ensure() {
  (($#)) || die "usage: $0 ensure IMAGE_REF..."
  command -v docker >/dev/null 2>&1 || die "no docker client on PATH; run tools/docker-engine.sh ensure"
  timeout 15 docker info >/dev/null 2>&1 || die "no Docker engine answers; run tools/docker-engine.sh ensure first"
  mkdir -p "$ROOTFS_CACHE" "$BUILD_LOG_DIR"
  # One run at a time per cache dir (two concurrent runs would build the same thing twice).
  exec 9>"$FLOWFORGE_CACHE_DIR/stand-in-images.lock"
  flock -w 1800 9 || die "another stand-in-images.sh run holds $FLOWFORGE_CACHE_DIR/stand-in-images.lock"

  PULL_OK=yes
  local ref key
  for ref in "$@"; do plan_one "$ref"; done
  ((${#P_KEYS[@]})) || return 0

  # Refs whose stand-in exists already under another name (postgres:15 vs postgres:15-bookworm): tag.
  local to_build=() have r
  for key in "${P_KEYS[@]}"; do
    have=$(docker images -q --filter "label=org.flowforge.stand-in.key=$key" | head -n1)
    if [[ -n $have ]]; then
      for r in ${P_REFS[$key]}; do
        docker tag "$have" "$r"
        banner "$r" "tagged from the existing stand-in $key (image $have)"
      done
    else
      to_build+=("$key")
    fi
  done
  ((${#to_build[@]})) || return 0

  need_root_debian "${P_REFS[${to_build[0]}]}"
  ensure_base_tar

  trap on_signal INT TERM
  local t0=$SECONDS first
  for key in "${to_build[@]}"; do
    rm -f "$BUILD_LOG_DIR/$key.result"
    first=${P_REFS[$key]%% *}
    (
      trap chroot_cleanup EXIT
      trap 'exit 143' TERM INT
      build_stand_in "$first" "${P_KIND[$key]}" "$key" "${P_ARG[$key]}" "${P_BARGS[$key]}" "${P_CENV[$key]}"
    ) &
    JOB_PIDS+=($!)
  done
  local failed=0 p
  for p in "${JOB_PIDS[@]}"; do wait "$p" || failed=1; done
  trap - INT TERM

  local version secs size desc
  for key in "${to_build[@]}"; do
    [[ -s $BUILD_LOG_DIR/$key.result ]] || continue
    read -r version secs <"$BUILD_LOG_DIR/$key.result"
    first=${P_REFS[$key]%% *}
    for r in ${P_REFS[$key]}; do [[ $r == "$first" ]] || docker tag "$first" "$r"; done
    size=$(docker image inspect -f '{{.Size}}' "$first" | awk '{printf "%.0f MB", $1/1e6}')
    case ${P_KIND[$key]} in
      postgres) desc="Debian $SUITE + postgresql-${P_ARG[$key]} $version, official entrypoint interface" ;;
      prefect) desc="Debian $SUITE + python3.11 venv /opt/prefect/venv + prefect==$version" ;;
    esac
    for r in ${P_REFS[$key]}; do banner "$r" "$desc; $size; built in $secs s"; done
  done
  ((failed == 0)) || die "some stand-ins failed to build (logs in $BUILD_LOG_DIR)"
  log "stand-ins built in $((SECONDS - t0)) s (in parallel)"
}

case "${1:-}" in
  ensure) shift; cmd_ensure "$@" ;;
  *) echo "usage: $0 ensure IMAGE_REF..." >&2; exit 2 ;;
esac
