#!/usr/bin/env python3
"""Time glassbox TreeSHAP against xgboost pred_contribs and shap's interventional TreeExplainer.

Run through bench/treeshap/run.sh (it builds the release binary and uses the venv of tools/setup_venv.sh, made from
tools/requirements.txt). Prints rows/s of both sides and their ratios (glassbox / reference;
> 1 means glassbox is faster):

1. path-dependent: xgboost `predict(pred_contribs=True)` with nthread=1 on an in-memory DMatrix
   vs `glassbox explain --format csv` on 1 and 2 threads, the whole process (load the model,
   read and encode the CSV, explain, write the CSV);
2. interventional: `shap.TreeExplainer(model, data=bg, feature_perturbation="interventional")`
   `.shap_values` on one thread vs `glassbox explain --method tree-interventional --background`,
   whole process, same 100-row background.

Timings are the best of --repeat runs. The user CPU seconds of the glassbox runs are printed
too: on a shared machine wall time depends on other load, CPU time does not.
"""
import argparse
import csv
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "bench"))
from card_encoding import encode_cells  # noqa: E402


def load_rows(data, card_path, n, skip=0):
    """Data rows skip..skip+n: raw CSV lines (header kept) and the model matrix (card codes)."""
    with open(card_path) as fh:
        card = json.load(fh)
    features = card["features"]
    with open(data, newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        for _ in range(skip):
            next(reader)
        raw = [row for _, row in zip(range(n), reader)]
    X = encode_cells(raw, header, features)
    return header, raw, X


def best_of(k, fn):
    best = math.inf
    for _ in range(k):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def run_cli(cmd, repeat):
    """Best wall seconds and the user CPU seconds of that run."""
    best, best_cpu = math.inf, math.nan
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        wall = time.perf_counter() - t
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if wall < best:
            best, best_cpu = wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return best, best_cpu


def write_csv(path, header, rows):
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=10000)
    ap.add_argument("--interventional-rows", type=int, default=1000)
    ap.add_argument("--background-rows", type=int, default=100)
    ap.add_argument("--model", default=os.path.join(ROOT, "models", "adult-xgboost.json"))
    ap.add_argument("--card", default=None)
    ap.add_argument("--data", default=os.path.join(ROOT, "datasets", "adult-test.csv"))
    ap.add_argument("--background-data", default=os.path.join(ROOT, "datasets", "adult.csv"))
    ap.add_argument("--glassbox", default=os.path.join(ROOT, ".build", "release", "glassbox"))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip-interventional", action="store_true")
    a = ap.parse_args()
    card = a.card or a.model.rsplit(".", 1)[0] + ".card.json"
    if not os.path.exists(a.glassbox):
        print(f"no binary at {a.glassbox}")
        return 1

    import xgboost as xgb
    header, raw, X = load_rows(a.data, card, a.rows)
    n = len(raw)
    bst = xgb.Booster(model_file=a.model)
    bst.set_param({"nthread": 1})
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at start")
    print(f"model: {os.path.relpath(a.model, ROOT)}, {len(bst.get_dump())} trees; rows: {n} of "
          f"{os.path.relpath(a.data, ROOT)}")
    print()
    print("== path-dependent TreeSHAP ==")
    dm = xgb.DMatrix(X, missing=np.nan, feature_names=bst.feature_names, nthread=1)
    xgb_s = best_of(a.repeat, lambda: bst.predict(dm, pred_contribs=True))
    xgb_rate = n / xgb_s
    print(f"xgboost {xgb.__version__} pred_contribs nthread=1 (in memory): {n} rows in {xgb_s:.3f} s "
          f"= {xgb_rate:,.0f} rows/s")

    tmp = tempfile.mkdtemp(prefix="glassbox-bench-")
    rows_csv = os.path.join(tmp, "rows.csv")
    write_csv(rows_csv, header, raw)
    rates = {}
    for threads in (1, 2):
        cmd = [a.glassbox, "explain", "--model", a.model, "--data", rows_csv, "--format", "csv",
               "--threads", str(threads), "--out", os.path.join(tmp, "out.csv")]
        s, cpu = run_cli(cmd, a.repeat)
        rates[threads] = n / s
        print(f"glassbox explain --threads {threads} (whole process, CSV in and out): {n} rows in {s:.3f} s "
              f"= {rates[threads]:,.0f} rows/s (CPU {cpu:.3f} s)")
    print(f"ratio glassbox/xgboost, 1 thread:  {rates[1] / xgb_rate:.2f}x")
    print(f"ratio glassbox/xgboost, 2 threads: {rates[2] / xgb_rate:.2f}x")
    print(f"scaling glassbox 2 threads / 1 thread: {rates[2] / rates[1]:.2f}x")

    if a.skip_interventional:
        return 0
    import shap
    print()
    print("== interventional TreeSHAP ==")
    ni = min(a.interventional_rows, n)
    bg_header, bg_raw, bg = load_rows(a.background_data, card, a.background_rows)
    bg_csv = os.path.join(tmp, "background.csv")
    write_csv(bg_csv, bg_header, bg_raw)
    small_csv = os.path.join(tmp, "rows-interventional.csv")
    write_csv(small_csv, header, raw[:ni])
    Xi = X[:ni]
    explainer = shap.TreeExplainer(bst, data=bg, feature_perturbation="interventional")
    shap_s = best_of(max(1, a.repeat - 1), lambda: explainer.shap_values(Xi, check_additivity=False))
    shap_rate = ni / shap_s
    print(f"shap {shap.__version__} TreeExplainer(data={len(bg)} rows, interventional) on one thread: "
          f"{ni} rows in {shap_s:.3f} s = {shap_rate:,.0f} rows/s")
    for threads in (1, 2):
        cmd = [a.glassbox, "explain", "--model", a.model, "--data", small_csv, "--method", "tree-interventional",
               "--background", bg_csv, "--format", "csv", "--threads", str(threads),
               "--out", os.path.join(tmp, "out-i.csv")]
        s, cpu = run_cli(cmd, a.repeat)
        rate = ni / s
        print(f"glassbox explain --method tree-interventional --threads {threads} (whole process): {ni} rows in "
              f"{s:.3f} s = {rate:,.0f} rows/s (CPU {cpu:.3f} s); ratio glassbox/shap {rate / shap_rate:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
