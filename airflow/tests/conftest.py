"""Shared set-up of the Airflow tests: a throw-away AIRFLOW_HOME, quiet Airflow, CLI helpers.

The environment is set here, at import, before anything imports Airflow (which reads its
configuration once, on first import).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DAGS = REPO / "airflow" / "dags"
AIRFLOW_SH = REPO / "airflow" / "airflow.sh"
VENV_BIN = Path(sys.executable).parent

_HOME = Path(tempfile.mkdtemp(prefix="slicestore-airflow-test-"))
os.environ.update({
    "AIRFLOW_HOME": str(_HOME),
    "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
    "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
    "AIRFLOW_CONN_SPARK_DEFAULT": '{"conn_type": "spark", "host": "local[*]"}',
    "SLICESTORE_HOME": str(REPO),
})
for name in ("SLICESTORE_FEATURE_SETS_DIR", "SLICESTORE_COMPACTION_JAR", "SLICESTORE_COMPACTION_RETRIES"):
    os.environ.pop(name, None)  # the integrity tests check the defaults
sys.path.insert(0, str(DAGS))  # slicestore_feature_sets, as Airflow puts the DAGs folder on sys.path


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(_HOME, ignore_errors=True)
    # Selecting only tests that are absent (e.g. `-m e2e -k nothing`) is not a failure of these tests.
    if exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED:
        session.exitstatus = pytest.ExitCode.OK


def run_airflow(args: list[str], *, home: Path, env: dict[str, str] | None = None,
                timeout: float = 300) -> subprocess.CompletedProcess:
    """Runs ``airflow/airflow.sh ARGS`` with AIRFLOW_HOME=home; stdout and stderr captured together."""
    full_env = {**os.environ, "AIRFLOW_HOME": str(home), "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
                "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', os.defpath)}", **(env or {})}
    return subprocess.run([str(AIRFLOW_SH), *args], env=full_env, cwd=home, timeout=timeout,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def tail(text: str, lines: int = 60) -> str:
    return "\n".join(text.splitlines()[-lines:])


@pytest.fixture(scope="session")
def airflow_db(tmp_path_factory) -> Path:
    """An AIRFLOW_HOME with a migrated SQLite database (``airflow db migrate``), shared by CLI tests."""
    home = tmp_path_factory.mktemp("airflow-home")
    result = run_airflow(["db", "migrate"], home=home)
    assert result.returncode == 0, f"airflow db migrate failed:\n{tail(result.stdout)}"
    return home
