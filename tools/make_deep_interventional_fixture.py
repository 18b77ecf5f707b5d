#!/usr/bin/env python3
"""Reference interventional SHAP values of a deep XGBoost model (depth 14), for glassbox's
deep-path decision-pattern tables (DeepPatternTables.swift).

    .venv-bench-treeshap/bin/python tools/make_deep_interventional_fixture.py

(any venv with xgboost 3.2 and shap 0.54.1: bench/treeshap/requirements.txt). Writes
Tests/Fixtures/interventional-deep/:

    model.json       xgboost binary:logistic, 3 trees, max_depth 14, min_child_weight 0,
                     on 1,000 synthetic rows of 10 features (a few carry most splits, so
                     features repeat along paths; ~8% missing values, default directions)
    background.csv   200 background rows (with missing values)
    X.csv            25 rows to explain
    expected.json    {"shap_version", "xgboost_version", "num_features", "max_depth",
                      "contribs": [[phi_1 .. phi_F, base] per row]} from
                     shap.TreeExplainer(model, shap.maskers.Independent(bg, max_samples=200),
                     feature_perturbation="interventional"), raw margin

Deterministic (seeded numpy, single-threaded xgboost). Also prints the deepest number of
distinct features on a path, which must exceed 8 for the fixture to exercise the deep tables.
"""
import json
import os

import numpy as np
import shap
import xgboost as xgb

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "interventional-deep")
F = 10


def data(rng, n):
    X = rng.uniform(0, 1, size=(n, F))
    logit = (np.sin(6 * X[:, 0]) + 2 * (X[:, 1] - 0.5) * (X[:, 2] > 0.4) + np.cos(9 * X[:, 3] * X[:, 0])
             + 0.5 * X[:, 4] - 0.5 * X[:, 5] * X[:, 6] + 0.3 * (X[:, 7] > 0.7))
    y = (logit + rng.normal(0, 0.3, n) > 0.4).astype(float)
    # float32 values: shap compares them in double with the float32 thresholds, xgboost in
    # float32, and both route every row the same way.
    X = np.round(X, 3).astype(np.float32).astype(np.float64)
    X[rng.uniform(size=X.shape) < 0.08] = np.nan
    return X, y


def write_csv(path, X):
    with open(path, "w") as fh:
        fh.write(",".join(f"x{j}" for j in range(F)) + "\n")
        for row in X:
            # The shortest text of the float32 value: glassbox rounds XGBoost inputs to float32.
            fh.write(",".join("" if np.isnan(v) else str(np.float32(v)) for v in row) + "\n")


def deepest_path(tree):
    left, right, feat = tree["left_children"], tree["right_children"], tree["split_indices"]
    best = 0
    stack = [(0, frozenset())]
    while stack:
        n, seen = stack.pop()
        if left[n] == -1:
            best = max(best, len(seen))
            continue
        s = seen | {feat[n]}
        stack += [(left[n], s), (right[n], s)]
    return best


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(20261204)
    X, y = data(rng, 1000)
    bg, _ = data(rng, 200)
    Xe, _ = data(rng, 25)
    names = [f"x{j}" for j in range(F)]
    d = xgb.DMatrix(X, label=y, feature_names=names, missing=np.nan)
    params = {"objective": "binary:logistic", "max_depth": 14, "eta": 0.3, "min_child_weight": 0,
              "lambda": 1, "seed": 3, "nthread": 1, "tree_method": "exact"}
    bst = xgb.train(params, d, num_boost_round=3)
    path = os.path.join(OUT, "model.json")
    bst.save_model(path)
    bst = xgb.Booster(model_file=path)
    trees = json.load(open(path))["learner"]["gradient_booster"]["model"]["trees"]
    depth = max(deepest_path(t) for t in trees)
    leaves = sum(sum(1 for l in t["left_children"] if l == -1) for t in trees)
    write_csv(os.path.join(OUT, "background.csv"), bg)
    write_csv(os.path.join(OUT, "X.csv"), Xe)
    masker = shap.maskers.Independent(bg, max_samples=len(bg))
    ex = shap.TreeExplainer(bst, masker, feature_perturbation="interventional")
    sv = np.asarray(ex.shap_values(Xe), dtype=np.float64)
    base = float(np.atleast_1d(ex.expected_value)[0])
    margin = bst.predict(xgb.DMatrix(Xe, feature_names=names, missing=np.nan), output_margin=True)
    gap = np.abs(sv.sum(axis=1) + base - margin).max()
    assert gap < 1e-5, gap
    exp = {"shap_version": shap.__version__, "xgboost_version": xgb.__version__, "num_features": F,
           "max_depth": 14, "deepest_distinct_path_features": depth, "leaves": leaves,
           "contribs": [[float(v) for v in row] + [base] for row in sv]}
    with open(os.path.join(OUT, "expected.json"), "w") as fh:
        json.dump(exp, fh, indent=0)
        fh.write("\n")
    print(f"{len(trees)} trees, {leaves} leaves, deepest path {depth} distinct features; additivity gap {gap:.2e}")


if __name__ == "__main__":
    main()
