"""What the slicestore DAGs share to spark-submit a Java job: the operator and its environment.

``SlicestoreSparkSubmitOperator`` runs ``spark-submit`` from the repository root, with the pyspark
package's ``spark-submit`` when ``SPARK_HOME`` is unset, and turns the exit codes a job declares
final (bad arguments, a refusal) into a failure that is not retried. Where a job's jar is:
``slicestore_feature_sets.built_jar`` (pure Python, shared with the tests).

Used by slicestore_compaction.py and slicestore_training.py; it defines no DAG itself.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from airflow.sdk.exceptions import AirflowException, AirflowFailException
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

SPARK_CONN_ID = "spark_default"


class SlicestoreSparkSubmitOperator(SparkSubmitOperator):
    """``SparkSubmitOperator`` that runs ``spark-submit`` from the repository root.

    Relative paths of conf/application.conf (``state-dir = .state``: checkpoints and the local
    Iceberg warehouse) and of the job's arguments then mean what they mean for ``bin/slicestore``;
    and when ``SPARK_HOME`` is unset, the pyspark package next to Airflow provides
    ``spark-submit``, so a ``.venv`` that is not activated still works.

    Args:
        slicestore_home: the repository root, the working directory of ``spark-submit``.
        final_exit_codes: exit codes of the job that a retry cannot change, each with what it
            means; the task then fails without retrying, with that meaning in its error. Other
            non-zero exit codes fail the attempt as usual (retried if the task has retries).
    """

    def __init__(self, *, slicestore_home: str, final_exit_codes: dict[int, str] | None = None,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.slicestore_home = slicestore_home
        self.final_exit_codes = dict(final_exit_codes or {})

    def execute(self, context):
        self.env_vars = {**pyspark_submit_env(), **(self.env_vars or {})}
        previous = os.getcwd()
        os.chdir(self.slicestore_home)
        try:
            return super().execute(context)
        except AirflowException as e:
            code = self.job_exit_code()
            if code in self.final_exit_codes:
                raise AirflowFailException(
                    f"{self.java_class_name()} exited with code {code}: {self.final_exit_codes[code]} "
                    "(not retried; the job's own message is in the log above)") from e
            raise
        finally:
            os.chdir(previous)

    def job_exit_code(self) -> int | None:
        """The exit code of the last ``spark-submit`` this task ran, if it ran one."""
        process = getattr(self._hook, "_submit_sp", None) if self._hook is not None else None
        return process.returncode if process is not None else None

    def java_class_name(self) -> str:
        return (self._java_class or "the job").rsplit(".", 1)[-1]


def pyspark_submit_env() -> dict[str, str]:
    """``SPARK_HOME`` and ``PATH`` for the pyspark package's spark-submit; empty if SPARK_HOME is set."""
    if os.environ.get("SPARK_HOME"):
        return {}
    spec = importlib.util.find_spec("pyspark")
    if spec is None or not spec.submodule_search_locations:
        return {}
    spark_home = Path(list(spec.submodule_search_locations)[0])
    if not (spark_home / "bin" / "spark-submit").is_file():
        return {}
    return {"SPARK_HOME": str(spark_home),
            "PATH": str(spark_home / "bin") + os.pathsep + os.environ.get("PATH", os.defpath)}
