#!/usr/bin/env bash
# Runs the relay tests against a throwaway PostgreSQL cluster.
#
#   scripts/postgres-test.sh                 # cargo test -p baton-relay -p baton-cli on PostgreSQL
#   scripts/postgres-test.sh cargo test ...  # any command, with BATON_TEST_DATABASE_URL set
#
# Or, from another script (scripts/test.sh):
#   source scripts/postgres-test.sh && baton_pg_start   # exports BATON_TEST_DATABASE_URL
#   ...tests...
#   baton_pg_stop
#
# The cluster lives in a temporary directory on a free loopback port, runs as
# the `postgres` user when we are root (initdb refuses root), with fsync off
# (it is thrown away; BATON_PG_DURABLE=1 keeps PostgreSQL's durable defaults,
# for benchmarks/relay), and is stopped and deleted on exit. Installs the
# `postgresql` package only when no server binaries are found.
set -euo pipefail

baton_pg_bin() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    echo "== installing postgresql (no server binaries found)" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >/dev/null
    bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  fi
  echo "$bin"
}

baton_pg_as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

baton_pg_free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Starts the cluster and exports BATON_TEST_DATABASE_URL.
baton_pg_start() {
  BATON_PG_BIN=$(baton_pg_bin)
  BATON_PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/baton-pg.XXXXXX")
  if [ "$(id -u)" = 0 ]; then
    chown postgres: "$BATON_PG_DIR"
  fi
  local port durability="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  port=$(baton_pg_free_port)
  if [ "${BATON_PG_DURABLE:-}" = 1 ]; then
    durability=""
  fi
  baton_pg_as_owner "$BATON_PG_BIN/initdb" -D "$BATON_PG_DIR/data" -U baton --auth=trust \
    -E UTF8 --no-sync >"$BATON_PG_DIR/initdb.log" 2>&1 \
    || { cat "$BATON_PG_DIR/initdb.log" >&2; return 1; }
  baton_pg_as_owner "$BATON_PG_BIN/pg_ctl" -D "$BATON_PG_DIR/data" -l "$BATON_PG_DIR/server.log" -w \
    -o "-h 127.0.0.1 -p $port -k $BATON_PG_DIR $durability -c max_connections=300" \
    start >/dev/null \
    || { cat "$BATON_PG_DIR/server.log" >&2; return 1; }
  export BATON_PG_BIN BATON_PG_DIR
  export BATON_TEST_DATABASE_URL="postgres://baton@127.0.0.1:$port/postgres"
  echo "== PostgreSQL $("$BATON_PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$port" >&2
}

# Stops and deletes the cluster; safe to call twice.
baton_pg_stop() {
  if [ -n "${BATON_PG_DIR:-}" ] && [ -d "$BATON_PG_DIR" ]; then
    baton_pg_as_owner "$BATON_PG_BIN/pg_ctl" -D "$BATON_PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$BATON_PG_DIR"
  fi
  unset BATON_PG_DIR BATON_TEST_DATABASE_URL
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  cd "$(dirname "$0")/.."
  trap baton_pg_stop EXIT
  baton_pg_start
  if [ "$#" -gt 0 ]; then
    "$@"
  else
    cargo test --locked -p baton-relay -p baton-cli
  fi
fi
