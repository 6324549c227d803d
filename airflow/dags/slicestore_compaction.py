"""Compaction DAGs: one per feature-set file in conf/feature-sets/, ``slicestore_compact_<name>``.

Each run submits the compaction job (``dev.slicestore.compaction.CompactionJob``, the shaded jar
``compaction-job/target/slicestore-compaction-job-*-spark.jar``) with ``spark-submit`` through the
``spark_default`` connection. A run of data interval ``[s, e)`` compacts the slices of
``[s - lateness, e - lateness)``, both ends floored to the slice size: the last slice it compacts
ended ``allowed-lateness`` before the run could start, and consecutive runs tile event time with
no gap and no overlap.

Schedule: ``compaction.interval`` of the feature set, else its slice size rounded up to a whole
hour; intervals are epoch-aligned (UTC). ``catchup`` is on, from the run whose range holds
``compaction.start``, else from midnight UTC of the day before (see slicestore_feature_sets.py).
Re-running a range is idempotent, so retries, ``airflow tasks clear`` and ``airflow backfill
create`` are safe.

Environment, read where the DAG file is parsed:
- ``SLICESTORE_HOME``: the repository (default: two levels above this folder);
- ``SLICESTORE_FEATURE_SETS_DIR``, ``SLICESTORE_COMPACTION_JAR``: other places for those;
- ``SLICESTORE_COMPACTION_RETRIES``: retries per run (default 3, 5 min apart, doubling).
Read where the task runs:
- every ``SLICESTORE_*`` variable of conf/application.conf (Kafka, Redis, state dir) reaches the
  job unchanged, because spark-submit inherits the task's environment;
- ``SPARK_HOME``: when unset, the ``spark-submit`` of the pyspark package installed next to
  Airflow is used (bin/setup-python installs the same Spark version as the Java jobs).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import sys
from pathlib import Path

from airflow.sdk import DAG, DeltaDataIntervalTimetable

try:
    import slicestore_feature_sets as fs
except ImportError:  # loaded by a tool that does not put the DAGs folder on sys.path
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import slicestore_feature_sets as fs
from slicestore_spark import SPARK_CONN_ID, SlicestoreSparkSubmitOperator

log = logging.getLogger(__name__)

TASK_ID = "compact"


class CompactionSubmitOperator(SlicestoreSparkSubmitOperator):
    """Submits the compaction job from the repository root (see slicestore_spark.py)."""


def _bound_macro(spec: fs.CompactionSpec):
    def compaction_bound(instant: dt.datetime) -> str:
        """``--from``/``--to`` of a run: the data-interval bound minus the lateness, slice-floored."""
        return fs.iso(spec.compaction_bound(instant))
    return compaction_bound


def build_dag(spec: fs.CompactionSpec, home: Path) -> DAG:
    """The compaction DAG of one feature set."""
    config = home / "conf" / "application.conf"
    jar = fs.compaction_jar(home)
    retries = int(os.environ.get("SLICESTORE_COMPACTION_RETRIES", "3"))
    args = ["--feature-set", str(spec.file),
            "--from", "{{ compaction_bound(data_interval_start) }}",
            "--to", "{{ compaction_bound(data_interval_end) }}"]
    if config.is_file():
        args += ["--config", str(config)]

    doc = f"""
### Compaction of feature set `{spec.name}`

| | |
|---|---|
| feature set | `{spec.file}` |
| slice / allowed lateness | {fs.fmt_duration(spec.slice)} / {fs.fmt_duration(spec.allowed_lateness)} |
| schedule | every {fs.fmt_duration(spec.interval)}, epoch-aligned ({spec.interval_source}) |
| catch-up from | {fs.iso(spec.start)} ({spec.start_source}) |
| job | `spark-submit --class {fs.COMPACTION_JOB_CLASS} {jar}` via connection `{SPARK_CONN_ID}` |

A run of data interval `[s, e)` compacts the slices of `[s - {fs.fmt_duration(spec.allowed_lateness)}, e - \
{fs.fmt_duration(spec.allowed_lateness)})`, floored to the slice size. Re-running a range is idempotent.
"""
    with DAG(
        dag_id=f"slicestore_compact_{spec.name}",
        description=f"Compacts the closed slices of feature set {spec.name} into Redis and Iceberg",
        schedule=DeltaDataIntervalTimetable(spec.interval),
        start_date=spec.start,
        catchup=True,
        max_active_runs=1,
        user_defined_macros={"compaction_bound": _bound_macro(spec)},
        default_args={
            "owner": "slicestore",
            "retries": retries,
            "retry_delay": dt.timedelta(minutes=5),
            "retry_exponential_backoff": True,
            "max_retry_delay": dt.timedelta(minutes=30),
            "execution_timeout": max(dt.timedelta(hours=2), spec.interval),
        },
        tags=["slicestore", "compaction", spec.name],
        doc_md=doc,
    ) as dag:
        CompactionSubmitOperator(
            task_id=TASK_ID,
            slicestore_home=str(home),
            conn_id=SPARK_CONN_ID,
            application=str(jar),
            java_class=fs.COMPACTION_JOB_CLASS,
            name=f"slicestore-compact-{spec.name}",
            application_args=args,
        )
    return dag


def build_all() -> dict[str, DAG]:
    home = fs.slicestore_home()
    specs = fs.load_all(home)
    if not specs:
        log.warning("no feature-set files in %s: no compaction DAGs", fs.feature_sets_dir(home))
    return {f"slicestore_compact_{spec.name}": build_dag(spec, home) for spec in specs}


# Airflow finds DAGs among this module's globals.
globals().update(build_all())
