"""Feature-set files as the Airflow DAGs need them: where they are, and when and what to compact.

Pure Python: no Airflow imports, so the DAG files and the tests share it cheaply. The Java
``FeatureSetLoader`` is the validator of record; this module reads only the keys the DAGs use,
with the same rules: ``name``, ``slice``, ``allowed-lateness`` and the optional block::

    compaction {
      interval = 1h                       # how often a DAG run compacts: a whole multiple of the slice
      start = "2026-11-01T00:00:00Z"      # the first event time compaction covers (ISO-8601 instant)
    }

Defaults: the interval is the slice size rounded up to a whole hour (1 h for 1 h or 1 min slices,
1 d for 1 d slices). Without ``compaction.start`` the catch-up starts at the data interval that
begins at midnight UTC of the day before the DAG file is parsed, so a freshly deployed DAG catches
up at most two days. Older ranges: ``airflow backfill create`` (backfill runs are not limited by
the DAG's start date), or set ``compaction.start``. A manual run or ``airflow dags test`` with a
logical date before the start date runs no task at all (Airflow's rule), so pick a later one.

Times are UTC and slice-aligned to the Unix epoch, like the Java side (docs/design.md, "Window rule").
"""

from __future__ import annotations

import datetime as dt
import glob
import os
import re
from dataclasses import dataclass
from pathlib import Path

UTC = dt.timezone.utc
EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
HOUR = dt.timedelta(hours=1)

COMPACTION_JOB_CLASS = "dev.slicestore.compaction.CompactionJob"
COMPACTION_JAR_GLOB = "compaction-job/target/slicestore-compaction-job-*-spark.jar"
COMPACTION_JAR_DEFAULT = "compaction-job/target/slicestore-compaction-job-0.1.0-SNAPSHOT-spark.jar"


class FeatureSetError(ValueError):
    """A feature-set file the DAGs cannot use; the message names the file and the problem."""


@dataclass(frozen=True)
class CompactionSpec:
    """What the compaction DAG of one feature set needs to know.

    Attributes:
        name: the feature set's name (``name`` key); the DAG is ``slicestore_compact_<name>``.
        file: the absolute path of the feature-set file.
        slice: the slice size.
        allowed_lateness: how long after a slice ends its events may still arrive.
        interval: the DAG's schedule: one run per interval, epoch-aligned.
        interval_source: where the interval came from, in words (for the DAG's docs).
        start: the first data interval's start (epoch-aligned to ``interval``, UTC).
        start_source: where the start came from, in words.
    """

    name: str
    file: Path
    slice: dt.timedelta
    allowed_lateness: dt.timedelta
    interval: dt.timedelta
    interval_source: str
    start: dt.datetime
    start_source: str

    def compaction_bound(self, instant: dt.datetime) -> dt.datetime:
        """Shifts a data-interval bound back by the allowed lateness and floors it to a slice.

        A run of data interval ``[s, e)`` compacts ``[bound(s), bound(e))``: every slice in it
        ended at least ``allowed_lateness`` before ``e`` (so it is closed when the run starts, at
        ``e`` or later), and consecutive intervals give contiguous, non-overlapping ranges.
        """
        return floor_to(instant - self.allowed_lateness, self.slice)

    def compaction_range(self, start: dt.datetime, end: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
        """The slice range ``[from, to)`` a run with data interval ``[start, end)`` compacts."""
        return self.compaction_bound(start), self.compaction_bound(end)


# --- where things are ---------------------------------------------------------------------------

def slicestore_home() -> Path:
    """The repository root: ``$SLICESTORE_HOME``, else two levels above this file's folder."""
    env = os.environ.get("SLICESTORE_HOME")
    return Path(env).resolve() if env else Path(__file__).resolve().parents[2]


def feature_sets_dir(home: Path | None = None) -> Path:
    """``$SLICESTORE_FEATURE_SETS_DIR`` (as for the Java side), else ``<home>/conf/feature-sets``."""
    home = home or slicestore_home()
    env = os.environ.get("SLICESTORE_FEATURE_SETS_DIR")
    if env:
        path = Path(env)
        return path if path.is_absolute() else home / path
    return home / "conf" / "feature-sets"


def feature_set_files(home: Path | None = None) -> list[Path]:
    """Every ``*.conf`` file of the feature-sets folder, sorted; empty when the folder is missing."""
    folder = feature_sets_dir(home)
    return sorted(p for p in folder.glob("*.conf") if p.is_file()) if folder.is_dir() else []


def compaction_jar(home: Path | None = None) -> Path:
    """``$SLICESTORE_COMPACTION_JAR``, else the built shaded jar (newest version), else its usual path."""
    return built_jar(home or slicestore_home(), "SLICESTORE_COMPACTION_JAR", COMPACTION_JAR_GLOB,
                     COMPACTION_JAR_DEFAULT)


def built_jar(home: Path, env_var: str, pattern: str, default: str) -> Path:
    """A job's jar: ``$<env_var>``, else the newest file matching ``<home>/<pattern>``, else ``<home>/<default>``.

    Never fails: a jar that is not built yet fails only the task that submits it, not the import of
    the DAG file.
    """
    env = os.environ.get(env_var)
    if env:
        return Path(env).resolve()
    built = sorted(glob.glob(str(home / pattern)), key=os.path.getmtime)
    return Path(built[-1]) if built else home / default


# --- reading a feature set ----------------------------------------------------------------------

def load_compaction_spec(file: Path, today: dt.date | None = None) -> CompactionSpec:
    """Reads the keys the compaction DAG needs from one feature-set file.

    Args:
        file: a HOCON feature-set file.
        today: the UTC date the default start is computed from (tests pass one; default: today).
    Raises:
        FeatureSetError: naming the file, the key and what is wrong.
    """
    from pyhocon import ConfigFactory  # imported here: DAG parsing pays for it only when needed

    file = Path(file).resolve()
    try:
        conf = ConfigFactory.parse_file(str(file), resolve=True)
    except Exception as e:  # pyhocon raises several unrelated types
        raise FeatureSetError(f"{file}: cannot be parsed as HOCON: {e}") from e

    def fail(key: str, problem: str) -> FeatureSetError:
        return FeatureSetError(f"{file}: {key}: {problem}")

    name = conf.get("name", None)
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name):
        raise fail("name", f"missing or not a name (letters, digits, _): {name!r}")

    slice_ = _duration(conf, "slice", None, fail)
    lateness = _duration(conf, "allowed-lateness", dt.timedelta(0), fail, allow_zero=True)
    if slice_ <= dt.timedelta(0):
        raise fail("slice", "must be > 0")

    compaction = conf.get("compaction", None)
    if compaction is not None and not hasattr(compaction, "get"):
        raise fail("compaction", f"must be an object, not {compaction!r}")

    if compaction is not None and "interval" in compaction:
        interval = _duration(conf, "compaction.interval", None, fail)
        interval_source = "compaction.interval"
        if _micros(interval) % _micros(slice_) != 0:
            raise fail("compaction.interval",
                       f"Invalid interval {fmt_duration(interval)}: must be a whole multiple of the slice size {fmt_duration(slice_)}")
    else:
        interval = ceil_to(slice_, HOUR)
        interval_source = f"slice size {fmt_duration(slice_)} rounded up to a whole hour (no compaction.interval)"

    if compaction is not None and "start" in compaction:
        covered_from = _instant(compaction.get("start"), lambda p: fail("compaction.start", p))
        start = _first_run_covering(covered_from, interval, lateness, slice_)
        start_source = f"compaction.start {iso(covered_from)} plus the allowed lateness, floored to the interval"
    else:
        today = today or dt.datetime.now(UTC).date()
        start = dt.datetime.combine(today - dt.timedelta(days=1), dt.time(), tzinfo=UTC)
        start_source = "midnight UTC of yesterday (no compaction.start)"

    return CompactionSpec(name=name, file=file, slice=slice_, allowed_lateness=lateness, interval=interval,
                          interval_source=interval_source, start=start, start_source=start_source)


def _first_run_covering(instant: dt.datetime, interval: dt.timedelta, lateness: dt.timedelta,
                        slice_: dt.timedelta) -> dt.datetime:
    """The start of the first epoch-aligned data interval whose compaction range holds ``instant``."""
    start = floor_to(instant + lateness, interval)  # its range starts at or before instant ...
    while floor_to(start + interval - lateness, slice_) <= instant:  # ... and must end after it
        start += interval
    return start


def load_all(home: Path | None = None, today: dt.date | None = None) -> list[CompactionSpec]:
    """Every feature set of the feature-sets folder; raises one error listing every bad file."""
    specs, problems, names = [], [], {}
    for file in feature_set_files(home):
        try:
            spec = load_compaction_spec(file, today)
        except FeatureSetError as e:
            problems.append(str(e))
            continue
        if spec.name in names:
            problems.append(f"{file}: name: '{spec.name}' is also the name in {names[spec.name]}")
            continue
        names[spec.name] = file
        specs.append(spec)
    if problems:
        raise FeatureSetError("invalid feature-set files:\n  " + "\n  ".join(problems))
    return specs


# --- time arithmetic ----------------------------------------------------------------------------

def floor_to(instant: dt.datetime, step: dt.timedelta) -> dt.datetime:
    """The latest epoch-aligned multiple of ``step`` at or before ``instant`` (UTC, aware)."""
    if instant.tzinfo is None:
        raise ValueError(f"naive datetime {instant}: give a time zone")
    step_us = _micros(step)
    offset_us = _micros(instant - EPOCH)
    return EPOCH + dt.timedelta(microseconds=(offset_us // step_us) * step_us)


def ceil_to(duration: dt.timedelta, step: dt.timedelta) -> dt.timedelta:
    """``duration`` rounded up to a whole multiple of ``step``."""
    step_us = _micros(step)
    return dt.timedelta(microseconds=-(-_micros(duration) // step_us) * step_us)


def iso(instant: dt.datetime) -> str:
    """``2026-11-21T03:00:00Z``: the ISO-8601 instant form the Java jobs take."""
    text = instant.astimezone(UTC).isoformat(timespec="milliseconds" if instant.microsecond else "seconds")
    return text.replace("+00:00", "Z")


def _micros(delta: dt.timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


# Typesafe Config's duration units (what the Java side accepts), in microseconds; a bare number is
# milliseconds.
_UNITS = {
    **dict.fromkeys(["ns", "nano", "nanos", "nanosecond", "nanoseconds"], 0.001),
    **dict.fromkeys(["us", "micro", "micros", "microsecond", "microseconds"], 1),
    **dict.fromkeys(["", "ms", "milli", "millis", "millisecond", "milliseconds"], 1_000),
    **dict.fromkeys(["s", "second", "seconds"], 1_000_000),
    **dict.fromkeys(["m", "minute", "minutes"], 60_000_000),
    **dict.fromkeys(["h", "hour", "hours"], 3_600_000_000),
    **dict.fromkeys(["d", "day", "days"], 86_400_000_000),
}
_DURATION = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([a-z]*)\s*")


def parse_duration(value) -> dt.timedelta:
    """A HOCON duration as Typesafe Config reads it: ``90m``, ``"1 hour"``, ``3600000`` (ms).

    pyhocon already turns unquoted values such as ``1h`` into ``relativedelta`` objects; those
    are accepted too, as long as they have no months or years (not fixed lengths).
    """
    if isinstance(value, dt.timedelta):
        return value
    if isinstance(value, bool):
        raise ValueError(f"not a duration: {value!r}")
    if isinstance(value, (int, float)):
        return dt.timedelta(milliseconds=value)
    if hasattr(value, "years") and hasattr(value, "months"):  # dateutil.relativedelta
        if value.years or value.months:
            raise ValueError(f"months and years have no fixed length: {value!r}")
        return dt.timedelta(days=value.days, hours=value.hours, minutes=value.minutes, seconds=value.seconds,
                            microseconds=value.microseconds)
    if isinstance(value, str):
        match = _DURATION.fullmatch(value)
        if match and match.group(2) in _UNITS:
            number = match.group(1)
            micros = (float(number) if "." in number else int(number)) * _UNITS[match.group(2)]
            return dt.timedelta(microseconds=micros)
    raise ValueError(f"not a duration: {value!r} (e.g. 1h, 30m, 7d)")


def _duration(conf, key, default, fail, allow_zero=False) -> dt.timedelta:
    value = conf.get(key, None)
    if value is None:
        if default is None:
            raise fail(key, "missing (required)")
        return default
    try:
        result = parse_duration(value)
    except ValueError as e:
        raise fail(key, str(e)) from None
    if result < dt.timedelta(0) or (result == dt.timedelta(0) and not allow_zero):
        raise fail(key, f"must be {'>=' if allow_zero else '>'} 0, not {value}")
    return result


def _instant(value, fail) -> dt.datetime:
    """An ISO-8601 instant with a zone or offset, as Java's ``Instant.parse`` reads it."""
    example = "(ISO-8601, e.g. 2026-01-01T00:00:00Z)"
    if not isinstance(value, str):
        raise fail(f"Invalid instant {value!r} {example}")
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise fail(f"Invalid instant '{value}' {example}") from None
    if parsed.tzinfo is None or "T" not in value:
        raise fail(f"Invalid instant '{value}': give a time and a zone {example}")
    return parsed.astimezone(UTC)


def fmt_duration(delta: dt.timedelta) -> str:
    """``1h``, ``90m``, ``1d``, ``45s``: the largest unit that divides the duration."""
    us = _micros(delta)
    for unit, size in (("d", 86_400_000_000), ("h", 3_600_000_000), ("m", 60_000_000), ("s", 1_000_000),
                       ("ms", 1_000)):
        if us % size == 0:
            return f"{us // size}{unit}"
    return f"{us}us"
