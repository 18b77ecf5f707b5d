"""Reference fixtures for glassbox's bias metrics, computed with fairlearn.

    .venv-tools/bin/python tools/make_bias_fixtures.py

Writes Tests/Fixtures/bias/:
  adult-logistic.json   fairlearn MetricFrame results for models/adult-logistic.json on
                        datasets/adult-test.csv, by sex, race and sex x race
  german/model.json     a logistic model fitted here on the German credit data
  german/model.card.json, german/data.csv, german/expected.json
                        the same metrics by sex, age group (not a model feature) and both

Scores are computed here from the JSON coefficients and the card codes, exactly as
glassbox computes them (margin = intercept + sum_j w_j x_j, probability = logistic).
Deterministic: re-running reproduces the files byte for byte.
"""
import json
import os
import sys

import fairlearn
import numpy as np
import pandas as pd
from fairlearn.metrics import (
    MetricFrame, count, demographic_parity_difference, demographic_parity_ratio,
    equal_opportunity_difference, equal_opportunity_ratio, equalized_odds_difference,
    equalized_odds_ratio, false_negative_rate, false_positive_rate, mean_prediction,
    selection_rate, true_positive_rate)
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, precision_score

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "bias")
RAW = os.environ.get("GLASSBOX_RAW_DATA", "/work/shared/datasets")
THRESHOLD = 0.5


def scores_from_linear(model, card, frame):
    """Probabilities of a glassbox-linear logit model, in glassbox's operation order.

    Empty cells are missing (NaN) and take the model's stored mean, as in LinearModel."""
    codes = {f["name"]: f.get("labels") for f in card["features"]}
    columns = []
    for name in model["features"]:
        labels = codes.get(name)
        if labels:
            columns.append(frame[name].astype(str).str.strip().map(labels).astype(float).to_numpy())
        else:
            columns.append(frame[name].astype(float).to_numpy())
    means = model.get("means")
    if means is not None:  # a missing input takes the stored training mean
        columns = [np.where(np.isnan(c), means[j], c) for j, c in enumerate(columns)]
    w = model["coefficients"]
    margin = np.full(len(frame), float(model["intercept"]))
    for j, column in enumerate(columns):  # sequential, as LinearModel.predictMargins
        margin = margin + w[j] * column
    return 1.0 / (1.0 + np.exp(-margin))


def number(x):
    x = float(x)
    return None if np.isnan(x) else x


def case(name, frame, sensitive, y_true, scores, reference):
    y_pred = (scores >= THRESHOLD).astype(int)
    gap = np.min(np.abs(scores - THRESHOLD))
    assert gap > 1e-9, f"{name}: a score is within {gap} of the threshold"
    sf = frame[sensitive] if len(sensitive) > 1 else frame[sensitive[0]]
    metrics = {
        "selection_rate": selection_rate, "tpr": true_positive_rate, "fpr": false_positive_rate,
        "fnr": false_negative_rate,
        "precision": lambda t, p: precision_score(t, p, zero_division=np.nan),
        "accuracy": accuracy_score, "count": count,
    }
    mf = MetricFrame(metrics=metrics, y_true=y_true, y_pred=y_pred, sensitive_features=sf)
    scores_mf = MetricFrame(metrics=mean_prediction, y_true=y_true, y_pred=scores, sensitive_features=sf)
    base_mf = MetricFrame(metrics=selection_rate, y_true=y_true, y_pred=y_true, sensitive_features=sf)
    by = mf.by_group
    groups = []
    for key in by.index:
        key = key if isinstance(key, tuple) else (key,)
        row = by.loc[key if len(key) > 1 else key[0]]
        entry = {"group": dict(zip(sensitive, key)), "n": int(row["count"])}
        for m in ["selection_rate", "tpr", "fpr", "fnr", "precision", "accuracy"]:
            entry[m] = number(row[m])
        idx = key if len(key) > 1 else key[0]
        entry["mean_score"] = number(scores_mf.by_group.loc[idx])
        entry["base_rate"] = number(base_mf.by_group.loc[idx])
        groups.append(entry)
    sr = mf.by_group["selection_rate"]
    ref_idx = tuple(reference[a] for a in sensitive) if len(sensitive) > 1 else reference[sensitive[0]]
    ratios = sr.drop(index=ref_idx) / sr.loc[ref_idx]
    kwargs = {"sensitive_features": sf}
    return {
        "name": name,
        "sensitive": sensitive,
        "reference": reference,
        "groups": groups,
        "metrics": {
            "demographic_parity_difference": demographic_parity_difference(y_true, y_pred, **kwargs),
            "demographic_parity_ratio": demographic_parity_ratio(y_true, y_pred, **kwargs),
            "equalized_odds_difference": equalized_odds_difference(y_true, y_pred, **kwargs),
            "equalized_odds_ratio": equalized_odds_ratio(y_true, y_pred, **kwargs),
            "equal_opportunity_difference": equal_opportunity_difference(y_true, y_pred, **kwargs),
            "equal_opportunity_ratio": equal_opportunity_ratio(y_true, y_pred, **kwargs),
            "disparate_impact": float(ratios.min()),
        },
    }


def write_json(path, value):
    with open(path, "w") as f:
        json.dump(value, f, indent=1, sort_keys=True)
        f.write("\n")


def adult():
    model = json.load(open(os.path.join(ROOT, "models", "adult-logistic.json")))
    card = json.load(open(os.path.join(ROOT, "models", "adult-logistic.card.json")))
    frame = pd.read_csv(os.path.join(ROOT, "datasets", "adult-test.csv"), dtype=str, keep_default_na=False)
    scores = scores_from_linear(model, card, frame)
    y_true = (frame["income"].str.strip() == ">50K").astype(int).to_numpy()
    ref = {"sex": "Male", "race": "White"}
    cases = [
        case("sex", frame, ["sex"], y_true, scores, {"sex": "Male"}),
        case("race", frame, ["race"], y_true, scores, {"race": "White"}),
        case("sex-race", frame, ["sex", "race"], y_true, scores, ref),
    ]
    write_json(os.path.join(OUT, "adult-logistic.json"), {
        "fairlearn": fairlearn.__version__, "model": "models/adult-logistic.json",
        "data": "datasets/adult-test.csv", "label": "income", "positive": ">50K", "threshold": THRESHOLD,
        "scores_head": [float(s) for s in scores[:25]], "cases": cases,
    })


def german():
    raw = pd.read_csv(os.path.join(RAW, "german_credit.csv"), dtype=str, keep_default_na=False)
    categorical = ["sex", "housing", "saving_accounts", "checking_account", "purpose"]
    numeric = ["job", "credit_amount", "duration", "age"]
    features = ["sex", "job", "housing", "saving_accounts", "checking_account", "credit_amount", "duration",
                "purpose", "age"]
    labels = {c: {v: i for i, v in enumerate(sorted(raw[c].unique()))} for c in categorical}
    X = np.column_stack([
        raw[f].map(labels[f]).astype(float) if f in categorical else raw[f].astype(float) for f in features])
    y = raw["risk"].astype(int).to_numpy()
    mean, std = X.mean(axis=0), X.std(axis=0)
    fit = LogisticRegression(C=1.0, max_iter=1000).fit((X - mean) / std, y)
    w = fit.coef_[0] / std
    b = float(fit.intercept_[0] - np.sum(fit.coef_[0] * mean / std))
    model = {"format": "glassbox-linear", "version": 1, "features": features, "link": "logit",
             "coefficients": [float(v) for v in w], "intercept": b, "means": [float(v) for v in mean],
             "classes": ["bad", "good"]}
    card = {"format": "glassbox-card", "version": 1, "name": "german-logistic",
            "target": {"name": "risk", "positive_class": "1"},
            "features": [
                ({"name": f, "type": "categorical", "labels": labels[f]} if f in categorical
                 else {"name": f, "type": "numeric"}) | {"sensitive": f in ("sex", "age")}
                for f in features]}
    folder = os.path.join(OUT, "german")
    os.makedirs(folder, exist_ok=True)
    write_json(os.path.join(folder, "model.json"), model)
    write_json(os.path.join(folder, "model.card.json"), card)
    frame = raw.copy()
    frame["age_group"] = np.where(raw["age"].astype(int) < 25, "under-25", "25-plus")
    frame.to_csv(os.path.join(folder, "data.csv"), index=False, lineterminator="\n")
    scores = scores_from_linear(model, card, frame)
    ref = {"sex": "male", "age_group": "25-plus"}
    cases = [
        case("sex", frame, ["sex"], y, scores, {"sex": "male"}),
        case("age_group", frame, ["age_group"], y, scores, {"age_group": "25-plus"}),
        case("sex-age_group", frame, ["sex", "age_group"], y, scores, ref),
    ]
    write_json(os.path.join(folder, "expected.json"), {
        "fairlearn": fairlearn.__version__, "model": "model.json", "data": "data.csv", "label": "risk",
        "positive": "1", "threshold": THRESHOLD, "scores_head": [float(s) for s in scores[:25]], "cases": cases,
    })


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    adult()
    german()
    print("wrote", OUT, file=sys.stderr)
