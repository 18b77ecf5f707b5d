"""The model matrix of CSV rows as glassbox encodes them, for the Python side of the benches.

A categorical feature's cell becomes its code in the model card (an unknown label becomes
NaN); a numeric cell becomes a float; an empty, "?", "NA" or "NaN" cell is missing (NaN).
"""
import math

import numpy as np

MISSING = ("", "?", "NA", "NaN", "nan")


def encode_cells(raw, header, features):
    """Rows of CSV cells (`raw`, columns named by `header`) as a float matrix in the
    order of the card's `features`."""
    index = {name: i for i, name in enumerate(header)}
    X = np.full((len(raw), len(features)), np.nan)
    for j, f in enumerate(features):
        col = index[f["name"]]
        labels = f.get("labels")
        for i, row in enumerate(raw):
            cell = row[col].strip()
            if cell in MISSING:
                continue
            X[i, j] = labels.get(cell, math.nan) if labels is not None else float(cell)
    return X
