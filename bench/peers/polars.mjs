// polars.mjs: the benchmark jobs of jobs.mjs in Polars (nodejs-polars),
// written the way Polars is best used: one lazy query from scan_parquet,
// the exact split as the rank of the row hash within its group (and the
// group size as a window count), every fitted statistic in one select over
// the train rows, and each shard written by the streaming sink. The thread
// count comes from POLARS_MAX_THREADS, which `driver bench` sets to the
// given count before starting this script.
//
// Usage: node bench/peers/polars.mjs '{"job":"citibike","input":[FILES],"out":"DIR","threads":2}'
//
// Prints one JSON object to stdout (see printResult in jobs.mjs) and writes
// the shards (Parquet, or Arrow IPC for a job with Arrow output) under
// DIR/split=S/shard=K/.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fail, key, num, parseArgs, peerRequire, printResult, quantileCutoffs } from "./jobs.mjs";

const pl = peerRequire("nodejs-polars");

const method = "lazy scan_parquet; rank(h, ordinal).over(group) with len().over(group) for the split; " +
  "the split frame collected once; all fitted statistics in one select; shards by rank of a second hash within the split, " +
  "each written with sink_parquet / sink_ipc";

function main() {
  const a = parseArgs(process.argv);
  const job = a.spec;
  if (String(process.env.POLARS_MAX_THREADS) !== String(a.threads)) {
    throw new Error(`POLARS_MAX_THREADS is ${process.env.POLARS_MAX_THREADS}, want ${a.threads}: set it before starting node`);
  }
  const phases = {};
  const phase = (name, fn) => {
    const t0 = performance.now();
    const r = fn();
    phases[name] = (performance.now() - t0) / 1000;
    return r;
  };

  let lf = pl.concat(a.input.map((f) => pl.scanParquet(f).select(...job.columns)));
  let rowKey = job.key;
  if (!rowKey) {
    lf = lf.withRowIndex("__rid");
    rowKey = "__rid";
  }
  if (job.derived.length) lf = lf.withColumns(...job.derived.map((d) => d.polars(pl).alias(d.name)));
  if (job.filter) lf = lf.filter(job.filter.polars(pl));

  // Aggregates see the filtered rows before label drops.
  const aggregates = {};
  phase("aggregates", () => {
    for (const ag of job.aggregates) {
      const exprs = ag.compute.map(([name, fn, c]) => {
        const x = c && pl.col(c);
        const e = { count: () => pl.len(), mean: () => x.mean(), std: () => x.std(), max: () => x.max(), min: () => x.min(), sum: () => x.sum(), count_distinct: () => x.nUnique() }[fn]();
        return e.alias(name);
      });
      const table = {};
      for (const r of lf.groupBy(ag.by).agg(...exprs).collectSync().toRecords()) {
        const vals = {};
        for (const [name] of ag.compute) vals[name] = num(r[name]);
        table[key(r[ag.by])] = vals;
      }
      aggregates[ag.name] = table;
    }
  });
  if (job.output.shards === 0) {
    printResult("polars", pl.version, method, a, { aggregates, fitted: {}, phases });
    return;
  }

  // The split: rank of the row hash within the group, cut at the
  // largest-remainder counts of the group size.
  const seed = job.split ? job.split.seed : 0;
  const names = job.split ? job.split.ratios.map((r) => r[0]) : ["train"];
  let kept = job.label ? lf.filter(pl.col(job.label).isNotNull()) : lf;
  const group = job.split && job.split.by ? pl.col(job.split.by) : pl.lit(0);
  kept = kept.withColumns(group.alias("__g"), pl.col(rowKey).hash(seed).alias("__h"), pl.col(rowKey).hash(seed + 1).alias("__h2"));
  const s = phase("split", () => {
    if (names.length === 1) return kept.withColumns(pl.lit(0).alias("__split")).collectSync();
    const ratios = job.split.ratios.map((r) => r[1]);
    const withRank = kept.withColumns(
      pl.col("__h").rank("ordinal").over("__g").cast(pl.Int64).alias("__rn"),
      pl.len().over("__g").cast(pl.Int64).alias("__n"),
    );
    const cuts = allocExpr(ratios, pl.col("__n"));
    let cond = pl.when(pl.col("__rn").ltEq(cuts[0])).then(pl.lit(0));
    for (let i = 1; i < cuts.length; i++) cond = cond.when(pl.col("__rn").ltEq(cuts[i])).then(pl.lit(i));
    return withRank.withColumns(cond.otherwise(pl.lit(cuts.length)).alias("__split")).collectSync();
  });

  // Fit on train: every statistic in one select.
  const fitted = {};
  const out = phase("fit", () => fit(s.lazy().filter(pl.col("__split").eq(0)), job.features, fitted));

  // Write: the shard by rank of the second hash within the split; each
  // (split, shard) through the streaming sink.
  phase("write", () => {
    if (job.label) out.push(pl.col(job.label));
    for (const k of job.keep) out.push(pl.col(k));
    if (job.split && job.split.by) out.push(pl.col("__g").cast(pl.Utf8).alias("bench_group"));
    const S = job.output.shards;
    // (rank-1)*S/n in float64 is exact before the floor for any n < 2^31.
    const shard = pl.col("__h2").rank("ordinal").over("__split").cast(pl.Float64).sub(1).mul(S)
      .div(pl.len().over("__split").cast(pl.Float64)).floor().cast(pl.Int64).alias("__shard");
    const outDF = s.lazy().withColumns(shard).select(...out, pl.col("__split"), pl.col("__shard")).collectSync();
    const arrow = job.output.format === "arrow";
    for (const part of outDF.partitionBy(["__split", "__shard"], false, true)) {
      const sp = part.getColumn("__split").get(0), sh = part.getColumn("__shard").get(0);
      const dir = join(a.out, `split=${names[sp]}`, `shard=${sh}`);
      const body = part.drop("__split", "__shard");
      if (arrow) {
        mkdirSync(dir, { recursive: true });
        body.writeIPC(join(dir, "part-0.arrow"), { compression: job.output.compression });
      } else {
        body.lazy().sinkParquet(join(dir, "part-0.parquet"), { compression: job.output.compression, mkdir: true }).collectSync();
      }
    }
  });
  printResult("polars", pl.version, method, a, { aggregates, fitted, phases });
}

// allocExpr is allocate() of jobs.mjs as Polars expressions over a group
// size n: the cumulative cut ranks (k-1 expressions for k ratios).
function allocExpr(ratios, n) {
  const sum = ratios.reduce((s, r) => s + r, 0);
  const scale = sum === 1 ? n.cast(pl.Float64) : n.cast(pl.Float64).div(pl.lit(sum));
  const k = ratios.length;
  const q = ratios.map((r) => scale.mul(pl.lit(r)));
  const raw = q.map((x) => x.sub(x.floor()).mul(pl.lit(1e6)).round(0));
  const big = raw.map((r) => r.gtEq(pl.lit(1e6)));
  const f = q.map((x, i) => x.floor().add(big[i].cast(pl.Float64)));
  const rem = raw.map((r, i) => pl.when(big[i]).then(pl.lit(0)).otherwise(r));
  const left = n.cast(pl.Float64).sub(f.reduce((a, b) => a.add(b)));
  const counts = f.map((fi, i) => {
    let ahead = pl.lit(0);
    for (let j = 0; j < k; j++) {
      if (j === i) continue;
      let c = rem[j].gt(rem[i]);
      if (j < i) c = c.or(rem[j].eq(rem[i]));
      ahead = ahead.add(c.cast(pl.Float64));
    }
    return fi.add(ahead.lt(left).cast(pl.Float64));
  });
  const cuts = [];
  let c = null;
  for (let i = 0; i < k - 1; i++) {
    c = c === null ? counts[i] : c.add(counts[i]);
    cuts.push(c);
  }
  return cuts;
}

// fit computes every feature's statistics on the train rows in one
// select, fills fitted (the report's form) and returns the output
// expressions.
function fit(train, features, fitted) {
  const sel = [pl.len().alias("__train")];
  const cats = [];
  for (const [i, f] of features.entries()) {
    const x = pl.col(f.name).cast(pl.Float64);
    switch (f.transform) {
      case "zscore":
      case "log1p":
        if (f.fill === "median") sel.push(x.median().alias(`q${i}`));
        break;
      case "minmax":
        sel.push(x.min().alias(`lo${i}`), x.max().alias(`hi${i}`));
        break;
      case "bucketize":
        for (const [j, p] of quantileCutoffs(f.buckets).entries()) sel.push(pl.col(f.name).quantile(p, "lower").alias(`b${i}_${j}`));
        break;
      case "vocab":
      case "onehot":
        cats.push([i, f]);
        break;
      case "hash":
        break;
      default:
        throw new Error(`feature ${f.name}: transform ${f.transform} is not one of zscore, log1p, minmax, vocab, hash, onehot, bucketize`);
    }
  }
  const r0 = train.select(...sel).collectSync().toRecords()[0];
  // The filled values' mean and std need the median first: a second
  // select, still one pass.
  const sel2 = [pl.len().alias("__train")];
  const value = (i, f) => {
    let v = pl.col(f.name).cast(pl.Float64);
    if (f.fill === "median") v = v.fillNull(pl.lit(num(r0[`q${i}`])));
    return f.transform === "log1p" ? v.log1p() : v;
  };
  for (const [i, f] of features.entries()) {
    if (f.transform === "zscore" || f.transform === "log1p") sel2.push(value(i, f).mean().alias(`m${i}`), value(i, f).std().alias(`s${i}`), value(i, f).kurtosis(false).alias(`k${i}`));
  }
  const r = { ...r0, ...train.select(...sel2).collectSync().toRecords()[0] };
  const trainRows = num(r.__train);
  const out = [];
  for (const [i, f] of features.entries()) {
    const x = pl.col(f.name);
    switch (f.transform) {
      case "zscore":
      case "log1p": {
        const mean = num(r[`m${i}`]), std = num(r[`s${i}`]);
        fitted[f.name] = { transform: f.transform, mean, std, kurtosis: num(r[`k${i}`]), fill: f.fill === "median" ? num(r[`q${i}`]) : null, train_rows: trainRows };
        out.push(value(i, f).sub(pl.lit(mean)).div(pl.lit(std || 1)).cast(pl.Float32).alias(f.name));
        break;
      }
      case "minmax": {
        const lo = num(r[`lo${i}`]), span = num(r[`hi${i}`]) - lo || 1;
        fitted[f.name] = { transform: f.transform, min: lo, max: num(r[`hi${i}`]), train_rows: trainRows };
        out.push(x.cast(pl.Float64).sub(pl.lit(lo)).div(pl.lit(span)).cast(pl.Float32).alias(f.name));
        break;
      }
      case "vocab":
      case "onehot": {
        // By count descending, then value.
        let counts = train.filter(x.isNotNull()).groupBy(f.name).agg(pl.len().alias("c"))
          .filter(pl.col("c").gtEq(f.minCount || 1)).sort(["c", f.name], [true, false]);
        if (f.topK) counts = counts.head(f.topK);
        const vals = counts.collectSync().getColumn(f.name).toArray().map((v) => (typeof v === "bigint" ? Number(v) : v));
        fitted[f.name] = { transform: f.transform, vocab: vals.map(String), train_rows: trainRows };
        if (f.transform === "vocab") {
          // replaceStrict maps each vocabulary value to its id, others to 0.
          out.push(x.replaceStrict(vals, vals.map((_, j) => j + 1), pl.lit(0), pl.Int32).alias(f.name));
        } else {
          for (const v of vals) out.push(x.eq(pl.lit(v)).fillNull(false).cast(pl.Float32).alias(`${f.name}=${v}`));
          out.push(x.isIn(vals).fillNull(false).not().cast(pl.Float32).alias(`${f.name}=__oov__`));
        }
        break;
      }
      case "hash":
        fitted[f.name] = { transform: f.transform, buckets: f.buckets };
        out.push(x.hash(0).cast(pl.UInt64).modulo(pl.lit(f.buckets).cast(pl.UInt64)).cast(pl.Int32).alias(f.name));
        break;
      case "bucketize": {
        const bounds = [...new Set(quantileCutoffs(f.buckets).map((_, j) => num(r[`b${i}_${j}`])))];
        fitted[f.name] = { transform: f.transform, boundaries: bounds, buckets: f.buckets, train_rows: trainRows };
        let e = pl.lit(0).cast(pl.Int32);
        for (const b of bounds) e = e.add(x.gtEq(pl.lit(b)).cast(pl.Int32));
        out.push(e.cast(pl.Int32).alias(f.name));
        break;
      }
    }
  }
  return out;
}

try {
  main();
} catch (e) {
  fail("polars.mjs", e);
}
