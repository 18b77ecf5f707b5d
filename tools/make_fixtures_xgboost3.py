#!/usr/bin/env python3
"""Golden fixtures for the XGBoost 3.x formats (issue #17): UBJSON, categorical splits with
the model's own category recoding, vector-leaf trees, several quantiles, binary:hinge and
gblinear.

    python3.12 -m venv .venv-xgb34 && .venv-xgb34/bin/pip install xgboost==3.4.1 numpy==2.4.6 pandas==3.1.1 scipy==1.17.1
    python3.12 -m venv .venv-xgb32 && .venv-xgb32/bin/pip install xgboost==3.2.0 numpy==2.4.6 pandas==3.1.1 scipy==1.17.1
    .venv-xgb34/bin/python tools/make_fixtures_xgboost3.py     # the 3.4.1 cases
    .venv-xgb32/bin/python tools/make_fixtures_xgboost3.py     # the 3.2.0 cases
    python3.12 -m venv .venv-xgb31 && .venv-xgb31/bin/pip install xgboost==3.1.3 numpy==2.4.6 pandas==3.1.1 scipy==1.17.1
    .venv-xgb31/bin/python tools/make_fixtures_xgboost3.py     # the 3.1.3 case (old vector-leaf layout)

Each run writes the cases of the xgboost version it runs under to
Tests/Fixtures/xgboost3/<case>/ and updates Tests/Fixtures/xgboost3/index.json (the cases
of other versions stay listed). Every case holds the model saved both as JSON and as
UBJSON (the same booster), X.csv (categorical cells as their labels), and expected.json:
margins (`output_margin=True`), predictions, `pred_contribs` and, where asked,
`pred_interactions`, all as xgboost computed them (float32 widened to float64).
background.csv, where present, is the background of the interventional tests (the Swift
tests compare with brute-force Shapley values; no library computes interventional values
for these models). Deterministic: fixed seeds, `nthread=1`.
"""

import json
import math
import os
import shutil
import sys

import numpy as np
import pandas as pd
import xgboost as xgb

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "xgboost3")
VERSION = xgb.__version__
TAG = VERSION.replace(".", "")[:2]  # "34", "32"

COLORS = ["red", "green", "blue", "violet", "amber", "teal"]  # training order, not sorted
CITIES = ["Oslo", "Lima", "Kyiv", "Baku", "Rome"]


def cell(v):
    if isinstance(v, str):
        return v
    v = float(v)
    return "" if math.isnan(v) else repr(v)


def write_csv(path, frame):
    with open(path, "w") as fh:
        fh.write(",".join(frame.columns) + "\n")
        for row in frame.itertuples(index=False):
            fh.write(",".join("" if (not isinstance(v, str) and pd.isna(v)) else cell(v) for v in row) + "\n")


def tolist(a):
    a = np.asarray(a, dtype=np.float64)
    assert np.isfinite(a).all(), "non-finite value in expected output"
    return a.tolist()


def write_expected(path, obj):
    with open(path, "w") as fh:
        json.dump(obj, fh, separators=(",", ":"), allow_nan=False)
        fh.write("\n")


def case_dir(name):
    d = os.path.join(OUT, name)
    if os.path.isdir(d):
        shutil.rmtree(d)
    os.makedirs(d)
    return d


def numeric_frame(rng, n, nan_share=0.08):
    X = rng.normal(size=(n, 4))
    X[rng.random(size=X.shape) < nan_share] = np.nan
    return pd.DataFrame(X, columns=["a", "b", "c", "d"])


def categorical_frame(rng, n):
    frame = numeric_frame(rng, n)
    color = rng.choice(COLORS, size=n)
    city = rng.choice(CITIES, size=n).astype(object)
    city[rng.random(size=n) < 0.05] = None
    frame.insert(1, "color", pd.Categorical(color, categories=COLORS))
    frame.insert(3, "city", pd.Categorical(city, categories=CITIES))
    return frame


def signal(frame):
    a = np.nan_to_num(frame["a"].to_numpy())
    b = np.nan_to_num(frame["b"].to_numpy())
    out = a + 0.5 * b * b
    if "color" in frame:
        codes = frame["color"].cat.codes.to_numpy()
        out += np.where(np.isin(codes, [0, 3, 5]), 1.2, -0.8)
        city = frame["city"].cat.codes.to_numpy()
        out += np.where(city == 2, 1.5, 0.0) - np.where(city == 4, 0.7, 0.0)
    return out


def run_case(name, desc, params, rounds, train, label, explain, *, interactions=False, background=None,
             contribs=True, dmatrix_label_shape=None):
    d = case_dir(name)
    params = dict(params, nthread=1, seed=3)
    cat = any(str(t) == "category" for t in train.dtypes)
    dtrain = xgb.DMatrix(train, label=label, enable_categorical=cat)
    bst = xgb.train(params, dtrain, num_boost_round=rounds)
    bst.save_model(os.path.join(d, "model.json"))
    bst.save_model(os.path.join(d, "model.ubj"))
    from_json = xgb.Booster(model_file=os.path.join(d, "model.json"))
    from_ubj = xgb.Booster(model_file=os.path.join(d, "model.ubj"))
    dx = xgb.DMatrix(explain, enable_categorical=cat)
    margin = from_json.predict(dx, output_margin=True)
    assert np.array_equal(margin, from_ubj.predict(dx, output_margin=True)), "json and ubj differ"
    n, F = explain.shape
    k = 1 if margin.ndim == 1 else margin.shape[1]
    exp = {"library": "xgboost", "library_version": VERSION, "objective": params["objective"],
           "booster": params.get("booster", "gbtree"), "num_features": F, "num_outputs": k,
           "feature_names": list(explain.columns),
           "categorical_features": [c for c in explain.columns if str(explain[c].dtype) == "category"],
           "margin": tolist(margin.reshape(n, k)),
           "prediction": tolist(from_json.predict(dx).reshape(n, -1))}
    if contribs:
        c = from_json.predict(dx, pred_contribs=True).astype(np.float64).reshape(n, k, F + 1)
        err = np.max(np.abs(c.sum(axis=-1) - margin.reshape(n, k)) / np.maximum(1, np.abs(margin.reshape(n, k))))
        assert err < 1e-4, f"{name}: contributions do not add up ({err})"
        exp["contribs"] = tolist(c)
    if interactions:
        i = from_json.predict(dx, pred_interactions=True).astype(np.float64).reshape(n, k, F + 1, F + 1)
        exp["interactions"] = tolist(i)
    with open(os.path.join(d, "model.json")) as fh:
        stored_names = json.load(fh)["learner"]["feature_names"]
    if not stored_names:  # xgboost 3.1 keeps no names for vector-leaf models: glassbox says f0, f1, ...
        rename = {c: f"f{i}" for i, c in enumerate(explain.columns)}
        explain = explain.rename(columns=rename)
        background = None if background is None else background.rename(columns=rename)
        exp["feature_names"] = list(explain.columns)
    write_csv(os.path.join(d, "X.csv"), explain)
    if background is not None:
        write_csv(os.path.join(d, "background.csv"), background)
    write_expected(os.path.join(d, "expected.json"), exp)
    files = sorted(os.listdir(d))
    size = sum(os.path.getsize(os.path.join(d, f)) for f in files)
    print(f"  xgboost3/{name:28s} {size / 1024:7.1f} KiB  {desc}")
    return {"case": f"xgboost3/{name}", "library": "xgboost", "library_version": VERSION,
            "objective": params["objective"], "description": desc, "files": files}


def vector_leaf_case(name, contribs, note):
    rng = np.random.default_rng(23)
    train = numeric_frame(rng, 500)
    a = np.nan_to_num(train["a"].to_numpy())
    b = np.nan_to_num(train["b"].to_numpy())
    c = np.nan_to_num(train["c"].to_numpy())
    Y = np.stack([a + b * b, c - a, a * c + 0.3 * b], axis=1) + rng.normal(scale=0.1, size=(500, 3))
    explain = numeric_frame(rng, 30)
    return run_case(
        name, "3 targets, multi_strategy=multi_output_tree (one tree per round, vector leaves), ~8% NaN" + note,
        {"objective": "reg:squarederror", "multi_strategy": "multi_output_tree", "tree_method": "hist",
         "max_depth": 3, "eta": 0.5},
        6, train, Y, explain, background=numeric_frame(rng, 5), contribs=contribs)


def cases():
    if TAG == "31":  # xgboost 3.1 has no pred_contribs for vector leaves
        return [vector_leaf_case("vector-leaf-31", contribs=False,
                                 note=", xgboost 3.1 layout (values in base_weights, no sum_hessian)")]
    out = []
    rng = np.random.default_rng(17)
    train = categorical_frame(rng, 600)
    y = (signal(train) + rng.normal(scale=0.5, size=len(train)) > 0.6).astype(float)
    explain = categorical_frame(rng, 40)
    out.append(run_case(
        f"categorical-{TAG}", f"binary:logistic, two string categoricals (partition splits, training order "
        f"not sorted), ~8% NaN, xgboost {VERSION}, with pred_interactions",
        {"objective": "binary:logistic", "max_depth": 3, "eta": 0.4, "max_cat_to_onehot": 1, "tree_method": "hist"},
        8, train, y, explain, interactions=True, background=categorical_frame(rng, 6)))
    if TAG != "34":
        return out
    out.append(vector_leaf_case("vector-leaf", contribs=True, note=""))

    rng = np.random.default_rng(23)
    train = numeric_frame(rng, 500)
    a = np.nan_to_num(train["a"].to_numpy())
    b = np.nan_to_num(train["b"].to_numpy())
    c = np.nan_to_num(train["c"].to_numpy())
    explain = numeric_frame(rng, 30)
    yq = a + b * b + rng.normal(scale=0.5, size=500)
    out.append(run_case(
        "quantile-multi", "reg:quantileerror, quantile_alpha [0.1, 0.5, 0.9] (scalar trees, one per quantile)",
        {"objective": "reg:quantileerror", "quantile_alpha": np.array([0.1, 0.5, 0.9]), "tree_method": "hist",
         "max_depth": 3, "eta": 0.5},
        5, train, yq, explain))

    yb = (a + b > 0.2).astype(float)
    out.append(run_case(
        "hinge", "binary:hinge (predictions 0/1: margin > 0)",
        {"objective": "binary:hinge", "max_depth": 3, "eta": 0.5, "tree_method": "hist"},
        5, train, yb, explain))

    out.append(run_case(
        "gblinear-logistic", "gblinear, binary:logistic, ~8% NaN (a missing input adds nothing)",
        {"objective": "binary:logistic", "booster": "gblinear", "eta": 0.5, "lambda": 0.1},
        12, train, yb, explain))

    yk = np.digitize(a + c, [-0.5, 0.5]).astype(float)
    out.append(run_case(
        "gblinear-softprob", "gblinear, multi:softprob with 3 classes (base_score[0] for every class)",
        {"objective": "multi:softprob", "num_class": 3, "booster": "gblinear", "eta": 0.5},
        10, train, yk, explain))
    return out


def fuzz_seeds():
    """Small UBJSON models as seeds of the ubjson, model_xgboost_ubjson and model fuzz targets."""
    rng = np.random.default_rng(5)
    train = categorical_frame(rng, 120)
    y = signal(train)
    a = np.nan_to_num(train["a"].to_numpy())
    seeds = {
        "xgb3-categorical.ubj": ({"max_depth": 2, "max_cat_to_onehot": 1, "tree_method": "hist"}, train, y, True),
        "xgb3-vector-leaf.ubj": ({"max_depth": 2, "multi_strategy": "multi_output_tree", "tree_method": "hist"},
                                 train[["a", "b"]], np.stack([a, y], 1), False),
        "xgb3-gblinear.ubj": ({"booster": "gblinear", "objective": "binary:logistic"}, train[["a", "b", "c"]],
                              (y > 0).astype(float), False),
    }
    for target in ("ubjson", "model_xgboost_ubjson", "model"):
        os.makedirs(os.path.join(ROOT, "Fuzz", "corpus", target), exist_ok=True)
    for name, (params, X, label, cat) in seeds.items():
        bst = xgb.train(dict(params, nthread=1, seed=1), xgb.DMatrix(X, label=label, enable_categorical=cat), 2)
        raw = bytes(bst.save_raw("ubj"))
        for target in ("ubjson", "model_xgboost_ubjson", "model"):
            with open(os.path.join(ROOT, "Fuzz", "corpus", target, name), "wb") as fh:
                fh.write(raw)
        print(f"  Fuzz/corpus/*/{name} {len(raw)} bytes")


def main():
    os.makedirs(OUT, exist_ok=True)
    if TAG == "34":
        fuzz_seeds()
    index_path = os.path.join(OUT, "index.json")
    listed = []
    if os.path.exists(index_path):
        with open(index_path) as fh:
            listed = [c for c in json.load(fh)["cases"] if c["library_version"] != VERSION]
    listed += cases()
    listed.sort(key=lambda c: c["case"])
    with open(index_path, "w") as fh:
        json.dump({"cases": listed}, fh, indent=1)
        fh.write("\n")


if __name__ == "__main__":
    sys.exit(main())
