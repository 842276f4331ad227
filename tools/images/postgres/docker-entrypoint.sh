#!/usr/bin/env bash
# Stand-in for the official postgres image's entrypoint: same environment interface
# (POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB, PGDATA, POSTGRES_INITDB_ARGS,
# POSTGRES_HOST_AUTH_METHOD, *_FILE variants, /docker-entrypoint-initdb.d), same behaviour:
# initialise an empty PGDATA once as user postgres, keep an existing cluster untouched, exec postgres.
set -Eeuo pipefail

# file_env VAR [DEFAULT]: VAR may come from VAR or from the file named by VAR_FILE (docker secrets).
file_env() {
  local var=$1 fileVar="${1}_FILE" def=${2:-} val
  if [[ -n ${!var:-} && -n ${!fileVar:-} ]]; then
    echo >&2 "error: both $var and $fileVar are set (but are exclusive)"; exit 1
  fi
  val=$def
  if [[ -n ${!var:-} ]]; then val=${!var}
  elif [[ -n ${!fileVar:-} ]]; then val=$(<"${!fileVar}")
  fi
  export "$var"="$val"
  unset "$fileVar"
}

# A first argument that is an option means "postgres OPTIONS".
if [[ ${1:-} == -* ]]; then set -- postgres "$@"; fi

if [[ ${1:-} != postgres ]]; then exec "$@"; fi

export PGDATA=${PGDATA:-/var/lib/postgresql/data}

# As root: make the data and socket dirs ours, then re-run this script as postgres.
if [[ $(id -u) == 0 ]]; then
  mkdir -p "$PGDATA"
  chown postgres:postgres "$PGDATA" 2>/dev/null || :
  chmod 00700 "$PGDATA" 2>/dev/null || :
  mkdir -p /var/run/postgresql
  chown postgres:postgres /var/run/postgresql 2>/dev/null || :
  chmod 03775 /var/run/postgresql 2>/dev/null || :
  if [[ -n ${POSTGRES_INITDB_WALDIR:-} ]]; then
    mkdir -p "$POSTGRES_INITDB_WALDIR"; chown postgres:postgres "$POSTGRES_INITDB_WALDIR" || :
  fi
  exec gosu postgres "${BASH_SOURCE[0]}" "$@"
fi

file_env POSTGRES_PASSWORD
file_env POSTGRES_USER postgres
file_env POSTGRES_DB "$POSTGRES_USER"
file_env POSTGRES_INITDB_ARGS
: "${POSTGRES_HOST_AUTH_METHOD:=scram-sha-256}"

if [[ ! -s $PGDATA/PG_VERSION ]]; then
  # ---- first start: initialise the cluster ----
  if [[ -z $POSTGRES_PASSWORD && $POSTGRES_HOST_AUTH_METHOD != trust ]]; then
    cat >&2 <<'EOM'
Error: Database is uninitialized and superuser password is not specified.
       You must specify POSTGRES_PASSWORD to a non-empty value for the
       superuser. For example, "-e POSTGRES_PASSWORD=password" on "docker run".
       (or POSTGRES_HOST_AUTH_METHOD=trust to allow all connections without a password)
EOM
    exit 1
  fi
  waldir_opt=()
  [[ -n ${POSTGRES_INITDB_WALDIR:-} ]] && waldir_opt=(--waldir "$POSTGRES_INITDB_WALDIR")
  # The password goes through a pipe, never the command line; any character is fine.
  # shellcheck disable=SC2086
  initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") \
    "${waldir_opt[@]}" $POSTGRES_INITDB_ARGS

  # Password auth for every remote client (md5 hashes still verify; new ones are scram).
  if [[ $POSTGRES_HOST_AUTH_METHOD == trust ]]; then
    echo >&2 "warning: POSTGRES_HOST_AUTH_METHOD=trust: connections need no password"
  fi
  printf '\nhost all all all %s\n' "$POSTGRES_HOST_AUTH_METHOD" >>"$PGDATA/pg_hba.conf"
  grep -q "^listen_addresses" "$PGDATA/postgresql.conf" \
    || printf "listen_addresses = '*'\n" >>"$PGDATA/postgresql.conf"

  # Temporary server on the unix socket only, to create the database and run init scripts.
  PGUSER=$POSTGRES_USER PGPASSWORD=$POSTGRES_PASSWORD \
    pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p 5432" -w start

  psql_cmd=(psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc --dbname postgres)
  if [[ $POSTGRES_DB != postgres ]]; then
    exists=$("${psql_cmd[@]}" -tA --set db="$POSTGRES_DB" <<<"SELECT 1 FROM pg_database WHERE datname = :'db';")
    if [[ -z $exists ]]; then
      "${psql_cmd[@]}" --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";'
    fi
  fi

  shopt -s nullglob
  for f in /docker-entrypoint-initdb.d/*; do
    case "$f" in
      *.sh)
        if [[ -x $f ]]; then echo "$0: running $f"; "$f"; else echo "$0: sourcing $f"; . "$f"; fi ;;
      *.sql) echo "$0: running $f"; "${psql_cmd[@]}" --dbname "$POSTGRES_DB" -f "$f" ;;
      *.sql.gz) echo "$0: running $f"; gunzip -c "$f" | "${psql_cmd[@]}" --dbname "$POSTGRES_DB" ;;
      *) echo "$0: ignoring $f" ;;
    esac
  done
  shopt -u nullglob

  pg_ctl -D "$PGDATA" -m fast -w stop
  echo
  echo 'PostgreSQL init process complete; ready for start up.'
  echo
else
  echo
  echo 'PostgreSQL Database directory appears to contain a database; Skipping initialization'
  echo
fi

exec "$@"
