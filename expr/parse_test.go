package expr

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func TestParseCanonical(t *testing.T) {
	cases := []struct{ src, want string }{
		{"1 + 2 * 3", "(1 + (2 * 3))"},
		{"(1 + 2) * 3", "((1 + 2) * 3)"},
		{"a - b - c", "((a - b) - c)"},
		{"a / b % c * d", "(((a / b) % c) * d)"},
		{"-a * b", "((-a) * b)"},
		{"- -a", "(-(-a))"},
		{"-5 + x", "(-5 + x)"},
		{"x - -5", "(x - -5)"},
		{"-(5)", "(-(5))"},
		{"-9223372036854775808", "-9223372036854775808"},
		{"a or b and c", "(a or (b and c))"},
		{"a AND b OR NOT c", "((a and b) or (not c))"},
		{"not a = b", "(not (a = b))"},
		{"not not a", "(not (not a))"},
		{"a == 1 or a <> 2", "((a = 1) or (a != 2))"},
		{"a + 1 >= b * 2", "((a + 1) >= (b * 2))"},
		{"x is null", "(x is null)"},
		{"x IS NOT NULL and y", "((x is not null) and y)"},
		{"x in (1, 2, 3)", "(x in (1, 2, 3))"},
		{"x not in ('a', \"b\")", "(x not in ('a', 'b'))"},
		{"x + 1 in (2)", "((x + 1) in (2))"},
		{"'it''s'", "'it''s'"},
		{"`my col` + `and`", "(`my col` + `and`)"},
		{"`a``b`", "`a``b`"},
		{"`plain`", "plain"},
		{"ABS(x) + Log(y) + sqrt(z)", "((abs(x) + log(y)) + sqrt(z))"},
		{"year(ts) = 2020 and month(ts) > 6 and hour(ts) < 3", "(((year(ts) = 2020) and (month(ts) > 6)) and (hour(ts) < 3))"},
		{"coalesce(a, b, 0)", "coalesce(a, b, 0)"},
		{"1.5 + .5 + 1e3 + 2.", "(((1.5 + 0.5) + 1000.0) + 2.0)"},
		{"TRUE or False or NULL", "((true or false) or null)"},
		{"tripduration >= 60 and tripduration < 86400", "((tripduration >= 60) and (tripduration < 86400))"},
	}
	for _, c := range cases {
		e, err := Parse(c.src)
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

func TestParseErrors(t *testing.T) {
	cases := []struct {
		src string
		pos int
		msg string
	}{
		{"tripduration >= ", 16, "found end of expression"},
		{"", 0, "found end of expression"},
		{"a +", 3, "expected a value"},
		{"(a + b", 6, "expected ) to close the ( at column 1"},
		{"a b", 2, "unexpected name \"b\""},
		{"a < b < c", 6, "comparisons do not chain"},
		{"'abc", 0, "unterminated string"},
		{"`abc", 0, "unterminated quoted column name"},
		{"a # b", 2, "unexpected character '#'"},
		{"foo(a)", 0, "unknown function \"foo\" (have: abs, cast, coalesce, concat, date_diff, day_of_week, hour, if, length, log, lower, month, sqrt, starts_with, substr, try_cast, upper, year)"},
		{"abs(a, b)", 0, "abs takes 1 argument(s), got 2"},
		{"coalesce()", 0, "coalesce takes at least one argument"},
		{"x in 1", 5, "expected ( after in"},
		{"x in (1, 2", 10, "expected , or ) in the in list"},
		{"x is 5", 5, "expected null after is"},
		{"and", 0, "found keyword and"},
		{"99999999999999999999", 0, "out of range for int64"},
		{"1e999", 0, "out of range for float64"},
		{"1e", 0, "exponent needs digits"},
		{"12abc", 2, "malformed number"},
		{"a = = b", 4, "expected a value"},
		{"x not 5", 2, "unexpected \"not\""},
		{"``", 0, "empty quoted column name"},
		{"'a\xff'", 2, "invalid UTF-8"},
		{strings.Repeat("(", 300) + "1" + strings.Repeat(")", 300), 200, "nested more than 200 levels"},
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
	_, err := Parse("tripduration >= ")
	if got, want := err.Error(), "at column 17: expected a value (number, string, column, function or parenthesis), found end of expression"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestColumnsConjuncts(t *testing.T) {
	e, err := Parse("b > 1 and (a < 2 and coalesce(c, b) = 3) and not `z z` in (1)")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(Columns(e), ","); got != "a,b,c,z z" {
		t.Errorf("Columns = %q", got)
	}
	var parts []string
	for _, c := range Conjuncts(e) {
		parts = append(parts, c.String())
	}
	want := "(b > 1)|(a < 2)|(coalesce(c, b) = 3)|(not (`z z` in (1)))"
	if got := strings.Join(parts, "|"); got != want {
		t.Errorf("Conjuncts = %q, want %q", got, want)
	}
	one, _ := Parse("a or b")
	if c := Conjuncts(one); len(c) != 1 || c[0] != one {
		t.Errorf("Conjuncts(a or b) = %v", c)
	}
}

func TestRangeOf(t *testing.T) {
	inf := math.Inf(1)
	cases := []struct {
		src            string
		col            string
		lo, hi         float64
		loIncl, hiIncl bool
		ok             bool
	}{
		{"x >= 60", "x", 60, inf, true, false, true},
		{"x > 60", "x", 60, inf, false, false, true},
		{"x < 1.5", "x", -inf, 1.5, false, false, true},
		{"x <= -3", "x", -inf, -3, false, true, true},
		{"x = 7", "x", 7, 7, true, true, true},
		{"60 <= x", "x", 60, inf, true, false, true},
		{"60 > x", "x", -inf, 60, false, false, true},
		{"x < 9007199254740993", "x", -inf, 9007199254740992, false, true, true},
		{"x != 3", "", 0, 0, false, false, false},
		{"x < 'a'", "", 0, 0, false, false, false},
		{"x < y", "", 0, 0, false, false, false},
		{"x + 1 < 3", "", 0, 0, false, false, false},
		{"x is null", "", 0, 0, false, false, false},
	}
	for _, c := range cases {
		e, err := Parse(c.src)
		if err != nil {
			t.Fatal(err)
		}
		col, lo, hi, li, hinc, ok := RangeOf(e)
		if ok != c.ok || col != c.col || (ok && (lo != c.lo || hi != c.hi || li != c.loIncl || hinc != c.hiIncl)) {
			t.Errorf("RangeOf(%q) = %q %v %v %v %v %v, want %q %v %v %v %v %v", c.src, col, lo, hi, li, hinc, ok, c.col, c.lo, c.hi, c.loIncl, c.hiIncl, c.ok)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"tripduration >= 60 and tripduration < 86400", "2020 - birth_year", "x in (1, 'a', null)",
		"not a is not null", "coalesce(`a b`, -1.5e3)", "'it''s' <> \"x\"", "-(-(1))", "((((", "year(ts) % 4",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		e, err := Parse(src)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) || pe.Pos < 0 || pe.Pos > len(src) {
				t.Fatalf("Parse(%q): bad error %v", src, err)
			}
			return
		}
		canon := e.String()
		again, err := Parse(canon)
		if err != nil {
			t.Fatalf("canonical %q of %q does not parse: %v", canon, src, err)
		}
		if again.String() != canon {
			t.Fatalf("canonical form not stable: %q -> %q", canon, again.String())
		}
		_ = Columns(e)
		_ = Conjuncts(e)
		RangeOf(e)
	})
}
