package shard

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// fromJSON builds an array from Go values (nil = null) via JSON.
func fromJSON(t *testing.T, mem memory.Allocator, dt arrow.DataType, vals []any) arrow.Array {
	t.Helper()
	b, err := json.Marshal(vals)
	if err != nil {
		t.Fatal(err)
	}
	arr, _, err := array.FromJSON(mem, dt, strings.NewReader(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	return arr
}

// TestDecodeDictStrings checks the gather kernel against a plain lookup,
// for every index type, both string types, nulls in indices and in the
// dictionary, and sliced inputs.
func TestDecodeDictStrings(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	rng := rand.New(rand.NewPCG(1, 2))
	idxTypes := []arrow.DataType{arrow.PrimitiveTypes.Int8, arrow.PrimitiveTypes.Uint8, arrow.PrimitiveTypes.Int16,
		arrow.PrimitiveTypes.Uint16, arrow.PrimitiveTypes.Int32, arrow.PrimitiveTypes.Uint32,
		arrow.PrimitiveTypes.Int64, arrow.PrimitiveTypes.Uint64}
	for _, vt := range []arrow.DataType{arrow.BinaryTypes.String, arrow.BinaryTypes.LargeString} {
		for _, it := range idxTypes {
			for _, n := range []int{0, 1, 3, 1024} {
				for _, nulls := range []bool{false, true} {
					name := fmt.Sprintf("%s/%s/%d/nulls=%v", vt, it, n, nulls)
					dictVals := make([]any, 1+rng.IntN(20))
					for i := range dictVals {
						if nulls && i%4 == 3 {
							continue // nil: a null dictionary entry
						}
						dictVals[i] = strings.Repeat(string(rune('a'+i%26)), rng.IntN(5)) + fmt.Sprint(i)
					}
					idxVals := make([]any, n+5)
					for i := range idxVals {
						if nulls && rng.IntN(3) == 0 {
							continue
						}
						idxVals[i] = rng.IntN(len(dictVals))
					}
					dict := fromJSON(t, mem, vt, dictVals)
					idx := fromJSON(t, mem, it, idxVals)
					dt := &arrow.DictionaryType{IndexType: it, ValueType: vt}
					full := array.NewDictionaryArray(dt, idx, dict)
					off := rng.IntN(5)
					arr := array.NewSlice(full, int64(off), int64(off+n)).(*array.Dictionary)

					got, err := decodeDictStrings(mem, arr)
					if err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					if !arrow.TypeEqual(got.DataType(), vt) || got.Len() != n {
						t.Fatalf("%s: got %s of length %d", name, got.DataType(), got.Len())
					}
					nullN := 0
					for i := range n {
						want := idxVals[off+i]
						if want != nil {
							want = dictVals[want.(int)]
						}
						if want == nil {
							nullN++
							if got.IsValid(i) {
								t.Fatalf("%s: row %d: want null, got %q", name, i, got.ValueStr(i))
							}
							continue
						}
						if !got.IsValid(i) || stringAt(t, got, i) != want.(string) {
							t.Fatalf("%s: row %d: want %q, got %q", name, i, want, got.ValueStr(i))
						}
					}
					if got.NullN() != nullN {
						t.Fatalf("%s: NullN = %d, want %d", name, got.NullN(), nullN)
					}
					for _, a := range []arrow.Array{got, arr, full, idx, dict} {
						a.Release()
					}
				}
			}
		}
	}
}

func TestDecodeDictOutOfRange(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	dict := fromJSON(t, mem, arrow.BinaryTypes.String, []any{"a", "b"})
	defer dict.Release()
	for _, vals := range [][]any{{0, 2}, {0, -1, nil}} {
		idx := fromJSON(t, mem, arrow.PrimitiveTypes.Int8, vals)
		// NewDictionaryArray does not validate; the kernel must.
		arr := array.NewDictionaryArray(&arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: arrow.BinaryTypes.String}, idx, dict)
		if out, err := decodeDictStrings(mem, arr); err == nil || !strings.Contains(err.Error(), "out of range") {
			t.Errorf("indices %v: err = %v", vals, err)
			if out != nil {
				out.Release()
			}
		}
		arr.Release()
		idx.Release()
	}
}

func TestFileSchema(t *testing.T) {
	s, err := FileSchema(testSchema())
	if err != nil {
		t.Fatal(err)
	}
	want := []arrow.DataType{arrow.PrimitiveTypes.Float32, arrow.PrimitiveTypes.Int32, arrow.PrimitiveTypes.Int64,
		testSchema().Field(3).Type, arrow.BinaryTypes.String, arrow.FixedWidthTypes.Boolean}
	for i, f := range s.Fields() {
		if !arrow.TypeEqual(f.Type, want[i]) || f.Name != testSchema().Field(i).Name || f.Nullable != testSchema().Field(i).Nullable {
			t.Errorf("field %d: got %s", i, f)
		}
	}
	nested := arrow.NewSchema([]arrow.Field{{Name: "l", Type: arrow.ListOf(dictType)}}, nil)
	if _, err := FileSchema(nested); err == nil || !strings.Contains(err.Error(), `column "l"`) {
		t.Errorf("nested dictionary: %v", err)
	}
}
