#!/usr/bin/env bash
# Makes sure the servers the platform needs are reachable on this machine.
#   ensure-infra.sh rabbitmq            -> RabbitMQ only (make run: databases are SQLite files)
#   ensure-infra.sh rabbitmq postgres   -> both (make run's servers and the suite's databases)
#   ensure-infra.sh promtool            -> Prometheus' rule checker (the deploy tests run the
#                                          alert rules' unit tests with it)
#   ensure-infra.sh chromium            -> Debian's Chromium (the browser tests drive it with
#                                          Playwright; no browser build is downloaded)
# Reachable: nothing to do. Installed but stopped: start it. Missing and running as root:
# install it with apt-get, then start it. Otherwise stop with a message saying what to do.
set -euo pipefail
PG_HOST=${CRM_PG_HOST:-127.0.0.1}; PG_PORT=${CRM_PG_PORT:-5432}
MQ_HOST=${CRM_MQ_HOST:-127.0.0.1}; MQ_PORT=${CRM_MQ_PORT:-5672}

reachable() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }
wait_for() {  # host port name seconds
  for _ in $(seq 1 "$4"); do reachable "$1" "$2" && return 0; sleep 1; done
  echo "error: $3 did not start listening on $1:$2 within $4 s" >&2; return 1
}
apt_install() {
  if [ "$(id -u)" != 0 ]; then
    echo "error: $1 is not installed and this is not root. Install it with:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y $2" >&2
    echo "or point the platform at a running one (see README.md, 'Settings')." >&2
    exit 1
  fi
  echo "installing $2 with apt-get ..."
  [ -n "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mmin -1440 2>/dev/null | head -1)" ] \
    || apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $2 >/dev/null
}

ensure_postgres() {
  reachable "$PG_HOST" "$PG_PORT" && return 0
  command -v pg_ctlcluster >/dev/null || apt_install PostgreSQL "postgresql postgresql-client"
  ver=$(ls /etc/postgresql | sort -V | tail -1)
  conf=/etc/postgresql/$ver/main
  # Trust local TCP connections for user postgres (a developer/CI machine, bound to 127.0.0.1).
  if [ "$(id -u)" = 0 ] && ! grep -q 'crm-platform' "$conf/pg_hba.conf"; then
    sed -i '1i host all postgres 127.0.0.1/32 trust # crm-platform\nhost all postgres ::1/128 trust # crm-platform' "$conf/pg_hba.conf"
  fi
  pg_ctlcluster --skip-systemctl-redirect "$ver" main start || true
  wait_for "$PG_HOST" "$PG_PORT" PostgreSQL 60
}

ensure_rabbitmq() {
  if ! reachable "$MQ_HOST" "$MQ_PORT"; then
    command -v rabbitmq-server >/dev/null || apt_install RabbitMQ rabbitmq-server
    # The broker's user gets 1,024 open files from PAM, and every vhost of a test run opens
    # about 150 queue files: a few runs at once exhaust it and vhost creation hangs (then every
    # rabbitmqctl import_definitions behind it). Raise it to the hard limit, as RabbitMQ's
    # production checklist asks; rabbitmq-env.conf is sourced by the broker's own start script.
    env_conf=/etc/rabbitmq/rabbitmq-env.conf
    if [ -w "$(dirname "$env_conf")" ] && ! grep -q "crm-platform" "$env_conf" 2>/dev/null; then
      echo 'ulimit -n "$(ulimit -Hn)" 2>/dev/null || true # crm-platform: open files of the broker' >> "$env_conf"
    fi
    rabbitmq-server -detached || true
    wait_for "$MQ_HOST" "$MQ_PORT" RabbitMQ 90
  fi
  # make run and make test create the services' broker users and vhosts with rabbitmqctl
  # (crm_chassis.messaging.broker_users): it must be able to talk to this broker.
  if ! ${CRM_RABBITMQCTL:-rabbitmqctl} -q list_vhosts >/dev/null 2>&1; then
    echo "error: rabbitmqctl cannot manage the broker on $MQ_HOST (not installed here, not root," >&2
    echo "or another Erlang cookie); it creates the services' broker users. Run as root, or set" >&2
    echo "CRM_RABBITMQCTL to a command that manages that broker." >&2
    exit 1
  fi
}

ensure_promtool() {
  command -v promtool >/dev/null && return 0
  if [ "$(id -u)" != 0 ]; then   # optional: without it the deploy tests skip the rule tests
    echo "note: promtool is not installed (sudo apt-get install -y prometheus); the alert" >&2
    echo "rules' unit tests are skipped" >&2
    return 0
  fi
  apt_install promtool prometheus
}

ensure_chromium() {
  command -v "${CRM_CHROMIUM:-chromium}" >/dev/null && return 0
  if [ "$(id -u)" != 0 ]; then   # without it the browser tests skip and say why
    echo "note: Chromium is not installed (sudo apt-get install -y chromium); the browser" >&2
    echo "tests are skipped" >&2
    return 0
  fi
  apt_install Chromium chromium
}

for what in "$@"; do
  case "$what" in
    postgres) ensure_postgres ;;
    rabbitmq) ensure_rabbitmq ;;
    promtool) ensure_promtool ;;
    chromium) ensure_chromium ;;
    *) echo "unknown server $what (postgres|rabbitmq|promtool|chromium)" >&2; exit 2 ;;
  esac
done
echo "ready: $*"
