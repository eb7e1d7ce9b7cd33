// duckdb_sql.mjs: runs SQL in an in-memory DuckDB, a peer engine for
// sluice's tests.
//
// Usage: node tools/peers/duckdb_sql.mjs FILE.json
//
// FILE holds {"setup": [SQL statement, ...], "query": SQL}. The setup
// statements run in order, then the query; its rows are printed to stdout
// as one JSON array of objects keyed by column name (BIGINT values as
// decimal strings, BOOLEAN as true/false, VARCHAR as strings, NULL as
// null). Exits 1 with DuckDB's message on error.
import { readFileSync } from "node:fs";
import { DuckDBInstance } from "@duckdb/node-api";

if (process.argv.length !== 3) {
  console.error("usage: node duckdb_sql.mjs FILE.json");
  process.exit(2);
}
try {
  const job = JSON.parse(readFileSync(process.argv[2], "utf8"));
  const inst = await DuckDBInstance.create(":memory:");
  const con = await inst.connect();
  for (const stmt of job.setup) {
    await con.run(stmt);
  }
  const res = await con.runAndReadAll(job.query);
  process.stdout.write(JSON.stringify(res.getRowObjectsJson()));
} catch (e) {
  console.error(`duckdb_sql: ${e.message}`);
  process.exit(1);
}
