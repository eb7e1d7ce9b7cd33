package engine

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/sluice-ml/sluice/engine/runreport"
)

// writeExpectParquet writes one file of (id, x, s) in row groups of 3 rows;
// a nil x or an empty s is null.
func writeExpectParquet(t *testing.T, path string, ids []int64, xs []*float64, ss []string) {
	t.Helper()
	mem := memory.NewGoAllocator()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "x", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	for i := range ids {
		b.Field(0).(*array.Int64Builder).Append(ids[i])
		if xs[i] == nil {
			b.Field(1).AppendNull()
		} else {
			b.Field(1).(*array.Float64Builder).Append(*xs[i])
		}
		if ss[i] == "" {
			b.Field(2).AppendNull()
		} else {
			b.Field(2).(*array.StringBuilder).Append(ss[i])
		}
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := pqarrow.NewFileWriter(schema, f, parquet.NewWriterProperties(parquet.WithMaxRowGroupLength(3)), pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func fs(v ...float64) []*float64 {
	out := make([]*float64, len(v))
	for i := range v {
		if !math.IsInf(v[i], -1) { // -Inf stands for null here
			out[i] = &v[i]
		}
	}
	return out
}

// TestExpectParquetHandComputed: two Parquet files in row groups of 3.
// The filter (x >= 100) would let pruning skip every row group but one;
// the rules still see all 20 rows, and the examples name the file and the
// row within it across row groups and files. By hand:
//
//	a: x 11 (row 3) and -1 (row 8) outside [0, 10]; s "c" (row 4), null (row 7)
//	b: x NaN (row 2) and 100 (row 4) outside [0, 10]
//	id 3 is in a row 3 and b row 3; id 11 in b rows 1 and 10
func TestExpectParquetHandComputed(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	if err := os.Mkdir(in, 0o755); err != nil {
		t.Fatal(err)
	}
	null := math.Inf(-1)
	a, bf := filepath.Join(in, "a.parquet"), filepath.Join(in, "b.parquet")
	writeExpectParquet(t, a, []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10},
		fs(1, 2, 11, 3, null, 4, 5, -1, 6, 7), []string{"a", "b", "a", "c", "a", "b", "", "a", "b", "a"})
	writeExpectParquet(t, bf, []int64{11, 12, 3, 14, 15, 16, 17, 18, 19, 11},
		fs(8, math.NaN(), 9, 100, 2, 3, 4, 5, 6, 7), []string{"a", "a", "a", "a", "a", "a", "a", "a", "a", "a"})
	src := `name: pq
input: {path: ` + in + `/, format: parquet}
filter: x >= 100
keep: [id]
output: {path: ` + filepath.Join(dir, "out") + `}
expect:
  x: {between: [0, 10]}
  id: {unique: true}
  s: {in: [a, b], not_null: true}
  rows: {min: 20, max: 20}
`
	_, err := expectRun(t, src, nil, Options{Local: 3})
	var xe *runreport.ExpectError
	if !errors.As(err, &xe) {
		t.Fatalf("want an *ExpectError, got %v", err)
	}
	type ex struct {
		file string
		row  int64
		val  string
	}
	want := map[string][]ex{
		"x/between":  {{a, 3, "11"}, {a, 8, "-1"}, {bf, 2, "NaN"}, {bf, 4, "100"}},
		"id/unique":  {{a, 3, "3"}, {bf, 1, "11"}, {bf, 3, "3"}, {bf, 10, "11"}},
		"s/in":       {{a, 4, `"c"`}},
		"s/not_null": {{a, 7, "null"}},
	}
	if xe.Result.Rows != 20 || len(xe.Result.Rules) != 6 {
		t.Fatalf("result %+v", xe.Result)
	}
	for _, r := range xe.Result.Rules {
		if r.Column == "" {
			if !r.Passed {
				t.Errorf("%s failed on 20 rows", r.Spec)
			}
			continue
		}
		var got []ex
		for _, e := range r.Examples {
			got = append(got, ex{e.File, e.Row, e.Value})
		}
		w := want[r.Column+"/"+r.Rule]
		if r.Passed || r.Violations != int64(len(w)) || !reflect.DeepEqual(got, w) {
			t.Errorf("%s %s: passed %v, %d violations, examples %v; want %v", r.Column, r.Rule, r.Passed, r.Violations, got, w)
		}
	}
	if !strings.Contains(err.Error(), "x between [0, 10]: 4 violating rows, e.g. 11 ("+a+" row 3); -1 ("+a+" row 8); NaN ("+bf+" row 2); 100 ("+bf+" row 4)") {
		t.Errorf("message:\n%v", err)
	}
}
