#!/usr/bin/env python3
"""Time xgboost pred_contribs (nthread=1) against glassbox TreeSHAP on adult-test rows.

Run through bench/treeshap/run.sh (it creates .venv-bench from tools/requirements.txt).
Prints rows/s for both and their ratio (glassbox / xgboost; > 1 means glassbox is faster).
"""
import argparse
import csv
import json
import math
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def load_rows(data, card_path, n):
    """The first n data rows: raw CSV lines (header kept) and the model matrix (card codes)."""
    with open(card_path) as fh:
        card = json.load(fh)
    features = card["features"]
    with open(data, newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        raw = [row for _, row in zip(range(n), reader)]
    index = {name: i for i, name in enumerate(header)}
    X = np.full((len(raw), len(features)), np.nan)
    for j, f in enumerate(features):
        col = index[f["name"]]
        labels = f.get("labels")
        for i, row in enumerate(raw):
            cell = row[col].strip()
            if cell in ("", "?", "NA", "NaN"):
                continue
            if labels is not None:
                X[i, j] = labels.get(cell, math.nan)
            else:
                X[i, j] = float(cell)
    return header, raw, X, [f["name"] for f in features]


def best_of(k, fn):
    best = math.inf
    for _ in range(k):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=10000)
    ap.add_argument("--model", default=os.path.join(ROOT, "models", "adult-xgboost.json"))
    ap.add_argument("--card", default=None)
    ap.add_argument("--data", default=os.path.join(ROOT, "datasets", "adult-test.csv"))
    ap.add_argument("--glassbox", default=os.path.join(ROOT, ".build", "release", "glassbox"))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--swift-fallback", action="store_true",
                    help="if the CLI cannot explain the model, time TreeSHAP through the opt-in "
                         "Swift benchmark test (swift test -c release)")
    a = ap.parse_args()
    card = a.card or a.model.rsplit(".", 1)[0] + ".card.json"

    import xgboost as xgb
    header, raw, X, names = load_rows(a.data, card, a.rows)
    n = len(raw)
    bst = xgb.Booster(model_file=a.model)
    bst.set_param({"nthread": 1})
    dm = xgb.DMatrix(X, missing=np.nan, feature_names=bst.feature_names, nthread=1)
    xgb_s = best_of(a.repeat, lambda: bst.predict(dm, pred_contribs=True))
    xgb_rate = n / xgb_s
    print(f"xgboost {xgb.__version__} pred_contribs nthread=1: {n} rows in {xgb_s:.3f} s = {xgb_rate:,.0f} rows/s")

    tmp = tempfile.mkdtemp(prefix="glassbox-bench-")
    raw_csv = os.path.join(tmp, "rows.csv")
    with open(raw_csv, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(raw)
    cmd = [a.glassbox, "explain", "--model", a.model, "--data", raw_csv, "--format", "csv",
           "--threads", "1", "--out", "/dev/null"]
    gb_rate = None
    if os.path.exists(a.glassbox):
        probe = subprocess.run(cmd, capture_output=True, text=True)
        if probe.returncode == 0:
            gb_s = best_of(a.repeat, lambda: subprocess.run(cmd, check=True, capture_output=True))
            gb_rate = n / gb_s
            print(f"glassbox explain (CLI, whole process incl. load/parse/write): {n} rows in {gb_s:.3f} s "
                  f"= {gb_rate:,.0f} rows/s")
        else:
            print(f"glassbox CLI failed ({probe.returncode}): {probe.stderr.strip()[:300]}")
    else:
        print(f"no binary at {a.glassbox} (build with: swift build -c release)")

    if gb_rate is None and a.swift_fallback:
        enc_csv = os.path.join(tmp, "encoded.csv")
        with open(enc_csv, "w") as fh:
            fh.write(",".join(names) + "\n")
            for row in X:
                fh.write(",".join("" if math.isnan(v) else repr(float(v)) for v in row) + "\n")
        env = dict(os.environ, GLASSBOX_TREESHAP_BENCH=enc_csv, GLASSBOX_TREESHAP_MODEL=a.model)
        out = subprocess.run(["swift", "test", "-c", "release", "--scratch-path", ".build-trees",
                              "--filter", "TreeSHAPBenchmarkTests"], cwd=ROOT, env=env,
                             capture_output=True, text=True)
        for line in out.stdout.splitlines():
            if line.startswith("treeshap-bench rows="):
                gb_rate = float(line.rsplit("rows/s=", 1)[1])
                print(f"glassbox TreeSHAP (library call, single thread, excludes CSV parsing): "
                      f"{gb_rate:,.0f} rows/s")
        if gb_rate is None:
            print("swift benchmark failed:\n" + (out.stdout + out.stderr)[-2000:])

    if gb_rate is not None:
        print(f"ratio glassbox/xgboost rows/s: {gb_rate / xgb_rate:.2f}x")
    else:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
