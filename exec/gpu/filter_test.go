package gpu

import (
	"fmt"
	"github.com/sluice-ml/sluice/exec/gpu/filter"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluice-ml/sluice/expr"
)

// filterBatch has int64 (i, j), float64 (f, g), bool (b), string (s) and
// timestamp (ts) columns with nulls, small values (so that equality hits)
// and every special float.
func filterBatch(r *rand.Rand, mem memory.Allocator, n int) arrow.RecordBatch {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "i", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "j", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "f", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "g", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "b", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	floats := []float64{-1.5, 0, math.Copysign(0, -1), 2, 3, 3.5, math.NaN(), math.Inf(1), math.Inf(-1), 1e300, -7}
	for row := 0; row < n; row++ {
		null := func() bool { return r.IntN(8) == 0 }
		for c := 0; c < 7; c++ {
			if null() {
				b.Field(c).AppendNull()
				continue
			}
			switch c {
			case 0, 1:
				b.Field(c).(*array.Int64Builder).Append(r.Int64N(11) - 5)
			case 2, 3:
				b.Field(c).(*array.Float64Builder).Append(floats[r.IntN(len(floats))])
			case 4:
				b.Field(c).(*array.BooleanBuilder).Append(r.IntN(2) == 0)
			case 5:
				b.Field(c).(*array.StringBuilder).Append("x")
			case 6:
				b.Field(c).(*array.TimestampBuilder).Append(arrow.Timestamp(r.Int64N(1e12)))
			}
		}
	}
	return b.NewRecordBatch()
}

// randPred writes a random predicate of the device subset.
func randPred(r *rand.Rand, depth int) string {
	nums := []string{"i", "j", "f", "g"}
	lits := []string{"0", "3", "-5", "2.0", "3.5", "-1.5", "-0.0", "1e300", "7", "null"}
	ops := []string{"=", "==", "!=", "<>", "<", "<=", ">", ">="}
	switch x := r.IntN(10); {
	case depth > 0 && x < 2:
		return fmt.Sprintf("(%s and %s)", randPred(r, depth-1), randPred(r, depth-1))
	case depth > 0 && x < 4:
		return fmt.Sprintf("(%s or %s)", randPred(r, depth-1), randPred(r, depth-1))
	case depth > 0 && x == 4:
		return fmt.Sprintf("not (%s)", randPred(r, depth-1))
	case depth > 0 && x == 5:
		return fmt.Sprintf("(%s) is %snull", randPred(r, depth-1), []string{"", "not "}[r.IntN(2)])
	case x == 6:
		return fmt.Sprintf("%s is %snull", []string{"i", "f", "b", "s", "ts"}[r.IntN(5)], []string{"", "not "}[r.IntN(2)])
	case x == 7:
		return []string{"b", "true", "false", "null", "not b"}[r.IntN(5)]
	case x == 8:
		return fmt.Sprintf("%s %s %s", nums[r.IntN(4)], ops[r.IntN(len(ops))], nums[r.IntN(4)])
	}
	l, rr := nums[r.IntN(4)], lits[r.IntN(len(lits))]
	if r.IntN(3) == 0 {
		l, rr = rr, l
	}
	return fmt.Sprintf("%s %s %s", l, ops[r.IntN(len(ops))], rr)
}

// cpuSelection is the oracle: expr's Eval, then the true, non-null rows.
func cpuSelection(t *testing.T, src string, batch arrow.RecordBatch, mem memory.Allocator) ([]int32, expr.Expr, bool) {
	t.Helper()
	e, err := expr.Parse(src)
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	bd, err := expr.Bind(e, batch.Schema())
	if err != nil {
		return nil, e, false // a type error for expr too
	}
	if bd.Type().ID() != arrow.BOOL {
		return nil, e, false // not a predicate (a bare null)
	}
	if batch.NumRows() == 0 {
		return nil, e, true // (expr's Eval of bool columns does not take empty batches)
	}
	m, err := bd.Eval(batch, mem)
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	defer m.Release()
	var sel []int32
	mask := m.(*array.Boolean)
	for i := 0; i < mask.Len(); i++ {
		if mask.IsValid(i) && mask.Value(i) {
			sel = append(sel, int32(i))
		}
	}
	return sel, e, true
}

func TestConformanceFilter(t *testing.T) {
	for _, d := range devicesUnderTest(t) {
		for _, n := range lengths {
			t.Run(fmt.Sprintf("%s/n=%d", d.name, n), func(t *testing.T) {
				mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
				defer mem.AssertSize(t, 0)
				r := rand.New(rand.NewPCG(uint64(n), 5))
				batch := filterBatch(r, mem, n)
				defer batch.Release()
				checked := 0
				for range 60 {
					src := randPred(r, 3)
					want, e, ok := cpuSelection(t, src, batch, mem)
					if !ok {
						continue
					}
					p, err := filter.Compile(e, batch.Schema())
					if err != nil {
						t.Fatalf("%s: %v", src, err)
					}
					got, err := filter.Run(d.k, p, batch, []int32{-1})
					if err != nil {
						t.Fatalf("%s: %v", src, err)
					}
					if !slices.Equal(got[1:], want) || got[0] != -1 {
						t.Fatalf("%s: %d rows selected, want %d", src, len(got)-1, len(want))
					}
					checked++
				}
				if checked < 40 {
					t.Fatalf("only %d expressions checked", checked)
				}
			})
		}
	}
}
