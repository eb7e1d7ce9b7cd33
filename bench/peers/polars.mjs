// polars.mjs: the benchmark jobs of jobs.mjs in Polars (nodejs-polars),
// written the way Polars is best used: lazy queries on the streaming
// engine, the row hashes as expressions, and no sort or rank of all the
// rows. One streaming query from scan_parquet collects the filtered input
// columns once (nodejs-polars has no partitioned sink and no collect_all,
// so 16 shard files straight from the scan would be 16 scans of the
// input: 3.5x the time); every later query runs on that frame. The exact
// split's cut rows (per group: the last row of each split in (hash, key)
// order) and the shards' start rows (per split, by the second hash) are
// found by selection on the hash: value_counts counts the rows per
// (group, top bits of the hash), the cumulative counts give the bucket
// that holds each cut rank, and only the rows of those few buckets are
// sorted. A row's split is then a comparison with its group's cut row,
// gathered from the small table of cut rows by the group's categorical
// code, and its shard a comparison with its split's start rows
// (literals); both go into one Int32 column of the collected frame, by
// selects without joins, which keep the row order. The fitted statistics
// come from one select over the train rows, and a group-by per
// categorical feature; each (split, shard) is a filter of the frame
// written by the streaming sink, the group (bench_group) as the input has
// it (a categorical stays one). The thread count comes from
// POLARS_MAX_THREADS, which `driver bench` sets to the given count before
// starting this script.
//
// Usage: node bench/peers/polars.mjs '{"job":"citibike","input":[FILES],"out":"DIR","threads":2}'
//
// Prints one JSON object to stdout (see printResult in jobs.mjs) and writes
// the shards (Parquet, or Arrow IPC for a job with Arrow output) under
// DIR/split=S/shard=K/.
import { join } from "node:path";
import { fail, key, num, parseArgs, peerRequire, printResult, quantileCutoffs } from "./jobs.mjs";

const pl = peerRequire("nodejs-polars");

const method = "one streaming collect from scan_parquet of the filtered input columns (nodejs-polars has no partitioned sink " +
  "or collect_all), then streaming queries on that frame; the split's and the shards' cut rows by selection on hash() " +
  "(value_counts per (group, top bits of the hash), then a sort of only the rows of the buckets that hold the cut ranks); " +
  "a row's split and shard by comparison with its group's cut row (gathered by categorical code) and its split's start rows; " +
  "fitted statistics in one select plus a group-by per categorical feature; each shard a filter written with sink_parquet / sink_ipc";

const STREAMING = { engine: "streaming" };
// hash is a column's seeded hash. (The cast declares the type: without it
// a comparison after a join casts both sides to Float64.)
const hash = (e, seed) => e.hash(seed).cast(pl.UInt64);
// int and i64 are integer literals (a bare JS number is a Float64 one).
const int = (v) => pl.lit(v).cast(pl.Int32);
const i64 = (v) => pl.lit(v).cast(pl.Int64);
// The hash bits per bucket: the split's groups (hundreds) get 2^6
// buckets each, the shards' splits (a few) 2^10, so that a bucket holds a
// few hundred to a few tens of thousands of rows at 33M rows.
const SPLIT_BITS = 6, SHARD_BITS = 10;

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

  // The input rows, filtered (the label's nulls too: the aggregates see
  // them).
  const rowKey = job.key || "__rid";
  const source = () => {
    let lf = pl.concat(a.input.map((f) => pl.scanParquet(f)));
    if (!job.key) lf = lf.withRowIndex("__rid");
    if (job.derived.length) lf = lf.withColumns(...job.derived.map((d) => d.polars(pl).alias(d.name)));
    return job.filter ? lf.filter(job.filter.polars(pl)) : lf;
  };
  // A job that writes shards collects every column it reads once, by the
  // streaming engine; one that only aggregates runs its group-bys on the
  // scan.
  const cols = [...new Set([...job.columns, ...job.derived.map((d) => d.name), ...(job.key ? [] : ["__rid"]),
    ...job.aggregates.flatMap((ag) => [ag.by, ...ag.compute.map((c) => c[2]).filter(Boolean)])])];
  let K = job.output.shards === 0 ? null : phase("scan", () => source().select(...cols.map((c) => pl.col(c))).collectSync(STREAMING));

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
      // (On the collected frame the streaming engine's group-by is the
      // faster, on the scan the in-memory engine's: measured.)
      const q = (K ? K.lazy() : source()).groupBy(ag.by).agg(...exprs);
      for (const r of (K ? q.collectSync(STREAMING) : q.collectSync()).toRecords()) {
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

  // Each row's split and shard go into one column __part = split * S +
  // shard, -1 for a row whose label is null.
  const seed = job.split ? job.split.seed : 0;
  const names = job.split ? job.split.ratios.map((r) => r[0]) : ["train"];
  const S = job.output.shards;
  const by = job.split && job.split.by;
  const k = pl.col(rowKey);
  const keyType = K.getColumn(rowKey).dtype;
  const h1 = hash(k, seed), h2 = hash(k, seed + 1);
  const kept = job.label ? pl.col(job.label).isNotNull() : pl.lit(true);
  const part = pl.col("__part");

  // The split: per group, the cut rows (the last row of each split but
  // the last, in (hash, key) order) at the largest-remainder counts; a
  // row's split is the first cut row it is not above. The group's id is
  // its categorical code (another column is cast to Categorical once),
  // null as -1.
  phase("split", () => {
    let e = int(0);
    if (names.length > 1) {
      let gid;
      if (!by) gid = i64(0);
      else if (K.getColumn(by).dtype.equals(pl.Categorical)) gid = pl.col(by).toPhysical().cast(pl.Int64).fillNull(i64(-1));
      else {
        K = K.withColumns(pl.col(by).cast(pl.Utf8).cast(pl.Categorical).toPhysical().cast(pl.Int64).fillNull(i64(-1)).alias("__gid"));
        gid = pl.col("__gid");
      }
      const cuts = cutRows(K.lazy().filter(kept).select(gid.alias("__g"), h1.alias("__h"), k.alias("__k")),
        allocExpr(job.split.ratios.map((r) => r[1]), pl.col("__n")), SPLIT_BITS);
      const c = (i, x) => gatherBy(cuts, `__c${i}_${x}`, x === "h" ? pl.UInt64 : keyType, gid);
      e = pl.when(lexLE(h1, k, c(0, "h"), c(0, "k"))).then(int(0));
      for (let i = 1; i < names.length - 1; i++) e = e.when(lexLE(h1, k, c(i, "h"), c(i, "k"))).then(int(i));
      e = e.otherwise(int(names.length - 1));
    }
    // A select without joins keeps the frame's row order, so the column
    // goes next to the rows.
    K = K.withColumns(K.lazy().select(pl.when(kept).then(e).otherwise(int(-1)).alias("__part")).collectSync(STREAMING).getColumn("__part"));
    if (K.columns.includes("__gid")) K = K.drop("__gid");
  });

  // The shards: shard j of a split of n rows starts at rank ceil(j*n/S) +
  // 1 in (second hash, key) order; a row's shard is how many of its
  // split's start rows it is not below (the few splits' start rows as
  // literals).
  phase("shards", () => {
    if (S === 1) return;
    const ranks = [];
    for (let j = 1; j < S; j++) ranks.push(pl.col("__n").mul(i64(j)).add(i64(S - 1)).cast(pl.Float64).div(S).floor().add(1));
    const starts = cutRows(K.lazy().filter(part.gtEq(int(0))).select(part.cast(pl.Int64).alias("__g"), h2.alias("__h"), k.alias("__k")), ranks, SHARD_BITS);
    let e = pl.when(part.lt(int(0))).then(int(-1));
    for (const r of starts.toRecords()) {
      let n = part.mul(int(S));
      for (let j = 0; j < S - 1; j++) {
        const h = r[`__c${j}_h`];
        if (h !== null && h !== undefined) n = n.add(lexLE(pl.lit(h).cast(pl.UInt64), keyLit(r[`__c${j}_k`], keyType), pl.col("__h"), k).cast(pl.Int32));
      }
      e = e.when(part.eq(int(Number(r.__g)))).then(n);
    }
    K = K.withColumns(K.lazy().select(part, k, h2.alias("__h")).select(e.otherwise(part.mul(int(S))).alias("__part"))
      .collectSync(STREAMING).getColumn("__part"));
  });

  // Fit on train.
  const fitted = {};
  const out = phase("fit", () => fit(K.lazy().filter(part.gtEq(int(0)).and(part.lt(int(S)))), job.features, fitted));

  // Write: each (split, shard) a filter of the frame, its output
  // expressions through the streaming sink. The group goes out as the
  // input has it (a categorical stays one).
  phase("write", () => {
    if (job.label) out.push(pl.col(job.label));
    for (const c of job.keep) out.push(pl.col(c));
    if (by) out.push(pl.col(by).alias("bench_group"));
    const arrow = job.output.format === "arrow";
    for (let sp = 0; sp < names.length; sp++) {
      for (let sh = 0; sh < S; sh++) {
        const lf = K.lazy().filter(part.eq(int(sp * S + sh))).select(...out);
        const dir = join(a.out, `split=${names[sp]}`, `shard=${sh}`);
        const opts = { compression: job.output.compression, mkdir: true, maintainOrder: false };
        if (arrow) lf.sinkIpc(join(dir, "part-0.arrow"), opts).collectSync(STREAMING);
        else lf.sinkParquet(join(dir, "part-0.parquet"), opts).collectSync(STREAMING);
      }
    }
  });
  printResult("polars", pl.version, method, a, { aggregates, fitted, phases });
}

// lexLE is (h, k) <= (ch, ck) in lexicographic order, false where the cut
// row is null.
function lexLE(h, k, ch, ck) {
  return h.lt(ch).or(h.eq(ch).and(k.ltEq(ck))).fillNull(false);
}

// keyLit is a row key as a literal of its column's type, for a key that
// passes through JS exactly (a string or a safe integer).
function keyLit(v, keyType) {
  if (typeof v !== "string" && !Number.isSafeInteger(v)) throw new Error(`row key ${v} cannot pass through JS exactly`);
  return pl.lit(v).cast(keyType);
}

// gatherBy is column name of the small frame t (one row per group __g, an
// Int64 >= -1) looked up for each row by its group id g: a gather from the
// column laid out densely by id (null where t has no row). The values pass
// through JS: UInt64 hashes as BigInts, keys as strings or safe integers.
function gatherBy(t, name, dtype, g) {
  const gs = t.getColumn("__g").toArray().map(Number);
  const src = t.getColumn(name).toArray();
  const vals = new Array(Math.max(-1, ...gs) + 2).fill(null);
  gs.forEach((id, j) => {
    const v = src[j];
    if (dtype !== pl.UInt64 && v !== null && typeof v !== "string" && !Number.isSafeInteger(v)) {
      throw new Error(`row key ${v} cannot pass through JS exactly`);
    }
    vals[id + 1] = v;
  });
  return pl.lit(pl.Series(name, vals, dtype)).explode().gather(g.add(i64(1)));
}

// cutRows returns the small frame of the cut rows: for each group __g of
// rows (a lazy frame of __g (an Int64 >= -1), __h, __k), the row at each
// rank of ranks (expressions over the group size __n; 1-based, in (__h,
// __k) order) as columns __c{i}_h, __c{i}_k (null where a rank is not in
// 1..n). Without sorting the rows: a count per (group, top bits of __h)
// gives the bucket that holds each rank and the rank within it, and only
// the rows of those buckets are sorted. The (group, bucket) pair is one
// Int64 key, (__g + 1) * 2^bits + bucket, counted by value_counts (at 33M
// rows about half the time of a group-by on it, a third of one on two
// columns).
function cutRows(rows, ranks, bits) {
  const B = 2 ** bits;
  // The bucket: the hash's top bits, through a float (monotone in the
  // hash, which is all the selection needs; 2^64 after rounding is
  // clamped into the last bucket).
  const b = pl.col("__h").cast(pl.Float64).div(2 ** (64 - bits)).floor().cast(pl.Int64);
  const ck = pl.col("__g").add(i64(1)).mul(i64(B)).add(pl.when(b.gtEq(i64(B))).then(i64(B - 1)).otherwise(b)).alias("__ck");
  const counts = rows.select(ck.valueCounts(false, false, "__c")).unnest("__ck").collectSync(STREAMING)
    .lazy().withColumns(pl.col("__c").cast(pl.Int64)).sort("__ck")
    .withColumns(pl.col("__ck").cast(pl.Float64).div(B).floor().cast(pl.Int64).sub(i64(1)).alias("__g"))
    .withColumns(pl.col("__c").cumSum().over("__g").alias("__cum"), pl.col("__c").sum().over("__g").alias("__n"))
    .collectSync();
  // The buckets holding each rank, and the rank within the bucket.
  const targets = pl.concat(ranks.map((r, i) => {
    const rr = r.cast(pl.Int64);
    const before = pl.col("__cum").sub(pl.col("__c"));
    return counts.lazy().filter(rr.gt(before).and(rr.ltEq(pl.col("__cum"))))
      .select(pl.col("__ck"), pl.col("__g"), int(i).alias("__i"), rr.sub(before).alias("__at"));
  })).collectSync();
  const picked = rows.select(ck, pl.col("__h"), pl.col("__k")).join(targets.lazy(), { on: "__ck", how: "inner" }).collectSync(STREAMING)
    .lazy().sort(["__ck", "__i", "__h", "__k"])
    .filter(pl.intRange(pl.len()).over(["__ck", "__i"]).add(1).eq(pl.col("__at")))
    .select("__g", "__i", "__h", "__k").collectSync();
  let wide = counts.lazy().select("__g").unique();
  for (let i = 0; i < ranks.length; i++) {
    wide = wide.join(picked.lazy().filter(pl.col("__i").eq(int(i))).select(pl.col("__g"), pl.col("__h").alias(`__c${i}_h`), pl.col("__k").alias(`__c${i}_k`)),
      { on: "__g", how: "left" });
  }
  return wide.collectSync();
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

// fit computes every feature's statistics on the train rows (a lazy
// frame) in one select, the categories' counts by a group-by each (the
// streaming group-by is several times faster than value_counts in the
// select), fills fitted (the report's form) and returns the output
// expressions.
function fit(train, features, fitted) {
  const sel = [pl.len().alias("__train")];
  for (const [i, f] of features.entries()) {
    const x = pl.col(f.name).cast(pl.Float64);
    switch (f.transform) {
      case "zscore":
      case "log1p": {
        const v = f.transform === "log1p" ? x.log1p() : x;
        sel.push(v.mean().alias(`m${i}`), v.var().alias(`v${i}`), v.count().alias(`n${i}`), v.kurtosis(false).alias(`k${i}`));
        if (f.fill === "median") sel.push(x.median().alias(`q${i}`));
        break;
      }
      case "minmax":
        sel.push(x.min().alias(`lo${i}`), x.max().alias(`hi${i}`));
        break;
      case "bucketize":
        for (const [j, p] of quantileCutoffs(f.buckets).entries()) sel.push(pl.col(f.name).quantile(p, "lower").alias(`b${i}_${j}`));
        break;
      case "vocab":
      case "onehot": // counted below
      case "hash":
        break;
      default:
        throw new Error(`feature ${f.name}: transform ${f.transform} is not one of zscore, log1p, minmax, vocab, hash, onehot, bucketize`);
    }
  }
  const r = train.select(...sel).collectSync(STREAMING).toRecords()[0];
  const trainRows = num(r.__train);
  const out = [];
  for (const [i, f] of features.entries()) {
    const x = pl.col(f.name);
    switch (f.transform) {
      case "zscore":
      case "log1p": {
        // Mean and variance over the non-null values, then with the nulls
        // filled by the median (a block of equal values: Chan's merge), as
        // the fitted column has them.
        let mean = num(r[`m${i}`]), n = num(r[`n${i}`]);
        let m2 = (num(r[`v${i}`]) || 0) * (n - 1);
        let v = x.cast(pl.Float64), fill = null;
        if (f.fill === "median") {
          fill = num(r[`q${i}`]);
          const nb = trainRows - n, fb = f.transform === "log1p" ? Math.log1p(fill) : fill;
          if (nb > 0) {
            const d = fb - mean, tot = n + nb;
            mean += (d * nb) / tot;
            m2 += (d * d * n * nb) / tot;
            n = tot;
          }
          if (fill !== null) v = v.fillNull(pl.lit(fill));
        }
        if (f.transform === "log1p") v = v.log1p();
        const std = n > 1 ? Math.sqrt(m2 / (n - 1)) : 0;
        fitted[f.name] = { transform: f.transform, mean, std, kurtosis: num(r[`k${i}`]), fill, train_rows: trainRows };
        out.push(v.sub(pl.lit(mean)).div(pl.lit(std || 1)).cast(pl.Float32).alias(f.name));
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
        let vals = train.groupBy(f.name).agg(pl.len().alias("__c")).collectSync(STREAMING).toRecords().map((e) => [e[f.name], Number(e.__c)]);
        vals = vals.filter(([v, c]) => v !== null && v !== undefined && c >= (f.minCount || 1))
          .map(([v, c]) => [typeof v === "bigint" ? Number(v) : v, c]);
        vals.sort((p, q) => q[1] - p[1] || (p[0] < q[0] ? -1 : p[0] > q[0] ? 1 : 0));
        if (f.topK) vals = vals.slice(0, f.topK);
        const vs = vals.map(([v]) => v);
        fitted[f.name] = { transform: f.transform, vocab: vs.map(String), train_rows: trainRows };
        if (f.transform === "vocab") {
          // replaceStrict maps each vocabulary value to its id, others to 0.
          out.push(x.replaceStrict(vs, vs.map((_, j) => j + 1), pl.lit(0), pl.Int32).alias(f.name));
        } else {
          for (const v of vs) out.push(x.eq(pl.lit(v)).fillNull(false).cast(pl.Float32).alias(`${f.name}=${v}`));
          out.push(x.isIn(vs).fillNull(false).not().cast(pl.Float32).alias(`${f.name}=__oov__`));
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
        let e = int(0);
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
