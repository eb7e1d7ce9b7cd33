// count.mjs: rows per split and per (split, bench_group) in the shards a
// peer wrote under DIR/split=S/shard=K/ (Parquet or Arrow IPC files), read
// back with Polars. `driver bench` runs it after a peer's first run,
// outside the measured time.
//
// Usage: node bench/peers/count.mjs '{"dir":"DIR","grouped":true}'
// Prints {"rows": n, "splits": {split: rows}, "groups": {split: {group: rows}}}.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { fail, key, peerRequire } from "./jobs.mjs";

const pl = peerRequire("nodejs-polars");

function main() {
  if (process.argv.length !== 3) throw new Error(`usage: ${process.argv[1]} '{"dir":"DIR","grouped":true}'`);
  const a = JSON.parse(process.argv[2]);
  const res = { rows: 0, splits: {}, groups: {} };
  for (const sd of readdirSync(a.dir).filter((d) => d.startsWith("split=")).sort()) {
    const split = sd.slice("split=".length);
    const files = readdirSync(join(a.dir, sd), { recursive: true }).map(String)
      .filter((f) => f.endsWith(".parquet") || f.endsWith(".arrow")).sort();
    if (files.length === 0) throw new Error(`${join(a.dir, sd)}: no shard files`);
    const frames = files.map((f) => {
      const p = join(a.dir, sd, f);
      return f.endsWith(".arrow") ? pl.scanIPC(p) : pl.scanParquet(p);
    });
    const all = pl.concat(frames.map((lf) => (a.grouped ? lf.select("bench_group") : lf.select(pl.len().alias("n")))));
    if (a.grouped) {
      const groups = {};
      let n = 0;
      for (const r of all.groupBy("bench_group").agg(pl.len().alias("n")).collectSync().toRecords()) {
        groups[key(r.bench_group)] = Number(r.n);
        n += Number(r.n);
      }
      res.groups[split] = groups;
      res.splits[split] = n;
    } else {
      res.splits[split] = all.select(pl.col("n").sum()).collectSync().toRecords()[0].n;
    }
    res.rows += res.splits[split];
  }
  process.stdout.write(JSON.stringify(res) + "\n");
}

try {
  main();
} catch (e) {
  fail("count.mjs", e);
}
