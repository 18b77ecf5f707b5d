#!/usr/bin/env python3
"""Reference SHAP values of xgboost 3.3+ (Quadrature-TreeSHAP) for glassbox's
`--tree-algorithm xgboost-3.3` mode.

    python3.12 -m venv .venv-xgb34 && .venv-xgb34/bin/pip install xgboost==3.4.1 pandas
    .venv-xgb34/bin/python tools/make_fixtures_treeshap_xgb34.py

xgboost 3.3 replaced the classic TreeSHAP of `pred_contribs` by an 8-point quadrature in
float32; the values differ from 3.2's in the last bits. This script reloads every
`Tests/Fixtures/trees/xgb-*` model (written by tools/make_fixtures.py with xgboost 3.2),
explains the case's own `X.csv` with the installed xgboost (3.4.1), and writes
`Tests/Fixtures/treeshap-xgb33/<case>.json`:

    {"xgboost_version": "3.4.1", "num_features": F, "num_outputs": K,
     "contribs": [[[phi_1 .. phi_F, bias] per output] per row]}

It also explains the first 200 rows of datasets/adult-test.csv with models/adult-xgboost.json
(120 trees, depth 6) as the case `adult-xgboost`. Every value is a float32 written exactly
(repr of its double). Needs Python 3.12 for xgboost 3.4.1; deterministic.
"""

import json
import os
import sys

import numpy as np
import pandas as pd
import xgboost as xgb

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_adult  # noqa: E402

ROOT = make_adult.ROOT
TREES = os.path.join(ROOT, "Tests", "Fixtures", "trees")
OUT = os.path.join(ROOT, "Tests", "Fixtures", "treeshap-xgb33")


def read_x(path):
    frame = pd.read_csv(path)
    return list(frame.columns), frame.to_numpy(dtype=np.float64)


def category_levels():
    rows = make_adult.load_csv(os.path.join(ROOT, "datasets", "adult.csv"))
    codes = make_adult.category_codes(rows)
    return {c: len(codes[c]) for c in make_adult.CATEGORICAL}


def matrix(names, X, categorical):
    if not categorical:
        return xgb.DMatrix(X, feature_names=names, missing=np.nan)
    levels = category_levels()
    frame = pd.DataFrame(X, columns=names)
    for c in categorical:
        frame[c] = pd.Categorical(frame[c], categories=list(range(levels[c])))
    return xgb.DMatrix(frame, enable_categorical=True, missing=np.nan)


def explain(name, model_path, names, X, categorical):
    booster = xgb.Booster(model_file=model_path)
    booster.set_param({"nthread": 1})
    data = matrix(names, X, categorical)
    margin = booster.predict(data, output_margin=True)
    n, f = X.shape
    k = 1 if margin.ndim == 1 else margin.shape[1]
    contribs = booster.predict(data, pred_contribs=True).reshape(n, k, f + 1)
    gap = np.abs(contribs.astype(np.float64).sum(axis=2) - margin.reshape(n, k)).max()
    if gap > 1e-3:
        raise SystemExit(f"{name}: contributions do not add up to the margin ({gap})")
    doc = {"xgboost_version": xgb.__version__, "num_features": f, "num_outputs": k,
           "contribs": [[[float(v) for v in out] for out in row] for row in contribs]}
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, f"{name}.json")
    with open(path, "w") as fh:
        json.dump(doc, fh, separators=(",", ":"))
        fh.write("\n")
    print(f"{path}: {n} rows, {k} outputs, {f} features")


def main():
    if not xgb.__version__.startswith("3.4."):
        raise SystemExit(f"needs xgboost 3.4.x, found {xgb.__version__}")
    for case in sorted(os.listdir(TREES)):
        if not case.startswith("xgb-"):
            continue
        with open(os.path.join(TREES, case, "expected.json")) as fh:
            expected = json.load(fh)
        names, X = read_x(os.path.join(TREES, case, "X.csv"))
        explain(case, os.path.join(TREES, case, "model.json"), names, X,
                expected.get("categorical_features"))
    rows = make_adult.load_csv(os.path.join(ROOT, "datasets", "adult-test.csv"))[:200]
    codes = make_adult.category_codes(make_adult.load_csv(os.path.join(ROOT, "datasets", "adult.csv")))
    X, _ = make_adult.encode(rows, codes)
    names = list(make_adult.FEATURES)
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "adult-xgboost.X.csv"), "w") as fh:
        fh.write(",".join(names) + "\n")
        for row in X:
            fh.write(",".join("" if np.isnan(v) else repr(float(v)) for v in row) + "\n")
    explain("adult-xgboost", os.path.join(ROOT, "models", "adult-xgboost.json"), names, X, None)

if __name__ == "__main__":
    main()
