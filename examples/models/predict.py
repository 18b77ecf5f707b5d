"""Serve a fitted scikit-learn model over glassbox's model protocol (docs/model-protocol.md).

    glassbox explain --model-command 'python3 examples/models/predict.py examples/models/adult-pipeline.joblib' \
        --card examples/models/adult-pipeline.card.json --data datasets/adult.csv --rows 0

Reads batches of rows (tab-separated, empty = missing) on standard input and answers
predict_proba for each row on standard output. Runs until its standard input closes.
"""
import sys

import joblib
import numpy as np
import pandas as pd

saved = joblib.load(sys.argv[1])
model, numeric = saved["pipeline"], saved["numeric"]
read, answer = sys.stdin, sys.stdout

if read.readline().strip() != "glassbox-model-protocol 1":
    sys.exit("predict.py: not spoken to in glassbox-model-protocol 1")
names = read.readline().rstrip("\n").split("\t")
classes = [str(c).replace(" ", "_") for c in getattr(model, "classes_", [])]
answer.write(f"ready {len(classes)} {' '.join(classes)}\n")
answer.flush()

for header in read:
    _, number, count = header.split()
    cells = [read.readline().rstrip("\n").split("\t") for _ in range(int(count))]
    try:
        frame = pd.DataFrame(cells, columns=names).replace("", np.nan)
        for column in numeric:
            frame[column] = pd.to_numeric(frame[column])
        probabilities = model.predict_proba(frame)
    except Exception as error:  # one line back to glassbox; it stops with this message
        answer.write(f"error {number} {type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}\n")
        answer.flush()
        continue
    answer.write(f"outputs {number} {count}\n")
    answer.write("".join("\t".join(repr(float(v)) for v in row) + "\n" for row in probabilities))
    answer.flush()
