"""Checks the explanations the remote-models suite wrote into WORK (its first argument).

1. The pipeline through MLServer (pandas codec) and through MLflow equals the same through
   its command, to the bit: glassbox writes every number as the shortest decimal that reads
   back as the same float64, and the three ways answer predict_proba's float64 values the
   same way, so the model sees the same rows and glassbox the same answers.

2. Transparency of the transport, on models/adult-xgboost.json with the same seed:
   - through the command (xgboost_command.py, float32 margins written exactly): identical to
     the local file, to the bit: glassbox's local margins are xgboost's float32 sums.
   - through MLServer's XGBoost runtime (float32 probabilities p, read back as log-odds):
     every evaluation is off by e(x) = logit(p32(x)) - margin(x), the float32 rounding of
     the transport. Exact Shapley values and Kernel SHAP with fixed samples are linear in
     the model's answers, with coalitions that do not depend on them, so
        remote - local = the same explanation of e        (witness, xgb-error-*.jsonl).
     This must hold to the rounding of three float64 computations: each sums at most
     n = 2^M * B answers (M features, B background rows), each at most F in size (F = the
     largest margin the model can give: |base margin| + the largest |leaf| of every tree),
     so tau = 3 * n * 2^-53 * F.
   - and, for exact Shapley values, a bound that needs no witness: every attribution is a
     weighted difference of two averages of answers with weights summing to 1, so
     |remote - local| <= 2 * max|e| for attributions and <= max|e| for the base value and
     the prediction, with max|e| over every row evaluated (written by the witness command).
"""
import json
import math
import sys

work = sys.argv[1]
failures = []


def rows(name):
    """The explanations of a run; a remote model's run ends with a `model_calls` line, left out."""
    lines = [json.loads(line) for line in open(f"{work}/{name}.jsonl")]
    return [line for line in lines if "model_calls" not in line]


def values(row):
    """prediction, base value, attributions (features checked to match elsewhere)."""
    return [row["prediction"], row["base_value"]] + [a["attribution"] for a in row["attributions"]]


def paired(a, b):
    assert len(a) == len(b) and a, (len(a), len(b))
    for x, y in zip(a, b):
        assert x["row"] == y["row"] and [p["feature"] for p in x["attributions"]] == [q["feature"] for q in y["attributions"]]
        yield values(x), values(y)


def check(label, gap, tolerance):
    verdict = "ok" if gap <= tolerance else "FAILED"
    print(f"  {label}: largest difference {gap:.3g}, tolerance {tolerance:.3g}: {verdict}")
    if gap > tolerance:
        failures.append(label)


print("remote-models: the pipeline through the servers vs through its command")
for server in ["mlserver", "mlflow"]:
    gap = max(abs(p - q) for a, b in paired(rows("pipeline-command"), rows(f"pipeline-{server}")) for p, q in zip(a, b))
    check(f"pipeline via {server}", gap, 0.0)

model = json.load(open("models/adult-xgboost.json"))["learner"]
base = float(model["learner_model_param"]["base_score"].strip("[]"))
largest_margin = abs(math.log(base / (1 - base)))
for tree in model["gradient_booster"]["model"]["trees"]:
    leaves = [v for v, left in zip(tree["split_conditions"], tree["left_children"]) if left == -1]
    largest_margin += max(abs(v) for v in leaves)
features = int(model["learner_model_param"]["num_feature"])
background = sum(1 for _ in open(f"{work}/bg.csv")) - 1
tau = 3 * 2**features * background * 2.0**-53 * largest_margin
print(f"remote-models: XGBoost transparency (largest margin F = {largest_margin:.4g}, tau = {tau:.3g})")
for method in ["exact", "kernel"]:
    local = rows(f"xgb-local-{method}")
    gap = max(abs(p - q) for a, b in paired(local, rows(f"xgb-command-{method}")) for p, q in zip(a, b))
    check(f"{method} via the command vs the local file", gap, 0.0)
    remote, error = rows(f"xgb-mlserver-{method}"), rows(f"xgb-error-{method}")
    residual = max(abs(r - l - e) for (l, r), (_, e) in zip(paired(local, remote), paired(local, error))
                   for l, r, e in zip(l, r, e))
    check(f"{method} via MLServer: remote - local - explanation of e", residual, tau)
    largest_e = float(open(f"{work}/delta-{method}.txt").read())
    shift = max(abs(r - l) for l, r in paired(local, remote) for l, r in zip(l, r))
    print(f"  {method} via MLServer vs the local file: largest difference {shift:.3g} (max|e| = {largest_e:.3g})")
    if method == "exact":
        for l, r in paired(local, remote):
            over = [abs(q - p) - (1 if i < 2 else 2) * largest_e for i, (p, q) in enumerate(zip(l, r))]
            if max(over) > 0:
                failures.append("exact via MLServer beyond 2 max|e|")
        print(f"  exact via MLServer: |difference| <= max|e| (prediction, base) and 2 max|e| = {2 * largest_e:.3g} "
              f"(attributions): {'FAILED' if 'exact via MLServer beyond 2 max|e|' in failures else 'ok'}")

if failures:
    sys.exit("remote-models: failed: " + "; ".join(failures))
