#!/usr/bin/env python3
"""Time glassbox's path-dependent TreeSHAP against xgboost 3.3+'s pred_contribs.

Run through bench/treeshap/path_dependent.sh (release binary, venv with xgboost 3.4.1). One run
measures both sides on the same model and rows and prints rows/s and the ratio
glassbox / xgboost (> 1: glassbox is faster):

- xgboost `predict(pred_contribs=True)` on an in-memory DMatrix, nthread=1 and nthread=all;
- `glassbox explain --format csv --tree-algorithm A` for each A of --algorithms, --threads 1
  and --threads all, the whole process (load the model, read and encode the CSV, explain,
  write the CSV);
- single-row latency: `glassbox explain --instance` (whole process) against xgboost on a
  one-row DMatrix (in memory, nthread=1).

Timings are the best of --repeat runs. CPU seconds of both sides are printed too, with a
second ratio from them: on a shared machine wall time depends on other load, CPU time much
less.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from bench import ROOT, best_of, load_rows, run_cli, write_csv  # noqa: E402


def best_of_cpu(k, fn):
    """Best wall seconds of k calls and the CPU seconds (all threads) of that call."""
    best, best_cpu = float("inf"), float("nan")
    for _ in range(k):
        c, t = time.process_time(), time.perf_counter()
        fn()
        wall, cpu = time.perf_counter() - t, time.process_time() - c
        if wall < best:
            best, best_cpu = wall, cpu
    return best, best_cpu


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=10000)
    ap.add_argument("--model", default=os.path.join(ROOT, "models", "adult-xgboost.json"))
    ap.add_argument("--card", default=None)
    ap.add_argument("--data", default=os.path.join(ROOT, "datasets", "adult-test.csv"))
    ap.add_argument("--glassbox", default=os.path.join(ROOT, ".build", "release", "glassbox"))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--algorithms", default="fast,xgboost-3.3")
    ap.add_argument("--threads", type=int, default=os.cpu_count(), help="the 'all threads' count")
    a = ap.parse_args()
    card = a.card or a.model.rsplit(".", 1)[0] + ".card.json"

    import xgboost as xgb
    header, raw, X = load_rows(a.data, card, a.rows)
    n = len(raw)
    bst = xgb.Booster(model_file=a.model)
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at start")
    print(f"model: {os.path.relpath(a.model, ROOT)}, {len(bst.get_dump())} trees; rows: {n} of "
          f"{os.path.relpath(a.data, ROOT)}")
    xgb_rate, xgb_cpu = {}, {}
    for threads in (1, a.threads):
        bst.set_param({"nthread": threads})
        dm = xgb.DMatrix(X, missing=np.nan, feature_names=bst.feature_names, nthread=threads)
        s, cpu = best_of_cpu(a.repeat, lambda: bst.predict(dm, pred_contribs=True))
        xgb_rate[threads] = n / s
        xgb_cpu[threads] = cpu
        print(f"xgboost {xgb.__version__} pred_contribs nthread={threads} (in memory): {n} rows in {s:.3f} s "
              f"= {xgb_rate[threads]:,.0f} rows/s (CPU {cpu:.3f} s)")

    tmp = tempfile.mkdtemp(prefix="glassbox-bench-")
    rows_csv = os.path.join(tmp, "rows.csv")
    write_csv(rows_csv, header, raw)
    for algorithm in a.algorithms.split(","):
        for threads in (1, a.threads):
            cmd = [a.glassbox, "explain", "--model", a.model, "--data", rows_csv, "--format", "csv",
                   "--tree-algorithm", algorithm, "--threads", str(threads), "--out", os.path.join(tmp, "out.csv")]
            s, cpu = run_cli(cmd, a.repeat)
            rate = n / s
            print(f"glassbox --tree-algorithm {algorithm} --threads {threads} (whole process, CSV in and out): "
                  f"{n} rows in {s:.3f} s = {rate:,.0f} rows/s (CPU {cpu:.3f} s); "
                  f"ratio glassbox/xgboost {rate / xgb_rate[threads]:.2f}x wall, "
                  f"{xgb_cpu[threads] / cpu:.2f}x CPU")

    bst.set_param({"nthread": 1})
    one = xgb.DMatrix(X[:1], missing=np.nan, feature_names=bst.feature_names, nthread=1)
    xgb_one = best_of(max(a.repeat, 20), lambda: bst.predict(one, pred_contribs=True))
    with open(card) as fh:
        features = {f["name"] for f in json.load(fh)["features"]}
    instance = ",".join(f"{h}={v}" for h, v in zip(header, raw[0]) if h in features)
    cmd = [a.glassbox, "explain", "--model", a.model, "--instance", instance, "--format", "json", "--threads", "1"]
    gb_one, _ = run_cli(cmd, max(a.repeat, 5))
    print(f"single row: xgboost in memory {xgb_one * 1e6:,.0f} µs; glassbox --instance whole process "
          f"{gb_one * 1e3:,.1f} ms (process start, model load and output included)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
