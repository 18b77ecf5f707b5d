#!/usr/bin/env python3
"""Explain a large dataset with glassbox on Apache Spark; write the attributions as Parquet.

glassbox is a streaming filter: headerless CSV lines in on stdin, one CSV line per row out on
stdout. This job feeds each Spark partition through one glassbox process on the executor that
holds it (the mechanism of RDD.pipe), parses what comes back into typed columns and writes
Parquet keyed by the id column:

    id | class | prediction | base_value | phi_<feature> ... (one per model feature)

Every random choice glassbox makes for a row derives from --seed and the row's id, so the
numbers do not depend on how Spark partitions the data: they equal a single `glassbox explain`
over the whole input, bit for bit.

Local mode (the paths are read where they are):

    spark-submit --master 'local[2]' examples/spark/explain_with_spark.py \\
        --input data.csv --id-column id --model models/adult-xgboost.json \\
        --glassbox .build/release/glassbox --output phi.parquet

On a cluster, ship the binary, the model and its card with --files and name them by their
file names; the job finds them on every executor (SparkFiles) and makes the binary executable:

    spark-submit --master yarn --deploy-mode cluster \\
        --files glassbox,adult-xgboost.json,adult-xgboost.card.json \\
        explain_with_spark.py --input hdfs:///data/big.parquet --id-column id \\
        --model adult-xgboost.json --card adult-xgboost.card.json --glassbox glassbox \\
        --output hdfs:///out/phi.parquet

Files named in --extra-args after --background are resolved the same way, so ship them too.
Needs PySpark 3.x or 4.x; nothing but the Python standard library on the executors.
"""

import argparse
import collections
import csv
import io
import json
import os
import resource
import shlex
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import time

# Options of `glassbox explain` whose value is a file: resolved on each executor.
FILE_OPTIONS = {"--background", "--card", "--model"}
# Options this job sets itself: refused in --extra-args.
OWN_OPTIONS = {"--data", "--columns", "--id-column", "--format", "--no-header", "--out",
               "--rows", "--instance", "--model", "--card", "--method"}
FIXED_COLUMNS = ("class", "prediction", "base_value")


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description="Explain a dataset with glassbox on Spark; write attributions as Parquet.")
    p.add_argument("--input", required=True,
                   help="CSV with a header line, or Parquet (file or directory)")
    p.add_argument("--input-format", choices=("auto", "csv", "parquet"), default="auto",
                   help="default: parquet when the path ends in .parquet or is a directory "
                        "of .parquet files, else csv")
    p.add_argument("--id-column", required=True, help="column that identifies each row")
    p.add_argument("--model", required=True, help="model file (path, or a --files name)")
    p.add_argument("--card", help="model card (path, or a --files name); default: the "
                                  "model's sidecar <name>.card.json when present")
    p.add_argument("--glassbox", default="glassbox",
                   help="the glassbox binary (path, --files name, or a name on PATH)")
    p.add_argument("--method", default="auto", help="glassbox --method (default: auto)")
    p.add_argument("--extra-args", default="",
                   help="more glassbox explain options, passed through, e.g. "
                        "'--background bg.csv --samples 512'")
    p.add_argument("--output", required=True, help="output Parquet directory (overwritten)")
    p.add_argument("--partitions", type=int,
                   help="repartition the input into this many partitions (default: as read)")
    p.add_argument("--id-type",
                   help="Spark SQL type of the id column in the output, e.g. long "
                        "(default: its type in the input; CSV columns are read as text)")
    p.add_argument("--phi-prefix", default="phi_",
                   help="prefix of the attribution columns (default: phi_)")
    p.add_argument("--raw-output",
                   help="also write glassbox's output lines, as printed, to this text "
                        "directory (for byte-for-byte comparisons)")
    p.add_argument("--master", help="Spark master when not run by spark-submit")
    p.add_argument("--timings", help="write the job's timings (JSON) to this local file")
    return p.parse_args(argv)


# ---------------------------------------------------------------- files on driver and executors

def resolve_file(name, executable=False):
    """The local path of `name` where this code runs (driver or executor).

    Tried in order: the path as given; the file of that name shipped with --files or
    SparkContext.addFile (SparkFiles); for the binary, a name on PATH."""
    if os.path.isfile(name):
        path = os.path.abspath(name)
    else:
        path = None
        try:
            from pyspark import SparkFiles
            shipped = SparkFiles.get(os.path.basename(name))
            if os.path.isfile(shipped):
                path = shipped
        except Exception:
            pass
        if path is None and executable and os.sep not in name:
            path = shutil.which(name)
        if path is None:
            raise FileNotFoundError(
                f"{name!r} not found here (host {os.uname().nodename}, cwd {os.getcwd()}): "
                "give a path every executor can read, or ship it with spark-submit --files")
    if executable and not os.access(path, os.X_OK):
        path = make_executable(path)
    return path


def make_executable(path):
    """Shipped files can arrive without the execute bit: add it, or run a private copy."""
    try:
        os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        if os.access(path, os.X_OK):
            return path
    except OSError:
        pass
    copy = os.path.join(tempfile.mkdtemp(prefix="glassbox-bin-"), os.path.basename(path))
    shutil.copyfile(path, copy)
    os.chmod(copy, 0o755)
    return copy


def resolve_extra_args(tokens):
    out = list(tokens)
    for i in range(1, len(out)):
        if out[i - 1] in FILE_OPTIONS:
            out[i] = resolve_file(out[i])
    return out


# ---------------------------------------------------------------- values to CSV cells

def cell(value):
    """A DataFrame value as glassbox reads it. Floats use repr: the shortest text that
    round-trips, so the binary parses exactly the double Spark holds. None and NaN are
    missing values (an empty cell)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return "" if value != value else repr(value)
    if isinstance(value, (bytes, bytearray)):
        return value.decode("utf-8")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


class LineWriter:
    """One CSV record per call, RFC 4180 quoting (the csv module). The line terminator is
    CRLF inside the writer only so that the csv module also quotes fields holding a lone CR;
    each line is handed on with a plain LF."""

    def __init__(self):
        self.buf = io.StringIO()
        self.writer = csv.writer(self.buf, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)

    def line(self, cells):
        self.buf.seek(0)
        self.buf.truncate()
        self.writer.writerow(cells)
        return self.buf.getvalue()[:-2] + "\n"


# ---------------------------------------------------------------- one glassbox per partition

def make_partition_function(glassbox, base_args, extra_args, n_features, keep_raw,
                            cpu=None):
    """The function run on each partition: rows (Row of id + features) in, parsed records
    (or (raw text, record) pairs) out, in input order. `cpu`, when given, is a pair of
    Spark accumulators that add up the CPU seconds of the glassbox processes and of the
    Python workers (serializing, parsing).

    It does what RDD.pipe does (one process, a thread feeding stdin, stdout read line by
    line), but resolves the binary and the files on the executor first, checks that each
    input row comes back once and in order, and reports glassbox's own error message."""
    n_fields = 2 + len(FIXED_COLUMNS) + n_features   # id, row, class, prediction, base, phi...

    def run(rows):
        worker_cpu_start = cpu_seconds(resource.getrusage(resource.RUSAGE_SELF))
        binary = resolve_file(glassbox, executable=True)
        args = [binary] + resolve_extra_args(base_args) + resolve_extra_args(extra_args)
        stderr = tempfile.TemporaryFile()
        proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=stderr)
        pending = collections.deque()   # ids written and not yet seen in the output
        fed = {"rows": 0, "error": None}

        def feed():
            writer = LineWriter()
            try:
                for row in rows:
                    cells = [cell(v) for v in row]
                    pending.append(cells[0])
                    proc.stdin.write(writer.line(cells).encode("utf-8"))
                    fed["rows"] += 1
            except BaseException as e:   # BrokenPipe if glassbox stopped; reported below
                fed["error"] = e
            finally:
                try:
                    proc.stdin.close()
                except OSError:
                    pass

        feeder = threading.Thread(target=feed, daemon=True)
        feeder.start()

        raw_lines = []

        def lines():
            for b in iter(proc.stdout.readline, b""):
                s = b.decode("utf-8")
                raw_lines.append(s)
                yield s

        def fail(message):
            proc.kill()
            proc.wait()
            raise RuntimeError(f"glassbox partition: {message}")

        current_id, last_class = None, None
        for fields in csv.reader(lines()):
            raw = "".join(raw_lines).rstrip("\r\n")
            raw_lines.clear()
            if len(fields) != n_fields:
                fail(f"{len(fields)} fields instead of {n_fields} in output line {raw!r}")
            rid, cls = fields[0], (int(fields[2]) if fields[2] != "" else None)
            # one line per row, or one per class of a multi-output model (classes ascending)
            if cls is None or last_class is None or cls <= last_class:
                if not pending:
                    fail(f"output for id {rid!r} that was not sent: {raw!r}")
                current_id = pending.popleft()
            if rid != current_id:
                fail(f"output id {rid!r} where {current_id!r} was expected (out of order)")
            last_class = cls
            record = (rid, cls) + tuple(float(x) for x in fields[3:])
            yield (raw, record) if keep_raw else record

        feeder.join()
        _, status, usage = os.wait4(proc.pid, 0)   # like proc.wait(), with the CPU time
        code = proc.returncode = os.waitstatus_to_exitcode(status)
        if cpu is not None:
            cpu[0].add(cpu_seconds(usage))
            cpu[1].add(cpu_seconds(resource.getrusage(resource.RUSAGE_SELF)) - worker_cpu_start)
        stderr.seek(0)
        message = stderr.read().decode("utf-8", "replace").strip()
        if code != 0:
            raise RuntimeError(f"glassbox exited with status {code}: {message[-2000:]} "
                               f"(command: {' '.join(args)})")
        if fed["error"] is not None:
            raise RuntimeError(f"feeding glassbox failed: {fed['error']!r}") from fed["error"]
        if pending:
            raise RuntimeError(f"{len(pending)} of {fed['rows']} rows came back without "
                               f"output (first id {pending[0]!r}); glassbox said: {message}")

    return run


def cpu_seconds(usage):
    return usage.ru_utime + usage.ru_stime


# ---------------------------------------------------------------- driver

def jvm_cpu_seconds(spark):
    """CPU time of the driver JVM so far (in local mode also the executors'), or None."""
    try:
        info = spark.sparkContext._jvm.java.lang.ProcessHandle.current().info()
        return info.totalCpuDuration().get().toMillis() / 1000.0
    except Exception:
        return None


def model_features(glassbox, model, card):
    cmd = [resolve_file(glassbox, executable=True), "inspect", "--model", resolve_file(model),
           "--format", "json"]
    if card:
        cmd += ["--card", resolve_file(card)]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"glassbox inspect failed ({done.returncode}): {done.stderr.strip()}")
    return [f["name"] for f in json.loads(done.stdout)["feature_list"]]


def input_format(path, choice):
    if choice != "auto":
        return choice
    stripped = path.rstrip("/")
    if stripped.endswith(".parquet"):
        return "parquet"
    local = stripped[len("file://"):] if stripped.startswith("file://") else stripped
    if os.path.isdir(local) and any(n.endswith(".parquet") for n in os.listdir(local)):
        return "parquet"
    return "csv"


def main(argv=None):
    t_start = time.time()
    args = parse_args(argv)
    extra = shlex.split(args.extra_args)
    clash = sorted(set(t for t in extra if t.split("=")[0] in OWN_OPTIONS))
    if clash:
        sys.exit(f"--extra-args may not contain {', '.join(clash)}: this job sets them")

    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F
    from pyspark.sql import types as T
    from pyspark import StorageLevel

    builder = SparkSession.builder.appName("glassbox-explain")
    if args.master:
        builder = builder.master(args.master)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    t_session = time.time()
    jvm_cpu_ready = jvm_cpu_seconds(spark)

    features = model_features(args.glassbox, args.model, args.card)

    if input_format(args.input, args.input_format) == "parquet":
        df = spark.read.parquet(args.input)
    else:
        # Every column as text, exactly as written: the cells reach glassbox unchanged.
        df = (spark.read.option("header", True).option("inferSchema", False)
              .option("escape", '"').option("mode", "FAILFAST").csv(args.input))
    missing = [c for c in [args.id_column] + features if c not in df.columns]
    if missing:
        sys.exit(f"the input has no column {', '.join(map(repr, missing))}; "
                 f"its columns are: {', '.join(df.columns)}")
    if any("," in c for c in [args.id_column] + features):
        # glassbox --columns is split on commas: such a name cannot be passed to it
        sys.exit("a column name contains a comma: rename it before explaining")
    if args.id_column in features:
        sys.exit(f"the id column {args.id_column!r} is also a model feature")
    id_type = df.schema[args.id_column].dataType
    if args.id_type:
        id_type = args.id_type   # a type name; Column.cast accepts it as it is
    df = df.select(*[F.col(f"`{c}`") for c in [args.id_column] + features])
    if args.partitions:
        df = df.repartition(args.partitions)

    threads = spark.sparkContext.getConf().get("spark.task.cpus", "1")
    base_args = ["explain", "--model", args.model, "--data", "-",
                 "--columns", ",".join([args.id_column] + features),
                 "--id-column", args.id_column, "--method", args.method,
                 "--format", "csv", "--no-header", "--quiet"]
    if args.card:
        base_args += ["--card", args.card]
    if not any(t.split("=")[0] == "--threads" for t in extra):
        base_args += ["--threads", threads]

    keep_raw = bool(args.raw_output)
    sc = spark.sparkContext
    cpu = (sc.accumulator(0.0), sc.accumulator(0.0))
    run = make_partition_function(args.glassbox, base_args, extra, len(features), keep_raw,
                                  cpu)
    piped = df.rdd.mapPartitions(run)
    if keep_raw:
        piped = piped.persist(StorageLevel.MEMORY_AND_DISK)
        records = piped.map(lambda pair: pair[1])
    else:
        records = piped

    schema = T.StructType(
        [T.StructField(args.id_column, T.StringType(), False),
         T.StructField("class", T.IntegerType(), True),
         T.StructField("prediction", T.DoubleType(), False),
         T.StructField("base_value", T.DoubleType(), False)]
        + [T.StructField(args.phi_prefix + f, T.DoubleType(), False) for f in features])
    out = spark.createDataFrame(records, schema, verifySchema=False)
    if args.id_type or not isinstance(id_type, T.StringType):
        out = out.withColumn(args.id_column, F.col(f"`{args.id_column}`").cast(id_type))
    out.write.mode("overwrite").parquet(args.output)
    t_written = time.time()
    jvm_cpu_written = jvm_cpu_seconds(spark)
    driver_cpu = cpu_seconds(resource.getrusage(resource.RUSAGE_SELF))
    if keep_raw:
        piped.map(lambda pair: pair[0]).saveAsTextFile(args.raw_output)
        piped.unpersist()
    rows = spark.read.parquet(args.output).count()
    t_done = time.time()

    timings = {"rows": rows, "partitions": df.rdd.getNumPartitions(),
               "session_start_s": round(t_session - t_start, 3),
               "job_s": round(t_written - t_session, 3),
               "total_s": round(t_done - t_start, 3),
               # CPU seconds of the explaining job (session ready to Parquet written)
               "cpu_glassbox_s": round(cpu[0].value, 3),
               "cpu_python_workers_s": round(cpu[1].value, 3),
               "cpu_jvm_s": (None if jvm_cpu_ready is None or jvm_cpu_written is None
                             else round(jvm_cpu_written - jvm_cpu_ready, 3)),
               "cpu_jvm_startup_s": jvm_cpu_ready,
               "cpu_driver_python_s": round(driver_cpu, 3)}
    print(f"glassbox on Spark: {rows} output rows in {timings['partitions']} partitions -> "
          f"{args.output} (job {timings['job_s']} s, Spark start-up "
          f"{timings['session_start_s']} s)", file=sys.stderr)
    if args.timings:
        with open(args.timings, "w") as f:
            json.dump(timings, f)
    spark.stop()


if __name__ == "__main__":
    main()
