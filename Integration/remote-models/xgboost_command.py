"""Serve an XGBoost booster over glassbox's model protocol (docs/model-protocol.md).

    python3 xgboost_command.py MODEL.json CARD.json [transport-error MAX_FILE]

Categorical cells arrive as the card's labels and go to the booster as the card's codes.
By default it answers the booster's margins (log-odds, computed by xgboost in float32),
one per row: explain with --output-kind margin.

With `transport-error` it answers, per row, what MLServer's XGBoost runtime adds to that
margin: the runtime answers float32 probabilities p (xgboost's own float32 sigmoid), which
glassbox reads back as log(p / (1 - p)) in float64, p clamped to [2^-53, 1 - 2^-53]. So it
answers that log-odds minus the margin (explain with --output-kind value), and writes the
largest absolute value it answered to MAX_FILE when its input closes.
"""
import json
import math
import sys

import numpy as np
import xgboost

booster = xgboost.Booster(model_file=sys.argv[1])
card = json.load(open(sys.argv[2]))
codes = [feature.get("labels") for feature in card["features"]]
transport_error = sys.argv[3:4] == ["transport-error"]
largest = 0.0
read, answer = sys.stdin, sys.stdout

if read.readline().strip() != "glassbox-model-protocol 1":
    sys.exit("xgboost_command.py: not spoken to in glassbox-model-protocol 1")
read.readline()  # the feature names: the card's order, which is the booster's
answer.write("ready 1\n")
answer.flush()


def number(cell, labels):
    if cell == "":
        return np.nan
    return float(labels[cell]) if labels else float(cell)


def read_back(p):
    """The log-odds glassbox makes of a probability (RemoteModel.appendMargins)."""
    p = min(max(float(p), 2.0**-53), 1 - 2.0**-53)
    return math.log(p / (1 - p))


for header in read:
    _, batch, count = header.split()
    rows = [read.readline().rstrip("\n").split("\t") for _ in range(int(count))]
    matrix = np.array([[number(c, labels) for c, labels in zip(row, codes)] for row in rows], dtype=np.float64)
    data = xgboost.DMatrix(matrix, missing=np.nan, feature_names=booster.feature_names)
    values = [float(m) for m in booster.predict(data, output_margin=True)]
    if transport_error:
        values = [read_back(p) - m for p, m in zip(booster.predict(data), values)]
        largest = max([largest] + [abs(v) for v in values])
    answer.write(f"outputs {batch} {count}\n")
    answer.write("".join(f"{v!r}\n" for v in values))
    answer.flush()

if transport_error:
    with open(sys.argv[4], "w") as out:
        out.write(f"{largest!r}\n")
