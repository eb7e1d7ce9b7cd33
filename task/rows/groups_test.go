package rows

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

var dictSchema = arrow.NewSchema([]arrow.Field{{Name: "station", Type: &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}, Nullable: true}}, nil)

// dictBatch makes n rows over a dictionary of the given values, nullP of
// them null.
func dictBatch(t testing.TB, rng *rand.Rand, values []string, n int, nullP float64) arrow.RecordBatch {
	t.Helper()
	b := array.NewDictionaryBuilder(memory.DefaultAllocator, dictSchema.Field(0).Type.(*arrow.DictionaryType)).(*array.BinaryDictionaryBuilder)
	defer b.Release()
	for range n {
		if rng.Float64() < nullP {
			b.AppendNull()
		} else if err := b.AppendString(values[rng.IntN(len(values))]); err != nil {
			t.Fatal(err)
		}
	}
	col := b.NewArray()
	defer col.Release()
	return array.NewRecordBatch(dictSchema, []arrow.Array{col}, int64(n))
}

// DictRows gives the ids and errors of the general path (GroupKeys.Rows
// then GlobalGroups.Rows) for a single dictionary column, with and
// without nulls, and for values the counting pass did not see.
func TestDictRowsMatchesKeys(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	var values []string
	ids := map[string]int32{NullKey: 7}
	for i := range 300 {
		v := fmt.Sprintf("station %d", i)
		values = append(values, v)
		ids["s"+v] = int32(1000 - i)
	}
	gk, err := NewGroupKeys(dictSchema, []string{"station"})
	if err != nil {
		t.Fatal(err)
	}
	fast, plain := GlobalGroups{IDs: ids}, GlobalGroups{IDs: ids}
	for rep := range 40 {
		vals := values
		if rep%10 == 9 {
			vals = append(slices.Clone(values[:5]), "never counted")
		}
		b := dictBatch(t, rng, vals, 1+rng.IntN(3000), []float64{0, 0.05}[rep%2])
		c, ok := gk.SingleDict(b)
		if !ok {
			t.Fatal("a single dictionary column is not taken")
		}
		got, gerr := fast.DictRows(c)
		local, keys := gk.Rows(b)
		want, werr := plain.Rows(local, keys)
		if fmt.Sprint(gerr) != fmt.Sprint(werr) {
			t.Fatalf("rep %d: error %v, want %v", rep, gerr, werr)
		}
		if werr == nil && !slices.Equal(got, want) {
			t.Fatalf("rep %d: ids differ", rep)
		}
		b.Release()
	}
	// Without a null group, a null row is an error naming the null key.
	delete(ids, NullKey)
	b := dictBatch(t, rng, values, 2000, 0.5)
	defer b.Release()
	c, _ := gk.SingleDict(b)
	if _, err := (&GlobalGroups{IDs: ids}).DictRows(c); err == nil || err.Error() != fmt.Sprintf("row with split group %q not seen by the counting pass", NullKey) {
		t.Fatalf("null without a group: %v", err)
	}
}

// BenchmarkGroups maps 1K-row batches, each with its own 600-entry
// dictionary (as cache segments at large scale carry), to group ids.
func BenchmarkGroups(b *testing.B) {
	rng := rand.New(rand.NewPCG(4, 4))
	var values []string
	ids := map[string]int32{}
	for i := range 800 {
		v := fmt.Sprintf("W %d St & %d Ave", i, i%13)
		values = append(values, v)
		ids["s"+v] = int32(i)
	}
	batches := make([]arrow.RecordBatch, 64)
	for i := range batches {
		batches[i] = dictBatch(b, rng, values[:600], 1024, 0)
	}
	gk, _ := NewGroupKeys(dictSchema, []string{"station"})
	for _, mode := range []string{"keys", "dict"} {
		b.Run(mode, func(b *testing.B) {
			gg := GlobalGroups{IDs: ids}
			for i := 0; b.Loop(); i++ {
				bt := batches[i%len(batches)]
				var err error
				if mode == "dict" {
					c, _ := gk.SingleDict(bt)
					_, err = gg.DictRows(c)
				} else {
					local, keys := gk.Rows(bt)
					_, err = gg.Rows(local, keys)
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
