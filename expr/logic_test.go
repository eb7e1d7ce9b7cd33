package expr

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluice-ml/sluice/expr/eval"
)

// tv is a three-valued truth value: 'T', 'F' or 'N' (null).
type tv = byte

func boolArray(mem memory.Allocator, vals []tv) arrow.Array {
	b := array.NewBooleanBuilder(mem)
	defer b.Release()
	for _, v := range vals {
		if v == 'N' {
			b.AppendNull()
		} else {
			b.Append(v == 'T')
		}
	}
	return b.NewArray()
}

func truth(a arrow.Array, i int) tv {
	if a.IsNull(i) {
		return 'N'
	}
	if a.(*array.Boolean).Value(i) {
		return 'T'
	}
	return 'F'
}

// TestThreeValuedLogic checks and/or/not/is null against the SQL truth
// tables, written out by hand, with the columns and with literals.
func TestThreeValuedLogic(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	x := []tv{'T', 'T', 'T', 'F', 'F', 'F', 'N', 'N', 'N'}
	y := []tv{'T', 'F', 'N', 'T', 'F', 'N', 'T', 'F', 'N'}
	want := map[string]string{
		"x and y":           "TFNFFFNFN",
		"x or y":            "TTTTFNTNN",
		"not x":             "FFFTTTNNN",
		"x is null":         "FFFFFFTTT",
		"x is not null":     "TTTTTTFFF",
		"x and null":        "NNNFFFNNN",
		"null or y":         "TNNTNNTNN",
		"x and true":        "TTTFFFNNN",
		"false or x":        "TTTFFFNNN",
		"not (x and y)":     "FTNTTTNTN",
		"x = y":             "TFNFTNNNN",
		"x in (true)":       "TTTFFFNNN",
		"x in (true, null)": "TTTNNNNNN",
		"coalesce(x, y)":    "TTTFFFTFN",
	}
	schema := arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.FixedWidthTypes.Boolean, Nullable: true}, {Name: "y", Type: arrow.FixedWidthTypes.Boolean, Nullable: true}}, nil)
	// Pad to 21 rows and slice at offset 3 so that bitmaps are unaligned.
	pad := func(v []tv) []tv {
		return append(append([]tv{'F', 'N', 'T'}, v...), 'T', 'N', 'F', 'T', 'F', 'N', 'T', 'T', 'F')
	}
	xa, ya := boolArray(mem, pad(x)), boolArray(mem, pad(y))
	full := array.NewRecordBatch(schema, []arrow.Array{xa, ya}, int64(xa.Len()))
	xa.Release()
	ya.Release()
	batch := full.NewSlice(3, 12)
	full.Release()
	defer batch.Release()
	for src, w := range want {
		e, err := Parse(src)
		if err != nil {
			t.Fatal(err)
		}
		b, err := Bind(e, schema)
		if err != nil {
			t.Fatalf("Bind(%q): %v", src, err)
		}
		got, err := b.Eval(batch, mem)
		if err != nil {
			t.Fatal(err)
		}
		var g []byte
		for i := range got.Len() {
			g = append(g, truth(got, i))
		}
		got.Release()
		if string(g) != w {
			t.Errorf("%s = %s, want %s", src, g, w)
		}
	}
}

// TestConstantFolding checks expressions without columns fold at bind
// time to the right value and still evaluate to full-length arrays.
func TestConstantFolding(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	cases := map[string]string{
		"1 + 2 * 3": "7", "7 / 2": "3.5", "7 % 0": "null", "-7 % 3": "-1", "abs(-3)": "3", "sqrt(16)": "4",
		"log(0)": "-Inf", "log(-1)": "NaN", "1 < 2 and 'a' < 'b'": "true", "null and false": "false",
		"null or false": "null", "coalesce(null, 2, 3)": "2", "coalesce(null, 2, 3.5)": "2", "3 in (1, 2, null)": "null",
		"3 not in (1, 2)": "true", "'b' in ('a', 'b')": "true", "null is null": "true", "-(9223372036854775807) - 1": "-9223372036854775808",
		"abs(-9223372036854775808)": "-9223372036854775808", "null": "null", "coalesce(null)": "null", "-null": "null", "coalesce('x', 'y')": `"x"`, "1.0 / 0": "+Inf",
	}
	batch := array.NewRecordBatch(arrow.NewSchema(nil, nil), nil, 5)
	defer batch.Release()
	for src, want := range cases {
		e, err := Parse(src)
		if err != nil {
			t.Fatal(err)
		}
		b, err := Bind(e, arrow.NewSchema(nil, nil))
		if err != nil {
			t.Fatalf("Bind(%q): %v", src, err)
		}
		if _, ok := b.root.(*eval.Const); !ok {
			t.Errorf("%s: not folded (%T)", src, b.root)
		}
		got, err := b.Eval(batch, mem)
		if err != nil {
			t.Fatal(err)
		}
		for i := range got.Len() {
			if g := cell(got, i).String(); g != want {
				t.Errorf("%s row %d = %s, want %s", src, i, g, want)
			}
		}
		if got.Len() != 5 {
			t.Errorf("%s: %d rows", src, got.Len())
		}
		got.Release()
	}
}

// TestTimestampUnits checks year/month/hour and literal comparison for
// units other than microseconds and for dates before 1970.
func TestTimestampUnits(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	for _, unit := range []arrow.TimeUnit{arrow.Second, arrow.Millisecond, arrow.Microsecond, arrow.Nanosecond} {
		dt := &arrow.TimestampType{Unit: unit, TimeZone: "UTC"}
		per := eval.TicksPerSecond(unit)
		// 1969-12-31 23:59:59, 2000-02-29 13:00:00, 1900-03-01 00:00:00, 2024-12-31 23:00:00
		secs := []int64{-1, 951829200, -2203891200, 1735686000}
		b := array.NewTimestampBuilder(mem, dt)
		for _, s := range secs {
			b.Append(arrow.Timestamp(s * per))
		}
		col := b.NewArray()
		b.Release()
		schema := arrow.NewSchema([]arrow.Field{{Name: "ts", Type: dt}}, nil)
		batch := array.NewRecordBatch(schema, []arrow.Array{col}, int64(len(secs)))
		col.Release()
		for src, want := range map[string]string{
			"year(ts)":                    "1969 2000 1900 2024",
			"month(ts)":                   "12 2 3 12",
			"hour(ts)":                    "23 13 0 23",
			"ts >= '2000-02-29 13:00:00'": "false true false true",
			"ts < '1970-01-01'":           "true false true false",
		} {
			e, _ := Parse(src)
			bnd, err := Bind(e, schema)
			if err != nil {
				t.Fatalf("%s: %v", src, err)
			}
			got, err := bnd.Eval(batch, mem)
			if err != nil {
				t.Fatal(err)
			}
			var parts []string
			for i := range got.Len() {
				parts = append(parts, cell(got, i).String())
			}
			got.Release()
			if g := joinSpace(parts); g != want {
				t.Errorf("unit %s: %s = %s, want %s", unit, src, g, want)
			}
		}
		batch.Release()
	}
}

func joinSpace(p []string) string {
	out := ""
	for i, s := range p {
		if i > 0 {
			out += " "
		}
		out += s
	}
	return out
}
