package shard

import (
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
)

// duckdbRows runs query in DuckDB (the peer script of tools/peers) and
// returns its rows. The test is skipped when node or @duckdb/node-api is
// missing (`make peers`), and fails instead when CI is set.
func duckdbRows(t *testing.T, query string) []map[string]any {
	t.Helper()
	missing := func(why string) {
		if os.Getenv("CI") != "" {
			t.Fatalf("peer unavailable under CI: %s (run `make peers`)", why)
		}
		t.Skipf("peer unavailable: %s (run `make peers`)", why)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("no node on PATH")
	}
	peers := filepath.Join("..", "..", "tools", "peers")
	if _, err := os.Stat(filepath.Join(peers, "node_modules", "@duckdb", "node-api")); err != nil {
		missing("tools/peers/node_modules/@duckdb/node-api is missing")
	}
	job, err := json.Marshal(map[string]any{"setup": []string{}, "query": query})
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(t.TempDir(), "job.json")
	if err := os.WriteFile(f, job, 0o666); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(node, filepath.Join(peers, "duckdb_sql.mjs"), f).CombinedOutput()
	if err != nil {
		t.Fatalf("duckdb: %v: %s", err, out)
	}
	var rows []map[string]any
	if err := json.Unmarshal(out, &rows); err != nil {
		t.Fatalf("duckdb output: %v: %s", err, out)
	}
	return rows
}

// DuckDB reads a Parquet shard encoded on 4 workers (several row groups
// of 1M rows, dictionary labels decoded, nulls) back to the oracle rows.
func TestParquetShardDuckDB(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	dir := t.TempDir()
	path := filepath.Join(dir, "a.parquet")
	w, err := NewWriter(path, FormatParquet, CompressionZstd, testSchema(), mem)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.SetEncodeWorkers(4); err != nil {
		t.Fatal(err)
	}
	var want []row
	for b, n := range []int{700_000, 0, 500_000, 9} {
		rec, rows := makeBatch(t, mem, b, n)
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
		rec.Release()
		want = append(want, rows...)
	}
	if _, err := w.Close(); err != nil {
		t.Fatal(err)
	}
	pf, err := file.OpenParquetFile(path, false)
	if err != nil {
		t.Fatal(err)
	}
	if n := pf.NumRowGroups(); n != 2 {
		t.Errorf("%d row groups, want 2", n)
	}
	pf.Close()
	// f is a multiple of 1/4 (or +Inf): 4·f is an exact integer. The
	// sums weighted by the row number check the row order too.
	got := duckdbRows(t, fmt.Sprintf(`SELECT count(*)::VARCHAR AS n,
		sum(CASE WHEN isinf(f) THEN 0 ELSE CAST(f * 4 AS BIGINT) END * (file_row_number + 1))::VARCHAR AS f4,
		sum(isinf(f)::INT * (file_row_number + 1))::VARCHAR AS inf,
		sum(id::HUGEINT * (file_row_number + 1))::VARCHAR AS id,
		count(key)::VARCHAR AS keys, sum(key::HUGEINT * (file_row_number + 1))::VARCHAR AS key,
		sum(epoch_us(ts)::HUGEINT * (file_row_number + 1))::VARCHAR AS ts,
		count(label)::VARCHAR AS labels, sum(CASE WHEN label IS NULL THEN 0 ELSE hash(label) %% 1000003 END * (file_row_number + 1))::VARCHAR AS label,
		sum(flag::INT * (file_row_number + 1))::VARCHAR AS flag
		FROM read_parquet('%s', file_row_number = true)`, path))
	sums := map[string]*big.Int{}
	for _, k := range []string{"n", "f4", "inf", "id", "keys", "key", "ts", "labels", "flag"} {
		sums[k] = new(big.Int)
	}
	add := func(k string, v, w int64) {
		sums[k].Add(sums[k], new(big.Int).Mul(big.NewInt(v), big.NewInt(w)))
	}
	labels := map[string]bool{}
	for i, r := range want {
		w := int64(i + 1)
		add("n", 1, 1)
		if isInf32(r.F) {
			add("inf", 1, w)
		} else {
			add("f4", int64(r.F*4), w)
		}
		add("id", int64(r.ID), w)
		if r.Key != nil {
			add("keys", 1, 1)
			add("key", *r.Key, w)
		}
		add("ts", r.TS, w)
		if r.Label != nil {
			add("labels", 1, 1)
			labels[*r.Label] = true
		}
		if r.Flag {
			add("flag", 1, w)
		}
	}
	if len(got) != 1 {
		t.Fatalf("DuckDB returned %v", got)
	}
	for k, v := range sums {
		if got[0][k] != v.String() {
			t.Errorf("%s: DuckDB read %v, want %s", k, got[0][k], v)
		}
	}
	// The labels, row by row, through DuckDB's own hash of each.
	var words []string
	for l := range labels {
		words = append(words, "'"+l+"'")
	}
	hashes := duckdbRows(t, "SELECT w, (hash(w) % 1000003)::VARCHAR AS h FROM (VALUES ("+strings.Join(words, "), (")+")) v(w)")
	hash := map[string]int64{}
	for _, h := range hashes {
		v, err := strconv.ParseInt(h["h"].(string), 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		hash[h["w"].(string)] = v
	}
	lsum := new(big.Int)
	for i, r := range want {
		if r.Label != nil {
			lsum.Add(lsum, new(big.Int).Mul(big.NewInt(hash[*r.Label]), big.NewInt(int64(i+1))))
		}
	}
	if got[0]["label"] != lsum.String() {
		t.Errorf("label: DuckDB read %v, want %s", got[0]["label"], lsum)
	}
}

func isInf32(f float32) bool { return f > 3.4e38 || f < -3.4e38 }
