package expr

import (
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// FuzzEval binds arbitrary expressions to the test schema and, when they
// type-check, compares Eval with the reference evaluator on a random batch.
func FuzzEval(f *testing.F) {
	for _, s := range append(append([]string(nil), propertyExprs...), propertyExprsMore...) {
		f.Add(s, uint64(1))
	}
	// A float null under unary minus once lost its type in the reference.
	f.Add("coalesce(-f,i)", uint64(137))
	f.Fuzz(func(t *testing.T, src string, seed uint64) {
		e, err := Parse(src)
		if err != nil {
			return
		}
		bnd, err := Bind(e, testSchema)
		if err != nil {
			return
		}
		mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
		defer mem.AssertSize(t, 0)
		rng := rand.New(rand.NewPCG(seed, 7))
		batch := randBatch(mem, rng, 1+int(seed%40))
		defer batch.Release()
		if hasStrictCast(e) {
			// A cast may fail on the data; when it does not, the result
			// must match the reference (which reads a failure as null).
			a, err := bnd.Eval(batch, mem)
			if err != nil {
				return
			}
			a.Release()
		}
		evalOne(t, mem, src, bnd, batch)
	})
}
