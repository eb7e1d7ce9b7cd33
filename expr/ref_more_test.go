package expr

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/sluice-ml/sluice/expr/eval"
)

// This file extends the row-at-a-time reference evaluator to case, cast,
// like and the string and date functions. It follows the documented
// semantics with other means than the kernels: runes instead of byte
// offsets, regexp for like, package time for calendars.

// refStatic is the kind an expression's values have at a row; for case
// results the oracle takes the widest kind of its arms (ints and floats
// give float64), as the documentation says.
func refWiden(vals []val) eval.Kind {
	k := eval.Null
	for _, v := range vals {
		switch {
		case v.k == eval.Null:
		case k == eval.Null:
			k = v.k
		case v.k == eval.Float || k == eval.Float:
			if v.k == eval.Int || v.k == eval.Float {
				k = eval.Float
			}
		}
	}
	return k
}

func refMore(e Expr, batch arrow.RecordBatch, i int) val {
	switch x := e.(type) {
	case *Case:
		var op val
		if x.Operand != nil {
			op = refEval(x.Operand, batch, i)
		}
		var results []val
		chosen := -1
		for _, w := range x.Whens {
			c := refEval(w.Cond, batch, i)
			if x.Operand != nil {
				c = refCompare("=", op, c)
			}
			results = append(results, refEval(w.Then, batch, i))
			if chosen < 0 && !c.null && c.b {
				chosen = len(results) - 1
			}
		}
		els := val{k: eval.Null, null: true}
		if x.Else != nil {
			els = refEval(x.Else, batch, i)
		}
		results = append(results, els)
		if chosen < 0 {
			chosen = len(results) - 1
		}
		v := results[chosen]
		k := refWiden(results)
		if v.null {
			return nullVal(k)
		}
		if k == eval.Float && v.k == eval.Int {
			return val{k: eval.Float, f: float64(v.i)}
		}
		return v
	case *Like:
		v := refEval(x.X, batch, i)
		p := refEval(x.Pattern, batch, i)
		if v.null || p.null {
			return nullVal(eval.Bool)
		}
		m := refLikeRegexp(p.s, x.Escape).MatchString(v.s)
		return val{k: eval.Bool, b: m != x.Not}
	case *Cast:
		v, _ := refCast(refEval(x.X, batch, i), castKinds[x.To])
		return v
	}
	panic("refMore")
}

// refLikeRegexp translates a like pattern to an anchored regexp.
func refLikeRegexp(pat, esc string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString(`^(?s)`)
	rs := []rune(pat)
	for k := 0; k < len(rs); k++ {
		r := string(rs[k])
		switch {
		case esc != "" && r == esc:
			k++
			b.WriteString(regexp.QuoteMeta(string(rs[k])))
		case r == "%":
			b.WriteString(`.*`)
		case r == "_":
			b.WriteString(`.`)
		default:
			b.WriteString(regexp.QuoteMeta(r))
		}
	}
	b.WriteString(`$`)
	return regexp.MustCompile(b.String())
}

// refCast converts one value; ok is false when it does not convert (the
// value is then null, as try_cast gives).
func refCast(v val, to eval.Kind) (val, bool) {
	if v.null || v.k == eval.Null {
		return nullVal(to), true
	}
	fail := func() (val, bool) { return nullVal(to), false }
	switch {
	case v.k == to:
		return v, true
	case to == eval.Str:
		switch v.k {
		case eval.Int:
			return val{k: eval.Str, s: strconv.FormatInt(v.i, 10)}, true
		case eval.Bool:
			return val{k: eval.Str, s: strconv.FormatBool(v.b)}, true
		case eval.Ts:
			return val{k: eval.Str, s: time.UnixMicro(v.i).UTC().Format("2006-01-02 15:04:05.999999")}, true
		}
		switch {
		case math.IsNaN(v.f):
			return val{k: eval.Str, s: "nan"}, true
		case math.IsInf(v.f, 0):
			return val{k: eval.Str, s: map[bool]string{true: "inf", false: "-inf"}[v.f > 0]}, true
		}
		s := strconv.FormatFloat(v.f, 'g', -1, 64)
		if v.f == math.Trunc(v.f) && !strings.Contains(s, "e") {
			s += ".0"
		}
		return val{k: eval.Str, s: s}, true
	case v.k == eval.Str:
		s := strings.TrimSpace(v.s)
		switch to {
		case eval.Int:
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return fail()
			}
			return val{k: eval.Int, i: n}, true
		case eval.Float:
			f, err := strconv.ParseFloat(s, 64)
			if err != nil && !math.IsInf(f, 0) {
				return fail()
			}
			return val{k: eval.Float, f: f}, true
		case eval.Bool:
			switch strings.ToLower(s) {
			case "true", "1":
				return val{k: eval.Bool, b: true}, true
			case "false", "0":
				return val{k: eval.Bool, b: false}, true
			}
			return fail()
		}
		for _, layout := range []string{"2006-01-02", "2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999"} {
			if t, err := time.Parse(layout, s); err == nil {
				return val{k: eval.Ts, i: t.UnixMicro()}, true
			}
		}
		return fail()
	case to == eval.Float:
		if v.k == eval.Bool {
			return val{k: eval.Float, f: float64(b2i(v.b))}, true
		}
		return val{k: eval.Float, f: float64(v.i)}, true
	case to == eval.Bool:
		if v.k == eval.Int {
			return val{k: eval.Bool, b: v.i != 0}, true
		}
		return val{k: eval.Bool, b: v.f != 0}, true
	case to == eval.Int:
		switch v.k {
		case eval.Bool:
			return val{k: eval.Int, i: int64(b2i(v.b))}, true
		case eval.Ts:
			return val{k: eval.Int, i: v.i}, true
		}
		// float64: round half away from zero, within the int64 range
		r := math.Trunc(v.f)
		if math.Abs(v.f-r) >= 0.5 {
			r += math.Copysign(1, v.f)
		}
		if math.IsNaN(r) || r < -9223372036854775808.0 || r >= 9223372036854775808.0 {
			return fail()
		}
		return val{k: eval.Int, i: int64(r)}, true
	}
	return val{k: eval.Ts, i: v.i}, true // int64 microseconds
}

// refCallMore evaluates the string and date functions; ok is false for
// other names.
func refCallMore(name string, args []val) (val, bool) {
	switch name {
	case "concat":
		var b strings.Builder
		for _, a := range args {
			if !a.null {
				b.WriteString(a.s)
			}
		}
		return val{k: eval.Str, s: b.String()}, true
	case "date_diff":
		return refDateDiff(args), true
	}
	out := map[string]eval.Kind{"lower": eval.Str, "upper": eval.Str, "substr": eval.Str, "length": eval.Int, "starts_with": eval.Bool, "day_of_week": eval.Int}[name]
	if out == eval.Null {
		return val{}, false
	}
	for _, a := range args {
		if a.null {
			return nullVal(out), true
		}
	}
	s := args[0].s
	switch name {
	case "lower":
		return val{k: eval.Str, s: strings.ToLower(s)}, true
	case "upper":
		return val{k: eval.Str, s: strings.ToUpper(s)}, true
	case "length":
		return val{k: eval.Int, i: int64(len([]rune(s)))}, true
	case "starts_with":
		p := args[1].s
		return val{k: eval.Bool, b: len(p) <= len(s) && s[:len(p)] == p}, true
	case "day_of_week":
		wd := time.UnixMicro(args[0].i).UTC().Weekday() // Sunday = 0
		return val{k: eval.Int, i: int64((wd+6)%7 + 1)}, true
	}
	// substr: keep the characters whose 0-based index k lies in [lo, hi),
	// computed in float64 (exact for the small values that matter).
	rs := []rune(s)
	n := float64(len(rs))
	start := float64(args[1].i)
	a := start - 1
	if start < 0 {
		a = n + start
	} else if start == 0 {
		a = -1
	}
	lo, hi := a, math.Inf(1)
	if len(args) == 3 {
		l := float64(args[2].i)
		if l >= 0 {
			hi = a + l
		} else {
			lo, hi = a+l, a
		}
	}
	var b strings.Builder
	for k, r := range rs {
		if float64(k) >= lo && float64(k) < hi {
			b.WriteRune(r)
		}
	}
	return val{k: eval.Str, s: b.String()}, true
}

// refDateDiff counts unit boundaries between two timestamps (microseconds)
// with package time: truncation to the unit for fixed units, the calendar
// for months, quarters and years, whole weeks of the day difference.
func refDateDiff(args []val) val {
	l, r := args[1], args[2]
	if l.k == eval.Str {
		l = val{k: eval.Ts, i: refTimestamp(l.s)}
	}
	if r.k == eval.Str {
		r = val{k: eval.Ts, i: refTimestamp(r.s)}
	}
	if l.null || r.null || l.k == eval.Null || r.k == eval.Null {
		return nullVal(eval.Int)
	}
	a, b := time.UnixMicro(l.i).UTC(), time.UnixMicro(r.i).UTC()
	fixed := map[string]time.Duration{"microsecond": time.Microsecond, "millisecond": time.Millisecond, "second": time.Second,
		"minute": time.Minute, "hour": time.Hour, "day": 24 * time.Hour}
	unit := strings.ToLower(args[0].s)
	// Truncate counts from the zero time (year 1), which is a whole number
	// of days before 1970, so buckets match the epoch's. (Sub would clamp
	// spans beyond 292 years.)
	span := func(d time.Duration) int64 {
		return (b.Truncate(d).UnixMicro() - a.Truncate(d).UnixMicro()) / d.Microseconds()
	}
	if d, ok := fixed[unit]; ok {
		return val{k: eval.Int, i: span(d)}
	}
	switch unit {
	case "week":
		return val{k: eval.Int, i: span(24*time.Hour) / 7}
	case "month":
		return val{k: eval.Int, i: int64((b.Year()-a.Year())*12 + int(b.Month()) - int(a.Month()))}
	case "quarter":
		return val{k: eval.Int, i: int64((b.Year()*4 + (int(b.Month())-1)/3) - (a.Year()*4 + (int(a.Month())-1)/3))}
	}
	return val{k: eval.Int, i: int64(b.Year() - a.Year())}
}
