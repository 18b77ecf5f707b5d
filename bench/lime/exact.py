#!/usr/bin/env python3
"""Exact LIME (glassbox --lime-estimator exact) against lime 0.2.0.1 on the Adult XGBoost
margin (one thread each, one timed run each).

Run through `bench/lime/run.sh --exact`. Steps:
  1. background and rows as bench.py (complete rows of datasets/adult.csv; the first N
     complete rows of datasets/adult-test.csv, encoded with the card's codes);
  2. lime: LimeTabularExplainer(mode="regression", quartile) with the booster's margin
     (output_margin=True, nthread=1) as predict_fn, num_samples=5000, num_features=K,
     seeds 1..S; the run with seed 1 is timed;
  3. glassbox: `glassbox-bench lime` with GLASSBOX_LIME_ESTIMATOR=exact and
     GLASSBOX_LIME_OUTPUT=raw, one thread; the rows are explained REPEAT times over in the
     timed run (a pass over 10 rows takes well under a millisecond) and the time divided;
  4. prints per-row wall and CPU times (the CPU time is less sensitive to other processes
     sharing the machine), their ratios, and the mean top-5 Jaccard overlap of exact vs
     each lime seed and of lime seed pairs (rows are the units for the ± standard error).
"""
import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from bench import ROOT, complete_rows, encode, jaccard, write_inputs  # noqa: E402


def lime_runs(X_train, X_rows, names, cat, booster, seeds, samples, k):
    import lime.lime_tabular as lt
    import xgboost as xgb

    def margin(X):
        return booster.predict(xgb.DMatrix(X, feature_names=booster.feature_names, nthread=1), output_margin=True)

    runs, timed, cpu = [], None, None
    for seed in seeds:
        explainer = lt.LimeTabularExplainer(
            X_train, mode="regression", feature_names=names, categorical_features=cat,
            discretize_continuous=True, discretizer="quartile", random_state=seed)
        start = time.perf_counter()
        cpu_start = time.process_time()
        out = []
        for row in X_rows:
            e = explainer.explain_instance(row, margin, num_features=k, num_samples=samples)
            out.append({"features": [int(i) for i, _ in e.local_exp[1]], "score": float(e.score)})
        if timed is None:
            timed = time.perf_counter() - start
            cpu = time.process_time() - cpu_start
        runs.append(out)
    return runs, timed, cpu


def adult_inputs(rows):
    """The Adult XGBoost model and card paths, feature names, categorical columns, the
    encoded background and rows, and a temporary folder with their CSVs (bench.py's
    background and rows)."""
    model = os.path.join(ROOT, "models", "adult-xgboost.json")
    card_path = os.path.join(ROOT, "models", "adult-xgboost.card.json")
    with open(card_path) as fh:
        features = json.load(fh)["features"]
    names = [f["name"] for f in features]
    cat = [j for j, f in enumerate(features) if f.get("type") == "categorical"]
    train_raw = complete_rows(os.path.join(ROOT, "datasets", "adult.csv"), names)
    rows_raw = complete_rows(os.path.join(ROOT, "datasets", "adult-test.csv"), names, rows)
    X_train, X_rows = encode(train_raw, features), encode(rows_raw, features)
    return model, card_path, names, cat, X_train, X_rows, write_inputs(names, train_raw, rows_raw)


def glassbox_bench(env, estimator):
    """Runs `glassbox-bench lime` (release build) with `env` and returns its JSON result,
    checking that `estimator` ran."""
    proc = subprocess.run([os.path.join(ROOT, ".build-bench", "release", "glassbox-bench"), "lime"],
                          cwd=ROOT, env=env, capture_output=True, text=True)
    line = next((l for l in proc.stdout.splitlines() if l.startswith("lime-bench-json ")), None)
    if line is None:
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
        sys.exit("the Swift benchmark printed no result")
    ours = json.loads(line[len("lime-bench-json "):])
    assert ours["estimator"] == estimator, ours["estimator"]
    return ours


def mean_se(values):
    a = np.asarray(values, dtype=float)
    return float(a.mean()), float(a.std(ddof=1) / np.sqrt(len(a))) if len(a) > 1 else float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10)
    ap.add_argument("--samples", type=int, default=5000)
    ap.add_argument("--features", type=int, default=10)
    ap.add_argument("--seeds", type=int, default=8)
    ap.add_argument("--repeat", type=int, default=500)
    a = ap.parse_args()

    import xgboost as xgb
    model, card_path, names, cat, X_train, X_rows, tmp = adult_inputs(a.rows)

    booster = xgb.Booster(model_file=model)
    booster.set_param({"nthread": 1})
    runs, lime_seconds, lime_cpu = lime_runs(X_train, X_rows, names, cat, booster, range(1, a.seeds + 1), a.samples, a.features)

    env = dict(os.environ, GLASSBOX_BENCH="1", GLASSBOX_LIME_BACKGROUND=os.path.join(tmp, "background.csv"),
               GLASSBOX_LIME_ROWS=os.path.join(tmp, "rows.csv"), GLASSBOX_LIME_MODEL=model,
               GLASSBOX_LIME_CARD=card_path, GLASSBOX_LIME_SAMPLES=str(a.samples),
               GLASSBOX_LIME_FEATURES=str(a.features), GLASSBOX_LIME_ESTIMATOR="exact", GLASSBOX_LIME_OUTPUT="raw",
               GLASSBOX_LIME_REPEAT=str(a.repeat), OPENBLAS_NUM_THREADS="1")
    ours = glassbox_bench(env, "exact")

    n = len(X_rows)
    top = 5
    exact_vs_lime = [np.mean([jaccard(ours["rows"][r]["features"][:top], run[r]["features"][:top]) for run in runs])
                     for r in range(n)]
    pairs = [(x, y) for i, x in enumerate(runs) for j, y in enumerate(runs) if i < j]
    lime_vs_lime = [np.mean([jaccard(x[r]["features"][:top], y[r]["features"][:top]) for x, y in pairs])
                    for r in range(n)]
    lime_ms = lime_seconds / n * 1e3
    ours_ms = ours["seconds"] / n * 1e3
    lime_cpu_ms = lime_cpu / n * 1e3
    ours_cpu_ms = ours["cpu_seconds"] / n * 1e3
    report = {
        "rows": n, "samples": a.samples, "features": a.features, "seeds": a.seeds, "repeat": a.repeat,
        "background_rows": len(X_train),
        "lime_ms_per_row": lime_ms, "exact_ms_per_row": ours_ms, "speedup": lime_ms / ours_ms,
        "lime_cpu_ms_per_row": lime_cpu_ms, "exact_cpu_ms_per_row": ours_cpu_ms, "cpu_speedup": lime_cpu_ms / ours_cpu_ms,
        "top5_jaccard_exact_vs_lime": mean_se(exact_vs_lime), "top5_jaccard_lime_vs_lime": mean_se(lime_vs_lime),
        "lime_scores_seed1": [r["score"] for r in runs[0]], "exact_scores": [r["score"] for r in ours["rows"]],
    }
    print(json.dumps(report, indent=2))
    print("wall: lime %.2f ms/row, exact LIME %.4f ms/row: %.0fx; CPU: lime %.2f ms/row, exact LIME %.4f ms/row: %.0fx"
          % (lime_ms, ours_ms, lime_ms / ours_ms, lime_cpu_ms, ours_cpu_ms, lime_cpu_ms / ours_cpu_ms))
    print("top-5 Jaccard exact-vs-lime %.3f ± %.3f, lime-vs-lime %.3f ± %.3f (mean ± se over rows)"
          % (*report["top5_jaccard_exact_vs_lime"], *report["top5_jaccard_lime_vs_lime"]))


if __name__ == "__main__":
    main()
