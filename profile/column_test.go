package profile

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/exec/cpu/stats"
)

// Column.Update against a plain count of the formatted values, for every
// column type, over chunks: the row and null counts are exact, every kept
// top count lies in [true - Undercount, true] (exact while a column has at
// most TopCounters values), and the distinct estimate is within 4 standard
// errors of the exact number of distinct values.
func TestColumnUpdateAgainstPlainCounts(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	type gen struct {
		name string
		dt   arrow.DataType
		make func(rng *rand.Rand, n int, exact map[string]int64) arrow.Array
	}
	skew := func(rng *rand.Rand, k int) int { return int(math.Floor(math.Pow(rng.Float64(), 3) * float64(k))) }
	gens := []gen{
		{"int64 few", arrow.PrimitiveTypes.Int64, func(rng *rand.Rand, n int, exact map[string]int64) arrow.Array {
			b := array.NewInt64Builder(mem)
			defer b.Release()
			for range n {
				if rng.IntN(10) == 0 {
					b.AppendNull()
					continue
				}
				v := int64(skew(rng, 100)) - 50
				exact[strconv.FormatInt(v, 10)]++
				b.Append(v)
			}
			return b.NewArray()
		}},
		{"int64 many", arrow.PrimitiveTypes.Int64, func(rng *rand.Rand, n int, exact map[string]int64) arrow.Array {
			b := array.NewInt64Builder(mem)
			defer b.Release()
			for range n {
				v := int64(skew(rng, 3000))
				exact[strconv.FormatInt(v, 10)]++
				b.Append(v)
			}
			return b.NewArray()
		}},
		{"float64", arrow.PrimitiveTypes.Float64, func(rng *rand.Rand, n int, exact map[string]int64) arrow.Array {
			b := array.NewFloat64Builder(mem)
			defer b.Release()
			for range n {
				var v float64
				switch rng.IntN(8) {
				case 0:
					v = math.Copysign(0, -1) // counts as 0
				case 1:
					v = math.NaN()
				default:
					v = float64(skew(rng, 400)) / 4
				}
				if v == 0 {
					exact["0"]++
				} else {
					exact[strconv.FormatFloat(v, 'g', -1, 64)]++
				}
				b.Append(v)
			}
			return b.NewArray()
		}},
		{"bool", arrow.FixedWidthTypes.Boolean, func(rng *rand.Rand, n int, exact map[string]int64) arrow.Array {
			b := array.NewBooleanBuilder(mem)
			defer b.Release()
			for range n {
				if rng.IntN(7) == 0 {
					b.AppendNull()
					continue
				}
				v := rng.IntN(3) == 0
				exact[strconv.FormatBool(v)]++
				b.Append(v)
			}
			return b.NewArray()
		}},
		{"string", arrow.BinaryTypes.String, func(rng *rand.Rand, n int, exact map[string]int64) arrow.Array {
			b := array.NewStringBuilder(mem)
			defer b.Release()
			for range n {
				if rng.IntN(9) == 0 {
					b.AppendNull()
					continue
				}
				v := "s" + strconv.Itoa(skew(rng, 1000))
				exact[v]++
				b.Append(v)
			}
			return b.NewArray()
		}},
		{"dictionary", &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}, func(rng *rand.Rand, n int, exact map[string]int64) arrow.Array {
			dt := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}
			b := array.NewDictionaryBuilder(mem, dt).(*array.BinaryDictionaryBuilder)
			defer b.Release()
			for range n {
				if rng.IntN(9) == 0 {
					b.AppendNull()
					continue
				}
				v := "d" + strconv.Itoa(skew(rng, 600))
				exact[v]++
				if err := b.AppendString(v); err != nil {
					panic(err)
				}
			}
			return b.NewArray()
		}},
	}
	for gi, g := range gens {
		t.Run(g.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(gi), 9))
			exact := map[string]int64{}
			c := NewColumn(ColumnSpec{Name: "x", Categorical: true}, g.dt)
			var rows, nulls int64
			for chunk := range 12 {
				a := g.make(rng, 500+chunk*731, exact)
				rows += int64(a.Len())
				nulls += int64(a.NullN())
				if err := c.Update(a); err != nil {
					t.Fatal(err)
				}
				a.Release()
			}
			if c.Rows != rows {
				t.Fatalf("rows %d, want %d", c.Rows, rows)
			}
			if !c.Numeric && c.Nulls != nulls {
				t.Fatalf("nulls %d, want %d", c.Nulls, nulls)
			}
			if c.Numeric && c.Moments.Nulls != nulls {
				t.Fatalf("nulls %d, want %d", c.Moments.Nulls, nulls)
			}
			var total int64
			for _, n := range exact {
				total += n
			}
			if c.Top.N != total {
				t.Fatalf("top values saw %d values, want %d", c.Top.N, total)
			}
			under := c.Top.Undercount()
			if len(exact) <= TopCounters && under != 0 {
				t.Fatalf("%d distinct values: undercount %d, want exact counts", len(exact), under)
			}
			for v, n := range c.Top.Counts {
				if n > exact[v] || n < exact[v]-under {
					t.Errorf("value %q: count %d, true %d, undercount bound %d", v, n, exact[v], under)
				}
			}
			d := float64(len(exact))
			if got := float64(c.Distinct.Estimate()); math.Abs(got-d) > 4*HLLStdError*d+0.5 {
				t.Errorf("distinct estimate %.0f, exact %.0f", got, d)
			}
		})
	}
}

// An int64 column of fewer distinct values than rows per chunk (codes,
// years) is counted per value first. Against per-row oracles: the
// distinct sketch's registers are those of hashing every valid row, the
// moments those of stats.Moments over the same chunks, and the quantiles
// (the sketch never compacts: a few hundred values, each stored once per
// binary digit of its count) numpy's linear quantiles of all valid rows,
// exactly, over 300K rows (fed one by one, 300K rows would have compacted
// it many times).
func TestColumnIntTable(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rng := rand.New(rand.NewPCG(41, 42))
	c := NewColumn(ColumnSpec{Name: "year", Role: "label"}, arrow.PrimitiveTypes.Int64)
	hll := NewHLL()
	var mom stats.Moments
	var all []float64
	for chunk := range 12 {
		b := array.NewInt64Builder(mem)
		for range 20_000 + chunk*1000 {
			if rng.IntN(13) == 0 {
				b.AppendNull()
				continue
			}
			v := 1940 + rng.Int64N(66)
			b.Append(v)
			all = append(all, float64(v))
			hll.Add(hashBits(uint64(v)))
		}
		a := b.NewArray()
		b.Release()
		if err := c.Update(a); err != nil {
			t.Fatal(err)
		}
		if err := mom.Update(a, nil); err != nil {
			t.Fatal(err)
		}
		a.Release()
	}
	slices.Sort(all)
	if c.Quantiles.Err != 0 || c.Quantiles.N != int64(len(all)) {
		t.Fatalf("quantiles: err %d N %d, want 0 and %d", c.Quantiles.Err, c.Quantiles.N, len(all))
	}
	for _, p := range Probabilities {
		r := p * float64(len(all)-1)
		lo := int(math.Floor(r))
		want := all[lo] + (r-float64(lo))*(all[min(lo+1, len(all)-1)]-all[lo])
		if got := c.Quantiles.Quantile(p); got != want {
			t.Errorf("quantile %v: %v, want %v", p, got, want)
		}
	}
	if !slices.Equal(c.Distinct.Registers, hll.Registers) {
		t.Error("distinct sketch differs from hashing every row")
	}
	g, w := c.Moments, mom
	if g.N != w.N || g.Mean != w.Mean || g.M2 != w.M2 || g.Min != w.Min || g.Max != w.Max || g.Nulls != w.Nulls {
		t.Errorf("moments %+v, want %+v", g, w)
	}
}
