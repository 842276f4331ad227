#!/usr/bin/env bash
# Make sure a Docker engine answers, starting one from Debian's docker.io if there is none.
#
#   tools/docker-engine.sh ensure   # use a running engine, or (root on Debian) install + start dockerd
#   tools/docker-engine.sh stop     # stop only the dockerd that `ensure` started (pid file), nothing else
#
# The daemon started here logs to $FLOWFORGE_CACHE_DIR/dockerd.log and records its pid in
# $FLOWFORGE_CACHE_DIR/dockerd.pid. Overrides: FLOWFORGE_DOCKER_STORAGE_DRIVER (e.g. vfs),
# FLOWFORGE_DOCKERD_WAIT (seconds to wait for the daemon, default 60).
set -euo pipefail
# shellcheck source=tools/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PID_FILE="$FLOWFORGE_CACHE_DIR/dockerd.pid"
LOG_FILE="$FLOWFORGE_CACHE_DIR/dockerd.log"
SHIM_DIR="$FLOWFORGE_CACHE_DIR/dockerd-shims"
WAIT_S="${FLOWFORGE_DOCKERD_WAIT:-60}"
SOCKET=/var/run/docker.sock

engine_answers() { timeout 15 docker info >/dev/null 2>&1; }

engine_summary() {
  timeout 15 docker info --format \
    'server {{.ServerVersion}}, storage driver {{.Driver}}, cgroup {{.CgroupDriver}} v{{.CgroupVersion}}' 2>/dev/null \
    || echo "server $(timeout 15 docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?')"
}

# The pid in our pid file, if it is alive and still a dockerd; empty otherwise.
our_dockerd_pid() {
  local pid
  [[ -r $PID_FILE ]] || return 0
  pid=$(tr -dc '0-9' <"$PID_FILE")
  [[ -n $pid && -r /proc/$pid/comm && $(cat "/proc/$pid/comm" 2>/dev/null) == dockerd ]] && echo "$pid"
  return 0
}

find_dockerd() {
  local d
  for d in /usr/sbin/dockerd /usr/bin/dockerd; do [[ -x $d ]] && { echo "$d"; return 0; }; done
  command -v dockerd 2>/dev/null || true
}

install_docker_io() {
  log "dockerd not found: installing Debian's docker.io (apt-get update, then install)"
  export DEBIAN_FRONTEND=noninteractive
  # Keep package scripts from starting the service themselves: we start dockerd below, our way.
  local made_policy=""
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && made_policy=1
  fi
  local rc=0
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends docker.io iptables ca-certificates; } \
    >"$FLOWFORGE_CACHE_DIR/apt-docker-io.log" 2>&1 || rc=$?
  [[ -n $made_policy ]] && rm -f /usr/sbin/policy-rc.d
  ((rc == 0)) || die "apt-get install docker.io failed (see $FLOWFORGE_CACHE_DIR/apt-docker-io.log)"
}

# Pick the iptables flavour that works on this kernel. dockerd calls `iptables` from PATH, so we hand
# it a shim dir first in PATH instead of switching the machine's alternatives.
# Prints the extra dockerd flags (empty, or --iptables=false when no variant works).
prepare_iptables() {
  mkdir -p "$SHIM_DIR"
  rm -f "$SHIM_DIR"/ip*tables*
  local v
  for v in nft legacy; do
    if command -v "iptables-$v" >/dev/null 2>&1 && "iptables-$v" -t nat -L -n >/dev/null 2>&1 \
       && "iptables-$v" -t filter -L -n >/dev/null 2>&1; then
      local t
      for t in iptables iptables-save iptables-restore ip6tables ip6tables-save ip6tables-restore; do
        command -v "${t/tables/tables-$v}" >/dev/null 2>&1 && ln -sf "$(command -v "${t/tables/tables-$v}")" "$SHIM_DIR/$t"
      done
      log "iptables: using the $v variant" ; return 0
    fi
  done
  log "iptables: no working variant (nft or legacy); starting dockerd with --iptables=false"
  echo "--iptables=false --ip6tables=false"
}

# overlay2 needs overlayfs on the backing filesystem of /var/lib/docker; else fall back to vfs.
pick_storage_driver() {
  if [[ -n ${FLOWFORGE_DOCKER_STORAGE_DRIVER:-} ]]; then echo "$FLOWFORGE_DOCKER_STORAGE_DRIVER"; return; fi
  local root=/var/lib/docker
  # An existing data root keeps the driver it was made with.
  if [[ -d $root/overlay2 && -n $(ls -A "$root/overlay2" 2>/dev/null) ]]; then echo overlay2; return; fi
  if [[ -d $root/vfs && -n $(ls -A "$root/vfs" 2>/dev/null) ]]; then echo vfs; return; fi
  mkdir -p "$root"
  local t; t=$(mktemp -d "$root/.ovl-probe.XXXXXX")
  mkdir -p "$t"/{l,u,w,m}
  if grep -qw overlay /proc/filesystems 2>/dev/null || modprobe overlay 2>/dev/null; then
    if mount -t overlay overlay -o "lowerdir=$t/l,upperdir=$t/u,workdir=$t/w" "$t/m" 2>/dev/null; then
      umount "$t/m"; rm -rf "$t"; echo overlay2; return
    fi
  fi
  rm -rf "$t"; echo vfs
}

start_dockerd() {
  local dockerd=$1 driver extra
  driver=$(pick_storage_driver)
  extra=$(prepare_iptables)
  # cgroups: without systemd as PID 1 the cgroupfs driver is the one that works (v1 or v2 alike).
  local cgroup_opt="native.cgroupdriver=cgroupfs"
  # bridge traffic must pass iptables for published ports between containers; harmless if absent.
  [[ -w /proc/sys/net/bridge/bridge-nf-call-iptables ]] && echo 1 >/proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null || true
  [[ -w /proc/sys/net/ipv4/ip_forward ]] && echo 1 >/proc/sys/net/ipv4/ip_forward 2>/dev/null || true

  : >"$LOG_FILE"
  # setsid + nohup: the daemon outlives this script and its terminal; stdin from /dev/null.
  # shellcheck disable=SC2086
  PATH="$SHIM_DIR:/usr/sbin:/usr/bin:/sbin:/bin:$PATH" setsid nohup "$dockerd" \
    --host "unix://$SOCKET" --storage-driver "$driver" --exec-opt "$cgroup_opt" \
    --pidfile "$FLOWFORGE_CACHE_DIR/dockerd.own.pid" $extra \
    </dev/null >>"$LOG_FILE" 2>&1 &
  local pid=$!
  echo "$pid" >"$PID_FILE"

  local t0=$SECONDS
  while ((SECONDS - t0 < WAIT_S)); do
    if engine_answers; then
      # dockerd's own pid file is the truth (setsid may have forked); keep ours in step with it.
      [[ -s $FLOWFORGE_CACHE_DIR/dockerd.own.pid ]] && pid=$(tr -dc '0-9' <"$FLOWFORGE_CACHE_DIR/dockerd.own.pid") && echo "$pid" >"$PID_FILE"
      log "docker engine ready: started $dockerd (pid $pid, $(engine_summary)) in $((SECONDS - t0)) s; log $LOG_FILE"
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$PID_FILE"
      tail -n 15 "$LOG_FILE" >&2 || true
      die "dockerd exited during start-up (log: $LOG_FILE)"
    fi
    sleep 1
  done
  tail -n 15 "$LOG_FILE" >&2 || true
  die "dockerd (pid $pid) did not answer within ${WAIT_S} s (log: $LOG_FILE); stop it with: $0 stop"
}

cmd_ensure() {
  if command -v docker >/dev/null 2>&1 && engine_answers; then
    log "docker engine answers: using it ($(engine_summary))"
    return 0
  fi
  local pid; pid=$(our_dockerd_pid)
  if [[ -n $pid ]]; then
    # Ours, but not answering (yet): give it the same bounded wait before giving up.
    local t0=$SECONDS
    while ((SECONDS - t0 < WAIT_S)); do
      engine_answers && { log "docker engine answers: dockerd pid $pid started earlier by this script"; return 0; }
      kill -0 "$pid" 2>/dev/null || break
      sleep 1
    done
    die "dockerd pid $pid (started by this script) does not answer; see $LOG_FILE, or run: $0 stop"
  fi
  if [[ $(id -u) -ne 0 || ! -r /etc/debian_version ]]; then
    die "no Docker engine answers (docker info failed), and this script can only install/start one as root on Debian; start a Docker engine (e.g. 'sudo systemctl start docker' or Docker Desktop) and retry"
  fi
  if [[ -S $SOCKET ]] && pgrep -x dockerd >/dev/null 2>&1; then
    die "a dockerd not started by this script is running but does not answer on $SOCKET; fix or stop that engine first (see its log), then retry"
  fi
  local dockerd; dockerd=$(find_dockerd)
  if [[ -z $dockerd ]]; then
    install_docker_io
    dockerd=$(find_dockerd)
    [[ -n $dockerd ]] || die "docker.io installed but no dockerd binary found"
  fi
  command -v docker >/dev/null 2>&1 || die "no docker client on PATH (docker.io ships /usr/bin/docker)"
  start_dockerd "$dockerd"
}

cmd_stop() {
  local pid; pid=$(our_dockerd_pid)
  if [[ -z $pid ]]; then
    if [[ -e $PID_FILE ]]; then
      log "pid $(tr -dc '0-9' <"$PID_FILE") from $PID_FILE is no longer a running dockerd; nothing to stop (pid file removed)"
      rm -f "$PID_FILE"
    else
      log "no dockerd started by this script (no $PID_FILE); leaving any other engine alone"
    fi
    return 0
  fi
  kill -TERM "$pid"
  local t0=$SECONDS
  while kill -0 "$pid" 2>/dev/null && ((SECONDS - t0 < 30)); do sleep 1; done
  if kill -0 "$pid" 2>/dev/null; then
    die "dockerd pid $pid still running 30 s after SIGTERM; see $LOG_FILE"
  fi
  rm -f "$PID_FILE"
  log "stopped dockerd pid $pid (started by this script) in $((SECONDS - t0)) s"
}

case "${1:-}" in
  ensure) cmd_ensure ;;
  stop) cmd_stop ;;
  *) echo "usage: $0 {ensure|stop}" >&2; exit 2 ;;
esac
