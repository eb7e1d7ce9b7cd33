package expr

import (
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// BenchmarkEval measures whole-batch evaluation; b.SetBytes counts 8
// bytes per row so the report reads as rows x 8 per second.
func BenchmarkEval(b *testing.B) {
	mem := memory.NewGoAllocator()
	batch := randBatch(mem, rand.New(rand.NewPCG(1, 1)), 1<<16)
	defer batch.Release()
	for _, src := range []string{
		"i >= 60 and i < 800", "i * 2 + f", "s in ('a', 'zz')", "s = t", "year(ts)", "coalesce(i, j, 0)", "b or c is null",
		"lower(s)", "lower(p)", "s like '%b%'", "length(p)", "concat(s, '-', t)", "substr(s, 2, 3)", "case when b then i else j end",
		"case when i > 0 then 'pos' else s end", "day_of_week(ts)", "date_diff('day', '2020-01-01', ts)", "cast(i as float64)",
		"try_cast(p as int64)", "cast(i as string)",
	} {
		e, _ := Parse(src)
		bnd, err := Bind(e, testSchema)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(src, func(b *testing.B) {
			b.SetBytes(8 * batch.NumRows())
			for b.Loop() {
				a, err := bnd.Eval(batch, mem)
				if err != nil {
					b.Fatal(err)
				}
				a.Release()
			}
		})
	}
	e, _ := Parse("i > 0")
	bnd, _ := Bind(e, testSchema)
	mask, _ := bnd.Eval(batch, mem)
	defer mask.Release()
	b.Run("Filter", func(b *testing.B) {
		b.SetBytes(8 * batch.NumRows())
		for b.Loop() {
			out, err := Filter(batch, mask.(*array.Boolean), mem)
			if err != nil {
				b.Fatal(err)
			}
			out.Release()
		}
	})
}

// BenchmarkFilterMostlyKept filters a batch where one row in about 40000
// fails (as a range filter on clean data does): the kept rows form long
// runs.
func BenchmarkFilterMostlyKept(b *testing.B) {
	mem := memory.NewGoAllocator()
	batch := randBatch(mem, rand.New(rand.NewPCG(2, 2)), 1<<18)
	defer batch.Release()
	mb := array.NewBooleanBuilder(mem)
	for i := range int(batch.NumRows()) {
		mb.Append(i%40000 != 7)
	}
	mask := mb.NewBooleanArray()
	mb.Release()
	defer mask.Release()
	b.SetBytes(8 * batch.NumRows())
	for b.Loop() {
		out, err := Filter(batch, mask, mem)
		if err != nil {
			b.Fatal(err)
		}
		out.Release()
	}
}
