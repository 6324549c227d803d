# The Feast benchmark's offline source: turns the JSON FeastPeer writes into Parquet with explicit
# types. Usage: python write_source.py SOURCE_JSON OUT_PARQUET JOIN_KEY
# SOURCE_JSON: {"keys": [entity key, ...], "event_time_ms": epoch ms of every row,
#               "columns": {name: {"type": "long" | "double", "values": [...]}}}
# with doubles given as their IEEE 754 bits (a signed 64-bit integer: exact whatever the formatting)
# and null for a missing value.
import json, struct, sys
import pyarrow as pa, pyarrow.parquet as pq
src = json.load(open(sys.argv[1]))
n = len(src["keys"])
cols = {sys.argv[3]: pa.array(src["keys"], pa.string()),
        "event_timestamp": pa.array([src["event_time_ms"]] * n, pa.timestamp("ms", tz="UTC"))}
bits = lambda v: None if v is None else struct.unpack("<d", struct.pack("<q", v))[0]
for name, c in src["columns"].items():
    if c["type"] == "long":
        cols[name] = pa.array(c["values"], pa.int64())
    else:
        cols[name] = pa.array([bits(v) for v in c["values"]], pa.float64())
pq.write_table(pa.table(cols), sys.argv[2])
