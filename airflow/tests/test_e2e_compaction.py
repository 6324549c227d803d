"""A real `airflow dags test slicestore_compact_retail <date>`: spark-submit of the built compaction-job
jar against a running local stack, then a look at what it left in Redis and in the Iceberg warehouse.

Needs (else skipped, saying what is missing):
- the jar: ``compaction-job/target/slicestore-compaction-job-*-spark.jar`` (or $SLICESTORE_COMPACTION_JAR);
- the stack: SLICESTORE_KAFKA_BOOTSTRAP_SERVERS, SLICESTORE_REDIS_NODES (host:port[,...]) and
  SLICESTORE_STATE_DIR (the Iceberg warehouse is <state-dir>/warehouse), with retail events in
  the topic for the compacted range.
Optional:
- SLICESTORE_AIRFLOW_TEST_LOGICAL_DATE: the run's logical date T (default: the current hour,
  UTC). The run covers [T-1h, T) and compacts [T-2h, T-1h) (allowed lateness 1h); T must not be
  before the DAG's start date (midnight UTC yesterday), or Airflow runs no task;
- SLICESTORE_AIRFLOW_TEST_RESULT: a file to write {"logical_date", "from", "to", "log"} to, as
  JSON, for a caller (e.g. a Java end-to-end test) that checks the served features afterwards.

Run alone: ``.venv/bin/python -m pytest airflow/tests -m e2e``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from pyhocon import ConfigFactory

import slicestore_feature_sets as fs
from conftest import REPO, run_airflow, tail

pytestmark = pytest.mark.e2e

UTC = dt.timezone.utc
STACK_VARIABLES = ("SLICESTORE_KAFKA_BOOTSTRAP_SERVERS", "SLICESTORE_REDIS_NODES", "SLICESTORE_STATE_DIR")
JOB_LINE = re.compile(r"Compacting feature set|Offline store:|Kafka offsets to read|No Kafka records|"
                      r"Read \d+ Kafka records|Aggregated \d+ events|Redis: |Iceberg: |Compacted |ERROR|Exception")


def job_lines(output: str) -> list[str]:
    """The compaction job's own log lines from the Airflow log, without Airflow's decoration, once each."""
    lines = []
    for line in output.splitlines():
        if JOB_LINE.search(line):
            message = re.sub(r"^\S+ \[\w+\s*\] ", "", line.strip())  # Airflow's time and level
            message = re.sub(r" \[airflow\.task\.hooks\.\S+\] loc=\S+$", "", message)  # logger, location
            if message not in lines:
                lines.append(message[:400])
    return lines


def retail_file() -> Path:
    return REPO / "conf" / "feature-sets" / "retail.conf"


def logical_date() -> dt.datetime:
    text = os.environ.get("SLICESTORE_AIRFLOW_TEST_LOGICAL_DATE")
    if text:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
    return dt.datetime.now(UTC).replace(minute=0, second=0, microsecond=0)


def redis_compacted_hashes(spec: fs.CompactionSpec, version: int, frm: dt.datetime, to: dt.datetime):
    """(keys with a compacted entry, keys without) among the retail slice hashes of [frm, to)."""
    cli = shutil.which("redis-cli")
    if cli is None:
        pytest.fail("redis-cli not found (Debian package redis-tools, installed with redis-server)")
    env = {**os.environ}
    if os.environ.get("SLICESTORE_REDIS_PASSWORD"):
        env["REDISCLI_AUTH"] = os.environ["SLICESTORE_REDIS_PASSWORD"]
    slice_ms = spec.slice // dt.timedelta(milliseconds=1)
    first = int((frm - fs.EPOCH) // dt.timedelta(milliseconds=1)) // slice_ms
    last = int((to - fs.EPOCH) // dt.timedelta(milliseconds=1)) // slice_ms
    with_entry, without = [], []
    for node in os.environ["SLICESTORE_REDIS_NODES"].split(","):
        host, port = node.strip().rsplit(":", 1)
        base = [cli, "-h", host, "-p", port]
        for index in range(first, last):
            keys = subprocess.run([*base, "--scan", "--pattern", f"ss:{spec.name}:{version}:{{*}}:{index}"],
                                  env=env, check=True, capture_output=True, text=True).stdout.split()
            for key in keys:
                has = subprocess.run([*base, "HEXISTS", key, "c"], env=env, check=True,
                                     capture_output=True, text=True).stdout.strip()
                (with_entry if has == "1" else without).append(key)
    return with_entry, without


def iceberg_snapshot(table_dir: Path) -> dict:
    """The current snapshot of a Hadoop-catalog Iceberg table, from its newest metadata file."""
    metadata = sorted(table_dir.glob("metadata/v*.metadata.json"),
                      key=lambda p: int(re.search(r"v(\d+)\.metadata", p.name).group(1)))
    assert metadata, f"no Iceberg metadata under {table_dir}"
    meta = json.loads(metadata[-1].read_text())
    current = meta.get("current-snapshot-id")
    snapshot = next((s for s in meta.get("snapshots", []) if s["snapshot-id"] == current), None)
    assert snapshot is not None, f"{metadata[-1]} has no current snapshot"
    return snapshot


def test_airflow_dags_test_compacts_retail_with_the_real_job(tmp_path):
    jar = fs.compaction_jar(REPO)
    missing = [name for name in STACK_VARIABLES if not os.environ.get(name)]
    if not jar.is_file():
        missing.append(f"the jar {jar.relative_to(REPO) if jar.is_relative_to(REPO) else jar} "
                       "(mvn -B -pl compaction-job -am package -DskipTests)")
    if missing:
        why = "real compaction run needs a running local stack and the built job; missing: " + ", ".join(missing)
        if os.environ.get("SLICESTORE_REQUIRE_E2E"):  # bin/test sets it: there, skipping would hide a failure
            pytest.fail(why)
        pytest.skip(why)

    spec = fs.load_compaction_spec(retail_file())
    version = int(ConfigFactory.parse_file(str(retail_file())).get("version", 1))
    logical = logical_date()
    frm, to = spec.compaction_range(logical - spec.interval, logical)
    state_dir = Path(os.environ["SLICESTORE_STATE_DIR"]).resolve()
    print(f"airflow dags test slicestore_compact_retail {fs.iso(logical)}: compacts [{fs.iso(frm)}, {fs.iso(to)})")

    home = tmp_path / "airflow-home"
    home.mkdir()
    migrate = run_airflow(["db", "migrate"], home=home)
    assert migrate.returncode == 0, f"airflow db migrate failed:\n{tail(migrate.stdout)}"

    started = time.time()
    result = run_airflow(["dags", "test", "slicestore_compact_retail", logical.isoformat()], home=home,
                         env={"SLICESTORE_COMPACTION_RETRIES": "0"}, timeout=1800)
    log = state_dir / "airflow" / f"dags-test-retail-{logical:%Y%m%dT%H%M}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text(result.stdout)
    print(f"{time.time() - started:.0f} s; the whole Airflow log: {log}")
    print("\n".join(job_lines(result.stdout)))
    if os.environ.get("SLICESTORE_AIRFLOW_TEST_RESULT"):
        Path(os.environ["SLICESTORE_AIRFLOW_TEST_RESULT"]).write_text(json.dumps(
            {"logical_date": fs.iso(logical), "from": fs.iso(frm), "to": fs.iso(to),
             "returncode": result.returncode, "log": str(log)}))

    assert result.returncode == 0, f"airflow dags test failed (log {log}):\n{tail(result.stdout, 80)}"
    assert f"--class dev.slicestore.compaction.CompactionJob {jar}" in result.stdout
    assert f"--from {fs.iso(frm)} --to {fs.iso(to)}" in result.stdout
    assert re.search(r"DagRun Finished: dag_id=slicestore_compact_retail, .*state=success", result.stdout)

    # Redis: every slice hash of the range has its compacted entry
    with_entry, without = redis_compacted_hashes(spec, version, frm, to)
    print(f"Redis: {len(with_entry)} slice hashes of the range have a compacted entry, {len(without)} do not")
    assert with_entry, (f"no retail slice hash in [{fs.iso(frm)}, {fs.iso(to)}) has a compacted entry: were "
                        "events replayed for that range? (SLICESTORE_AIRFLOW_TEST_LOGICAL_DATE picks another)")
    assert not without, f"slice hashes without a compacted entry: {without[:10]}"

    # Iceberg: both tables of the local warehouse got a snapshot from this run, holding rows
    for table in ("retail_events", "retail_slices"):
        table_dir = next(iter(sorted((state_dir / "warehouse").glob(f"*/{table}"))), None)
        assert table_dir is not None, f"no Iceberg table {table} under {state_dir / 'warehouse'}"
        snapshot = iceberg_snapshot(table_dir)
        print(f"Iceberg {table}: snapshot {snapshot['snapshot-id']} ({snapshot['summary'].get('operation')}), "
              f"{snapshot['summary'].get('total-records')} rows")
        assert snapshot["timestamp-ms"] >= started * 1000 - 1000, f"{table}: no snapshot from this run"
        assert int(snapshot["summary"].get("total-records", 0)) > 0, f"{table}: no rows"
