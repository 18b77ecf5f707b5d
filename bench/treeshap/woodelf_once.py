#!/usr/bin/env python3
"""woodelf-explainer's interventional values of the rows of X.csv over the background CSV
(both encoded by the model card), once, for bench/treeshap/stream_memory.sh to time; one
thread. Usage: woodelf_once.py model.json card.json background.csv X.csv"""
import os
import sys

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import xgboost as xgb  # noqa: E402

from background_sweep import load_rows, woodelf_values  # noqa: E402


def main():
    model_path, card, bg_path, x_path = sys.argv[1:5]
    bst = xgb.Booster(model_file=model_path)
    bst.set_param({"nthread": 1})
    _, _, bg = load_rows(bg_path, card, 10**9)
    _, _, X = load_rows(x_path, card, 10**9)
    values = woodelf_values(bst, bg, X)
    print(values.shape)


if __name__ == "__main__":
    main()
