// polars.mjs: the benchmark jobs of jobs.mjs in Polars (nodejs-polars).
// The thread count comes from POLARS_MAX_THREADS, which `driver bench` sets
// to the given count before starting this script.
//
// Usage: node bench/peers/polars.mjs '{"job":"citibike","input":[FILES],"out":"DIR","threads":2}'
//
// Prints one JSON object to stdout, as duckdb.mjs does (peer "polars"), and
// writes the shards as Parquet under DIR/SPLIT/part-K.parquet.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { allocate, fail, key, num, parseArgs, peerRequire, quantileCutoffs } from "./jobs.mjs";

const pl = peerRequire("nodejs-polars");

function main() {
  const a = parseArgs(process.argv);
  const job = a.spec;
  if (String(process.env.POLARS_MAX_THREADS) !== String(a.threads)) {
    throw new Error(`POLARS_MAX_THREADS is ${process.env.POLARS_MAX_THREADS}, want ${a.threads}: set it before starting node`);
  }

  // Scan: projection, derived columns, filter, row hashes.
  let lf = pl.concat(a.input.map((f) => pl.scanParquet(f).select(...job.columns)));
  let rowKey = job.key;
  if (!rowKey) {
    lf = lf.withRowIndex("__rid");
    rowKey = "__rid";
  }
  if (job.derived.length) lf = lf.withColumns(...job.derived.map((d) => d.polars(pl).alias(d.name)));
  if (job.filter) lf = lf.filter(job.filter.polars(pl));
  const seed = job.split ? job.split.seed : 0;
  const group = job.split && job.split.by ? pl.col(job.split.by).cast(pl.Utf8) : pl.lit(0);
  // A job that writes no shards (aggregates only) needs no row hashes.
  const hashes = job.output.shards === 0 ? [] : [pl.col(rowKey).hash(seed).alias("__h"), pl.col(rowKey).hash(seed + 1).alias("__h2")];
  const base = lf.withColumns(group.alias("__g"), ...hashes).collectSync();

  // Aggregates see the filtered rows before label drops.
  const aggregates = {};
  for (const ag of job.aggregates) {
    const exprs = ag.compute.map(([name, fn, c]) => {
      const x = c && pl.col(c);
      const e = { count: () => pl.len(), mean: () => x.mean(), std: () => x.std(), max: () => x.max(), min: () => x.min(), sum: () => x.sum(), count_distinct: () => x.nUnique() }[fn]();
      return e.alias(name);
    });
    const table = {};
    for (const r of base.groupBy(ag.by).agg(...exprs).toRecords()) {
      const vals = {};
      for (const [name] of ag.compute) vals[name] = num(r[name]);
      table[key(r[ag.by])] = vals;
    }
    aggregates[ag.name] = table;
  }
  if (job.output.shards === 0) {
    report(a, { aggregates, splits: {}, groups: {}, rows: 0 });
    return;
  }

  // Exact stratified split: rank within the group by hash, cut at the
  // largest-remainder counts.
  const kept = job.label ? base.filter(pl.col(job.label).isNotNull()) : base;
  const names = job.split ? job.split.ratios.map((r) => r[0]) : ["train"];
  let s;
  if (names.length === 1) {
    s = kept.withColumns(pl.lit(0).alias("__split"));
  } else {
    const ratios = job.split.ratios.map((r) => r[1]);
    const sizes = kept.groupBy("__g").agg(pl.len().alias("n")).toRecords();
    const cols = { __g: sizes.map((r) => r.__g) };
    for (let i = 0; i < ratios.length - 1; i++) cols[`__c${i}`] = [];
    for (const r of sizes) {
      let c = 0;
      allocate(Number(r.n), ratios).slice(0, -1).forEach((x, i) => cols[`__c${i}`].push((c += x)));
    }
    const bounds = pl.DataFrame(cols).withColumns(pl.col("__g").cast(kept.getColumn("__g").dtype));
    s = kept.withColumns(pl.col("__h").rank("ordinal").over("__g").cast(pl.Int64).alias("__rn")).join(bounds, { on: "__g" });
    let cond = pl.when(pl.col("__rn").ltEq(pl.col("__c0"))).then(pl.lit(0));
    for (let i = 1; i < ratios.length - 1; i++) cond = cond.when(pl.col("__rn").ltEq(pl.col(`__c${i}`))).then(pl.lit(i));
    s = s.withColumns(cond.otherwise(pl.lit(ratios.length - 1)).alias("__split"));
  }

  // Fit on train, then the output columns.
  const train = s.filter(pl.col("__split").eq(0));
  const out = [];
  for (const f of job.features) out.push(...feature(train, f));
  if (job.label) out.push(pl.col(job.label));
  for (const k of job.keep) out.push(pl.col(k));
  if (job.split && job.split.by) out.push(pl.col("__g").alias("bench_group"));
  const outDF = s.select(...out, pl.col("__split"), pl.col("__h2"));

  const splits = {}, groups = {};
  let total = 0;
  const codec = job.output.compression;
  names.forEach((name, i) => {
    const part = outDF.filter(pl.col("__split").eq(i)).sort("__h2").drop("__split", "__h2");
    const n = part.height, S = job.output.shards;
    splits[name] = n;
    total += n;
    mkdirSync(join(a.out, name), { recursive: true });
    for (let j = 0; j < S; j++) {
      const lo = Math.floor((j * n) / S), hi = Math.floor(((j + 1) * n) / S);
      part.slice(lo, hi - lo).writeParquet(join(a.out, name, `part-${String(j).padStart(5, "0")}.parquet`), { compression: codec });
    }
  });
  if (job.split && job.split.by) {
    for (const r of s.groupBy(["__split", "__g"]).agg(pl.len().alias("n")).toRecords()) {
      (groups[names[r.__split]] ||= {})[key(r.__g)] = Number(r.n);
    }
  }
  report(a, { aggregates, splits, groups, rows: total });
}

// feature fits f on the train rows and returns its output expressions.
function feature(train, f) {
  const x = pl.col(f.name);
  switch (f.transform) {
    case "zscore":
    case "log1p": {
      let v = x.cast(pl.Float64);
      if (f.fill === "median") v = v.fillNull(pl.lit(num(train.getColumn(f.name).median())));
      if (f.transform === "log1p") v = v.log1p();
      const st = train.select(v.mean().alias("m"), v.std().alias("s")).toRecords()[0];
      return [v.sub(pl.lit(num(st.m))).div(pl.lit(num(st.s) || 1)).cast(pl.Float32).alias(f.name)];
    }
    case "minmax": {
      const col = train.getColumn(f.name);
      const lo = num(col.min()), span = num(col.max()) - lo || 1;
      return [x.cast(pl.Float64).sub(pl.lit(lo)).div(pl.lit(span)).cast(pl.Float32).alias(f.name)];
    }
    case "vocab": {
      let vocab = train.filter(x.isNotNull()).groupBy(f.name).agg(pl.len().alias("c"))
        .filter(pl.col("c").gtEq(f.minCount || 1)).sort(["c", f.name], [true, false]);
      if (f.topK) vocab = vocab.head(f.topK);
      const vals = vocab.getColumn(f.name).toArray();
      const cast = typeof vals[0] === "bigint" ? (v) => Number(v) : (v) => v;
      // replaceStrict maps each vocabulary value to its id, others to 0.
      return [x.replaceStrict(vals.map(cast), vals.map((_, i) => i + 1), pl.lit(0), pl.Int32).alias(f.name)];
    }
    case "hash":
      return [x.hash(0).cast(pl.UInt64).modulo(pl.lit(f.buckets).cast(pl.UInt64)).cast(pl.Int32).alias(f.name)];
    case "onehot": {
      const vals = train.filter(x.isNotNull()).getColumn(f.name).cast(pl.Utf8).unique().sort().toArray();
      const xs = x.cast(pl.Utf8);
      const cols = vals.map((v) => xs.eq(pl.lit(v)).fillNull(false).cast(pl.Float32).alias(`${f.name}=${v}`));
      cols.push(xs.isIn(vals).fillNull(false).not().cast(pl.Float32).alias(`${f.name}=__oov__`));
      return cols;
    }
    case "bucketize": {
      const col = train.getColumn(f.name);
      const bounds = [...new Set(quantileCutoffs(f.buckets).map((p) => num(col.quantile(p, "lower"))))];
      let e = pl.lit(0).cast(pl.Int32);
      for (const b of bounds) e = e.add(x.gtEq(pl.lit(b)).cast(pl.Int32));
      return [e.cast(pl.Int32).alias(f.name)];
    }
  }
  throw new Error(`feature ${f.name}: transform ${f.transform} is not one of zscore, log1p, minmax, vocab, hash, onehot, bucketize`);
}

function report(a, res) {
  process.stdout.write(JSON.stringify({ peer: "polars", version: pl.version, job: a.job, ...res }) + "\n");
}

try {
  main();
} catch (e) {
  fail("polars.mjs", e);
}
