package expr

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluice-ml/sluice/expr/eval"
)

// propertyExprsMore cover case, if, casts, like and the string and date
// functions over every column kind, dictionary and plain strings.
var propertyExprsMore = []string{
	"case when b then i else j end", "case when b then i when c then f end", "case when i > 0 then 'pos' when i < 0 then 'neg' else 'zero' end",
	"case when b then s else p end", "case when c then s end", "case j when 1 then 'one' when 2 then 'two' else t end",
	"case s when 'a' then 1 when 'ab' then 2.5 end", "case when b then c else not c end", "case when b then ts end",
	"case when b then null else f end", "case when false then i when true then j end", "case when null then i else 7 end",
	"case when i is null then -1 else i end", "if(b, i, j)", "if(c, s, 'none')", "if(i > j, f, null)", "if(b, ts, ts)",
	"case when s = 'a' then p when t = 'b' then s else null end", "case f when 1.5 then true else false end",
	"lower(s)", "upper(p)", "lower(upper(t))", "length(s)", "length(p)", "length(lower(p))",
	"substr(s, 2)", "substr(p, 1, 2)", "substr(s, j)", "substr(p, j, i)", "substr(s, -2, 1)", "substr(t, 0, 2)", "substr(p, j, -2)",
	"substr(s, 3, 0)", "substr(p, i)", "concat(s, p)", "concat(s, '-', t)", "concat('<', p, '>')", "concat(s)", "concat(null, s, null)",
	"concat(s, t, p)", "concat(lower(s), upper(t))", "starts_with(s, 'a')", "starts_with(p, '')", "starts_with(s, t)", "starts_with(p, s)",
	"s like 'a%'", "p like '%b%'", "s like '_'", "p not like 'a_'", "t like '%'", "s like ''", "p like 'a!_b!%c' escape '!'",
	"p like '%!%%' escape '!'", "s like 'É%E'", "p like 'na_ve%'", "t like '%\\%' escape '\\'", "s like '%a%b%'",
	"day_of_week(ts)", "day_of_week(ts) in (6, 7)",
	"date_diff('day', ts, '2020-01-01')", "date_diff('second', '2020-01-01', ts)", "date_diff('week', ts, '2020-06-15 12:00:00')",
	"date_diff('month', ts, '2000-02-29')", "date_diff('quarter', '1999-12-31 23:59:59', ts)", "date_diff('year', ts, '2020-01-01')",
	"date_diff('hour', ts, ts)", "date_diff('minute', ts, '1969-12-31 23:59:30')", "date_diff('millisecond', ts, '1970-01-01')",
	"date_diff('microsecond', '2020-01-01', ts)",
	"cast(i as float64)", "cast(f as float64) + 1", "try_cast(f as int64)", "cast(b as int64)", "cast(b as float64)", "cast(i as bool)",
	"cast(f as bool)", "cast(ts as int64)", "cast(i * 1000000 as timestamp)", "cast(i as string)", "cast(f as string)", "cast(b as string)",
	"cast(ts as string)", "try_cast(s as int64)", "try_cast(p as float64)", "try_cast(t as bool)", "try_cast(p as timestamp)",
	"cast(s as string)", "cast(p as string)", "cast(null as int64)", "try_cast(cast(i as string) as int64) = i",
	"concat(cast(j as string), ':', s)", "cast(coalesce(cast(j as string), '0') as int64)",
	"length(concat(s, p)) > 3 and lower(s) like 'a%' or day_of_week(ts) = 1",
}

func TestEvalMoreMatchesReference(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	bound := make([]*Bound, len(propertyExprsMore))
	for k, src := range propertyExprsMore {
		e, err := Parse(src)
		if err != nil {
			t.Fatalf("Parse(%q): %v", src, err)
		}
		if bound[k], err = Bind(e, testSchema); err != nil {
			t.Fatalf("Bind(%q): %v", src, err)
		}
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, 3, 7, 8, 9, 17, 1024} {
		for rep := 0; rep < 3; rep++ {
			func() {
				batch := randBatch(mem, rng, n)
				defer batch.Release()
				for k, src := range propertyExprsMore {
					evalOne(t, mem, src, bound[k], batch)
				}
			}()
		}
	}
}

func TestTypesMore(t *testing.T) {
	cases := map[string]arrow.DataType{
		"case when b then i else j end": arrow.PrimitiveTypes.Int64, "case when b then i else f end": arrow.PrimitiveTypes.Float64,
		"case when b then s end": eval.DictString, "if(b, ts, null)": tsType, "case when b then null end": arrow.Null,
		"lower(p)": eval.DictString, "length(s)": arrow.PrimitiveTypes.Int64, "starts_with(s, 'a')": arrow.FixedWidthTypes.Boolean,
		"s like 'a'": arrow.FixedWidthTypes.Boolean, "day_of_week(ts)": arrow.PrimitiveTypes.Int64,
		"date_diff('day', ts, ts)": arrow.PrimitiveTypes.Int64, "cast(i as timestamp)": arrow.FixedWidthTypes.Timestamp_us,
		"cast(p as string)": arrow.BinaryTypes.String, "cast(i as string)": eval.DictString, "try_cast(s as bool)": arrow.FixedWidthTypes.Boolean,
		"concat(s, p)": eval.DictString, "substr(p, 1)": eval.DictString,
	}
	for src, want := range cases {
		e, err := Parse(src)
		if err != nil {
			t.Fatalf("Parse(%q): %v", src, err)
		}
		b, err := Bind(e, testSchema)
		if err != nil {
			t.Fatalf("Bind(%q): %v", src, err)
		}
		if !arrow.TypeEqual(b.Type(), want) {
			t.Errorf("Type(%q) = %s, want %s", src, b.Type(), want)
		}
	}
}

func TestParseMore(t *testing.T) {
	cases := []struct{ src, want string }{
		{"CASE WHEN a THEN 1 ELSE 2 END", "(case when a then 1 else 2 end)"},
		{"case x when 1 then 'a' when 2 then 'b' end", "(case x when 1 then 'a' when 2 then 'b' end)"},
		{"case when a > 1 and b then x + 1 end * 2", "((case when ((a > 1) and b) then (x + 1) end) * 2)"},
		{"if(a, b, c)", "(case when a then b else c end)"},
		{"s like 'a%' and t not like '_b'", "((s like 'a%') and (t not like '_b'))"},
		{"s LIKE 'a!%' ESCAPE '!'", "(s like 'a!%' escape '!')"},
		{"s || 'x' like 'y'", ""},
		{"CAST(x AS Int64) + try_cast(y as float64)", "(cast(x as int64) + try_cast(y as float64))"},
		{"cast(a + 1 as string)", "cast((a + 1) as string)"},
		{"`end` + `case`", "(`end` + `case`)"},
		{"substr(s, 1, 2) = lower(upper(t))", "(substr(s, 1, 2) = lower(upper(t)))"},
		{"date_diff('day', a, b) > 3", "(date_diff('day', a, b) > 3)"},
		{"as + escape", "(as + escape)"},
	}
	for _, c := range cases {
		e, err := Parse(c.src)
		if c.want == "" {
			if err == nil {
				t.Errorf("Parse(%q) = %s, want an error", c.src, e)
			}
			continue
		}
		if err != nil {
			t.Errorf("Parse(%q): %v", c.src, err)
			continue
		}
		if got := e.String(); got != c.want {
			t.Errorf("Parse(%q).String() = %q, want %q", c.src, got, c.want)
			continue
		}
		again, err := Parse(c.want)
		if err != nil || again.String() != c.want {
			t.Errorf("canonical form %q does not round-trip: %v %v", c.want, again, err)
		}
	}
}

func TestParseErrorsMore(t *testing.T) {
	cases := []struct {
		src string
		pos int
		msg string
	}{
		{"case a then 1 end", 7, "expected when after case (case when condition then value ... [else value] end), found \"then\""},
		{"case when a 1 end", 12, "expected then after the when condition of the case at column 1"},
		{"case end", 5, "expected a value"},
		{"case when a then 1", 18, "expected when, else or end in the case at column 1, found end of expression"},
		{"x + case else 1 end", 9, "expected a value"},
		{"case when a then 1 else 2", 25, "expected when, else or end"},
		{"cast(x int64)", 7, "expected as in cast(value as type), found name \"int64\""},
		{"cast(x as int)", 10, "cast to unknown type \"int\" (the types are int64, float64, string, bool, timestamp)"},
		{"try_cast(x as varchar)", 14, "try_cast to unknown type \"varchar\" (the types are"},
		{"cast(x as 5)", 10, "expected a type after as in cast(value as type), found \"5\""},
		{"cast(x as int64, 2)", 15, "expected ) to close cast(value as type), found \",\""},
		{"s like 'a' escape 'ab'", 18, "the escape of like is one character, got \"ab\""},
		{"s like 'a' escape x", 18, "expected a one-character string after escape"},
		{"s not like", 10, "expected a value"},
		{"if(a, b)", 0, "if takes 3 argument(s), got 2"},
		{"substr(s)", 0, "substr takes 2 to 3 arguments, got 1"},
		{"substr(s, 1, 2, 3)", 0, "substr takes 2 to 3 arguments, got 4"},
		{"concat()", 0, "concat takes at least one argument"},
		{"date_diff('day', a)", 0, "date_diff takes 3 argument(s), got 2"},
		{"end", 0, "found keyword end (quote a column with this name as `end`)"},
		{"s like 'a' like 'b'", 11, "comparisons do not chain"},
	}
	for _, c := range cases {
		_, err := Parse(c.src)
		var pe *Error
		if !errors.As(err, &pe) {
			t.Errorf("Parse(%q): want *Error, got %v", c.src, err)
			continue
		}
		if pe.Pos != c.pos || !strings.Contains(pe.Msg, c.msg) {
			t.Errorf("Parse(%q) = pos %d %q, want pos %d containing %q", c.src, pe.Pos, pe.Msg, c.pos, c.msg)
		}
	}
}

func TestBindErrorsMore(t *testing.T) {
	cases := []struct {
		src string
		pos int
		msg string
	}{
		{"case when i then 1 end", 10, "a case or if condition must be bool (a comparison, a bool column), got int64"},
		{"if(s, 1, 2)", 3, "a case or if condition must be bool"},
		{"case when b then 1 else 'x' end", 24, "case and if results must have one type: int64 and string (cast one of them)"},
		{"if(b, s, i)", 9, "case and if results must have one type: string and int64"},
		{"case i when 'a' then 1 end", 12, "cannot compare int64 with string"},
		{"lower(i)", 6, "argument 1 of lower must be string, got int64 (cast(x as string) converts)"},
		{"length(b)", 7, "argument 1 of length must be string, got bool"},
		{"substr(s, 'a')", 10, "argument 2 of substr must be int64, got string"},
		{"substr(s, 1.5)", 10, "argument 2 of substr must be int64, got float64"},
		{"concat(s, i)", 10, "argument 2 of concat must be string, got int64 (cast(x as string) converts)"},
		{"starts_with(s, 1)", 15, "argument 2 of starts_with must be string"},
		{"i like 'a'", 2, "like needs a string on its left, got int64"},
		{"s like t", 7, "the pattern of like must be a constant string such as 'abc%', got t"},
		{"s like 'a!' escape '!'", 7, "ends with the escape character"},
		{"day_of_week(i)", 0, "day_of_week needs a timestamp argument, got int64"},
		{"date_diff(s, ts, ts)", 10, "the first argument of date_diff is the unit, a string: one of microsecond, millisecond"},
		{"date_diff('days', ts, ts)", 10, "unknown date_diff unit \"days\" (have: microsecond, millisecond, second, minute, hour, day, week, month, quarter, year)"},
		{"date_diff('day', i, ts)", 17, "argument 2 of date_diff must be a timestamp"},
		{"date_diff('day', ts, 'soon')", 21, "cannot read \"soon\" as a timestamp"},
		{"cast(ts as float64)", 0, "cannot cast timestamp to float64"},
		{"cast(f as timestamp)", 0, "cannot cast float64 to timestamp"},
		{"cast(b as timestamp)", 0, "cannot cast bool to timestamp"},
		{"cast('abc' as int64)", 0, "cannot convert \"abc\" to int64: expected an integer"},
		{"cast(1e300 as int64)", 0, "cannot convert 1e+300 to int64"},
	}
	for _, c := range cases {
		e, err := Parse(c.src)
		if err != nil {
			t.Fatalf("Parse(%q): %v", c.src, err)
		}
		_, err = Bind(e, testSchema)
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
