"""slicestore_feature_sets: durations, slice arithmetic, compaction ranges, feature-set files."""

from __future__ import annotations

import datetime as dt
import os
import random
from pathlib import Path

import pytest
from dateutil.relativedelta import relativedelta

import slicestore_feature_sets as fs

UTC = dt.timezone.utc
H = dt.timedelta(hours=1)
M = dt.timedelta(minutes=1)
REPO = Path(__file__).resolve().parents[2]


def t(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.mark.parametrize("value, expected", [
    ("1h", H), ("90m", 90 * M), ("90 minutes", 90 * M), ("1 hour", H), ("2 hours", 2 * H),
    ("7d", dt.timedelta(days=7)), ("1.5h", 90 * M), ("250ms", dt.timedelta(milliseconds=250)),
    ("3600000", H), (3_600_000, H), (" 45 s ", dt.timedelta(seconds=45)), ("1500us", dt.timedelta(microseconds=1500)),
    (relativedelta(hours=1, minutes=30), 90 * M), (relativedelta(days=30), dt.timedelta(days=30)),
])
def test_durations_read_like_typesafe_config(value, expected):
    assert fs.parse_duration(value) == expected


@pytest.mark.parametrize("value", ["1 fortnight", "1mo", "h", "", "-1h", True, relativedelta(months=1), None])
def test_bad_durations_are_refused(value):
    with pytest.raises(ValueError, match="duration|fixed length"):
        fs.parse_duration(value)


def test_floor_is_epoch_aligned_utc():
    assert fs.floor_to(t("2026-11-21T05:59:59.999Z"), H) == t("2026-11-21T05:00:00Z")
    assert fs.floor_to(t("2026-11-21T05:00:00Z"), H) == t("2026-11-21T05:00:00Z")
    assert fs.floor_to(t("2026-11-21T07:30:00+02:00"), H) == t("2026-11-21T05:00:00Z")
    assert fs.floor_to(t("2026-11-21T05:00:00Z"), dt.timedelta(days=1)) == t("2026-11-21T00:00:00Z")
    assert fs.floor_to(t("2026-11-21T05:00:00Z"), 7 * M) == fs.EPOCH + 7 * M * ((t("2026-11-21T05:00:00Z") - fs.EPOCH) // (7 * M))
    assert fs.floor_to(t("1969-12-31T23:30:00Z"), H) == t("1969-12-31T23:00:00Z")
    with pytest.raises(ValueError, match="naive"):
        fs.floor_to(dt.datetime(2026, 11, 21), H)


def test_ceil_rounds_up_to_whole_hours():
    assert fs.ceil_to(M, H) == H
    assert fs.ceil_to(H, H) == H
    assert fs.ceil_to(90 * M, H) == 2 * H
    assert fs.ceil_to(dt.timedelta(days=1), H) == dt.timedelta(days=1)


def test_iso_is_the_instant_form_the_java_jobs_take():
    assert fs.iso(t("2026-11-21T05:00:00+00:00")) == "2026-11-21T05:00:00Z"
    assert fs.iso(t("2026-11-21T07:00:00+02:00")) == "2026-11-21T05:00:00Z"
    assert fs.iso(t("2026-11-21T05:00:00.250+00:00")) == "2026-11-21T05:00:00.250Z"


def spec(slice_, lateness, interval=None) -> fs.CompactionSpec:
    interval = interval or fs.ceil_to(slice_, H)
    return fs.CompactionSpec(name="x", file=Path("/x.conf"), slice=slice_, allowed_lateness=lateness,
                             interval=interval, interval_source="test", start=fs.EPOCH, start_source="test")


def test_range_is_the_data_interval_shifted_back_by_the_lateness():
    retail = spec(H, H)
    assert retail.compaction_range(t("2026-11-21T05:00:00Z"), t("2026-11-21T06:00:00Z")) == \
        (t("2026-11-21T04:00:00Z"), t("2026-11-21T05:00:00Z"))
    assert spec(H, dt.timedelta(0)).compaction_range(t("2026-11-21T05:00:00Z"), t("2026-11-21T06:00:00Z")) == \
        (t("2026-11-21T05:00:00Z"), t("2026-11-21T06:00:00Z"))
    # a lateness that is not a whole number of slices: both ends floored to the slice
    assert spec(H, 90 * M).compaction_range(t("2026-11-21T05:00:00Z"), t("2026-11-21T06:00:00Z")) == \
        (t("2026-11-21T03:00:00Z"), t("2026-11-21T04:00:00Z"))
    # 15-minute slices, 10 minutes of lateness, compacted every 2 hours
    assert spec(15 * M, 10 * M, 2 * H).compaction_range(t("2026-11-21T04:00:00Z"), t("2026-11-21T06:00:00Z")) == \
        (t("2026-11-21T03:45:00Z"), t("2026-11-21T05:45:00Z"))


def test_consecutive_runs_tile_event_time_and_only_compact_closed_slices():
    seed = int(os.environ.get("SLICESTORE_SEED", random.randrange(1 << 30)))
    print(f"seed {seed} (rerun with SLICESTORE_SEED={seed})")
    rnd = random.Random(seed)
    for _ in range(300):
        slice_ = rnd.choice([M, 5 * M, 15 * M, 90 * M, H, 3 * H, dt.timedelta(days=1)])
        lateness = rnd.choice([dt.timedelta(0), M, 10 * M, H, 90 * M, dt.timedelta(days=1)])
        interval = fs.ceil_to(slice_, H) * rnd.choice([1, 1, 2, 3])
        s = spec(slice_, lateness, interval)
        start = fs.floor_to(t("2026-01-01T00:00:00Z") + rnd.randrange(10_000) * H, interval)
        previous_end = None
        for k in range(12):
            a, b = start + k * interval, start + (k + 1) * interval
            lo, hi = s.compaction_range(a, b)
            context = (seed, slice_, lateness, interval, a)
            assert fs.floor_to(lo, slice_) == lo and fs.floor_to(hi, slice_) == hi, context
            assert lo < hi, context  # never an empty range: the job refuses from >= to
            assert hi + lateness <= b, context  # every slice closed when the run starts (at b)
            assert hi + lateness > b - slice_, context  # and none left waiting longer than needed
            assert previous_end is None or lo == previous_end, context  # no gap, no overlap
            previous_end = hi


def test_retail_feature_set():
    retail = fs.load_compaction_spec(REPO / "conf" / "feature-sets" / "retail.conf", today=dt.date(2026, 11, 21))
    assert (retail.name, retail.slice, retail.allowed_lateness, retail.interval) == ("retail", H, H, H)
    assert retail.start == t("2026-11-20T00:00:00Z") and "yesterday" in retail.start_source


def test_interval_defaults_to_the_slice_rounded_up_to_an_hour(tmp_path):
    for slice_, interval in [("1m", H), ("1h", H), ("90m", 2 * H), ("1d", dt.timedelta(days=1))]:
        spec_ = fs.load_compaction_spec(write(tmp_path, "f.conf", BASE.format(name="f", slice=slice_)))
        assert spec_.interval == interval and "rounded up to a whole hour" in spec_.interval_source


def write(folder: Path, file: str, text: str) -> Path:
    path = folder / file
    path.write_text(text)
    return path


BASE = "name = {name}\nslice = {slice}\nallowed-lateness = 10m\n"


def test_compaction_block_sets_interval_and_start(tmp_path):
    path = write(tmp_path, "clicks.conf", BASE.format(name="clicks", slice="15m")
                 + 'compaction { interval = 2h, start = "2026-11-01T01:30:00Z" }\n')
    clicks = fs.load_compaction_spec(path)
    assert (clicks.slice, clicks.allowed_lateness, clicks.interval) == (15 * M, 10 * M, 2 * H)
    assert (clicks.interval_source, clicks.start_source.split()[0]) == ("compaction.interval", "compaction.start")
    # the first run is the one whose range holds compaction.start
    assert clicks.start == t("2026-11-01T00:00:00Z")
    assert clicks.compaction_range(clicks.start, clicks.start + clicks.interval) == \
        (t("2026-10-31T23:45:00Z"), t("2026-11-01T01:45:00Z"))


@pytest.mark.parametrize("slice_, lateness, interval, start", [
    ("1h", "1h", "1h", "2026-11-01T00:00:00Z"), ("1d", "10m", "1d", "2026-11-01T00:00:00Z"),
    ("15m", "0s", "1h", "2026-11-01T05:59:59Z"), ("5m", "2h", "3h", "2026-11-01T05:00:00+02:00"),
    ("1m", "90m", "1h", "2026-11-01T00:00:00.001Z"),
])
def test_first_run_is_the_one_whose_range_holds_the_start(tmp_path, slice_, lateness, interval, start):
    path = write(tmp_path, "f.conf", f"name = f\nslice = {slice_}\nallowed-lateness = {lateness}\n"
                 f'compaction {{ interval = {interval}, start = "{start}" }}\n')
    f = fs.load_compaction_spec(path)
    covered_from = t(start)
    lo, hi = f.compaction_range(f.start, f.start + f.interval)
    assert lo <= covered_from < hi
    assert fs.floor_to(f.start, f.interval) == f.start
    assert f.compaction_range(f.start - f.interval, f.start)[1] <= covered_from  # the run before is not needed
    if slice_ == "1h":  # retail-like: starts one lateness after compaction.start
        assert (f.start, lo) == (t("2026-11-01T01:00:00Z"), t("2026-11-01T00:00:00Z"))


@pytest.mark.parametrize("text, problem", [
    (BASE.format(name="a", slice="1h") + "compaction.interval = 30m\n",
     "compaction.interval: Invalid interval 30m: must be a whole multiple of the slice size 1h"),
    (BASE.format(name="a", slice="1h") + "compaction.interval = 90m\n",
     "compaction.interval: Invalid interval 90m: must be a whole multiple of the slice size 1h"),
    (BASE.format(name="a", slice="1h") + "compaction.start = 2026-11-01\n", "compaction.start: Invalid instant"),
    (BASE.format(name="a", slice="1h") + 'compaction.start = "2026-11-01T00:00:00"\n',
     "compaction.start: Invalid instant '2026-11-01T00:00:00': give a time and a zone"),
    (BASE.format(name="a", slice="1h") + "compaction.start = 1700000000000\n", "compaction.start: Invalid instant"),
    (BASE.format(name="a", slice="1h") + "compaction.interval = often\n", "compaction.interval: not a duration"),
    (BASE.format(name="a", slice="1h") + 'compaction.start = "last tuesday"\n', "compaction.start: Invalid instant 'last tuesday' (ISO-8601"),
    (BASE.format(name="a", slice="1h") + "compaction = 5\n", "compaction: must be an object"),
    ("name = a\nallowed-lateness = 1h\n", "slice: missing (required)"),
    (BASE.format(name="a", slice="0s"), "slice: must be > 0"),
    (BASE.format(name="9a", slice="1h"), "name: missing or not a name"),
    ("name = a\nslice = {", "cannot be parsed as HOCON"),
])
def test_bad_files_are_refused_naming_file_key_and_problem(tmp_path, text, problem):
    path = write(tmp_path, "bad.conf", text)
    with pytest.raises(fs.FeatureSetError) as error:
        fs.load_compaction_spec(path)
    assert str(error.value).startswith(f"{path}: ") and problem in str(error.value)


def test_load_all_reports_every_bad_file_and_duplicate_names(tmp_path, monkeypatch):
    monkeypatch.setenv("SLICESTORE_FEATURE_SETS_DIR", str(tmp_path))
    write(tmp_path, "a.conf", BASE.format(name="a", slice="1h"))
    write(tmp_path, "b.conf", BASE.format(name="a", slice="1h"))
    write(tmp_path, "c.conf", "name = c\n")
    write(tmp_path, "notes.txt", "not a feature set")
    with pytest.raises(fs.FeatureSetError) as error:
        fs.load_all()
    message = str(error.value)
    assert f"{tmp_path / 'b.conf'}: name: 'a' is also the name in {tmp_path / 'a.conf'}" in message
    assert f"{tmp_path / 'c.conf'}: slice: missing (required)" in message
    (tmp_path / "b.conf").unlink()
    (tmp_path / "c.conf").unlink()
    assert [s.name for s in fs.load_all()] == ["a"]


def test_locations_follow_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("SLICESTORE_FEATURE_SETS_DIR", raising=False)
    monkeypatch.delenv("SLICESTORE_COMPACTION_JAR", raising=False)
    monkeypatch.setenv("SLICESTORE_HOME", str(tmp_path))
    assert fs.slicestore_home() == tmp_path.resolve()
    assert fs.feature_sets_dir() == tmp_path.resolve() / "conf" / "feature-sets"
    assert fs.feature_set_files() == []
    assert fs.compaction_jar() == tmp_path.resolve() / fs.COMPACTION_JAR_DEFAULT
    built = tmp_path / "compaction-job" / "target" / "slicestore-compaction-job-0.2.0-spark.jar"
    built.parent.mkdir(parents=True)
    built.write_bytes(b"")
    assert fs.compaction_jar() == built
    monkeypatch.setenv("SLICESTORE_COMPACTION_JAR", "/opt/jobs/compaction.jar")
    assert fs.compaction_jar() == Path("/opt/jobs/compaction.jar")
    monkeypatch.setenv("SLICESTORE_FEATURE_SETS_DIR", "elsewhere")
    assert fs.feature_sets_dir() == tmp_path.resolve() / "elsewhere"
