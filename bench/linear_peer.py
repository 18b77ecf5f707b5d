#!/usr/bin/env python3
"""Peer side of bench/linear_throughput.sh: the same linear SHAP job done with shap.

    linear_peer.py explain MODEL.json CARD.json IN.csv OUT.csv
        Rebuilds the glassbox-linear model as a scikit-learn LogisticRegression, reads
        IN.csv with pandas, turns categorical labels into the card's codes, fills missing
        cells with the model's stored means, computes shap.LinearExplainer values
        (interventional, background = the stored means) and writes them with to_csv.
        This whole process is what the bench times.

    linear_peer.py compare GLASSBOX.csv PEER.csv
        Prints "rows max_abs_diff" over the attribution columns (not timed).
"""

import json
import sys
import warnings


def explain(model_path, card_path, in_path, out_path):
    import numpy as np
    import pandas as pd
    import shap
    from sklearn.linear_model import LogisticRegression

    with open(model_path) as f:
        spec = json.load(f)
    with open(card_path) as f:
        card = json.load(f)
    if spec.get("link") != "logit" or isinstance(spec["coefficients"][0], list):
        raise SystemExit("linear_peer.py: the bench expects a binary logistic glassbox-linear model")
    features = spec["features"]
    means = np.asarray(spec["means"], dtype=np.float64)

    model = LogisticRegression()
    model.coef_ = np.asarray([spec["coefficients"]], dtype=np.float64)
    model.intercept_ = np.asarray([spec["intercept"]], dtype=np.float64)
    model.classes_ = np.asarray([0, 1])
    model.n_features_in_ = len(features)

    # Same missing-value tokens as glassbox: empty, NA, NaN, nan (pandas defaults) and "?".
    frame = pd.read_csv(in_path, usecols=features, na_values=["?"])
    for feature in card["features"]:
        name = feature["name"]
        if feature.get("type") == "categorical" and name in frame.columns:
            frame[name] = frame[name].map(feature["labels"])
    X = frame[features].astype(np.float64).fillna(dict(zip(features, means))).to_numpy()

    with warnings.catch_warnings():
        # shap 0.51 marks feature_perturbation as deprecated in favour of
        # maskers.Independent, which is what "interventional" builds here.
        warnings.simplefilter("ignore", FutureWarning)
        explainer = shap.LinearExplainer(model, means[None, :], feature_perturbation="interventional")
    phi = explainer.shap_values(X)
    pd.DataFrame(phi, columns=features).to_csv(out_path, index=False)


def compare(glassbox_path, peer_path):
    import numpy as np
    import pandas as pd

    ours = pd.read_csv(glassbox_path)
    theirs = pd.read_csv(peer_path)
    features = list(theirs.columns)
    if list(ours.columns[-len(features):]) != features:
        raise SystemExit("linear_peer.py: the two files do not have the same feature columns")
    if len(ours) != len(theirs):
        raise SystemExit(f"linear_peer.py: {len(ours)} glassbox rows but {len(theirs)} peer rows")
    delta = np.abs(ours[features].to_numpy(np.float64) - theirs[features].to_numpy(np.float64))
    print(len(ours), f"{delta.max():.3g}")


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "explain":
        explain(*sys.argv[2:])
    elif len(sys.argv) == 4 and sys.argv[1] == "compare":
        compare(*sys.argv[2:])
    else:
        raise SystemExit(__doc__)
