#!/usr/bin/env python3
"""Writes the fuzzing seed corpora under Fuzz/corpus/ from the shipped and fixture files.

Standard library only. Seeds stay small (libFuzzer mutates small inputs faster): big
models keep their first boosting iterations, with their tree counts made consistent, and
CSVs keep their first lines. Run from anywhere: python3 tools/make_fuzz_corpus.py
"""
import json
import pathlib
import shutil

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIX = ROOT / "Tests" / "Fixtures"
CORPUS = ROOT / "Fuzz" / "corpus"
MAX_SEED = 16 * 1024


def put(target, name, data):
    folder = CORPUS / target
    folder.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    (folder / name).write_bytes(data)


def head_lines(path, count):
    with open(path, "rb") as f:
        return b"".join(line for _, line in zip(range(count), f))


def compact(obj):
    return json.dumps(obj, separators=(",", ":"))


def xgboost_first_iterations(path, iterations):
    doc = json.loads(path.read_text())
    booster = doc["learner"]["gradient_booster"]
    model = booster["model"] if "model" in booster else booster["gbtree"]["model"]
    indptr = model.get("iteration_indptr")
    keep = indptr[iterations] if indptr and len(indptr) > iterations else len(model["trees"])
    model["trees"] = model["trees"][:keep]
    model["tree_info"] = model["tree_info"][:keep]
    if indptr:
        model["iteration_indptr"] = indptr[: iterations + 1]
    model["gbtree_model_param"]["num_trees"] = str(keep)
    if "weight_drop" in booster:  # dart
        booster["weight_drop"] = booster["weight_drop"][:keep]
    return compact(doc)


def lightgbm_dump_first_iterations(path, iterations):
    doc = json.loads(path.read_text())
    keep = iterations * doc.get("num_tree_per_iteration", 1)
    doc["tree_info"] = doc["tree_info"][:keep]
    doc.pop("feature_importances", None)
    return compact(doc)


def lightgbm_text_first_iterations(path, iterations):
    text = path.read_text()
    header, rest = text.split("\nTree=", 1)
    trees_part, _, _tail = rest.partition("end of trees")
    blocks = ("Tree=" + trees_part).split("\n\n\n")
    per_iteration = 1
    for line in header.splitlines():
        if line.startswith("num_tree_per_iteration="):
            per_iteration = int(line.split("=")[1])
    kept = [b.strip("\n") + "\n" for b in blocks if b.strip()][: iterations * per_iteration]
    sizes = " ".join(str(len(b) + 2) for b in kept)
    lines = [f"tree_sizes={sizes}" if l.startswith("tree_sizes=") else l for l in header.splitlines()]
    return "\n".join(lines) + "\n\n" + "\n\n".join(kept) + "\n\nend of trees\n"


def main():
    if CORPUS.exists():
        shutil.rmtree(CORPUS)
    trees = FIX / "trees"
    # Models, by format; the `model` target gets them all.
    xgb = ["xgb-one-node", "xgb-softmax", "xgb-categorical", "xgb-binary-nan", "xgb-dart", "xgb-rf"]
    for name in xgb:
        iterations = 1 if name == "xgb-rf" else 2  # a random forest's iteration holds many trees
        put("model_xgboost", name + ".json", xgboost_first_iterations(trees / name / "model.json", iterations))
    lgb = ["lgb-stump", "lgb-categorical", "lgb-zero-missing", "lgb-binary-nan", "lgb-rf"]
    for name in lgb:
        put("model_lightgbm_text", name + ".txt", lightgbm_text_first_iterations(trees / name / "model.txt", 2))
        put("model_lightgbm_dump", name + ".json", lightgbm_dump_first_iterations(trees / name / "model.dump.json", 2))
    for name in ["sk-decision-tree-classifier", "sk-decision-tree-regressor"]:
        put("model_sklearn", name + ".json", (trees / name / "model.json").read_bytes())
    put("model_linear", "adult-logistic.json", (ROOT / "models" / "adult-logistic.json").read_bytes())
    put("model_linear", "german.json", (FIX / "bias" / "german" / "model.json").read_bytes())
    put("model_xgboost", "adult-xgboost.json", xgboost_first_iterations(ROOT / "models" / "adult-xgboost.json", 1))
    put("model_lightgbm_text", "adult-lightgbm.txt", lightgbm_text_first_iterations(ROOT / "models" / "adult-lightgbm.txt", 1))
    for target in ["model_xgboost", "model_lightgbm_text", "model_lightgbm_dump", "model_sklearn", "model_linear"]:
        for seed in (CORPUS / target).iterdir():
            put("model", seed.name, seed.read_bytes())
    # Cards and other JSON documents.
    for card in ["adult-xgboost.card.json"]:
        put("card", card, (ROOT / "models" / card).read_bytes())
    put("card", "german.card.json", (FIX / "bias" / "german" / "model.card.json").read_bytes())
    for seed in ["adult-logistic.json"]:
        put("json", seed, (ROOT / "models" / seed).read_bytes())
    put("json", "lime-kernel.json", (FIX / "lime" / "kernel.json").read_bytes())
    put("json", "german.card.json", (FIX / "bias" / "german" / "model.card.json").read_bytes())
    put("json", "xgb-one-node.json", (CORPUS / "model_xgboost" / "xgb-one-node.json").read_bytes())
    put("json", "lgb-stump.dump.json", (CORPUS / "model_lightgbm_dump" / "lgb-stump.json").read_bytes())
    # CSVs: the first lines of the shipped data and of fixtures.
    # The csv target reads its first byte as the read size (byte % 64 + 1).
    put("csv", "adult.csv", b"\x07" + head_lines(ROOT / "datasets" / "adult.csv", 20))
    put("csv", "german.csv", b"\x3f" + head_lines(FIX / "bias" / "german" / "data.csv", 20))
    put("csv", "xgb-binary-nan.csv", b"\x00" + head_lines(trees / "xgb-binary-nan" / "X.csv", 20))
    put("csv", "quoted.csv", b"\x02" + b'name,"note, with comma",x\r\n"a ""b""",\r\n"multi\nline",c,3\r\n\r\n')
    # Audit logs: the first records of the fixture log (checkpoints included).
    put("audit", "signed.log", head_lines(FIX / "audit" / "signed-before-log-store.log", 6))
    put("audit", "torn.log", head_lines(FIX / "audit" / "signed-before-log-store.log", 2)[:-40])
    # --rows and --instance as users write them.
    for k, spec in enumerate(["0", "0,4,10-20", "5-5, 7 ,1-3", "100-1000000"]):
        put("rows", f"rows-{k}", spec)
    adult = head_lines(ROOT / "datasets" / "adult.csv", 2).decode().splitlines()
    names, values = adult[0].split(","), adult[1].split(",")
    card = json.loads((ROOT / "models" / "adult-xgboost.card.json").read_text())
    features = [f["name"] for f in card["features"]]
    row = dict(zip(names, values))
    put("instance", "adult-row-1", ",".join(f"{n}={row.get(n, '')}" for n in features))
    put("instance", "missing", ",".join(f"{n}=" for n in features))
    put("instance", "quoted", ",".join(f'{n}="{row.get(n, "")}"' for n in features))
    for seed in CORPUS.rglob("*"):
        if seed.is_file() and seed.stat().st_size > MAX_SEED:
            seed.write_bytes(seed.read_bytes()[:MAX_SEED])


if __name__ == "__main__":
    main()
