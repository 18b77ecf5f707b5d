#!/usr/bin/env python3
"""The direct estimator's slopes (glassbox --lime-estimator direct, Adult XGBoost probability,
every feature) over G seeds: their spread (sample standard deviation per row and feature,
root of the sum over features, root mean square over rows) and the reported HC1 standard
errors against it. No lime run. Usage (from the tree root, release glassbox-bench built):
  OPENBLAS_NUM_THREADS=1 python bench/lime/spread.py ROWS SAMPLES [SEEDS=32]
"""
import os, sys
import numpy as np
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from exact import adult_inputs, glassbox_bench

rows, samples = int(sys.argv[1]), int(sys.argv[2])
G = int(sys.argv[3]) if len(sys.argv) > 3 else 32
model, card_path, names, cat, X_train, X_rows, tmp = adult_inputs(rows)
m = len(names)
seeds = [42 + g for g in range(G)]
env = dict(os.environ, GLASSBOX_BENCH="1", GLASSBOX_LIME_BACKGROUND=os.path.join(tmp, "background.csv"),
           GLASSBOX_LIME_ROWS=os.path.join(tmp, "rows.csv"), GLASSBOX_LIME_MODEL=model,
           GLASSBOX_LIME_CARD=card_path, GLASSBOX_LIME_FEATURES=str(m), GLASSBOX_LIME_ESTIMATOR="direct",
           GLASSBOX_LIME_OUTPUT="probability", OPENBLAS_NUM_THREADS="1", GLASSBOX_LIME_SAMPLES=str(samples),
           GLASSBOX_LIME_REPEAT="1", GLASSBOX_LIME_SEEDS=",".join(str(s) for s in seeds[1:]))
ours = glassbox_bench(env, "direct")
W, E = [], []
for run in [ours["rows"]] + ours["other_seeds"]:
    w, e = np.zeros((len(run), m)), np.zeros((len(run), m))
    for r, row in enumerate(run):
        for j, v in zip(row["features"], row["weights"]):
            w[r, j] = v
        e[r] = row["errors"]
    W.append(w); E.append(e)
W, E = np.stack(W), np.stack(E)
spread = W.std(axis=0, ddof=1)          # rows x m
reported = np.sqrt((E ** 2).mean(axis=0))
ok = spread > 0
ratio = reported[ok] / spread[ok]
print("spread rms %.5f reported rms %.5f" % (np.sqrt((spread[ok]**2).sum()/rows), np.sqrt((reported[ok]**2).sum()/rows)))
print("n=%d rows=%d seeds=%d: reported/empirical SE: overall %.3f (sqrt of summed variances), median %.3f, "
      "quartiles %.3f..%.3f, min %.3f, max %.3f" % (
      samples, rows, G, np.sqrt((reported[ok] ** 2).sum() / (spread[ok] ** 2).sum()), np.median(ratio),
      np.percentile(ratio, 25), np.percentile(ratio, 75), ratio.min(), ratio.max()))
