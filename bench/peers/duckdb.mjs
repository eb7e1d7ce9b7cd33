// duckdb.mjs: the benchmark jobs of jobs.mjs in DuckDB (@duckdb/node-api),
// with SET threads to the given count.
//
// Usage: node bench/peers/duckdb.mjs '{"job":"citibike","input":[FILES],"out":"DIR","threads":2}'
//
// Prints one JSON object to stdout:
//   {"peer": "duckdb", "version": V, "job": NAME, "rows": rows written,
//    "splits": {split: rows}, "groups": {split: {group: rows}},
//    "aggregates": {table: {group key: {column: value}}}}
// and writes the shards as zstd (or lz4) Parquet under DIR/split=S/shard=K/.
import { allocate, fail, key, num, parseArgs, peerRequire, quantileCutoffs } from "./jobs.mjs";

const { DuckDBInstance, version: duckdbVersion } = peerRequire("@duckdb/node-api");

const id = (s) => `"${s.replaceAll('"', '""')}"`;
const lit = (v) => (typeof v === "string" ? `'${v.replaceAll("'", "''")}'` : v === null ? "NULL" : String(v));

async function main() {
  const a = parseArgs(process.argv);
  const job = a.spec;
  const inst = await DuckDBInstance.create(":memory:", { threads: String(a.threads) });
  const con = await inst.connect();
  const rows = async (sql) => (await con.runAndReadAll(sql)).getRowObjectsJS();

  // Scan: projection, derived columns, filter, row hashes.
  const rowKey = job.key ? id(job.key) : "filename, file_row_number";
  const src = `read_parquet([${a.input.map(lit).join(", ")}]${job.key ? "" : ", filename = true, file_row_number = true"})`;
  const cols = job.columns.map(id);
  const derived = job.derived.map((d) => `${d.sql} AS ${id(d.name)}`);
  const group = job.split && job.split.by ? id(job.split.by) : "0";
  const seed = job.split ? job.split.seed : 0;
  // A job that writes no shards (aggregates only) needs no row hashes.
  const hashes = job.output.shards === 0 ? [] : [`hash(${rowKey}, ${seed}) AS __h`, `hash(${rowKey}, ${seed + 1}) AS __h2`];
  await con.run(`CREATE TEMP TABLE base AS SELECT ${[...cols, ...derived, `${group} AS __g`, ...hashes].join(", ")}
    FROM ${src}${job.filter ? ` WHERE ${job.filter.sql}` : ""}`);

  // Aggregates see the filtered rows before label drops.
  const aggregates = {};
  for (const ag of job.aggregates) {
    const exprs = ag.compute.map(([name, fn, c]) => {
      const x = c && id(c);
      const e = { count: "count(*)", mean: `avg(${x})`, std: `stddev_samp(${x})`, max: `max(${x})`, min: `min(${x})`, sum: `sum(${x})`, count_distinct: `count(DISTINCT ${x})` }[fn];
      return `${e} AS ${id(name)}`;
    });
    const table = {};
    for (const r of await rows(`SELECT ${id(ag.by)} AS __k, ${exprs.join(", ")} FROM base GROUP BY ${id(ag.by)}`)) {
      const vals = {};
      for (const [name] of ag.compute) vals[name] = num(r[name]);
      table[key(r.__k)] = vals;
    }
    aggregates[ag.name] = table;
  }
  if (job.output.shards === 0) {
    report(job, a, { aggregates, splits: {}, groups: {}, rows: 0 });
    return;
  }

  // Exact stratified split: rank within the group by (hash, key), cut at
  // the largest-remainder counts.
  const kept = job.label ? `base WHERE ${id(job.label)} IS NOT NULL` : "base";
  const names = job.split ? job.split.ratios.map((r) => r[0]) : ["train"];
  if (names.length === 1) {
    await con.run(`CREATE TEMP TABLE s AS SELECT *, 0 AS __split FROM ${kept}`);
  } else {
    const ratios = job.split.ratios.map((r) => r[1]);
    const sizes = await rows(`SELECT __g, count(*) AS n FROM ${kept} GROUP BY __g`);
    const cuts = sizes.map((r) => {
      let c = 0;
      return [r.__g, ...allocate(Number(r.n), ratios).slice(0, -1).map((x) => (c += x))];
    });
    const cutCols = cuts[0].slice(1).map((_, i) => `c${i}`);
    await con.run(`CREATE TEMP TABLE bounds AS SELECT * FROM (VALUES ${cuts.map((r) => `(${r.map(lit).join(", ")})`).join(", ")}) t(__g, ${cutCols.join(", ")})`);
    const when = cutCols.map((c, i) => `WHEN __rn <= b.${c} THEN ${i}`).join(" ");
    await con.run(`CREATE TEMP TABLE s AS SELECT r.*, CASE ${when} ELSE ${cutCols.length} END AS __split
      FROM (SELECT *, row_number() OVER (PARTITION BY __g ORDER BY __h, __h2) AS __rn FROM ${kept}) r JOIN bounds b ON r.__g = b.__g`);
  }

  // Fit on train, then the output expressions.
  const out = [];
  for (const f of job.features) out.push(...(await feature(rows, f)).map(([e, n]) => `${e} AS ${id(n)}`));
  if (job.label) out.push(id(job.label));
  for (const k of job.keep) out.push(id(k));
  if (job.split && job.split.by) out.push(`__g AS bench_group`);
  const splitName = `CASE __split ${names.map((n, i) => `WHEN ${i} THEN ${lit(n)}`).join(" ")} END`;
  const shard = `(row_number() OVER (PARTITION BY __split ORDER BY __h2, __h) - 1) * ${job.output.shards} // count(*) OVER (PARTITION BY __split)`;
  const codec = job.output.compression === "lz4" ? "lz4_raw" : job.output.compression;
  await con.run(`COPY (SELECT ${out.join(", ")}, ${splitName} AS split, ${shard} AS shard FROM s ORDER BY __split, __h2)
    TO ${lit(a.out)} (FORMAT parquet, COMPRESSION ${codec}, PARTITION_BY (split, shard), OVERWRITE_OR_IGNORE)`);

  const splits = {}, groups = {};
  let total = 0;
  for (const r of await rows(`SELECT __split, __g, count(*) AS n FROM s GROUP BY __split, __g`)) {
    const name = names[r.__split], n = Number(r.n);
    splits[name] = (splits[name] || 0) + n;
    total += n;
    if (job.split && job.split.by) (groups[name] ||= {})[key(r.__g)] = n;
  }
  report(job, a, { aggregates, splits, groups, rows: total });
}

// feature fits f on the train rows of s and returns its output
// expressions as [sql, column name] pairs.
async function feature(rows, f) {
  const x = id(f.name);
  const train = `FROM s WHERE __split = 0`;
  switch (f.transform) {
    case "zscore":
    case "log1p": {
      let v = x;
      if (f.fill === "median") {
        const [m] = await rows(`SELECT quantile_cont(${x}, 0.5) AS m ${train}`);
        v = `coalesce(${x}, ${num(m.m)})`;
      }
      if (f.transform === "log1p") v = `ln(1 + ${v})`;
      const [st] = await rows(`SELECT avg(${v}) AS mean, stddev_samp(${v}) AS std ${train}`);
      const std = num(st.std) || 1;
      return [[`CAST((${v} - ${num(st.mean)}) / ${std} AS FLOAT)`, f.name]];
    }
    case "minmax": {
      const [st] = await rows(`SELECT min(${x}) AS lo, max(${x}) AS hi ${train}`);
      const lo = num(st.lo), span = num(st.hi) - lo || 1;
      return [[`CAST((${x} - ${lo}) / ${span} AS FLOAT)`, f.name]];
    }
    case "vocab": {
      const vocab = await rows(`SELECT ${x} AS v, count(*) AS c ${train} AND ${x} IS NOT NULL GROUP BY ${x}
        HAVING count(*) >= ${f.minCount || 1} ORDER BY c DESC, v${f.topK ? ` LIMIT ${f.topK}` : ""}`);
      if (vocab.length === 0) return [["CAST(0 AS INTEGER)", f.name]];
      const cases = vocab.map((r, i) => `WHEN ${lit(typeof r.v === "bigint" ? Number(r.v) : r.v)} THEN ${i + 1}`).join(" ");
      return [[`CAST(CASE ${x} ${cases} ELSE 0 END AS INTEGER)`, f.name]];
    }
    case "hash":
      return [[`CAST(hash(${x}) % ${f.buckets} AS INTEGER)`, f.name]];
    case "onehot": {
      const vals = (await rows(`SELECT DISTINCT ${x} AS v ${train} AND ${x} IS NOT NULL ORDER BY v`)).map((r) => (typeof r.v === "bigint" ? Number(r.v) : r.v));
      const cols = vals.map((v) => [`CAST(coalesce(${x} = ${lit(v)}, false) AS FLOAT)`, `${f.name}=${v}`]);
      const known = vals.length ? `${x} IN (${vals.map(lit).join(", ")})` : "false";
      cols.push([`CAST(NOT coalesce(${known}, false) AS FLOAT)`, `${f.name}=__oov__`]);
      return cols;
    }
    case "bucketize": {
      const ps = quantileCutoffs(f.buckets);
      const [q] = await rows(`SELECT quantile_disc(${x}, [${ps.join(", ")}]) AS b ${train}`);
      const bounds = [...new Set(q.b.map(num))];
      return [[`CAST(${bounds.map((b) => `(${x} >= ${b})::INTEGER`).join(" + ") || "0"} AS INTEGER)`, f.name]];
    }
  }
  throw new Error(`feature ${f.name}: transform ${f.transform} is not one of zscore, log1p, minmax, vocab, hash, onehot, bucketize`);
}

function report(job, a, res) {
  process.stdout.write(JSON.stringify({ peer: "duckdb", version: duckdbVersion(), job: a.job, ...res }) + "\n");
}

main().catch((e) => fail("duckdb.mjs", e));
