#!/usr/bin/env python3
"""Print the throughput tables of spark_test.sh (Markdown) from its measure.jsonl.

Each line of measure.jsonl is one run: {"method", "rows", "run", "wall_s", "cpu_s"} where run
is "single-1", "single-2" (one glassbox process, --threads 1 or 2) or "spark:<timings.json>"
(explain_with_spark.py under spark-submit local[2]; the timings file holds the job's own
figures: session start-up, job wall time, CPU seconds of glassbox, of the Python workers
and of the JVM during the job).
"""

import json
import sys


def rate(rows, seconds):
    return f"{rows / seconds:,.0f}" if seconds and seconds > 0 else "n/a"


def main(path):
    runs = [json.loads(line) for line in open(path) if line.strip()]
    methods = []
    by = {}
    for r in runs:
        if r["method"] not in by:
            methods.append(r["method"])
            by[r["method"]] = {}
        key = "spark" if r["run"].startswith("spark:") else r["run"]
        if key == "spark":
            r["timings"] = json.load(open(r["run"][len("spark:"):]))
        by[r["method"]][key] = r

    print("Wall clock, rows/s (seconds in brackets):\n")
    print("| method | rows | 1 process, 1 thread | 1 process, 2 threads "
          "| Spark local[2], end to end | Spark local[2], start-up excluded | Spark start-up |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for m in methods:
        d = by[m]
        n = next(iter(d.values()))["rows"]
        cells = []
        for key in ("single-1", "single-2"):
            r = d.get(key)
            cells.append(f"{rate(n, r['wall_s'])} ({r['wall_s']:.1f} s)" if r else "-")
        s = d.get("spark")
        if s:
            t = s["timings"]
            cells += [f"{rate(n, s['wall_s'])} ({s['wall_s']:.1f} s)",
                      f"{rate(n, t['job_s'])} ({t['job_s']:.1f} s)",
                      f"{t['session_start_s']:.1f} s"]
        else:
            cells += ["-"] * 3
        print(f"| {m} | {n:,} | " + " | ".join(cells) + " |")

    print("\nCPU time per row (ms) of the whole job, which a busy machine does not distort "
          "(the JVM's share includes fixed costs, about 9 CPU-s per job, that shrink per row "
          "as the input grows):\n")
    print("| method | 1 process, 1 thread | Spark: glassbox | Spark: Python workers "
          "| Spark: JVM (job) | Spark: all | Spark overhead | rows/s per core in Spark |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    notes = []
    for m in methods:
        d = by[m]
        s, one = d.get("spark"), d.get("single-1")
        if not s:
            continue
        n, t = s["rows"], s["timings"]
        jvm = t.get("cpu_jvm_s") or 0.0
        gb, py = t["cpu_glassbox_s"], t["cpu_python_workers_s"]
        total = gb + py + jvm
        single_ms = f"{1000 * one['cpu_s'] / n:.3f}" if one else "-"
        overhead = (py + jvm) / gb if gb else float("nan")
        per_core = n / total if total else float("nan")
        print(f"| {m} | {single_ms} | {1000 * gb / n:.3f} | {1000 * py / n:.3f} | "
              f"{1000 * jvm / n:.3f} | {1000 * total / n:.3f} | {100 * overhead:.0f}% | "
              f"{per_core:,.0f} |")
        notes.append((m, per_core, t))
    for m, per_core, t in notes:
        print(f"\n{m}: a cluster with C executor cores explains at least {per_core:,.0f} x C "
              f"rows/s once started (10 million rows on 64 cores: at most "
              f"{1e7 / (per_core * 64) / 60:.1f} min), plus the start-up: here "
              f"{t['session_start_s']:.1f} s wall, {t.get('cpu_jvm_startup_s') or 0:.1f} s of "
              f"JVM CPU.")


if __name__ == "__main__":
    main(sys.argv[1])
