#!/bin/bash
# Runs INSIDE a chroot of a Debian bookworm minbase rootfs, as root, with the host's network
# (tools/stand-in-images.sh sets that up, and passes PIP_CERT / PIP_INDEX_URL for this run only).
# Installs python3 (3.11 on bookworm), a venv at /opt/prefect/venv and prefect==VERSION into it.
# Usage: rootfs-setup.sh PREFECT_VERSION
set -euo pipefail
PREFECT_VERSION=$1
export DEBIAN_FRONTEND=noninteractive
phase() { echo "[rootfs-setup] $1: $((SECONDS - T)) s"; T=$SECONDS; }
T=$SECONDS

apt-get update -qq
apt-get install -y -qq --no-install-recommends python3 python3-venv tini
apt-get clean
rm -rf /var/lib/apt/lists/* /var/cache/debconf/*-old /var/log/apt/* /var/log/dpkg.log
phase "apt python3"

python3 -m venv /opt/prefect/venv
/opt/prefect/venv/bin/pip install --no-cache-dir --disable-pip-version-check -q "prefect==$PREFECT_VERSION"
phase "pip install prefect==$PREFECT_VERSION"
# Smoke check with a throwaway PREFECT_HOME (importing prefect creates it) so /root stays clean.
export PREFECT_HOME=/tmp/prefect-check
/opt/prefect/venv/bin/prefect version >/dev/null
/opt/prefect/venv/bin/python -c 'import asyncpg, prefect; print(prefect.__version__, end="")' >/.stand-in-version
rm -rf "$PREFECT_HOME"
phase "smoke check"
