#!/usr/bin/env python3
"""Check a Spark run of explain_with_spark.py against a single-process `glassbox explain`.

    compare_outputs.py --single single.csv --raw RAW_DIR --parquet OUT_DIR \\
                       --input input.csv --id-column id

single.csv: `glassbox explain ... --format csv --no-header` over the whole input.
RAW_DIR:    the Spark job's --raw-output (glassbox's lines as printed, per partition).
OUT_DIR:    the Spark job's --output Parquet.

Checks, exit status 1 on any failure:
  1. every input id appears exactly once in the single-process output, in the Spark lines
     and in the Parquet (no row lost, none duplicated, none invented);
  2. each Spark line equals the single-process line of its id byte for byte, once the
     partition-local row number (the second field) is taken out of both;
  3. each Parquet value (prediction, base_value, every attribution) is the very double that
     the single-process text denotes (the text is shortest round-trip, so float() is exact),
     compared bit for bit, -0.0 and 0.0 told apart; class is empty/null on both sides.
"""

import argparse
import csv
import glob
import os
import struct
import sys

import pyarrow.parquet as pq

SHOW = 5   # mismatches shown per check


def bits(x):
    return struct.pack("<d", x)


def strip_row_number(line):
    """(id, the line without its second field, the row number). The rest of the line is
    kept exactly as printed; an id that glassbox quoted (commas, quotes) is handled."""
    end = first_field_end(line)
    rid = next(csv.reader([line[:end]]))[0] if end else ""
    if line[end:end + 1] != ",":
        raise ValueError(f"no row number after the id: {line!r}")
    row, comma, tail = line[end + 1:].partition(",")
    if not row.isdigit() or not comma:
        raise ValueError(f"no row number after the id: {line!r}")
    return rid, line[:end] + "," + tail


def first_field_end(line):
    """Index just past the first CSV field of `line` (RFC 4180 quoting)."""
    if not line.startswith('"'):
        comma = line.find(",")
        return len(line) if comma < 0 else comma
    i = 1
    while True:
        q = line.index('"', i)
        if line[q + 1:q + 2] == '"':
            i = q + 2
        else:
            return q + 1


def read_lines(paths):
    for path in paths:
        with open(path, encoding="utf-8", newline="") as f:
            for line in f.read().split("\n"):
                if line:
                    yield line


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--single", required=True)
    p.add_argument("--raw", required=True)
    p.add_argument("--parquet", required=True)
    p.add_argument("--input", required=True)
    p.add_argument("--id-column", required=True)
    a = p.parse_args()
    failures = []

    def fail(check, message):
        failures.append((check, message))

    with open(a.input, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        input_ids = [r[a.id_column] for r in reader]
    if len(set(input_ids)) != len(input_ids):
        sys.exit("the input ids are not unique: fix the test input")
    expected = set(input_ids)

    def index(lines, label):
        by_id, dups = {}, 0
        for line in lines:
            rid, stripped = strip_row_number(line)
            if rid in by_id:
                dups += 1
                if dups <= SHOW:
                    fail("once", f"{label}: id {rid!r} comes back more than once")
            by_id[rid] = stripped
        missing = expected - by_id.keys()
        extra = by_id.keys() - expected
        if missing:
            fail("once", f"{label}: {len(missing)} ids missing, e.g. {sorted(missing)[:SHOW]}")
        if extra:
            fail("once", f"{label}: {len(extra)} ids not in the input, e.g. {sorted(extra)[:SHOW]}")
        if dups:
            fail("once", f"{label}: {dups} duplicate lines in all")
        return by_id

    single = index(read_lines([a.single]), "single process")
    raw_files = sorted(glob.glob(os.path.join(a.raw, "part-*")))
    if not raw_files:
        fail("once", f"no part files in {a.raw}")
    spark = index(read_lines(raw_files), "Spark lines")

    # 2. byte for byte
    differ = [rid for rid in input_ids
              if rid in single and rid in spark and single[rid] != spark[rid]]
    for rid in differ[:SHOW]:
        fail("bytes", f"id {rid!r}:\n  single {single[rid]}\n  spark  {spark[rid]}")
    if differ:
        fail("bytes", f"{len(differ)} of {len(input_ids)} lines differ")

    # 3. the Parquet values, bit for bit against the single-process text
    table = pq.read_table(a.parquet)
    columns = table.column_names
    if columns[:4] != [a.id_column, "class", "prediction", "base_value"]:
        fail("parquet", f"unexpected Parquet columns {columns[:4]}")
    data = table.to_pydict()
    ids = [str(v) for v in data[a.id_column]]
    seen = set()
    dup = [rid for rid in ids if rid in seen or seen.add(rid)]
    if dup:
        fail("once", f"Parquet: {len(dup)} duplicate ids, e.g. {dup[:SHOW]}")
    if set(ids) != expected:
        fail("once", f"Parquet: {len(expected - set(ids))} ids missing, "
                     f"{len(set(ids) - expected)} not in the input")
    value_columns = columns[2:]
    bad = 0
    for i, rid in enumerate(ids):
        line = single.get(rid)
        if line is None:
            continue
        fields = next(csv.reader([line]))          # id, class, prediction, base, phi...
        cls = data["class"][i]
        if (fields[1] == "" and cls is not None) or (fields[1] != "" and cls != int(fields[1])):
            bad += 1
            if bad <= SHOW:
                fail("parquet", f"id {rid!r}: class {cls!r} vs {fields[1]!r}")
        if len(fields) - 2 != len(value_columns):
            fail("parquet", f"id {rid!r}: {len(fields) - 2} values vs {len(value_columns)} columns")
            break
        for name, text in zip(value_columns, fields[2:]):
            got = data[name][i]
            if got is None or bits(got) != bits(float(text)):
                bad += 1
                if bad <= SHOW:
                    fail("parquet", f"id {rid!r} {name}: Parquet {got!r} vs text {text}")
    if bad:
        fail("parquet", f"{bad} Parquet values differ from the single-process text")

    n_values = len(ids) * len(value_columns)
    if failures:
        for check, message in failures:
            print(f"FAIL [{check}] {message}", file=sys.stderr)
        sys.exit(1)
    print(f"ok: {len(input_ids)} ids, each exactly once in the single-process output, the "
          f"Spark lines and the Parquet; {len(input_ids)} lines byte-identical (row number "
          f"aside); {n_values} Parquet doubles bit-identical to the single-process text")


if __name__ == "__main__":
    main()
