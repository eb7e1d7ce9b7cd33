package e2e

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sluice-ml/sluice/engine"
	"github.com/sluice-ml/sluice/hashing"
	"github.com/sluice-ml/sluice/sink"
)

// Edge-case jobs: tiny and empty inputs, all-null and non-finite columns,
// awkward split groups, small vocabularies, odd shard counts, unshuffled
// and Parquet output, bad CSV input and overwrite. Every expectation below
// is computed by hand from the few input rows written here.

// writeEdgeCSV writes content as name in a fresh temporary directory and
// returns its path.
func writeEdgeCSV(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// csvJob is a job named e2e-edge reading the CSV file path, with body (the
// sections after input, unindented YAML) appended. csvTypes, when not
// empty, is the input.csv.types mapping body, e.g. "{v: float64}".
func csvJob(path, csvTypes, body string) string {
	in := fmt.Sprintf("name: e2e-edge\ninput:\n  path: %s\n  format: csv\n", path)
	if csvTypes != "" {
		in += "  csv:\n    types: " + csvTypes + "\n"
	}
	return in + body
}

// edgeOut is one finished job: its directory, manifest and every shard.
type edgeOut struct {
	dir    string
	m      *sink.Manifest
	tables map[string][]*table
}

// runEdge runs a job (2 local executors) and reads every shard back.
func runEdge(t *testing.T, yaml string, sets ...string) edgeOut {
	t.Helper()
	dir, m := runJob(t, yaml, sets, engine.Options{Local: 2})
	return edgeOut{dir: dir, m: m, tables: splitTables(t, dir, m)}
}

// splitRows returns the manifest's rows per split, in split order.
func (o edgeOut) splitRows() []int64 {
	var out []int64
	for _, s := range o.m.Splits {
		out = append(out, s.Rows)
	}
	return out
}

// checkShardSizes checks that every split has shards files (all readable:
// splitTables read them), whose row counts differ by at most one and add
// up to the split's rows, and that the splits add up to rows.written.
func checkShardSizes(t *testing.T, o edgeOut, shards int) {
	t.Helper()
	var total int64
	for _, s := range o.m.Splits {
		tbs := o.tables[s.Name]
		if len(s.Shards) != shards || len(tbs) != shards {
			t.Fatalf("split %s: %d shards in the manifest, %d read, want %d", s.Name, len(s.Shards), len(tbs), shards)
		}
		var sum, lo, hi int64 = 0, math.MaxInt64, 0
		for _, tb := range tbs {
			n := int64(tb.Rows)
			sum += n
			lo, hi = min(lo, n), max(hi, n)
		}
		if hi-lo > 1 {
			t.Fatalf("split %s: shard rows range %d..%d", s.Name, lo, hi)
		}
		if sum != s.Rows {
			t.Fatalf("split %s: shards hold %d rows, manifest says %d", s.Name, sum, s.Rows)
		}
		total += s.Rows
	}
	if total != o.m.Rows.Written {
		t.Fatalf("splits hold %d rows, rows.written is %d", total, o.m.Rows.Written)
	}
}

// edgeRow is where one output row lives.
type edgeRow struct {
	split string
	tb    *table
	i     int
}

// rowsByID indexes every output row by its int64 keep column id, failing
// on an id seen twice.
func rowsByID(t *testing.T, o edgeOut, id string) map[int64]edgeRow {
	t.Helper()
	out := map[int64]edgeRow{}
	for name, tbs := range o.tables {
		for _, tb := range tbs {
			c := tb.col(t, id)
			for i := 0; i < tb.Rows; i++ {
				if _, dup := out[c.I64[i]]; dup {
					t.Fatalf("%s %d written twice", id, c.I64[i])
				}
				out[c.I64[i]] = edgeRow{name, tb, i}
			}
		}
	}
	return out
}

// f32At returns a float32 output value and whether it is valid.
func f32At(t *testing.T, r edgeRow, col string) (float32, bool) {
	t.Helper()
	c := r.tb.col(t, col)
	if c.F32 == nil {
		t.Fatalf("column %s is %s, want float32", col, c.Type)
	}
	return c.F32[r.i], c.Valid[r.i]
}

// groupCounts counts the output rows per split of every group, the group
// being keyOf(table, row).
func groupCounts(o edgeOut, names []string, keyOf func(tb *table, i int) string) map[string][]int64 {
	got := map[string][]int64{}
	for si, name := range names {
		for _, tb := range o.tables[name] {
			for i := 0; i < tb.Rows; i++ {
				k := keyOf(tb, i)
				if got[k] == nil {
					got[k] = make([]int64, len(names))
				}
				got[k][si]++
			}
		}
	}
	return got
}

// nullableString renders a string keep value, "<null>" for a null.
func nullableString(c *column, i int) string {
	if !c.Valid[i] {
		return "<null>"
	}
	return c.S[i]
}

func TestEdgeCases(t *testing.T) {
	t.Run("ZeroRowsAfterFilter", func(t *testing.T) {
		path := writeEdgeCSV(t, "t.csv", "id,x\n1,1.5\n2,2.5\n3,3.5\n4,4.5\n5,5.5\n")
		o := runEdge(t, csvJob(path, "", `filter: x > 100
features:
  x: {transform: zscore}
keep: [id]
split:
  ratios: {train: 0.8, eval: 0.2}
  seed: 1
output:
  format: arrow
  compression: zstd
  shards: 2
`))
		if o.m.Rows.Read != 5 || o.m.Rows.Filtered != 5 || o.m.Rows.Written != 0 {
			t.Fatalf("rows %+v, want read 5, filtered 5, written 0", o.m.Rows)
		}
		if got := o.splitRows(); !slices.Equal(got, []int64{0, 0}) {
			t.Fatalf("split rows %v, want [0 0]", got)
		}
		checkShardSizes(t, o, 2)
		if p := params(t, o.m, "x"); p.TrainRows != 0 {
			t.Fatalf("x fitted on %d train rows, want 0", p.TrainRows)
		}
	})

	t.Run("OneRow", func(t *testing.T) {
		path := writeEdgeCSV(t, "t.csv", "id,x\n1,42.5\n")
		o := runEdge(t, csvJob(path, "", `features:
  x: {transform: zscore}
keep: [id]
split:
  ratios: {train: 0.9, eval: 0.1}
  seed: 1
output:
  format: arrow
  compression: lz4
  shards: 2
`))
		// 0.9 and 0.1 of one row: remainders .9/.1, the row goes to train.
		if got := o.splitRows(); !slices.Equal(got, []int64{1, 0}) {
			t.Fatalf("split rows %v, want [1 0]", got)
		}
		checkShardSizes(t, o, 2)
		p := params(t, o.m, "x")
		if p.Mean != 42.5 || p.Std != 0 || p.TrainRows != 1 {
			t.Fatalf("x fitted mean/std/rows %v/%v/%d, want 42.5/0/1", p.Mean, p.Std, p.TrainRows)
		}
		// Std 0 divides by 1: (42.5-42.5)/1 = 0.
		r := rowsByID(t, o, "id")[1]
		if v, ok := f32At(t, r, "x"); !ok || v != 0 || r.split != "train" {
			t.Fatalf("row 1: x=%v valid=%v split=%s, want 0 in train", v, ok, r.split)
		}
	})

	t.Run("TwoRowsThreeShards", func(t *testing.T) {
		path := writeEdgeCSV(t, "t.csv", "id,x\n1,1\n2,2\n")
		o := runEdge(t, csvJob(path, "", `features:
  x: {transform: minmax}
keep: [id]
split:
  ratios: {train: 0.5, eval: 0.5}
  seed: 3
output:
  format: arrow
  compression: none
  shards: 3
`))
		if got := o.splitRows(); !slices.Equal(got, []int64{1, 1}) {
			t.Fatalf("split rows %v, want [1 1]", got)
		}
		checkShardSizes(t, o, 3)
		rows := rowsByID(t, o, "id")
		if len(rows) != 2 || rows[1].split == rows[2].split {
			t.Fatalf("rows %v: want ids 1 and 2 in different splits", rows)
		}
		// minmax fitted on the one train row: min == max, so every value is 0.
		for id, r := range rows {
			if v, ok := f32At(t, r, "x"); !ok || v != 0 {
				t.Fatalf("id %d: x=%v valid=%v, want 0 (min == max)", id, v, ok)
			}
		}
	})

	allNull := "id,v,w\n1,,1\n2,,2\n3,NA,3\n4,null,4\n"
	allNullJob := func(fill string) string {
		return csvJob(writeEdgeCSV(t, "null.csv", allNull), "{v: float64}", `features:
  v: {transform: zscore, fill: `+fill+`}
  w: {transform: identity}
keep: [id]
split:
  ratios: {train: 1.0}
  seed: 1
output:
  format: arrow
  compression: zstd
  shards: 1
`)
	}
	t.Run("AllNullFillNone", func(t *testing.T) {
		o := runEdge(t, allNullJob("none"))
		rows := rowsByID(t, o, "id")
		if len(rows) != 4 {
			t.Fatalf("%d rows, want 4", len(rows))
		}
		for id, r := range rows {
			if _, ok := f32At(t, r, "v"); ok {
				t.Fatalf("id %d: v is not null", id)
			}
			if w, ok := f32At(t, r, "w"); !ok || w != float32(id) {
				t.Fatalf("id %d: w=%v, want %d", id, w, id)
			}
		}
		if p := params(t, o.m, "v"); p.TrainRows != 0 {
			t.Fatalf("v fitted on %d rows, want 0", p.TrainRows)
		}
	})
	t.Run("AllNullFillValue", func(t *testing.T) {
		o := runEdge(t, allNullJob("{value: 7}"))
		rows := rowsByID(t, o, "id")
		if len(rows) != 4 {
			t.Fatalf("%d rows, want 4", len(rows))
		}
		// No train values: mean 0, std 0 (divisor 1), so the filled 7 stays 7.
		for id, r := range rows {
			if v, ok := f32At(t, r, "v"); !ok || v != 7 {
				t.Fatalf("id %d: v=%v valid=%v, want 7", id, v, ok)
			}
		}
	})
	t.Run("AllNullFillMedian", func(t *testing.T) {
		_, _, err := runJobErr(t.TempDir(), allNullJob("median"), nil, engine.Options{Local: 2})
		if err == nil {
			t.Fatal("fill median of an all-null column succeeded")
		}
		if msg := err.Error(); !strings.Contains(msg, "features.v") || !strings.Contains(msg, "median") {
			t.Fatalf("error %q does not name features.v and the median", msg)
		}
		t.Logf("error: %v", err)
	})

	t.Run("AllNullInferredType", func(t *testing.T) {
		// No input.csv.types: v has no value to infer a type from, so it is
		// read as strings and zscore refuses it with a clear error.
		_, _, err := runJobErr(t.TempDir(), csvJob(writeEdgeCSV(t, "null.csv", allNull), "", `features:
  v: {transform: zscore}
  w: {transform: identity}
keep: [id]
split:
  ratios: {train: 1.0}
  seed: 1
output:
  format: arrow
  compression: zstd
  shards: 1
`), nil, engine.Options{Local: 2})
		if err == nil || !strings.Contains(err.Error(), "features.v") || !strings.Contains(err.Error(), "string") {
			t.Fatalf("zscore of an all-null inferred column: %v, want an error naming features.v and its string type", err)
		}
		t.Logf("error: %v", err)
	})
	t.Run("LabelAllNullFillMean", func(t *testing.T) {
		path := writeEdgeCSV(t, "t.csv", "id,x,y\n1,1,\n2,2,\n")
		_, _, err := runJobErr(t.TempDir(), csvJob(path, "{y: float64}", `features:
  x: {transform: zscore}
label:
  y: {fill: mean}
keep: [id]
split:
  ratios: {train: 1.0}
  seed: 1
output:
  format: arrow
  compression: zstd
  shards: 1
`), nil, engine.Options{Local: 2})
		if err == nil || !strings.Contains(err.Error(), "label.y") || !strings.Contains(err.Error(), "mean") {
			t.Fatalf("fill mean of an all-null label: %v, want an error naming label.y and the mean", err)
		}
		t.Logf("error: %v", err)
	})

	t.Run("ZeroRowsEveryTransformParquet", func(t *testing.T) {
		path := writeEdgeCSV(t, "t.csv", "id,x,s,k\n1,1.5,a,p\n2,2.5,b,q\n3,3.5,a,r\n")
		o := runEdge(t, csvJob(path, "", `filter: x > 100
features:
  x: {transform: bucketize, buckets: 4}
  s: {transform: onehot}
  id: {transform: vocab}
keep: [k]
split:
  by: s
  ratios: {train: 0.5, eval: 0.5}
  seed: 1
aggregates:
  per_s:
    by: [s]
    compute: {n: count(), mean_x: mean(x), d: count_distinct(id)}
output:
  format: parquet
  compression: zstd
  shards: 2
`))
		if o.m.Rows.Read != 3 || o.m.Rows.Filtered != 3 || o.m.Rows.Written != 0 {
			t.Fatalf("rows %+v, want read 3, filtered 3, written 0", o.m.Rows)
		}
		checkShardSizes(t, o, 2)
		tb := o.tables["train"][0]
		if want := []string{"x", "s=__oov__", "id", "k"}; !slices.Equal(tb.Names, want) {
			t.Fatalf("empty output columns %v, want %v", tb.Names, want)
		}
		if len(o.m.Aggregates) != 1 || o.m.Aggregates[0].Rows != 0 {
			t.Fatalf("aggregates %+v, want per_s with 0 rows", o.m.Aggregates)
		}
		if agg := readTable(t, filepath.Join(o.dir, o.m.Aggregates[0].Path)); agg.Rows != 0 {
			t.Fatalf("aggregate file holds %d rows", agg.Rows)
		}
	})

	t.Run("SplitByFloatNaNAndSignedZero", func(t *testing.T) {
		// Groups of f: 0 (written 0 and -0: one group, the hash folds -0)
		// 4 rows, NaN 4 rows, 1.5 4 rows; 0.75/0.25 gives 3/1 each.
		vals := []string{"0", "-0", "NaN", "1.5", "0.0", "NaN", "1.5", "-0.0", "NaN", "1.5", "NaN", "1.5"}
		var b strings.Builder
		b.WriteString("id,f,x\n")
		for i, v := range vals {
			fmt.Fprintf(&b, "%d,%s,%d\n", i+1, v, i)
		}
		o := runEdge(t, csvJob(writeEdgeCSV(t, "t.csv", b.String()), "{f: float64}", `features:
  x: {transform: zscore}
keep: [id, f]
split:
  by: f
  ratios: {train: 0.75, eval: 0.25}
  seed: 3
output:
  format: arrow
  compression: zstd
  shards: 1
`))
		got := groupCounts(o, []string{"train", "eval"}, func(tb *table, i int) string {
			v := tb.Cols["f"].F64[i]
			if v == 0 {
				return "0"
			}
			return fmt.Sprint(v)
		})
		want := map[string][]int64{"0": {3, 1}, "NaN": {3, 1}, "1.5": {3, 1}}
		if len(got) != len(want) {
			t.Fatalf("groups %v, want %v", got, want)
		}
		for k, w := range want {
			if !slices.Equal(got[k], w) {
				t.Fatalf("group %s: split counts %v, want %v (all %v)", k, got[k], w, got)
			}
		}
	})

	t.Run("NaNAndInf", func(t *testing.T) {
		path := writeEdgeCSV(t, "t.csv", "id,x\n1,1\n2,2\n3,NaN\n4,3\n5,Inf\n6,-Inf\n7,4\n8,\n")
		o := runEdge(t, csvJob(path, "", `features:
  x: {transform: zscore}
keep: [id]
split:
  ratios: {train: 1.0}
  seed: 1
output:
  format: arrow
  compression: zstd
  shards: 1
`))
		if o.m.Rows.NaN["x"] != 1 || o.m.Rows.Inf["x"] != 2 {
			t.Fatalf("rows.nan %v rows.inf %v, want x: 1 and x: 2", o.m.Rows.NaN, o.m.Rows.Inf)
		}
		// Finite values 1..4: mean 2.5, sample std sqrt(5/3).
		mean, std := 2.5, math.Sqrt(5.0/3)
		p := params(t, o.m, "x")
		if p.TrainRows != 4 || !relClose(p.Mean, mean, 1e-12) || !relClose(p.Std, std, 1e-12) {
			t.Fatalf("x fitted mean/std/rows %v/%v/%d, want %v/%v/4", p.Mean, p.Std, p.TrainRows, mean, std)
		}
		rows := rowsByID(t, o, "id")
		want := map[int64]float64{1: 1, 2: 2, 3: math.NaN(), 4: 3, 5: math.Inf(1), 6: math.Inf(-1), 7: 4}
		for id, x := range want {
			v, ok := f32At(t, rows[id], "x")
			w := float32((x - mean) / std)
			if !ok || !(v == w || (v != v && w != w)) {
				t.Fatalf("id %d: x=%v valid=%v, want %v", id, v, ok, w)
			}
		}
		if _, ok := f32At(t, rows[8], "x"); ok {
			t.Fatal("id 8: null x was filled")
		}
	})

	t.Run("LabelAllNullDropped", func(t *testing.T) {
		path := writeEdgeCSV(t, "t.csv", "id,x,y\n1,1,\n2,2,\n3,3,\n")
		o := runEdge(t, csvJob(path, "{y: float64}", `features:
  x: {transform: zscore}
label:
  y: {fill: drop}
keep: [id]
split:
  ratios: {train: 0.7, eval: 0.3}
  seed: 2
output:
  format: arrow
  compression: zstd
  shards: 2
`))
		if o.m.Rows.Read != 3 || o.m.Rows.Dropped != 3 || o.m.Rows.DroppedBy["y"] != 3 || o.m.Rows.Written != 0 {
			t.Fatalf("rows %+v, want read 3, dropped 3 (by y), written 0", o.m.Rows)
		}
		if got := o.splitRows(); !slices.Equal(got, []int64{0, 0}) {
			t.Fatalf("split rows %v, want [0 0]", got)
		}
		checkShardSizes(t, o, 2)
	})

	t.Run("SplitByNullGroup", func(t *testing.T) {
		// Groups: a 10 rows, b 7 rows, null 5 rows (empty, NA, null cells).
		var b strings.Builder
		b.WriteString("id,g,x\n")
		id := 0
		add := func(g string, n int) {
			for range n {
				id++
				fmt.Fprintf(&b, "%d,%s,%d\n", id, g, id)
			}
		}
		add("a", 6)
		add("", 2)
		add("b", 7)
		add("NA", 2)
		add("a", 4)
		add("null", 1)
		o := runEdge(t, csvJob(writeEdgeCSV(t, "t.csv", b.String()), "", `features:
  x: {transform: zscore}
keep: [id, g]
split:
  by: g
  ratios: {train: 0.6, eval: 0.4}
  seed: 7
output:
  format: arrow
  compression: zstd
  shards: 2
`))
		got := groupCounts(o, []string{"train", "eval"}, func(tb *table, i int) string { return nullableString(tb.Cols["g"], i) })
		// a: 6/4; b: 4.2/2.8 -> 4/3; null: 3/2.
		want := map[string][]int64{"a": {6, 4}, "b": {4, 3}, "<null>": {3, 2}}
		if len(got) != len(want) {
			t.Fatalf("groups %v, want %v", got, want)
		}
		for k, w := range want {
			if !slices.Equal(got[k], w) {
				t.Fatalf("group %s: split counts %v, want %v (all: %v)", k, got[k], w, got)
			}
		}
		checkShardSizes(t, o, 2)
	})

	t.Run("SplitByTwoColumnsThreeWay", func(t *testing.T) {
		// (a, bx) and (ab, x) must stay two groups of 3 (not one of 6).
		groups := []struct {
			g1, g2 string
			n      int
		}{{"a", "bx", 3}, {"ab", "x", 3}, {"a", "x", 5}, {"b", "x", 1}, {"b", "y", 10}}
		var b strings.Builder
		b.WriteString("id,g1,g2,x\n")
		id := 0
		for _, g := range groups {
			for range g.n {
				id++
				fmt.Fprintf(&b, "%d,%s,%s,%d\n", id, g.g1, g.g2, id%7)
			}
		}
		o := runEdge(t, csvJob(writeEdgeCSV(t, "t.csv", b.String()), "", `features:
  x: {transform: zscore}
keep: [id, g1, g2]
split:
  by: [g1, g2]
  ratios: {train: 0.7, eval: 0.2, test: 0.1}
  seed: 5
output:
  format: arrow
  compression: zstd
  shards: 1
`))
		names := []string{"train", "eval", "test"}
		got := groupCounts(o, names, func(tb *table, i int) string { return tb.Cols["g1"].S[i] + "|" + tb.Cols["g2"].S[i] })
		// Hand-computed largest remainder of 0.7/0.2/0.1 (ties to the earlier split):
		// 3 -> 2.1/0.6/0.3 = 2/1/0; 5 -> 3.5/1/0.5 = 4/1/0; 1 -> 1/0/0; 10 -> 7/2/1.
		want := map[string][]int64{"a|bx": {2, 1, 0}, "ab|x": {2, 1, 0}, "a|x": {4, 1, 0}, "b|x": {1, 0, 0}, "b|y": {7, 2, 1}}
		for k, w := range want {
			if lr := largestRemainder(w[0]+w[1]+w[2], []int64{700, 200, 100}); !slices.Equal(lr, w) {
				t.Fatalf("oracle disagrees with the hand count for %s: %v vs %v", k, lr, w)
			}
			if !slices.Equal(got[k], w) {
				t.Fatalf("group %s: split counts %v, want %v (all: %v)", k, got[k], w, got)
			}
		}
		if len(got) != len(want) {
			t.Fatalf("groups %v, want %v", got, want)
		}
		if got := o.splitRows(); !slices.Equal(got, []int64{16, 5, 1}) {
			t.Fatalf("split rows %v, want [16 5 1]", got)
		}
	})

	t.Run("SplitByTwoColumnsSeparatorInValue", func(t *testing.T) {
		// (a\x1fsx, y) and (a, x\x1fsy) are two groups of 3 rows: 2/1/0
		// each, where one group of 6 would give 4/1/1.
		var b strings.Builder
		b.WriteString("id,g1,g2,x\n")
		for i := 1; i <= 6; i++ {
			g1, g2 := "a\x1fsx", "y"
			if i > 3 {
				g1, g2 = "a", "x\x1fsy"
			}
			fmt.Fprintf(&b, "%d,%s,%s,%d\n", i, g1, g2, i)
		}
		o := runEdge(t, csvJob(writeEdgeCSV(t, "t.csv", b.String()), "", `features:
  x: {transform: zscore}
keep: [id, g1, g2]
split:
  by: [g1, g2]
  ratios: {train: 0.7, eval: 0.2, test: 0.1}
  seed: 5
output:
  format: arrow
  compression: zstd
  shards: 1
`))
		got := groupCounts(o, []string{"train", "eval", "test"}, func(tb *table, i int) string {
			return fmt.Sprintf("%q|%q", tb.Cols["g1"].S[i], tb.Cols["g2"].S[i])
		})
		want := map[string][]int64{`"a\x1fsx"|"y"`: {2, 1, 0}, `"a"|"x\x1fsy"`: {2, 1, 0}}
		if len(got) != len(want) {
			t.Fatalf("groups %v, want %v", got, want)
		}
		for k, w := range want {
			if !slices.Equal(got[k], w) {
				t.Fatalf("group %s: split counts %v, want %v (all %v)", k, got[k], w, got)
			}
		}
	})

	t.Run("ManySingletonGroups", func(t *testing.T) {
		o := runEdge(t, `name: e2e-edge-singletons
input:
  generate: {kind: citibike, rows: 5000, seed: 3, files: 2}
features:
  tripduration: {transform: zscore}
keep: [trip_id]
split:
  by: trip_id
  ratios: {train: 0.9, eval: 0.1}
  seed: 4
output:
  format: arrow
  compression: lz4
  shards: 3
`)
		// Every group has one row: 0.9/0.1 of 1 puts it in train.
		if got := o.splitRows(); !slices.Equal(got, []int64{5000, 0}) {
			t.Fatalf("split rows %v, want [5000 0]", got)
		}
		checkShardSizes(t, o, 3)
		ids := rowsByID(t, o, "trip_id")
		for id := int64(1); id <= 5000; id++ {
			if r, ok := ids[id]; !ok || r.split != "train" {
				t.Fatalf("trip_id %d: in %q, want train", id, r.split)
			}
		}
	})

	t.Run("VocabOnehotTopKMinCount", func(t *testing.T) {
		// Counts: a 5, b 4, c 3, d 3, e 1, null 2 (the same in c1, c2, c3).
		vals := []string{"a", "b", "c", "d", "a", "", "b", "c", "d", "e", "a", "b", "c", "d", "a", "NA", "b", "a"}
		var b strings.Builder
		b.WriteString("id,c1,c2,c3\n")
		for i, v := range vals {
			fmt.Fprintf(&b, "%d,%s,%s,%s\n", i+1, v, v, v)
		}
		o := runEdge(t, csvJob(writeEdgeCSV(t, "t.csv", b.String()), "", `features:
  c1: {transform: vocab, top_k: 3}
  c2: {transform: onehot, min_count: 4}
  c3: {transform: onehot, top_k: 3, min_count: 2}
keep: [id]
split:
  ratios: {train: 1.0}
  seed: 1
output:
  format: arrow
  compression: zstd
  shards: 1
`))
		rows := rowsByID(t, o, "id")
		if len(rows) != len(vals) {
			t.Fatalf("%d rows, want %d", len(rows), len(vals))
		}
		// c1: top 3 = a, b, c (c beats d on the tie by value): ids 1..3, else 0.
		vocabID := map[string]int64{"a": 1, "b": 2, "c": 3}
		zeros := 0
		for i, v := range vals {
			r := rows[int64(i+1)]
			c := r.tb.col(t, "c1")
			if c.Type.String() != "int32" {
				t.Fatalf("c1 is %s, want int32", c.Type)
			}
			if c.I64[r.i] != vocabID[v] || !c.Valid[r.i] {
				t.Fatalf("id %d (%q): c1 id %d, want %d", i+1, v, c.I64[r.i], vocabID[v])
			}
			if c.I64[r.i] == 0 {
				zeros++
			}
		}
		if zeros != 6 { // d 3, e 1, nulls 2
			t.Fatalf("%d rows with vocab id 0, want 6", zeros)
		}
		// c2: min_count 4 keeps a, b; c3: top 3 of count >= 2 = a, b, c.
		for _, c := range []struct {
			name  string
			vocab []string
			oov   int
		}{{"c2", []string{"a", "b"}, 9}, {"c3", []string{"a", "b", "c"}, 6}} {
			var cols []string
			for _, v := range c.vocab {
				cols = append(cols, c.name+"="+v)
			}
			cols = append(cols, c.name+"=__oov__")
			tb := o.tables["train"][0]
			var have []string
			for _, n := range tb.Names {
				if strings.HasPrefix(n, c.name+"=") {
					have = append(have, n)
				}
			}
			if !slices.Equal(have, cols) {
				t.Fatalf("%s one-hot columns %v, want %v", c.name, have, cols)
			}
			oov := 0
			for i, v := range vals {
				r := rows[int64(i+1)]
				hot := c.name + "=__oov__"
				if slices.Contains(c.vocab, v) {
					hot = c.name + "=" + v
				}
				for _, col := range cols {
					x, ok := f32At(t, r, col)
					want := float32(0)
					if col == hot {
						want = 1
					}
					if !ok || x != want {
						t.Fatalf("id %d (%q): %s=%v, want %v", i+1, v, col, x, want)
					}
				}
				if hot == c.name+"=__oov__" {
					oov++
				}
			}
			if oov != c.oov {
				t.Fatalf("%s: %d out-of-vocabulary rows, want %d", c.name, oov, c.oov)
			}
		}
	})

	t.Run("HashStringColumn", func(t *testing.T) {
		vals := []string{"alpha", "beta", "", "gamma", "alpha", "δέλτα", "NA", "beta"}
		var b strings.Builder
		b.WriteString("id,s\n")
		for i, v := range vals {
			fmt.Fprintf(&b, "%d,%s\n", i+1, v)
		}
		o := runEdge(t, csvJob(writeEdgeCSV(t, "t.csv", b.String()), "", `features:
  s: {transform: hash, buckets: 13}
keep: [id]
split:
  ratios: {train: 0.5, eval: 0.5}
  seed: 1
output:
  format: arrow
  compression: zstd
  shards: 1
`))
		rows := rowsByID(t, o, "id")
		for i, v := range vals {
			r := rows[int64(i+1)]
			c := r.tb.col(t, "s")
			want := int64(hashing.NullTag % 13)
			if v != "" && v != "NA" {
				want = int64(hashing.String(v) % 13)
			}
			if c.I64 == nil || c.Type.String() != "int32" || !c.Valid[r.i] || c.I64[r.i] != want {
				t.Fatalf("id %d (%q): s = %v (%s), want bucket %d", i+1, v, c.I64, c.Type, want)
			}
		}
	})

	t.Run("ShardCounts", func(t *testing.T) {
		gen := `name: e2e-edge-shards
input:
  generate: {kind: citibike, rows: 2000, seed: 9, files: 2}
features:
  tripduration: {transform: zscore}
keep: [trip_id]
split:
  ratios: {train: 0.75, eval: 0.25}
  seed: 2
output:
  format: arrow
  compression: zstd
  shards: 1
`
		o := runEdge(t, gen)
		if got := o.splitRows(); !slices.Equal(got, []int64{1500, 500}) {
			t.Fatalf("shards 1: split rows %v, want [1500 500]", got)
		}
		checkShardSizes(t, o, 1)
		if n := len(rowsByID(t, o, "trip_id")); n != 2000 {
			t.Fatalf("shards 1: %d distinct trips, want 2000", n)
		}

		path := writeEdgeCSV(t, "t.csv", "id,x\n1,1\n2,2\n3,3\n4,4\n5,5\n")
		o = runEdge(t, csvJob(path, "", `features:
  x: {transform: identity}
keep: [id]
split:
  ratios: {train: 0.6, eval: 0.4}
  seed: 1
output:
  format: arrow
  compression: zstd
  shards: 8
`))
		if got := o.splitRows(); !slices.Equal(got, []int64{3, 2}) {
			t.Fatalf("shards 8: split rows %v, want [3 2]", got)
		}
		checkShardSizes(t, o, 8)
		rows := rowsByID(t, o, "id")
		for id := int64(1); id <= 5; id++ {
			if v, ok := f32At(t, rows[id], "x"); !ok || v != float32(id) {
				t.Fatalf("id %d: x=%v, want %d", id, v, id)
			}
		}
	})

	t.Run("NoShuffleKeepsInputOrder", func(t *testing.T) {
		o := runEdge(t, `name: e2e-edge-noshuffle
input:
  generate: {kind: citibike, rows: 3000, seed: 6, files: 3}
features:
  tripduration: {transform: zscore}
keep: [trip_id]
split:
  ratios: {train: 0.8, eval: 0.2}
  seed: 8
output:
  format: arrow
  compression: lz4
  shards: 3
  shuffle: false
`)
		if o.m.Shuffle.Enabled {
			t.Fatal("manifest says shuffle enabled")
		}
		checkShardSizes(t, o, 3)
		for name, tbs := range o.tables {
			for si, tb := range tbs {
				ids := tb.col(t, "trip_id").I64
				for i := 1; i < len(ids); i++ {
					if ids[i] <= ids[i-1] {
						t.Fatalf("%s shard %d: trip_id %d follows %d (row %d): not in input order", name, si, ids[i], ids[i-1], i)
					}
				}
			}
		}
	})

	t.Run("ParquetKeepString", func(t *testing.T) {
		const rows = 2000
		o := runEdge(t, `name: e2e-edge-parquet
input:
  generate: {kind: citibike, rows: 2000, seed: 12, files: 2}
features:
  tripduration: {transform: zscore}
keep: [trip_id, start_station_name, usertype]
split:
  ratios: {train: 0.9, eval: 0.1}
  seed: 2
output:
  format: parquet
  compression: zstd
  shards: 2
`)
		checkShardSizes(t, o, 2)
		raw := byTripID(rawRows(t, 12, rows))
		seen := 0
		for _, tbs := range o.tables {
			for _, tb := range tbs {
				ids, names, users := tb.col(t, "trip_id"), tb.col(t, "start_station_name"), tb.col(t, "usertype")
				if names.S == nil || users.S == nil {
					t.Fatalf("keep strings read back as %s / %s", names.Type, users.Type)
				}
				for i := 0; i < tb.Rows; i++ {
					r := raw[ids.I64[i]]
					if r == nil || names.S[i] != r.StartName || users.S[i] != r.UserType {
						t.Fatalf("trip_id %d: %q/%q, raw %+v", ids.I64[i], names.S[i], users.S[i], r)
					}
					seen++
				}
			}
		}
		if seen != rows {
			t.Fatalf("%d rows read back, want %d", seen, rows)
		}
	})

	t.Run("BadCSVValueFarDown", func(t *testing.T) {
		// Lines 2..1801 are numbers; line 1802 holds "oops" past inference.
		var b strings.Builder
		b.WriteString("id,x\n")
		for i := 1; i <= 1800; i++ {
			fmt.Fprintf(&b, "%d,%d.5\n", i, i)
		}
		b.WriteString("1801,oops\n1802,3.5\n")
		path := writeEdgeCSV(t, "bad.csv", b.String())
		root := t.TempDir()
		_, _, err := runJobErr(root, csvJob(path, "", `features:
  x: {transform: zscore}
keep: [id]
split:
  ratios: {train: 0.8, eval: 0.2}
  seed: 1
output:
  format: arrow
  compression: zstd
  shards: 2
`), nil, engine.Options{Local: 2, WorkDir: t.TempDir()})
		if err == nil {
			t.Fatal("a CSV with a bad number succeeded")
		}
		if msg := err.Error(); !strings.Contains(msg, path+":1802:") || !strings.Contains(msg, "oops") || !strings.Contains(msg, `"x"`) {
			t.Fatalf("error %q does not name %s:1802, column x and the value", msg, path)
		}
		t.Logf("error: %v", err)
		ents, rerr := os.ReadDir(root)
		if rerr != nil {
			t.Fatal(rerr)
		}
		if len(ents) != 0 {
			var names []string
			for _, e := range ents {
				names = append(names, e.Name())
			}
			t.Fatalf("failed job left %v under the output's parent", names)
		}
	})

	t.Run("Overwrite", func(t *testing.T) {
		path := writeEdgeCSV(t, "t.csv", "id,x\n1,1\n2,2\n3,3\n4,4\n")
		job := csvJob(path, "", `features:
  x: {transform: identity}
keep: [id]
split:
  ratios: {train: 0.5, eval: 0.5}
  seed: 1
output:
  format: arrow
  compression: zstd
  shards: 2
`)
		root := t.TempDir()
		opt := engine.Options{Local: 2, WorkDir: t.TempDir()}
		out, m1, err := runJobErr(root, job, nil, opt)
		if err != nil {
			t.Fatal(err)
		}
		before, err := os.ReadFile(filepath.Join(out, "manifest.json"))
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = runJobErr(root, job, []string{"output.shards=3"}, opt)
		if err == nil || !strings.Contains(err.Error(), "already exists") || !strings.Contains(err.Error(), "output.overwrite=true") {
			t.Fatalf("second run without overwrite: %v, want an 'already exists' error naming output.overwrite=true", err)
		}
		after, err := os.ReadFile(filepath.Join(out, "manifest.json"))
		if err != nil || string(after) != string(before) {
			t.Fatalf("refused run changed the existing output (err %v)", err)
		}
		if len(m1.Splits[0].Shards) != 2 {
			t.Fatalf("first run: %d shards", len(m1.Splits[0].Shards))
		}
		stale := filepath.Join(out, "train", "stale.txt")
		if err := os.WriteFile(stale, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		out2, m2, err := runJobErr(root, job, []string{"output.shards=3", "output.overwrite=true"}, opt)
		if err != nil {
			t.Fatal(err)
		}
		if out2 != out || m2.Output.ShardsPerSplit != 3 || len(m2.Splits[0].Shards) != 3 {
			t.Fatalf("overwrite: %s with %+v, want %s with 3 shards", out2, m2.Output, out)
		}
		if _, err := os.Stat(stale); !os.IsNotExist(err) {
			t.Fatalf("overwrite kept a file of the old output: %v", err)
		}
		o := edgeOut{dir: out2, m: m2, tables: splitTables(t, out2, m2)}
		checkShardSizes(t, o, 3)
		if n := len(rowsByID(t, o, "id")); n != 4 {
			t.Fatalf("overwritten output holds %d rows, want 4", n)
		}
		ents, err := os.ReadDir(root)
		if err != nil || len(ents) != 1 {
			t.Fatalf("output parent holds %v (err %v), want only out", ents, err)
		}
	})
}
