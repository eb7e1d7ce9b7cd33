package input

import (
	"context"
	"github.com/sluice-ml/sluice/internal/arrowtest"
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
	"github.com/apache/arrow-go/v18/parquet/compress"

	"github.com/sluice-ml/sluice/input/canonical"
	"github.com/sluice-ml/sluice/input/prune"
	"github.com/sluice-ml/sluice/jobspec"
)

func TestParquetRoundTripTypes(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	dir := t.TempDir()
	fields := []arrow.Field{
		{Name: "i8", Type: arrow.PrimitiveTypes.Int8, Nullable: true},
		{Name: "i32", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "u16", Type: arrow.PrimitiveTypes.Uint16, Nullable: true},
		{Name: "f32", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
		{Name: "f64", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "b", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Millisecond}, Nullable: true},
		{Name: "day", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
	}
	rec := buildRec(t, mem, fields,
		[]any{1, -2, 3, nil, 5, 6, 7},
		[]any{10, nil, 30, 40, 50, 60, nil},
		[]any{65535, 1, 2, 3, 4, 5, 6},
		[]any{1.5, 2.5, nil, 4.5, 5.5, 6.5, 7.5},
		[]any{0.25, nil, -1.0, 2.0, 3.0, 4.0, 5.0},
		[]any{true, false, nil, true, true, false, true},
		[]any{1000, -1500, 3, nil, 5, 6, 7},
		[]any{0, 1, -1, 18262, nil, 3, 4},
		[]any{"a", "bb", nil, "a", "", "ccc", "bb"},
	)
	defer rec.Release()
	path := filepath.Join(dir, "x.parquet")
	writeParquet(t, path, rec, 3, parquet.WithCompression(compress.Codecs.Zstd))

	d, err := Open(jobspec.Input{Path: path, Format: "parquet"})
	if err != nil {
		t.Fatal(err)
	}
	wantTypes := []arrow.DataType{arrow.PrimitiveTypes.Int64, arrow.PrimitiveTypes.Int64, arrow.PrimitiveTypes.Int64,
		arrow.PrimitiveTypes.Float64, arrow.PrimitiveTypes.Float64, arrow.FixedWidthTypes.Boolean,
		arrow.FixedWidthTypes.Timestamp_us, arrow.FixedWidthTypes.Timestamp_us, canonical.DictString}
	for i, f := range d.Schema.Fields() {
		if !arrow.TypeEqual(f.Type, wantTypes[i]) {
			t.Errorf("column %s: type %s, want %s", f.Name, f.Type, wantTypes[i])
		}
	}
	if len(d.Files) != 1 || d.Files[0].Rows != 7 || d.Files[0].RelPath != "x.parquet" {
		t.Fatalf("files %+v", d.Files)
	}
	if len(d.Tasks) != 1 || !reflect.DeepEqual(d.Tasks[0].RowGroups, []int{0, 1, 2}) || d.Tasks[0].Rows != 7 {
		t.Fatalf("tasks %+v", d.Tasks)
	}
	day := int64(86_400_000_000)
	want := [][]any{
		{int64(1), int64(10), int64(65535), 1.5, 0.25, true, int64(1_000_000), int64(0), "a"},
		{int64(-2), nil, int64(1), 2.5, nil, false, int64(-1_500_000), day, "bb"},
		{int64(3), int64(30), int64(2), nil, -1.0, nil, int64(3000), -day, nil},
		{nil, int64(40), int64(3), 4.5, 2.0, true, nil, 18262 * day, "a"},
		{int64(5), int64(50), int64(4), 5.5, 3.0, true, int64(5000), nil, ""},
		{int64(6), int64(60), int64(5), 6.5, 4.0, false, int64(6000), 3 * day, "ccc"},
		{int64(7), nil, int64(6), 7.5, 5.0, true, int64(7000), 4 * day, "bb"},
	}
	s := readTask(t, d, d.Tasks[0], ReadOptions{BatchRows: 2}, mem)
	arrowtest.SameRows(t, s.rows, want)
	// Batches never cross row groups (3, 3, 1 rows), so with 2-row batches:
	if !reflect.DeepEqual(s.firsts, []int64{0, 2, 3, 5, 6}) || !reflect.DeepEqual(s.sizes, []int{2, 1, 2, 1, 1}) {
		t.Fatalf("firsts %v sizes %v", s.firsts, s.sizes)
	}
	if s.stats != (prune.Stats{RowGroupsRead: 3}) {
		t.Fatalf("stats %+v", s.stats)
	}

	// Projection keeps schema order whatever the order asked.
	p := readTask(t, d, d.Tasks[0], ReadOptions{Columns: []string{"s", "i32"}}, mem)
	for i, row := range p.rows {
		if !reflect.DeepEqual(row, []any{want[i][1], want[i][8]}) {
			t.Fatalf("projected row %d: %v", i, row)
		}
	}
	// No columns: row counts only.
	e := readTask(t, d, d.Tasks[0], ReadOptions{Columns: []string{}}, mem)
	if len(e.rows) != 7 || !reflect.DeepEqual(e.firsts, []int64{0, 3, 6}) {
		t.Fatalf("empty projection: %d rows, firsts %v", len(e.rows), e.firsts)
	}
	if _, err := d.Read(context.Background(), d.Tasks[0], ReadOptions{Columns: []string{"nope"}}, mem); err == nil || !strings.Contains(err.Error(), `no column "nope"`) {
		t.Fatalf("unknown column: %v", err)
	}
}

// prunedFile writes 5 row groups of 10 rows: x = row, y = row/2, t = row seconds.
func prunedFile(t *testing.T, dir string) string {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	var xs, ys, ts, names, zs []any
	for i := 0; i < 50; i++ {
		xs = append(xs, i)
		if i < 10 {
			zs = append(zs, nil)
		} else {
			zs = append(zs, i)
		}
		ys = append(ys, float64(i)/2)
		ts = append(ts, i)
		names = append(names, []string{"a", "b", "c"}[i%3])
	}
	rec := buildRec(t, mem, []arrow.Field{
		{Name: "x", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "y", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "t", Type: &arrow.TimestampType{Unit: arrow.Second, TimeZone: "UTC"}, Nullable: true},
		{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "z", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	}, xs, ys, ts, names, zs)
	defer rec.Release()
	path := filepath.Join(dir, "p.parquet")
	writeParquet(t, path, rec, 10)
	return path
}

func TestParquetPruning(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	d, err := Open(jobspec.Input{Path: prunedFile(t, t.TempDir()), Format: "parquet"})
	if err != nil {
		t.Fatal(err)
	}
	inf := math.Inf(1)
	cases := []struct {
		name   string
		prune  []prune.Range
		firsts []int64
		read   int
	}{
		{"none", nil, []int64{0, 8, 10, 18, 20, 28, 30, 38, 40, 48}, 5},
		{"x in [22,31]", []prune.Range{{Column: "x", Lo: 22, Hi: 31, LoIncl: true, HiIncl: true}}, []int64{20, 28, 30, 38}, 2},
		{"x in (29,30) strict", []prune.Range{{Column: "x", Lo: 29, Hi: 30}}, nil, 0},
		{"x in [29,30]", []prune.Range{{Column: "x", Lo: 29, Hi: 30, LoIncl: true, HiIncl: true}}, []int64{20, 28, 30, 38}, 2},
		{"y >= 20 (x >= 40)", []prune.Range{{Column: "y", Lo: 20, Hi: inf, LoIncl: true}}, []int64{40, 48}, 1},
		{"AND", []prune.Range{{Column: "x", Lo: 0, Hi: 25, LoIncl: true, HiIncl: true}, {Column: "y", Lo: 7, Hi: inf, LoIncl: true}}, []int64{10, 18, 20, 28}, 2},
		{"t in [5s,9s] microseconds", []prune.Range{{Column: "t", Lo: 5e6, Hi: 9e6, LoIncl: true, HiIncl: true}}, []int64{0, 8}, 1},
		{"z all null in group 0", []prune.Range{{Column: "z", Lo: math.Inf(-1), Hi: 15, HiIncl: true}}, []int64{10, 18}, 1},
		{"beyond", []prune.Range{{Column: "x", Lo: 50, Hi: inf, LoIncl: true}}, nil, 0},
	}
	for _, c := range cases {
		s := readTask(t, d, d.Tasks[0], ReadOptions{BatchRows: 8, Prune: c.prune, Columns: []string{"name", "x"}}, mem)
		if !reflect.DeepEqual(s.firsts, c.firsts) {
			t.Errorf("%s: firsts %v, want %v", c.name, s.firsts, c.firsts)
		}
		if s.stats.RowGroupsRead != c.read || s.stats.RowGroupsSkipped != 5-c.read {
			t.Errorf("%s: stats %+v, want %d read", c.name, s.stats, c.read)
		}
		// Row numbers stay true: x equals the file row number.
		for b, first := range s.firsts {
			row := 0
			for k := 0; k < b; k++ {
				row += s.sizes[k]
			}
			if got := s.rows[row][0]; got != first {
				t.Errorf("%s: batch at %d starts with x=%v", c.name, first, got)
			}
		}
	}
	if _, err := d.Read(context.Background(), d.Tasks[0], ReadOptions{Prune: []prune.Range{{Column: "name", Lo: 0, Hi: 1}}}, mem); err == nil || !strings.Contains(err.Error(), `"name"`) {
		t.Fatalf("prune on a string column: %v", err)
	}
}

func TestCutRowGroups(t *testing.T) {
	got := cutRowGroups([]int64{400, 400, 400, 2000, 10, 10}, 1000)
	want := []Task{
		{RowGroups: []int{0, 1}, RowOffset: 0, Rows: 800},
		{RowGroups: []int{2}, RowOffset: 800, Rows: 400},
		{RowGroups: []int{3}, RowOffset: 1200, Rows: 2000},
		{RowGroups: []int{4, 5}, RowOffset: 3200, Rows: 20},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
}

func TestParquetDirectoryAndSchemaMismatch(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	dir := t.TempDir()
	ints := buildRec(t, mem, []arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, []any{1, 2})
	defer ints.Release()
	i32 := buildRec(t, mem, []arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int32, Nullable: true}}, []any{3})
	defer i32.Release()
	floats := buildRec(t, mem, []arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Float64, Nullable: true}}, []any{1.5})
	defer floats.Release()
	os.MkdirAll(filepath.Join(dir, "sub"), 0o755)
	writeParquet(t, filepath.Join(dir, "b.parquet"), ints, 10)
	writeParquet(t, filepath.Join(dir, "sub", "a.parquet"), i32, 10)
	writeText(t, filepath.Join(dir, "_SUCCESS"), "")
	writeText(t, filepath.Join(dir, ".part-0.crc"), "x")
	writeText(t, filepath.Join(dir, "_tmp", "x.csv"), "x")
	// A foreign file is an error naming it and the allowed extensions.
	for _, name := range []string{"notes.txt", filepath.Join("sub", "export.csv")} {
		foreign := filepath.Join(dir, name)
		writeText(t, foreign, "x")
		_, err := Open(jobspec.Input{Path: dir, Format: "parquet"})
		if err == nil || !strings.Contains(err.Error(), foreign+" is not a parquet file") || !strings.Contains(err.Error(), ".parquet or .pq") {
			t.Fatalf("foreign file %s: %v", name, err)
		}
		os.Remove(foreign)
	}

	d, err := Open(jobspec.Input{Path: dir, Format: "parquet"})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Files) != 2 || d.Files[0].RelPath != "b.parquet" || d.Files[1].RelPath != "sub/a.parquet" {
		t.Fatalf("files %+v", d.Files)
	}
	arrowtest.SameRows(t, readAll(t, d, ReadOptions{}, mem), [][]any{{int64(1)}, {int64(2)}, {int64(3)}})

	g, err := Open(jobspec.Input{Path: filepath.Join(dir, "*", "*.parquet"), Format: "parquet"})
	if err != nil || len(g.Files) != 1 || g.Files[0].RelPath != "sub/a.parquet" {
		t.Fatalf("glob: %v %+v", err, g)
	}

	bad := filepath.Join(dir, "c.parquet")
	writeParquet(t, bad, floats, 10)
	_, err = Open(jobspec.Input{Path: dir, Format: "parquet"})
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "b.parquet")) || !strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), `"x"`) {
		t.Fatalf("schema mismatch error: %v", err)
	}
}

func TestParquetTruncatedAndCorrupt(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	dir := t.TempDir()
	path := prunedFile(t, dir)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	trunc := filepath.Join(dir, "trunc.parquet")
	writeText(t, trunc, string(data[:len(data)/2]))
	if _, err := Open(jobspec.Input{Path: trunc, Format: "parquet"}); err == nil || !strings.Contains(err.Error(), trunc) {
		t.Fatalf("truncated: %v", err)
	}

	// Garbage over the first column chunk's page header: the footer still
	// reads, the row group does not.
	corrupt := filepath.Join(dir, "corrupt.parquet")
	bad := append([]byte(nil), data...)
	for i := 4; i < 40; i++ {
		bad[i] = 0xff
	}
	writeText(t, corrupt, string(bad))
	d, err := Open(jobspec.Input{Path: corrupt, Format: "parquet"})
	if err != nil {
		t.Fatal(err)
	}
	r, err := d.Read(context.Background(), d.Tasks[0], ReadOptions{}, mem)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	_, _, err = r.Next()
	if err == nil || !strings.Contains(err.Error(), corrupt+": row group 0") {
		t.Fatalf("corrupt: %v", err)
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	_, err := Open(jobspec.Input{Path: filepath.Join(dir, "missing"), Format: "parquet"})
	if err == nil || err.Error() != "input.path: no such file or directory: "+filepath.Join(dir, "missing") {
		t.Fatalf("missing: %v", err)
	}
	if _, err := Open(jobspec.Input{Path: dir, Format: "parquet"}); err == nil || !strings.Contains(err.Error(), "no parquet files") {
		t.Fatalf("empty dir: %v", err)
	}
	if _, err := Open(jobspec.Input{Path: filepath.Join(dir, "*.csv"), Format: "csv"}); err == nil || !strings.Contains(err.Error(), "matches no files") {
		t.Fatalf("empty glob: %v", err)
	}
	if _, err := Open(jobspec.Input{Path: filepath.Join(dir, "x.json")}); err == nil || !strings.Contains(err.Error(), "input.format") {
		t.Fatalf("unknown extension: %v", err)
	}

	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	rec := buildRec(t, mem, []arrow.Field{{Name: "blob", Type: arrow.BinaryTypes.Binary, Nullable: true}}, []any{nil})
	defer rec.Release()
	p := filepath.Join(dir, "bin.parquet")
	writeParquet(t, p, rec, 10)
	_, err = Open(jobspec.Input{Path: p})
	if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), `column "blob"`) || !strings.Contains(err.Error(), "allowed") {
		t.Fatalf("binary column: %v", err)
	}
}

func TestParquetReadErrorNamesRowGroup(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	b := array.NewUint64Builder(mem)
	b.AppendValues([]uint64{1, 2, 3, 4, 1 << 63, 6}, nil)
	u := b.NewArray()
	b.Release()
	sc := arrow.NewSchema([]arrow.Field{{Name: "u", Type: arrow.PrimitiveTypes.Uint64, Nullable: true}}, nil)
	rec := array.NewRecordBatch(sc, []arrow.Array{u}, 6)
	u.Release()
	defer rec.Release()
	path := filepath.Join(t.TempDir(), "u.parquet")
	writeParquet(t, path, rec, 2)
	d, err := Open(jobspec.Input{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	r, err := d.Read(context.Background(), d.Tasks[0], ReadOptions{}, mem)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var firsts []int64
	for {
		b, first, err := r.Next()
		if err != nil {
			want := path + `: row group 2: column "u": uint64 value 9223372036854775808 does not fit in int64`
			if err.Error() != want {
				t.Fatalf("got %v, want %s", err, want)
			}
			break
		}
		if b == nil {
			t.Fatal("no error")
		}
		firsts = append(firsts, first)
	}
	if !reflect.DeepEqual(firsts, []int64{0, 2}) {
		t.Fatalf("firsts before the error: %v", firsts)
	}
}
