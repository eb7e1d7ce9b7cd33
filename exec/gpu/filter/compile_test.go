package filter

import (
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-ml/sluice/exec"
	"github.com/sluice-ml/sluice/expr"
)

// testSchema has a column of every type the filter programs meet.
var testSchema = arrow.NewSchema([]arrow.Field{
	{Name: "i", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "j", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "f", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "g", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "b", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
}, nil)

func TestFilterUnsupported(t *testing.T) {
	cases := map[string]string{
		"i + 1 > 2":                              "arithmetic (+)",
		"abs(f) > 1":                             "function abs()",
		"i in (1, 2)":                            "IN lists",
		"ts < '2020-01-01'":                      "timestamp",
		"s = 'x'":                                "utf8 columns (s)",
		"1 < 2":                                  "does not compare a numeric column",
		"-i > 0":                                 "unary -",
		"b = true":                               "bool columns (b)",
		"i > 0 and sqrt(g) < 1":                  "function sqrt()",
		"case when i > 0 then b else i < 3 end":  "case and if() are evaluated on the CPU engine",
		"if(b, i > 1, f < 2)":                    "case and if()",
		"i > 0 and case i when 1 then 2 end > 1": "case and if()",
		"cast(f as int64) > 3":                   "casts are evaluated on the CPU engine",
		"try_cast(i as bool)":                    "casts",
		"s like 'a%'":                            "like is evaluated on the CPU engine",
		"i > 0 or s not like '_'":                "like",
		"lower(s) = 'a'":                         "function lower()",
		"length(s) > 2":                          "function length()",
		"day_of_week(ts) = 1":                    "function day_of_week()",
		"date_diff('day', ts, '2020-01-01') > 3": "function date_diff()",
		"starts_with(concat(s, 'x'), substr(s, 1, 2))": "function starts_with()",
		"upper(s) = 'A'": "function upper()",
	}
	for src, reason := range cases {
		e, err := expr.Parse(src)
		if err != nil {
			t.Fatal(src, err)
		}
		_, err = Compile(e, testSchema)
		if !errors.Is(err, exec.ErrUnsupported) || !strings.Contains(err.Error(), "unsupported on the GPU because") || !strings.Contains(err.Error(), reason) {
			t.Errorf("%s: %v (want a reason with %q)", src, err, reason)
		}
	}
	deep := "i > 0"
	for range 20 {
		deep = "(" + deep + " and (j < 1 or f > 2))"
	}
	e, _ := expr.Parse(deep)
	p, err := Compile(e, testSchema)
	if err != nil {
		t.Fatalf("a long left-deep chain fits the stack: %v", err)
	}
	if p.max > 3 {
		t.Fatalf("stack depth %d for a left-deep chain", p.max)
	}
	deep = "i > 0"
	for range 20 {
		deep = "(j < 1 or (f > 2 and " + deep + "))"
	}
	e, _ = expr.Parse(deep)
	if _, err := Compile(e, testSchema); !errors.Is(err, exec.ErrUnsupported) || !strings.Contains(err.Error(), "nests deeper") {
		t.Fatalf("right-deep nesting: %v", err)
	}
}
