package serving

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/exec/cpu/column"
	cpufeature "github.com/sluice-ml/sluice/exec/cpu/feature"
	"github.com/sluice-ml/sluice/input/citibike"
)

// Plain utf8 strings and int32 integers give the same features as the
// canonical dictionary and int64 columns.
func TestApplyConvertsPlainInputs(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	tr, err := Load(runJob(t, parityJobs["bucketnull"]))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := citibike.Generate(paritySeed, 0, 500, mem)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Release()
	gender := raw.Column(raw.Schema().FieldIndices("gender")[0]).(*array.Dictionary)
	by := raw.Column(raw.Schema().FieldIndices("birth_year")[0]).(*array.Int64)
	sb := array.NewStringBuilder(mem)
	defer sb.Release()
	ib := array.NewInt32Builder(mem)
	defer ib.Release()
	dict := gender.Dictionary().(*array.String)
	for i := 0; i < int(raw.NumRows()); i++ {
		sb.Append(dict.Value(gender.GetValueIndex(i)))
		if by.IsNull(i) {
			ib.AppendNull()
		} else {
			ib.Append(int32(by.Value(i)))
		}
	}
	g, b := sb.NewArray(), ib.NewArray()
	defer g.Release()
	defer b.Release()
	plain := array.NewRecordBatch(arrow.NewSchema([]arrow.Field{{Name: "gender", Type: arrow.BinaryTypes.String}, {Name: "birth_year", Type: arrow.PrimitiveTypes.Int32, Nullable: true}}, nil), []arrow.Array{g, b}, raw.NumRows())
	defer plain.Release()
	want, err := tr.Apply(raw, mem)
	if err != nil {
		t.Fatal(err)
	}
	defer want.Release()
	got, err := tr.Apply(plain, mem)
	if err != nil {
		t.Fatal(err)
	}
	defer got.Release()
	if got.NumCols() != 2 || want.NumCols() != 3 { // want also keeps trip_id
		t.Fatalf("columns: plain %d, canonical %d", got.NumCols(), want.NumCols())
	}
	for c := 0; c < 2; c++ {
		if !array.Equal(got.Column(c), want.Column(c)) {
			t.Fatalf("column %s differs:\n%v\n%v", got.ColumnName(c), got.Column(c), want.Column(c))
		}
	}
}

// Label fills, against hand-computed values.
func TestFillNulls(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	ib := array.NewInt64Builder(mem)
	ib.AppendValues([]int64{1, 0, 3}, []bool{true, false, true})
	ints := ib.NewArray()
	ib.Release()
	defer ints.Release()
	fb := array.NewFloat64Builder(mem)
	fb.AppendValues([]float64{0, 1.5}, []bool{false, true})
	floats := fb.NewArray()
	fb.Release()
	defer floats.Release()
	cases := []struct {
		col  arrow.Array
		fill column.Value
		want string
	}{
		{ints, column.Value{Kind: column.KindInt64, I: 2}, "[1 2 3]"},
		{ints, column.Value{Kind: column.KindFloat64, F: 2.5}, "[1 2.5 3]"},
		{floats, column.Value{Kind: column.KindFloat64, F: 0.25}, "[0.25 1.5]"},
	}
	for _, c := range cases {
		got, err := cpufeature.FillNulls(c.col, &c.fill, mem)
		if err != nil {
			t.Fatal(err)
		}
		if s := got.String(); s != c.want || got.NullN() != 0 {
			t.Errorf("fill %v: got %s (%d nulls), want %s", c.fill, s, got.NullN(), c.want)
		}
		got.Release()
	}
	if _, err := cpufeature.FillNulls(ints, &column.Value{Kind: column.KindString, S: "x"}, mem); err == nil {
		t.Error("a string fill was accepted")
	}
}

// A tampered fitted parameter changes the output (the parity test can fail),
// and missing inputs or manifests give errors naming what is missing.
func TestErrorsAndSensitivity(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	if _, err := Load(t.TempDir()); err == nil || !strings.Contains(err.Error(), "manifest.json") {
		t.Fatalf("Load of an empty dir: %v", err)
	}
	tr, err := Load(runJob(t, parityJobs["nullfeatures"]))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := citibike.Generate(paritySeed, 0, 100, mem)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Release()
	a, err := tr.Apply(raw, mem)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Release()
	tr.features[0].fitted.Mean += 1e-3
	b, err := tr.Apply(raw, mem)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Release()
	if array.Equal(a.Column(0), b.Column(0)) {
		t.Fatal("a changed mean gave the same birth_year feature")
	}
	small := array.NewRecordBatch(arrow.NewSchema([]arrow.Field{raw.Schema().Field(0)}, nil), []arrow.Array{raw.Column(0)}, raw.NumRows())
	defer small.Release()
	if _, err := tr.Apply(small, mem); err == nil || !strings.Contains(err.Error(), `no column "birth_year"`) {
		t.Fatalf("missing column: %v", err)
	}
}
