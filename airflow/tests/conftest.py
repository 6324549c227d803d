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
for name in ("SLICESTORE_FEATURE_SETS_DIR", "SLICESTORE_COMPACTION_JAR", "SLICESTORE_COMPACTION_RETRIES",
             "SLICESTORE_TRAINING_JAR"):
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


# A stand-in for a job's main class: prints what it got, exits with $STUB_EXIT (default 0).
STUB_SOURCE = """
package {package};
public class {name} {{
  public static void main(String[] args) {{
    System.out.println("STUB args=" + String.join(" ", args));
    System.out.println("STUB cwd=" + System.getProperty("user.dir"));
    System.out.println("STUB SPARK_HOME=" + System.getenv("SPARK_HOME"));
    System.out.println("STUB kafka=" + System.getenv("SLICESTORE_KAFKA_BOOTSTRAP_SERVERS"));
    System.exit(Integer.parseInt(System.getenv().getOrDefault("STUB_EXIT", "0")));
  }}
}}
"""


def build_stub_jar(folder: Path, java_class: str) -> Path:
    """Compiles STUB_SOURCE as ``java_class`` into ``folder/stub.jar`` (skips the test without a JDK)."""
    javac, jar = shutil.which("javac"), shutil.which("jar")
    if not javac or not jar:
        pytest.skip("no JDK (javac, jar) on the PATH to compile the stand-in job")
    package, name = java_class.rsplit(".", 1)
    source = folder / "src" / Path(*package.split(".")) / f"{name}.java"
    source.parent.mkdir(parents=True)
    source.write_text(STUB_SOURCE.format(package=package, name=name))
    subprocess.run([javac, "--release", "17", "-d", str(folder / "classes"), str(source)], check=True)
    subprocess.run([jar, "cf", str(folder / "stub.jar"), "-C", str(folder / "classes"), "."], check=True)
    return folder / "stub.jar"
