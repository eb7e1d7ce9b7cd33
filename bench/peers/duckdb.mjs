// duckdb.mjs: the benchmark jobs of jobs.mjs in DuckDB (@duckdb/node-api),
// written the way DuckDB is best used: SQL pipelines straight from
// read_parquet (no temporary copies of the input), the row hashes computed
// inline, no sort of the wide rows: the exact split's cut rows (per group)
// and the shards' cut rows (per split) come from row_number() windows over
// the narrow (group or split, hash, key) rows into two small tables that the
// rows join, and the shards are written by one COPY ... PARTITION_BY
// (split, shard), with preserve_insertion_order off and SET threads to the
// given count. (Windows over the wide rows, evaluated for the fit and again
// for the write, took 1.6x the time, 1.6x the CPU and 3x the memory on the
// 33.3M-row citibike job, for the same shards.)
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

export const method = "SQL pipelines from read_parquet, hash() inline; the split's and the shards' cut rows from " +
  "row_number() windows over the narrow (group, hash, key) rows into two small tables, joined to the rows; " +
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
  const cols = [...job.columns.map(id), ...(job.key ? [] : ["filename", "file_row_number"]), ...derived];
  const kept = `SELECT ${cols.join(", ")}, ${group} AS __g, hash(${rowKey}, ${seed}) AS __h
    FROM ${src}${conds.length ? " WHERE " + conds.join(" AND ") : ""}`;
  const names = job.split ? job.split.ratios.map((r) => r[0]) : ["train"];
  // The exact split without sorting the wide rows: a window over the
  // narrow (group, hash, key) rows finds, per group, the row at each cut
  // (rank c_i: the last row of split i); a row's split is then the first
  // cut its (hash, key) is not above, through a join with that small table.
  const keyCols = job.key ? [id(job.key)] : ["filename", "file_row_number"];
  const narrowFrom = `FROM ${src}${conds.length ? " WHERE " + conds.join(" AND ") : ""}`;
  let s, splitOf;
  if (names.length === 1) {
    s = `(SELECT *, 0 AS __split FROM (${kept}))`;
    splitOf = `(SELECT ${keyCols.join(", ")}, 0 AS __split ${narrowFrom})`;
  } else {
    await phase("split", async () => {
      const cuts = allocSQL(job.split.ratios.map((r) => r[1]), "__n");
      const pick = cuts.flatMap((c, i) => [`max(CASE WHEN __rn = ${c} THEN __h END) AS __c${i}_h`,
        ...keyCols.map((k, j) => `max(CASE WHEN __rn = ${c} THEN ${k} END) AS __c${i}_k${j}`)]);
      await con.run(`CREATE TEMP TABLE __cuts AS SELECT __g, ${pick.join(", ")} FROM (
        SELECT __g, __h, ${keyCols.join(", ")}, row_number() OVER (PARTITION BY __g ORDER BY __h, ${keyCols.join(", ")}) AS __rn,
          count(*) OVER (PARTITION BY __g) AS __n
        FROM (SELECT ${group} AS __g, hash(${rowKey}, ${seed}) AS __h, ${keyCols.join(", ")} ${narrowFrom}))
        WHERE ${cuts.map((c) => `__rn = ${c}`).join(" OR ")} GROUP BY __g`);
    });
    const when = (pre) => names.slice(0, -1).map((_, i) =>
      `WHEN coalesce(${lexLE([`${pre}__h`, ...keyCols.map((k) => `${pre}${k}`)], [`__c${i}_h`, ...keyCols.map((_, j) => `__c${i}_k${j}`)])}, false) THEN ${i}`).join(" ");
    const splitCase = (pre) => `CASE ${when(pre)} ELSE ${names.length - 1} END`;
    s = `(SELECT __r.*, ${splitCase("__r.")} AS __split FROM (${kept}) __r LEFT JOIN __cuts ON __r.__g IS NOT DISTINCT FROM __cuts.__g)`;
    splitOf = `(SELECT ${keyCols.map((k) => `__r.${k}`).join(", ")}, ${splitCase("__r.")} AS __split
      FROM (SELECT ${group} AS __g, hash(${rowKey}, ${seed}) AS __h, ${keyCols.join(", ")} ${narrowFrom}) __r
      LEFT JOIN __cuts ON __r.__g IS NOT DISTINCT FROM __cuts.__g)`;
  }

  // Fit on train: every statistic in one aggregate query.
  const fitted = {};
  const out = await phase("fit", async () => fit(rows, s, job.features, fitted));

  // Write: the output expressions, the shard by rank of a second hash
  // within the split, one partitioned COPY.
  await phase("write", async () => {
    if (job.label) out.push(id(job.label));
    for (const k of job.keep) out.push(id(k));
    if (job.split && job.split.by) out.push(`__g AS bench_group`);
    const splitName = `CASE __split ${names.map((n, i) => `WHEN ${i} THEN ${lit(n)}`).join(" ")} END`;
    // The shard is the rank of a second hash within the split times S
    // over the split's size: shard j starts at rank ceil(j*n/S) + 1. The
    // rows at those ranks come from a window over the narrow (split, hash,
    // key) rows; a row's shard is how many of them it is not below.
    const S = job.output.shards;
    const h2 = `hash(${rowKey}, ${seed + 1})`;
    const starts = [];
    for (let j = 1; j < S; j++) starts.push(`((${j} * __n + ${S - 1}) // ${S} + 1)`);
    let shard = "0";
    if (S > 1) {
      const pick = starts.flatMap((st, j) => [`max(CASE WHEN __rn = ${st} THEN __h2 END) AS __s${j}_h`,
        ...keyCols.map((k, q) => `max(CASE WHEN __rn = ${st} THEN ${k} END) AS __s${j}_k${q}`)]);
      await con.run(`CREATE TEMP TABLE __scuts AS SELECT __split AS __ssplit, ${pick.join(", ")} FROM (
        SELECT __split, __h2, ${keyCols.join(", ")}, row_number() OVER (PARTITION BY __split ORDER BY __h2, ${keyCols.join(", ")}) AS __rn,
          count(*) OVER (PARTITION BY __split) AS __n
        FROM (SELECT __split, hash(${keyCols.join(", ")}, ${seed + 1}) AS __h2, ${keyCols.join(", ")} FROM ${splitOf}))
        WHERE ${starts.map((st) => `__rn = ${st}`).join(" OR ")} GROUP BY __split`);
      shard = starts.map((_, j) => `CASE WHEN coalesce(${lexLE([`__s${j}_h`, ...keyCols.map((_, q) => `__s${j}_k${q}`)], [h2, ...keyCols])}, false) THEN 1 ELSE 0 END`).join(" + ");
    }
    const codec = job.output.compression === "lz4" ? "lz4_raw" : job.output.compression;
    await con.run(`COPY (SELECT ${out.join(", ")}, ${splitName} AS split, ${shard} AS shard
      FROM ${s} LEFT JOIN ${S > 1 ? "__scuts" : "(SELECT NULL AS __ssplit)"} ON __split = __ssplit)
      TO ${lit(a.out)} (FORMAT parquet, COMPRESSION ${codec}, PARTITION_BY (split, shard), OVERWRITE_OR_IGNORE)`);
  });
  printResult("duckdb", duckdbVersion(), method, a, { aggregates, fitted, phases });
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
async function fit(rows, s, features, fitted) {
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
          v = f.transform === "log1p" ? `ln(1 + coalesce(${x}, ${fill}))` : `coalesce(${x}, ${fill})`;
        }
        const std = n > 1 ? Math.sqrt(m2 / (n - 1)) : 0;
        fitted[f.name] = { transform: f.transform, mean, std, kurtosis: num(r[`k${i}`]) + 3, fill, train_rows: train };
        out.push(`CAST((${v} - ${mean}) / ${std || 1} AS FLOAT) AS ${id(f.name)}`);
        break;
      }
      case "minmax": {
        const lo = num(r[`lo${i}`]), hi = num(r[`hi${i}`]);
        fitted[f.name] = { transform: f.transform, min: lo, max: hi, train_rows: train };
        out.push(`CAST((${x} - ${lo}) / ${hi - lo || 1} AS FLOAT) AS ${id(f.name)}`);
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
          const cases = vs.map((v, j) => `WHEN ${lit(v)} THEN ${j + 1}`).join(" ");
          out.push(`CAST(${vs.length ? `CASE ${x} ${cases} ELSE 0 END` : "0"} AS INTEGER) AS ${id(f.name)}`);
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
