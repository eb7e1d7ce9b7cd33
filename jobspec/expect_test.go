package jobspec

import (
	"reflect"
	"testing"
)

// expPre is a valid job's first four lines; expect cases add line 5 on.
const expPre = pre + "keep: [a]\n"

func TestExpectParses(t *testing.T) {
	src := expPre + `expect:
  tripduration: {not_null: true, between: [60, 86400]}
  trip_id: {unique: true}
  gender:
    in: [Male, Female, Unknown]
  birth_year: {null_fraction_max: 0.1, not_null: false}
  rows: {min: 1000, max: 2000}
  on_fail: warn
`
	j, err := Parse("job.yaml", []byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := &Expect{OnFail: OnFailWarn, Line: 5, Rules: []ExpectRule{
		{Column: "tripduration", Kind: RuleNotNull, Line: 6},
		{Column: "tripduration", Kind: RuleBetween, Lo: 60, Hi: 86400, Line: 6},
		{Column: "trip_id", Kind: RuleUnique, Line: 7},
		{Column: "gender", Kind: RuleIn, In: []any{"Male", "Female", "Unknown"}, Line: 9},
		{Column: "birth_year", Kind: RuleNullFractionMax, Max: 0.1, Line: 10},
		{Kind: RuleRowsMin, Count: 1000, Line: 11},
		{Kind: RuleRowsMax, Count: 2000, Line: 11},
	}}
	if !reflect.DeepEqual(j.Expect, want) {
		t.Errorf("got  %+v\nwant %+v", j.Expect, want)
	}
	if f := want.Rules[1].Field(); f != "expect.tripduration.between" {
		t.Errorf("Field() = %q", f)
	}
	if f := want.Rules[6].Field(); f != "expect.rows.max" {
		t.Errorf("Field() = %q", f)
	}
	j, err = Parse("job.yaml", []byte(expPre+"expect: {x: {in: [1, 2.5]}}\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := j.Expect; got.OnFail != OnFailError || !reflect.DeepEqual(got.Rules[0].In, []any{int64(1), 2.5}) {
		t.Errorf("default on_fail / numeric in: %+v", got)
	}
	j, err = Parse("job.yaml", []byte(expPre), nil)
	if err != nil || j.Expect != nil {
		t.Errorf("no expect section: %+v, %v", j.Expect, err)
	}
}

func TestBadExpect(t *testing.T) {
	runBad(t, []badCase{
		{"not a mapping", expPre + "expect: [a]\n", nil, 5, "expect", "expected a mapping"},
		{"unknown rule", expPre + "expect:\n  x: {not_nul: true}\n", nil, 6, "expect.x.not_nul", `unknown key "not_nul"; did you mean "not_null"? (allowed: not_null, unique, between, in, null_fraction_max)`},
		{"column rules not a mapping", expPre + "expect:\n  x: not_null\n", nil, 6, "expect.x", "expected a mapping of rules"},
		{"empty rules", expPre + "expect:\n  x: {}\n", nil, 6, "expect.x", "states no rule"},
		{"not_null not bool", expPre + "expect:\n  x:\n    not_null: yes\n", nil, 7, "expect.x.not_null", `expected true or false (got "yes")`},
		{"unique not bool", expPre + "expect:\n  x: {unique: 1}\n", nil, 6, "expect.x.unique", "expected true or false (got 1)"},
		{"between not list", expPre + "expect:\n  x: {between: 5}\n", nil, 6, "expect.x.between", "expected [lo, hi], two numbers (got 5)"},
		{"between three", expPre + "expect:\n  x: {between: [1, 2, 3]}\n", nil, 6, "expect.x.between", "expected [lo, hi]"},
		{"between string", expPre + "expect:\n  x: {between: [a, 2]}\n", nil, 6, "expect.x.between[0]", `expected a finite number (got "a")`},
		{"between lo > hi", expPre + "expect:\n  x:\n    between: [10, 1]\n", nil, 7, "expect.x.between", "expected lo <= hi (got [10, 1])"},
		{"in empty", expPre + "expect:\n  x: {in: []}\n", nil, 6, "expect.x.in", "expected a non-empty list"},
		{"in mixed", expPre + "expect:\n  x: {in: [a, 1]}\n", nil, 6, "expect.x.in[1]", "all values must be of one kind"},
		{"in nested", expPre + "expect:\n  x: {in: [[a]]}\n", nil, 6, "expect.x.in[0]", "expected a number, string or bool (got a list)"},
		{"null fraction range", expPre + "expect:\n  x: {null_fraction_max: 1.5}\n", nil, 6, "expect.x.null_fraction_max", "between 0 and 1 (got 1.5)"},
		{"null fraction string", expPre + "expect:\n  x: {null_fraction_max: lots}\n", nil, 6, "expect.x.null_fraction_max", "expected a finite number"},
		{"rule null", expPre + "expect:\n  x: {between: }\n", nil, 6, "expect.x.between", "expected a value (got null)"},
		{"rows not mapping", expPre + "expect:\n  rows: 5\n", nil, 6, "expect.rows", "expected a mapping like {min: 1000, max: 5000000} (got 5)"},
		{"rows unknown", expPre + "expect:\n  rows: {minimum: 5}\n", nil, 6, "expect.rows.minimum", `unknown key "minimum" (allowed: min, max)`},
		{"rows negative", expPre + "expect:\n  rows: {min: -1}\n", nil, 6, "expect.rows.min", "expected an integer >= 0 (got -1)"},
		{"rows min > max", expPre + "expect:\n  rows:\n    min: 10\n    max: 5\n", nil, 8, "expect.rows.max", "min <= max (got min 10, max 5)"},
		{"rows empty", expPre + "expect:\n  rows: {}\n", nil, 6, "expect.rows", "needs min, max or both"},
		{"on_fail", expPre + "expect:\n  rows: {min: 1}\n  on_fail: warning\n", nil, 7, "expect.on_fail", `unknown on_fail "warning" (allowed: error, warn)`},
		{"nothing stated", expPre + "expect:\n  on_fail: warn\n", nil, 5, "expect", "states no rule"},
		{"duplicate column", expPre + "expect:\n  x: {unique: true}\n  x: {not_null: true}\n", nil, 7, "expect.x", `duplicate key "x" (first on line 6)`},
	})
}
