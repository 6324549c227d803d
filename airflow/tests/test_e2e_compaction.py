"""Real runs of the DAGs on the built jars against a running local stack, in this order:

1. `airflow dags test slicestore_compact_retail <date>`: spark-submit of the compaction-job jar, then
   a look at what it left in Redis and in the Iceberg warehouse;
2. `airflow dags test slicestore_training_set --conf ...`: spark-submit of the training jar with a
   CSV spine whose times lie in the last slice the tables cover (the range run 1 compacted), then a
   look at the Parquet output (the spine's rows, the label, one column per feature, values equal to
   an oracle computed from the events table's data files) and its metadata file.

Needs (else skipped, saying what is missing; failed instead when SLICESTORE_REQUIRE_E2E is set, as
bin/test does):
- the jars: ``compaction-job/target/slicestore-compaction-job-*-spark.jar`` (or
  $SLICESTORE_COMPACTION_JAR) and ``training/target/slicestore-training-*-spark.jar`` (or
  $SLICESTORE_TRAINING_JAR);
- the stack: SLICESTORE_KAFKA_BOOTSTRAP_SERVERS, SLICESTORE_REDIS_NODES (host:port[,...]) and
  SLICESTORE_STATE_DIR (the Iceberg warehouse is <state-dir>/warehouse), with retail events in
  the topic for the compacted range.
Optional:
- SLICESTORE_AIRFLOW_TEST_LOGICAL_DATE: the compaction run's logical date T (default: the current
  hour, UTC). The run covers [T-1h, T) and compacts [T-2h, T-1h) (allowed lateness 1h); T must
  not be before the DAG's start date (midnight UTC yesterday), or Airflow runs no task;
- SLICESTORE_AIRFLOW_TEST_RESULT: a file to write {"logical_date", "from", "to", "log"} of the
  compaction run to, as JSON, for a caller (e.g. a Java end-to-end test) that checks the served
  features afterwards.

Run alone: ``.venv/bin/python -m pytest airflow/tests -m e2e`` (both, in this order).
"""

from __future__ import annotations

import datetime as dt
import json
import math
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
H = dt.timedelta(hours=1)
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


def require_stack_and_jar(what: str, jar: Path, module: str) -> None:
    """Skips the test when the stack variables or the jar are missing; fails instead under SLICESTORE_REQUIRE_E2E."""
    missing = [name for name in STACK_VARIABLES if not os.environ.get(name)]
    if not jar.is_file():
        missing.append(f"the jar {jar.relative_to(REPO) if jar.is_relative_to(REPO) else jar} "
                       f"(mvn -B -pl {module} -am package -DskipTests)")
    if missing:
        why = f"real {what} run needs a running local stack and the built job; missing: " + ", ".join(missing)
        if os.environ.get("SLICESTORE_REQUIRE_E2E"):  # bin/test sets it: there, skipping would hide a failure
            pytest.fail(why)
        pytest.skip(why)


def test_airflow_dags_test_compacts_retail_with_the_real_job(tmp_path):
    jar = fs.compaction_jar(REPO)
    require_stack_and_jar("compaction", jar, "compaction-job")

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


# --- the training set, on the tables the compaction run wrote -----------------------------------

TRAINING_FEATURES = ["lines_1h", "amount_sum_1h"]  # 1 h windows: answered by the last compacted slice alone
TRAINING_JOB_LINE = re.compile(r"Training set written|spine: |offline store of|read \S+ at snapshot|error: |"
                               r"Spine: |ERROR|Exception")


def covered_ranges(table_dir: Path) -> list[tuple[int, int]]:
    """The slice ranges [from, to) (epoch ms) the table covers: its current snapshot's coverage property."""
    text = iceberg_snapshot(table_dir)["summary"].get("slicestore.covered-ranges", "")
    return [tuple(int(x) for x in part.split("-", 1)) for part in text.split(",") if part.strip()]


def current_events(table_dir: Path, slice_index: int) -> list[dict]:
    """The events of one slice in the events table's data files, once per Kafka record.

    Data files of snapshots a later commit replaced stay on disk; they hold the same Kafka records
    (same topic, partition and offset) as their replacement, so keeping one row per record gives
    what the current snapshot holds for a range that was compacted again.
    """
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    rows = {}
    for file in sorted((table_dir / "data").rglob("*.parquet")):
        table = pq.read_table(file)
        table = table.filter(pc.equal(table["slice_index"], slice_index))
        for row in table.to_pylist():
            if row["event_time"].tzinfo is None:  # timestamptz columns are read with UTC already
                row["event_time"] = row["event_time"].replace(tzinfo=UTC)
            rows[(row["topic"], row["partition"], row["offset"])] = row
    return list(rows.values())


def test_airflow_dags_test_builds_a_training_set_from_the_compacted_tables(tmp_path):
    """``airflow dags test slicestore_training_set --conf ...`` on the real training job, with a CSV spine
    whose times lie in the last slice the compaction run above covered (run it first: same module)."""
    import pyarrow.parquet as pq
    from slicestore_training import training_jar

    jar = training_jar(REPO)
    require_stack_and_jar("training-set", jar, "training")
    state_dir = Path(os.environ["SLICESTORE_STATE_DIR"]).resolve()
    tables = {name: next(iter(sorted((state_dir / "warehouse").glob(f"*/{name}"))), None)
              for name in ("retail_events", "retail_slices")}
    assert all(tables.values()), (f"no retail Iceberg tables under {state_dir / 'warehouse'}: the compaction "
                                  "run (test_airflow_dags_test_compacts_retail_with_the_real_job) writes them")
    ranges = covered_ranges(tables["retail_slices"])
    assert ranges, f"{tables['retail_slices']}: no covered ranges recorded"
    slice_ms = 3_600_000  # retail: slice 1h
    last = ranges[-1][1] // slice_ms - 1  # the last compacted slice
    assert any(f <= last * slice_ms and (last + 1) * slice_ms <= t for f, t in covered_ranges(tables["retail_events"]))
    start = fs.EPOCH + dt.timedelta(milliseconds=last * slice_ms)
    events = current_events(tables["retail_events"], last)
    busiest = sorted({e["entity_key"] for e in events},
                     key=lambda k: (-sum(e["entity_key"] == k for e in events), k))[:3]
    assert busiest, f"no retail events in the last compacted slice [{fs.iso(start)}, {fs.iso(start + H)})"

    # the spine: (CustomerID, ts, label), times in the last compacted slice; one at the slice's start
    # (empty window), one at an event's own time (not counted), one entity without events
    first_event = min((e for e in events if e["entity_key"] == busiest[0]), key=lambda e: e["event_time"])
    spine = [(busiest[0], start + dt.timedelta(minutes=59, seconds=59)),
             (busiest[0], first_event["event_time"].astimezone(UTC)),
             (busiest[0], start),
             *((key, start + dt.timedelta(minutes=30 + 10 * i)) for i, key in enumerate(busiest[1:])),
             ("no-such-customer", start + dt.timedelta(minutes=45))]
    spine = [(key, t, str(100 + i)) for i, (key, t) in enumerate(spine)]
    spine_csv = tmp_path / "spine.csv"
    spine_csv.write_text("CustomerID,ts,label\n" + "".join(f"{k},{fs.iso(t)},{label}\n" for k, t, label in spine))
    output = tmp_path / "training-set"

    home = tmp_path / "airflow-home"
    home.mkdir()
    migrate = run_airflow(["db", "migrate"], home=home)
    assert migrate.returncode == 0, f"airflow db migrate failed:\n{tail(migrate.stdout)}"
    conf = {"feature_set": "retail", "features": TRAINING_FEATURES, "spine": str(spine_csv), "spine_format": "csv",
            "entity_column": "CustomerID", "time_column": "ts", "output": str(output), "output_format": "parquet"}
    started = time.time()
    result = run_airflow(["dags", "test", "slicestore_training_set", "--conf", json.dumps(conf)], home=home,
                         timeout=1800)
    log = state_dir / "airflow" / f"dags-test-training-{dt.datetime.now(UTC):%Y%m%dT%H%M%S}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text(result.stdout)
    print(f"{time.time() - started:.0f} s; the whole Airflow log: {log}")
    print("\n".join(dict.fromkeys(re.sub(r"^\S+ \[\w+\s*\] ", "", line.strip())[:400]
                                  for line in result.stdout.splitlines() if TRAINING_JOB_LINE.search(line))))
    assert result.returncode == 0, f"airflow dags test failed (log {log}):\n{tail(result.stdout, 80)}"
    assert (f"--class dev.slicestore.training.TrainingSetJob {jar} --config {REPO}/conf/application.conf "
            f"--feature-set retail --features lines_1h,amount_sum_1h --spine {spine_csv} --spine-format csv "
            f"--entity-column CustomerID --time-column ts --output {output} --output-format parquet "
            "--on-uncovered fail") in result.stdout
    assert re.search(r"DagRun Finished: dag_id=slicestore_training_set, .*state=success", result.stdout)

    # the output: exactly the spine's rows, the label passed through, one column per requested feature
    rows = pq.read_table(output).to_pylist()  # files starting with _ (the metadata) are not data
    assert sorted(rows[0]) == sorted(["CustomerID", "ts", "label", *TRAINING_FEATURES]), list(rows[0])
    assert len(rows) == len(spine)
    by_label = {row["label"]: row for row in rows}
    assert sorted(by_label) == sorted(label for _, _, label in spine)  # each spine row once
    for key, t, label in spine:
        row = by_label[label]
        assert (row["CustomerID"], str(row["ts"])) == (key, fs.iso(t)), row
        # the oracle: the 1 h window at t is the events of t's slice before t (docs/design.md, "Window rule")
        window = [e for e in events if e["entity_key"] == key and e["event_time"] < t]
        amounts = [e["amount"] if "amount" in e else e["Quantity"] * e["UnitPrice"] for e in window]
        assert row["lines_1h"] == len(window), (row, len(window))
        assert row["amount_sum_1h"] == pytest.approx(math.fsum(amounts), rel=1e-9, abs=1e-9), row
    assert sum(row["lines_1h"] for row in rows) > 0

    # the metadata written beside the data
    meta = json.loads((output / "_slicestore_training_set.json").read_text())
    print(f"metadata: {json.dumps(meta)[:600]}")
    assert [s["name"] for s in meta["feature_sets"]] == ["retail"]
    assert meta["feature_sets"][0]["features"] == TRAINING_FEATURES
    assert meta["feature_columns"] == TRAINING_FEATURES
    assert meta["spine"]["location"] == str(spine_csv)
    assert (meta["spine"]["entity_column"], meta["spine"]["time_column"]) == ("CustomerID", "ts")
    assert meta["rows"]["spine"] == meta["rows"]["written"] == len(spine) and meta["rows"]["uncovered"] == 0
    assert meta["on_uncovered"] == "fail"
    assert meta["feature_sets"][0]["events_snapshot_id"] == iceberg_snapshot(tables["retail_events"])["snapshot-id"]
    assert meta["feature_sets"][0]["slices_snapshot_id"] == iceberg_snapshot(tables["retail_slices"])["snapshot-id"]
