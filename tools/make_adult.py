#!/usr/bin/env python3
"""Build glassbox's Adult dataset, shipped models and model cards.

Inputs  (raw UCI files, not committed):  $GLASSBOX_RAW_DATA or /work/shared/datasets
          adult.data, adult.test
Outputs (committed, relative to the repo root):
          datasets/adult.csv, datasets/adult-test.csv
          models/adult-logistic.json   + models/adult-logistic.card.json
          models/adult-xgboost.json    + models/adult-xgboost.card.json
          models/adult-lightgbm.txt    + models/adult-lightgbm.card.json

Run with the pinned venv:  .venv-tools/bin/python tools/make_adult.py
Everything is deterministic (fixed seeds, single deterministic solvers).

The module also exposes the shared encoding helpers (`load_csv`, `category_codes`,
`encode`) so that tools/make_fixtures.py builds model inputs in exactly the same way.
"""

import csv
import hashlib
import json
import math
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RAW = os.environ.get("GLASSBOX_RAW_DATA", "/work/shared/datasets")

RAW_COLUMNS = ["age", "workclass", "fnlwgt", "education", "education-num",
               "marital-status", "occupation", "relationship", "race", "sex",
               "capital-gain", "capital-loss", "hours-per-week", "native-country",
               "income"]
FEATURES = ["age", "workclass", "education", "education-num", "marital-status",
            "occupation", "relationship", "race", "sex", "capital-gain",
            "capital-loss", "hours-per-week", "native-country"]
TARGET = "income"
CLASSES = ["<=50K", ">50K"]
POSITIVE = ">50K"
CATEGORICAL = ["workclass", "education", "marital-status", "occupation",
               "relationship", "race", "sex", "native-country"]
NUMERIC = [f for f in FEATURES if f not in CATEGORICAL]
SENSITIVE = {"age", "race", "sex"}

# Declared, plausible bounds for the numeric features (documentation + input
# validation in the card; the data lie inside them).
NUMERIC_META = {
    "age": ("years", [17, 90], "Age of the person"),
    "education-num": ("years of schooling", [1, 16],
                      "Highest education level as an ordinal number (1 = preschool, 16 = doctorate)"),
    "capital-gain": ("USD", [0, 99999], "Capital gains recorded for the year"),
    "capital-loss": ("USD", [0, 4356], "Capital losses recorded for the year"),
    "hours-per-week": ("hours per week", [1, 99], "Usual number of hours worked per week"),
}
CATEGORICAL_DESC = {
    "workclass": "Employer type (private, self-employed, government, ...)",
    "education": "Highest education level attained",
    "marital-status": "Marital status",
    "occupation": "Occupation group",
    "relationship": "Relationship to the household reference person",
    "race": "Race as recorded by the 1994 census",
    "sex": "Sex as recorded by the 1994 census",
    "native-country": "Country of origin",
}

SEED = 20240501


# --------------------------------------------------------------------------- data

def read_raw(path, skip_first=False):
    """Parse a raw UCI adult file into a list of dicts (without fnlwgt)."""
    rows = []
    with open(path, newline="") as fh:
        lines = fh.read().splitlines()
    if skip_first:
        lines = lines[1:]
    for ln in lines:
        if not ln.strip():
            continue
        cells = [c.strip() for c in ln.split(",")]
        if len(cells) != len(RAW_COLUMNS):
            raise ValueError(f"{path}: bad line {ln!r}")
        rec = dict(zip(RAW_COLUMNS, cells))
        rec.pop("fnlwgt")
        lab = rec[TARGET]
        if lab.endswith("."):
            lab = lab[:-1]
        if lab not in CLASSES:
            raise ValueError(f"{path}: bad label {lab!r}")
        rec[TARGET] = lab
        for k, v in rec.items():
            if v == "?":
                rec[k] = ""
        rows.append(rec)
    return rows


def write_csv(rows, path):
    cols = FEATURES + [TARGET]
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(cols)
        for r in rows:
            w.writerow([r[c] for c in cols])


def load_csv(path):
    """Read a project CSV (datasets/adult*.csv) as a list of dicts of strings."""
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def category_codes(rows):
    """label -> code per categorical column, ordered by ascending positive rate
    (ties broken by the label text). Missing ('') is not a category."""
    out = {}
    for col in CATEGORICAL:
        pos, tot = {}, {}
        for r in rows:
            v = r[col]
            if v == "":
                continue
            tot[v] = tot.get(v, 0) + 1
            pos[v] = pos.get(v, 0) + (r[TARGET] == POSITIVE)
        order = sorted(tot, key=lambda v: (pos[v] / tot[v], v))
        out[col] = {v: i for i, v in enumerate(order)}
    return out


def encode(rows, codes):
    """Rows -> (X float64 [n, 13] with NaN for missing/unknown, y int [n])."""
    X = np.empty((len(rows), len(FEATURES)), dtype=np.float64)
    unknown = {}
    for i, r in enumerate(rows):
        for j, col in enumerate(FEATURES):
            v = r[col]
            if v == "":
                X[i, j] = np.nan
            elif col in codes:
                c = codes[col].get(v)
                if c is None:
                    unknown[(col, v)] = unknown.get((col, v), 0) + 1
                    X[i, j] = np.nan
                else:
                    X[i, j] = c
            else:
                X[i, j] = float(v)
    if unknown:
        print(f"  note: unseen categories encoded as missing: {unknown}")
    y = np.array([1 if r[TARGET] == POSITIVE else 0 for r in rows], dtype=np.int64)
    return X, y


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        h.update(fh.read())
    return h.hexdigest()


def dump_json(obj, path, indent=2):
    with open(path, "w") as fh:
        fh.write(json.dumps(obj, indent=indent, allow_nan=False))
        fh.write("\n")


# ------------------------------------------------------------------------- models

def fit_logistic(X, y, means):
    from sklearn.linear_model import LogisticRegression

    Xi = np.where(np.isnan(X), means, X)
    sd = Xi.std(axis=0)                       # population sd, as StandardScaler
    Z = (Xi - means) / sd
    lr = LogisticRegression(solver="lbfgs", C=1.0, max_iter=100000, tol=1e-10)
    lr.fit(Z, y)
    w_std = lr.coef_[0].astype(np.float64)
    b_std = float(lr.intercept_[0])
    w_raw = w_std / sd
    b_raw = b_std - float(np.sum(w_std * means / sd))
    margin = b_raw + Xi @ w_raw
    df = lr.decision_function(Z)
    err = float(np.max(np.abs(margin - df)))
    print(f"  logistic: max |raw margin - decision_function| = {err:.3e}")
    if err > 1e-9:
        raise SystemExit("raw-scale conversion does not reproduce decision_function")
    return w_raw, b_raw


def linear_margin(model, X):
    means = np.array(model["means"])
    Xi = np.where(np.isnan(X), means, X)
    return model["intercept"] + Xi @ np.array(model["coefficients"])


def metrics(y, p):
    from sklearn.metrics import roc_auc_score
    acc = float(np.mean((p > 0.5).astype(int) == y))
    auc = float(roc_auc_score(y, p))
    return round(acc, 6), round(auc, 6)


def card(name, description, acc, auc, csv_sha, nrows, codes, missing_values):
    feats = []
    for col in FEATURES:
        if col in CATEGORICAL:
            feats.append({"name": col, "type": "categorical",
                          "labels": dict(sorted(codes[col].items(), key=lambda kv: kv[1])),
                          "description": CATEGORICAL_DESC[col],
                          "sensitive": col in SENSITIVE})
        else:
            unit, rng, desc = NUMERIC_META[col]
            feats.append({"name": col, "type": "numeric", "description": desc,
                          "unit": unit, "sensitive": col in SENSITIVE, "range": rng})
    return {
        "format": "glassbox-card",
        "version": 1,
        "name": name,
        "description": description,
        "owner": "glassbox maintainers",
        "intended_use": ("Demonstration and testing of glassbox explanations, fairness audits "
                         "and model documentation on a well-known public benchmark. "
                         "Not for decisions about real people."),
        "limitations": ("Trained on the 1994 US census extract (UCI Adult); incomes are not "
                        "inflation-adjusted and the population, label definition and category "
                        "sets are dated. The data under-represent several groups and the label "
                        "is strongly associated with sex, race and marital status, so the model "
                        "reproduces historical disparities. Categorical codes are ordinal ranks "
                        "by training positive rate, not natural orderings."),
        "target": {"name": TARGET, "positive_class": POSITIVE,
                   "description": "Whether annual income exceeds USD 50,000"},
        "training_data": {"path": "datasets/adult.csv", "sha256": csv_sha, "rows": nrows},
        "metrics": {"evaluated_on": "datasets/adult-test.csv", "accuracy": acc, "roc_auc": auc},
        "missing_values": missing_values,
        "features": feats,
    }


def main():
    os.makedirs(os.path.join(ROOT, "datasets"), exist_ok=True)
    os.makedirs(os.path.join(ROOT, "models"), exist_ok=True)
    p_train = os.path.join(ROOT, "datasets", "adult.csv")
    p_test = os.path.join(ROOT, "datasets", "adult-test.csv")

    train_rows = read_raw(os.path.join(RAW, "adult.data"))
    test_rows = read_raw(os.path.join(RAW, "adult.test"), skip_first=True)
    assert len(train_rows) == 32561, len(train_rows)
    assert len(test_rows) == 16281, len(test_rows)
    write_csv(train_rows, p_train)
    write_csv(test_rows, p_test)
    csv_sha = sha256(p_train)

    # Re-read what was written, so everything downstream depends on the committed file.
    train_rows = load_csv(p_train)
    test_rows = load_csv(p_test)
    codes = category_codes(train_rows)
    X, y = encode(train_rows, codes)
    Xt, yt = encode(test_rows, codes)
    for col, (unit, rng, _) in NUMERIC_META.items():
        j = FEATURES.index(col)
        lo, hi = np.nanmin(np.r_[X[:, j], Xt[:, j]]), np.nanmax(np.r_[X[:, j], Xt[:, j]])
        assert rng[0] <= lo and hi <= rng[1], (col, lo, hi, rng)
    summary = []

    # ---- logistic regression (glassbox-linear)
    means = np.nanmean(X, axis=0)
    w_raw, b_raw = fit_logistic(X, y, means)
    lin = {"format": "glassbox-linear", "version": 1, "features": FEATURES,
           "coefficients": [float(v) for v in w_raw], "intercept": float(b_raw),
           "link": "logit", "means": [float(v) for v in means], "classes": CLASSES}
    p_lin = os.path.join(ROOT, "models", "adult-logistic.json")
    dump_json(lin, p_lin)
    pt = 1.0 / (1.0 + np.exp(-linear_margin(lin, Xt)))
    acc, auc = metrics(yt, pt)
    dump_json(card("adult-logistic",
                   "Logistic regression predicting whether income exceeds USD 50K from 13 census "
                   "attributes (categoricals as ordinal codes; standardized during fitting, stored "
                   "on the raw scale).", acc, auc, csv_sha, len(train_rows), codes,
                   "imputed with the training mean (attribution 0)"),
              os.path.join(ROOT, "models", "adult-logistic.card.json"))
    summary.append(("adult-logistic", p_lin, acc, auc))

    # ---- XGBoost
    import xgboost as xgb
    dtrain = xgb.DMatrix(X, label=y, feature_names=FEATURES, missing=np.nan)
    params = {"objective": "binary:logistic", "max_depth": 6, "eta": 0.1,
              "seed": SEED, "nthread": 2, "tree_method": "hist"}
    bst = xgb.train(params, dtrain, num_boost_round=120)
    p_xgb = os.path.join(ROOT, "models", "adult-xgboost.json")
    bst.save_model(p_xgb)
    pt = xgb.Booster(model_file=p_xgb).predict(
        xgb.DMatrix(Xt, feature_names=FEATURES, missing=np.nan))
    acc, auc = metrics(yt, pt)
    tree_missing = "left missing (NaN); each split routes it along its learned default branch"
    dump_json(card("adult-xgboost",
                   f"XGBoost {xgb.__version__} gradient-boosted trees (binary:logistic, 120 trees, "
                   "max_depth 6, eta 0.1) predicting whether income exceeds USD 50K; categoricals "
                   "as the same ordinal codes.", acc, auc, csv_sha, len(train_rows), codes,
                   tree_missing),
              os.path.join(ROOT, "models", "adult-xgboost.card.json"))
    summary.append(("adult-xgboost", p_xgb, acc, auc))

    # ---- LightGBM
    import lightgbm as lgb
    ds = lgb.Dataset(X, label=y, feature_name=FEATURES, free_raw_data=False)
    lparams = {"objective": "binary", "num_leaves": 31, "learning_rate": 0.1,
               "seed": SEED, "deterministic": True, "force_row_wise": True,
               "num_threads": 2, "verbose": -1}
    gbm = lgb.train(lparams, ds, num_boost_round=120)
    p_lgb = os.path.join(ROOT, "models", "adult-lightgbm.txt")
    gbm.save_model(p_lgb)
    pt = lgb.Booster(model_file=p_lgb).predict(Xt)
    acc, auc = metrics(yt, pt)
    dump_json(card("adult-lightgbm",
                   f"LightGBM {lgb.__version__} gradient-boosted trees (binary, 120 trees, "
                   "num_leaves 31, learning_rate 0.1) predicting whether income exceeds USD 50K; "
                   "categoricals as the same ordinal codes.", acc, auc, csv_sha,
                   len(train_rows), codes, tree_missing),
              os.path.join(ROOT, "models", "adult-lightgbm.card.json"))
    summary.append(("adult-lightgbm", p_lgb, acc, auc))

    print("\nsummary")
    for p in (p_train, p_test):
        print(f"  {os.path.relpath(p, ROOT):32s} {os.path.getsize(p):>9d} bytes")
    print(f"  datasets/adult.csv sha256 {csv_sha}")
    print(f"  train rows {len(train_rows)} (positive rate {y.mean():.4f}), "
          f"test rows {len(test_rows)} (positive rate {yt.mean():.4f})")
    for name, path, acc, auc in summary:
        print(f"  {os.path.relpath(path, ROOT):32s} {os.path.getsize(path):>9d} bytes   "
              f"test accuracy {acc:.4f}  ROC AUC {auc:.4f}")


if __name__ == "__main__":
    sys.exit(main())
