#!/usr/bin/env python3
"""Reference fixtures for the CatBoost JSON, LightGBM linear-tree/multiclassova and ONNX loaders.

    python3 -m venv .venv-formats
    .venv-formats/bin/pip install -r tools/requirements-formats.txt
    .venv-formats/bin/python tools/make_fixtures_catboost_onnx.py          # all cases
    .venv-formats/bin/python tools/make_fixtures_catboost_onnx.py cb-      # cases whose name contains it

Writes Tests/Fixtures/trees/<case>/ in the layout of tools/make_fixtures.py (X.csv,
expected.json with margin, prediction and contribs [row][output][feature+1], bias last),
and merges its cases into Tests/Fixtures/index.json, replacing entries of the same name and
keeping everyone else's. Deterministic: fixed seeds, single-threaded settings.
"""

import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_fixtures as mf  # noqa: E402  (output helpers and data; it imports no model library)


# ---------------------------------------------------------------------- lightgbm

def lgb_multiclassova(name):
    X, y, Xe, names = mf.sk_data("load_wine", mf.rng_for(name))
    mf.lgb_case(name, "wine, multiclassova (one-vs-all, one sigmoid per class)",
                {"objective": "multiclassova", "num_class": 3, "num_leaves": 6,
                 "learning_rate": 0.3}, 12, X, y, Xe, names)


def lgb_linear(name, objective, loader, rounds, nan_frac):
    import lightgbm as lgb
    rng = mf.rng_for(name)
    X, y, _, names = mf.sk_data(loader, rng)
    X = X[:, :6]
    names = names[:6]
    X = mf.inject_nan(X, nan_frac, rng)
    if objective == "binary" and len(np.unique(y)) > 2:
        y = (y > np.median(y)).astype(np.float64)
    d = mf.case_dir("linear-trees", name)
    p = {"objective": objective, "linear_tree": True, "linear_lambda": 0.1, "num_leaves": 6,
         "learning_rate": 0.3, "min_data_in_leaf": 20, "seed": 0, "deterministic": True,
         "force_row_wise": True, "num_threads": 1, "verbose": -1}
    gbm = lgb.train(p, lgb.Dataset(X, label=y, feature_name=names), num_boost_round=rounds)
    path = os.path.join(d, "model.txt")
    gbm.save_model(path)
    b = lgb.Booster(model_file=path)
    Xe = X[:60].copy()
    Xe[0, :] = np.nan                      # every linear leaf falls back to its constant
    Xe[1, 1] = 1e-40                       # LightGBM's C API flushes |x| <= 1e-35 to zero
    margin = np.asarray(b.predict(Xe, raw_score=True), dtype=np.float64).reshape(len(Xe), 1)
    pred = np.asarray(b.predict(Xe), dtype=np.float64).reshape(len(Xe), 1)
    try:
        b.predict(Xe[:2], pred_contrib=True)
        refused = None
    except Exception as e:                 # LightGBM: "not implemented for linear trees"
        refused = str(e).splitlines()[0]
    bg = X[60:100]
    mf.write_X(os.path.join(d, "X.csv"), names, Xe)
    mf.write_X(os.path.join(d, "background.csv"), names, bg)
    exp = {"library": "lightgbm", "library_version": lgb.__version__,
           "objective": b.dump_model()["objective"], "num_features": len(names), "num_outputs": 1,
           "feature_names": names, "linear_tree": True, "pred_contrib_refused": refused,
           "margin": mf.tolist(margin), "prediction": mf.tolist(pred)}
    mf.write_expected(os.path.join(d, "expected.json"), exp)
    mf.record("linear-trees", name, d, f"{loader}, {objective}, linear_tree=True, ~{nan_frac:.0%} NaN",
              exp)


# ---------------------------------------------------------------------- catboost

def cb_case(name, desc, params, X, y, Xe, names, *, cat_features=None, scale_and_bias=None):
    import catboost
    d = mf.case_dir("trees", name)
    p = {"random_seed": 0, "thread_count": 1, "verbose": False, "allow_writing_files": False}
    p.update(params)
    named = None if hasattr(X, "columns") else names
    pool = catboost.Pool(X, label=y, feature_names=named, cat_features=cat_features)
    model = catboost.CatBoost(p)
    model.fit(pool)
    if scale_and_bias is not None:
        model.set_scale_and_bias(*scale_and_bias)
    path = os.path.join(d, "model.json")
    # With the training pool, the file lists each category's string next to its hash
    # (cat_features_hash), which glassbox needs to read one-hot splits.
    model.save_model(path, format="json", pool=pool if cat_features else None)
    with open(path) as fh:                 # drop what changes with every save
        doc = json.load(fh)
    for key in ("model_guid", "train_finish_time"):
        doc.get("model_info", {}).pop(key, None)
    with open(path, "w") as fh:
        json.dump(doc, fh, separators=(",", ":"))
        fh.write("\n")
    epool = catboost.Pool(Xe, feature_names=named, cat_features=cat_features)
    n, F = len(Xe), len(names)
    margin = np.asarray(model.predict(epool, prediction_type="RawFormulaVal"), dtype=np.float64)
    k = 1 if margin.ndim == 1 else margin.shape[1]
    margin = margin.reshape(n, k)
    kind = "Probability" if params.get("loss_function") in ("Logloss", "MultiClass", "MultiClassOneVsAll") else "Exponent" \
        if params.get("loss_function") in ("Poisson", "Tweedie") else "RawFormulaVal"
    pred = np.asarray(model.predict(epool, prediction_type=kind), dtype=np.float64)
    if kind == "Probability" and k == 1:
        pred = pred[:, 1]
    pred = pred.reshape(n, -1)
    if scale_and_bias is None:
        shap = np.asarray(model.get_feature_importance(epool, type="ShapValues"), dtype=np.float64)
        contrib = mf.as_rows_k_f(shap, n, k, F + 1)
    else:
        # ShapValues refuses a scale other than 1: take them with (1, 0) and scale them,
        # which is exact (SHAP values are linear in the model), then add the bias.
        scale, bias = scale_and_bias
        model.set_scale_and_bias(1.0, 0.0)
        shap = np.asarray(model.get_feature_importance(epool, type="ShapValues"), dtype=np.float64)
        model.set_scale_and_bias(scale, bias)
        contrib = mf.as_rows_k_f(shap, n, k, F + 1) * scale
        contrib[:, :, F] += bias
    mf.check_additive(contrib, margin, 1e-9, name)
    mf.write_X(os.path.join(d, "X.csv"), names, np.asarray(Xe, dtype=np.float64))
    exp = {"library": "catboost", "library_version": catboost.__version__,
           "objective": params.get("loss_function", "RMSE"), "num_features": F, "num_outputs": k,
           "feature_names": names, "margin": mf.tolist(margin), "prediction": mf.tolist(pred),
           "contribs": mf.tolist(contrib)}
    if cat_features:
        exp["categorical_features"] = [names[i] for i in cat_features]
    mf.write_expected(os.path.join(d, "expected.json"), exp)
    mf.record("trees", name, d, desc, exp)


def cb_regression(name):
    X, y, Xe, names = mf.sk_data("load_diabetes", mf.rng_for(name), n_eval=80)
    cb_case(name, "diabetes, RMSE, depth 4", {"loss_function": "RMSE", "depth": 4, "iterations": 30,
                                              "learning_rate": 0.3}, X, y, Xe, names)


def cb_binary_nan(name):
    rng = mf.rng_for(name)
    X, y, _, names = mf.sk_data("load_breast_cancer", rng)
    X = X[:, :10]
    names = names[:10]
    Xn = mf.inject_nan(X, 0.08, rng)
    half = len(X) // 2
    Xe = Xn[:80]
    cb_case(name, "breast_cancer (10 features), Logloss, ~8% NaN (nan_mode Min), depth 6",
            {"loss_function": "Logloss", "depth": 6, "iterations": 25, "learning_rate": 0.2},
            Xn[half:], y[half:], Xe, names)


def cb_nan_max(name):
    rng = mf.rng_for(name)
    X, y, Xe, names = mf.sk_data("load_diabetes", rng, n_eval=60)
    X = mf.inject_nan(X, 0.1, rng)
    Xe = mf.inject_nan(Xe, 0.1, rng)
    cb_case(name, "diabetes, RMSE, ~10% NaN with nan_mode Max, scaled (model.set_scale_and_bias)",
            {"loss_function": "RMSE", "depth": 5, "iterations": 20, "nan_mode": "Max",
             "learning_rate": 0.3}, X, y, Xe, names, scale_and_bias=(0.75, 12.5))


def cb_multiclass(name):
    X, y, Xe, names = mf.sk_data("load_wine", mf.rng_for(name))
    cb_case(name, "wine, MultiClass 3 classes, depth 5",
            {"loss_function": "MultiClass", "depth": 5, "iterations": 20, "learning_rate": 0.3},
            X, y, Xe, names)


def cb_onehot(name):
    rng = mf.rng_for(name)
    Xtr, ytr, Xe, _, names = mf.adult_subset(3000, 80, rng)
    cats = [names.index(c) for c in ("workclass", "marital-status", "relationship", "race", "sex")]
    keep = cats + [names.index(c) for c in ("age", "education-num", "hours-per-week", "capital-gain")]
    names = [names[i] for i in keep]
    Xtr, Xe = Xtr[:, keep].copy(), Xe[:, keep].copy()
    cat_idx = list(range(5))
    for A in (Xtr, Xe):                    # a missing category is its own code, 99
        A[:, :5] = np.where(np.isnan(A[:, :5]), 99.0, A[:, :5])
    Xe[0, 0] = 77.0                        # a code never seen in training: no one-hot split matches

    def frame(A):
        import pandas as pd
        df = pd.DataFrame(A, columns=names)
        for c in cat_idx:
            df[names[c]] = df[names[c]].astype(np.int64)
        return df
    cb_case(name, "adult subset, Logloss, 5 integer-coded categoricals as one-hot splits "
            "(one_hot_max_size=255)", {"loss_function": "Logloss", "depth": 4, "iterations": 25,
                                       "one_hot_max_size": 255, "learning_rate": 0.3},
            frame(Xtr), ytr, frame(Xe), names, cat_features=cat_idx)


def cb_ctr(name):
    """A model with counter (CTR) features: only the file, which glassbox must refuse."""
    import catboost
    import pandas as pd
    rng = mf.rng_for(name)
    n = 400
    df = pd.DataFrame({"city": rng.choice([f"c{i}" for i in range(40)], n), "x": rng.normal(size=n)})
    y = (df["x"] + (df["city"].str[1:].astype(int) % 3) > 1).astype(int)
    model = catboost.CatBoostClassifier(iterations=5, depth=3, one_hot_max_size=2, random_seed=0,
                                        thread_count=1, verbose=False, allow_writing_files=False)
    model.fit(df, y, cat_features=[0])
    d = os.path.join(mf.OUT, "refused")
    os.makedirs(d, exist_ok=True)
    model.save_model(os.path.join(d, "catboost-ctr.json"), format="json")
    print(f"  refused/catboost-ctr.json (catboost {catboost.__version__})")


# -------------------------------------------------------------------------- onnx

def ort_run(path, X):
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name
    dtype = np.float64 if "double" in sess.get_inputs()[0].type else np.float32
    outs = sess.run(None, {name: np.asarray(X, dtype=dtype)})
    return {o.name: v for o, v in zip(sess.get_outputs(), outs)}


def onnx_case(name, desc, model, X, y, Xe, bg, names, *, options=None, dtype=np.float32,
              raw_output=None, convert=None):
    """Writes model.onnx, onnxruntime's outputs, and shap's interventional values of the
    scikit-learn (or LightGBM) model the file came from."""
    import onnx
    import shap
    d = mf.case_dir("onnx", name)
    model.fit(X, y)
    if hasattr(model, "estimators_"):
        # Rows on which float32 thresholds (onnxruntime, shap's C code) and scikit-learn's
        # double thresholds take the same branches everywhere (see mf.shap_indep_safe).
        Xe = Xe[mf.shap_indep_safe(model, Xe, True)]
        bg = bg[mf.shap_indep_safe(model, bg, True)]
    if convert is None:
        from skl2onnx import to_onnx
        onx = to_onnx(model, np.asarray(X[:1], dtype=dtype), options=options,
                      target_opset={"": 17, "ai.onnx.ml": 3})
    else:
        onx = convert(model)
    path = os.path.join(d, "model.onnx")
    onnx.save(onx, path)
    out = ort_run(path, Xe)
    for key, v in list(out.items()):       # ZipMap: a list of {label: probability}
        if isinstance(v, list):
            out[key] = np.asarray([[row[c] for c in sorted(row)] for row in v], dtype=np.float64)
    n, F = len(Xe), len(names)
    scores = [v for v in out.values() if getattr(v, "dtype", None) is not None and v.dtype.kind == "f"]
    scores = np.asarray(scores[-1], dtype=np.float64).reshape(n, -1)
    k = scores.shape[1]
    if raw_output is not None:             # the margin behind a transformed score
        margin = np.asarray(raw_output(model, Xe), dtype=np.float64).reshape(n, -1)
    else:
        margin = scores
    try:
        ex = shap.TreeExplainer(model, data=bg, feature_perturbation="interventional", model_output="raw")
    except shap.utils._exceptions.InvalidModelError:   # multi-class GradientBoostingClassifier
        ex = None
    sv = np.asarray(ex.shap_values(Xe), dtype=np.float64) if ex is not None else None
    if ex is not None:
        base = np.atleast_1d(np.asarray(ex.expected_value, dtype=np.float64))
        kk = base.shape[0]
        if sv.ndim == 3 and sv.shape[2] == kk:   # shap >= 0.45: (n, F, K)
            sv = np.transpose(sv, (0, 2, 1))
        sv = sv.reshape(n, kk, F)
        if kk == 2 and margin.shape[1] == 1:   # one-output classifier: the second class
            sv, base, kk = sv[:, 1:, :], base[1:], 1
        full = np.concatenate([sv, np.broadcast_to(base, (n, kk))[:, :, None]], axis=2)
    mf.write_X(os.path.join(d, "X.csv"), names, Xe)
    mf.write_X(os.path.join(d, "background.csv"), names, bg)
    import onnxruntime
    exp = {"library": "onnx", "writer": f"{onx.producer_name} {onx.producer_version}",
           "onnxruntime_version": onnxruntime.__version__, "objective": type(model).__name__,
           "num_features": F, "num_outputs": int(margin.shape[1]), "feature_names": names,
           "ort_outputs": {key: (mf.tolist(v) if getattr(v, "dtype", None) is not None and
                                 v.dtype.kind in "fi" else None) for key, v in out.items()},
           "ort_scores": mf.tolist(scores), "margin": mf.tolist(margin)}
    if ex is not None:
        exp["interventional"] = {"shap_version": shap.__version__, "model_output": "raw",
                                 "contribs": mf.tolist(full), "base": mf.tolist(base)}
    mf.write_expected(os.path.join(d, "expected.json"), exp)
    mf.record("onnx", name, d, desc, exp)


def opset5_regressor(model, X):
    """skl2onnx's TreeEnsembleRegressor rewritten as ai.onnx.ml opset 5 TreeEnsemble (skl2onnx
    itself still writes the old operator): nodes and leaves in separate arrays, modes as a
    uint8 tensor, base value as an explicit Add."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    from skl2onnx import to_onnx
    old = to_onnx(model, np.asarray(X[:1], dtype=np.float32), target_opset={"": 17, "ai.onnx.ml": 3})
    node = old.graph.node[0]
    a = {x.name: helper.get_attribute_value(x) for x in node.attribute}
    tree_ids, node_ids = a["nodes_treeids"], a["nodes_nodeids"]
    key = {(t, nd): i for i, (t, nd) in enumerate(zip(tree_ids, node_ids))}
    weight = {(t, nd): w for t, nd, w in zip(a["target_treeids"], a["target_nodeids"], a["target_weights"])}
    splits, leaves = {}, {}
    for i, mode in enumerate(a["nodes_modes"]):
        (leaves if mode == b"LEAF" else splits)[i] = len(leaves if mode == b"LEAF" else splits)
    feat, thr, modes, tid, fid, tleaf, fleaf, miss = [], [], [], [], [], [], [], []
    for i in sorted(splits, key=splits.get):
        t = tree_ids[i]
        feat.append(a["nodes_featureids"][i])
        thr.append(a["nodes_values"][i])
        modes.append(0)                    # BRANCH_LEQ
        miss.append(a["nodes_missing_value_tracks_true"][i])
        for child, ids, flags in ((a["nodes_truenodeids"][i], tid, tleaf),
                                  (a["nodes_falsenodeids"][i], fid, fleaf)):
            j = key[(t, child)]
            is_leaf = j in leaves
            ids.append(leaves[j] if is_leaf else splits[j])
            flags.append(int(is_leaf))
    roots = []
    for t in sorted(set(tree_ids)):
        j = key[(t, 0)]
        roots.append(splits[j])
    leaf_w = [0.0] * len(leaves)
    for j, pos in leaves.items():
        leaf_w[pos] = weight[(tree_ids[j], node_ids[j])]
    ens = helper.make_node(
        "TreeEnsemble", ["X"], ["raw"], domain="ai.onnx.ml", n_targets=1, aggregate_function=1,
        post_transform=0, tree_roots=roots, nodes_featureids=feat,
        nodes_splits=numpy_helper.from_array(np.asarray(thr, dtype=np.float32)),
        nodes_modes=numpy_helper.from_array(np.asarray(modes, dtype=np.uint8)),
        nodes_truenodeids=tid, nodes_trueleafs=tleaf, nodes_falsenodeids=fid, nodes_falseleafs=fleaf,
        nodes_missing_value_tracks_true=miss, leaf_targetids=[0] * len(leaves),
        leaf_weights=numpy_helper.from_array(np.asarray(leaf_w, dtype=np.float32)))
    base = numpy_helper.from_array(np.asarray([[a.get("base_values", [0.0])[0]]], dtype=np.float32), "base")
    add = helper.make_node("Add", ["raw", "base"], ["variable"])
    graph = helper.make_graph(
        [ens, add], "trees5", [helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, X.shape[1]])],
        [helper.make_tensor_value_info("variable", TensorProto.FLOAT, [None, 1])], initializer=[base])
    return helper.make_model(graph, producer_name="glassbox-fixtures", producer_version="1",
                             opset_imports=[helper.make_opsetid("", 21), helper.make_opsetid("ai.onnx.ml", 5)])


def onnx_cases(sel):
    from sklearn.ensemble import (GradientBoostingClassifier, GradientBoostingRegressor,
                                  RandomForestClassifier, RandomForestRegressor)
    chosen = lambda n: sel is None or sel in n   # noqa: E731

    def data(loader, name, cols=None):
        X, y, _, names = mf.sk_data(loader, mf.rng_for(name))
        if cols:
            X, names = X[:, :cols], names[:cols]
        # float32-representable inputs: scikit-learn and onnxruntime compare float32 inputs,
        # shap compares doubles; on such values all three take the same branches.
        X = X.astype(np.float32).astype(np.float64)
        return X, y, X[:50], X[50:90], names

    if chosen("onnx-rf-regressor"):
        X, y, Xe, bg, names = data("load_diabetes", "onnx-rf-regressor")
        onnx_case("onnx-rf-regressor", "diabetes, RandomForestRegressor 20 trees depth 6, skl2onnx "
                  "TreeEnsembleRegressor (ai.onnx.ml 1)",
                  RandomForestRegressor(n_estimators=20, max_depth=6, random_state=0), X, y, Xe, bg, names)
    if chosen("onnx-gb-binary-zipmap"):
        X, y, Xe, bg, names = data("load_breast_cancer", "onnx-gb-binary-zipmap", cols=8)
        onnx_case("onnx-gb-binary-zipmap", "breast_cancer (8 features), GradientBoostingClassifier binary, "
                  "post_transform LOGISTIC, base_values, label output and ZipMap",
                  GradientBoostingClassifier(n_estimators=25, max_depth=3, random_state=0), X, y, Xe, bg, names,
                  raw_output=lambda m, A: m.decision_function(A))
    if chosen("onnx-gb-multiclass"):
        X, y, Xe, bg, names = data("load_wine", "onnx-gb-multiclass")
        onnx_case("onnx-gb-multiclass", "wine, GradientBoostingClassifier 3 classes, post_transform SOFTMAX, "
                  "zipmap=False", GradientBoostingClassifier(n_estimators=15, max_depth=2, random_state=0),
                  X, y, Xe, bg, names, options={"zipmap": False},
                  raw_output=lambda m, A: m.decision_function(A))
    if chosen("onnx-rf-classifier"):
        X, y, Xe, bg, names = data("load_breast_cancer", "onnx-rf-classifier", cols=8)
        onnx_case("onnx-rf-classifier", "breast_cancer (8 features), RandomForestClassifier binary, averaged "
                  "class probabilities, zipmap=False",
                  RandomForestClassifier(n_estimators=15, max_depth=5, random_state=0), X, y, Xe, bg, names,
                  options={"zipmap": False}, raw_output=lambda m, A: m.predict_proba(A)[:, 1:])
    if chosen("onnx-lgb-onnxmltools"):
        import lightgbm as lgb
        from onnxmltools import convert_lightgbm
        from onnxmltools.convert.common.data_types import FloatTensorType
        X, y, Xe, bg, names = data("load_diabetes", "onnx-lgb-onnxmltools")
        names = [f"f{i}" for i in range(len(names))]
        reg = lgb.LGBMRegressor(n_estimators=20, num_leaves=8, learning_rate=0.2, random_state=0, verbose=-1,
                                n_jobs=1)
        onnx_case("onnx-lgb-onnxmltools", "diabetes, LightGBM regression converted by onnxmltools",
                  reg, X, y, Xe, bg, names,
                  convert=lambda m: convert_lightgbm(m, initial_types=[("X", FloatTensorType([None, X.shape[1]]))],
                                                     target_opset=15))
    if chosen("onnx-opset5"):
        X, y, Xe, bg, names = data("load_diabetes", "onnx-opset5")
        onnx_case("onnx-opset5", "diabetes, GradientBoostingRegressor written as ai.onnx.ml opset 5 TreeEnsemble "
                  "with an explicit Add of the base value",
                  GradientBoostingRegressor(n_estimators=20, max_depth=3, random_state=0), X, y, Xe, bg, names,
                  convert=lambda m: opset5_regressor(m, X))


# -------------------------------------------------------------------------- main

CASES = [
    ("lgb-multiclassova", lgb_multiclassova),
    ("lgb-linear-regression", lambda n: lgb_linear(n, "regression", "load_diabetes", 15, 0.08)),
    ("lgb-linear-binary", lambda n: lgb_linear(n, "binary", "load_breast_cancer", 12, 0.05)),
    ("cb-regression", cb_regression),
    ("cb-binary-nan", cb_binary_nan),
    ("cb-nan-max", cb_nan_max),
    ("cb-multiclass", cb_multiclass),
    ("cb-onehot", cb_onehot),
    ("cb-ctr", cb_ctr),
]


def merge_index():
    path = os.path.join(mf.OUT, "index.json")
    with open(path) as fh:
        index = json.load(fh)
    mine = {c["case"]: c for c in mf.INDEX}
    cases = [mine.pop(c["case"], c) for c in index["cases"]]
    cases += list(mine.values())
    with open(path, "w") as fh:
        json.dump({"cases": cases}, fh, indent=1)
        fh.write("\n")


def main(argv):
    sel = argv[1] if len(argv) > 1 else None
    chosen = [(n, fn) for n, fn in CASES if sel is None or sel in n]
    for name, fn in chosen:
        fn(name)
    onnx_cases(sel)
    if not mf.INDEX and not chosen:
        raise SystemExit(f"no case matches {sel!r}")
    merge_index()


if __name__ == "__main__":
    main(sys.argv)
