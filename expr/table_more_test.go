package expr

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluice-ml/sluice/expr/eval"
)

var tableSchema = arrow.NewSchema([]arrow.Field{
	{Name: "s", Type: eval.DictString, Nullable: true},
	{Name: "p", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "ts", Type: tsType, Nullable: true},
	{Name: "n", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
}, nil)

// tableBatch is 9 hand-written rows, sliced at offset 2 out of 11. The
// dictionary of s has a duplicate entry ("Hello" twice), a null entry, an
// unused one, and a null row whose index is out of range.
func tableBatch(mem memory.Allocator) arrow.RecordBatch {
	dict := array.NewStringBuilder(mem)
	defer dict.Release()
	dict.AppendValues([]string{"Hello", "héllo wörld", "", "", "Hello", "unused", "a_b%c", "ÉCOLE"}, []bool{true, true, true, false, true, true, true, true})
	d := dict.NewStringArray()
	defer d.Release()
	ib := array.NewInt32Builder(mem)
	defer ib.Release()
	ib.AppendValues([]int32{5, 6, 0, 1, 2, 99, 3, 4, 6, 7, 0}, []bool{true, true, true, true, true, false, true, true, true, true, true})
	idx := ib.NewArray()
	defer idx.Release()
	s := array.NewDictionaryArray(eval.DictString, idx, d)
	pb := array.NewStringBuilder(mem)
	defer pb.Release()
	pb.AppendValues([]string{"pad", "pad", "Hello", "héllo wörld", "", "", "a_b%c", "ÉCOLE", "a_b%c", "x", ""}, []bool{true, true, true, true, true, false, true, true, true, true, true})
	p := pb.NewArray()
	us := func(y int, m time.Month, dd, h, mi, sec, usec int) arrow.Timestamp {
		return arrow.Timestamp(time.Date(y, m, dd, h, mi, sec, usec*1000, time.UTC).UnixMicro())
	}
	tb := array.NewTimestampBuilder(mem, tsType.(*arrow.TimestampType))
	defer tb.Release()
	tb.AppendValues([]arrow.Timestamp{0, 0, us(2020, 1, 6, 0, 0, 0, 0), us(2020, 1, 5, 23, 59, 59, 999999), us(1969, 12, 31, 23, 0, 0, 0), 0,
		us(2000, 2, 29, 12, 0, 0, 0), us(1900, 3, 1, 0, 0, 0, 0), us(2021, 12, 31, 23, 59, 59, 0), us(2024, 2, 29, 0, 0, 0, 0), 0},
		[]bool{true, true, true, true, true, false, true, true, true, true, true})
	ts := tb.NewArray()
	nb := array.NewInt64Builder(mem)
	defer nb.Release()
	nb.AppendValues([]int64{7, 7, 2, -3, 0, 0, 1, 10, -1, 100, 5}, []bool{true, true, true, true, true, false, true, true, true, true, true})
	n := nb.NewArray()
	cols := []arrow.Array{s, p, ts, n}
	full := array.NewRecordBatch(tableSchema, cols, 11)
	for _, c := range cols {
		c.Release()
	}
	defer full.Release()
	return full.NewSlice(2, 11)
}

// show prints row i of a result for the tables: null, a string, a number.
func show(a arrow.Array, i int) string {
	v := cell(a, i)
	if v.null {
		return "null"
	}
	switch v.k {
	case eval.Str:
		return v.s
	case eval.Int, eval.Ts:
		return fmt.Sprint(v.i)
	case eval.Float:
		return fmt.Sprint(v.f)
	}
	return fmt.Sprint(v.b)
}

// TestFunctionsByHand checks the new functions against values worked out
// by hand (the calendar ones checked with Python's datetime).
func TestFunctionsByHand(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	batch := tableBatch(mem)
	defer batch.Release()
	cases := map[string]string{
		"lower(s)":                            "hello|héllo wörld||null|null|hello|a_b%c|école|hello",
		"upper(p)":                            "HELLO|HÉLLO WÖRLD||null|A_B%C|ÉCOLE|A_B%C|X|",
		"length(s)":                           "5|11|0|null|null|5|5|5|5",
		"length(p)":                           "5|11|0|null|5|5|5|1|0",
		"substr(s, 2, 3)":                     "ell|éll||null|null|ell|_b%|COL|ell",
		"substr(p, n)":                        "ello|rld||null|a_b%c||c||",
		"substr(p, -2)":                       "lo|ld||null|%c|LE|%c|x|",
		"substr(s, 0, 2)":                     "H|h||null|null|H|a|É|H",
		"substr(p, 3, -2)":                    "He|hé||null|a_|ÉC|a_|x|",
		"concat(s, '!', p)":                   "Hello!Hello|héllo wörld!héllo wörld|!|!|!a_b%c|Hello!ÉCOLE|a_b%c!a_b%c|ÉCOLE!x|Hello!",
		"concat('<', s, '>')":                 "<Hello>|<héllo wörld>|<>|<>|<>|<Hello>|<a_b%c>|<ÉCOLE>|<Hello>",
		"starts_with(p, 'a_')":                "false|false|false|null|true|false|true|false|false",
		"starts_with(s, p)":                   "true|true|true|null|null|false|true|false|true",
		"s like 'H%o'":                        "true|false|false|null|null|true|false|false|true",
		"s like '_____'":                      "true|false|false|null|null|true|true|true|true",
		"p like 'a!_b!%_' escape '!'":         "false|false|false|null|true|false|true|false|false",
		"p like 'a_b%'":                       "false|false|false|null|true|false|true|false|false",
		"p not like '%ö%'":                    "true|false|true|null|true|true|true|true|true",
		"p like ''":                           "false|false|true|null|false|false|false|false|true",
		"day_of_week(ts)":                     "1|7|3|null|2|4|5|4|4",
		"date_diff('day', '2020-01-01', ts)":  "5|4|-18263|null|-7246|-43770|730|1520|-18262",
		"date_diff('hour', ts, '2020-01-06')": "0|1|438409|null|174012|1050600|-17423|-36360|438408",
		"date_diff('week', ts, '2020-01-13')": "1|1|2610|null|1036|6254|-102|-215|2610",
		"date_diff('month', ts, '2020-01-31 23:59:59')":             "0|0|601|null|239|1438|-23|-49|600",
		"date_diff('year', ts, '2020-06-01')":                       "0|0|51|null|20|120|-1|-4|50",
		"cast(n as string)":                                         "2|-3|0|null|1|10|-1|100|5",
		"cast(ts as string)":                                        "2020-01-06 00:00:00|2020-01-05 23:59:59.999999|1969-12-31 23:00:00|null|2000-02-29 12:00:00|1900-03-01 00:00:00|2021-12-31 23:59:59|2024-02-29 00:00:00|1970-01-01 00:00:00",
		"cast(ts as int64)":                                         "1578268800000000|1578268799999999|-3600000000|null|951825600000000|-2203891200000000|1640995199000000|1709164800000000|0",
		"try_cast(p as timestamp) = ts":                             "null|null|null|null|null|null|null|null|null",
		"cast(n / 4 as int64)":                                      "1|-1|0|null|0|3|0|25|1",
		"try_cast(n * 1e18 as int64) is null":                       "false|false|false|true|false|true|false|true|false",
		"case when n > 0 then 'pos' when n < 0 then 'neg' end":      "pos|neg|null|null|pos|pos|neg|pos|pos",
		"if(n is null, -1, n * 2)":                                  "4|-6|0|-1|2|20|-2|200|10",
		"case s when 'Hello' then 1 when 'ÉCOLE' then 2 else 0 end": "1|0|0|0|0|1|0|2|1",
		"case when n > 1 then s else p end":                         "Hello|héllo wörld||null|a_b%c|Hello|a_b%c|ÉCOLE|Hello",
		"case when n > 1 then n when n < 0 then 0.5 end":            "2|0.5|null|null|null|10|0.5|100|5",
	}
	for src, want := range cases {
		e, err := Parse(src)
		if err != nil {
			t.Fatalf("Parse(%q): %v", src, err)
		}
		b, err := Bind(e, tableSchema)
		if err != nil {
			t.Fatalf("Bind(%q): %v", src, err)
		}
		got, err := b.Eval(batch, mem)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if err := array.ValidateFull(got); err != nil {
			t.Errorf("%s: invalid result: %v", src, err)
		}
		var g []string
		for i := range got.Len() {
			g = append(g, show(got, i))
		}
		got.Release()
		if strings.Join(g, "|") != want {
			t.Errorf("%s\n got %s\nwant %s", src, strings.Join(g, "|"), want)
		}
	}
}

// TestCastErrors checks that cast fails naming the value and the rule,
// only for rows that are valid, while try_cast gives null.
func TestCastErrors(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	batch := tableBatch(mem)
	defer batch.Release()
	cases := map[string]string{
		"cast(s as int64)":                                    `expr cast(s as int64): cannot convert "Hello" to int64: expected an integer such as -42 (spaces around it are ignored) (try_cast gives null instead)`,
		"cast(p as bool)":                                     `cannot convert "Hello" to bool: expected true, false, 1 or 0 (any case)`,
		"cast(p as timestamp)":                                `cannot convert "Hello" to timestamp: expected 'YYYY-MM-DD' or 'YYYY-MM-DD HH:MM:SS[.ffffff]' (UTC)`,
		"cast(substr(p, 2, 0) as float64)":                    `cannot convert "" to float64: expected a number such as 1.5, -2e3, nan or inf`,
		"cast(n * 1e18 as int64)":                             `cannot convert 1e+19 to int64: NaN, infinities and values beyond ±9.2e18 have no int64`,
		"case when n >= 100 then cast(s as int64) else 0 end": `cannot convert "ÉCOLE" to int64`,
		"case when n >= 10 then 0 else cast(p as int64) end":  `cannot convert "Hello" to int64`,
	}
	for src, want := range cases {
		e, _ := Parse(src)
		b, err := Bind(e, tableSchema)
		if err != nil {
			t.Fatalf("Bind(%q): %v", src, err)
		}
		got, err := b.Eval(batch, mem)
		if err == nil {
			got.Release()
			t.Errorf("%s: no error", src)
			continue
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %q, want it to contain %q", src, err, want)
		}
	}
	// Rows that are null, and dictionary entries no row uses, never fail.
	ok := map[string]string{
		"cast(if(n = 7, s, null) as int64)":                                               "null|null|null|null|null|null|null|null|null",
		"cast(case when n = 1 or n = 2 then concat('1', cast(n as string)) end as int64)": "12|null|null|null|11|null|null|null|null",
	}
	for src, want := range ok {
		e, _ := Parse(src)
		b, err := Bind(e, tableSchema)
		if err != nil {
			t.Fatalf("Bind(%q): %v", src, err)
		}
		got, err := b.Eval(batch, mem)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		var g []string
		for i := range got.Len() {
			g = append(g, show(got, i))
		}
		got.Release()
		if strings.Join(g, "|") != want {
			t.Errorf("%s = %s, want %s", src, strings.Join(g, "|"), want)
		}
	}
	var pe *Error
	e, _ := Parse("cast('12x' as int64) + n")
	if _, err := Bind(e, tableSchema); !errors.As(err, &pe) || pe.Pos != 0 {
		t.Errorf("a constant cast that fails should be a bind error at column 1, got %v", err)
	}
}

// TestLargeDictionarySmallBatch: a batch that uses a few entries of a
// large dictionary computes only those, and its result dictionary holds
// only their results.
func TestLargeDictionarySmallBatch(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	vals := make([]string, 5000)
	for j := range vals {
		vals[j] = fmt.Sprintf("Name %d", j)
	}
	d := eval.StringDict(mem, vals)
	defer d.Release()
	ib := array.NewInt32Builder(mem)
	defer ib.Release()
	ib.AppendValues([]int32{7, 4999, 7, 123, 0, 9999}, []bool{true, true, true, true, true, false})
	idx := ib.NewArray()
	defer idx.Release()
	s := array.NewDictionaryArray(eval.DictString, idx, d)
	schema := arrow.NewSchema([]arrow.Field{{Name: "s", Type: eval.DictString, Nullable: true}}, nil)
	batch := array.NewRecordBatch(schema, []arrow.Array{s}, 6)
	s.Release()
	defer batch.Release()
	cases := map[string]string{
		"lower(s)":                        "name 7|name 4999|name 7|name 123|name 0|null",
		"concat(s, '!')":                  "Name 7!|Name 4999!|Name 7!|Name 123!|Name 0!|!",
		"substr(s, 6)":                    "7|4999|7|123|0|null",
		"try_cast(substr(s, 6) as int64)": "7|4999|7|123|0|null",
		"case when s like '%9' then s else upper(s) end": "NAME 7|Name 4999|NAME 7|NAME 123|NAME 0|null",
	}
	for src, want := range cases {
		e, _ := Parse(src)
		b, err := Bind(e, schema)
		if err != nil {
			t.Fatalf("Bind(%q): %v", src, err)
		}
		got, err := b.Eval(batch, mem)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		var g []string
		for i := range got.Len() {
			g = append(g, show(got, i))
		}
		if strings.Join(g, "|") != want {
			t.Errorf("%s = %s, want %s", src, strings.Join(g, "|"), want)
		}
		if dict, ok := got.(*array.Dictionary); ok && dict.Dictionary().Len() > 6 {
			t.Errorf("%s: result dictionary has %d entries for 6 rows", src, dict.Dictionary().Len())
		}
		got.Release()
	}
}
