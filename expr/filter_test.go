package expr

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestFilterMatchesReference filters random sliced batches by predicates
// and checks the output holds exactly the rows the reference evaluator
// says are true, in order, with dictionaries kept.
func TestFilterMatchesReference(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	// The last two keep most rows: long runs of consecutive rows, which the
	// filter copies whole (values and validity bits).
	preds := []string{"i > 0 and b", "s in ('a', 'b') or f < 0", "true", "false", "null = i", "j % 2 = 0 or p is null",
		"j % 97 != 0", "f != 1.25 or f is null"}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, 3, 1024, 5003} {
		for _, src := range preds {
			func() {
				batch := randBatch(mem, rng, n)
				defer batch.Release()
				e, _ := Parse(src)
				bnd, err := Bind(e, testSchema)
				if err != nil {
					t.Fatal(err)
				}
				m, err := bnd.Eval(batch, mem)
				if err != nil {
					t.Fatal(err)
				}
				defer m.Release()
				out, err := Filter(batch, m.(*array.Boolean), mem)
				if err != nil {
					t.Fatal(err)
				}
				defer out.Release()
				// A fully kept batch shares the input columns, whose null
				// dictionary slots hold garbage on purpose: validate copies.
				if out.NumRows() < batch.NumRows() {
					if err := array.ValidateRecordFull(out); err != nil {
						t.Fatalf("%s: invalid output: %v", src, err)
					}
					checkZeroUnderNulls(t, src, out)
				}
				var keep []int
				for r := range n {
					if v := refEval(e, batch, r); !v.null && v.b {
						keep = append(keep, r)
					}
				}
				if int(out.NumRows()) != len(keep) {
					t.Fatalf("%s n=%d: %d rows, want %d", src, n, out.NumRows(), len(keep))
				}
				for c := range int(batch.NumCols()) {
					in, got := batch.Column(c), out.Column(c)
					if !arrow.TypeEqual(in.DataType(), got.DataType()) {
						t.Fatalf("column %d type %s, want %s", c, got.DataType(), in.DataType())
					}
					if d, ok := in.(*array.Dictionary); ok && got.Len() > 0 && got.(*array.Dictionary).Dictionary() != d.Dictionary() && got.Data().Dictionary() != d.Data().Dictionary() {
						t.Fatalf("%s: dictionary of column %d was not kept", src, c)
					}
					for k, r := range keep {
						if g, w := cell(got, k), cell(in, r); !sameVal(g, w) {
							t.Fatalf("%s col %d out row %d (in row %d): %v, want %v", src, c, k, r, g, w)
						}
					}
				}
			}()
		}
	}
}

func TestFilterMaskOffsetAndTypes(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	ib := array.NewInt16Builder(mem)
	ib.AppendValues([]int16{1, 2, 3, 4, 5}, []bool{true, false, true, true, true})
	i16 := ib.NewArray()
	ib.Release()
	bb := array.NewBinaryBuilder(mem, arrow.BinaryTypes.LargeBinary)
	bb.AppendValues([][]byte{[]byte("x"), nil, []byte("zz"), []byte(""), []byte("w")}, []bool{true, false, true, true, true})
	lb := bb.NewArray()
	bb.Release()
	nullCol := array.NewNull(5)
	schema := arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int16, Nullable: true}, {Name: "b", Type: arrow.BinaryTypes.LargeBinary, Nullable: true}, {Name: "n", Type: arrow.Null, Nullable: true}}, nil)
	batch := array.NewRecordBatch(schema, []arrow.Array{i16, lb, nullCol}, 5)
	i16.Release()
	lb.Release()
	nullCol.Release()
	defer batch.Release()

	// mask (sliced at 2): [T, N, F, T, T] -> rows 0, 3, 4
	full := boolArray(mem, []tv{'F', 'T', 'T', 'N', 'F', 'T', 'T'})
	mask := array.NewSlice(full, 2, 7).(*array.Boolean)
	full.Release()
	defer mask.Release()
	out, err := Filter(batch, mask, mem)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Release()
	if got := out.Column(0).String(); got != "[1 4 5]" {
		t.Errorf("int16 = %s", got)
	}
	if got := out.Column(1).String(); got != `["x" "" "w"]` {
		t.Errorf("large binary = %s", got)
	}
	if out.Column(2).Len() != 3 || out.Column(2).NullN() != 3 {
		t.Errorf("null column = %s", out.Column(2))
	}

	short := boolArray(mem, []tv{'T'})
	defer short.Release()
	if _, err := Filter(batch, short.(*array.Boolean), mem); err == nil || !strings.Contains(err.Error(), "mask has 1 rows, the batch 5") {
		t.Errorf("length mismatch error = %v", err)
	}

	lbld := array.NewListBuilder(mem, arrow.PrimitiveTypes.Int64)
	for range 5 {
		lbld.Append(true)
	}
	list := lbld.NewArray()
	lbld.Release()
	lschema := arrow.NewSchema([]arrow.Field{{Name: "l", Type: list.DataType()}}, nil)
	lbatch := array.NewRecordBatch(lschema, []arrow.Array{list}, 5)
	list.Release()
	defer lbatch.Release()
	if _, err := Filter(lbatch, mask, mem); err == nil || !strings.Contains(err.Error(), `column "l": unsupported type list`) {
		t.Errorf("unsupported type error = %v", err)
	}
}

func TestEvalBatchMismatch(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	e, _ := Parse("x + 1")
	bnd, err := Bind(e, arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int64}}, nil))
	if err != nil {
		t.Fatal(err)
	}
	fb := array.NewFloat64Builder(mem)
	fb.Append(1)
	col := fb.NewArray()
	fb.Release()
	batch := array.NewRecordBatch(arrow.NewSchema([]arrow.Field{{Name: "y", Type: arrow.PrimitiveTypes.Float64}, {Name: "x", Type: arrow.PrimitiveTypes.Float64}}, nil), []arrow.Array{col, col}, 1)
	col.Release()
	defer batch.Release()
	if _, err := bnd.Eval(batch, mem); err == nil || !strings.Contains(err.Error(), `column "x" is float64 in the batch but was bound as int64`) {
		t.Errorf("err = %v", err)
	}
	other := array.NewRecordBatch(arrow.NewSchema(nil, nil), nil, 1)
	defer other.Release()
	if _, err := bnd.Eval(other, mem); err == nil || !strings.Contains(err.Error(), `batch has no column "x"`) {
		t.Errorf("err = %v", err)
	}
}

// checkZeroUnderNulls checks that a filtered dictionary column holds index
// 0 at every null row (its input held out-of-range garbage there).
func checkZeroUnderNulls(t *testing.T, what string, b arrow.RecordBatch) {
	t.Helper()
	for c, col := range b.Columns() {
		d, ok := col.(*array.Dictionary)
		if !ok {
			continue
		}
		idx := d.Indices().(*array.Int32)
		for r := range idx.Len() {
			if idx.IsNull(r) && idx.Value(r) != 0 {
				t.Fatalf("%s: column %d row %d: index %d under a null, want 0", what, c, r, idx.Value(r))
			}
		}
	}
}
