#!/usr/bin/env python3
"""More reference fixtures for glassbox's exact LIME estimator: lime 0.2.0.1's mean
surrogate over many seeds for a random forest's probability, and for lime's
non-discretized mode (discretize_continuous=False).

Writes, under Tests/Fixtures/lime/:
  adult-forest.json   a scikit-learn RandomForestClassifier (20 trees, max_depth 6,
                      random_state 0) fitted on the complete rows of datasets/adult.csv
                      (label: income is ">50K"), exported by tools/export_sklearn.py; its
                      raw output is the class probabilities (mean of the trees' leaf
                      class fractions)
  exact_more.json     per case, per row, over SEEDS lime runs (random_state = seed) of
                      SAMPLES samples: the mean and standard error (sd / sqrt(SEEDS)) of
                      every feature's weight, of the intercept, of the score and of the
                      local prediction. Cases:
                        forest       classification mode, predict_proba, label 1, quartile
                        continuous   regression mode, the Adult XGBoost margin,
                                     discretize_continuous=False

Every run keeps every feature (feature_selection="none", num_features = all), so its weights
are its Ridge(alpha=1) surrogate on all features. The background is the complete rows of
datasets/adult.csv encoded with the card's codes (the test re-reads the CSV); the rows are
the first ROWS complete rows of datasets/adult-test.csv.

Run with the tools venv:  .venv-tools/bin/python tools/make_fixtures_lime_exact_more.py
"""
import csv
import json
import os
import sys

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "bench"))
sys.path.insert(0, os.path.join(ROOT, "tools"))
from card_encoding import MISSING, encode_cells  # noqa: E402
from export_sklearn import check, export  # noqa: E402
from make_exact_lime_fixtures import floats, run_summary, write_fixture  # noqa: E402

FIXTURES = os.path.join(ROOT, "Tests", "Fixtures", "lime")
ROWS = 4
SEEDS = 40
SAMPLES = 5000


def complete(path, names, limit=None):
    """Feature cells and the income label of the rows with no missing feature cell."""
    with open(path, newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        idx = [header.index(n) for n in names]
        label = header.index("income")
        rows, labels = [], []
        for row in reader:
            cells = [row[i].strip() for i in idx]
            if any(c in MISSING for c in cells):
                continue
            rows.append(cells)
            labels.append(1 if row[label].strip().rstrip(".") == ">50K" else 0)
            if limit and len(rows) >= limit:
                break
    return rows, np.asarray(labels)


def lime_summaries(X_train, X_rows, names, cat, fn, mode, discretize):
    import lime.lime_tabular as lt

    m = len(names)
    per_row = []
    for r, row in enumerate(X_rows):
        explanations = []
        for seed in range(SEEDS):
            explainer = lt.LimeTabularExplainer(
                X_train, mode=mode, feature_names=names, categorical_features=cat,
                discretize_continuous=discretize, discretizer="quartile", feature_selection="none",
                random_state=seed)
            explanations.append(
                explainer.explain_instance(row, fn, num_features=m, num_samples=SAMPLES, labels=(1,)))
        out = np.ravel(fn(row[np.newaxis, :]))
        per_row.append(dict(run_summary(explanations, m), output=float(out[1] if len(out) > 1 else out[0])))
        print(f"row {r} done", file=sys.stderr)
    return per_row


def main():
    import xgboost as xgb
    from sklearn.ensemble import RandomForestClassifier

    with open(os.path.join(ROOT, "models", "adult-xgboost.card.json")) as fh:
        features = json.load(fh)["features"]
    names = [f["name"] for f in features]
    cat = [j for j, f in enumerate(features) if f.get("type") == "categorical"]
    train_raw, y = complete(os.path.join(ROOT, "datasets", "adult.csv"), names)
    rows_raw, _ = complete(os.path.join(ROOT, "datasets", "adult-test.csv"), names, ROWS)
    X_train = encode_cells(train_raw, names, features)
    X_rows = encode_cells(rows_raw, names, features)
    assert not np.isnan(X_train).any() and not np.isnan(X_rows).any()

    forest = RandomForestClassifier(n_estimators=20, max_depth=6, random_state=0, n_jobs=1)
    forest.fit(X_train, y)
    forest_path = os.path.join(FIXTURES, "adult-forest.json")
    doc = export(forest, names, forest_path)
    check(forest, doc, X_rows)

    booster = xgb.Booster(model_file=os.path.join(ROOT, "models", "adult-xgboost.json"))
    booster.set_param({"nthread": 1})

    def xgboost_margin(X):
        return booster.predict(xgb.DMatrix(X, feature_names=booster.feature_names, nthread=1), output_margin=True)

    cases = {}
    for key, fn, mode, discretize, model in [
        ("forest", forest.predict_proba, "classification", True, "Tests/Fixtures/lime/adult-forest.json"),
        ("continuous", xgboost_margin, "regression", False, "models/adult-xgboost.json"),
    ]:
        print(key, file=sys.stderr)
        cases[key] = {"model": model, "discretize": discretize,
                      "rows": lime_summaries(X_train, X_rows, names, cat, fn, mode, discretize)}
    out = {"lime": "0.2.0.1", "samples": SAMPLES, "seeds": SEEDS, "names": names,
           "background_rows": int(len(X_train)), "rows": [floats(r) for r in X_rows], "cases": cases}
    write_fixture(os.path.join(FIXTURES, "exact_more.json"), out)


if __name__ == "__main__":
    main()
