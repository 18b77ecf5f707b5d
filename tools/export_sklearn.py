#!/usr/bin/env python3
"""Export a fitted scikit-learn tree model to glassbox's tree JSON (docs/tree-json.md).

Library use:
    from export_sklearn import export, to_document, reference_predict
    export(model, feature_names, "out.json")

CLI:
    .venv-tools/bin/python tools/export_sklearn.py model.pkl --features a,b,c -o out.json

Supported: DecisionTree{Regressor,Classifier}, ExtraTree{Regressor,Classifier},
RandomForest{Regressor,Classifier}, ExtraTrees{Regressor,Classifier},
GradientBoosting{Regressor,Classifier} (constant init; classifier with log_loss).
Refused with a clear error: HistGradientBoosting*, multi-output models, a
non-constant GradientBoosting init, the exponential loss, anything else.
"""

import argparse
import json
import math
import sys

import numpy as np

FORMAT = "glassbox-trees"
VERSION = 1


class ExportError(ValueError):
    pass


def _threshold(t):
    t = float(t)
    if math.isnan(t):
        raise ExportError("NaN threshold in tree")
    if math.isinf(t):
        return "inf" if t > 0 else "-inf"
    return t


def _tree_entry(tree_, output, weight, column):
    """One exported tree: `column` selects value[:, 0, column] (class or 0)."""
    left = tree_.children_left.astype(int)
    right = tree_.children_right.astype(int)
    is_leaf = left < 0
    feature = np.where(is_leaf, -1, tree_.feature).astype(int)
    thr = [0.0 if leaf else _threshold(t) for leaf, t in zip(is_leaf, tree_.threshold)]
    mgl = getattr(tree_, "missing_go_to_left", None)
    if mgl is None:
        # Trees from before missing-value support: NaN cannot occur at fit time;
        # sklearn < 1.3 would reject NaN input anyway. Send it left (shap's choice).
        mgl = np.ones(len(left), dtype=np.uint8)
    missing_left = [0 if leaf else int(bool(m)) for leaf, m in zip(is_leaf, mgl)]
    value = tree_.value[:, 0, column].astype(np.float64)
    return {
        "output": int(output),
        "weight": float(weight),
        "left": [int(v) for v in np.where(is_leaf, -1, left)],
        "right": [int(v) for v in np.where(is_leaf, -1, right)],
        "feature": [int(v) for v in feature],
        "threshold": thr,
        "missing_left": missing_left,
        "value": [float(v) for v in value],
        "cover": [float(v) for v in tree_.weighted_n_node_samples],
    }


def _classes(model):
    out = []
    for c in model.classes_:
        if isinstance(c, (np.integer,)):
            out.append(int(c))
        elif isinstance(c, (np.floating,)):
            out.append(float(c))
        elif isinstance(c, (np.bool_,)):
            out.append(bool(c))
        else:
            out.append(str(c))
    return out


def to_document(model, feature_names):
    """Return the tree JSON document (a dict) for a fitted sklearn model."""
    from sklearn.ensemble import (ExtraTreesClassifier, ExtraTreesRegressor,
                                  GradientBoostingClassifier, GradientBoostingRegressor,
                                  RandomForestClassifier, RandomForestRegressor)
    from sklearn.tree import (DecisionTreeClassifier, DecisionTreeRegressor,
                              ExtraTreeClassifier, ExtraTreeRegressor)

    name = type(model).__name__
    if "HistGradientBoosting" in name:
        raise ExportError(f"{name} is not supported: HistGradientBoosting uses a different "
                          "tree layout (binned predictor nodes, categorical bitsets); "
                          "use GradientBoosting*, RandomForest* or export via another route")
    if not hasattr(model, "n_features_in_"):
        raise ExportError(f"{name} is not fitted (or not a scikit-learn estimator)")
    nf = int(model.n_features_in_)
    feature_names = list(feature_names) if feature_names is not None else None
    if feature_names is None:
        fn = getattr(model, "feature_names_in_", None)
        feature_names = [str(f) for f in fn] if fn is not None else [f"x{i}" for i in range(nf)]
    if len(feature_names) != nf:
        raise ExportError(f"{len(feature_names)} feature names given, model has {nf} features")
    if getattr(model, "n_outputs_", 1) != 1:
        raise ExportError(f"{name} has {model.n_outputs_} outputs: multi-output models are "
                          "not supported")

    single = (DecisionTreeRegressor, DecisionTreeClassifier, ExtraTreeRegressor,
              ExtraTreeClassifier)
    forests = (RandomForestRegressor, RandomForestClassifier, ExtraTreesRegressor,
               ExtraTreesClassifier)
    trees = []
    if isinstance(model, single) or isinstance(model, forests):
        estimators = [model] if isinstance(model, single) else list(model.estimators_)
        is_clf = hasattr(model, "classes_")
        if is_clf:
            classes = _classes(model)
            k = len(classes)
            for est in estimators:
                v = est.tree_.value
                # sklearn >= 1.4 stores class fractions; older versions weighted counts.
                if not np.allclose(v.sum(axis=2), 1.0, rtol=0, atol=1e-9):
                    raise ExportError("classifier tree values are not class fractions "
                                      "(model pickled by scikit-learn < 1.4?)")
                for c in range(k):
                    trees.append(_tree_entry(est.tree_, c, 1.0, c))
            link = "identity"
        else:
            classes = None
            k = 1
            for est in estimators:
                trees.append(_tree_entry(est.tree_, 0, 1.0, 0))
            link = "identity"
        aggregation = "mean" if isinstance(model, forests) else "sum"
        base = [0.0] * k
    elif isinstance(model, (GradientBoostingRegressor, GradientBoostingClassifier)):
        init = model.init_
        from sklearn.dummy import DummyClassifier, DummyRegressor
        if not (isinstance(init, str) and init == "zero") and \
                not isinstance(init, (DummyRegressor, DummyClassifier)):
            raise ExportError(f"{name} has a non-constant init estimator "
                              f"({type(init).__name__}); only the default/'zero'/Dummy* "
                              "init can be exported")
        base_arr = model._raw_predict_init(np.zeros((2, nf), dtype=np.float32))
        if not np.array_equal(base_arr[0], base_arr[1]):
            raise ExportError(f"{name} init is not constant")
        base = [float(v) for v in base_arr[0]]
        lr = float(model.learning_rate)
        est = model.estimators_                     # shape (n_stages, K)
        k = est.shape[1]
        if isinstance(model, GradientBoostingClassifier):
            if model.loss != "log_loss":
                raise ExportError(f"{name} with loss={model.loss!r} is not supported "
                                  "(only log_loss)")
            classes = _classes(model)
            link = "logit" if k == 1 else "softmax"
        else:
            classes = None
            link = "identity"
        for stage in range(est.shape[0]):
            for c in range(k):
                trees.append(_tree_entry(est[stage, c].tree_, c, lr, 0))
        aggregation = "sum"
    else:
        raise ExportError(f"{name} is not a supported scikit-learn tree model")

    return {"format": FORMAT, "version": VERSION, "source": "sklearn", "estimator": name,
            "features": feature_names, "num_outputs": k, "base_margin": base, "link": link,
            "aggregation": aggregation, "classes": classes, "trees": trees}


def dumps(doc):
    """Compact JSON, one tree per line (diff-friendly, small)."""
    head = {k: v for k, v in doc.items() if k != "trees"}
    s = json.dumps(head, separators=(",", ":"), allow_nan=False)[:-1]
    parts = [json.dumps(t, separators=(",", ":"), allow_nan=False) for t in doc["trees"]]
    return s + ',"trees":[\n' + ",\n".join(parts) + "\n]}\n"


def export(model, feature_names, path):
    """Write `model` as glassbox tree JSON to `path`; returns the document."""
    doc = to_document(model, feature_names)
    with open(path, "w") as fh:
        fh.write(dumps(doc))
    return doc


# ------------------------------------------------------------------ reference

def _leaf_index(tree, X32):
    """Vectorised traversal: X32 is float32 input (n, F); returns leaf node per row."""
    left = np.asarray(tree["left"])
    right = np.asarray(tree["right"])
    feat = np.asarray(tree["feature"])
    thr = np.array([math.inf if t == "inf" else -math.inf if t == "-inf" else t
                    for t in tree["threshold"]], dtype=np.float64)
    mleft = np.asarray(tree["missing_left"]).astype(bool)
    node = np.zeros(X32.shape[0], dtype=np.int64)
    rows = np.arange(X32.shape[0])
    while True:
        active = left[node] >= 0
        if not active.any():
            return node
        n = node[active]
        x = X32[rows[active], feat[n]].astype(np.float64)     # exact widening
        go_left = np.where(np.isnan(x), mleft[n], x <= thr[n])
        node[active] = np.where(go_left, left[n], right[n])


def reference_predict(doc, X):
    """Straightforward re-implementation of the format. Returns (margin[n,K], output[n,K])
    where output applies the link (identity / logit -> sigmoid / softmax)."""
    X32 = np.asarray(X, dtype=np.float64).astype(np.float32)
    k = doc["num_outputs"]
    n = X32.shape[0]
    acc = np.zeros((n, k))
    count = np.zeros(k)
    for t in doc["trees"]:
        leaf = _leaf_index(t, X32)
        acc[:, t["output"]] += t["weight"] * np.asarray(t["value"])[leaf]
        count[t["output"]] += 1
    if doc["aggregation"] == "mean":
        acc = acc / count
    elif doc["aggregation"] != "sum":
        raise ValueError(doc["aggregation"])
    margin = np.asarray(doc["base_margin"]) + acc
    if doc["link"] == "identity":
        out = margin
    elif doc["link"] == "logit":
        out = 1.0 / (1.0 + np.exp(-margin))
    elif doc["link"] == "softmax":
        e = np.exp(margin - margin.max(axis=1, keepdims=True))
        out = e / e.sum(axis=1, keepdims=True)
    else:
        raise ValueError(doc["link"])
    return margin, out


def check(model, doc, X, tol=1e-12):
    """Compare reference_predict with the model's own outputs; returns max abs error."""
    margin, out = reference_predict(doc, X)
    errs = []
    if hasattr(model, "predict_proba"):
        proba = model.predict_proba(X)
        if doc["link"] == "logit":
            errs.append(np.max(np.abs(out[:, 0] - proba[:, 1])))
        else:
            errs.append(np.max(np.abs(out - proba)))
        if hasattr(model, "decision_function") and doc["link"] != "identity":
            df = model.decision_function(X)
            errs.append(np.max(np.abs(margin - df.reshape(len(X), -1))))
    else:
        errs.append(np.max(np.abs(margin[:, 0] - model.predict(X))))
    err = float(max(errs))
    if not err <= tol:
        raise AssertionError(f"{doc['estimator']}: reference differs from sklearn by {err:.3e}")
    return err


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model", help="pickled / joblib-dumped fitted sklearn model")
    ap.add_argument("--features", help="comma-separated feature names "
                    "(default: feature_names_in_ or x0..xN)")
    ap.add_argument("-o", "--output", required=True, help="output JSON path")
    a = ap.parse_args(argv)
    import joblib
    model = joblib.load(a.model)
    names = a.features.split(",") if a.features else None
    try:
        doc = export(model, names, a.output)
    except ExportError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"wrote {a.output}: {doc['estimator']}, {len(doc['trees'])} trees, "
          f"{doc['num_outputs']} output(s), link {doc['link']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
