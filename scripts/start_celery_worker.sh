#!/usr/bin/env bash
# Start a Celery worker (or celery beat) for Intelli on Linux or macOS.
# Kept in step with scripts/start_celery_worker.ps1: same options, same messages.
#
#   scripts/start_celery_worker.sh --queue charts_cpu      # one queue, with its profile
#   scripts/start_celery_worker.sh --all                   # one worker on all three queues (a laptop)
#   scripts/start_celery_worker.sh --beat                  # the periodic housekeeping scheduler
#   scripts/start_celery_worker.sh --queue ai -- --loglevel DEBUG   # extra arguments go to Celery
#
# The broker URL comes from the project's settings (.env or the environment), never from here.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: start_celery_worker.sh (--queue ingestion_io|charts_cpu|ai | --all | --beat) [--wait SECONDS] [--] [celery arguments...]
  --queue NAME    one worker on queue NAME with its concurrency, prefetch and time limits
  --all           one worker on all three queues (a laptop)
  --beat          celery beat: the periodic housekeeping (one per deployment)
  --wait SECONDS  how long to wait for the broker before giving up (default 60)
  --help          this text
Anything after the options (or after --) is passed to Celery unchanged.
Settings: DJANGO_SETTINGS_MODULE (default config.settings.dev) and .env beside manage.py.
USAGE
}

cd "$(dirname "$0")/.."
mode=""; queue=""; wait_s="60"; extra=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --queue) [[ $# -ge 2 ]] || { echo "--queue needs a name: ingestion_io, charts_cpu or ai" >&2; exit 2; }
             mode="worker"; queue="$2"; shift 2 ;;
    --queue=*) mode="worker"; queue="${1#*=}"; shift ;;
    --all) mode="all"; shift ;;
    --beat) mode="beat"; shift ;;
    --wait) [[ $# -ge 2 ]] || { echo "--wait needs a number of seconds" >&2; exit 2; }
            wait_s="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    --) shift; extra+=("$@"); break ;;
    *) extra+=("$1"); shift ;;
  esac
done

case "$queue" in
  ""|ingestion_io|charts_cpu|ai) ;;
  *) echo "Unknown queue '$queue': use ingestion_io, charts_cpu or ai." >&2; exit 2 ;;
esac
if [[ -z "$mode" ]]; then
  echo "Say which queue: --queue ingestion_io|charts_cpu|ai, or --all for one worker on all three." >&2
  usage >&2
  exit 2
fi

PYTHON="${PYTHON:-}"
if [[ -z "$PYTHON" ]]; then
  if [[ -x .venv/bin/python ]]; then PYTHON=.venv/bin/python; else PYTHON=python3; fi
fi
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-config.settings.dev}"

case "$mode" in
  worker) launch_args=(worker --queue "$queue"); echo "Starting a Celery worker for queue $queue (hostname $queue@$(hostname))…" >&2 ;;
  all) launch_args=(worker --all); echo "Starting one Celery worker for all queues (hostname all@$(hostname))…" >&2 ;;
  beat) launch_args=(beat); echo "Starting celery beat (housekeeping schedule)…" >&2 ;;
esac

# Ask the project's settings for the broker, wait for it, and get the Celery command line.
command_lines="$("$PYTHON" -m apps.ops.launch "${launch_args[@]}" --wait "$wait_s" --python "$PYTHON")" || exit $?
mapfile -t command <<<"$command_lines"

# exec: Celery replaces this shell, so SIGTERM and Ctrl-C reach it and it shuts down warmly.
exec "${command[@]}" "${extra[@]}"
