#!/usr/bin/env python3
"""Generate the reference (golden) fixtures used by glassbox's Swift conformance tests.

    .venv-tools/bin/python tools/make_fixtures.py            # all cases
    .venv-tools/bin/python tools/make_fixtures.py xgb-dart   # only cases whose name contains it

Writes Tests/Fixtures/trees/<case>/ and Tests/Fixtures/linear/adult-logistic/ (see
Tests/Fixtures/README.md for the layout). Needs datasets/adult.csv and
models/adult-logistic.json (tools/make_adult.py) and the pinned venv
(tools/setup_venv.sh). Deterministic: fixed seeds, single-threaded-equivalent settings.
"""

import json
import math
import os
import shutil
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import export_sklearn  # noqa: E402
import make_adult  # noqa: E402

ROOT = make_adult.ROOT
OUT = os.path.join(ROOT, "Tests", "Fixtures")
SEED = 7
INDEX = []


# ------------------------------------------------------------------------ output

def fnum(v):
    v = float(v)
    return "" if math.isnan(v) else repr(v)


def write_X(path, names, X):
    with open(path, "w") as fh:
        fh.write(",".join(names) + "\n")
        for row in np.asarray(X, dtype=np.float64):
            fh.write(",".join(fnum(v) for v in row) + "\n")


def tolist(a):
    """float64 nested lists; json prints each with repr (shortest round trip)."""
    a = np.asarray(a, dtype=np.float64)
    if not np.all(np.isfinite(a)):
        raise ValueError("non-finite value in expected output")
    return a.tolist()


def write_expected(path, obj):
    parts = [json.dumps(k) + ":" + json.dumps(v, separators=(",", ":"), allow_nan=False)
             for k, v in obj.items()]
    with open(path, "w") as fh:
        fh.write("{\n" + ",\n".join(parts) + "\n}\n")


def case_dir(group, name):
    d = os.path.join(OUT, group, name)
    if os.path.isdir(d):
        shutil.rmtree(d)
    os.makedirs(d)
    return d


def record(group, name, d, desc, exp):
    files = sorted(os.listdir(d))
    size = sum(os.path.getsize(os.path.join(d, f)) for f in files)
    INDEX.append({"case": f"{group}/{name}", "library": exp["library"],
                  "objective": exp.get("objective"), "description": desc, "files": files})
    print(f"  {group}/{name:34s} {size/1024:8.1f} KiB  {desc}")


def as_rows_k_f(contrib, n, k, width):
    """Normalise contributions to [row][k][width]."""
    c = np.asarray(contrib, dtype=np.float64)
    if c.ndim == 2:
        c = c.reshape(n, 1, width) if k == 1 else c.reshape(n, k, width)
    assert c.shape == (n, k, width), (c.shape, n, k, width)
    return c


def check_additive(contribs, margin, tol, what):
    err = np.max(np.abs(contribs.sum(axis=-1) - margin) / np.maximum(1.0, np.abs(margin)))
    if err > tol:
        raise AssertionError(f"{what}: contributions do not add up to the margin ({err:.3e})")
    return err


# ------------------------------------------------------------------------- data

def rng_for(name):
    return np.random.default_rng(abs(hash_str(name)) % (2**32) + SEED)


def hash_str(s):
    h = 0
    for ch in s.encode():
        h = (h * 131 + ch) % (2**61 - 1)
    return h


def inject_nan(X, frac, rng, cols=None):
    X = np.array(X, dtype=np.float64, copy=True)
    mask = rng.random(X.shape) < frac
    if cols is not None:
        keep = np.zeros(X.shape[1], dtype=bool)
        keep[cols] = True
        mask &= keep[None, :]
    X[mask] = np.nan
    return X


_ADULT = None


def adult():
    """(X_train, y_train, X_test, y_test, names, codes) encoded as the shipped models."""
    global _ADULT
    if _ADULT is None:
        tr = make_adult.load_csv(os.path.join(ROOT, "datasets", "adult.csv"))
        te = make_adult.load_csv(os.path.join(ROOT, "datasets", "adult-test.csv"))
        codes = make_adult.category_codes(tr)
        X, y = make_adult.encode(tr, codes)
        Xt, yt = make_adult.encode(te, codes)
        _ADULT = (X, y, Xt, yt, list(make_adult.FEATURES), codes)
    return _ADULT


def adult_subset(n_train, n_eval, rng):
    X, y, Xt, yt, names, codes = adult()
    i = rng.permutation(len(X))[:n_train]
    j = rng.permutation(len(Xt))[:n_eval]
    return X[i], y[i], Xt[j], yt[j], names


def sk_data(loader, rng, n_eval=None):
    from sklearn import datasets
    b = getattr(datasets, loader)()
    X = np.asarray(b.data, dtype=np.float64)
    y = np.asarray(b.target)
    names = [str(f).replace(" ", "_") for f in b.feature_names]
    perm = rng.permutation(len(X))
    X, y = X[perm], y[perm]
    n_eval = n_eval or min(len(X), 120)
    return X, y, X[:n_eval], names


# ---------------------------------------------------------------------- xgboost

def xgb_case(name, desc, params, rounds, Xtr, ytr, Xe, names, *, bg=None,
             interactions=False, cat_cols=None):
    import xgboost as xgb
    import pandas as pd
    d = case_dir("trees", name)
    p = {"seed": 0, "nthread": 2, "tree_method": "hist"}
    p.update(params)

    def dmat(X, y=None):
        if cat_cols is None:
            return xgb.DMatrix(X, label=y, feature_names=names, missing=np.nan)
        df = pd.DataFrame(X, columns=names)
        for c in cat_cols:
            levels = list(range(cat_cols[c]))
            col = pd.Categorical(df[c], categories=levels)   # NaN stays missing
            df[c] = col
        return xgb.DMatrix(df, label=y, enable_categorical=True, missing=np.nan)

    bst = xgb.train(p, dmat(Xtr, ytr), num_boost_round=rounds)
    mpath = os.path.join(d, "model.json")
    bst.save_model(mpath)
    bst = xgb.Booster(model_file=mpath)          # everything below comes from the file
    de = dmat(Xe)
    n, F = Xe.shape
    margin = bst.predict(de, output_margin=True)
    pred = bst.predict(de)
    contrib = bst.predict(de, pred_contribs=True)
    k = 1 if margin.ndim == 1 else margin.shape[1]
    margin = margin.reshape(n, k).astype(np.float64)
    pred = pred.reshape(n, -1).astype(np.float64)
    contrib = as_rows_k_f(contrib, n, k, F + 1)
    check_additive(contrib, margin, 1e-4, name)
    write_X(os.path.join(d, "X.csv"), names, Xe)
    exp = {"library": "xgboost", "library_version": xgb.__version__,
           "objective": p["objective"], "num_features": F, "num_outputs": k,
           "feature_names": names, "margin": tolist(margin), "prediction": tolist(pred),
           "contribs": tolist(contrib)}
    if cat_cols is not None:
        exp["categorical_features"] = list(cat_cols)
    if interactions:
        inter = bst.predict(de, pred_interactions=True).astype(np.float64)
        inter = inter.reshape(n, k, F + 1, F + 1)
        exp["interactions"] = tolist(inter)
    if bg is not None:
        import shap
        write_X(os.path.join(d, "background.csv"), names, bg)
        for key, out in (("interventional", "raw"), ("interventional_probability", "probability")):
            ex = shap.TreeExplainer(bst, data=bg, feature_perturbation="interventional",
                                    model_output=out)
            sv = np.asarray(ex.shap_values(Xe), dtype=np.float64)
            base = np.atleast_1d(np.asarray(ex.expected_value, dtype=np.float64))
            sv = as_rows_k_f(sv, n, k, F)
            full = np.concatenate([sv, np.broadcast_to(base, (n, k))[:, :, None]], axis=2)
            target = margin if out == "raw" else pred
            check_additive(full, target, 1e-5, f"{name} {key}")
            exp[key] = {"model_output": out, "shap_version": shap.__version__,
                        "contribs": tolist(full), "base": tolist(base)}
    write_expected(os.path.join(d, "expected.json"), exp)
    record("trees", name, d, desc, exp)
    return bst


def xgboost_cases(sel):
    cases = []

    def add(name, fn):
        if sel is None or sel in name:
            cases.append((name, fn))

    def binary_nan(name):
        rng = rng_for(name)
        Xtr, ytr, Xe, _, names = adult_subset(4000, 100, rng)
        Xtr = inject_nan(Xtr, 0.10, rng)
        Xe = inject_nan(Xe, 0.10, rng)
        bg = Xtr[rng.permutation(len(Xtr))[:100]]
        xgb_case(name, "adult, binary:logistic, ~10% injected NaN, interventional (raw+prob)",
                 {"objective": "binary:logistic", "max_depth": 4, "eta": 0.3}, 40,
                 Xtr, ytr, Xe, names, bg=bg)
    add("xgb-binary-nan", binary_nan)

    def regression(name):
        X, y, Xe, names = sk_data("load_diabetes", rng_for(name), n_eval=60)
        xgb_case(name, "diabetes, reg:squarederror, with pred_interactions",
                 {"objective": "reg:squarederror", "max_depth": 4, "eta": 0.15}, 25,
                 X, y, Xe, names, interactions=True)
    add("xgb-regression", regression)

    def softprob(name):
        X, y, Xe, names = sk_data("load_wine", rng_for(name))
        xgb_case(name, "wine, multi:softprob 3 classes",
                 {"objective": "multi:softprob", "num_class": 3, "max_depth": 3, "eta": 0.3},
                 15, X, y, Xe, names)
    add("xgb-multi-softprob", softprob)

    def categorical(name):
        rng = rng_for(name)
        Xtr, ytr, Xe, _, names = adult_subset(5000, 100, rng)
        codes = adult()[5]
        cats = {c: len(codes[c]) for c in make_adult.CATEGORICAL}
        xgb_case(name, "adult, binary:logistic, enable_categorical (8 pandas category columns)",
                 {"objective": "binary:logistic", "max_depth": 4, "eta": 0.3,
                  "max_cat_to_onehot": 4}, 30, Xtr, ytr, Xe, names, cat_cols=cats)
    add("xgb-categorical", categorical)

    def poisson(name):
        X, y, Xe, names = sk_data("load_diabetes", rng_for(name), n_eval=100)
        xgb_case(name, "diabetes target as counts, count:poisson",
                 {"objective": "count:poisson", "max_depth": 3, "eta": 0.2}, 40,
                 X, y, Xe, names)
    add("xgb-poisson", poisson)

    def dart(name):
        X, y, Xe, names = sk_data("load_breast_cancer", rng_for(name), n_eval=100)
        xgb_case(name, "breast_cancer, binary:logistic, booster=dart rate_drop=0.1",
                 {"objective": "binary:logistic", "booster": "dart", "rate_drop": 0.1,
                  "skip_drop": 0.0, "max_depth": 3, "eta": 0.3}, 30, X, y, Xe, names)
    add("xgb-dart", dart)

    def rf(name):
        X, y, Xe, names = sk_data("load_wine", rng_for(name))
        xgb_case(name, "wine, multi:softprob, random-forest mode num_parallel_tree=4, 3 rounds",
                 {"objective": "multi:softprob", "num_class": 3, "num_parallel_tree": 4,
                  "subsample": 0.8, "colsample_bynode": 0.8, "max_depth": 4, "eta": 1.0},
                 3, X, y, Xe, names)
    add("xgb-rf", rf)

    def stumps(name):
        X, y, Xe, names = sk_data("load_diabetes", rng_for(name), n_eval=100)
        xgb_case(name, "diabetes, reg:squarederror, max_depth=1 (stumps)",
                 {"objective": "reg:squarederror", "max_depth": 1, "eta": 0.2}, 60,
                 X, y, Xe, names)
    add("xgb-stumps", stumps)

    def deep(name):
        rng = rng_for(name)
        Xtr, ytr, Xe, _, names = adult_subset(6000, 100, rng)
        xgb_case(name, "adult, binary:logistic, max_depth=14 (deep trees)",
                 {"objective": "binary:logistic", "max_depth": 14, "eta": 0.3,
                  "min_child_weight": 0.5}, 4, Xtr, ytr, Xe, names)
    add("xgb-deep", deep)

    def logitraw(name):
        X, y, Xe, names = sk_data("load_breast_cancer", rng_for(name), n_eval=100)
        xgb_case(name, "breast_cancer, binary:logitraw",
                 {"objective": "binary:logitraw", "max_depth": 3, "eta": 0.3}, 30,
                 X, y, Xe, names)
    add("xgb-logitraw", logitraw)

    def gamma(name):
        X, y, Xe, names = sk_data("load_diabetes", rng_for(name), n_eval=100)
        xgb_case(name, "diabetes, reg:gamma",
                 {"objective": "reg:gamma", "max_depth": 3, "eta": 0.2}, 40, X, y, Xe, names)
    add("xgb-gamma", gamma)

    def tweedie(name):
        X, y, Xe, names = sk_data("load_diabetes", rng_for(name), n_eval=100)
        y = np.maximum(y - 100.0, 0.0)            # exact zeros, as tweedie data has
        xgb_case(name, "diabetes target-100 clipped at 0, reg:tweedie power 1.5",
                 {"objective": "reg:tweedie", "tweedie_variance_power": 1.5, "max_depth": 3,
                  "eta": 0.2}, 40, X, y, Xe, names)
    add("xgb-tweedie", tweedie)

    def softmax(name):
        X, y, Xe, names = sk_data("load_iris", rng_for(name))
        xgb_case(name, "iris, multi:softmax 3 classes (prediction = class index)",
                 {"objective": "multi:softmax", "num_class": 3, "max_depth": 3, "eta": 0.3},
                 10, X, y, Xe, names)
    add("xgb-softmax", softmax)

    def pruned(name):
        X, y, Xe, names = sk_data("load_diabetes", rng_for(name), n_eval=100)
        xgb_case(name, "diabetes, tree_method=exact + gamma=20000: pruned trees keep deleted "
                 "nodes (num_deleted>0; late trees are a root leaf plus unreachable nodes)",
                 {"objective": "reg:squarederror", "tree_method": "exact", "gamma": 20000,
                  "max_depth": 5, "eta": 0.3}, 12, X, y, Xe, names)
    add("xgb-pruned", pruned)

    def one_node(name):
        X, y, Xe, names = sk_data("load_diabetes", rng_for(name), n_eval=100)
        xgb_case(name, "diabetes, hist + gamma=20000: late trees are single-node trees "
                 "(left_children=[-1])",
                 {"objective": "reg:squarederror", "gamma": 20000, "max_depth": 5, "eta": 0.3},
                 12, X, y, Xe, names)
    add("xgb-one-node", one_node)
    return cases


# --------------------------------------------------------------------- lightgbm

def lgb_case(name, desc, params, rounds, Xtr, ytr, Xe, names, *, bg=None, categorical=None,
             require=None):
    import lightgbm as lgb
    d = case_dir("trees", name)
    p = {"seed": 0, "deterministic": True, "force_row_wise": True, "num_threads": 2,
         "verbose": -1}
    p.update(params)
    ds = lgb.Dataset(Xtr, label=ytr, feature_name=names,
                     categorical_feature=categorical if categorical is not None else "auto",
                     free_raw_data=False)
    gbm = lgb.train(p, ds, num_boost_round=rounds)
    mpath = os.path.join(d, "model.txt")
    gbm.save_model(mpath)
    b = lgb.Booster(model_file=mpath)
    dump = b.dump_model()
    with open(os.path.join(d, "model.dump.json"), "w") as fh:
        fh.write(json.dumps(dump, separators=(",", ":")))
        fh.write("\n")
    n, F = Xe.shape
    margin = b.predict(Xe, raw_score=True)
    if not np.array_equal(margin, gbm.predict(Xe, raw_score=True)):
        raise AssertionError(f"{name}: reloaded model differs")
    pred = b.predict(Xe)
    contrib = b.predict(Xe, pred_contrib=True)
    k = dump["num_tree_per_iteration"]
    margin = np.asarray(margin, dtype=np.float64).reshape(n, k)
    pred = np.asarray(pred, dtype=np.float64).reshape(n, -1)
    contrib = np.asarray(contrib, dtype=np.float64).reshape(n, k, F + 1)   # class-major blocks
    check_additive(contrib, margin, 1e-9, name)
    if require is not None:
        require(dump)
    write_X(os.path.join(d, "X.csv"), names, Xe)
    exp = {"library": "lightgbm", "library_version": lgb.__version__,
           "objective": dump["objective"], "num_features": F, "num_outputs": k,
           "feature_names": names, "average_output": bool(dump["average_output"]),
           "margin": tolist(margin), "prediction": tolist(pred), "contribs": tolist(contrib)}
    if categorical is not None:
        exp["categorical_features"] = [names[i] for i in categorical]
    if bg is not None:
        import shap
        write_X(os.path.join(d, "background.csv"), names, bg)
        ex = shap.TreeExplainer(b, data=bg, feature_perturbation="interventional",
                                model_output="raw")
        sv = as_rows_k_f(np.asarray(ex.shap_values(Xe), dtype=np.float64), n, k, F)
        base = np.atleast_1d(np.asarray(ex.expected_value, dtype=np.float64))
        full = np.concatenate([sv, np.broadcast_to(base, (n, k))[:, :, None]], axis=2)
        check_additive(full, margin, 1e-5, f"{name} interventional")
        exp["interventional"] = {"model_output": "raw", "shap_version": shap.__version__,
                                 "contribs": tolist(full), "base": tolist(base)}
    write_expected(os.path.join(d, "expected.json"), exp)
    record("trees", name, d, desc, exp)


def walk_lgb(node):
    yield node
    for c in ("left_child", "right_child"):
        if c in node:
            yield from walk_lgb(node[c])


def lightgbm_cases(sel):
    cases = []

    def add(name, fn):
        if sel is None or sel in name:
            cases.append((name, fn))

    def binary_nan(name):
        rng = rng_for(name)
        Xtr, ytr, Xe, _, names = adult_subset(4000, 100, rng)
        Xtr = inject_nan(Xtr, 0.10, rng)
        Xe = inject_nan(Xe, 0.10, rng)
        lgb_case(name, "adult, binary, ~10% injected NaN",
                 {"objective": "binary", "num_leaves": 8, "learning_rate": 0.2}, 25,
                 Xtr, ytr, Xe, names)
    add("lgb-binary-nan", binary_nan)

    def regression(name):
        rng = rng_for(name)
        X, y, Xe, names = sk_data("load_diabetes", rng, n_eval=100)
        bg = X[rng.permutation(len(X))[:100]]
        lgb_case(name, "diabetes, regression, interventional (raw)",
                 {"objective": "regression", "num_leaves": 8, "learning_rate": 0.15,
                  "min_data_in_leaf": 10}, 25, X, y, Xe, names, bg=bg)
    add("lgb-regression", regression)

    def multiclass(name):
        X, y, Xe, names = sk_data("load_wine", rng_for(name))
        lgb_case(name, "wine, multiclass 3",
                 {"objective": "multiclass", "num_class": 3, "num_leaves": 6,
                  "learning_rate": 0.3, "min_data_in_leaf": 5}, 10, X, y, Xe, names)
    add("lgb-multiclass", multiclass)

    def categorical(name):
        rng = rng_for(name)
        Xtr, ytr, Xe, _, names = adult_subset(5000, 100, rng)
        cats = [names.index(c) for c in make_adult.CATEGORICAL]
        Xe = Xe.copy()
        # edge cases: codes never seen in training and a negative code (both go right)
        Xe[0, names.index("native-country")] = 45.0
        Xe[1, names.index("occupation")] = 99.0
        Xe[2, names.index("workclass")] = -1.0

        def require(dump):
            n = sum(1 for t in dump["tree_info"] for nd in walk_lgb(t["tree_structure"])
                    if nd.get("decision_type") == "==")
            assert n > 0, "no categorical splits"
        lgb_case(name, "adult, binary, categorical_feature = the 8 categorical codes "
                 "(rows 0-2 hold unseen/negative codes)",
                 {"objective": "binary", "num_leaves": 8, "learning_rate": 0.2,
                  "min_data_per_group": 20, "cat_smooth": 10}, 20, Xtr, ytr, Xe, names,
                 categorical=cats, require=require)
    add("lgb-categorical", categorical)

    def rf(name):
        X, y, Xe, names = sk_data("load_diabetes", rng_for(name), n_eval=100)
        lgb_case(name, "diabetes, boosting=rf (average_output; raw/contrib are sums)",
                 {"objective": "regression", "boosting": "rf", "bagging_fraction": 0.7,
                  "bagging_freq": 1, "feature_fraction": 0.8, "num_leaves": 10,
                  "min_data_in_leaf": 10}, 15, X, y, Xe, names)
    add("lgb-rf", rf)

    def zero_missing(name):
        rng = rng_for(name)
        Xtr, ytr, Xe, _, names = adult_subset(4000, 100, rng)
        Xtr = inject_nan(Xtr, 0.05, rng)
        Xe = inject_nan(Xe, 0.05, rng)

        def require(dump):
            mt = {nd.get("missing_type") for t in dump["tree_info"]
                  for nd in walk_lgb(t["tree_structure"]) if "split_index" in nd}
            assert "Zero" in mt, mt
        lgb_case(name, "adult, binary, zero_as_missing=True (missing_type Zero) + 5% NaN",
                 {"objective": "binary", "num_leaves": 8, "learning_rate": 0.2,
                  "zero_as_missing": True}, 20, Xtr, ytr, Xe, names, require=require)
    add("lgb-zero-missing", zero_missing)

    def stump(name):
        X, y, Xe, names = sk_data("load_iris", rng_for(name))

        def require(dump):
            s = sum(1 for t in dump["tree_info"] if t["num_leaves"] == 1)
            assert s > 0, "no stumps"
            print(f"    {s} of {len(dump['tree_info'])} trees are stumps")
        lgb_case(name, "iris, multiclass 3; the separable class's later trees are stumps",
                 {"objective": "multiclass", "num_class": 3, "num_leaves": 4,
                  "learning_rate": 0.4, "min_data_in_leaf": 5, "min_sum_hessian_in_leaf": 1.0},
                 15, X, y, Xe, names, require=require)
    add("lgb-stump", stump)
    return cases


# ---------------------------------------------------------------------- sklearn

def shap_indep_safe(model, rows, cast32):
    """Rows that shap's interventional C code routes exactly like sklearn.

    shap's interventional algorithm (tree_shap.h, struct Node) stores thresholds as
    float32 and compares the explained rows (cast to float32 by shap) and the background
    rows (not cast) against them, while sklearn compares float32(x) with the float64
    threshold. A value within a float32 ulp of a threshold (the diabetes data have such
    near-duplicates) can then go the other way in shap and its output is wrong for that
    row. Keep only rows for which both rules agree at every split of every tree."""
    ests = getattr(model, "estimators_", [model])
    ests = np.ravel(ests)
    rows = np.asarray(rows, dtype=np.float64)
    ok = np.ones(len(rows), dtype=bool)
    x32 = rows.astype(np.float32).astype(np.float64)
    seen = x32 if cast32 else rows
    for est in ests:
        t = est.tree_
        inner = t.children_left >= 0
        f, thr = t.feature[inner], t.threshold[inner]
        thr32 = thr.astype(np.float32).astype(np.float64)
        a = x32[:, f] <= thr[None, :]
        b = seen[:, f] <= thr32[None, :]
        nan = np.isnan(rows[:, f])
        ok &= np.all((a == b) | nan, axis=1)
    return ok


def gb_multiclass_shap(model, Xe):
    """Path-dependent TreeSHAP of a K-class GradientBoostingClassifier, class by class,
    through shap's generic dict model (the same code path shap uses for binary GB)."""
    import shap
    init = model._raw_predict_init(np.zeros((1, model.n_features_in_)))[0]
    lr = float(model.learning_rate)
    n, F = Xe.shape
    k = model.estimators_.shape[1]
    sv = np.zeros((n, k, F))
    base = np.zeros(k)
    for c in range(k):
        trees = []
        for est in model.estimators_[:, c]:
            t = est.tree_
            trees.append({
                "children_left": t.children_left.astype(np.int32),
                "children_right": t.children_right.astype(np.int32),
                "children_default": np.where(t.missing_go_to_left, t.children_left,
                                             t.children_right).astype(np.int32),
                "features": t.feature.astype(np.int32),
                "thresholds": t.threshold.astype(np.float64),
                "values": t.value[:, 0, 0].reshape(-1, 1) * lr,
                "node_sample_weight": t.weighted_n_node_samples.astype(np.float64)})
        ex = shap.TreeExplainer({"trees": trees, "base_offset": float(init[c]),
                                 "input_dtype": np.float32, "internal_dtype": np.float64,
                                 "tree_output": "log_odds"})
        sv[:, c, :] = np.asarray(ex.shap_values(Xe), dtype=np.float64)
        base[c] = float(np.asarray(ex.expected_value).reshape(-1)[0])
    return sv, base


def sk_case(name, desc, model, Xtr, ytr, Xe, names, *, bg=None):
    import shap
    import sklearn
    d = case_dir("trees", name)
    model.fit(Xtr, ytr)
    if bg is not None:
        Xe = Xe[shap_indep_safe(model, Xe, True)][:100]
        # background stored as float32-representable values: shap compares them
        # uncast, sklearn after float32 rounding, so this makes both see the same numbers
        bg = np.asarray(bg, dtype=np.float64).astype(np.float32).astype(np.float64)
        bg = bg[shap_indep_safe(model, bg, True)][:100]
        assert len(Xe) == 100 and len(bg) == 100
    mpath = os.path.join(d, "model.json")
    doc = export_sklearn.export(model, names, mpath)
    with open(mpath) as fh:
        doc = json.load(fh)                   # check what was written, not the dict
    err = max(export_sklearn.check(model, doc, Xe), export_sklearn.check(model, doc, Xtr))
    n, F = Xe.shape
    k = doc["num_outputs"]
    is_clf = hasattr(model, "classes_")
    if is_clf:
        proba = model.predict_proba(Xe)
        pred = proba[:, 1:] if k == 1 else proba
        if doc["link"] == "identity":
            margin = proba
            shap_output = "probability"
        else:
            margin = model.decision_function(Xe).reshape(n, k)
            shap_output = "log_odds" if k == 1 else "margin"
    else:
        margin = pred = model.predict(Xe).reshape(n, 1)
        shap_output = "raw"
    shap_method = "shap.TreeExplainer(model) (tree_path_dependent)"
    if type(model).__name__ == "GradientBoostingClassifier" and k > 1:
        sv, base = gb_multiclass_shap(model, Xe)
        shap_method = ("shap.TreeExplainer on one shap dict-model per class (trees "
                       "estimators_[:, k], scaling learning_rate, base_offset init_k); shap "
                       "refuses multiclass GradientBoostingClassifier itself")
    else:
        ex = shap.TreeExplainer(model)
        sv = np.asarray(ex.shap_values(Xe), dtype=np.float64)
        if sv.ndim == 3:
            sv = sv.transpose(0, 2, 1)           # shap: (n, F, K) -> (n, K, F)
        sv = as_rows_k_f(sv, n, k, F)
        base = np.atleast_1d(np.asarray(ex.expected_value, dtype=np.float64))
    contrib = np.concatenate([sv, np.broadcast_to(base, (n, k))[:, :, None]], axis=2)
    check_additive(contrib, margin, 1e-9, name)
    write_X(os.path.join(d, "X.csv"), names, Xe)
    objective = getattr(model, "loss", None) or getattr(model, "criterion", None)
    exp = {"library": "scikit-learn", "library_version": sklearn.__version__,
           "shap_version": shap.__version__, "estimator": type(model).__name__,
           "objective": objective, "num_features": F, "num_outputs": k,
           "feature_names": names, "shap_output": shap_output, "shap_method": shap_method,
           "margin": tolist(margin), "prediction": tolist(pred), "contribs": tolist(contrib)}
    if bg is not None:
        write_X(os.path.join(d, "background.csv"), names, bg)
        ex = shap.TreeExplainer(model, data=bg, feature_perturbation="interventional")
        svi = np.asarray(ex.shap_values(Xe), dtype=np.float64)
        if svi.ndim == 3:
            svi = svi.transpose(0, 2, 1)
        svi = as_rows_k_f(svi, n, k, F)
        basei = np.atleast_1d(np.asarray(ex.expected_value, dtype=np.float64))
        full = np.concatenate([svi, np.broadcast_to(basei, (n, k))[:, :, None]], axis=2)
        check_additive(full, margin, 1e-5, f"{name} interventional")
        exp["interventional"] = {"model_output": "raw", "shap_version": shap.__version__,
                                 "contribs": tolist(full), "base": tolist(basei)}
    write_expected(os.path.join(d, "expected.json"), exp)
    record("trees", name, d, f"{desc} (exporter check {err:.1e})", exp)


def sklearn_cases(sel):
    from sklearn.ensemble import (ExtraTreesRegressor, GradientBoostingClassifier,
                                  GradientBoostingRegressor, RandomForestClassifier,
                                  RandomForestRegressor)
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor
    cases = []

    def add(name, fn):
        if sel is None or sel in name:
            cases.append((name, fn))

    # name, data set, description, estimator, share of cells set to NaN, rows explained
    # (None: all), background (a permutation of the rows, 100 kept; None: sk_case's default).
    table = [
        ("sk-decision-tree-regressor", "load_diabetes", "diabetes, DecisionTreeRegressor depth 6, ~10% NaN",
         lambda: DecisionTreeRegressor(max_depth=6, random_state=0), 0.10, 100, False),
        ("sk-random-forest-regressor", "load_diabetes",
         "diabetes, RandomForestRegressor 25 trees depth 6, interventional",
         lambda: RandomForestRegressor(n_estimators=25, max_depth=6, random_state=0), 0, None, True),
        ("sk-extra-trees-regressor", "load_diabetes", "diabetes, ExtraTreesRegressor 20 trees depth 6",
         lambda: ExtraTreesRegressor(n_estimators=20, max_depth=6, random_state=0), 0, 100, False),
        ("sk-gradient-boosting-regressor", "load_diabetes",
         "diabetes, GradientBoostingRegressor 40 trees depth 3 subsample 0.8",
         lambda: GradientBoostingRegressor(n_estimators=40, max_depth=3, learning_rate=0.1,
                                           subsample=0.8, random_state=0), 0, 100, False),
        ("sk-random-forest-classifier", "load_breast_cancer",
         "breast_cancer, RandomForestClassifier binary 20 trees depth 5, ~10% NaN",
         lambda: RandomForestClassifier(n_estimators=20, max_depth=5, random_state=0), 0.10, 100, False),
        ("sk-gradient-boosting-classifier-binary", "load_breast_cancer",
         "breast_cancer, GradientBoostingClassifier binary 30 trees depth 3",
         lambda: GradientBoostingClassifier(n_estimators=30, max_depth=3, random_state=0), 0, 100, False),
        ("sk-gradient-boosting-classifier-multiclass", "load_wine",
         "wine, GradientBoostingClassifier 3 classes, 20 stages depth 2",
         lambda: GradientBoostingClassifier(n_estimators=20, max_depth=2, random_state=0), 0, 120, False),
        ("sk-decision-tree-classifier", "load_iris", "iris, DecisionTreeClassifier 3 classes depth 5, ~10% NaN",
         lambda: DecisionTreeClassifier(max_depth=5, random_state=0), 0.10, 120, False),
    ]

    def case(data, desc, make, nan, explained, permuted_bg):
        def run(name):
            # The draws in this order: data, NaN cells, background.
            rng = rng_for(name)
            X, y, _, names = sk_data(data, rng)
            if nan:
                X = inject_nan(X, nan, rng)
            bg = X[rng.permutation(len(X))] if permuted_bg else None   # 100 rows kept (shap_indep_safe)
            sk_case(name, desc, make(), X, y, X if explained is None else X[:explained], names, bg=bg)
        return run

    for name, *spec in table:
        add(name, case(*spec))
    return cases


# ----------------------------------------------------------------------- linear

def linear_case(sel):
    name = "adult-logistic"
    if sel is not None and sel not in name:
        return []

    def run(name):
        import shap
        d = case_dir("linear", name)
        src = os.path.join(ROOT, "models", "adult-logistic.json")
        with open(src) as fh:
            model = json.load(fh)
        shutil.copyfile(src, os.path.join(d, "model.json"))
        X, _, Xt, _, names, _ = adult()
        assert names == model["features"]
        # 50 test rows: the first 40 plus the first 10 later rows with a missing value
        miss = [i for i in range(40, len(Xt)) if np.isnan(Xt[i]).any()][:10]
        rows = list(range(40)) + miss
        Xe = Xt[rows]
        w = np.array(model["coefficients"])
        b = float(model["intercept"])
        means = np.array(model["means"])
        Xi = np.where(np.isnan(Xe), means, Xe)          # the model's own imputation
        Xtrain = np.where(np.isnan(X), means, X)
        # a (mean, cov) masker tuple gives maskers.Independent = interventional SHAP
        ex = shap.LinearExplainer((w, b), (means, np.cov(Xtrain, rowvar=False)))
        assert ex.feature_perturbation == "interventional"
        sv = np.asarray(ex.shap_values(Xi), dtype=np.float64)
        base = float(np.asarray(ex.expected_value).reshape(-1)[0])
        margin = b + Xi @ w
        n, F = Xe.shape
        contrib = np.concatenate([sv, np.full((n, 1), base)], axis=1).reshape(n, 1, F + 1)
        check_additive(contrib, margin.reshape(n, 1), 1e-9, name)
        assert np.all(sv[np.isnan(Xe)] == 0.0)
        write_X(os.path.join(d, "X.csv"), names, Xe)
        exp = {"library": "shap", "library_version": shap.__version__,
               "explainer": "LinearExplainer(feature_perturbation='interventional', "
                            "background mean = model means)",
               "model": "models/adult-logistic.json (copied as model.json)",
               "objective": "logit", "num_features": F, "num_outputs": 1,
               "feature_names": names, "base": [base],
               "margin": tolist(margin.reshape(n, 1)),
               "prediction": tolist((1 / (1 + np.exp(-margin))).reshape(n, 1)),
               "contribs": tolist(contrib)}
        write_expected(os.path.join(d, "expected.json"), exp)
        record("linear", name, d, "adult-logistic, 50 adult-test rows (10 with missing "
               "values), interventional linear SHAP", exp)
    return [(name, run)]


def main(argv):
    sel = argv[1] if len(argv) > 1 else None
    cases = (xgboost_cases(sel) + lightgbm_cases(sel) + sklearn_cases(sel) + linear_case(sel))
    if not cases:
        raise SystemExit(f"no case matches {sel!r}")
    os.makedirs(OUT, exist_ok=True)
    for name, fn in cases:
        fn(name)
    if sel is None:
        with open(os.path.join(OUT, "index.json"), "w") as fh:
            json.dump({"cases": INDEX}, fh, indent=1)
            fh.write("\n")
    total = 0
    for dp, _, fs in os.walk(OUT):
        total += sum(os.path.getsize(os.path.join(dp, f)) for f in fs)
    print(f"total Tests/Fixtures: {total/1024/1024:.2f} MiB")


if __name__ == "__main__":
    main(sys.argv)
