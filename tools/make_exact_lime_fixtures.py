#!/usr/bin/env python3
"""Reference fixture for glassbox's exact LIME estimator: lime 0.2.0.1's mean surrogate
over many seeds on the Adult models, in raw output (margins).

Writes Tests/Fixtures/lime/exact_adult.json:
  background   the complete rows of datasets/adult.csv (lime refuses NaN), encoded with
               the card's codes; only their count is stored (the test re-reads the CSV)
  rows         the first ROWS complete rows of datasets/adult-test.csv, encoded
  models       for models/adult-xgboost.json (margin: booster.predict(output_margin=True))
               and models/adult-logistic.json (margin: intercept + x·w):
               per row, over SEEDS lime runs (random_state = seed) of 5000 samples,
               the mean and standard error (sd / √SEEDS) of every feature's weight, of the
               intercept, of the score and of the local prediction

lime runs in regression mode with the margin as its predict function, quartile
discretizer, default kernel width, feature_selection="none" and num_features = every
feature, so each run's weights are its Ridge(alpha=1) surrogate on all features.

Run with the tools venv:  .venv-tools/bin/python tools/make_exact_lime_fixtures.py
"""
import json
import math
import os
import sys

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "bench"))
sys.path.insert(0, os.path.join(ROOT, "bench", "lime"))
from bench import complete_rows  # noqa: E402
from card_encoding import encode_cells  # noqa: E402

OUT = os.path.join(ROOT, "Tests", "Fixtures", "lime", "exact_adult.json")
ROWS = 6
SEEDS = 40
SAMPLES = 5000


def summary(values):
    a = np.asarray(values, dtype=float)
    return a.mean(axis=0), a.std(axis=0, ddof=1) / math.sqrt(len(a))


def floats(a):
    return [float(v) for v in np.asarray(a).ravel()]


def write_fixture(path, doc):
    """Writes a fixture document as indented JSON with a final newline."""
    with open(path, "w") as fh:
        json.dump(doc, fh, indent=1)
        fh.write("\n")
    print("wrote", path, file=sys.stderr)


def run_summary(explanations, m):
    """The mean and standard error, over lime explanations (label 1), of every feature's
    weight (0 where a run left it out), of the intercept, of the score and of the local
    prediction."""
    weights, intercepts, scores, locals_ = [], [], [], []
    for e in explanations:
        coef = np.zeros(m)
        for j, v in e.local_exp[1]:
            coef[j] = v
        weights.append(coef)
        intercepts.append(float(e.intercept[1]))
        scores.append(float(e.score))
        locals_.append(float(np.ravel(e.local_pred)[0]))
    wm, ws = summary(weights)
    im, is_ = summary(intercepts)
    sm, ss = summary(scores)
    lm, ls = summary(locals_)
    return {"weights_mean": floats(wm), "weights_se": floats(ws), "intercept_mean": float(im),
            "intercept_se": float(is_), "score_mean": float(sm), "score_se": float(ss),
            "local_prediction_mean": float(lm), "local_prediction_se": float(ls)}


def main():
    import lime.lime_tabular as lt
    import xgboost as xgb

    with open(os.path.join(ROOT, "models", "adult-xgboost.card.json")) as fh:
        card = json.load(fh)
    features = card["features"]
    names = [f["name"] for f in features]
    cat = [j for j, f in enumerate(features) if f.get("type") == "categorical"]
    X_train = encode_cells(complete_rows(os.path.join(ROOT, "datasets", "adult.csv"), names), names, features)
    X_rows = encode_cells(complete_rows(os.path.join(ROOT, "datasets", "adult-test.csv"), names, ROWS), names, features)
    assert not np.isnan(X_train).any() and not np.isnan(X_rows).any()

    booster = xgb.Booster(model_file=os.path.join(ROOT, "models", "adult-xgboost.json"))
    booster.set_param({"nthread": 1})

    def xgboost_margin(X):
        return booster.predict(xgb.DMatrix(X, feature_names=booster.feature_names, nthread=1), output_margin=True)

    with open(os.path.join(ROOT, "models", "adult-logistic.json")) as fh:
        linear = json.load(fh)
    w = np.asarray(linear["coefficients"], dtype=float).ravel()
    b = float(np.ravel(linear["intercept"] if "intercept" in linear else linear["intercepts"])[0])
    assert linear["features"] == names

    def linear_margin(X):
        return X @ w + b

    m = len(names)
    models = {}
    for key, path, fn in [("xgboost", "models/adult-xgboost.json", xgboost_margin),
                          ("linear", "models/adult-logistic.json", linear_margin)]:
        per_row = []
        for r, row in enumerate(X_rows):
            explanations = []
            for seed in range(SEEDS):
                explainer = lt.LimeTabularExplainer(
                    X_train, mode="regression", feature_names=names, categorical_features=cat,
                    discretize_continuous=True, discretizer="quartile", feature_selection="none",
                    random_state=seed)
                explanations.append(explainer.explain_instance(row, fn, num_features=m, num_samples=SAMPLES))
            per_row.append(dict(run_summary(explanations, m), margin=float(fn(row[np.newaxis, :])[0])))
            print(f"{key} row {r} done", file=sys.stderr)
        models[key] = {"model": path, "rows": per_row}
    out = {"lime": "0.2.0.1", "samples": SAMPLES, "seeds": SEEDS, "discretizer": "quartile",
           "names": names, "background_rows": int(len(X_train)), "rows": [floats(r) for r in X_rows],
           "models": models}
    write_fixture(OUT, out)


if __name__ == "__main__":
    main()
