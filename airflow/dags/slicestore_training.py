"""Training-set DAG ``slicestore_training_set``: one point-in-time training set per manual run.

Triggered by hand (``schedule=None``, no catch-up), with the run's parameters (DAG ``params``,
overridden by ``dag_run.conf``)::

    airflow dags trigger slicestore_training_set --conf '{"feature_set": "retail",
        "spine": "data/spine.csv", "spine_format": "csv", "output": "out/retail-training"}'

Its one task submits the training-set job (``dev.slicestore.training.TrainingSetJob``, the shaded
jar ``training/target/slicestore-training-*-spark.jar``) with ``spark-submit`` through the
``spark_default`` connection, from the repository root (relative paths of conf/application.conf
and of ``spine``/``output`` are relative to it). The job's arguments are rendered from ``params``
by the macro ``training_set_args``, which first checks the parameters together (spine *or*
snapshot_time, no spine options in snapshot mode, no unknown keys, ...) and fails the run with every
problem listed, before anything is submitted. Exit codes 2 (invalid arguments or configuration) and
3 (refused: spine rows beyond what the offline store covers) fail the task without a retry.

Environment, read where the DAG file is parsed:
- ``SLICESTORE_HOME``: the repository (default: two levels above this folder);
- ``SLICESTORE_TRAINING_JAR``: another jar (default: the newest built one; the DAG imports even
  when there is none, and only the task fails);
- ``SLICESTORE_FEATURE_SETS_DIR``: where the feature-set names offered in the trigger form come from.
Read where the task runs: every ``SLICESTORE_*`` variable of conf/application.conf (state dir, so
the local Iceberg warehouse) reaches the job; ``SPARK_HOME`` as for the compaction DAGs.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from airflow.sdk.exceptions import AirflowFailException
from airflow.sdk import DAG, Param

try:
    import slicestore_feature_sets as fs
except ImportError:  # loaded by a tool that does not put the DAGs folder on sys.path
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import slicestore_feature_sets as fs
from slicestore_spark import SPARK_CONN_ID, SlicestoreSparkSubmitOperator

DAG_ID = "slicestore_training_set"
TASK_ID = "training_set"
TRAINING_JOB_CLASS = "dev.slicestore.training.TrainingSetJob"
TRAINING_JAR_GLOB = "training/target/slicestore-training-*-spark.jar"
TRAINING_JAR_DEFAULT = "training/target/slicestore-training-0.1.0-SNAPSHOT-spark.jar"

SPINE_FORMATS = ("iceberg", "parquet", "csv")
OUTPUT_FORMATS = ("parquet", "iceberg")
ON_UNCOVERED = ("fail", "flag", "drop")

# the job's exit codes that a retry cannot change
FINAL_EXIT_CODES = {
    2: "invalid arguments or configuration",
    3: "refused: spine rows beyond what the offline store covers (compact further, or trigger again "
       "with on_uncovered flag or drop)",
}


class TrainingParamsError(AirflowFailException):
    """Parameters of a training-set run that the job cannot be submitted with (no retry)."""


def training_jar(home: Path | None = None) -> Path:
    """``$SLICESTORE_TRAINING_JAR``, else the built shaded jar (newest version), else its usual path."""
    return fs.built_jar(home or fs.slicestore_home(), "SLICESTORE_TRAINING_JAR", TRAINING_JAR_GLOB,
                        TRAINING_JAR_DEFAULT)


def feature_set_names(home: Path | None = None) -> list[str]:
    """Names ``--feature-set`` accepts: the files of the feature-sets folder, without ``.conf``."""
    return [f.stem for f in fs.feature_set_files(home)]


def params(feature_sets: list[str]) -> dict[str, Param]:
    """The DAG's parameters: the trigger form, and the JSON schema ``dag_run.conf`` is checked against."""
    def optional_string(description: str, section: str, **schema) -> Param:
        return Param(None, type=["null", "string"], description=description, section=section, **schema)

    def choice(default, values, description: str, section: str) -> Param:
        nullable = default is None
        return Param(default, type=["null", "string"] if nullable else "string",
                     enum=[*values, None] if nullable else list(values), description=description, section=section)

    return {
        "feature_set": Param(
            type=["string", "array"], items={"type": "string", "minLength": 1}, minItems=1, minLength=1,
            examples=feature_sets,
            description="Feature set(s) whose features the training set gets: a name in the feature-sets "
                        "folder (or a file), or a list of them with the same entity key. Each becomes one "
                        f"--feature-set argument. Known: {', '.join(feature_sets) or 'none'}.",
            section="Features"),
        "features": Param(
            None, type=["null", "array"], items={"type": "string", "minLength": 1},
            description="Feature names <aggregation>_<window> (amount_sum_7d) or <feature set>.<feature>, one per "
                        "line; empty: every feature of the feature set(s). --features a,b",
            section="Features"),
        "spine": optional_string(
            "The (entity, time[, label...]) rows to compute features for: a path (relative to the "
            "repository root) or an Iceberg table. Give spine or snapshot_time, not both. --spine",
            "Spine"),
        "spine_format": choice(None, SPINE_FORMATS, "Format of the spine; empty: the job infers it. --spine-format",
                               "Spine"),
        "entity_column": optional_string("Spine column with the entity key (in snapshot mode: the output's); "
                                         "empty: the feature sets' entity key. --entity-column", "Spine"),
        "time_column": optional_string("Spine column with the time: a timestamp (UTC when without a zone), "
                                       "epoch ms or an ISO-8601 string (in snapshot mode: the output's); "
                                       "empty: timestamp. --time-column", "Spine"),
        "snapshot_time": optional_string(
            "Instead of a spine: every entity as of this ISO-8601 instant with a zone "
            "(2026-11-21T05:00:00Z). --snapshot-time", "Spine", format="date-time"),
        "output": Param(
            type="string", minLength=1,
            description="Where the training set goes: a directory (Parquet, relative to the repository root) "
                        "or an Iceberg table. --output",
            section="Output"),
        "output_format": choice(None, OUTPUT_FORMATS, "parquet or iceberg; empty: the job's default. "
                                                      "--output-format", "Output"),
        "overwrite": Param(False, type="boolean", description="Replace an existing output. --overwrite",
                           section="Output"),
        "on_uncovered": choice(
            "fail", ON_UNCOVERED,
            "Spine rows later than what the offline store covers: fail refuses the whole run (exit 3), flag "
            "keeps them with a flag column, drop leaves them out. --on-uncovered", "Output"),
        "namespace": optional_string("Iceberg namespace of the feature sets' tables; empty: the job's "
                                     "default. --namespace", "Offline store"),
        "catalog": optional_string("Spark catalog of the offline store; empty: the job's default. --catalog",
                                   "Offline store"),
    }


PARAM_NAMES = tuple(params([]))


def _instant(text: str) -> dt.datetime:
    """An ISO-8601 instant with a zone or offset (``Z`` or ``+01:00``), as the job takes it."""
    parsed = dt.datetime.fromisoformat(text.strip().replace("z", "Z"))  # 3.11 reads "Z"
    if parsed.tzinfo is None or "T" not in text.upper():
        raise ValueError("no time or no zone")
    return parsed


def training_set_args(values: Mapping[str, Any], config: Path | None = None) -> list[str]:
    """The training-set job's arguments for a run's parameters, checked together first.

    Args:
        values: the run's ``params`` (the DAG's defaults updated with ``dag_run.conf``).
        config: conf/application.conf, passed as ``--config`` when given.
    Raises:
        TrainingParamsError: listing every problem, each naming the parameter.
    """
    problems: list[str] = []

    def text(name: str) -> str | None:
        """An optional string parameter; an empty string (a cleared form field) means not given."""
        value = values.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if not isinstance(value, str):
            problems.append(f"{name}: must be a string, not {value!r}")
            return None
        return value.strip()

    def choice(name: str, allowed: tuple[str, ...]) -> str | None:
        value = text(name)
        if value is not None and value not in allowed:
            problems.append(f"{name}: '{value}' is not one of {', '.join(allowed)}")
            return None
        return value

    unknown = sorted(set(values) - set(PARAM_NAMES))
    if unknown:
        problems.append(f"unknown parameter(s) {', '.join(unknown)} (known: {', '.join(PARAM_NAMES)})")

    feature_sets = values.get("feature_set")
    if isinstance(feature_sets, str):
        feature_sets = [feature_sets]
    if not isinstance(feature_sets, list) or not feature_sets or \
            not all(isinstance(f, str) and f.strip() for f in feature_sets):
        problems.append(f"feature_set: give a feature-set name or a non-empty list of them, not {values.get('feature_set')!r}")
        feature_sets = []
    feature_sets = [f.strip() for f in feature_sets]
    if len(set(feature_sets)) != len(feature_sets):
        problems.append(f"feature_set: {feature_sets} names a feature set twice")

    features = values.get("features")
    if features is not None:
        if not isinstance(features, list) or not all(isinstance(f, str) for f in features):
            problems.append(f"features: give a list of feature names, not {features!r}")
            features = []
        features = [f.strip() for f in features if f.strip()]
        bad = [f for f in features if not re.fullmatch(r"([A-Za-z][A-Za-z0-9_]*\.)?[A-Za-z0-9_]+", f)]
        if bad:
            problems.append(f"features: not feature names (<feature> or <feature set>.<feature>): {bad}")
        if len(set(features)) != len(features):
            problems.append(f"features: {features} names a feature twice")

    spine, snapshot_time = text("spine"), text("snapshot_time")
    spine_format = choice("spine_format", SPINE_FORMATS)
    entity_column, time_column = text("entity_column"), text("time_column")
    if spine is None and snapshot_time is None:
        problems.append("give either spine (the (entity, time[, label...]) rows to compute features for) or "
                        "snapshot_time (every entity as of one instant); neither is set")
    elif spine is not None and snapshot_time is not None:
        problems.append(f"give either spine or snapshot_time, not both (spine={spine!r}, "
                        f"snapshot_time={snapshot_time!r})")
    elif snapshot_time is not None:
        if spine_format is not None:
            problems.append("spine_format: only with a spine, not with snapshot_time")
        try:
            snapshot_time = fs.iso(_instant(snapshot_time))
        except ValueError:
            problems.append(f"snapshot_time: '{snapshot_time}' is not an ISO-8601 instant with a zone "
                            "(e.g. 2026-11-21T05:00:00Z or 2026-11-21T06:00:00+01:00)")

    output = text("output")
    if output is None:
        problems.append("output: missing: a Parquet directory or an Iceberg table")
    output_format = choice("output_format", OUTPUT_FORMATS)
    overwrite = values.get("overwrite", False)
    if not isinstance(overwrite, bool):
        problems.append(f"overwrite: must be true or false, not {overwrite!r}")
    on_uncovered = choice("on_uncovered", ON_UNCOVERED)
    namespace, catalog = text("namespace"), text("catalog")

    if problems:
        raise TrainingParamsError("invalid training-set parameters:\n  - " + "\n  - ".join(problems))

    args: list[str] = ["--config", str(config)] if config is not None else []
    for feature_set in feature_sets:
        args += ["--feature-set", feature_set]
    if features:
        args += ["--features", ",".join(features)]
    if spine is not None:
        args += ["--spine", spine]
        args += ["--spine-format", spine_format] if spine_format else []
    else:
        args += ["--snapshot-time", snapshot_time]
    args += ["--entity-column", entity_column] if entity_column else []
    args += ["--time-column", time_column] if time_column else []
    args += ["--output", output]
    args += ["--output-format", output_format] if output_format else []
    args += ["--overwrite"] if overwrite else []
    args += ["--on-uncovered", on_uncovered or "fail"]
    args += ["--namespace", namespace] if namespace else []
    args += ["--catalog", catalog] if catalog else []
    return args


class TrainingSetSubmitOperator(SlicestoreSparkSubmitOperator):
    """Submits the training-set job from the repository root (see slicestore_spark.py)."""

    def execute(self, context):
        if not isinstance(self.application_args, list):  # the DAG must render templates as native objects
            raise AirflowFailException(f"application_args rendered to {type(self.application_args).__name__}, "
                                       "not a list: is render_template_as_native_obj off?")
        return super().execute(context)


def build_dag(home: Path) -> DAG:
    config = home / "conf" / "application.conf"
    config = config if config.is_file() else None
    jar = training_jar(home)
    names = feature_set_names(home)

    def args_macro(values: Mapping[str, Any]) -> list[str]:
        return training_set_args(values, config)

    doc = f"""
### Point-in-time training set

Trigger with parameters (the form, or `airflow dags trigger {DAG_ID} --conf '{{...}}'`). The task
submits `spark-submit --class {TRAINING_JOB_CLASS} {jar}` via connection `{SPARK_CONN_ID}`, from
`{home}`, with the arguments rendered from the parameters (Rendered Template: `application_args`).

- **spine** mode: the spine's rows plus one column per feature, as of each row's time;
  **snapshot_time** mode: every entity as of that instant. Exactly one of the two.
- Parquet output is a directory holding `_slicestore_training_set.json` (feature sets, features,
  spine, Iceberg snapshot ids read, row counts) beside the data.
- Exit code 2 (invalid arguments or configuration) and 3 (refused: spine rows beyond what the
  offline store covers, with `on_uncovered` = `fail`) fail the run without a retry.
"""
    with DAG(
        dag_id=DAG_ID,
        description="Builds a point-in-time training set (spine or snapshot) from the offline store",
        schedule=None,  # no start date either: a run of any logical date runs its task
        catchup=False,
        params=params(names),
        render_template_as_native_obj=True,  # training_set_args renders to a list of arguments
        user_defined_macros={"training_set_args": args_macro},
        default_args={"owner": "slicestore", "retries": 0, "execution_timeout": dt.timedelta(hours=6)},
        tags=["slicestore", "training"],
        doc_md=doc,
    ) as dag:
        TrainingSetSubmitOperator(
            task_id=TASK_ID,
            slicestore_home=str(home),
            final_exit_codes=FINAL_EXIT_CODES,
            conn_id=SPARK_CONN_ID,
            application=str(jar),
            java_class=TRAINING_JOB_CLASS,
            name="slicestore-training-set",
            application_args="{{ training_set_args(params) }}",
        )
    return dag


dag = build_dag(fs.slicestore_home())
