package expr

import (
	"fmt"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
)

// kind is the type class of a value inside the evaluator.
type kind uint8

const (
	kNull kind = iota // the untyped null literal
	kInt
	kFloat
	kBool
	kTs
	kStr
)

func (k kind) String() string {
	switch k {
	case kInt:
		return "int64"
	case kFloat:
		return "float64"
	case kBool:
		return "bool"
	case kTs:
		return "timestamp"
	case kStr:
		return "string"
	}
	return "null"
}

func (k kind) numeric() bool { return k == kInt || k == kFloat }

// dictString is the canonical string type; computed strings use it.
var dictString = &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}

// kindOf classifies a column type; ok is false for types expressions do
// not support.
func kindOf(dt arrow.DataType) (kind, bool) {
	switch t := dt.(type) {
	case *arrow.Int64Type:
		return kInt, true
	case *arrow.Float64Type:
		return kFloat, true
	case *arrow.BooleanType:
		return kBool, true
	case *arrow.TimestampType:
		return kTs, true
	case *arrow.StringType:
		return kStr, true
	case *arrow.DictionaryType:
		if t.IndexType.ID() == arrow.INT32 && t.ValueType.ID() == arrow.STRING {
			return kStr, true
		}
	}
	return kNull, false
}

const supportedTypes = "int64, float64, bool, timestamp, utf8 or dictionary<int32, utf8>"

// typeOfKind is the result type of a computed value of kind k; ts is the
// timestamp type to use for kTs.
func typeOfKind(k kind, ts arrow.DataType) arrow.DataType {
	switch k {
	case kInt:
		return arrow.PrimitiveTypes.Int64
	case kFloat:
		return arrow.PrimitiveTypes.Float64
	case kBool:
		return arrow.FixedWidthTypes.Boolean
	case kTs:
		return ts
	case kStr:
		return dictString
	}
	return arrow.Null
}

// ticksPerSecond gives the number of timestamp ticks in a second per unit.
func ticksPerSecond(u arrow.TimeUnit) int64 {
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

// parseTimestamp reads a 'YYYY-MM-DD[ HH:MM:SS[.f]]' literal as UTC and
// returns it in ticks of unit u.
func parseTimestamp(s string, u arrow.TimeUnit) (int64, error) {
	for _, layout := range timestampLayouts {
		t, err := time.ParseInLocation(layout, strings.TrimSpace(s), time.UTC)
		if err != nil {
			continue
		}
		tps := ticksPerSecond(u)
		sec := t.Unix()
		if sec > (1<<63-1)/tps || sec < -(1<<63)/tps+1 {
			return 0, fmt.Errorf("timestamp %q is out of range for unit %s", s, u)
		}
		return sec*tps + int64(t.Nanosecond())/(1e9/tps), nil
	}
	return 0, fmt.Errorf("cannot read %q as a timestamp: expected 'YYYY-MM-DD' or 'YYYY-MM-DD HH:MM:SS[.ffffff]' (UTC)", s)
}
