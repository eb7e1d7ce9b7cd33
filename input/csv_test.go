package input

import (
	"context"
	"fmt"
	"github.com/sluice-ml/sluice/internal/arrowtest"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/input/canonical"
	"github.com/sluice-ml/sluice/jobspec"
)

func csvInput(path string) jobspec.Input {
	return jobspec.Input{Path: path, Format: "csv", CSV: jobspec.CSVOptions{Header: true}}
}

func TestCSVRoundTripInference(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	path := filepath.Join(t.TempDir(), "trips.csv")
	writeText(t, path, "id,dur,member,start,name,empty\n"+
		"1,1.5,true,2019-01-01 00:00:01,\"W 21 St, 6 Ave\",\n"+
		"2,NA,FALSE,2019-01-01T00:00:02.5,E 3 St,null\n"+
		"-3,7,True,1970-01-01,\"multi\nline\",\n"+
		"NA,,false,2020-02-29 23:59:59Z,E 3 St,\n"+
		"5,1e3,,1969-12-31 23:59:59,,NA\n")
	d, err := Open(csvInput(path))
	if err != nil {
		t.Fatal(err)
	}
	want := []arrow.DataType{arrow.PrimitiveTypes.Int64, arrow.PrimitiveTypes.Float64, arrow.FixedWidthTypes.Boolean,
		arrow.FixedWidthTypes.Timestamp_us, canonical.DictString, canonical.DictString}
	for i, f := range d.Schema.Fields() {
		if !arrow.TypeEqual(f.Type, want[i]) {
			t.Errorf("column %s: %s, want %s", f.Name, f.Type, want[i])
		}
	}
	if d.Files[0].Rows != -1 || d.Tasks[0].Rows != -1 {
		t.Errorf("CSV rows should be unknown: %+v %+v", d.Files[0], d.Tasks[0])
	}
	const s = int64(1_000_000)
	jan1 := int64(1546300800) * s
	rows := [][]any{
		{int64(1), 1.5, true, jan1 + s, "W 21 St, 6 Ave", nil},
		{int64(2), nil, false, jan1 + 2*s + s/2, "E 3 St", nil},
		{int64(-3), 7.0, true, int64(0), "multi\nline", nil},
		{nil, nil, false, int64(1582934400+86399) * s, "E 3 St", nil},
		{int64(5), 1000.0, nil, -s, nil, nil},
	}
	got := readTask(t, d, d.Tasks[0], ReadOptions{BatchRows: 2}, mem)
	arrowtest.SameRows(t, got.rows, rows)
	if !reflect.DeepEqual(got.firsts, []int64{0, 2, 4}) {
		t.Fatalf("firsts %v", got.firsts)
	}
	p := readTask(t, d, d.Tasks[0], ReadOptions{Columns: []string{"name", "id"}}, mem)
	for i, r := range p.rows {
		if !reflect.DeepEqual(r, []any{rows[i][0], rows[i][4]}) {
			t.Fatalf("projected row %d: %v", i, r)
		}
	}
}

func TestCSVOptions(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	path := filepath.Join(t.TempDir(), "x.csv")
	writeText(t, path, "1;007;-\n2;;x\n")
	in := jobspec.Input{Path: path, Format: "csv", CSV: jobspec.CSVOptions{
		Delimiter: ";", Header: false, Types: map[string]string{"_c1": "string"}, Null: []string{"-"},
	}}
	d, err := Open(in)
	if err != nil {
		t.Fatal(err)
	}
	if d.Schema.Field(0).Name != "_c0" || !arrow.TypeEqual(d.Schema.Field(1).Type, canonical.DictString) {
		t.Fatalf("schema %s", d.Schema)
	}
	arrowtest.SameRows(t, readAll(t, d, ReadOptions{}, mem), [][]any{{int64(1), "007", nil}, {int64(2), "", "x"}})

	in.CSV.Types = map[string]string{"nope": "int64"}
	if _, err := Open(in); err == nil || !strings.Contains(err.Error(), `no column "nope"`) {
		t.Fatalf("unknown typed column: %v", err)
	}
	in.CSV.Types = map[string]string{"_c0": "decimal"}
	if _, err := Open(in); err == nil || !strings.Contains(err.Error(), "allowed: int64") {
		t.Fatalf("unknown type: %v", err)
	}
	in.CSV.Types, in.CSV.Delimiter = nil, ";;"
	if _, err := Open(in); err == nil || !strings.Contains(err.Error(), "input.csv.delimiter") {
		t.Fatalf("bad delimiter: %v", err)
	}
}

// readErr reads every batch of the first task and returns the first error.
func readErr(t *testing.T, d *Dataset, mem memory.Allocator) error {
	t.Helper()
	r, err := d.Read(context.Background(), d.Tasks[0], ReadOptions{BatchRows: 100}, mem)
	if err != nil {
		return err
	}
	defer r.Close()
	for {
		b, _, err := r.Next()
		if err != nil || b == nil {
			return err
		}
	}
}

func TestCSVBadRowsExactLine(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	dir := t.TempDir()
	// Rows 1..1500 are numbers (lines 2..1501) after a quoted field that
	// spans two lines; line 1503 holds "abc", after inference saw only numbers.
	var b strings.Builder
	b.WriteString("x,note\n1.5,\"two\nlines\"\n")
	for i := 2; i <= 1500; i++ {
		fmt.Fprintf(&b, "%d,n\n", i)
	}
	b.WriteString("abc,n\n")
	path := filepath.Join(dir, "bad.csv")
	writeText(t, path, b.String())
	d, err := Open(csvInput(path))
	if err != nil {
		t.Fatal(err)
	}
	if !arrow.TypeEqual(d.Schema.Field(0).Type, arrow.PrimitiveTypes.Float64) {
		t.Fatalf("x inferred as %s", d.Schema.Field(0).Type)
	}
	err = readErr(t, d, mem)
	if want := path + `:1503: column "x": cannot parse "abc" as float64`; err == nil || err.Error() != want {
		t.Fatalf("got %v, want %s", err, want)
	}

	short := filepath.Join(dir, "short.csv")
	writeText(t, short, "a,b\n1,2\n3,4\n5\n")
	d, err = Open(csvInput(short))
	if err == nil {
		t.Fatalf("short row accepted at Open: %+v", d)
	}
	if want := short + ":4: expected 2 fields, got 1"; err.Error() != want {
		t.Fatalf("got %v, want %s", err, want)
	}

	quote := filepath.Join(dir, "quote.csv")
	writeText(t, quote, "a\n1\n\"x\"y\n")
	_, err = Open(csvInput(quote))
	if err == nil || !strings.HasPrefix(err.Error(), quote+":3:") {
		t.Fatalf("bad quote: %v", err)
	}
}

func TestCSVSchemaAcrossFiles(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	dir := t.TempDir()
	writeText(t, filepath.Join(dir, "a.csv"), "x,y\n1,\n2,\n")
	writeText(t, filepath.Join(dir, "b.csv"), "x,y\n2.5,hello\n")
	d, err := Open(csvInput(dir))
	if err != nil {
		t.Fatal(err)
	}
	if !arrow.TypeEqual(d.Schema.Field(0).Type, arrow.PrimitiveTypes.Float64) || !arrow.TypeEqual(d.Schema.Field(1).Type, canonical.DictString) {
		t.Fatalf("schema %s", d.Schema)
	}
	arrowtest.SameRows(t, readAll(t, d, ReadOptions{}, mem), [][]any{{1.0, nil}, {2.0, nil}, {2.5, "hello"}})

	writeText(t, filepath.Join(dir, "c.csv"), "x,y\ntrue,z\n")
	_, err = Open(csvInput(dir))
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "a.csv")) || !strings.Contains(err.Error(), filepath.Join(dir, "c.csv")) || !strings.Contains(err.Error(), `"x"`) {
		t.Fatalf("mismatch: %v", err)
	}
	writeText(t, filepath.Join(dir, "c.csv"), "x,z\n1,z\n")
	_, err = Open(csvInput(dir))
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "c.csv")) || !strings.Contains(err.Error(), `"y"`) {
		t.Fatalf("header mismatch: %v", err)
	}
}

func FuzzCSV(f *testing.F) {
	f.Add([]byte("a,b\n1,2\n"))
	f.Add([]byte("a,b\n1,\"x\ny\"\nNA,3.5\n"))
	f.Add([]byte("x\n2019-01-01 00:00:00\ntrue\n"))
	f.Add([]byte("\"a\n"))
	f.Add([]byte(",\n,\n"))
	f.Add([]byte("a,a\n1,2\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
		defer mem.AssertSize(t, 0)
		path := filepath.Join(t.TempDir(), "f.csv")
		writeText(t, path, string(data))
		for _, header := range []bool{true, false} {
			d, err := Open(jobspec.Input{Path: path, Format: "csv", CSV: jobspec.CSVOptions{Header: header}})
			if err != nil {
				continue
			}
			_ = readErr(t, d, mem)
		}
	})
}
