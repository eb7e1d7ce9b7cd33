package e2e

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/sluice-ml/sluice/engine"
	"github.com/sluice-ml/sluice/sink"
)

// profileJob keeps the profiled columns' raw values in the shards
// (identity feature, label without fill, kept columns), so DuckDB can
// compute the exact statistics from the output read back.
const profileJob = `name: e2e-profile
input:
  generate: {kind: citibike, rows: 40000, seed: 21, files: 3}
features:
  tripduration: {transform: identity}
label:
  birth_year: {fill: none}
keep: [trip_id, gender, usertype, start_station_name]
slices:
  columns: [gender, usertype, start_station_name]
  top: 5
split:
  by: start_station_name
  ratios: {train: 0.8, eval: 0.2}
  seed: 3
output:
  format: arrow
  shards: 3
`

// duckdb runs a query over the rows read back (table t) in DuckDB.
func duckdb(t *testing.T, csvPath, query string) []map[string]any {
	t.Helper()
	node, err := exec.LookPath("node")
	peers, _ := filepath.Abs(peersDir)
	if err != nil {
		t.Skip("no node")
	}
	if _, err := os.Stat(filepath.Join(peers, "node_modules", "@duckdb", "node-api")); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("DuckDB peer missing under CI (run `make peers`)")
		}
		t.Skip("DuckDB peer missing (run `make peers`)")
	}
	spec, _ := json.Marshal(map[string]any{
		"setup": []string{fmt.Sprintf(`CREATE TABLE t AS SELECT * FROM read_csv('%s', header=true, nullstr='\N', types={'split':'VARCHAR','tripduration':'DOUBLE','birth_year':'BIGINT','trip_id':'BIGINT','gender':'VARCHAR','usertype':'VARCHAR','start_station_name':'VARCHAR'})`, csvPath)},
		"query": query})
	f := filepath.Join(t.TempDir(), "q.json")
	if err := os.WriteFile(f, spec, 0o644); err != nil {
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

func numOf(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case string:
		f, _ := strconv.ParseFloat(x, 64)
		return f
	}
	return math.NaN()
}

// writeBack reads every shard of the output and writes its rows as CSV.
func writeBack(t *testing.T, dir string, m *sink.Manifest) string {
	path := filepath.Join(t.TempDir(), "rows.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	cols := []string{"tripduration", "birth_year", "trip_id", "gender", "usertype", "start_station_name"}
	w.Write(append([]string{"split"}, cols...))
	for _, s := range m.Splits {
		for _, sh := range s.Shards {
			tb := readTable(t, filepath.Join(dir, sh.Path))
			for i := 0; i < tb.Rows; i++ {
				rec := []string{s.Name}
				for _, c := range cols {
					col := tb.col(t, c)
					switch {
					case !col.Valid[i]:
						rec = append(rec, `\N`)
					case col.numeric():
						rec = append(rec, strconv.FormatFloat(col.num(i), 'g', -1, 64))
					default:
						rec = append(rec, col.S[i])
					}
				}
				w.Write(rec)
			}
		}
	}
	w.Flush()
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func near(a, b, rel float64) bool { return math.Abs(a-b) <= rel*math.Max(1, math.Abs(b)) }

// TestProfilesAgainstDuckDB: the manifest's profiles and slice tables
// against DuckDB's exact statistics over the output rows read back; the
// sketches within their documented error; report.html holds the numbers.
func TestProfilesAgainstDuckDB(t *testing.T) {
	dir, m := runJob(t, profileJob, nil, engine.Options{})
	data := writeBack(t, dir, m)
	p := m.Profiles
	if p == nil || m.Slices == nil || p.Report == nil {
		t.Fatal("manifest has no profiles, slices or report")
	}
	for _, sp := range p.Splits {
		for _, c := range sp.Columns {
			where := fmt.Sprintf("split = '%s'", sp.Split)
			if c.Type == "string" {
				r := duckdb(t, data, fmt.Sprintf(`SELECT count(*) AS n, count(*) - count(%[1]s) AS nulls, count(DISTINCT %[1]s) AS d FROM t WHERE %[2]s`, c.Name, where))[0]
				if c.Count != int64(numOf(r["n"])) || c.Nulls != int64(numOf(r["nulls"])) {
					t.Errorf("%s/%s: count %d nulls %d, DuckDB %v", sp.Split, c.Name, c.Count, c.Nulls, r)
				}
				if d := numOf(r["d"]); math.Abs(float64(c.Distinct)-d) > 4*p.DistinctStdError*d+0.5 {
					t.Errorf("%s/%s: distinct %d, DuckDB %v", sp.Split, c.Name, c.Distinct, d)
				}
				counts := map[string]int64{}
				for _, r := range duckdb(t, data, fmt.Sprintf(`SELECT %s AS v, count(*) AS n FROM t WHERE %s GROUP BY v`, c.Name, where)) {
					counts[fmt.Sprint(r["v"])] = int64(numOf(r["n"]))
				}
				for _, tv := range c.Top {
					n := counts[tv.Value]
					if tv.Count > n || tv.Count < n-c.TopMaxUndercount {
						t.Errorf("%s/%s: top %q count %d, DuckDB %d (undercount bound %d)", sp.Split, c.Name, tv.Value, tv.Count, n, c.TopMaxUndercount)
					}
				}
				continue
			}
			sel := []string{"count(*) AS n", fmt.Sprintf("count(*) - count(%s) AS nulls", c.Name), fmt.Sprintf("min(%s) AS lo", c.Name),
				fmt.Sprintf("max(%s) AS hi", c.Name), fmt.Sprintf("avg(%s) AS mean", c.Name), fmt.Sprintf("stddev_samp(%s) AS sd", c.Name),
				fmt.Sprintf("count(DISTINCT %s) AS d", c.Name)}
			for i, q := range p.Quantiles {
				e := c.QuantileRankError
				sel = append(sel, fmt.Sprintf("quantile_cont(%s, %v) AS qlo%d, quantile_cont(%s, %v) AS qhi%d", c.Name, max(0, q-e), i, c.Name, min(1, q+e), i))
			}
			r := duckdb(t, data, fmt.Sprintf("SELECT %s FROM t WHERE %s", strings.Join(sel, ", "), where))[0]
			if c.Count != int64(numOf(r["n"])) || c.Nulls != int64(numOf(r["nulls"])) || *c.Min != numOf(r["lo"]) || *c.Max != numOf(r["hi"]) {
				t.Errorf("%s/%s: count %d nulls %d min %v max %v, DuckDB %v", sp.Split, c.Name, c.Count, c.Nulls, *c.Min, *c.Max, r)
			}
			if !near(*c.Mean, numOf(r["mean"]), 1e-9) || !near(*c.Std, numOf(r["sd"]), 1e-9) {
				t.Errorf("%s/%s: mean %v std %v, DuckDB %v %v", sp.Split, c.Name, *c.Mean, *c.Std, r["mean"], r["sd"])
			}
			if d := numOf(r["d"]); math.Abs(float64(c.Distinct)-d) > 4*p.DistinctStdError*d+0.5 {
				t.Errorf("%s/%s: distinct %d, DuckDB %v", sp.Split, c.Name, c.Distinct, d)
			}
			for i, q := range c.Quantiles {
				lo, hi := numOf(r[fmt.Sprintf("qlo%d", i)]), numOf(r[fmt.Sprintf("qhi%d", i)])
				if q < lo-1e-9 || q > hi+1e-9 {
					t.Errorf("%s/%s: p%v = %v outside DuckDB's [%v, %v] at ±%v rank", sp.Split, c.Name, p.Quantiles[i], q, lo, hi, c.QuantileRankError)
				}
			}
		}
	}
	checkSlices(t, data, m.Slices)
	checkReport(t, filepath.Join(dir, p.Report.Path), m)
}

// checkSlices compares every slice row with DuckDB's group by, the top 5
// values by rows (ties by value) and the rest as (other).
func checkSlices(t *testing.T, data string, s *sink.Slices) {
	for _, sc := range s.Columns {
		q := fmt.Sprintf(`WITH r AS (SELECT %[1]s AS v, count(*) AS n FROM t GROUP BY v),
 k AS (SELECT v, row_number() OVER (ORDER BY n DESC, v ASC NULLS LAST) AS rk FROM r)
SELECT CASE WHEN k.rk <= %[2]d THEN coalesce(k.v, '(null)') ELSE '(other)' END AS val, split, count(*) AS n,
 avg(birth_year) AS lm, stddev_samp(birth_year) AS ls, avg(tripduration) AS fm
FROM t JOIN k ON t.%[1]s IS NOT DISTINCT FROM k.v GROUP BY val, split`, sc.Column, s.Top)
		want := duckdb(t, data, q)
		got := map[string]sink.SliceRow{}
		nonzero := 0
		for _, r := range sc.Rows {
			got[r.Value+"|"+r.Split] = r
			if r.Rows > 0 {
				nonzero++
			}
		}
		if nonzero != len(want) {
			t.Errorf("slices %s: %d rows with data, DuckDB %d", sc.Column, nonzero, len(want))
		}
		for _, w := range want {
			key := fmt.Sprint(w["val"]) + "|" + fmt.Sprint(w["split"])
			r, ok := got[key]
			if !ok {
				t.Errorf("slices %s: no row %s", sc.Column, key)
				continue
			}
			if r.Rows != int64(numOf(w["n"])) || !near(*r.LabelMean, numOf(w["lm"]), 1e-9) || !near(*r.FeatureMeans["tripduration"], numOf(w["fm"]), 1e-9) {
				t.Errorf("slices %s %s: %d rows, label mean %v, feature mean %v; DuckDB %v", sc.Column, key, r.Rows, *r.LabelMean, *r.FeatureMeans["tripduration"], w)
			}
			if w["ls"] != nil && (r.LabelStd == nil || !near(*r.LabelStd, numOf(w["ls"]), 1e-9)) {
				t.Errorf("slices %s %s: label std %v, DuckDB %v", sc.Column, key, r.LabelStd, w["ls"])
			}
		}
	}
}

// checkReport parses report.html: no scripts or external resources, one
// profile row per column and split with the manifest's count and mean,
// one SVG histogram per numeric column, one slice table per column.
func checkReport(t *testing.T, path string, m *sink.Manifest) {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := html.Parse(strings.NewReader(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	var rows [][]string // cells of <tr data-column>
	svgs, sliceTables := 0, 0
	var walk func(n *html.Node)
	text := func(n *html.Node) string {
		var b strings.Builder
		var f func(*html.Node)
		f = func(n *html.Node) {
			if n.Type == html.TextNode {
				b.WriteString(n.Data)
			}
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				f(c)
			}
		}
		f(n)
		return strings.TrimSpace(b.String())
	}
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			for _, a := range n.Attr {
				if (a.Key == "src" || a.Key == "href") && a.Val != "" {
					t.Errorf("report refers to %s", a.Val)
				}
			}
			switch n.Data {
			case "script", "link":
				t.Errorf("report has a <%s>", n.Data)
			case "svg":
				svgs++
			case "table":
				for _, a := range n.Attr {
					if a.Key == "class" && a.Val == "slice" {
						sliceTables++
					}
				}
			case "tr":
				for _, a := range n.Attr {
					if a.Key == "data-column" {
						var cells []string
						for c := n.FirstChild; c != nil; c = c.NextSibling {
							if c.Type == html.ElementNode && c.Data == "td" {
								cells = append(cells, text(c))
							}
						}
						rows = append(rows, cells)
					}
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	i, numeric := 0, 0
	for _, sp := range m.Profiles.Splits {
		for _, c := range sp.Columns {
			if i >= len(rows) {
				t.Fatalf("report has %d profile rows, want more", len(rows))
			}
			cells := rows[i]
			i++
			if cells[0] != c.Name || cells[3] != strconv.FormatInt(c.Count, 10) {
				t.Errorf("report row %v, want %s count %d", cells[:4], c.Name, c.Count)
			}
			if c.Mean != nil {
				numeric++
				if got, _ := strconv.ParseFloat(cells[9], 64); !near(got, *c.Mean, 1e-5) {
					t.Errorf("report %s/%s mean %s, manifest %v", sp.Split, c.Name, cells[9], *c.Mean)
				}
			}
		}
	}
	if i != len(rows) || svgs != numeric || sliceTables != len(m.Slices.Columns) {
		t.Errorf("report: %d profile rows (want %d), %d histograms (want %d), %d slice tables (want %d)", len(rows), i, svgs, numeric, sliceTables, len(m.Slices.Columns))
	}
}
