#!/bin/bash
# Runs INSIDE a chroot of a Debian bookworm minbase rootfs, as root, with the host's network
# (tools/stand-in-images.sh sets that up). Installs PostgreSQL the way the official image does:
# uid/gid 999 for postgres, no cluster created by the package, listen_addresses='*' in the sample.
# Usage: rootfs-setup.sh PG_MAJOR
set -euo pipefail
PG_MAJOR=$1
export DEBIAN_FRONTEND=noninteractive
phase() { echo "[rootfs-setup] $1: $((SECONDS - T)) s"; T=$SECONDS; }
T=$SECONDS

groupadd -r postgres --gid=999
useradd -r -g postgres --uid=999 --home-dir=/var/lib/postgresql --shell=/bin/bash postgres
install -d -o postgres -g postgres /var/lib/postgresql

apt-get update -qq
apt-get install -y -qq --no-install-recommends postgresql-common gosu
sed -ri 's/#(create_main_cluster) .*$/\1 = false/' /etc/postgresql-common/createcluster.conf
apt-get install -y -qq --no-install-recommends "postgresql-$PG_MAJOR"

sample=/usr/share/postgresql/$PG_MAJOR/postgresql.conf.sample
sed -ri "s!^#?(listen_addresses)\s*=\s*\S+.*!\1 = '*'!" "$sample"
grep -qF "listen_addresses = '*'" "$sample"

install -d -o postgres -g postgres -m 3777 /var/run/postgresql
install -d /docker-entrypoint-initdb.d
install -d -o postgres -g postgres -m 1777 /var/lib/postgresql/data
ln -sfn usr/local/bin/docker-entrypoint.sh /docker-entrypoint.sh

dpkg-query -W -f='${Version}' "postgresql-$PG_MAJOR" >/.stand-in-version
apt-get clean
rm -rf /var/lib/apt/lists/* /var/cache/debconf/*-old /var/log/apt/* /var/log/dpkg.log
phase "apt postgresql-$PG_MAJOR"
