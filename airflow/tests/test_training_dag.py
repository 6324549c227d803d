"""The training-set DAG: integrity, its params, the spark-submit arguments rendered from them, and
the checks that fail a run before anything is submitted.

Parsed the way Airflow's DAG processor parses it (a BundleDagBag over airflow/dags), no database.
Arguments are rendered like a run gets them: the DAG's params updated with a dag_run.conf and
validated (as when the run is created, and again when its task starts), then the task's templates
rendered with them.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from airflow.dag_processing.dagbag import BundleDagBag
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator
from airflow.sdk.exceptions import AirflowFailException, ParamValidationError

from conftest import DAGS, REPO

DAG_ID = "slicestore_training_set"
CONFIG = ["--config", str(REPO / "conf" / "application.conf")]


def load_dagbag() -> BundleDagBag:
    return BundleDagBag(dag_folder=DAGS, bundle_path=DAGS, bundle_name="dags-folder")


@pytest.fixture(scope="module")
def dag():
    bag = load_dagbag()
    assert bag.import_errors == {}
    return bag.dags[DAG_ID]


def render(dag, conf: dict) -> list[str]:
    """The application arguments of a run triggered with ``conf``."""
    task = dag.get_task("training_set")
    params = copy.deepcopy(dag.params)  # as the scheduler does; resolving a Param keeps its last value
    params.update(conf)
    params = params.validate()
    args = task.render_template(task.application_args, {"params": params, "dag": dag, "task": task})
    assert isinstance(args, list) and all(isinstance(a, str) for a in args), args
    return args


# --- integrity ----------------------------------------------------------------------------------

def test_the_dag_file_imports_cleanly_next_to_the_compaction_dags():
    bag = load_dagbag()
    assert bag.import_errors == {}
    assert DAG_ID in bag.dag_ids and "slicestore_compact_retail" in bag.dag_ids


def test_manual_only_one_spark_submit_task(dag):
    assert type(dag.timetable).__name__ == "NullTimetable" and dag.timetable.can_be_scheduled is False  # schedule=None
    assert dag.catchup is False
    assert dag.render_template_as_native_obj is True  # the arguments render to a list
    assert [t.task_id for t in dag.tasks] == ["training_set"]
    task = dag.get_task("training_set")
    assert isinstance(task, SparkSubmitOperator)
    assert type(task).__mro__[1].__name__ == "SlicestoreSparkSubmitOperator"  # shared with compaction
    assert task._conn_id == "spark_default"
    assert task._java_class == "dev.slicestore.training.TrainingSetJob"
    assert Path(task.application).parent == REPO / "training" / "target"
    assert Path(task.application).name.startswith("slicestore-training-")
    assert Path(task.application).name.endswith("-spark.jar")
    assert task.slicestore_home == str(REPO)
    assert task.retries == 0  # a training run is triggered again by hand, with the job's error in mind
    assert set(task.final_exit_codes) == {2, 3}


def test_params_types_defaults_and_the_form(dag):
    schema = {name: param.schema for name, param in dag.params.items()}
    assert list(schema) == ["feature_set", "features", "spine", "spine_format", "entity_column", "time_column",
                            "snapshot_time", "output", "output_format", "overwrite", "on_uncovered",
                            "namespace", "catalog"]
    defaults = {name: dag.params.get_param(name).value for name in schema}
    # required: no default, so the form asks for them and a conf without them is refused
    assert not dag.params.get_param("feature_set").has_value and not dag.params.get_param("output").has_value
    assert defaults["on_uncovered"] == "fail" and defaults["overwrite"] is False
    assert all(defaults[n] is None for n in ("features", "spine", "spine_format", "entity_column", "time_column",
                                             "snapshot_time", "output_format", "namespace", "catalog"))
    assert schema["feature_set"]["type"] == ["string", "array"]
    assert "retail" in schema["feature_set"]["examples"]  # the form proposes the feature sets of conf/
    assert schema["features"]["type"] == ["null", "array"]
    assert schema["on_uncovered"]["enum"] == ["fail", "flag", "drop"]
    assert schema["spine_format"]["enum"] == ["iceberg", "parquet", "csv", None]
    assert schema["output_format"]["enum"] == ["parquet", "iceberg", None]
    assert schema["overwrite"]["type"] == "boolean"
    assert schema["snapshot_time"]["format"] == "date-time"
    assert all(param.description for param in dag.params.values())


def test_the_dag_imports_without_the_jar_and_the_jar_can_be_moved(tmp_path, monkeypatch):
    # a checkout with nothing built (and no feature sets): the DAG is there, pointing at the usual jar path
    monkeypatch.setenv("SLICESTORE_HOME", str(tmp_path))
    bag = load_dagbag()
    assert bag.import_errors == {}
    task = bag.dags[DAG_ID].get_task("training_set")
    assert task.application == str(tmp_path / "training" / "target" / "slicestore-training-0.1.0-SNAPSHOT-spark.jar")
    assert render(bag.dags[DAG_ID], {"feature_set": "retail", "spine": "s.csv", "output": "o"})[:2] == \
        ["--feature-set", "retail"]  # no conf/application.conf there: no --config

    monkeypatch.delenv("SLICESTORE_HOME")
    monkeypatch.setenv("SLICESTORE_TRAINING_JAR", str(tmp_path / "elsewhere.jar"))
    bag = load_dagbag()
    assert bag.import_errors == {}
    assert bag.dags[DAG_ID].get_task("training_set").application == str(tmp_path / "elsewhere.jar")


# --- rendered arguments -------------------------------------------------------------------------

def test_a_spine_with_the_defaults(dag):
    assert render(dag, {"feature_set": "retail", "spine": "data/spine.csv", "output": "out/training"}) == [
        *CONFIG, "--feature-set", "retail", "--spine", "data/spine.csv", "--output", "out/training",
        "--on-uncovered", "fail"]


def test_every_option_of_a_spine_run(dag):
    conf = {"feature_set": ["retail", "returns"], "features": ["amount_sum_7d", "lines_1h", "returns.count_30d"],
            "spine": "slicestore.labels", "spine_format": "iceberg", "entity_column": "customer",
            "time_column": "ts", "output": "slicestore.retail_training", "output_format": "iceberg",
            "overwrite": True, "on_uncovered": "drop", "namespace": "features", "catalog": "lake"}
    assert render(dag, conf) == [
        *CONFIG, "--feature-set", "retail", "--feature-set", "returns",
        "--features", "amount_sum_7d,lines_1h,returns.count_30d",
        "--spine", "slicestore.labels", "--spine-format", "iceberg",
        "--entity-column", "customer", "--time-column", "ts",
        "--output", "slicestore.retail_training", "--output-format", "iceberg", "--overwrite",
        "--on-uncovered", "drop", "--namespace", "features", "--catalog", "lake"]


def test_a_snapshot_run_gets_the_instant_in_utc(dag):
    conf = {"feature_set": "retail", "snapshot_time": "2026-11-21T06:00:00+01:00", "output": "/data/snap",
            "output_format": "parquet", "on_uncovered": "flag", "entity_column": "customer"}
    assert render(dag, conf) == [
        *CONFIG, "--feature-set", "retail", "--snapshot-time", "2026-11-21T05:00:00Z",
        "--entity-column", "customer", "--output", "/data/snap", "--output-format", "parquet",
        "--on-uncovered", "flag"]
    assert render(dag, {**conf, "snapshot_time": "2026-11-21T05:00:00.250Z"})[4:6] == \
        ["--snapshot-time", "2026-11-21T05:00:00.250Z"]


def test_cleared_form_fields_are_not_given(dag):
    # the form sends "" or [] for fields a user emptied
    conf = {"feature_set": ["retail"], "features": [], "spine": "s.parquet", "entity_column": " ",
            "time_column": "", "snapshot_time": "", "output": "o", "namespace": ""}
    assert render(dag, conf) == [*CONFIG, "--feature-set", "retail", "--spine", "s.parquet", "--output", "o",
                                 "--on-uncovered", "fail"]


# --- refused parameters -------------------------------------------------------------------------

BASE = {"feature_set": "retail", "spine": "s.csv", "output": "o"}


@pytest.mark.parametrize("conf, message", [
    ({"feature_set": "retail", "output": "o"},
     "give either spine (the (entity, time[, label...]) rows to compute features for) or snapshot_time "
     "(every entity as of one instant); neither is set"),
    ({**BASE, "snapshot_time": "2026-11-21T05:00:00Z"},
     "give either spine or snapshot_time, not both (spine='s.csv', snapshot_time='2026-11-21T05:00:00Z')"),
    ({"feature_set": "retail", "snapshot_time": "2026-11-21 05:00", "output": "o"},
     "snapshot_time: '2026-11-21 05:00' is not an ISO-8601 instant with a zone"),
    ({"feature_set": "retail", "snapshot_time": "2026-11-21T05:00:00", "output": "o"},
     "snapshot_time: '2026-11-21T05:00:00' is not an ISO-8601 instant with a zone"),
    ({"feature_set": "retail", "snapshot_time": "2026-11-21T05:00:00Z", "spine_format": "csv", "output": "o"},
     "spine_format: only with a spine, not with snapshot_time"),
    ({**BASE, "feature_sets": ["retail"]}, "unknown parameter(s) feature_sets (known: feature_set, features,"),
    ({**BASE, "feature_set": ["retail", "retail"]}, "feature_set: ['retail', 'retail'] names a feature set twice"),
    ({**BASE, "feature_set": ["retail", " "]}, "feature_set: give a feature-set name or a non-empty list of them"),
    ({**BASE, "features": ["amount_sum_7d", "lines 1h"]},
     "features: not feature names (<feature> or <feature set>.<feature>): ['lines 1h']"),
    ({**BASE, "features": ["a,b"]}, "features: not feature names"),
    ({**BASE, "output": "  "}, "output: missing: a Parquet directory or an Iceberg table"),
])
def test_a_bad_combination_fails_the_run_before_spark_submit(dag, conf, message):
    with pytest.raises(AirflowFailException) as error:  # fails the task without retries
        render(dag, conf)
    assert type(error.value).__name__ == "TrainingParamsError"
    assert str(error.value).startswith("invalid training-set parameters:\n  - ")
    assert message in str(error.value)


def test_every_problem_is_listed_at_once(dag):
    with pytest.raises(AirflowFailException) as error:
        render(dag, {"feature_set": "retail", "output": "o", "colour": "red", "features": ["x y"]})
    assert len(str(error.value).splitlines()) == 4, str(error.value)  # title + unknown, features, spine


@pytest.mark.parametrize("conf, message", [
    ({**BASE, "on_uncovered": "maybe"}, "Invalid input for param on_uncovered: 'maybe' is not one of ['fail', 'flag', 'drop']"),
    ({**BASE, "spine_format": "json"}, "Invalid input for param spine_format: 'json' is not one of"),
    ({**BASE, "output_format": "csv"}, "Invalid input for param output_format: 'csv' is not one of"),
    ({**BASE, "overwrite": "yes"}, "Invalid input for param overwrite: 'yes' is not of type 'boolean'"),
    ({**BASE, "feature_set": 3}, "Invalid input for param feature_set: 3 is not of type 'string', 'array'"),
    ({**BASE, "feature_set": []}, "Invalid input for param feature_set: [] should be non-empty"),
    ({**BASE, "features": "lines_1h"}, "Invalid input for param features: 'lines_1h' is not of type 'null', 'array'"),
    ({"feature_set": "retail", "spine": "s.csv"}, "Invalid input for param output: No value passed"),
    ({"spine": "s.csv", "output": "o"}, "Invalid input for param feature_set: No value passed"),
])
def test_a_value_outside_a_params_schema_is_refused_when_the_run_is_created(dag, conf, message):
    # the same check refuses the conf of `airflow dags trigger` / the form, before a run exists
    with pytest.raises(ParamValidationError) as error:
        render(dag, conf)
    assert message in str(error.value)
