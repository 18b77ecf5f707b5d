#!/usr/bin/env python3
"""Write Tests/Fixtures/interactions/adult-xgboost.json: xgboost's pred_interactions of the
shipped Adult model (models/adult-xgboost.json) on the first rows of datasets/adult-test.csv
(rows with missing cells included), for `glassbox explain --interactions`.

    .venv-tools/bin/python tools/make_interaction_fixture.py [--rows 12]

Needs xgboost 3.2.0 (tools/requirements.txt): 3.3 and later compute interaction values with
another algorithm. The rows are encoded as glassbox encodes them (bench/card_encoding.py).
"""
import argparse
import csv
import json
import os
import sys

import numpy as np
import xgboost as xgb

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "bench"))
from card_encoding import encode_cells  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=12)
    a = ap.parse_args()
    if xgb.__version__ != "3.2.0":
        print(f"xgboost {xgb.__version__}: the fixture needs 3.2.0 (tools/requirements.txt)", file=sys.stderr)
        return 1
    model = os.path.join(ROOT, "models", "adult-xgboost.json")
    with open(os.path.join(ROOT, "models", "adult-xgboost.card.json")) as fh:
        features = json.load(fh)["features"]
    with open(os.path.join(ROOT, "datasets", "adult-test.csv"), newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        raw = [row for _, row in zip(range(a.rows), reader)]
    X = encode_cells(raw, header, features)
    bst = xgb.Booster(model_file=model)
    dm = xgb.DMatrix(X, missing=np.nan, feature_names=bst.feature_names)
    inter = bst.predict(dm, pred_interactions=True)
    out = {
        "description": "xgboost pred_interactions of models/adult-xgboost.json on the first rows of "
                       "datasets/adult-test.csv, [row][F+1][F+1] (last row and column: bias)",
        "xgboost": xgb.__version__,
        "rows": len(raw),
        "features": [f["name"] for f in features],
        "missing_cells": int(np.isnan(X).sum()),
        "interactions": [[[float(v) for v in r] for r in m] for m in inter.tolist()],
    }
    path = os.path.join(ROOT, "Tests", "Fixtures", "interactions", "adult-xgboost.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as fh:
        json.dump(out, fh, separators=(",", ":"))
        fh.write("\n")
    print(f"wrote {path}: {len(raw)} rows, {out['missing_cells']} missing cells")
    return 0


if __name__ == "__main__":
    sys.exit(main())
