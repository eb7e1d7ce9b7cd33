package column

import (
	"cmp"
	"fmt"
	"math"
	"strconv"

	"github.com/sluice-ml/sluice/hashing"
)

// Value is one typed scalar (a vocabulary entry, a mode, a fill value).
// Kind is one of KindInt64, KindTimestamp (I holds microseconds),
// KindFloat64, KindBool or KindString; only the matching field is set.
type Value struct {
	Kind string  `json:"kind"`
	I    int64   `json:"i,omitempty"`
	F    float64 `json:"f,omitempty"`
	S    string  `json:"s,omitempty"`
	B    bool    `json:"b,omitempty"`
}

// ValueCount is a value and how many times it was seen.
type ValueCount struct {
	Value Value `json:"value"`
	Count int64 `json:"count"`
}

// String formats the value as it appears in one-hot column names:
// integers and timestamps (microseconds) in decimal, floats in Go's
// shortest 'g' form, bools as true/false, strings as is.
func (v Value) String() string {
	switch v.Kind {
	case KindInt64, KindTimestamp:
		return strconv.FormatInt(v.I, 10)
	case KindFloat64:
		return strconv.FormatFloat(v.F, 'g', -1, 64)
	case KindBool:
		return strconv.FormatBool(v.B)
	}
	return v.S
}

// Float returns the value as a float64 (bools 0/1); false for strings.
func (v Value) Float() (float64, bool) {
	switch v.Kind {
	case KindInt64, KindTimestamp:
		return float64(v.I), true
	case KindFloat64:
		return v.F, true
	case KindBool:
		if v.B {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

// Hash is the hashing package's hash of the value.
func (v Value) Hash() uint64 {
	switch v.Kind {
	case KindInt64, KindTimestamp:
		return hashing.Int64(v.I)
	case KindFloat64:
		return hashing.Float64(v.F)
	case KindBool:
		return hashing.Bool(v.B)
	}
	return hashing.String(v.S)
}

// CompareValues orders values of one kind ascending.
func CompareValues(a, b Value) int {
	switch a.Kind {
	case KindInt64, KindTimestamp:
		return cmp.Compare(a.I, b.I)
	case KindFloat64:
		return cmp.Compare(a.F, b.F)
	case KindBool:
		return cmp.Compare(B2I(a.B), B2I(b.B))
	}
	return cmp.Compare(a.S, b.S)
}

func B2I(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// CoerceValue converts v to a value of column kind k: integers and floats
// convert between each other when exact, bools accept 0/1, strings only
// strings.
func CoerceValue(v Value, k string) (Value, error) {
	if v.Kind == k || (k == KindTimestamp && v.Kind == KindInt64) || (k == KindInt64 && v.Kind == KindTimestamp) {
		v.Kind = k
		return v, nil
	}
	bad := fmt.Errorf("value %s (%s) does not fit a %s column", v.String(), v.Kind, k)
	switch k {
	case KindFloat64:
		if f, ok := v.Float(); ok {
			return Value{Kind: k, F: f}, nil
		}
	case KindInt64, KindTimestamp:
		if v.Kind == KindFloat64 && v.F == math.Trunc(v.F) && math.Abs(v.F) < 1<<63 {
			return Value{Kind: k, I: int64(v.F)}, nil
		}
	case KindBool:
		if f, ok := v.Float(); ok && (f == 0 || f == 1) {
			return Value{Kind: k, B: f == 1}, nil
		}
	}
	return Value{}, bad
}

// ValueOf converts a YAML scalar (float64, int, int64, bool or string, as
// in jobspec.Fill.Value) to a Value.
func ValueOf(x any) (Value, error) {
	switch t := x.(type) {
	case float64:
		return Value{Kind: KindFloat64, F: t}, nil
	case int:
		return Value{Kind: KindInt64, I: int64(t)}, nil
	case int64:
		return Value{Kind: KindInt64, I: t}, nil
	case bool:
		return Value{Kind: KindBool, B: t}, nil
	case string:
		return Value{Kind: KindString, S: t}, nil
	}
	return Value{}, fmt.Errorf("value %v: unsupported type %T (allowed: number, bool, string)", x, x)
}

// CanonBits is the bits of x with -0 as 0 and every NaN as one quiet NaN:
// equal keys for group-by and vocabulary lookups.
func CanonBits(x float64) int64 {
	if x == 0 {
		x = 0
	}
	if x != x {
		return 0x7ff8000000000000
	}
	return int64(math.Float64bits(x))
}
