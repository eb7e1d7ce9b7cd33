// duckdb.mjs: the benchmark jobs of jobs.mjs in DuckDB (@duckdb/node-api),
// written the way DuckDB is best used: SQL pipelines straight from
// read_parquet (no temporary copies of the input), the row hashes computed
// inline, the exact split as one window row_number() OVER (PARTITION BY
// group ORDER BY h, key) with the group size as a window count, and the
// shards written by one COPY ... PARTITION_BY (split, shard), with
// preserve_insertion_order off and SET threads to the given count.
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

export const method = "one SQL pipeline per phase from read_parquet (no temp tables), hash() inline, " +
  "row_number() OVER (PARTITION BY group ORDER BY h, key) with count(*) OVER (PARTITION BY group) for the split, " +
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
  let s;
  if (names.length === 1) {
    s = `(SELECT *, 0 AS __split FROM (${kept}))`;
  } else {
    const cuts = allocSQL(job.split.ratios.map((r) => r[1]), "__n");
    const when = cuts.map((c, i) => `WHEN __rn <= ${c} THEN ${i}`).join(" ");
    s = `(SELECT *, CASE ${when} ELSE ${cuts.length} END AS __split FROM (
      SELECT *, row_number() OVER (PARTITION BY __g ORDER BY __h, ${rowKey}) AS __rn, count(*) OVER (PARTITION BY __g) AS __n
      FROM (${kept})))`;
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
    const S = job.output.shards;
    const shard = `(row_number() OVER (PARTITION BY __split ORDER BY hash(${rowKey}, ${seed + 1}), ${rowKey}) - 1) * ${S} // count(*) OVER (PARTITION BY __split)`;
    const codec = job.output.compression === "lz4" ? "lz4_raw" : job.output.compression;
    await con.run(`COPY (SELECT ${out.join(", ")}, ${splitName} AS split, ${shard} AS shard FROM ${s})
      TO ${lit(a.out)} (FORMAT parquet, COMPRESSION ${codec}, PARTITION_BY (split, shard), OVERWRITE_OR_IGNORE)`);
  });
  printResult("duckdb", duckdbVersion(), method, a, { aggregates, fitted, phases });
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
