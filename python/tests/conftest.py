"""Fixtures: the Go driver built once per session, and small outputs it writes."""

import os
import shutil
import subprocess
import sys

import pytest

# The driver's stage cache stays off: each test's job runs for real and
# nothing is written under the user's cache directory.
os.environ["SLUICE_CACHE"] = "off"

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(REPO, "python"))

ROWS = 20000
SEED = 1

SMALL_JOB = """name: small
input:
  generate: {kind: citibike, rows: %(rows)d, seed: %(seed)d, files: 4}
filter: tripduration >= 60 and tripduration < 86400
features:
  tripduration: {transform: zscore, fill: median}
  start_station_id: {transform: vocab, top_k: 100, min_count: 5}
  end_station_id: {transform: hash, buckets: 1024}
  gender: {transform: onehot}
  usertype: {transform: onehot}
  starttime: {transform: minmax}
  bikeid: {transform: bucketize, buckets: 8}
label:
  birth_year: {fill: drop}
keep: [trip_id]
split:
  by: start_station_name
  ratios: {train: 0.9, eval: 0.1}
  seed: 42
output:
  path: out/small
  format: %(format)s
  compression: %(compression)s
  shards: 4
  shuffle: true
"""

# Every raw column copied through unchanged (bikeid, also a feature, is
# float32 here and exact), to join with the shards by trip_id.
RAW_JOB = """name: raw
input:
  generate: {kind: citibike, rows: %(rows)d, seed: %(seed)d, files: 4}
features:
  bikeid: {transform: identity}
keep: [trip_id, tripduration, starttime, start_station_id, start_station_name, end_station_id, usertype, birth_year, gender]
split:
  ratios: {all: 1.0}
  seed: 1
output:
  path: out/raw
  format: arrow
  compression: none
  shards: 1
  shuffle: false
"""

# Fills of numeric and categorical features on a column with nulls, nulls
# kept by bucketize, hash of ints and strings, a label fill.
FILL_JOBS = {
    "labelfill": """
features:
  tripduration: {transform: log1p}
  start_station_id: {transform: vocab, top_k: 40, min_count: 3}
  end_station_id: {transform: hash, buckets: 64}
  gender: {transform: onehot}
  usertype: {transform: hash, buckets: 8}
  starttime: {transform: minmax}
  bikeid: {transform: clip, min: 20000, max: 30000}
label:
  birth_year: {fill: mean}
""",
    "nullfeatures": """
features:
  birth_year: {transform: zscore, fill: median}
  bikeid: {transform: bucketize, buckets: 6}
  start_station_id: {transform: onehot, top_k: 5}
  tripduration: {transform: identity}
""",
    "bucketnull": """
features:
  birth_year: {transform: bucketize, buckets: 5}
  gender: {transform: vocab, fill: {value: Female}}
""",
    "vocabfill": """
features:
  birth_year: {transform: vocab, top_k: 20, fill: mode}
  end_station_id: {transform: hash, buckets: 16}
""",
    "hashfill": """
features:
  birth_year: {transform: hash, buckets: 32, fill: {value: 1990}}
  usertype: {transform: onehot}
  gender: {transform: hash, buckets: 1000}
""",
}


def fill_job(body):
    """The full job text of a FILL_JOBS body."""
    return ("name: fills\ninput:\n  generate: {kind: citibike, rows: %d, seed: %d, files: 3}\n" % (ROWS, SEED)
            + body.lstrip("\n")
            + "keep: [trip_id]\nsplit:\n  ratios: {train: 0.8, eval: 0.2}\n  seed: 7\n"
            + "output:\n  path: out/fills\n  format: arrow\n  compression: zstd\n  shards: 2\n")


@pytest.fixture(scope="session")
def driver(tmp_path_factory):
    """Path of the Go driver, built from this checkout (SLUICE_DRIVER names
    a prebuilt one instead)."""
    if os.environ.get("SLUICE_DRIVER"):
        return os.environ["SLUICE_DRIVER"]
    go = shutil.which("go") or "/usr/local/go/bin/go"
    exe = str(tmp_path_factory.mktemp("bin") / "driver")
    subprocess.run([go, "build", "-o", exe, "./cmd/driver"], cwd=REPO, check=True)
    return exe


@pytest.fixture(scope="session")
def submit(driver, tmp_path_factory):
    """submit(job_text, name) -> output dir (cached per name)."""
    cache = {}

    def run(text, name):
        if name not in cache:
            d = tmp_path_factory.mktemp("job-" + name)
            job = d / "job.yaml"
            job.write_text(text)
            out = str(d / "out")
            subprocess.run([driver, "submit", str(job), "--set", "output.path=" + out, "--quiet"],
                           check=True, stdout=subprocess.DEVNULL)
            cache[name] = out
        return cache[name]

    return run


@pytest.fixture(scope="session")
def small(submit):
    """small(compression="zstd", format="arrow") -> output dir of SMALL_JOB."""
    def make(compression="zstd", format="arrow"):
        text = SMALL_JOB % {"rows": ROWS, "seed": SEED, "format": format, "compression": compression}
        return submit(text, "small-%s-%s" % (format, compression))
    return make


@pytest.fixture(scope="session")
def raw_rows(submit):
    """{column: numpy array} of every generated row, row i at index i."""
    import sluice
    out = submit(RAW_JOB % {"rows": ROWS, "seed": SEED}, "raw")
    cols = sluice.open(out).read("all")
    assert (cols["trip_id"] == range(1, ROWS + 1)).all()
    return cols
