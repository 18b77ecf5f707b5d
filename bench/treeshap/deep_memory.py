#!/usr/bin/env python3
"""Memory and time of interventional TreeSHAP on a large model: 500 trees of depth 8.

Trains an XGBoost model (binary:logistic, 500 trees, max_depth 8, eta 0.05, seed 7) and
writes it to --out:
- adult (default): on datasets/adult.csv with the card encoding of
  models/adult-xgboost.card.json (hist, default min_child_weight: ~56 leaves per tree);
- --synthetic: on 32,561 synthetic rows of 20 uniform features with min_child_weight 0
  (nearly full trees: up to 256 leaves per tree, most paths with 7-8 distinct features),
  the worst case for the tables' memory.
Then, for each background size (the first rows of the training CSV):

  /usr/bin/time -v glassbox explain --model M --method tree-interventional
      --background bg.csv --data D --rows 0-999 --threads 1 --format csv

and prints the wall time, user CPU, the maximum resident set size, and the algorithm
glassbox reports (from one more JSON run on one row). Run with the bench venv:
  .venv-bench-treeshap/bin/python bench/treeshap/deep_memory.py [--synthetic]
"""
import argparse
import csv
import json
import os
import re
import shutil
import subprocess
import sys

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "bench"))
from card_encoding import encode_cells  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--glassbox", default=os.path.join(ROOT, ".build-release/release/glassbox"))
    ap.add_argument("--out", default="/tmp/glassbox-deep-memory")
    ap.add_argument("--trees", type=int, default=500)
    ap.add_argument("--depth", type=int, default=8)
    ap.add_argument("--backgrounds", default="1000,32561")
    ap.add_argument("--rows", type=int, default=1000)
    ap.add_argument("--synthetic", action="store_true")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    if args.synthetic:
        return synthetic(args)
    card_path = os.path.join(ROOT, "models", "adult-xgboost.card.json")
    with open(card_path) as fh:
        card = json.load(fh)
    data = os.path.join(ROOT, "datasets", "adult.csv")
    with open(data, newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        raw = list(reader)
    X = encode_cells(raw, header, card["features"])
    y = np.array([1.0 if r[header.index("income")] == ">50K" else 0.0 for r in raw])
    name = f"adult-xgb-{args.trees}x{args.depth}"
    model = os.path.join(args.out, name + ".json")
    if not os.path.exists(model):
        import xgboost as xgb
        names = [f["name"] for f in card["features"]]
        d = xgb.DMatrix(X, label=y, feature_names=names, missing=np.nan)
        params = {"objective": "binary:logistic", "max_depth": args.depth, "eta": 0.05,
                  "seed": 7, "nthread": 2, "tree_method": "hist"}
        xgb.train(params, d, num_boost_round=args.trees).save_model(model)
        print(f"trained {model} with xgboost {xgb.__version__}")
    shutil.copy(card_path, os.path.join(args.out, name + ".card.json"))
    describe(model)
    sweep(args, model, header, raw, os.path.join(ROOT, "datasets", "adult-test.csv"))


def sweep(args, model, header, rows, data):
    """For each background size n: the first n of `rows` as background, one measured run."""
    for n in [int(s) for s in args.backgrounds.split(",")]:
        bg = os.path.join(args.out, f"bg-{n}.csv")
        with open(bg, "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(header)
            w.writerows(rows[:n])
        cmd = ["/usr/bin/time", "-v", args.glassbox, "explain", "--model", model,
               "--method", "tree-interventional", "--background", bg, "--data", data,
               "--rows", f"0-{args.rows - 1}", "--threads", "1", "--format", "csv",
               "--out", os.path.join(args.out, f"phi-{n}.csv")]
        measure(args, cmd, model, bg, data, n)


def describe(model):
    """Prints the model's tree and leaf counts and the machine load."""
    with open(model) as fh:
        trees = json.load(fh)["learner"]["gradient_booster"]["model"]["trees"]
    leaves = sum(sum(1 for l in t["left_children"] if l == -1) for t in trees)
    print(f"{model}: {len(trees)} trees, {leaves} leaves ({leaves / len(trees):.1f} per tree)")
    print(f"load: {os.getloadavg()[0]:.2f} (1-min average)", flush=True)


def measure(args, cmd, model, bg, data, n):
    """Runs `cmd` under /usr/bin/time -v and prints its figures and the algorithm used."""
    p = subprocess.run(cmd, capture_output=True, text=True)
    err = p.stderr
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", err).group(1))
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", err).group(1)
    user = float(re.search(r"User time \(seconds\): (\S+)", err).group(1))
    one = subprocess.run([args.glassbox, "explain", "--model", model, "--method", "tree-interventional",
                          "--background", bg, "--data", data, "--rows", "0", "--format", "json"],
                         capture_output=True, text=True)
    algo = json.loads(one.stdout.splitlines()[0])["algorithm"] if one.returncode == 0 else one.stderr.strip()
    print(f"background {n}: exit {p.returncode}, wall {wall}, user {user:.2f} s, "
          f"max RSS {rss / 1024:.0f} MiB; {algo}", flush=True)


def synthetic(args):
    """The dense-tree case (see the module's docstring)."""
    rng = np.random.default_rng(11)
    F = 20
    X = np.round(rng.uniform(0, 1, size=(32561, F)), 4)
    logit = np.sin(4 * X[:, 0]) + X[:, 1] * X[:, 2] - X[:, 3] + np.cos(5 * X[:, 4] * X[:, 5]) + 0.5 * X[:, 6:].sum(axis=1) / F
    y = (logit + rng.normal(0, 0.5, len(X)) > np.median(logit)).astype(float)
    names = [f"x{j}" for j in range(F)]
    train = os.path.join(args.out, "synthetic.csv")
    with open(train, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(names)
        w.writerows(X.tolist())
    model = os.path.join(args.out, f"synthetic-xgb-{args.trees}x{args.depth}.json")
    if not os.path.exists(model):
        import xgboost as xgb
        d = xgb.DMatrix(X, label=y, feature_names=names)
        params = {"objective": "binary:logistic", "max_depth": args.depth, "eta": 0.05, "min_child_weight": 0,
                  "seed": 7, "nthread": 2, "tree_method": "hist"}
        xgb.train(params, d, num_boost_round=args.trees).save_model(model)
    describe(model)
    sweep(args, model, names, X.tolist(), train)


if __name__ == "__main__":
    main()
