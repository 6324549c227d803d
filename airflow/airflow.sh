#!/usr/bin/env bash
# The Airflow CLI of .venv (bin/setup-python) on slicestore's DAGs, with local defaults for what is
# not already set in the environment:
#   AIRFLOW_HOME                  .state/airflow (SQLite database, logs), created on first use
#   AIRFLOW__CORE__DAGS_FOLDER    airflow/dags
#   AIRFLOW__CORE__LOAD_EXAMPLES  False
#   AIRFLOW_CONN_SPARK_DEFAULT    {"conn_type": "spark", "host": "local[*]"}: spark-submit on local Spark
#   SLICESTORE_HOME               this repository
# Examples:
#   airflow/airflow.sh dags test slicestore_compact_retail 2026-11-21T05:00:00Z
#   airflow/airflow.sh backfill create --dag-id slicestore_compact_retail \
#       --from-date 2026-11-20T00:00:00Z --to-date 2026-11-20T23:00:00Z     (needs a running scheduler)
#   airflow/airflow.sh standalone                                           (scheduler, API server, UI on :8080)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if [[ ! -x "$ROOT/.venv/bin/airflow" ]]; then
  echo "airflow.sh: no Airflow in $ROOT/.venv: run bin/setup-python first" >&2; exit 1
fi
default_conn='{"conn_type": "spark", "host": "local[*]"}'
export AIRFLOW_HOME="${AIRFLOW_HOME:-$ROOT/.state/airflow}"
export AIRFLOW__CORE__DAGS_FOLDER="${AIRFLOW__CORE__DAGS_FOLDER:-$ROOT/airflow/dags}"
export AIRFLOW__CORE__LOAD_EXAMPLES="${AIRFLOW__CORE__LOAD_EXAMPLES:-False}"
export AIRFLOW_CONN_SPARK_DEFAULT="${AIRFLOW_CONN_SPARK_DEFAULT:-$default_conn}"
export SLICESTORE_HOME="${SLICESTORE_HOME:-$ROOT}"
# `airflow standalone` starts its components as `airflow ...` from the PATH
export PATH="$ROOT/.venv/bin:$PATH"
export PYTHONWARNINGS="${PYTHONWARNINGS:-ignore:Could not import graphviz}"

if [[ -z "${AIRFLOW__DATABASE__SQL_ALCHEMY_CONN:-}" && ! -f "$AIRFLOW_HOME/airflow.db" && "${1:-}" != "db" ]]; then
  echo "airflow.sh: creating the Airflow database in $AIRFLOW_HOME ..." >&2
  mkdir -p "$AIRFLOW_HOME"
  "$ROOT/.venv/bin/airflow" db migrate >"$AIRFLOW_HOME/db-migrate.log" 2>&1 || {
    cat "$AIRFLOW_HOME/db-migrate.log" >&2; exit 1; }
fi
exec "$ROOT/.venv/bin/airflow" "$@"
