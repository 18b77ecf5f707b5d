#!/usr/bin/env python3
"""Kernel SHAP error versus time: shap.KernelExplainer against glassbox, on one thread each.

Run through bench/kernel/run.sh. Model: models/adult-xgboost.json; background: 100 rows
sampled (numpy seed 0) from datasets/adult.csv; explained: the first 20 rows of
datasets/adult-test.csv, encoded with the codes of the model card. Error: mean |phi - exact|
over all rows and features, where exact is interventional TreeSHAP over the same
background (exact Shapley values for trees): shap.TreeExplainer(model, data=bg,
feature_perturbation="interventional") on the Python side, glassbox's
InterventionalTreeSHAP on the Swift side (they agree to ~1e-7).
"""
import argparse
import csv
import json
import math
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "bench"))
from card_encoding import encode_cells  # noqa: E402


def encode(path, card, rows=None, sample=None, seed=0):
    """Rows of a CSV as the model matrix (card codes; '?' and empty are missing)."""
    features = card["features"]
    with open(path, newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        raw = list(reader)
    raw = [r for r in raw if r]
    if sample is not None:
        idx = np.sort(np.random.default_rng(seed).choice(len(raw), size=sample, replace=False))
        raw = [raw[i] for i in idx]
    elif rows is not None:
        raw = raw[:rows]
    X = encode_cells(raw, header, features)
    return X, [f["name"] for f in features]


def write_csv(path, X, names):
    with open(path, "w") as fh:
        fh.write(",".join(names) + "\n")
        for row in X:
            fh.write(",".join("" if math.isnan(v) else repr(float(v)) for v in row) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--background", type=int, default=100)
    ap.add_argument("--rows", type=int, default=20)
    ap.add_argument("--nsamples", default="256,512,1024,2048")
    ap.add_argument("--json", help="also write all figures to this JSON file")
    ap.add_argument("--shap-cache", help="reuse (or store) the shap figures in this JSON file")
    a = ap.parse_args()

    import shap
    import xgboost as xgb

    model_path = os.path.join(ROOT, "models", "adult-xgboost.json")
    with open(os.path.join(ROOT, "models", "adult-xgboost.card.json")) as fh:
        card = json.load(fh)
    bg, names = encode(os.path.join(ROOT, "datasets", "adult.csv"), card, sample=a.background)
    X, _ = encode(os.path.join(ROOT, "datasets", "adult-test.csv"), card, rows=a.rows)
    tmp = tempfile.mkdtemp(prefix="glassbox-kernel-bench-")
    write_csv(os.path.join(tmp, "background.csv"), bg, names)
    write_csv(os.path.join(tmp, "test.csv"), X, names)

    booster = xgb.Booster(model_file=model_path)
    booster.set_param({"nthread": 1})
    fnames = booster.feature_names

    def f(Z):
        return booster.predict(xgb.DMatrix(Z, missing=np.nan, feature_names=fnames, nthread=1), output_margin=True)

    cached = None
    if a.shap_cache and os.path.exists(a.shap_cache):
        with open(a.shap_cache) as fh:
            cached = json.load(fh)
    if cached is None:
        t = time.perf_counter()
        tree = shap.TreeExplainer(booster, data=bg, feature_perturbation="interventional")
        exact = np.asarray(tree.shap_values(X, check_additivity=False))
        tree_s = time.perf_counter() - t
        results = [{"side": "shap", "method": "TreeExplainer interventional (exact)", "seconds": tree_s,
                    "error": 0.0}]
        for n in [int(v) for v in a.nsamples.split(",")]:
            np.random.seed(0)
            t = time.perf_counter()
            explainer = shap.KernelExplainer(f, bg)
            phi = np.asarray(explainer.shap_values(X, nsamples=n, l1_reg=False, silent=True))
            s = time.perf_counter() - t
            err = float(np.mean(np.abs(phi - exact)))
            results.append({"side": "shap", "method": f"KernelExplainer nsamples={n}", "seconds": s, "error": err})
            print(f"shap KernelExplainer nsamples={n}: {s:.2f} s, mean |phi - exact| = {err:.3g}", flush=True)
        if a.shap_cache:
            with open(a.shap_cache, "w") as fh:
                json.dump({"exact": exact.tolist(), "results": results}, fh)
    else:
        exact = np.array(cached["exact"])
        results = cached["results"]

    env = dict(os.environ, GLASSBOX_BENCH="1", GLASSBOX_BENCH_DIR=tmp, OPENBLAS_NUM_THREADS="1")
    cmd = [os.path.join(ROOT, ".build-bench", "release", "glassbox-bench"), "kernel"]
    out = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    text = out.stdout.replace(":nan,", ":null,").replace(":inf,", ":null,")
    lines = [json.loads(l) for l in text.splitlines() if l.startswith("{")]
    if not lines:
        sys.stderr.write(out.stdout[-4000:] + out.stderr[-4000:])
        sys.exit("the Swift benchmark printed nothing (see above)")
    swift_exact = None
    for rec in lines:
        if rec["method"] == "treeshap-interventional-phi":
            swift_exact = np.array(rec["phi"]).reshape(exact.shape)
            continue
        if rec["method"] == "model-only":
            print(f"glassbox model alone: {rec['rows']} rows in {rec['seconds']:.3f} s "
                  f"({1e6 * rec['seconds'] / rec['rows']:.2f} us/row)")
            continue
        if rec["method"] == "treeshap-interventional":
            results.append({"side": "glassbox", "method": "InterventionalTreeSHAP (exact)",
                            "seconds": rec["seconds"], "error": 0.0})
            continue
        phi = np.array(rec["phi"]).reshape(exact.shape)
        results.append({"side": "glassbox", "method": rec["method"].replace("glassbox-", "KernelSHAP "),
                        "seconds": rec["seconds"], "error": float(np.mean(np.abs(phi - exact))),
                        "error_vs_swift_exact": rec["mean_abs_error"], "exact_rows": rec["exact_rows"],
                        "mean_std_error": rec["mean_std_error"], "coverage_95": rec.get("coverage_95"),
                        "note": rec["note"],
                        "model_evaluations_row0": rec["note"].rsplit(", ", 1)[-1]})
    print()
    print(f"references agree: mean |shap TreeExplainer - glassbox InterventionalTreeSHAP| = "
          f"{float(np.mean(np.abs(swift_exact - exact))):.2g}")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'side':<9} {'method':<40} {'seconds':>9} {'mean |phi-exact|':>17} {'mean se':>9} {'95% cover':>9}")
    for r in results:
        se = r.get("mean_std_error")
        print(f"{r['side']:<9} {r['method']:<40} {r['seconds']:>9.3f} {r['error']:>17.3g} "
              f"{'' if se is None else format(se, '.2g'):>9} "
              f"{'' if r.get('coverage_95') is None else format(r['coverage_95'], '.2f'):>9}")
    shap2048 = next((r for r in results if r["method"] == "KernelExplainer nsamples=2048"), None)
    if shap2048:
        print()
        print("against shap nsamples=2048 "
              f"({shap2048['seconds']:.2f} s, error {shap2048['error']:.3g}):")
        for r in results:
            if r["side"] == "glassbox" and "KernelSHAP" in r["method"]:
                print(f"  {r['method']:<40} time ratio 1/{shap2048['seconds'] / r['seconds']:.0f}, "
                      f"error {'<=' if r['error'] <= shap2048['error'] else '>'} shap's "
                      f"({r['error']:.3g} vs {shap2048['error']:.3g})")
    if a.json:
        with open(a.json, "w") as fh:
            json.dump(results, fh, indent=1)


if __name__ == "__main__":
    main()
