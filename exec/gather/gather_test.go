package gather

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

var testSchema = arrow.NewSchema([]arrow.Field{
	{Name: "i8", Type: arrow.PrimitiveTypes.Int8, Nullable: true},
	{Name: "i16", Type: arrow.PrimitiveTypes.Uint16, Nullable: true},
	{Name: "f32", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
	{Name: "i64", Type: arrow.PrimitiveTypes.Int64},
	{Name: "ts", Type: arrow.FixedWidthTypes.Timestamp_us, Nullable: true},
	{Name: "dec", Type: &arrow.Decimal128Type{Precision: 20, Scale: 2}, Nullable: true},
	{Name: "b", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "ls", Type: arrow.BinaryTypes.LargeBinary, Nullable: true},
}, nil)

// randomBatch builds n rows; nulls appear in nullable columns when withNulls.
func randomBatch(mem memory.Allocator, rng *rand.Rand, n int, withNulls bool) arrow.RecordBatch {
	b := array.NewRecordBuilder(mem, testSchema)
	defer b.Release()
	null := func() bool { return withNulls && rng.IntN(5) == 0 }
	for i := 0; i < n; i++ {
		for c, f := range testSchema.Fields() {
			fb := b.Field(c)
			if f.Nullable && null() {
				fb.AppendNull()
				continue
			}
			switch fb := fb.(type) {
			case *array.Int8Builder:
				fb.Append(int8(rng.IntN(256) - 128))
			case *array.Uint16Builder:
				fb.Append(uint16(rng.IntN(65536)))
			case *array.Float32Builder:
				fb.Append(rng.Float32())
			case *array.Int64Builder:
				fb.Append(rng.Int64())
			case *array.TimestampBuilder:
				fb.Append(arrow.Timestamp(rng.Int64N(1 << 50)))
			case *array.Decimal128Builder:
				fb.Append(decimal128.FromI64(rng.Int64()))
			case *array.BooleanBuilder:
				fb.Append(rng.IntN(2) == 0)
			case *array.StringBuilder:
				fb.Append(fmt.Sprintf("v%d", rng.IntN(100000)))
			case *array.BinaryBuilder:
				fb.Append([]byte(fmt.Sprintf("bytes-%d", rng.IntN(1000))))
			}
		}
	}
	return b.NewRecordBatch()
}

// oracle builds the expected column by concatenating one-row slices.
func oracle(t *testing.T, batches []arrow.RecordBatch, c int, bi, ri []int32, mem memory.Allocator) arrow.Array {
	t.Helper()
	parts := make([]arrow.Array, len(bi))
	for i := range bi {
		parts[i] = array.NewSlice(batches[bi[i]].Column(c), int64(ri[i]), int64(ri[i])+1)
	}
	defer func() {
		for _, p := range parts {
			p.Release()
		}
	}()
	if len(parts) == 0 {
		return array.MakeArrayOfNull(mem, batches[0].Column(c).DataType(), 0)
	}
	out, err := array.Concatenate(parts, mem)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestRowsMatchesOracle(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		name   string
		sizes  []int
		picks  int
		nulls  bool
		sliced bool
	}{
		{"one batch", []int{1000}, 777, true, false},
		{"many batches", []int{13, 1, 500, 64, 7}, 1500, true, false},
		{"no nulls", []int{100, 200}, 300, false, false},
		{"sliced inputs", []int{300, 257, 99}, 1000, true, true},
		{"nothing picked", []int{10, 20}, 0, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var batches []arrow.RecordBatch
			for _, n := range tc.sizes {
				b := randomBatch(mem, rng, n, tc.nulls)
				if tc.sliced && n > 10 {
					s := b.NewSlice(3, int64(n-5))
					b.Release()
					b = s
				}
				batches = append(batches, b)
			}
			defer func() {
				for _, b := range batches {
					b.Release()
				}
			}()
			bi := make([]int32, tc.picks)
			ri := make([]int32, tc.picks)
			for i := range bi {
				bi[i] = int32(rng.IntN(len(batches)))
				ri[i] = int32(rng.Int64N(batches[bi[i]].NumRows()))
			}
			got, err := Rows(testSchema, batches, bi, ri, mem)
			if err != nil {
				t.Fatal(err)
			}
			defer got.Release()
			if got.NumRows() != int64(tc.picks) {
				t.Fatalf("%d rows, want %d", got.NumRows(), tc.picks)
			}
			for c := range testSchema.Fields() {
				want := oracle(t, batches, c, bi, ri, mem)
				if !array.Equal(got.Column(c), want) {
					t.Errorf("column %s differs from the oracle", testSchema.Field(c).Name)
				}
				if got.Column(c).NullN() != want.NullN() {
					t.Errorf("column %s: %d nulls, want %d", testSchema.Field(c).Name, got.Column(c).NullN(), want.NullN())
				}
				want.Release()
			}
		})
	}
}

func dictBatch(mem memory.Allocator, dict arrow.Array, idx []int32, valid []bool) arrow.RecordBatch {
	ib := array.NewInt32Builder(mem)
	defer ib.Release()
	ib.AppendValues(idx, valid)
	ind := ib.NewArray()
	defer ind.Release()
	dt := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}
	col := array.NewDictionaryArray(dt, ind, dict)
	defer col.Release()
	sc := arrow.NewSchema([]arrow.Field{{Name: "d", Type: dt, Nullable: true}}, nil)
	return array.NewRecordBatch(sc, []arrow.Array{col}, int64(len(idx)))
}

func TestDictionaries(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	strs := func(v ...string) arrow.Array {
		b := array.NewStringBuilder(mem)
		defer b.Release()
		b.AppendValues(v, nil)
		return b.NewArray()
	}
	d1, d2, d3 := strs("a", "b", "c"), strs("a", "b", "c"), strs("x", "y")
	defer d1.Release()
	defer d2.Release()
	defer d3.Release()
	b1 := dictBatch(mem, d1, []int32{0, 1, 2, 1}, []bool{true, true, false, true})
	b2 := dictBatch(mem, d2, []int32{2, 2, 0}, nil)
	b3 := dictBatch(mem, d3, []int32{1, 0}, nil)
	defer b1.Release()
	defer b2.Release()
	defer b3.Release()
	// Equal dictionaries: indices gathered, dictionary shared.
	bi, ri := []int32{1, 0, 0, 1, 0}, []int32{0, 3, 2, 2, 0}
	got, err := Rows(b1.Schema(), []arrow.RecordBatch{b1, b2}, bi, ri, mem)
	if err != nil {
		t.Fatal(err)
	}
	var vals []string
	col := got.Column(0).(*array.Dictionary)
	for i := 0; i < col.Len(); i++ {
		if col.IsNull(i) {
			vals = append(vals, "<null>")
		} else {
			vals = append(vals, col.Dictionary().(*array.String).Value(col.GetValueIndex(i)))
		}
	}
	got.Release()
	if fmt.Sprint(vals) != "[c b <null> a a]" {
		t.Errorf("values %v, want [c b <null> a a]", vals)
	}
	// Different dictionaries are refused.
	_, err = Rows(b1.Schema(), []arrow.RecordBatch{b1, b3}, []int32{0, 1}, []int32{0, 0}, mem)
	if !errors.Is(err, ErrUnsupported) {
		t.Errorf("differing dictionaries: err %v, want ErrUnsupported", err)
	}
}

func TestBadInput(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	b := randomBatch(mem, rand.New(rand.NewPCG(5, 6)), 10, true)
	defer b.Release()
	for _, tc := range []struct {
		bi, ri []int32
	}{{[]int32{1}, []int32{0}}, {[]int32{0}, []int32{10}}, {[]int32{0}, []int32{-1}}, {[]int32{0, 0}, []int32{0}}} {
		if _, err := Rows(testSchema, []arrow.RecordBatch{b}, tc.bi, tc.ri, mem); err == nil {
			t.Errorf("bi %v ri %v: no error", tc.bi, tc.ri)
		}
	}
	list := arrow.NewSchema([]arrow.Field{{Name: "l", Type: arrow.ListOf(arrow.PrimitiveTypes.Int32)}}, nil)
	if Supported(list) || !Supported(testSchema) {
		t.Error("Supported: lists are not gathered, the test schema is")
	}
}
