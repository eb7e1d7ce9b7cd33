package shuffle

import (
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// randJSON returns n random JSON values of dt, about a fifth of them null.
func randJSON(rng *rand.Rand, dt arrow.DataType, n int) string {
	vals := make([]string, n)
	for i := range vals {
		if rng.IntN(5) == 0 {
			vals[i] = "null"
			continue
		}
		switch dt.ID() {
		case arrow.BOOL:
			vals[i] = fmt.Sprint(rng.IntN(2) == 0)
		case arrow.INT8:
			vals[i] = fmt.Sprint(rng.IntN(256) - 128)
		case arrow.INT16, arrow.INT32, arrow.INT64, arrow.TIMESTAMP:
			vals[i] = fmt.Sprint(rng.IntN(1<<15) - 1<<14)
		case arrow.FLOAT32, arrow.FLOAT64:
			vals[i] = fmt.Sprint(float32(rng.NormFloat64()))
		case arrow.DECIMAL128:
			vals[i] = fmt.Sprintf("\"%d.%02d\"", rng.IntN(100000), rng.IntN(100))
		case arrow.BINARY:
			vals[i] = fmt.Sprintf("%q", base64.StdEncoding.EncodeToString([]byte(fmt.Sprintf("b%d", rng.IntN(300)))))
		case arrow.FIXED_SIZE_BINARY:
			vals[i] = fmt.Sprintf("%q", "YWJj") // base64 "abc"
		case arrow.LIST:
			vals[i] = fmt.Sprintf("[%d, %d]", rng.IntN(9), rng.IntN(9))
		default: // strings, binaries and dictionaries of strings
			vals[i] = fmt.Sprintf("%q", fmt.Sprintf("v%d", rng.IntN(30)))
		}
	}
	return "[" + strings.Join(vals, ",") + "]"
}

// TestTake checks take against the reference arr[idx[i]] for every kind
// of column, on slices with offsets, with and without nulls.
func TestTake(t *testing.T) {
	types := []arrow.DataType{
		arrow.FixedWidthTypes.Boolean, arrow.PrimitiveTypes.Int8, arrow.PrimitiveTypes.Int16,
		arrow.PrimitiveTypes.Int32, arrow.PrimitiveTypes.Int64, arrow.PrimitiveTypes.Float32,
		arrow.PrimitiveTypes.Float64, &arrow.TimestampType{Unit: arrow.Microsecond},
		arrow.BinaryTypes.String, arrow.BinaryTypes.LargeString, arrow.BinaryTypes.Binary,
		&arrow.Decimal128Type{Precision: 20, Scale: 2}, &arrow.FixedSizeBinaryType{ByteWidth: 3},
		arrow.ListOf(arrow.PrimitiveTypes.Int64),
		&arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: arrow.BinaryTypes.String},
		&arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String},
	}
	rng := rand.New(rand.NewPCG(9, 9))
	for _, dt := range types {
		for _, n := range []int{1, 3, 1024} {
			t.Run(fmt.Sprintf("%s/%d", dt, n), func(t *testing.T) {
				mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
				defer mem.AssertSize(t, 0)
				full, _, err := array.FromJSON(mem, dt, strings.NewReader(randJSON(rng, dt, n+7)))
				if err != nil {
					t.Fatal(err)
				}
				defer full.Release()
				arr := array.NewSlice(full, 7, int64(n+7))
				defer arr.Release()
				idx := make([]int32, 2*n)
				for i := range idx {
					idx[i] = int32(rng.IntN(n))
				}
				out, err := take(arr, idx, mem)
				if err != nil {
					t.Fatal(err)
				}
				defer out.Release()
				if !arrow.TypeEqual(out.DataType(), dt) || out.Len() != len(idx) {
					t.Fatalf("take gave %s of %d rows", out.DataType(), out.Len())
				}
				nulls := 0
				for i, j := range idx {
					if out.IsNull(i) != arr.IsNull(int(j)) || out.ValueStr(i) != arr.ValueStr(int(j)) {
						t.Fatalf("row %d: got %s (null %v), want row %d = %s", i, out.ValueStr(i), out.IsNull(i), j, arr.ValueStr(int(j)))
					}
					if arr.IsNull(int(j)) {
						nulls++
					}
				}
				if out.NullN() != nulls {
					t.Fatalf("NullN %d, want %d", out.NullN(), nulls)
				}
				if d, ok := out.(*array.Dictionary); ok {
					checkCompact(t, d, mem)
				}
			})
		}
	}
}

// checkCompact checks compactDict keeps the values and drops unused entries.
func checkCompact(t *testing.T, d *array.Dictionary, mem memory.Allocator) {
	c, err := compactDict(d, mem)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Release()
	for i := 0; i < d.Len(); i++ {
		if c.IsNull(i) != d.IsNull(i) || c.ValueStr(i) != d.ValueStr(i) {
			t.Fatalf("compact row %d: %s, want %s", i, c.ValueStr(i), d.ValueStr(i))
		}
	}
	checkDictUsed(t, c.(*array.Dictionary), "compacted")
}
