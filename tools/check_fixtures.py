#!/usr/bin/env python3
"""Re-check every fixture under Tests/Fixtures from the files on disk.

Reads each case's model file(s) and X.csv back (so the CSV/JSON round trip is part of
the check), re-predicts with the pinned libraries (or, for sklearn and linear cases, with
the numpy reference of the project formats) and compares with expected.json.

    .venv-tools/bin/python tools/check_fixtures.py
"""
import csv
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import export_sklearn  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIX = os.path.join(ROOT, "Tests", "Fixtures")


def read_X(path):
    with open(path, newline="") as fh:
        r = csv.reader(fh)
        names = next(r)
        rows = [[float(v) if v != "" else np.nan for v in row] for row in r]
    return names, np.array(rows, dtype=np.float64)


def close(a, b, rtol, what):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    assert a.shape == b.shape, (what, a.shape, b.shape)
    err = np.max(np.abs(a - b) / np.maximum(1.0, np.abs(b))) if a.size else 0.0
    assert err <= rtol, f"{what}: {err:.3e}"
    return err


def check_case(d):
    exp = json.load(open(os.path.join(d, "expected.json")))
    names, X = read_X(os.path.join(d, "X.csv"))
    assert names == exp["feature_names"], d
    n, F = X.shape
    k = exp["num_outputs"]
    assert 50 <= n <= 200 and F == exp["num_features"]
    c = np.array(exp["contribs"])
    assert c.shape == (n, k, F + 1), c.shape
    lib = exp["library"]
    if lib == "xgboost":
        import xgboost as xgb
        import pandas as pd
        b = xgb.Booster(model_file=os.path.join(d, "model.json"))
        if "categorical_features" in exp:
            df = pd.DataFrame(X, columns=names)
            m = json.load(open(os.path.join(d, "model.json")))
            enc = m["learner"]["gradient_booster"]["model"]["cats"]["enc"]
            for j, name in enumerate(names):
                if name in exp["categorical_features"]:
                    df[name] = pd.Categorical(df[name], categories=enc[j]["values"])
            dm = xgb.DMatrix(df, enable_categorical=True)
        else:
            dm = xgb.DMatrix(X, feature_names=names, missing=np.nan)
        close(b.predict(dm, output_margin=True).reshape(n, k), exp["margin"], 0, "margin")
        close(b.predict(dm).reshape(n, -1), exp["prediction"], 0, "prediction")
        close(b.predict(dm, pred_contribs=True).reshape(n, k, F + 1), c, 0, "contribs")
    elif lib == "lightgbm":
        import lightgbm as lgb
        b = lgb.Booster(model_file=os.path.join(d, "model.txt"))
        dump = json.load(open(os.path.join(d, "model.dump.json")))
        assert dump["num_tree_per_iteration"] == k
        close(b.predict(X, raw_score=True).reshape(n, k), exp["margin"], 0, "margin")
        close(b.predict(X).reshape(n, -1), exp["prediction"], 0, "prediction")
        close(b.predict(X, pred_contrib=True).reshape(n, k, F + 1), c, 0, "contribs")
    elif lib == "scikit-learn":
        doc = json.load(open(os.path.join(d, "model.json")))
        margin, out = export_sklearn.reference_predict(doc, X)
        close(margin, exp["margin"], 1e-12, "margin")
        close(out, exp["prediction"], 1e-12, "prediction")
    elif lib == "shap":
        m = json.load(open(os.path.join(d, "model.json")))
        means = np.array(m["means"])
        Xi = np.where(np.isnan(X), means, X)
        margin = m["intercept"] + Xi @ np.array(m["coefficients"])
        close(margin.reshape(n, 1), exp["margin"], 1e-12, "margin")
        phi = np.array(m["coefficients"]) * (Xi - means)
        close(phi.reshape(n, 1, F), c[:, :, :F], 1e-9, "linear contribs")
    else:
        raise AssertionError(lib)
    # additivity of every contribution block
    close(c.sum(axis=2), exp["margin"], 1e-4 if lib == "xgboost" else 1e-9, "additivity")
    for key in ("interventional", "interventional_probability"):
        if key in exp:
            _, bg = read_X(os.path.join(d, "background.csv"))
            assert bg.shape == (100, F)
            ci = np.array(exp[key]["contribs"])
            assert ci.shape == (n, k, F + 1)
            assert np.all(ci[:, :, F] == np.array(exp[key]["base"])[None, :])
            target = exp["margin"] if exp[key]["model_output"] == "raw" else exp["prediction"]
            close(ci.sum(axis=2), target, 1e-5, key)
    if "interactions" in exp:
        it = np.array(exp["interactions"])
        assert it.shape == (n, k, F + 1, F + 1)
        close(it.sum(axis=3), c, 1e-4, "interactions row sums")


def main():
    cases = []
    for group in sorted(os.listdir(FIX)):
        gd = os.path.join(FIX, group)
        if os.path.isdir(gd):
            cases += [os.path.join(gd, c) for c in sorted(os.listdir(gd))]
    for d in cases:
        check_case(d)
        print(f"  ok  {os.path.relpath(d, FIX)}")
    print(f"{len(cases)} fixtures verified")


if __name__ == "__main__":
    main()
