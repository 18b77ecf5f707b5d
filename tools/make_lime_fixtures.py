#!/usr/bin/env python3
"""Reference fixtures for glassbox's LIME, computed by lime 0.2.0.1 itself.

Writes Tests/Fixtures/lime/*.json (small, deterministic: numpy seed 7):
  statistics.json      training data + labels, and per discretizer (quartile, decile,
                       entropy) lime's bin edges, names, per-bin means/stds/mins/maxs and
                       the sampling values/frequencies of LimeTabularExplainer
  kernel.json          lime's kernel on a grid of distances (default and custom width)
  representation.json  an instance, lime's neighbourhood (`inverse`) rows and their
                       binary representation (`data`) and distances
  surrogate.json       one neighbourhood (binary data, labels of a fixed logistic model,
                       distances) and LimeBase.explain_instance_with_data's result for each
                       feature-selection mode and K, plus the lasso path itself
  end_to_end.json      a logistic linear model and lime's explanations (two seeds) of a
                       few instances, for statistical comparison

Run with the tools venv:  .venv-tools/bin/python tools/make_lime_fixtures.py
"""
import json
import os

import numpy as np
import lime
import lime.lime_tabular as lt
from lime.lime_base import LimeBase
from sklearn.linear_model import lars_path

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "lime")
NAMES = ["age", "gain", "color", "ratio", "member"]
CATEGORICAL = [2, 4]
COLOR_LABELS = {"red": 0, "green": 1, "blue": 2, "black": 3}
MEMBER_LABELS = {"no": 0, "yes": 1}


def training_data(rng, n=300):
    age = np.round(rng.normal(40, 12, n)).clip(17, 90)
    gain = np.where(rng.random(n) < 0.8, 0.0, np.round(rng.exponential(3000, n)))
    color = rng.choice(4, n, p=[0.4, 0.3, 0.2, 0.1]).astype(float)
    ratio = np.round(rng.random(n), 3)
    member = (rng.random(n) < 0.35).astype(float)
    X = np.column_stack([age, gain, color, ratio, member])
    logit = 0.08 * (age - 40) + 0.0004 * gain - 0.5 * color + 2 * (ratio - 0.5) + member
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return X, y


COEF = np.array([0.06, 0.0003, -0.4, 1.5, 0.8])
INTERCEPT = -1.2


def predict_proba(X):
    p = 1 / (1 + np.exp(-(X @ COEF + INTERCEPT)))
    return np.column_stack([1 - p, p])


def floats(a):
    return [float(v) for v in np.asarray(a).ravel()]


def explainer(X, y, discretizer, seed=0, **kw):
    return lt.LimeTabularExplainer(
        X, mode="classification", training_labels=y, feature_names=NAMES,
        categorical_features=CATEGORICAL,
        categorical_names={2: list(COLOR_LABELS), 4: list(MEMBER_LABELS)},
        discretize_continuous=True, discretizer=discretizer, random_state=seed, **kw)


def statistics(X, y):
    out = {"names": NAMES, "categorical": CATEGORICAL, "rows": [floats(r) for r in X], "labels": floats(y)}
    for kind in ["quartile", "decile", "entropy"]:
        e = explainer(X, y, kind)
        d = e.discretizer
        features = []
        for j in range(X.shape[1]):
            f = {"values": floats(e.feature_values[j]), "frequencies": floats(e.feature_frequencies[j])}
            if j in d.lambdas:
                f.update(
                    edges=floats(np.unique(d.mins[j][1:])), names=d.names[j], means=floats(d.means[j]),
                    stds=floats(d.stds[j]), mins=floats(d.mins[j]), maxs=floats(d.maxs[j]))
            features.append(f)
        out[kind] = features
    return out


def kernel():
    d = np.sqrt(np.arange(0, 6, dtype=float))
    d = np.concatenate([d, [0.1, 0.5, 1.7, 2.5]])
    w = np.sqrt(5) * 0.75
    k = lambda dd, kw: np.sqrt(np.exp(-(dd ** 2) / kw ** 2))
    return {"features": 5, "distances": floats(d), "default_width": float(w), "default": floats(k(d, w)),
            "width": 1.3, "custom": floats(k(d, 1.3))}


def neighbourhood(X, y, instance, n, seed):
    e = explainer(X, y, "quartile", seed=seed)
    data, inverse = e._LimeTabularExplainer__data_inverse(instance, n)
    scaled = (data - e.scaler.mean_) / e.scaler.scale_
    import sklearn.metrics
    distances = sklearn.metrics.pairwise_distances(scaled, scaled[0].reshape(1, -1), metric="euclidean").ravel()
    return e, data, inverse, distances


def representation(X, y):
    instance = X[5].copy()
    _, data, inverse, distances = neighbourhood(X, y, instance, 60, 3)
    return {"instance": floats(instance), "inverse": [floats(r) for r in inverse], "data": [floats(r) for r in data],
            "distances": floats(distances)}


def surrogate(X, y):
    instance = X[11].copy()
    e, data, inverse, distances = neighbourhood(X, y, instance, 400, 5)
    labels = predict_proba(inverse)
    weights = e.base.kernel_fn(distances)
    cases = []
    for method, k in [("forward_selection", 2), ("forward_selection", 3), ("highest_weights", 3),
                      ("highest_weights", 5), ("lasso_path", 2), ("lasso_path", 3), ("none", 3), ("auto", 4),
                      ("auto", 10)]:
        base = LimeBase(e.base.kernel_fn, random_state=0)
        intercept, exp, score, local = base.explain_instance_with_data(
            data, labels, distances, 1, k, feature_selection=method)
        cases.append({"method": method, "features": k, "intercept": float(intercept),
                      "selected": [int(i) for i, _ in exp], "weights": [float(w) for _, w in exp],
                      "score": float(score), "local_prediction": float(np.ravel(local)[0])})
    wd = (data - np.average(data, axis=0, weights=weights)) * np.sqrt(weights[:, np.newaxis])
    wl = (labels[:, 1] - np.average(labels[:, 1], weights=weights)) * np.sqrt(weights)
    _, _, coefs = lars_path(wd, wl, method="lasso", verbose=False)
    return {"data": [floats(r) for r in data], "labels": floats(labels[:, 1]), "distances": floats(distances),
            "weights": floats(weights), "cases": cases, "lasso_path": [floats(c) for c in coefs.T]}


def end_to_end(X, y):
    rows = [0, 1, 2, 3, 4, 7]
    out = {"coefficients": floats(COEF), "intercept": INTERCEPT, "rows": [floats(X[r]) for r in rows], "lime": []}
    for seed in [1, 2]:
        e = explainer(X, y, "quartile", seed=seed)
        per_row = []
        for r in rows:
            ex = e.explain_instance(X[r], predict_proba, num_features=3, num_samples=5000)
            per_row.append({"selected": [int(i) for i, _ in ex.local_exp[1]],
                            "weights": [float(w) for _, w in ex.local_exp[1]],
                            "conditions": [n for n, _ in ex.as_list(label=1)],
                            "score": float(ex.score), "intercept": float(ex.intercept[1]),
                            "prediction": float(ex.predict_proba[1])})
        out["lime"].append(per_row)
    return out


def main():
    assert lime.__version__ if hasattr(lime, "__version__") else True
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(7)
    X, y = training_data(rng)
    outputs = {"statistics.json": statistics(X, y), "kernel.json": kernel(),
               "representation.json": representation(X, y), "surrogate.json": surrogate(X, y),
               "end_to_end.json": end_to_end(X, y)}
    for name, doc in outputs.items():
        with open(os.path.join(OUT, name), "w") as fh:
            json.dump(doc, fh, separators=(",", ":"))
            fh.write("\n")
        print("wrote", os.path.join(OUT, name))


if __name__ == "__main__":
    main()
