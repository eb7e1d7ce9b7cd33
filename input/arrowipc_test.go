package input

import (
	"github.com/sluice-ml/sluice/internal/arrowtest"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/jobspec"
)

func TestArrowRoundTrip(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	dir := t.TempDir()
	fields := []arrow.Field{
		{Name: "n", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.LargeString, Nullable: true},
		{Name: "d", Type: &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: arrow.BinaryTypes.String}, Nullable: true},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Nanosecond}, Nullable: true},
	}
	var want [][]any
	var ns, ss, ds, ts []any
	row := 0
	for _, n := range []int{5, 7} {
		for i := 0; i < n; i++ {
			v := row
			var s, dv, tv any = "s" + string(rune('a'+v)), []string{"x", "y"}[v%2], -1500 + 1000*v
			var nv any = v
			if v%4 == 3 {
				nv, s, dv, tv = nil, nil, nil, nil
			}
			ns, ss, ds, ts = append(ns, nv), append(ss, s), append(ds, dv), append(ts, tv)
			w := []any{int64(v), s, dv, nil}
			if nv == nil {
				w[0] = nil
			} else {
				w[3] = int64(-2 + v) // floor((-1500 + 1000 v) / 1000)
			}
			want = append(want, w)
			row++
		}
	}
	// Two record batches sharing one dictionary (the IPC file format
	// allows no dictionary replacement).
	all := buildRec(t, mem, fields, ns, ss, ds, ts)
	recs := []arrow.RecordBatch{all.NewSlice(0, 5), all.NewSlice(5, 12)}
	all.Release()
	path := filepath.Join(dir, "x.arrow")
	writeArrowFile(t, path, recs...)
	for _, r := range recs {
		r.Release()
	}
	d, err := Open(jobspec.Input{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	if d.Format != "arrow" || len(d.Tasks) != 1 {
		t.Fatalf("dataset %+v", d)
	}
	s := readTask(t, d, d.Tasks[0], ReadOptions{BatchRows: 4}, mem)
	arrowtest.SameRows(t, s.rows, want)
	if !reflect.DeepEqual(s.firsts, []int64{0, 4, 5, 9}) || !reflect.DeepEqual(s.sizes, []int{4, 1, 4, 3}) {
		t.Fatalf("firsts %v sizes %v", s.firsts, s.sizes)
	}
	// Projection.
	p := readTask(t, d, d.Tasks[0], ReadOptions{Columns: []string{"ts"}}, mem)
	for i := range p.rows {
		if !reflect.DeepEqual(p.rows[i], want[i][3:]) {
			t.Fatalf("row %d: %v", i, p.rows[i])
		}
	}
}

func TestArrowUnsupportedType(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	lb := array.NewListBuilder(mem, arrow.PrimitiveTypes.Int64)
	lb.Append(true)
	lb.ValueBuilder().(*array.Int64Builder).Append(1)
	l := lb.NewArray()
	lb.Release()
	sc := arrow.NewSchema([]arrow.Field{{Name: "tags", Type: l.DataType(), Nullable: true}}, nil)
	rec := array.NewRecordBatch(sc, []arrow.Array{l}, 1)
	l.Release()
	path := filepath.Join(t.TempDir(), "l.arrow")
	writeArrowFile(t, path, rec)
	rec.Release()
	_, err := Open(jobspec.Input{Path: path})
	if err == nil || !strings.Contains(err.Error(), path+`: column "tags": type list`) || !strings.Contains(err.Error(), "allowed:") {
		t.Fatalf("list column: %v", err)
	}
}
