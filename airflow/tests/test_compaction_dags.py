"""DAG integrity: the compaction DAGs import cleanly, one per feature set, scheduled and templated right.

Parsed the way Airflow's DAG processor parses them (a BundleDagBag over airflow/dags), no database.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pendulum
import pytest
from pyhocon import ConfigFactory

from airflow.dag_processing.dagbag import BundleDagBag
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator
from airflow.sdk import DeltaDataIntervalTimetable
from airflow.serialization.encoders import coerce_to_core_timetable
from airflow.timetables.base import DataInterval, TimeRestriction

from conftest import DAGS, REPO

UTC = dt.timezone.utc
H = dt.timedelta(hours=1)


def t(text: str) -> pendulum.DateTime:
    return pendulum.parse(text)


def load_dagbag() -> BundleDagBag:
    return BundleDagBag(dag_folder=DAGS, bundle_path=DAGS, bundle_name="dags-folder")


@pytest.fixture(scope="module")
def dagbag() -> BundleDagBag:
    return load_dagbag()


def rendered_args(dag, data_interval_start, data_interval_end) -> dict[str, str]:
    """The task's application arguments rendered for a run with that data interval, as a dict."""
    task = dag.get_task("compact")
    context = {"data_interval_start": data_interval_start, "data_interval_end": data_interval_end,
               "logical_date": data_interval_start, "dag": dag, "task": task}
    args = task.render_template(task.application_args, context)
    assert len(args) % 2 == 0 and all(a.startswith("--") for a in args[::2]), args
    return dict(zip(args[::2], args[1::2]))


def test_every_dag_file_imports_without_errors(dagbag):
    assert dagbag.import_errors == {}
    assert dagbag.dags, "no DAG found in airflow/dags"


def test_exactly_one_compaction_dag_per_feature_set(dagbag):
    files = sorted((REPO / "conf" / "feature-sets").glob("*.conf"))
    assert files, "no feature-set files"
    expected = {f"slicestore_compact_{ConfigFactory.parse_file(str(f))['name']}" for f in files}
    assert {d for d in dagbag.dag_ids if d.startswith("slicestore_compact_")} == expected
    assert "slicestore_compact_retail" in expected


def test_retail_dag_schedule_and_catch_up(dagbag):
    dag = dagbag.dags["slicestore_compact_retail"]
    # retail.conf: slice 1h, allowed-lateness 1h, compaction.interval 1h, no compaction.start
    assert isinstance(dag.timetable, DeltaDataIntervalTimetable)
    timetable = coerce_to_core_timetable(dag.timetable)
    assert timetable.summary == "1:00:00"
    assert dag.catchup is True and dag.max_active_runs == 1
    yesterday = dt.datetime.combine(dt.datetime.now(UTC).date() - dt.timedelta(days=1), dt.time(), tzinfo=UTC)
    assert dag.start_date == yesterday

    # scheduled runs: epoch-aligned hourly data intervals from the start date, one after the other
    restriction = TimeRestriction(earliest=dag.start_date, latest=None, catchup=True)
    first = timetable.next_dagrun_info(last_automated_data_interval=None, restriction=restriction)
    assert first.data_interval == DataInterval(yesterday, yesterday + H) and first.logical_date == yesterday
    later = timetable.next_dagrun_info(
        last_automated_data_interval=DataInterval(t("2026-11-21T04:00:00Z"), t("2026-11-21T05:00:00Z")),
        restriction=TimeRestriction(earliest=t("2026-11-01T00:00:00Z"), latest=None, catchup=True))
    assert later.data_interval == DataInterval(t("2026-11-21T05:00:00Z"), t("2026-11-21T06:00:00Z"))
    assert later.run_after == t("2026-11-21T06:00:00Z")  # runs when its interval has ended

    # `airflow dags test DAG 2026-11-21T05:00:00Z` (a manual run) gets the hour before its logical date
    assert timetable.infer_manual_data_interval(run_after=t("2026-11-21T05:00:00Z")) == \
        DataInterval(t("2026-11-21T04:00:00Z"), t("2026-11-21T05:00:00Z"))


def test_retail_run_compacts_its_interval_shifted_back_by_the_lateness(dagbag):
    dag = dagbag.dags["slicestore_compact_retail"]
    # the scheduled run with logical date 05:00 covers [05:00, 06:00), runs at 06:00, compacts [04:00, 05:00)
    args = rendered_args(dag, t("2026-11-21T05:00:00Z"), t("2026-11-21T06:00:00Z"))
    assert args == {
        "--feature-set": str(REPO / "conf" / "feature-sets" / "retail.conf"),
        "--from": "2026-11-21T04:00:00Z",
        "--to": "2026-11-21T05:00:00Z",
        "--config": str(REPO / "conf" / "application.conf"),
    }
    # across midnight and a non-UTC rendering of the same instants
    args = rendered_args(dag, t("2026-11-22T00:00:00+01:00"), t("2026-11-22T01:00:00+01:00"))
    assert (args["--from"], args["--to"]) == ("2026-11-21T22:00:00Z", "2026-11-21T23:00:00Z")


def test_retail_task_submits_the_compaction_job_with_retries(dagbag):
    task = dagbag.dags["slicestore_compact_retail"].get_task("compact")
    assert isinstance(task, SparkSubmitOperator)
    assert task._conn_id == "spark_default"
    assert task._java_class == "dev.slicestore.compaction.CompactionJob"
    assert Path(task.application).parent == REPO / "compaction-job" / "target"
    assert Path(task.application).name.startswith("slicestore-compaction-job-")
    assert Path(task.application).name.endswith("-spark.jar")
    assert task.retries == 3
    assert task.retry_delay == dt.timedelta(minutes=5) and task.retry_exponential_backoff
    assert task.execution_timeout == dt.timedelta(hours=2)


def test_every_feature_set_of_the_folder_gets_its_dag(tmp_path, monkeypatch):
    monkeypatch.setenv("SLICESTORE_FEATURE_SETS_DIR", str(tmp_path))
    (tmp_path / "clicks.conf").write_text(
        'name = clicks\nslice = 15m\nallowed-lateness = 10m\n'
        'compaction { interval = 2h, start = "2026-11-01T00:00:00Z" }\n')
    (tmp_path / "daily.conf").write_text("name = daily\nslice = 1d\nallowed-lateness = 2h\n")
    bag = load_dagbag()
    assert bag.import_errors == {}
    # the training-set DAG does not depend on the feature-set files
    assert set(bag.dag_ids) == {"slicestore_compact_clicks", "slicestore_compact_daily", "slicestore_training_set"}

    clicks = bag.dags["slicestore_compact_clicks"]
    assert coerce_to_core_timetable(clicks.timetable).summary == "2:00:00"
    assert clicks.start_date == t("2026-11-01T00:00:00Z")  # its range holds compaction.start
    assert rendered_args(clicks, clicks.start_date, clicks.start_date + 2 * H)["--from"] == "2026-10-31T23:45:00Z"
    args = rendered_args(clicks, t("2026-11-21T04:00:00Z"), t("2026-11-21T06:00:00Z"))
    assert (args["--from"], args["--to"]) == ("2026-11-21T03:45:00Z", "2026-11-21T05:45:00Z")
    assert args["--feature-set"] == str(tmp_path / "clicks.conf")

    daily = bag.dags["slicestore_compact_daily"]
    assert coerce_to_core_timetable(daily.timetable).summary == "1 day, 0:00:00"
    args = rendered_args(daily, t("2026-11-20T00:00:00Z"), t("2026-11-21T00:00:00Z"))
    assert (args["--from"], args["--to"]) == ("2026-11-19T00:00:00Z", "2026-11-20T00:00:00Z")


def test_a_bad_feature_set_is_an_import_error_naming_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv("SLICESTORE_FEATURE_SETS_DIR", str(tmp_path))
    (tmp_path / "broken.conf").write_text("name = broken\nslice = 1h\ncompaction.interval = 90m\n")
    bag = load_dagbag()
    assert list(bag.import_errors) == ["slicestore_compaction.py"]  # relative to the bundle
    error = next(iter(bag.import_errors.values()))
    assert f"{tmp_path / 'broken.conf'}: compaction.interval: Invalid interval 90m" in error


def test_retries_can_be_lowered_for_test_runs(monkeypatch):
    monkeypatch.setenv("SLICESTORE_COMPACTION_RETRIES", "0")
    assert load_dagbag().dags["slicestore_compact_retail"].get_task("compact").retries == 0
