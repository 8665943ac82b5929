#!/usr/bin/env bash
# Set up and run Zhangye City Lifelines on this machine:
#   .venv + requirements, migrate, reference and demo data, collectstatic,
#   then the web server, two Celery workers (jobs; ledger exports) and Celery beat together.
# Ctrl-C stops them all; if any of them dies, the others are stopped too.
#
# Environment (all optional):
#   HOST, PORT          where the web server listens (127.0.0.1, 8000)
#   DEBUG=true          Django's runserver (auto-reload) instead of gunicorn
#   DATABASE_URL        e.g. postgres://user:pass@127.0.0.1:5432/zhangye
#   REDIS_URL           e.g. redis://127.0.0.1:6379/0 (Celery broker)
# Without DATABASE_URL / REDIS_URL: SQLite and Celery's filesystem:// broker
# under var/ (see zhangye_utilities/settings.py), so no server is needed.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
debug=
case "$(printf '%s' "${DEBUG:-}" | tr '[:upper:]' '[:lower:]')" in
    1 | true | yes | on) debug=1 ;;
esac

case "$HOST" in
    0.0.0.0 | :: | '[::]') url_host=127.0.0.1 ;;
    *) url_host=$HOST ;;
esac
# Links in SMS point at this server unless told otherwise.
export ZY_PUBLIC_BASE_URL=${ZY_PUBLIC_BASE_URL:-http://$url_host:$PORT}
port_open() { (exec 3<>"/dev/tcp/$url_host/$PORT") 2>/dev/null; }
if port_open; then
    die "something is already listening on $url_host:$PORT (stop it, or set PORT=...)"
fi

ensure_venv
pip_sync requirements.txt
PY=.venv/bin/python

if [ -n "${DATABASE_URL:-}" ]; then
    say "database: from DATABASE_URL"
else
    say "database: embedded SQLite under var/ (set DATABASE_URL for PostgreSQL)"
fi
if [ -n "${REDIS_URL:-}${CELERY_BROKER_URL:-}" ]; then
    say "Celery broker: from REDIS_URL / CELERY_BROKER_URL"
else
    say "Celery broker: filesystem:// under var/broker (set REDIS_URL for Redis)"
fi

say "migrate"
"$PY" manage.py migrate --noinput
"$PY" manage.py createcachetable -v 0  # silent when the table exists (every later start)
say "load_reference_data"
"$PY" manage.py load_reference_data
say "load_demo_data"
"$PY" manage.py load_demo_data
if [ "$("$PY" manage.py shell -c 'from issues.models import Issue; print(Issue.objects.exists())' 2>/dev/null | tail -n 1)" != True ]; then
    say "seed_demo_issues (first start only)"
    "$PY" manage.py seed_demo_issues --count 200
fi
say "deadline sweep at start (so /healthz is green at once; it logs one line per SMS it records)"
"$PY" manage.py sweep
say "collectstatic"
"$PY" manage.py collectstatic --noinput --verbosity 0

# --- the long-running processes ----------------------------------------
# Each runs in its own session (setsid), so its pid is also its process group
# and stopping it takes its children (gunicorn and celery workers) along.
pids=()
declare -A names=()
stopping=

start() {
    local name=$1
    shift
    setsid "$@" &
    pids+=("$!")
    names[$!]=$name
}

stop_all() {
    [ -n "$stopping" ] && return 0
    stopping=1
    local pid i alive
    for pid in "${pids[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for ((i = 0; i < 30; i++)); do # up to 15 s for a graceful stop
        alive=
        for pid in "${pids[@]}"; do
            kill -0 -- "-$pid" 2>/dev/null && alive=1
        done
        [ -z "$alive" ] && break
        sleep 0.5
    done
    for pid in "${pids[@]}"; do
        kill -KILL -- "-$pid" 2>/dev/null || true
    done
    wait 2>/dev/null || true
}

on_signal() {
    trap '' INT TERM
    printf '\n'
    say "stopping web server, workers and beat"
    stop_all
    exit "$1"
}
trap 'on_signal 130' INT
trap 'on_signal 143' TERM
trap stop_all EXIT

# Every process logs in the city's time (Django sets it for itself, gunicorn's master would log UTC).
export TZ="${TZ:-Asia/Shanghai}"
if [ -n "$debug" ]; then
    say "DEBUG is on: starting Django's runserver"
    start web "$PY" manage.py runserver "$HOST:$PORT"
else
    start web "$PY" -m gunicorn zhangye_utilities.wsgi \
        --worker-class gthread --threads 4 --workers 2 \
        --bind "$HOST:$PORT" --access-logfile - --logger-class zhangye_utilities.gunicorn_log.Logger \
        --no-control-socket
fi
start worker "$PY" -m celery -A zhangye_utilities worker --loglevel=INFO --concurrency 2
# Ledger exports have their own queue and worker: a long one never delays the deadline sweep or an SMS.
start exports "$PY" -m celery -A zhangye_utilities worker --loglevel=INFO --concurrency 1 -Q exports -n exports@%h
start beat "$PY" -m celery -A zhangye_utilities beat --loglevel=INFO

# Sleep in the background and wait for it: a signal sent to this script alone
# (not to the whole terminal group) then runs the trap at once.
nap() {
    sleep "$1" &
    wait "$!" || true
}

# Returns 0 while all of them are alive; otherwise sets $dead to the first
# that exited and $dead_rc to its exit code.
check_alive() {
    local pid
    for pid in "${pids[@]}"; do
        if ! kill -0 "$pid" 2>/dev/null; then
            dead=${names[$pid]}
            dead_rc=0
            wait "$pid" 2>/dev/null || dead_rc=$?
            return 1
        fi
    done
    return 0
}

dead=
dead_rc=0
up=
for ((i = 0; i < 120; i++)); do # wait up to 60 s for the port to open
    check_alive || break
    if port_open; then
        cat <<EOF

==> Zhangye City Lifelines is running:
      site:   http://$url_host:$PORT/
      admin:  http://$url_host:$PORT/admin/
    Demo logins were printed above (load_demo_data).
    Celery workers (jobs, exports) and beat are running. Press Ctrl-C to stop them all.

EOF
        up=1
        break
    fi
    nap 0.5
done
if [ -z "$up" ] && [ -z "$dead" ]; then
    warn "the web server is not answering on $url_host:$PORT yet; still waiting"
fi

while [ -z "$dead" ] && check_alive; do
    nap 1
done

printf 'error: %s exited (code %s); stopping the others\n' "$dead" "$dead_rc" >&2
stop_all
[ "$dead_rc" -eq 0 ] && dead_rc=1
exit "$dead_rc"
