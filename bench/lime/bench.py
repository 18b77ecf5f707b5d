#!/usr/bin/env python3
"""lime 0.2.0.1 against glassbox LIME on the Adult XGBoost model (one thread each, one run).

Run through bench/lime/run.sh. Steps:
  1. the training background = complete rows of datasets/adult.csv (lime refuses NaN) and
     the first N complete rows of datasets/adult-test.csv, encoded with the card's codes;
  2. lime's LimeTabularExplainer (categorical_features = the card's categorical columns,
     discretize_continuous=True, quartile) explains the rows with num_samples=5000,
     num_features=10, predict_fn = the booster's probability (nthread=1), seeds A and B;
  3. glassbox: `glassbox-bench lime` (bench/GlassboxBench, release build) explains the same rows
     from the same CSVs on one thread and prints JSON;
  4. prints rows/s of both, their ratio, and the mean top-5 Jaccard overlap of glassbox
     vs lime (seed A) and of lime seed A vs lime seed B.
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
sys.path.insert(0, os.path.join(ROOT, "bench"))
from card_encoding import MISSING, encode_cells  # noqa: E402


def complete_rows(path, names, limit=None):
    """Header and raw rows (feature columns only) without missing cells."""
    with open(path, newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        idx = [header.index(n) for n in names]
        rows = []
        for row in reader:
            cells = [row[i].strip() for i in idx]
            if any(c in MISSING for c in cells):
                continue
            rows.append(cells)
            if limit and len(rows) >= limit:
                break
    return rows


def encode(rows, features):
    """Feature-ordered cells (`complete_rows`) as the model matrix."""
    return encode_cells(rows, [f["name"] for f in features], features)


def write_inputs(names, train_raw, rows_raw):
    """A temporary folder with background.csv and rows.csv (the raw cells, with a header)."""
    tmp = tempfile.mkdtemp(prefix="glassbox-lime-bench-")
    for name, raw in [("background.csv", train_raw), ("rows.csv", rows_raw)]:
        with open(os.path.join(tmp, name), "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(names)
            w.writerows(raw)
    return tmp


def jaccard(a, b):
    a, b = set(a), set(b)
    return 1.0 if not (a | b) else len(a & b) / len(a | b)


def run_lime(X_train, X_rows, names, cat, cat_names, booster, seed, samples, k):
    import xgboost as xgb
    import lime.lime_tabular as lt

    def predict_fn(X):
        p = booster.predict(xgb.DMatrix(X, missing=np.nan, feature_names=booster.feature_names, nthread=1))
        return np.column_stack([1 - p, p])

    explainer = lt.LimeTabularExplainer(
        X_train, mode="classification", feature_names=names, categorical_features=cat,
        categorical_names=cat_names, discretize_continuous=True, discretizer="quartile", random_state=seed)
    out = []
    start = time.perf_counter()
    for row in X_rows:
        e = explainer.explain_instance(row, predict_fn, num_features=k, num_samples=samples)
        out.append({"features": [int(i) for i, _ in e.local_exp[1]], "weights": [float(w) for _, w in e.local_exp[1]],
                    "conditions": [c for c, _ in e.as_list(label=1)], "score": float(e.score)})
    seconds = time.perf_counter() - start
    return out, seconds


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10)
    ap.add_argument("--samples", type=int, default=5000)
    ap.add_argument("--features", type=int, default=10)
    ap.add_argument("--seeds", type=int, default=8, help="seeds per side for the agreement figures (lime 1..S, glassbox 42..41+S)")
    ap.add_argument("--model", default=os.path.join(ROOT, "models", "adult-xgboost.json"))
    ap.add_argument("--card", default=os.path.join(ROOT, "models", "adult-xgboost.card.json"))
    ap.add_argument("--skip-swift", action="store_true", help="reuse --swift-json instead of running swift")
    ap.add_argument("--swift-json", default=None)
    a = ap.parse_args()

    import xgboost as xgb
    with open(a.card) as fh:
        card = json.load(fh)
    features = card["features"]
    names = [f["name"] for f in features]
    cat = [j for j, f in enumerate(features) if f.get("type") == "categorical"]
    cat_names = {}
    for j in cat:
        labels = features[j]["labels"]
        size = int(max(labels.values())) + 1
        names_j = [str(c) for c in range(size)]
        for label, code in labels.items():
            names_j[int(code)] = label
        cat_names[j] = names_j
    train_raw = complete_rows(os.path.join(ROOT, "datasets", "adult.csv"), names)
    rows_raw = complete_rows(os.path.join(ROOT, "datasets", "adult-test.csv"), names, a.rows)
    X_train, X_rows = encode(train_raw, features), encode(rows_raw, features)

    tmp = write_inputs(names, train_raw, rows_raw)

    booster = xgb.Booster(model_file=a.model)
    booster.set_param({"nthread": 1})
    lime_a, seconds_a = run_lime(X_train, X_rows, names, cat, cat_names, booster, 1, a.samples, a.features)
    lime_b, _ = run_lime(X_train, X_rows, names, cat, cat_names, booster, 2, a.samples, a.features)
    # Untimed runs with more seeds, for agreement figures averaged over seed pairs.
    lime_runs = [lime_a, lime_b] + [run_lime(X_train, X_rows, names, cat, cat_names, booster, s, a.samples, a.features)[0]
                                    for s in range(3, a.seeds + 1)]

    if a.skip_swift:
        with open(a.swift_json) as fh:
            ours = json.load(fh)
    else:
        env = dict(os.environ, GLASSBOX_BENCH="1", GLASSBOX_LIME_BACKGROUND=os.path.join(tmp, "background.csv"),
                   GLASSBOX_LIME_ROWS=os.path.join(tmp, "rows.csv"), GLASSBOX_LIME_MODEL=a.model,
                   GLASSBOX_LIME_CARD=a.card, GLASSBOX_LIME_SAMPLES=str(a.samples),
                   GLASSBOX_LIME_FEATURES=str(a.features), OPENBLAS_NUM_THREADS="1",
                   GLASSBOX_LIME_SEEDS=",".join(str(42 + s) for s in range(1, a.seeds)))
        cmd = [os.path.join(ROOT, ".build-bench", "release", "glassbox-bench"), "lime"]
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
        line = next((l for l in proc.stdout.splitlines() if l.startswith("lime-bench-json ")), None)
        if line is None:
            sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
            sys.exit("the Swift benchmark printed no result")
        ours = json.loads(line[len("lime-bench-json "):])

    # The model alone: one batch of `samples` rows (what each explained row needs).
    batch = X_train[: a.samples]
    model_best = math.inf
    for _ in range(3):
        t = time.perf_counter()
        booster.predict(xgb.DMatrix(batch, missing=np.nan, feature_names=booster.feature_names, nthread=1))
        model_best = min(model_best, time.perf_counter() - t)

    n = len(X_rows)
    lime_rate = n / seconds_a
    ours_rate = ours["rows_per_second"]
    top = 5
    j_ours = [jaccard(o["features"][:top], l["features"][:top]) for o, l in zip(ours["rows"], lime_a)]
    j_lime = [jaccard(x["features"][:top], y["features"][:top]) for x, y in zip(lime_a, lime_b)]
    # Agreement averaged over seed pairs: lime with itself (pairs of lime seeds), glassbox
    # with lime (every glassbox seed against every lime seed), glassbox with itself. Rows
    # are the independent units: the standard error is over the per-row means.
    ours_runs = [ours["rows"]] + ours.get("other_seeds", [])

    def agreement(runs_x, runs_y, same):
        per_row = []
        for r in range(n):
            pairs = [(x, y) for i, x in enumerate(runs_x) for j, y in enumerate(runs_y) if not same or i < j]
            per_row.append(sum(jaccard(x[r]["features"][:top], y[r]["features"][:top]) for x, y in pairs) / len(pairs))
        mean = sum(per_row) / n
        se = (sum((v - mean) ** 2 for v in per_row) / (n - 1) / n) ** 0.5 if n > 1 else float("nan")
        return mean, se, len(pairs)

    lime_self = agreement(lime_runs, lime_runs, True)
    cross = agreement(ours_runs, lime_runs, False)
    ours_self = agreement(ours_runs, ours_runs, True) if len(ours_runs) > 1 else (float("nan"), float("nan"), 0)
    # Paired per row: cross minus lime-self, with its standard error over rows.
    diffs = []
    for r in range(n):
        lp = [(x, y) for i, x in enumerate(lime_runs) for j, y in enumerate(lime_runs) if i < j]
        cp = [(x, y) for x in ours_runs for y in lime_runs]
        ls = sum(jaccard(x[r]["features"][:top], y[r]["features"][:top]) for x, y in lp) / len(lp)
        cs = sum(jaccard(x[r]["features"][:top], y[r]["features"][:top]) for x, y in cp) / len(cp)
        diffs.append(cs - ls)
    dmean = sum(diffs) / n
    dse = (sum((v - dmean) ** 2 for v in diffs) / (n - 1) / n) ** 0.5 if n > 1 else float("nan")
    report = {
        "rows": n, "samples": a.samples, "features": a.features, "background_rows": len(X_train),
        "lime_seconds": seconds_a, "lime_rows_per_second": lime_rate,
        "glassbox_seconds": ours["seconds"], "glassbox_rows_per_second": ours_rate,
        "speedup": ours_rate / lime_rate,
        "xgboost_predict_seconds_per_batch": model_best,
        "glassbox_model_seconds_per_batch": ours.get("model_seconds_per_batch"),
        "lime_overhead_seconds_per_row": seconds_a / n - model_best,
        "glassbox_overhead_seconds_per_row": ours["seconds"] / n - ours.get("model_seconds_per_batch", 0),
        "top5_jaccard_glassbox_vs_lime": sum(j_ours) / n, "top5_jaccard_lime_vs_lime": sum(j_lime) / n,
        "per_row_jaccard_glassbox_vs_lime": j_ours, "per_row_jaccard_lime_vs_lime": j_lime,
        "seeds_per_side": a.seeds,
        "top5_jaccard_seed_pairs": {"lime_vs_lime": lime_self[:2], "glassbox_vs_lime": cross[:2],
                                    "glassbox_vs_glassbox": ours_self[:2], "glassbox_vs_lime_minus_lime_vs_lime": [dmean, dse]},
        "lime_scores": [r["score"] for r in lime_a], "glassbox_scores": [r["score"] for r in ours["rows"]],
        "lime_conditions_row0": lime_a[0]["conditions"][:top], "glassbox_conditions_row0": ours["rows"][0]["conditions"][:top],
    }
    print(json.dumps(report, indent=2))
    print("lime %.2f rows/s, glassbox %.2f rows/s: %.1fx; top-5 Jaccard glassbox-vs-lime %.3f, lime-vs-lime %.3f"
          % (lime_rate, ours_rate, ours_rate / lime_rate, report["top5_jaccard_glassbox_vs_lime"],
             report["top5_jaccard_lime_vs_lime"]))
    print("top-5 Jaccard over seed pairs (%d seeds a side; mean ± se over rows): lime-vs-lime %.3f ± %.3f (%d pairs), "
          "glassbox-vs-lime %.3f ± %.3f (%d pairs), glassbox-vs-glassbox %.3f ± %.3f; "
          "glassbox-vs-lime minus lime-vs-lime %+.3f ± %.3f"
          % (a.seeds, lime_self[0], lime_self[1], lime_self[2], cross[0], cross[1], cross[2], ours_self[0], ours_self[1],
             dmean, dse))
    print("model alone per %d-row batch: xgboost %.2f ms, glassbox %.2f ms; overhead per row beyond the model:"
          " lime %.2f ms, glassbox %.2f ms"
          % (len(batch), model_best * 1e3, (ours.get("model_seconds_per_batch") or 0) * 1e3,
             report["lime_overhead_seconds_per_row"] * 1e3, report["glassbox_overhead_seconds_per_row"] * 1e3))


if __name__ == "__main__":
    main()
