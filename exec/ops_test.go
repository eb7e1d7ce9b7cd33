package exec

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/expr"
)

var testSchema = arrow.NewSchema([]arrow.Field{
	{Name: "a", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "b", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
}, nil)

// row is the plain reference form of one input row.
type row struct {
	a     int64
	b     float64
	aNull bool
	bNull bool
}

// batches cuts rows into batches of the given size (+1 each).
func batches(mem memory.Allocator, rows []row, size int) []arrow.RecordBatch {
	var out []arrow.RecordBatch
	for lo := 0; lo < len(rows); lo += size {
		hi := min(lo+size, len(rows))
		ab := array.NewInt64Builder(mem)
		bb := array.NewFloat64Builder(mem)
		for _, r := range rows[lo:hi] {
			if r.aNull {
				ab.AppendNull()
			} else {
				ab.Append(r.a)
			}
			if r.bNull {
				bb.AppendNull()
			} else {
				bb.Append(r.b)
			}
		}
		a, b := ab.NewArray(), bb.NewArray()
		out = append(out, array.NewRecordBatch(testSchema, []arrow.Array{a, b}, int64(hi-lo)))
		a.Release()
		b.Release()
		ab.Release()
		bb.Release()
	}
	return out
}

func sliceSource(bs []arrow.RecordBatch) Operator {
	i := 0
	return NewSource(testSchema, func(context.Context) (arrow.RecordBatch, error) {
		if i == len(bs) {
			return nil, nil
		}
		i++
		return bs[i-1], nil
	}, func() error {
		for ; i < len(bs); i++ {
			bs[i].Release()
		}
		return nil
	})
}

func bind(t *testing.T, src string, s *arrow.Schema) *expr.Bound {
	t.Helper()
	e, err := expr.Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	b, err := expr.Bind(e, s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Source → Project(c = a * 2) → Filter(c > 10) → DropNulls(b), against a
// plain loop over the rows, for batch sizes 1, 3 and 1024.
func TestPipelineMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	rows := make([]row, 2000)
	for i := range rows {
		rows[i] = row{a: rng.Int64N(20), b: rng.Float64(), aNull: rng.IntN(10) == 0, bNull: rng.IntN(7) == 0}
	}
	var want []row
	var wantFiltered, wantDropped int64
	for _, r := range rows {
		if r.aNull || r.a*2 <= 10 {
			wantFiltered++
			continue
		}
		if r.bNull {
			wantDropped++
			continue
		}
		want = append(want, r)
	}
	for _, size := range []int{1, 3, 1024} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
			defer mem.AssertSize(t, 0)
			src := sliceSource(batches(mem, rows, size))
			proj := NewProject(src, []string{"c"}, []*expr.Bound{bind(t, "a * 2", testSchema)}, mem)
			filt := NewFilter(proj, bind(t, "c > 10", proj.Schema()), mem)
			drop := NewDropNulls(filt, []string{"b"}, mem)
			var seen int
			op := NewTap(drop, func(b arrow.RecordBatch) error { seen += int(b.NumRows()); return nil })
			ctx := context.Background()
			if err := op.Open(ctx); err != nil {
				t.Fatal(err)
			}
			var got []row
			for {
				b, err := op.Next(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if b == nil {
					break
				}
				if b.Schema().NumFields() != 3 || b.Schema().Field(2).Name != "c" {
					t.Fatalf("schema %v", b.Schema())
				}
				a := b.Column(0).(*array.Int64)
				f := b.Column(1).(*array.Float64)
				c := b.Column(2).(*array.Int64)
				for i := 0; i < int(b.NumRows()); i++ {
					if c.Value(i) != 2*a.Value(i) {
						t.Fatalf("c = %d for a = %d", c.Value(i), a.Value(i))
					}
					got = append(got, row{a: a.Value(i), b: f.Value(i)})
				}
			}
			if len(got) != len(want) || seen != len(want) {
				t.Fatalf("%d rows (tap saw %d), want %d", len(got), seen, len(want))
			}
			for i := range got {
				if got[i].a != want[i].a || got[i].b != want[i].b {
					t.Fatalf("row %d: %+v, want %+v", i, got[i], want[i])
				}
			}
			if filt.Removed() != wantFiltered || drop.Dropped() != wantDropped || drop.DroppedBy()["b"] != wantDropped {
				t.Fatalf("filtered %d dropped %d (%v), want %d and %d", filt.Removed(), drop.Dropped(), drop.DroppedBy(), wantFiltered, wantDropped)
			}
			if err := op.Close(); err != nil {
				t.Fatal(err)
			}
			if err := op.Close(); err != nil {
				t.Fatalf("second Close: %v", err)
			}
		})
	}
}

// Close without Open, and Close after a partial read, release everything.
func TestCloseReleasesEverything(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	rows := make([]row, 50)
	op := NewDropNulls(sliceSource(batches(mem, rows, 7)), []string{"a"}, mem)
	if err := op.Close(); err != nil {
		t.Fatal(err)
	}
	op = NewDropNulls(sliceSource(batches(mem, rows, 7)), []string{"a"}, mem)
	if _, err := op.Next(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := op.Close(); err != nil {
		t.Fatal(err)
	}
}
