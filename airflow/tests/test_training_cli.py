"""The training-set DAG through the real Airflow CLI (airflow/airflow.sh), with a stand-in job.

A stub main class ``dev.slicestore.training.TrainingSetJob`` (compiled by conftest.py) stands in
for the real jar: ``airflow dags test slicestore_training_set -c CONF`` really runs
``spark-submit`` with the arguments rendered from the conf, from the repository root; bad
parameters fail the run before spark-submit, and the job's exit code 3 (refused) fails it with
what that means. The same run on the real jar against a running stack is in
test_e2e_compaction.py (it needs the tables the compaction run writes).
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from conftest import REPO, build_stub_jar, run_airflow, tail

DAG_ID = "slicestore_training_set"


@pytest.fixture(scope="module")
def stub_jar(tmp_path_factory) -> Path:
    return build_stub_jar(tmp_path_factory.mktemp("stub-training"), "dev.slicestore.training.TrainingSetJob")


def dags_test(home: Path, jar: Path, conf: dict, **env: str) -> subprocess.CompletedProcess:
    return run_airflow(["dags", "test", DAG_ID, "--conf", json.dumps(conf)], home=home,
                       env={"SLICESTORE_TRAINING_JAR": str(jar), **env}, timeout=600)


def finished(out: str, state: str) -> bool:
    return re.search(rf"DagRun Finished: dag_id={DAG_ID}, .*state={state}", out) is not None


def test_dags_test_spark_submits_the_job_with_the_rendered_arguments(airflow_db, stub_jar, monkeypatch):
    monkeypatch.delenv("SPARK_HOME", raising=False)  # the pyspark package's spark-submit, found by the DAG
    conf = {"feature_set": ["retail"], "features": ["lines_1h", "amount_sum_1h"], "spine": "spines/s.csv",
            "spine_format": "csv", "entity_column": "CustomerID", "time_column": "ts",
            "output": "out/training", "overwrite": True}
    result = dags_test(airflow_db, stub_jar, conf)
    out = result.stdout
    assert result.returncode == 0, tail(out)
    args = (f"--config {REPO}/conf/application.conf --feature-set retail --features lines_1h,amount_sum_1h "
            "--spine spines/s.csv --spine-format csv --entity-column CustomerID --time-column ts "
            "--output out/training --overwrite --on-uncovered fail")
    assert (f"Spark-Submit cmd: spark-submit --master local[*] --name slicestore-training-set "
            f"--class dev.slicestore.training.TrainingSetJob {stub_jar} {args}") in out, tail(out)
    assert f"STUB args={args}" in out, tail(out)
    assert f"STUB cwd={REPO}" in out  # relative spine and output paths are relative to the repository
    assert re.search(r"STUB SPARK_HOME=\S+/pyspark\b", out)
    assert finished(out, "success"), tail(out)


def test_a_bad_combination_fails_the_run_before_spark_submit(airflow_db, stub_jar):
    conf = {"feature_set": "retail", "spine": "s.csv", "snapshot_time": "2026-11-21T05:00:00Z", "output": "o"}
    result = dags_test(airflow_db, stub_jar, conf)
    out = result.stdout
    assert result.returncode != 0, tail(out)
    assert "invalid training-set parameters:" in out, tail(out)
    assert "give either spine or snapshot_time, not both" in out, tail(out)
    assert "STUB args=" not in out and "Spark-Submit cmd" not in out, tail(out)
    assert finished(out, "failed"), tail(out)


def test_a_conf_outside_the_schema_creates_no_run(airflow_db, stub_jar):
    conf = {"feature_set": "retail", "spine": "s.csv", "output": "o", "on_uncovered": "maybe"}
    result = dags_test(airflow_db, stub_jar, conf)
    out = result.stdout
    assert result.returncode != 0, tail(out)
    assert "Invalid input for param on_uncovered: 'maybe' is not one of ['fail', 'flag', 'drop']" in out, tail(out)
    assert "STUB args=" not in out, tail(out)


def test_a_refusal_of_the_job_fails_the_run_saying_what_it_means(airflow_db, stub_jar):
    conf = {"feature_set": "retail", "snapshot_time": "2026-11-21T05:00:00Z", "output": "o"}
    result = dags_test(airflow_db, stub_jar, conf, STUB_EXIT="3")
    out = result.stdout
    assert result.returncode != 0, tail(out)
    assert "STUB args=" in out and "--snapshot-time 2026-11-21T05:00:00Z" in out, tail(out)
    assert "TrainingSetJob exited with code 3: refused: spine rows beyond what the offline store covers" in out, \
        tail(out)
    assert finished(out, "failed"), tail(out)
