// jobs.mjs: the benchmark jobs as the peers (DuckDB, Polars) run them, and
// the helpers both peer scripts share.
//
// Each job mirrors a sluice job file of bench/jobs.go (same filter, label
// drop, split, fitted transforms, aggregates and shard count). A job with
// split.by also writes its group as the column bench_group, as the sluice
// job does, so that rows per (split, group) can be counted in sluice's
// shards. A peer prints one JSON object (described in duckdb.mjs) that
// `driver bench` compares with sluice: rows per split, rows per (split,
// group), and every aggregate value.
//
// The split is the exact stratified split of DESIGN.md done the way the
// peers do it: rows are ranked within their group by a seeded hash of the
// row key and cut at the per-group counts of allocate() (largest remainder).

import { createRequire } from "node:module";

// Feature transforms: zscore, log1p (then z-score), minmax, vocab, hash,
// onehot, bucketize. Aggregate funcs: count, mean, std, max, min, sum,
// count_distinct.
const citibikeBase = {
  filter: {
    sql: "tripduration >= 60 AND tripduration < 86400",
    polars: (pl) => pl.col("tripduration").gtEq(60).and(pl.col("tripduration").lt(86400)),
  },
  key: "trip_id",
};

export const jobs = {
  // examples/citibike.yaml on generated data.
  citibike: {
    ...citibikeBase,
    columns: ["trip_id", "tripduration", "start_station_id", "start_station_name", "end_station_id", "gender", "usertype", "birth_year"],
    derived: [],
    label: "birth_year",
    features: [
      { name: "tripduration", transform: "zscore", fill: "median" },
      { name: "start_station_id", transform: "vocab", topK: 1000, minCount: 5 },
      { name: "end_station_id", transform: "hash", buckets: 1024 },
      { name: "gender", transform: "onehot" },
      { name: "usertype", transform: "onehot" },
    ],
    keep: ["trip_id"],
    split: { by: "start_station_name", ratios: [["train", 0.9], ["eval", 0.1]], seed: 42 },
    aggregates: [{
      name: "stations", by: "start_station_id",
      compute: [["trips", "count", null], ["mean_duration", "mean", "tripduration"], ["std_duration", "std", "tripduration"]],
    }],
    output: { format: "parquet", shards: 8, compression: "zstd" },
  },
  // examples/flights.yaml on data/flights-3m.parquet.
  flights: {
    filter: null,
    key: null, // the row number
    columns: ["date", "delay", "distance", "origin", "destination"],
    derived: [
      { name: "hour", sql: "CAST(hour(date) AS BIGINT)", polars: (pl) => pl.col("date").dt.hour().cast(pl.Int64) },
      { name: "month", sql: "CAST(month(date) AS BIGINT)", polars: (pl) => pl.col("date").dt.month().cast(pl.Int64) },
    ],
    label: "delay",
    features: [
      { name: "distance", transform: "log1p" },
      { name: "hour", transform: "bucketize", buckets: 8 },
      { name: "month", transform: "onehot" },
      { name: "origin", transform: "vocab", minCount: 10 },
      { name: "destination", transform: "hash", buckets: 512 },
    ],
    keep: [],
    split: { by: "origin", ratios: [["train", 0.8], ["eval", 0.1], ["test", 0.1]], seed: 7 },
    aggregates: [{
      name: "origins", by: "origin",
      compute: [["flights", "count", null], ["mean_delay", "mean", "delay"], ["std_delay", "std", "delay"],
        ["max_delay", "max", "delay"], ["destinations", "count_distinct", "destination"]],
    }],
    output: { format: "arrow", shards: 4, compression: "lz4" },
  },
  // Micro-jobs on the citibike data, one stage each.
  scan: {
    ...citibikeBase, filter: null,
    columns: ["trip_id", "tripduration", "start_station_id"], derived: [], label: null, features: [],
    keep: ["trip_id", "tripduration", "start_station_id"], split: null, aggregates: [],
    output: { shards: 1, compression: "lz4" },
  },
  groupby: {
    ...citibikeBase,
    columns: ["tripduration", "start_station_id", "bikeid"], derived: [], label: null, features: [], keep: [], split: null,
    aggregates: [{
      name: "stations", by: "start_station_id",
      compute: [["trips", "count", null], ["mean_duration", "mean", "tripduration"], ["std_duration", "std", "tripduration"],
        ["max_duration", "max", "tripduration"], ["bikes", "count_distinct", "bikeid"]],
    }],
    output: { shards: 0, compression: "lz4" },
  },
  split: {
    ...citibikeBase, filter: null,
    columns: ["trip_id", "start_station_name"], derived: [], label: null, features: [],
    keep: ["trip_id"],
    split: { by: "start_station_name", ratios: [["train", 0.9], ["eval", 0.1]], seed: 42 },
    aggregates: [], output: { shards: 1, compression: "lz4" },
  },
  shuffle: {
    ...citibikeBase, filter: null,
    columns: ["trip_id", "tripduration", "end_station_id"], derived: [], label: null, features: [],
    keep: ["trip_id", "tripduration", "end_station_id"], split: null, aggregates: [],
    output: { shards: 8, compression: "lz4" },
  },
  shardwrite: {
    ...citibikeBase, filter: null,
    columns: ["trip_id", "tripduration", "starttime", "start_station_id", "start_station_name", "end_station_id", "usertype", "birth_year", "gender", "bikeid"],
    derived: [], label: null, features: [],
    keep: ["trip_id", "tripduration", "starttime", "start_station_id", "start_station_name", "end_station_id", "usertype", "birth_year", "gender", "bikeid"],
    split: null, aggregates: [], output: { shards: 8, compression: "zstd" },
  },
};

// citibike-arrow: the citibike job writing Arrow IPC shards.
jobs["citibike-arrow"] = { ...jobs.citibike, output: { ...jobs.citibike.output, format: "arrow" } };
for (const j of Object.values(jobs)) j.output.format ||= "arrow";

// allocate is the per-split row counts of a group of n rows: floor(r*n)
// each, the rows left over one each to the largest fractional remainders
// (rounded to 6 decimals), ties to the earlier split. It is
// exec/split.Allocate, written again.
export function allocate(n, ratios) {
  let sum = 0;
  for (const r of ratios) sum += r;
  const scale = sum === 1 ? n : n / sum;
  const counts = [], rem = [];
  let total = 0;
  ratios.forEach((r, i) => {
    const q = r * scale;
    let f = Math.floor(q);
    let rq = Math.round((q - f) * 1e6);
    if (rq >= 1e6) { f++; rq = 0; }
    counts[i] = f; rem[i] = rq; total += f;
  });
  const order = ratios.map((_, i) => i).sort((a, b) => rem[b] - rem[a] || a - b);
  for (let d = n - total; d > 0;) {
    for (const i of order) { if (d === 0) break; counts[i]++; d--; }
  }
  for (let e = total - n; e > 0;) {
    for (let j = order.length - 1; j >= 0 && e > 0; j--) {
      const i = order[j];
      if (counts[i] > 0) { counts[i]--; e--; }
    }
  }
  return counts;
}

// allocSQL is allocate() as SQL over a group size expression n: the
// cumulative cut ranks c_1, c_1+c_2, ... (k-1 expressions for k ratios).
// The leftover rows (fewer than k) go one each to the splits in order of
// largest remainder, ties to the earlier split.
export function allocSQL(ratios, n) {
  const sum = ratios.reduce((s, r) => s + r, 0);
  const scale = sum === 1 ? `(${n})::DOUBLE` : `((${n})::DOUBLE / ${sum})`;
  const k = ratios.length;
  const q = ratios.map((r) => `(${r} * ${scale})`);
  const raw = q.map((x) => `round((${x} - floor(${x})) * 1e6)`);
  const f = q.map((x, i) => `(floor(${x}) + CASE WHEN ${raw[i]} >= 1e6 THEN 1 ELSE 0 END)`);
  const rem = raw.map((r) => `(CASE WHEN ${r} >= 1e6 THEN 0 ELSE ${r} END)`);
  const left = `((${n}) - (${f.join(" + ")}))`;
  const counts = f.map((fi, i) => {
    const ahead = [];
    for (let j = 0; j < k; j++) {
      if (j === i) continue;
      ahead.push(`CASE WHEN ${rem[j]} > ${rem[i]}${j < i ? ` OR ${rem[j]} = ${rem[i]}` : ""} THEN 1 ELSE 0 END`);
    }
    return `(${fi} + CASE WHEN ${ahead.length ? ahead.join(" + ") : "0"} < ${left} THEN 1 ELSE 0 END)`;
  });
  const cuts = [];
  for (let i = 0; i < k - 1; i++) cuts.push(`(${counts.slice(0, i + 1).join(" + ")})`);
  return cuts;
}

// printResult prints a peer's one JSON object to stdout:
//   {"peer", "version", "method", "job", "aggregates": {table: {group key:
//    {column: value}}}, "fitted": {feature: {transform, mean, std, fill,
//    vocab, boundaries, train_rows}}, "phases": {name: seconds}}
// Rows per split and group are counted afterwards from the shards it wrote
// (count.mjs), outside the measured run.
export function printResult(peer, version, method, a, res) {
  process.stdout.write(JSON.stringify({ peer, version, method, job: a.job, ...res }) + "\n");
}

// parseArgs reads the one JSON argument:
// {"job": name, "input": [files], "out": dir, "threads": n}.
export function parseArgs(argv) {
  if (argv.length !== 3) {
    throw new Error(`usage: ${argv[1]} '{"job":"citibike","input":["a.parquet"],"out":"DIR","threads":2}'`);
  }
  const a = JSON.parse(argv[2]);
  const job = jobs[a.job];
  if (!job) throw new Error(`unknown job ${JSON.stringify(a.job)} (allowed: ${Object.keys(jobs).join(", ")})`);
  if (!Array.isArray(a.input) || a.input.length === 0) throw new Error("input: need at least one Parquet file");
  if (!a.out) throw new Error("out: need an output directory");
  return { ...a, spec: job, threads: a.threads || 2 };
}

// num turns a DuckDB or Polars value into a JSON number (null stays null,
// NaN becomes null: an undefined std).
export function num(v) {
  if (v === null || v === undefined) return null;
  const x = typeof v === "bigint" ? Number(v) : Number(v);
  return Number.isFinite(x) ? x : null;
}

// key turns a group value into the report's string key.
export function key(v) {
  return v === null || v === undefined ? "<null>" : String(v);
}

// fail prints the error and exits 1.
export function fail(peer, err) {
  process.stderr.write(`${peer}: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
}

// peerRequire loads a package from tools/peers/node_modules (where
// `make peers` installs them), or from SLUICE_PEERS_DIR when set.
export function peerRequire(name) {
  const dir = process.env.SLUICE_PEERS_DIR || new URL("../../tools/peers/", import.meta.url).pathname;
  return createRequire(dir.endsWith("/") ? dir + "package.json" : dir + "/package.json")(name);
}

// quantileCutoffs are the bucketize probabilities for n buckets: i/n for
// i = 1..n-1.
export function quantileCutoffs(n) {
  const out = [];
  for (let i = 1; i < n; i++) out.push(i / n);
  return out;
}
