#!/usr/bin/env python3
"""Interventional TreeSHAP against backgrounds of growing size: glassbox vs shap vs woodelf.

Run through bench/treeshap/sweep.sh (it builds the release binary and the pinned venv of
bench/treeshap/requirements.txt). For each background size (first rows of datasets/adult.csv),
one run each, one thread each:

- glassbox: `glassbox explain --method tree-interventional --background bg.csv --threads 1
  --format csv` on --rows rows of datasets/adult-test.csv, the whole process (model load,
  background read and set-up, CSV in and out); rows/s and CPU seconds;
- shap: `shap.TreeExplainer(model, masker=shap.maskers.Independent(bg, max_samples=len(bg)),
  feature_perturbation="interventional")` on --shap-rows rows (it is O(background x rows)),
  per-row rate, set-up included;
- woodelf (woodelf-explainer, when installed): interventional values on --woodelf-rows rows,
  set-up included.

It also prints the largest difference between glassbox's and shap's (and woodelf's) values
on the rows both explained.
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


def load_rows(data, card_path, n):
    """The first n data rows: raw CSV lines (header kept) and the model matrix (card codes)."""
    with open(card_path) as fh:
        features = json.load(fh)["features"]
    with open(data, newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        raw = [row for _, row in zip(range(n), reader)]
    return header, raw, encode_cells(raw, header, features)


def write_csv(path, header, rows):
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)


def run_glassbox(cmd):
    """Wall and CPU seconds of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def read_attributions(path, m):
    """The attribution columns of glassbox's CSV output (after row, class, prediction,
    base_value), row by row."""
    with open(path, newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        return np.array([[float(v) for v in r[4:4 + m]] for r in reader])


def woodelf_values(model, bg, X):
    """Interventional values from woodelf-explainer (set-up included), or None when it is
    not installed. It takes DataFrames whose columns name the model's features."""
    try:
        from woodelf import WoodelfExplainer
    except ImportError:
        return None
    import pandas as pd
    names = model.feature_names
    explainer = WoodelfExplainer(model, pd.DataFrame(bg, columns=names))
    values = explainer.shap_values(pd.DataFrame(X, columns=names), verbose=False)
    return np.asarray(values, dtype=float)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=10000)
    ap.add_argument("--shap-rows", type=int, default=1000)
    ap.add_argument("--woodelf-rows", type=int, default=10000)
    ap.add_argument("--backgrounds", default="100,1000,8000,32561")
    ap.add_argument("--model", default=os.path.join(ROOT, "models", "adult-xgboost.json"))
    ap.add_argument("--data", default=os.path.join(ROOT, "datasets", "adult-test.csv"))
    ap.add_argument("--background-data", default=os.path.join(ROOT, "datasets", "adult.csv"))
    ap.add_argument("--glassbox", default=os.path.join(ROOT, ".build", "release", "glassbox"))
    ap.add_argument("--skip-references", action="store_true")
    ap.add_argument("--skip-shap", action="store_true", help="time woodelf only (shap is O(background x rows))")
    ap.add_argument("--repeat", type=int, default=1,
                    help="runs of glassbox and of woodelf per background; the least CPU (and wall) time is kept")
    a = ap.parse_args()
    card = a.model.rsplit(".", 1)[0] + ".card.json"
    import xgboost as xgb
    bst = xgb.Booster(model_file=a.model)
    bst.set_param({"nthread": 1})
    header, raw, X = load_rows(a.data, card, a.rows)
    m = X.shape[1]
    n = len(raw)
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at start")
    print(f"model: {os.path.relpath(a.model, ROOT)}, {len(bst.get_dump())} trees; rows: {n} of "
          f"{os.path.relpath(a.data, ROOT)}; one thread each, one run each")
    tmp = tempfile.mkdtemp(prefix="glassbox-sweep-")
    rows_csv = os.path.join(tmp, "rows.csv")
    write_csv(rows_csv, header, raw)
    for size in [int(s) for s in a.backgrounds.split(",")]:
        bg_header, bg_raw, bg = load_rows(a.background_data, card, size)
        bg_csv = os.path.join(tmp, f"bg-{size}.csv")
        write_csv(bg_csv, bg_header, bg_raw)
        out = os.path.join(tmp, f"out-{size}.csv")
        cmd = [a.glassbox, "explain", "--model", a.model, "--data", rows_csv, "--method", "tree-interventional",
               "--background", bg_csv, "--format", "csv", "--threads", "1", "--out", out]
        runs = [run_glassbox(cmd) for _ in range(max(1, a.repeat))]
        wall, cpu = min(r[0] for r in runs), min(r[1] for r in runs)
        print(f"\n== background {len(bg_raw)} rows ==")
        print(f"glassbox: {n} rows in {wall:.3f} s = {n / wall:,.0f} rows/s (CPU {cpu:.3f} s = {n / cpu:,.0f} rows/s)")
        if a.skip_references:
            continue
        ours = read_attributions(out, m)
        if not a.skip_shap:
            shap_row(a, bst, bg, X, ours, n, wall)
        woodelf_row(a, bst, bg, X, ours, n, wall, cpu)
    return 0


def shap_row(a, bst, bg, X, ours, n, wall):
    """shap's rate (fewer rows at large backgrounds) and its largest difference."""
    import shap
    # shap costs O(background x rows): fewer rows at large backgrounds (a per-row rate).
    ns = min(a.shap_rows, n, max(10, 200_000 // len(bg)))
    t = time.perf_counter()
    masker = shap.maskers.Independent(bg, max_samples=len(bg))
    explainer = shap.TreeExplainer(bst, masker, feature_perturbation="interventional")
    values = explainer.shap_values(X[:ns], check_additivity=False)
    s = time.perf_counter() - t
    diff = np.max(np.abs(values - ours[:ns]))
    print(f"shap {shap.__version__} (max_samples={len(bg)}): {ns} rows in {s:.3f} s = {ns / s:,.1f} rows/s; "
          f"glassbox/shap {n / wall / (ns / s):,.0f}x; max |glassbox - shap| {diff:.2e}")


def woodelf_row(a, bst, bg, X, ours, n, wall, cpu):
    """woodelf's time (best of --repeat runs, set-up included) and its largest difference."""
    nw = min(a.woodelf_rows, n)
    times = []
    for _ in range(max(1, a.repeat)):
        t = time.perf_counter()
        c = time.process_time()
        wood = woodelf_values(bst, bg, X[:nw])
        times.append((time.perf_counter() - t, time.process_time() - c))
        if wood is None:
            break
    s, wood_cpu = min(x[0] for x in times), min(x[1] for x in times)
    if wood is None:
        print("woodelf: not installed")
    else:
        diff = np.max(np.abs(wood - ours[:nw]))
        print(f"woodelf: {nw} rows in {s:.3f} s = {nw / s:,.0f} rows/s (CPU {wood_cpu:.3f} s = "
              f"{nw / wood_cpu:,.0f} rows/s); glassbox/woodelf {n / wall / (nw / s):,.1f}x wall, "
              f"{n / cpu / (nw / wood_cpu):,.1f}x CPU; max |glassbox - woodelf| {diff:.2e}")


if __name__ == "__main__":
    sys.exit(main())
