#!/bin/bash
# Stand-in for the official Prefect image's /opt/prefect/entrypoint.sh: optional extra pip packages,
# then run the given command (an interactive shell when there is none).
set -e

if [ -n "${EXTRA_PIP_PACKAGES:-}" ]; then
  echo "+pip install $EXTRA_PIP_PACKAGES"
  # shellcheck disable=SC2086
  pip install $EXTRA_PIP_PACKAGES
fi

if [ $# -eq 0 ]; then
  exec bash --login
fi
exec "$@"
