// read_ipc.mjs: an independent reader of sluice shards (nodejs-polars).
//
// Usage: node tools/peers/read_ipc.mjs FILE...
//
// Reads each file (Arrow IPC file with pl.readIPC, or Parquet with
// pl.readParquet when the name ends in .parquet) and prints one JSON array
// to stdout, one object per file in argument order:
//
//   {"path": FILE, "rows": N, "columns": [names in file order],
//    "sums": {numeric column: sum of its non-null values as float64}}
//
// Numeric columns are the integer and floating-point ones; they are cast
// to Float64 before summing so the sum does not depend on Polars' integer
// or float32 accumulators. Exits 1 with a message naming the file on error.
import { readFileSync } from "node:fs";
import pl from "nodejs-polars";

const numeric = new Set([
  "Int8", "Int16", "Int32", "Int64",
  "UInt8", "UInt16", "UInt32", "UInt64",
  "Float32", "Float64",
]);

function dtypeName(dt) {
  // String(dt) is "DataType(Float32)"; keep the inner name.
  const m = /^DataType\((\w+)/.exec(String(dt));
  return m ? m[1] : String(dt);
}

function readOne(path) {
  // readIPC takes a string as inline data unless it ends in ".ipc", so
  // shards (".arrow") are passed as a Buffer of the file's bytes.
  const df = path.endsWith(".parquet") ? pl.readParquet(path) : pl.readIPC(readFileSync(path));
  const sums = {};
  df.columns.forEach((name, i) => {
    if (!numeric.has(dtypeName(df.dtypes[i]))) return;
    const s = df.getColumn(name).cast(pl.Float64);
    const v = s.nullCount() === s.length ? 0 : s.sum();
    sums[name] = Number(v);
  });
  return { path, rows: df.height, columns: df.columns, sums };
}

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node read_ipc.mjs FILE...");
  process.exit(2);
}
const out = [];
for (const f of files) {
  try {
    out.push(readOne(f));
  } catch (e) {
    console.error(`${f}: ${e.message ?? e}`);
    process.exit(1);
  }
}
process.stdout.write(JSON.stringify(out) + "\n");
