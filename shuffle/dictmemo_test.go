package shuffle

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

var memoType = &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}

// dictPart builds a dictionary array of n rows over its own dictionary of
// size entries ("v<base+k>", shuffled), a tenth of rows null when nulls.
// The first skip rows are sliced away so the part has an offset.
func dictPart(t *testing.T, mem memory.Allocator, rng *rand.Rand, n, base, size, skip int, nulls bool) arrow.Array {
	t.Helper()
	db := array.NewStringBuilder(mem)
	vals := rng.Perm(size)
	for _, v := range vals {
		db.Append(fmt.Sprintf("v%d", base+v))
	}
	dict := db.NewArray()
	db.Release()
	defer dict.Release()
	ib := array.NewInt32Builder(mem)
	for i := 0; i < n+skip; i++ {
		if nulls && rng.IntN(10) == 0 {
			ib.AppendNull()
			continue
		}
		// Use a part of the dictionary only, skewed to its start.
		ib.Append(int32(min(rng.IntN(size), rng.IntN(size))))
	}
	idx := ib.NewArray()
	ib.Release()
	defer idx.Release()
	full := array.NewDictionaryArray(memoType, idx, dict)
	defer full.Release()
	return array.NewSlice(full, int64(skip), int64(skip+n))
}

// mergeOld is the merge without a memo: shrink each part's dictionary,
// then let Arrow unify them.
func mergeOld(t *testing.T, mem memory.Allocator, parts []arrow.Array) arrow.Array {
	t.Helper()
	small := make([]arrow.Array, len(parts))
	for i, p := range parts {
		s, err := compactDict(p.(*array.Dictionary), mem)
		if err != nil {
			t.Fatal(err)
		}
		small[i] = s
		defer s.Release()
	}
	out, err := array.Concatenate(small, mem)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func dictStrings(a *array.Dictionary) []string {
	d := a.Dictionary().(*array.String)
	out := make([]string, d.Len())
	for i := range out {
		out[i] = d.Value(i)
	}
	return out
}

// dictRows is each row's value, "<null>" for a null row.
func dictRows(a *array.Dictionary) []string {
	d := a.Dictionary().(*array.String)
	out := make([]string, a.Len())
	for i := range out {
		if a.IsNull(i) {
			out[i] = "<null>"
		} else {
			out[i] = d.Value(a.GetValueIndex(i))
		}
	}
	return out
}

// TestDictMemoMergeMatchesUnify checks the memo's merge against shrinking
// and unifying with Arrow: the same rows, the same null rows and the same
// dictionary in the same order, over many segments that share input
// dictionaries (as the pieces of one scan batch do), with a memo that
// drops its remembered numberings and one that fills up.
func TestDictMemoMergeMatchesUnify(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	rng := rand.New(rand.NewPCG(7, 11))
	for _, tc := range []struct {
		name                string
		maxValues, maxTrans int
	}{{"default", maxMemoValues, maxMemoTrans}, {"small trans", maxMemoValues, 150}, {"full", 60, maxMemoTrans}} {
		t.Run(tc.name, func(t *testing.T) {
			m := newDictMemo()
			m.maxValues, m.maxTrans = tc.maxValues, tc.maxTrans
			// Input dictionaries reused by several segments.
			var pool []arrow.Array
			for i := 0; i < 12; i++ {
				pool = append(pool, dictPart(t, mem, rng, 50+rng.IntN(300), 10*rng.IntN(8), 5+rng.IntN(60), rng.IntN(4), rng.IntN(2) == 0))
			}
			defer func() {
				for _, p := range pool {
					p.Release()
				}
			}()
			fallbacks := 0
			for seg := 0; seg < 40; seg++ {
				var parts []arrow.Array
				for k := 1 + rng.IntN(6); k > 0; k-- {
					p := pool[rng.IntN(len(pool))]
					lo := rng.IntN(p.Len())
					parts = append(parts, array.NewSlice(p, int64(lo), int64(lo+1+rng.IntN(p.Len()-lo))))
				}
				want := mergeOld(t, mem, parts)
				got, err := m.merge(memoType, parts, mem)
				if err != nil {
					t.Fatal(err)
				}
				if got == nil {
					fallbacks++
				} else {
					gd, wd := got.(*array.Dictionary), want.(*array.Dictionary)
					if g, w := dictStrings(gd), dictStrings(wd); !slices.Equal(g, w) {
						t.Fatalf("segment %d: dictionary %q, want %q", seg, g, w)
					}
					if g, w := dictRows(gd), dictRows(wd); !slices.Equal(g, w) {
						t.Fatalf("segment %d: rows %q, want %q", seg, g, w)
					}
					if got.NullN() != want.NullN() || got.Len() != want.Len() {
						t.Fatalf("segment %d: %d rows, %d nulls; want %d, %d", seg, got.Len(), got.NullN(), want.Len(), want.NullN())
					}
					got.Release()
				}
				want.Release()
				for _, p := range parts {
					p.Release()
				}
			}
			if tc.name == "full" && fallbacks == 0 {
				t.Fatal("a memo bounded to 60 values never declined a merge")
			}
			if tc.name != "full" && fallbacks != 0 {
				t.Fatalf("%d merges declined", fallbacks)
			}
		})
	}
}

// TestDictMemoMergeBadIndex: an index outside its dictionary is an error,
// and the memo stays usable.
func TestDictMemoMergeBadIndex(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	db := array.NewStringBuilder(mem)
	db.AppendValues([]string{"a", "b"}, nil)
	dict := db.NewArray()
	db.Release()
	defer dict.Release()
	ib := array.NewInt32Builder(mem)
	ib.AppendValues([]int32{0, 1, 2}, nil)
	idx := ib.NewArray()
	ib.Release()
	defer idx.Release()
	bad := array.NewDictionaryArray(memoType, idx, dict)
	defer bad.Release()
	good := array.NewSlice(bad, 0, 2)
	defer good.Release()
	m := newDictMemo()
	if _, err := m.merge(memoType, []arrow.Array{good, bad}, mem); err == nil {
		t.Fatal("index 2 of a 2-entry dictionary merged")
	}
	got, err := m.merge(memoType, []arrow.Array{good, good}, mem)
	if err != nil {
		t.Fatal(err)
	}
	defer got.Release()
	if g := dictRows(got.(*array.Dictionary)); !slices.Equal(g, []string{"a", "b", "a", "b"}) {
		t.Fatalf("after the error: rows %q", g)
	}
}
