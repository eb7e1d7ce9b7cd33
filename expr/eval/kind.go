package eval

import (
	"fmt"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
)

// Kind is the type class of a value inside the evaluator.
type Kind uint8

const (
	Null Kind = iota // the untyped null literal
	Int
	Float
	Bool
	Ts
	Str
)

func (k Kind) String() string {
	switch k {
	case Int:
		return "int64"
	case Float:
		return "float64"
	case Bool:
		return "bool"
	case Ts:
		return "timestamp"
	case Str:
		return "string"
	}
	return "null"
}

func (k Kind) Numeric() bool { return k == Int || k == Float }

// DictString is the canonical string type; computed strings use it.
var DictString = &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}

// KindOf classifies a column type; ok is false for types expressions do
// not support.
func KindOf(dt arrow.DataType) (Kind, bool) {
	switch t := dt.(type) {
	case *arrow.Int64Type:
		return Int, true
	case *arrow.Float64Type:
		return Float, true
	case *arrow.BooleanType:
		return Bool, true
	case *arrow.TimestampType:
		return Ts, true
	case *arrow.StringType:
		return Str, true
	case *arrow.DictionaryType:
		if t.IndexType.ID() == arrow.INT32 && t.ValueType.ID() == arrow.STRING {
			return Str, true
		}
	}
	return Null, false
}

const SupportedTypes = "int64, float64, bool, timestamp, utf8 or dictionary<int32, utf8>"

// TypeOfKind is the result type of a computed value of kind k; ts is the
// timestamp type to use for Ts.
func TypeOfKind(k Kind, ts arrow.DataType) arrow.DataType {
	switch k {
	case Int:
		return arrow.PrimitiveTypes.Int64
	case Float:
		return arrow.PrimitiveTypes.Float64
	case Bool:
		return arrow.FixedWidthTypes.Boolean
	case Ts:
		return ts
	case Str:
		return DictString
	}
	return arrow.Null
}

// TicksPerSecond gives the number of timestamp ticks in a second per unit.
func TicksPerSecond(u arrow.TimeUnit) int64 {
	switch u {
	case arrow.Second:
		return 1
	case arrow.Millisecond:
		return 1e3
	case arrow.Microsecond:
		return 1e6
	}
	return 1e9
}

var timestampLayouts = []string{
	"2006-01-02",
	"2006-01-02 15:04:05",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
}

// ParseTimestamp reads a 'YYYY-MM-DD[ HH:MM:SS[.f]]' literal as UTC and
// returns it in ticks of unit u.
func ParseTimestamp(s string, u arrow.TimeUnit) (int64, error) {
	for _, layout := range timestampLayouts {
		t, err := time.ParseInLocation(layout, strings.TrimSpace(s), time.UTC)
		if err != nil {
			continue
		}
		tps := TicksPerSecond(u)
		sec := t.Unix()
		if sec > (1<<63-1)/tps || sec < -(1<<63)/tps+1 {
			return 0, fmt.Errorf("timestamp %q is out of range for unit %s", s, u)
		}
		return sec*tps + int64(t.Nanosecond())/(1e9/tps), nil
	}
	return 0, fmt.Errorf("cannot read %q as a timestamp: expected 'YYYY-MM-DD' or 'YYYY-MM-DD HH:MM:SS[.ffffff]' (UTC)", s)
}

func FloorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func FloorMod(a, b int64) int64 { return a - FloorDiv(a, b)*b }
