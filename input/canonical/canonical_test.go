package canonical

import (
	"fmt"
	"github.com/sluice-ml/sluice/internal/arrowtest"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestConvertColumnOracle checks every conversion against a per-value
// reference on random data with nulls and slice offsets.
func TestConvertColumnOracle(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	rng := rand.New(rand.NewPCG(1, 2))
	const n = 300
	types := []arrow.DataType{
		arrow.PrimitiveTypes.Int8, arrow.PrimitiveTypes.Int16, arrow.PrimitiveTypes.Int32, arrow.PrimitiveTypes.Int64,
		arrow.PrimitiveTypes.Uint8, arrow.PrimitiveTypes.Uint16, arrow.PrimitiveTypes.Uint32, arrow.PrimitiveTypes.Uint64,
		arrow.PrimitiveTypes.Float32, arrow.PrimitiveTypes.Float64, arrow.FixedWidthTypes.Boolean,
		arrow.FixedWidthTypes.Date32, arrow.FixedWidthTypes.Date64,
		&arrow.TimestampType{Unit: arrow.Second}, &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "America/New_York"},
		&arrow.TimestampType{Unit: arrow.Microsecond}, &arrow.TimestampType{Unit: arrow.Nanosecond},
		arrow.BinaryTypes.String, arrow.BinaryTypes.LargeString,
		&arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Uint16, ValueType: arrow.BinaryTypes.LargeString},
		DictString,
	}
	for _, dt := range types {
		for _, nullRate := range []float64{0, 0.3} {
			arr, want := randomColumn(t, rng, dt, n, nullRate, mem)
			for _, off := range []int{0, 7} {
				sl := array.NewSlice(arr, int64(off), int64(n-3))
				got, err := convertColumn(sl, mem)
				if err != nil {
					t.Fatalf("%s: %v", dt, err)
				}
				ct, _ := Type(dt)
				if !arrow.TypeEqual(got.DataType(), ct) {
					t.Fatalf("%s: converted to %s, want %s", dt, got.DataType(), ct)
				}
				if got.Len() != n-3-off {
					t.Fatalf("%s: len %d", dt, got.Len())
				}
				for i := 0; i < got.Len(); i++ {
					if g, w := arrowtest.Cell(t, got, i), want[off+i]; g != w {
						t.Fatalf("%s offset %d row %d: got %v, want %v", dt, off, i, g, w)
					}
				}
				got.Release()
				sl.Release()
			}
			arr.Release()
		}
	}
}

// randomColumn returns a random array of type dt and the canonical value
// of each row, computed independently of convertColumn.
func randomColumn(t *testing.T, rng *rand.Rand, dt arrow.DataType, n int, nullRate float64, mem memory.Allocator) (arrow.Array, []any) {
	if d, ok := dt.(*arrow.DictionaryType); ok && d.ValueType.ID() == arrow.LARGE_STRING {
		// arrow-go has no builder for this type: assemble it by hand.
		idx, want := randomColumn(t, rng, d.IndexType, n, nullRate, mem)
		defer idx.Release()
		lb := array.NewLargeStringBuilder(mem)
		defer lb.Release()
		dict := make([]string, 2000)
		for i := range dict {
			dict[i] = fmt.Sprintf("v%d", i)
		}
		lb.AppendValues(dict, nil)
		da := lb.NewArray()
		defer da.Release()
		for i, w := range want {
			if w != nil {
				want[i] = dict[w.(int64)]
			}
		}
		return array.NewDictionaryArray(dt, idx, da), want
	}
	b := array.NewBuilder(mem, dt)
	defer b.Release()
	want := make([]any, n)
	words := []string{"a", "bb", "", "ccc", "dd"}
	for i := 0; i < n; i++ {
		if rng.Float64() < nullRate {
			b.AppendNull()
			continue
		}
		v := rng.Int64N(2000) - 1000
		switch b := b.(type) {
		case *array.Int8Builder:
			b.Append(int8(v / 10))
			want[i] = v / 10
		case *array.Int16Builder:
			b.Append(int16(v))
			want[i] = v
		case *array.Int32Builder:
			b.Append(int32(v))
			want[i] = v
		case *array.Int64Builder:
			b.Append(v * 1e12)
			want[i] = v * 1e12
		case *array.Uint8Builder:
			b.Append(uint8(v + 1000))
			want[i] = int64(uint8(v + 1000))
		case *array.Uint16Builder:
			b.Append(uint16(v + 1000))
			want[i] = v + 1000
		case *array.Uint32Builder:
			b.Append(uint32(v+1000) * 3_000_000)
			want[i] = int64(uint32(v+1000) * 3_000_000)
		case *array.Uint64Builder:
			b.Append(uint64(v + 1000))
			want[i] = v + 1000
		case *array.Float32Builder:
			b.Append(float32(v) / 4)
			want[i] = float64(v) / 4
		case *array.Float64Builder:
			b.Append(float64(v) / 3)
			want[i] = float64(v) / 3
		case *array.BooleanBuilder:
			b.Append(v%2 == 0)
			want[i] = v%2 == 0
		case *array.Date32Builder:
			b.Append(arrow.Date32(v))
			want[i] = v * 86_400_000_000
		case *array.Date64Builder:
			b.Append(arrow.Date64(v * 86_400_000))
			want[i] = v * 86_400_000_000
		case *array.TimestampBuilder:
			b.Append(arrow.Timestamp(v))
			switch dt.(*arrow.TimestampType).Unit {
			case arrow.Second:
				want[i] = v * 1_000_000
			case arrow.Millisecond:
				want[i] = v * 1000
			case arrow.Microsecond:
				want[i] = v
			case arrow.Nanosecond:
				q := v / 1000
				if v < 0 && v%1000 != 0 {
					q--
				}
				want[i] = q
			}
		case *array.StringBuilder:
			w := words[rng.IntN(len(words))]
			b.Append(w)
			want[i] = w
		case *array.LargeStringBuilder:
			w := words[rng.IntN(len(words))]
			b.Append(w)
			want[i] = w
		case *array.BinaryDictionaryBuilder:
			w := words[rng.IntN(len(words))]
			if err := b.AppendString(w); err != nil {
				t.Fatal(err)
			}
			want[i] = w
		default:
			t.Fatalf("no case for %T", b)
		}
	}
	return b.NewArray(), want
}

func TestConvertUint64Overflow(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	b := array.NewUint64Builder(mem)
	defer b.Release()
	b.AppendValues([]uint64{1, 1 << 63}, nil)
	a := b.NewArray()
	defer a.Release()
	if _, err := convertColumn(a, mem); err == nil || !strings.Contains(err.Error(), "does not fit in int64") {
		t.Fatalf("overflow: %v", err)
	}
}
