#!/usr/bin/env python3
"""Bad-input tour: run glassbox on thousands of mutated model files, cards, CSVs and audit
logs, and count what must never happen (issue #18).

    tools/input_tour.py                 # every target, the default number of mutants each
    tools/input_tour.py --per-target 50 --jobs 2 --seed 7 --targets csv xgboost
    tools/input_tour.py --keep DIR      # keep the inputs of every bad outcome in DIR

Each mutant is made from a shipped or fixture file by one seeded edit (a flipped bit, a
deleted, inserted or duplicated span, a cut, a number token replaced by an extreme value
such as 1e308, NaN, -0 or 1e-320, a line deleted or swapped), then glassbox runs on it with
a time limit. Every run is classified:

  crash     killed by a signal, or a runtime trap or backtrace on stderr
  hang      still running after --timeout seconds
  unclear   a failure that is not one clean "glassbox: error:" line with a sysexits status,
            or a message with control characters or a line over 2,000 bytes
  silent    exit 0 with a wrong result: a non-finite number, a prediction that is not the
            base value plus the attributions, rows missing from output and rejects file
            together; for an audit log (signed, verified with its public key and a witness
            of its length), a mutated log that verifies as intact
  leftover  a temporary file (*.tmp-*) left in the run's folder
  precision not an error: a model with values of 1e18 or more beside small ones, whose
            attributions add up to the prediction only at the scale of those values (the
            tolerance audit verify applies); counted apart so that it stays visible
  ok        anything else: a clean error, or a result that passes the checks

Only the Python standard library is needed; the binary is .build/release/glassbox
(`swift build -c release --product glassbox`). Exits 1 when any run is not ok.
"""

import argparse
import concurrent.futures
import csv
import io
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SYSEXITS = {64, 65, 66, 69, 73, 74}
EXTREMES = [b"1e308", b"-1e308", b"NaN", b"nan", b"inf", b"-inf", b"1e-320", b"-0", b"0", b"",
            b"99999999999999999999", b"-1", b"1e30", b"3.5", b"\x00", b"\"x\"", b"null", b"[]"]
NUMBER = re.compile(rb"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def mutate(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    """One seeded edit of `data`, and its name."""
    n = len(data)
    kind = rng.choice(["bit", "delete", "insert", "duplicate", "cut", "number", "number", "number",
                       "line-delete", "line-swap"])
    if kind == "bit" and n:
        i = rng.randrange(n)
        return data[:i] + bytes([data[i] ^ (1 << rng.randrange(8))]) + data[i + 1:], f"bit@{i}"
    if kind == "delete" and n:
        i = rng.randrange(n)
        k = rng.randint(1, 16)
        return data[:i] + data[i + k:], f"delete@{i}+{k}"
    if kind == "insert":
        i = rng.randrange(n + 1)
        junk = bytes(rng.choice(b"\x00\",\n\r{}[]:-.e9 \x1b\xff") for _ in range(rng.randint(1, 8)))
        return data[:i] + junk + data[i:], f"insert@{i}"
    if kind == "duplicate" and n:
        i = rng.randrange(n)
        k = rng.randint(1, 4096)
        return data[:i + k] + data[i:i + k] + data[i + k:], f"duplicate@{i}+{k}"
    if kind == "cut" and n:
        i = rng.randrange(n)
        return data[:i], f"cut@{i}"
    if kind == "number":
        tokens = list(NUMBER.finditer(data))
        if tokens:
            t = rng.choice(tokens)
            value = rng.choice(EXTREMES)
            return data[:t.start()] + value + data[t.end():], f"number@{t.start()}={value!r}"
    lines = data.split(b"\n")
    if kind == "line-swap" and len(lines) > 2:
        i, j = rng.sample(range(len(lines)), 2)
        lines[i], lines[j] = lines[j], lines[i]
        return b"\n".join(lines), f"swap-lines {i} {j}"
    if len(lines) > 1:
        i = rng.randrange(len(lines))
        return b"\n".join(lines[:i] + lines[i + 1:]), f"delete-line {i}"
    return data + b"\x00", "append-nul"


class Target:
    """A file to mutate and the command that reads it (`{input}` stands for the mutant)."""

    def __init__(self, name, source, command, kind="explain", suffix=None):
        self.name = name
        self.source = source
        self.command = command
        self.kind = kind
        self.suffix = suffix or os.path.splitext(source)[1]


def sample_csv(path: str, rows: int) -> bytes:
    with open(os.path.join(ROOT, path), "rb") as f:
        return b"".join(f.readline() for _ in range(rows + 1))


def targets(work: str, binary: str) -> list[Target]:
    data = os.path.join(work, "sample.csv")
    with open(data, "wb") as f:
        f.write(sample_csv("datasets/adult.csv", 60))
    fixtures = os.path.join(ROOT, "Tests/Fixtures/trees")
    # A signed log of 20 records in two runs (two closing checkpoints), verified with the
    # public key and a witness of its full length: what docs/audit-log.md says proves it whole.
    log, key, witness = (os.path.join(work, n) for n in ("audit.log", "audit-key", "witness.jsonl"))
    subprocess.run([binary, "audit", "keygen", "--out", key], cwd=ROOT, check=True, capture_output=True)
    for rows in ("0-9", "10-19"):
        subprocess.run([binary, "explain", "--model", "models/adult-logistic.json", "--data", data,
                        "--rows", rows, "--audit", log, "--sign-key", key, "--format", "json",
                        "--out", os.path.join(work, "seed.jsonl")], cwd=ROOT, check=True, capture_output=True)
    subprocess.run([binary, "audit", "witness", log, "--to", witness], cwd=ROOT, check=True, capture_output=True)
    explain = ["explain", "--format", "json", "--out", "{out}"]
    return [
        Target("xgboost", "models/adult-xgboost.json", explain + ["--model", "{input}", "--data", data]),
        Target("lightgbm", "models/adult-lightgbm.txt", explain + ["--model", "{input}", "--data", data]),
        Target("linear", "models/adult-logistic.json", explain + ["--model", "{input}", "--data", data]),
        Target("card", "models/adult-xgboost.card.json",
               explain + ["--model", "models/adult-xgboost.json", "--card", "{input}", "--data", data]),
        Target("csv", data, explain + ["--model", "models/adult-xgboost.json", "--data", "{input}"]),
        Target("csv-kernel", data, explain + ["--model", "models/adult-logistic.json", "--data", "{input}",
                                              "--rows", "0-4", "--method", "kernel", "--background", data]),
        Target("sklearn", fixtures + "/sk-random-forest-classifier/model.json",
               explain + ["--model", "{input}", "--data", fixtures + "/sk-random-forest-classifier/X.csv"]),
        Target("lightgbm-dump", fixtures + "/lgb-regression/model.dump.json",
               explain + ["--model", "{input}", "--data", fixtures + "/lgb-regression/X.csv"]),
        Target("xgboost-categorical", fixtures + "/xgb-categorical/model.json",
               explain + ["--model", "{input}", "--data", fixtures + "/xgb-categorical/X.csv"]),
        Target("audit-log", log, ["audit", "verify", "{input}", "--public-key", key + ".pub", "--witness", witness],
               kind="verify"),
    ]


def finite_numbers(value) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(finite_numbers(v) for v in value.values())
    if isinstance(value, list):
        return all(finite_numbers(v) for v in value)
    return True


def check_explanations(out: str, rows_in: int, rejects: str) -> str | None:
    """What is wrong with a successful run's output ("precision: ..." when the values add
    up only at the scale of huge cancelling numbers), or None."""
    try:
        with open(out, "rb") as f:
            lines = [l for l in f.read().split(b"\n") if l]
    except OSError:
        return "exit 0 without an output file"
    rows = set()
    cancelled = []
    for line in lines:
        try:
            record = json.loads(line, parse_constant=lambda c: float(c))
        except ValueError:
            return "output line is not JSON"
        phi = record.get("attributions") or []
        prediction, base = record.get("prediction"), record.get("base_value")
        numbers = [prediction, base] + [a.get("attribution") for a in phi]
        if not finite_numbers(record) or not all(isinstance(x, (int, float)) for x in numbers):
            return "a missing or non-finite number in the output"
        if record.get("method") != "lime":
            # As audit verify judges it: relative to the size of the numbers summed (values of
            # 1e26 that cancel to a probability hold only to double precision of 1e26).
            total = base + sum(a["attribution"] for a in phi)
            scale = max(1.0, abs(prediction), abs(base)) + sum(abs(a["attribution"]) for a in phi)
            if abs(total - prediction) > 1e-5 * scale:
                return f"not additive: {prediction} vs {total}"
            if abs(total - prediction) > 1e-4 * max(1.0, abs(prediction)):
                cancelled.append(record.get("row"))
        rows.add(record.get("row"))
    rejected = 0
    if os.path.exists(rejects):
        with open(rejects, "rb") as f:
            rejected = max(0, len([l for l in f.read().split(b"\n") if l]) - 1)
    if rejected:
        return f"exit 0 although {rejected} rows were rejected"
    if len(rows) != rows_in:
        return f"{len(rows)} rows explained of {rows_in}"
    if cancelled:
        return f"precision: rows {cancelled[:3]} add up only at the scale of their largest values"
    return None


def data_rows(command: list[str]) -> int:
    """The number of rows the run should account for: the CSV's records (RFC 4180, blank
    lines left out) after the header, at most 5 with `--rows 0-4`."""
    with open(command[command.index("--data") + 1], "rb") as f:
        text = f.read().decode("latin-1")
    records = [r for r in csv.reader(io.StringIO(text, newline="")) if r]
    n = max(0, len(records) - 1)
    return min(n, 5) if "--rows" in command else n


def run_one(binary: str, target: Target, index: int, seed: int, timeout: float, keep: str | None):
    rng = random.Random(f"{seed}:{target.name}:{index}")
    with open(target.source, "rb") as f:
        original = f.read()
    mutant, edit = mutate(original, rng)
    folder = tempfile.mkdtemp(prefix=f"tour-{target.name}-")
    try:
        path = os.path.join(folder, "input" + target.suffix)
        with open(path, "wb") as f:
            f.write(mutant)
        out = os.path.join(folder, "out.jsonl")
        command = [a.replace("{input}", path).replace("{out}", out) for a in target.command]
        try:
            done = subprocess.run([binary] + command, cwd=ROOT, capture_output=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return outcome("hang", target, edit, "", keep, folder)
        stderr = done.stderr.decode("utf-8", "replace")
        status = done.returncode
        lines = [l for l in stderr.split("\n") if l]
        if status < 0 or status >= 128 or re.search(r"Fatal error|Stack dump|Current stack trace|Illegal instruction", stderr):
            return outcome("crash", target, edit, f"status {status}: {stderr[-300:]}", keep, folder)
        if any(name.find(".tmp-") >= 0 for name in os.listdir(folder)):
            return outcome("leftover", target, edit, str(os.listdir(folder)), keep, folder)
        if any(len(l) > 2000 or any(ord(c) < 32 and c != "\t" for c in l) for l in lines):
            return outcome("unclear", target, edit, "control characters or a huge line on stderr", keep, folder)
        if status == 1 and target.kind == "verify" and done.stdout:
            return outcome("ok", target, edit, "", None, folder)  # the report names the break
        if status != 0:
            if status not in SYSEXITS or not lines or not lines[-1].startswith("glassbox: "):
                return outcome("unclear", target, edit, f"status {status}: {stderr[-300:]}", keep, folder)
            return outcome("ok", target, edit, "", None, folder)
        if target.kind == "verify":
            if mutant != original:
                return outcome("silent", target, edit, "a mutated log verifies as intact", keep, folder)
            return outcome("ok", target, edit, "", None, folder)
        problem = check_explanations(out, data_rows(command), out + ".rejects.csv")
        if problem:
            kind = "precision" if problem.startswith("precision") else "silent"
            return outcome(kind, target, edit, problem, keep, folder)
        return outcome("ok", target, edit, "", None, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def outcome(kind, target, edit, detail, keep, folder):
    if keep and kind != "ok":
        destination = os.path.join(keep, f"{kind}-{target.name}-{abs(hash(edit)) % 10**8}")
        shutil.copytree(folder, destination, dirs_exist_ok=True)
    return kind, target.name, edit, detail


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build/release/glassbox"))
    parser.add_argument("--per-target", type=int, default=400)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=30)
    parser.add_argument("--targets", nargs="*")
    parser.add_argument("--keep")
    args = parser.parse_args()
    if not os.access(args.binary, os.X_OK):
        print(f"input_tour: no binary at {args.binary}; run: swift build -c release --product glassbox", file=sys.stderr)
        return 66
    work = tempfile.mkdtemp(prefix="glassbox-tour-")
    chosen = [t for t in targets(work, args.binary) if not args.targets or t.name in args.targets]
    if args.keep:
        os.makedirs(args.keep, exist_ok=True)
    counts: dict[str, dict[str, int]] = {t.name: {} for t in chosen}
    bad = []
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        futures = [pool.submit(run_one, args.binary, t, i, args.seed, args.timeout, args.keep)
                   for t in chosen for i in range(args.per_target)]
        for future in concurrent.futures.as_completed(futures):
            kind, name, edit, detail = future.result()
            counts[name][kind] = counts[name].get(kind, 0) + 1
            if kind != "ok":
                bad.append((kind, name, edit, detail))
    bad = [b for b in bad if b[0] != "precision"] + [b for b in bad if b[0] == "precision"]
    shutil.rmtree(work, ignore_errors=True)
    kinds = ["ok", "precision", "crash", "hang", "unclear", "silent", "leftover"]
    print(f"{'target':<22}" + "".join(f"{k:>10}" for k in kinds))
    for name, c in counts.items():
        print(f"{name:<22}" + "".join(f"{c.get(k, 0):>10}" for k in kinds))
    total = {k: sum(c.get(k, 0) for c in counts.values()) for k in kinds}
    print(f"{'all (' + str(sum(total.values())) + ' runs)':<22}" + "".join(f"{total[k]:>10}" for k in kinds))
    for kind, name, edit, detail in bad[:50]:
        print(f"{kind}: {name}: {edit}: {detail}")
    return 1 if any(kind != "precision" for kind, *_ in bad) else 0


if __name__ == "__main__":
    sys.exit(main())
