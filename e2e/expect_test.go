package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/sluice-ml/sluice/engine"
)

// flightsExpectJob states rules that the real flights data partly breaks;
// under on_fail: warn the job finishes and the manifest lists them.
const flightsExpectJob = `name: flights-expect
input: {path: IN}
filter: distance > 500
features:
  distance: {transform: log1p}
label: delay
expect:
  delay: {not_null: true, between: [-30, 120]}
  origin: {in: [ATL, ORD, DFW, LAX, DEN]}
  date: {unique: true}
  distance: {between: [100, 2000], null_fraction_max: 0}
  rows: {min: 1000}
  on_fail: warn
output: {path: OUT}
`

// duckdbRows runs a query with the DuckDB peer and returns its rows.
func duckdbRows(t *testing.T, query string) []map[string]any {
	t.Helper()
	node, err := exec.LookPath("node")
	peers := filepath.Join("..", "tools", "peers")
	if _, serr := os.Stat(filepath.Join(peers, "node_modules", "@duckdb", "node-api")); err != nil || serr != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("DuckDB peer unavailable under CI (run `make peers`): %v %v", err, serr)
		}
		t.Skipf("DuckDB peer unavailable (run `make peers`): %v %v", err, serr)
	}
	spec, _ := json.Marshal(map[string]any{"setup": []string{}, "query": query})
	f := filepath.Join(t.TempDir(), "q.json")
	if err := os.WriteFile(f, spec, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(node, filepath.Join(peers, "duckdb_sql.mjs"), f).Output()
	if err != nil {
		t.Fatalf("duckdb: %v", err)
	}
	var rows []map[string]any
	if err := json.Unmarshal(out, &rows); err != nil {
		t.Fatal(err)
	}
	return rows
}

func num(t *testing.T, v any) int64 {
	t.Helper()
	switch x := v.(type) {
	case string:
		n, err := strconv.ParseInt(x, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		return n
	case float64:
		return int64(x)
	}
	t.Fatalf("not a number: %#v", v)
	return 0
}

// TestExpectFlightsDuckDB checks the violation counts, and the rows of the
// first examples, of every rule on the 3M real flights against DuckDB: the
// rules apply to the rows as read, so the filter does not change them.
func TestExpectFlightsDuckDB(t *testing.T) {
	if _, err := os.Stat(flightsData); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s missing under CI (run `make data`): %v", flightsData, err)
		}
		t.Skipf("%s missing (run `make data`)", flightsData)
	}
	abs, err := filepath.Abs(flightsData)
	if err != nil {
		t.Fatal(err)
	}
	_, m := runJob(t, flightsExpectJob, []string{"input.path=" + abs}, engine.Options{Local: 2})
	src := "read_parquet('" + abs + "', file_row_number=true)"
	// Per rule: the violating rows' condition (unique is a group query).
	conds := map[string]string{
		"delay/not_null":             "delay is null",
		"delay/between":              "delay is not null and (delay < -30 or delay > 120)",
		"origin/in":                  "origin is not null and origin not in ('ATL', 'ORD', 'DFW', 'LAX', 'DEN')",
		"distance/between":           "distance is not null and (distance < 100 or distance > 2000)",
		"distance/null_fraction_max": "distance is null",
	}
	x := m.Expectations
	if x == nil {
		t.Fatal("the manifest has no expectations")
	}
	rows := num(t, duckdbRows(t, "select count(*) n from "+src)[0]["n"])
	if x.Rows != rows || x.OnFail != "warn" || x.Passed {
		t.Fatalf("expectations rows %d on_fail %s passed %v; DuckDB counts %d rows", x.Rows, x.OnFail, x.Passed, rows)
	}
	for _, r := range x.Rules {
		key := r.Column + "/" + r.Rule
		var want int64
		var first []int64
		switch {
		case r.Rule == "rows_min":
			if !r.Passed {
				t.Errorf("rows min failed on %d rows", rows)
			}
			continue
		case r.Rule == "unique":
			q := "with d as (select date, file_row_number, count(*) over (partition by date) c from " + src + " where date is not null) "
			want = num(t, duckdbRows(t, q+"select count(*) n from d where c > 1")[0]["n"])
			for _, row := range duckdbRows(t, q+"select file_row_number r from d where c > 1 order by r limit 5") {
				first = append(first, num(t, row["r"]))
			}
		default:
			c, ok := conds[key]
			if !ok {
				t.Fatalf("no oracle for %s", key)
			}
			want = num(t, duckdbRows(t, "select count(*) n from "+src+" where "+c)[0]["n"])
			for _, row := range duckdbRows(t, "select file_row_number r from "+src+" where "+c+" order by r limit 5") {
				first = append(first, num(t, row["r"]))
			}
		}
		if r.Violations != want {
			t.Errorf("%s: %d violations, DuckDB %d", key, r.Violations, want)
		}
		if r.Rule == "null_fraction_max" {
			continue // passes: no examples are kept for a passed rule
		}
		if (want > 0) == r.Passed {
			t.Errorf("%s: passed %v with %d violations", key, r.Passed, want)
		}
		if len(r.Examples) != len(first) {
			t.Errorf("%s: %d examples, DuckDB's first rows %v", key, len(r.Examples), first)
			continue
		}
		for i, e := range r.Examples {
			if e.Row != first[i]+1 || e.File != abs {
				t.Errorf("%s: example %d is %s row %d, DuckDB's is row %d (0-based) of %s", key, i, e.File, e.Row, first[i], abs)
			}
		}
	}
	if len(x.Rules) != 7 {
		t.Errorf("%d rules recorded, want 7: %+v", len(x.Rules), x.Rules)
	}
}
