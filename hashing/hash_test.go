package hashing

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"math"
	"testing"
)

// Test vectors pin the contract; the Python reader and the CUDA kernels
// check the same numbers.
func TestVectors(t *testing.T) {
	cases := []struct {
		name string
		got  uint64
		want uint64
	}{
		{"Mix(0)", Mix(0), 0},
		{"Mix(1)", Mix(1), 0xb456bcfc34c2cb2c},
		{"Bytes(empty)", Bytes(nil), 0xef46db3751d8e999},
		{"String(abc)", String("abc"), 0x44bc2cf5ad770999},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("%s = %#x, want %#x", c.name, c.got, c.want)
		}
	}
}

func mixRef(x uint64) uint64 {
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	return x
}

func TestBatchFormsMatchScalar(t *testing.T) {
	f := String("part-00001.parquet")
	out := make([]uint64, 100)
	FileRows(f, 1<<33, out)
	for i, h := range out {
		if want := mixRef(f ^ mixRef(uint64(1<<33+int64(i))+RowTag)); h != want {
			t.Fatalf("row %d: %x != %x", i, h, want)
		}
	}
	SeededAll(42, out, out)
	FileRows(f, 1<<33, make([]uint64, 0))
	for i, h := range out {
		if want := Seeded(42, FileRow(f, 1<<33+int64(i))); h != want {
			t.Fatalf("seeded row %d: %x != %x", i, h, want)
		}
	}
}

func TestFloatCanonical(t *testing.T) {
	if Float64(0) != Float64(math.Copysign(0, -1)) {
		t.Error("-0 and +0 hash differently")
	}
	if Float64(math.NaN()) != Float64(math.Float64frombits(0x7ff8000000000001)) {
		t.Error("NaNs hash differently")
	}
	if Float64(1) == Float64(2) || Int64(1) == Int64(2) {
		t.Error("distinct values collide")
	}
}

// A seeded hash must be close to uniform: the top 4 bits of 160k
// consecutive row keys fill 16 buckets within 5 sigma.
func TestSeededUniform(t *testing.T) {
	var buckets [16]int
	n := 160000
	for i := 0; i < n; i++ {
		buckets[Seeded(7, FileRow(0, int64(i)))>>60]++
	}
	exp := float64(n) / 16
	sigma := math.Sqrt(exp * (1 - 1.0/16))
	for b, c := range buckets {
		if math.Abs(float64(c)-exp) > 5*sigma {
			t.Errorf("bucket %d has %d rows, expected %.0f ± %.0f", b, c, exp, 5*sigma)
		}
	}
}

func TestColumnMatchesScalar(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	ib := array.NewInt64Builder(mem)
	defer ib.Release()
	ib.AppendValues([]int64{5, -1, 0}, []bool{true, false, true})
	ia := ib.NewArray()
	defer ia.Release()
	out := make([]uint64, 3)
	if err := Column(ia, out); err != nil {
		t.Fatal(err)
	}
	if out[0] != Int64(5) || out[1] != NullTag || out[2] != Int64(0) {
		t.Fatalf("int64 hashes %x", out)
	}
	db := array.NewDictionaryBuilder(mem, &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}).(*array.BinaryDictionaryBuilder)
	defer db.Release()
	db.AppendString("Male")
	db.AppendNull()
	db.AppendString("Female")
	da := db.NewArray()
	defer da.Release()
	if err := Column(da, out); err != nil {
		t.Fatal(err)
	}
	if out[0] != String("Male") || out[1] != NullTag || out[2] != String("Female") {
		t.Fatalf("dictionary hashes %x", out)
	}
}
