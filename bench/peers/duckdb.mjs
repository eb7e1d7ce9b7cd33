// duckdb.mjs: the benchmark jobs of jobs.mjs in DuckDB (@duckdb/node-api),
// written the way DuckDB is best used: SQL pipelines straight from
// read_parquet (no temporary copies of the input), the row hashes computed
// inline, and no sort of all the rows. The exact split's cut rows (per
// group: the last row of each split in (hash, key) order) and the shards'
// start rows (per split, by the second hash) are found by selection on the
// hash: one pass counts the rows per (group, top bits of the hash), which
// gives the bucket that holds each cut rank, and a second pass ranks with
// row_number() only the rows of those few buckets. The cut rows go into
// two small tables that the rows join (a row's split and shard are
// comparisons with them), a vocabulary's indexes are looked up by a join
// with a small (value, index) table, and the shards are written by one
// COPY ... PARTITION_BY (split, shard), with preserve_insertion_order off
// and SET threads to the given count. (row_number() windows over all the narrow
// (group, hash, key) rows took about 3x the time of the selection; a
// 1000-branch CASE for a vocabulary, about 10x the time of the join.)
//
// Usage: node bench/peers/duckdb.mjs '{"job":"citibike","input":[FILES],"out":"DIR","threads":2}'
//
// Prints one JSON object to stdout (see printResult in jobs.mjs) and writes
// the shards as zstd (or lz4) Parquet under DIR/split=S/shard=K/. DuckDB
// has no built-in Arrow IPC file writer, so a job with Arrow output gets
// Parquet shards here (the report says so in the method).
import { allocSQL, fail, key, num, parseArgs, peerRequire, printResult, quantileCutoffs } from "./jobs.mjs";

const { DuckDBInstance, version: duckdbVersion } = peerRequire("@duckdb/node-api");

const id = (s) => `"${s.replaceAll('"', '""')}"`;
const lit = (v) => (typeof v === "string" ? `'${v.replaceAll("'", "''")}'` : v === null ? "NULL" : String(v));
// dbl is a number as a DOUBLE literal (a literal with a fraction would be a
// DECIMAL, and the arithmetic on it DECIMAL too, several times slower).
const dbl = (v) => (v === null ? "NULL" : `${v}::DOUBLE`);

export const method = "SQL pipelines from read_parquet, hash() inline; the split's and the shards' cut rows " +
  "by selection on the hash (counts per (group, top bits of the hash), then row_number() over the rows of the buckets " +
  "that hold the cut ranks) into two small tables, joined to the rows; vocabularies by a join; " +
  "one COPY ... (FORMAT parquet, PARTITION_BY (split, shard)) with preserve_insertion_order=false";

async function main() {
  const a = parseArgs(process.argv);
  const job = a.spec;
  const inst = await DuckDBInstance.create(":memory:", { threads: String(a.threads) });
  const con = await inst.connect();
  await con.run("SET preserve_insertion_order = false");
  const rows = async (sql) => (await con.runAndReadAll(sql)).getRowObjectsJS();
  const phases = {};
  const phase = async (name, fn) => {
    const t0 = performance.now();
    const r = await fn();
    phases[name] = (performance.now() - t0) / 1000;
    return r;
  };

  const src = `read_parquet([${a.input.map(lit).join(", ")}]${job.key ? "" : ", filename = true, file_row_number = true"})`;
  const rowKey = job.key ? id(job.key) : "filename, file_row_number";
  const where = job.filter ? ` WHERE ${job.filter.sql}` : "";
  const derived = job.derived.map((d) => `${d.sql} AS ${id(d.name)}`);

  // Aggregates see the filtered rows before label drops.
  const aggregates = {};
  await phase("aggregates", async () => {
    for (const ag of job.aggregates) {
      const exprs = ag.compute.map(([name, fn, c]) => {
        const x = c && id(c);
        const e = { count: "count(*)", mean: `avg(${x})`, std: `stddev_samp(${x})`, max: `max(${x})`, min: `min(${x})`, sum: `sum(${x})`, count_distinct: `count(DISTINCT ${x})` }[fn];
        return `${e} AS ${id(name)}`;
      });
      const table = {};
      for (const r of await rows(`SELECT ${id(ag.by)} AS __k, ${exprs.join(", ")} FROM ${src}${where} GROUP BY ${id(ag.by)}`)) {
        const vals = {};
        for (const [name] of ag.compute) vals[name] = num(r[name]);
        table[key(r.__k)] = vals;
      }
      aggregates[ag.name] = table;
    }
  });
  if (job.output.shards === 0) {
    printResult("duckdb", duckdbVersion(), method, a, { aggregates, fitted: {}, phases });
    return;
  }

  // The split, as a subquery: the kept rows with __split (0 = train).
  const seed = job.split ? job.split.seed : 0;
  const group = job.split && job.split.by ? id(job.split.by) : "0";
  const conds = [job.filter && `(${job.filter.sql})`, job.label && `${id(job.label)} IS NOT NULL`].filter(Boolean);
  const from = `FROM ${src}${conds.length ? " WHERE " + conds.join(" AND ") : ""}`;
  const cols = [...job.columns.map(id), ...(job.key ? [] : ["filename", "file_row_number"]), ...derived];
  const names = job.split ? job.split.ratios.map((r) => r[0]) : ["train"];
  const keyCols = job.key ? [id(job.key)] : ["filename", "file_row_number"];
  // A row's split is the first cut row (per group: the last row of split
  // i, in (hash, key) order) it is not above, through a join with the
  // small table of cut rows; a row's shard likewise counts the shard
  // start rows (per split) it is not below.
  let kept, splitOf;
  if (names.length === 1) {
    kept = `SELECT ${cols.join(", ")}, ${group} AS __g, 0 AS __split ${from}`;
    splitOf = `SELECT 0 AS __g, hash(${rowKey}, ${seed + 1}) AS __h, ${keyCols.join(", ")} ${from}`;
  } else {
    await phase("split", async () => {
      await cutRows(con, "__cuts", `SELECT ${group} AS __g, hash(${rowKey}, ${seed}) AS __h, ${keyCols.join(", ")} ${from}`,
        keyCols, allocSQL(job.split.ratios.map((r) => r[1]), "__n"), 8);
    });
    const when = names.slice(0, -1).map((_, i) =>
      `WHEN coalesce(${lexLE(["__h", ...keyCols], [`__c${i}_h`, ...keyCols.map((_, j) => `__c${i}_k${j}`)])}, false) THEN ${i}`).join(" ");
    const withSplit = (sel) => `SELECT __r.*, CASE ${when} ELSE ${names.length - 1} END AS __split
      FROM (SELECT ${sel}, ${group} AS __g, hash(${rowKey}, ${seed}) AS __h ${from}) __r
      LEFT JOIN __cuts ON __r.__g IS NOT DISTINCT FROM __cuts.__g`;
    kept = withSplit(cols.join(", "));
    splitOf = `SELECT __split AS __g, hash(${rowKey}, ${seed + 1}) AS __h, ${keyCols.join(", ")} FROM (${withSplit(keyCols.join(", "))})`;
  }
  const s = `(${kept})`;

  // Fit on train: every statistic in one aggregate query.
  const fitted = {};
  const joins = [];
  const out = await phase("fit", async () => fit(rows, s, job.features, fitted, joins));

  // The shard is the rank of a second hash within the split times S over
  // the split's size: shard j starts at rank ceil(j*n/S) + 1. A row's
  // shard is how many of the start rows (per split) it is not below.
  const S = job.output.shards;
  let shard = "0";
  if (S > 1) {
    const starts = [];
    for (let j = 1; j < S; j++) starts.push(`((${j} * __n + ${S - 1}) // ${S} + 1)`);
    await phase("shards", async () => cutRows(con, "__scuts", splitOf, keyCols, starts, 16));
    const h2 = `hash(${rowKey}, ${seed + 1})`;
    shard = starts.map((_, j) => `CASE WHEN coalesce(${lexLE([`__scuts.__c${j}_h`, ...keyCols.map((_, q) => `__scuts.__c${j}_k${q}`)], [h2, ...keyCols.map((k) => `__w.${k}`)])}, false) THEN 1 ELSE 0 END`).join(" + ");
  }

  // Write: the output expressions, the split's name and the shard, one
  // partitioned COPY.
  await phase("write", async () => {
    if (job.label) out.push(id(job.label));
    for (const k of job.keep) out.push(id(k));
    if (job.split && job.split.by) out.push(`__w.__g AS bench_group`);
    const splitName = `CASE __split ${names.map((n, i) => `WHEN ${i} THEN ${lit(n)}`).join(" ")} END`;
    const codec = job.output.compression === "lz4" ? "lz4_raw" : job.output.compression;
    await con.run(`COPY (SELECT ${out.join(", ")}, ${splitName} AS split, ${shard} AS shard
      FROM ${s} __w${S > 1 ? " LEFT JOIN __scuts ON __w.__split = __scuts.__g" : ""}${joins.map((j) => " " + j).join("")})
      TO ${lit(a.out)} (FORMAT parquet, COMPRESSION ${codec}, PARTITION_BY (split, shard), OVERWRITE_OR_IGNORE)`);
  });
  printResult("duckdb", duckdbVersion(), method, a, { aggregates, fitted, phases });
}

// cutRows creates the small table name of the cut rows: for each group
// __g of the rows query (columns __g, __h and the key columns), the row at
// each rank of ranks (SQL over the group size __n; 1-based, in (__h, key)
// order) as columns __c{i}_h, __c{i}_k{j} (NULL where a rank is not in
// 1..n). Without sorting the rows: a count per (group, top bits of __h)
// gives the bucket that holds each rank and the rank within it, and only
// the rows of those buckets are ranked. bits (of the hash, for the
// bucket) is chosen so that a bucket holds a few hundred rows at most: 8
// for the split's many groups, 16 for the shards' few splits.
async function cutRows(con, name, rowsSQL, keyCols, ranks, bits) {
  const b = `(__h >> ${64 - bits})`;
  await con.run(`CREATE TEMP TABLE ${name}_b AS SELECT __g, __i, __b, __r - (__cum - __c) AS __at FROM (
      SELECT __g, __b, __c, __cum, __i, CASE __i ${ranks.map((r, i) => `WHEN ${i} THEN ${r}`).join(" ")} END AS __r FROM (
        SELECT __g, __b, __c, sum(__c) OVER (PARTITION BY __g ORDER BY __b) AS __cum, sum(__c) OVER (PARTITION BY __g) AS __n
        FROM (SELECT __g, ${b} AS __b, count(*) AS __c FROM (${rowsSQL}) GROUP BY ALL)), range(${ranks.length}) __t(__i))
    WHERE __r > __cum - __c AND __r <= __cum`);
  const pick = ranks.flatMap((_, i) => [`max(CASE WHEN __i = ${i} THEN __h END) AS __c${i}_h`,
    ...keyCols.map((k, j) => `max(CASE WHEN __i = ${i} THEN ${k} END) AS __c${i}_k${j}`)]);
  await con.run(`CREATE TEMP TABLE ${name} AS SELECT __g, ${pick.join(", ")} FROM (
      SELECT __r.__g, __i, __h, ${keyCols.join(", ")}, __at,
        row_number() OVER (PARTITION BY __r.__g, __i ORDER BY __h, ${keyCols.join(", ")}) AS __rn
      FROM (${rowsSQL}) __r JOIN ${name}_b __t ON __r.__g IS NOT DISTINCT FROM __t.__g AND ${b} = __t.__b)
    WHERE __rn = __at GROUP BY __g`);
}

// lexLE is SQL for (xs) <= (ys) in lexicographic order (a NULL in ys:
// NULL).
function lexLE(xs, ys) {
  let e = `${xs[xs.length - 1]} <= ${ys[ys.length - 1]}`;
  for (let i = xs.length - 2; i >= 0; i--) e = `(${xs[i]} < ${ys[i]} OR (${xs[i]} = ${ys[i]} AND ${e}))`;
  return e;
}

// fit computes every feature's statistics on the train rows of s in one
// query, fills fitted (the report's form) and returns the output
// expressions.
async function fit(rows, s, features, fitted, joins) {
  const sel = ["count(*) AS __train"];
  for (const [i, f] of features.entries()) {
    const x = id(f.name);
    switch (f.transform) {
      case "zscore":
      case "log1p": {
        const v = f.transform === "log1p" ? `ln(1 + ${x})` : x;
        sel.push(`avg(${v}) AS m${i}`, `var_samp(${v}) AS v${i}`, `count(${v}) AS n${i}`, `kurtosis_pop(${v}) AS k${i}`);
        if (f.fill === "median") sel.push(`quantile_cont(${x}, 0.5) AS q${i}`);
        break;
      }
      case "minmax":
        sel.push(`min(${x}) AS lo${i}`, `max(${x}) AS hi${i}`);
        break;
      case "vocab":
      case "onehot":
        sel.push(`histogram(${x}) AS h${i}`);
        break;
      case "bucketize":
        sel.push(`quantile_disc(${x}, [${quantileCutoffs(f.buckets).join(", ")}]) AS b${i}`);
        break;
      case "hash":
        break;
      default:
        throw new Error(`feature ${f.name}: transform ${f.transform} is not one of zscore, log1p, minmax, vocab, hash, onehot, bucketize`);
    }
  }
  const [r] = await rows(`SELECT ${sel.join(", ")} FROM ${s} WHERE __split = 0`);
  const train = num(r.__train);
  const out = [];
  for (const [i, f] of features.entries()) {
    const x = id(f.name);
    switch (f.transform) {
      case "zscore":
      case "log1p": {
        // Mean and variance over the non-null values, then with the
        // nulls filled by the median (a block of equal values: Chan's
        // merge), as the fitted column has them.
        let mean = num(r[`m${i}`]), n = num(r[`n${i}`]);
        let m2 = (num(r[`v${i}`]) || 0) * (n - 1);
        let v = f.transform === "log1p" ? `ln(1 + ${x})` : x;
        let fill = null;
        if (f.fill === "median") {
          fill = num(r[`q${i}`]);
          const nb = train - n, fb = f.transform === "log1p" ? Math.log1p(fill) : fill;
          if (nb > 0) {
            const d = fb - mean, tot = n + nb;
            mean += (d * nb) / tot;
            m2 += (d * d * n * nb) / tot;
            n = tot;
          }
          v = f.transform === "log1p" ? `ln(1 + coalesce(${x}, ${dbl(fill)}))` : `coalesce(${x}, ${dbl(fill)})`;
        }
        const std = n > 1 ? Math.sqrt(m2 / (n - 1)) : 0;
        fitted[f.name] = { transform: f.transform, mean, std, kurtosis: num(r[`k${i}`]) + 3, fill, train_rows: train };
        out.push(`CAST((${v} - ${dbl(mean)}) / ${dbl(std || 1)} AS FLOAT) AS ${id(f.name)}`);
        break;
      }
      case "minmax": {
        const lo = num(r[`lo${i}`]), hi = num(r[`hi${i}`]);
        fitted[f.name] = { transform: f.transform, min: lo, max: hi, train_rows: train };
        out.push(`CAST((${x} - ${dbl(lo)}) / ${dbl(hi - lo || 1)} AS FLOAT) AS ${id(f.name)}`);
        break;
      }
      case "vocab":
      case "onehot": {
        // By count descending, then value.
        let vals = [...(r[`h${i}`] || [])].map((e) => [e.key ?? e[0], Number(e.value ?? e[1])]);
        vals = vals.filter(([v, c]) => v !== null && c >= (f.minCount || 1));
        vals.sort((p, q) => q[1] - p[1] || (p[0] < q[0] ? -1 : p[0] > q[0] ? 1 : 0));
        if (f.topK) vals = vals.slice(0, f.topK);
        const vs = vals.map(([v]) => (typeof v === "bigint" ? Number(v) : v));
        fitted[f.name] = { transform: f.transform, vocab: vs.map(String), train_rows: train };
        if (f.transform === "vocab") {
          // The index by a join with the (value, index) table.
          if (vs.length) joins.push(`LEFT JOIN (VALUES ${vs.map((v, j) => `(${lit(v)}, ${j + 1})`).join(", ")}) __v${i}(__v${i}_x, __v${i}_i) ON ${x} = __v${i}_x`);
          out.push(`CAST(${vs.length ? `coalesce(__v${i}_i, 0)` : "0"} AS INTEGER) AS ${id(f.name)}`);
        } else {
          for (const v of vs) out.push(`CAST(coalesce(${x} = ${lit(v)}, false) AS FLOAT) AS ${id(`${f.name}=${v}`)}`);
          const known = vs.length ? `${x} IN (${vs.map(lit).join(", ")})` : "false";
          out.push(`CAST(NOT coalesce(${known}, false) AS FLOAT) AS ${id(`${f.name}=__oov__`)}`);
        }
        break;
      }
      case "hash":
        fitted[f.name] = { transform: f.transform, buckets: f.buckets };
        out.push(`CAST(hash(${x}) % ${f.buckets} AS INTEGER) AS ${id(f.name)}`);
        break;
      case "bucketize": {
        const bounds = [...new Set((r[`b${i}`] || []).map(num))];
        fitted[f.name] = { transform: f.transform, boundaries: bounds, buckets: f.buckets, train_rows: train };
        out.push(`CAST(${bounds.map((b) => `(${x} >= ${b})::INTEGER`).join(" + ") || "0"} AS INTEGER) AS ${id(f.name)}`);
        break;
      }
    }
  }
  return out;
}

main().catch((e) => fail("duckdb.mjs", e));
