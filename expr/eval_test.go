package expr

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluice-ml/sluice/expr/eval"
)

var tsType = arrow.FixedWidthTypes.Timestamp_us

var testSchema = arrow.NewSchema([]arrow.Field{
	{Name: "i", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "j", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "f", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "g", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "b", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	{Name: "c", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	{Name: "ts", Type: tsType, Nullable: true},
	{Name: "s", Type: eval.DictString, Nullable: true},
	{Name: "t", Type: eval.DictString, Nullable: true},
	{Name: "p", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "my col", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
}, nil)

var words = []string{"", "a", "ab", "b", "Subscriber", "Customer", "zz", "é",
	"12", " -7 ", "1.5", "TRUE", "0", "2020-02-29 12:00:00", "a_b%c", "ÉcolE", "naïve ünï"}

// randBatch builds a batch of n rows with ~20% nulls, then slices it at a
// random offset so that every column has a non-zero offset. Dictionary
// indices at null slots hold out-of-range garbage, as Arrow allows.
func randBatch(mem memory.Allocator, rng *rand.Rand, n int) arrow.RecordBatch {
	off := rng.IntN(13)
	total := off + n + rng.IntN(5)
	valid := func() []bool {
		v := make([]bool, total)
		for k := range v {
			v[k] = rng.IntN(5) != 0
		}
		return v
	}
	ints := func(span int64, extremes bool) arrow.Array {
		vals := make([]int64, total)
		for k := range vals {
			vals[k] = rng.Int64N(2*span+1) - span
			if extremes && rng.IntN(20) == 0 {
				vals[k] = []int64{math.MinInt64, math.MaxInt64, 0, -1}[rng.IntN(4)]
			}
		}
		b := array.NewInt64Builder(mem)
		defer b.Release()
		b.AppendValues(vals, valid())
		return b.NewArray()
	}
	floats := func() arrow.Array {
		vals := make([]float64, total)
		for k := range vals {
			vals[k] = math.Round((rng.Float64()*20-10)*4) / 4
			if rng.IntN(30) == 0 {
				vals[k] = []float64{math.NaN(), math.Inf(1), math.Inf(-1), 0}[rng.IntN(4)]
			}
		}
		b := array.NewFloat64Builder(mem)
		defer b.Release()
		b.AppendValues(vals, valid())
		return b.NewArray()
	}
	bools := func() arrow.Array {
		vals := make([]bool, total)
		for k := range vals {
			vals[k] = rng.IntN(2) == 0
		}
		b := array.NewBooleanBuilder(mem)
		defer b.Release()
		b.AppendValues(vals, valid())
		return b.NewArray()
	}
	timestamps := func() arrow.Array {
		vals := make([]arrow.Timestamp, total)
		for k := range vals {
			// 1890..2090, biased towards 2019..2021.
			v := rng.Int64N(6_300_000_000) - 2_500_000_000
			if rng.IntN(2) == 0 {
				v = 1_546_300_800 + rng.Int64N(3*366*86400)
			}
			vals[k] = arrow.Timestamp(v*1_000_000 + rng.Int64N(1_000_000))
		}
		b := array.NewTimestampBuilder(mem, tsType.(*arrow.TimestampType))
		defer b.Release()
		b.AppendValues(vals, valid())
		return b.NewArray()
	}
	dict := func() arrow.Array {
		perm := rng.Perm(len(words))[:3+rng.IntN(len(words)-3)]
		entries := make([]string, len(perm))
		for k, p := range perm {
			entries[k] = words[p]
		}
		d := eval.StringDict(mem, entries)
		defer d.Release()
		v := valid()
		idx := make([]int32, total)
		for k := range idx {
			idx[k] = int32(rng.IntN(len(entries)))
			if !v[k] {
				idx[k] = 1000 + int32(k)
			}
		}
		ib := array.NewInt32Builder(mem)
		defer ib.Release()
		ib.AppendValues(idx, v)
		ia := ib.NewArray()
		defer ia.Release()
		return array.NewDictionaryArray(eval.DictString, ia, d)
	}
	plain := func() arrow.Array {
		vals := make([]string, total)
		for k := range vals {
			vals[k] = words[rng.IntN(len(words))]
		}
		b := array.NewStringBuilder(mem)
		defer b.Release()
		b.AppendValues(vals, valid())
		return b.NewArray()
	}
	cols := []arrow.Array{ints(1000, true), ints(3, false), floats(), floats(), bools(), bools(), timestamps(), dict(), dict(), plain(), ints(5, false)}
	full := array.NewRecordBatch(testSchema, cols, int64(total))
	for _, c := range cols {
		c.Release()
	}
	defer full.Release()
	return full.NewSlice(int64(off), int64(off+n))
}

// propertyExprs cover every operator, function and type combination.
var propertyExprs = []string{
	"i + j", "i - j * 2", "i * j", "i / j", "i % j", "j % 0", "-i", "i + f", "f - g", "f * i", "f / g", "f % g", "g % j",
	"10 - i", "100 / j", "7 % j", "2.5 * i", "abs(i)", "abs(f)", "log(f)", "sqrt(i)", "log(abs(j))",
	"i = j", "i != j", "i < f", "f <= g", "j > 1", "2 >= j", "f = 1.5", "i < 2.5", "1 < f",
	"b = c", "b != c", "b < c", "b <= true", "false > c", "b >= c",
	"b and c", "b or c", "not b", "b and not c or j = 0", "b and null", "null or c", "not (b or c)", "b and true", "false or c",
	"i is null", "f is not null", "s is null", "p is not null", "b is null",
	"s = 'ab'", "s != 'b'", "s < 'b'", "'b' < s", "s >= 'Customer'", "s = t", "s < t", "s >= t", "p = s", "p > t", "p <= 'b'", "'zz' = p", "s = p",
	"s in ('a', 'zz')", "s not in ('a', 'b', null)", "p in ('', 'é')", "t in ('a', null)",
	"j in (1, 2)", "j not in (0)", "i in (1, -1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)", "j in (1.0, 2.5)", "f in (0.5, 1, -2.25)",
	"f in (0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2, 2.25, 2.5)", "b in (true)", "c not in (false, null)", "j in (null)",
	"year(ts)", "month(ts)", "hour(ts)", "year(ts) = 2020 and month(ts) >= 6",
	"ts >= '2020-01-01'", "ts < '2020-06-15 12:30:00'", "'2019-12-31' = ts", "ts in ('2020-01-01', null)",
	"coalesce(i, j)", "coalesce(i, j, 0)", "coalesce(f, i)", "coalesce(null, g, f, 1.5)", "coalesce(b, c)", "coalesce(b, c, false)",
	"coalesce(-f, i)", "coalesce(abs(null), j)", "coalesce(null * 1.5, i)",
	"coalesce(s, t)", "coalesce(s, p, 'none')", "coalesce(p)", "coalesce(ts, ts)",
	"`my col` * 2 + i", "i + null", "null = s", "-(-(j))", "(i + 1) * (f - 2) / 3",
	"2020 - year(ts) > 30 or s = 'Subscriber' and f > 0",
}

func evalOne(t *testing.T, mem memory.Allocator, src string, bnd *Bound, batch arrow.RecordBatch) {
	t.Helper()
	e, _ := Parse(src)
	got, err := bnd.Eval(batch, mem)
	if err != nil {
		t.Fatalf("%s: Eval: %v", src, err)
	}
	defer got.Release()
	n := int(batch.NumRows())
	if got.Len() != n {
		t.Fatalf("%s: got %d rows, want %d", src, got.Len(), n)
	}
	if !arrow.TypeEqual(got.DataType(), bnd.Type()) {
		t.Fatalf("%s: result type %s, Type() %s", src, got.DataType(), bnd.Type())
	}
	if err := array.ValidateFull(got); err != nil {
		t.Fatalf("%s: invalid result array: %v", src, err)
	}
	for r := range n {
		want := refEval(e, batch, r)
		g := cell(got, r)
		if !sameVal(g, want) {
			t.Fatalf("%s row %d of %d: got %s, want %s", src, r, n, g.typed(), want.typed())
		}
	}
}

func TestEvalMatchesReference(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	bound := make([]*Bound, len(propertyExprs))
	for k, src := range propertyExprs {
		e, err := Parse(src)
		if err != nil {
			t.Fatalf("Parse(%q): %v", src, err)
		}
		if bound[k], err = Bind(e, testSchema); err != nil {
			t.Fatalf("Bind(%q): %v", src, err)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 3, 17, 1024} {
		for rep := 0; rep < 3; rep++ {
			func() {
				batch := randBatch(mem, rng, n)
				defer batch.Release()
				for k, src := range propertyExprs {
					evalOne(t, mem, src, bound[k], batch)
				}
			}()
		}
	}
}

func TestTypes(t *testing.T) {
	cases := map[string]arrow.DataType{
		"i + j": arrow.PrimitiveTypes.Int64, "i / j": arrow.PrimitiveTypes.Float64, "i + f": arrow.PrimitiveTypes.Float64,
		"abs(i)": arrow.PrimitiveTypes.Int64, "abs(f)": arrow.PrimitiveTypes.Float64, "sqrt(i)": arrow.PrimitiveTypes.Float64,
		"year(ts)": arrow.PrimitiveTypes.Int64, "i < j": arrow.FixedWidthTypes.Boolean, "ts": tsType,
		"s": eval.DictString, "p": arrow.BinaryTypes.String, "coalesce(s, p)": eval.DictString, "'x'": eval.DictString,
		"coalesce(ts, ts)": tsType, "null": arrow.Null, "1 + 2": arrow.PrimitiveTypes.Int64,
	}
	for src, want := range cases {
		e, _ := Parse(src)
		b, err := Bind(e, testSchema)
		if err != nil {
			t.Fatalf("Bind(%q): %v", src, err)
		}
		if !arrow.TypeEqual(b.Type(), want) {
			t.Errorf("Type(%q) = %s, want %s", src, b.Type(), want)
		}
	}
}

func TestBindErrors(t *testing.T) {
	cases := []struct {
		src string
		pos int
		msg string
	}{
		{"nope + 1", 0, `unknown column "nope" (have: i, j, f, g, b, c, ts, s, t, p, my col, u)`},
		{"i + s", 2, "cannot apply + to int64 and string: arithmetic needs int64 or float64"},
		{"b * 2", 2, "cannot apply * to bool and int64"},
		{"i = s", 2, "cannot compare int64 with string"},
		{"ts < 5", 3, "cannot compare timestamp with int64"},
		{"ts < 'yesterday'", 5, `cannot read "yesterday" as a timestamp`},
		{"ts < p", 5, "only string literals"},
		{"i and b", 2, "and needs bool operands, got int64 and bool"},
		{"not i", 0, "not needs a bool operand, got int64"},
		{"-s", 0, "cannot negate a string"},
		{"abs(s)", 0, "abs needs an int64 or float64 argument, got string"},
		{"year(i)", 0, "year needs a timestamp argument, got int64"},
		{"coalesce(i, s)", 12, "coalesce arguments must have one type: int64 and string"},
		{"i in (1, j)", 9, "in list items must be literals"},
		{"i in (1, 'a')", 9, "in list item 'a' is string"},
		{"u + 1", 0, `column "u" has type int32; expressions support`},
	}
	schema := arrow.NewSchema(append(testSchema.Fields(), arrow.Field{Name: "u", Type: arrow.PrimitiveTypes.Int32}), nil)
	for _, c := range cases {
		e, err := Parse(c.src)
		if err != nil {
			t.Fatalf("Parse(%q): %v", c.src, err)
		}
		_, err = Bind(e, schema)
		var pe *Error
		if !errors.As(err, &pe) {
			t.Errorf("Bind(%q): want *Error, got %v", c.src, err)
			continue
		}
		if pe.Pos != c.pos || !strings.Contains(pe.Msg, c.msg) {
			t.Errorf("Bind(%q) = pos %d %q, want pos %d containing %q", c.src, pe.Pos, pe.Msg, c.pos, c.msg)
		}
	}
}
