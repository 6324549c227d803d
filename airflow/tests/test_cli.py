"""The DAGs through the real Airflow CLI (airflow/airflow.sh), with a stand-in for the compaction job.

A stub main class ``dev.slicestore.compaction.CompactionJob`` (compiled here by conftest.py, 1 KB)
stands in for the real jar, so these tests check the wiring on any machine with a JDK: ``airflow dags test``
really runs ``spark-submit`` (pyspark's) on local Spark, from the repository root, with the
rendered range and the task's environment, and a failing job fails the run. The same run on the
real jar against a running stack is test_e2e_compaction.py.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from pathlib import Path

import pytest

from conftest import REPO, build_stub_jar, run_airflow, tail

UTC = dt.timezone.utc
H = dt.timedelta(hours=1)

@pytest.fixture(scope="module")
def stub_jar(tmp_path_factory) -> Path:
    return build_stub_jar(tmp_path_factory.mktemp("stub"), "dev.slicestore.compaction.CompactionJob")


def dags_test(home: Path, jar: Path, logical_date: dt.datetime, **env: str) -> subprocess.CompletedProcess:
    env = {"SLICESTORE_COMPACTION_JAR": str(jar), "SLICESTORE_COMPACTION_RETRIES": "0", **env}
    return run_airflow(["dags", "test", "slicestore_compact_retail", logical_date.isoformat()],
                       home=home, env=env, timeout=600)


def latest_hour() -> dt.datetime:
    now = dt.datetime.now(UTC)
    return now.replace(minute=0, second=0, microsecond=0)


def test_dags_test_spark_submits_the_job_with_the_rendered_range(airflow_db, stub_jar, monkeypatch):
    # a manual run at logical date T covers [T-1h, T) and compacts [T-2h, T-1h) (lateness 1h)
    logical = latest_hour()
    env = {"SLICESTORE_KAFKA_BOOTSTRAP_SERVERS": "kafka.test:9092"}
    monkeypatch.delenv("SPARK_HOME", raising=False)  # the pyspark package's spark-submit, found by the DAG
    result = dags_test(airflow_db, stub_jar, logical, **env)
    out = result.stdout
    assert result.returncode == 0, tail(out)
    frm, to = (logical - 2 * H).strftime("%Y-%m-%dT%H:%M:%SZ"), (logical - H).strftime("%Y-%m-%dT%H:%M:%SZ")
    args = (f"--feature-set {REPO}/conf/feature-sets/retail.conf --from {frm} --to {to} "
            f"--config {REPO}/conf/application.conf")
    assert (f"Spark-Submit cmd: spark-submit --master local[*] --name slicestore-compact-retail "
            f"--class dev.slicestore.compaction.CompactionJob {stub_jar} {args}") in out, tail(out)
    assert f"STUB args={args}" in out, tail(out)
    assert f"STUB cwd={REPO}" in out  # relative paths of application.conf mean what they mean for bin/slicestore
    spark_home = re.search(r"STUB SPARK_HOME=(\S+)", out).group(1)
    assert Path(spark_home).name == "pyspark" and (Path(spark_home) / "bin" / "spark-submit").is_file()
    assert "STUB kafka=kafka.test:9092" in out  # the SLICESTORE_* settings reach the job
    assert re.search(r"DagRun Finished: dag_id=slicestore_compact_retail, .*state=success", out), tail(out)


def test_a_failing_job_fails_the_run(airflow_db, stub_jar):
    result = dags_test(airflow_db, stub_jar, latest_hour() - H, STUB_EXIT="3")
    assert result.returncode != 0, tail(result.stdout)
    assert "STUB args=" in result.stdout
    assert re.search(r"DagRun Finished: dag_id=slicestore_compact_retail, .*state=failed", result.stdout), \
        tail(result.stdout)


def test_backfill_plans_one_run_per_interval(airflow_db):
    result = run_airflow(["dags", "reserialize"], home=airflow_db)
    assert result.returncode == 0, tail(result.stdout)
    # Airflow 3: `airflow backfill create` (the scheduler runs the runs); older than the DAG's start date too
    result = run_airflow(["backfill", "create", "--dag-id", "slicestore_compact_retail", "--dry-run",
                          "--from-date", "2026-11-01T22:00:00+00:00", "--to-date", "2026-11-02T01:00:00+00:00"],
                         home=airflow_db)
    assert result.returncode == 0, tail(result.stdout)
    planned = re.findall(r"^\|\s*(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+00:00)\s*\|", result.stdout, re.MULTILINE)
    assert planned == ["2026-11-01 22:00:00+00:00", "2026-11-01 23:00:00+00:00", "2026-11-02 00:00:00+00:00",
                       "2026-11-02 01:00:00+00:00"], tail(result.stdout)
