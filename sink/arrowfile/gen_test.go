package arrowfile

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/decimal256"
	"github.com/apache/arrow-go/v18/arrow/float16"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// nativeTypes lists one instance of every type the native writer encodes.
func nativeTypes() []arrow.DataType {
	return []arrow.DataType{
		arrow.FixedWidthTypes.Boolean,
		arrow.PrimitiveTypes.Int8, arrow.PrimitiveTypes.Int16, arrow.PrimitiveTypes.Int32, arrow.PrimitiveTypes.Int64,
		arrow.PrimitiveTypes.Uint8, arrow.PrimitiveTypes.Uint16, arrow.PrimitiveTypes.Uint32, arrow.PrimitiveTypes.Uint64,
		arrow.FixedWidthTypes.Float16, arrow.PrimitiveTypes.Float32, arrow.PrimitiveTypes.Float64,
		arrow.BinaryTypes.String, arrow.BinaryTypes.LargeString, arrow.BinaryTypes.Binary, arrow.BinaryTypes.LargeBinary,
		arrow.FixedWidthTypes.Date32, arrow.FixedWidthTypes.Date64,
		&arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"},
		&arrow.TimestampType{Unit: arrow.Nanosecond},
		&arrow.TimestampType{Unit: arrow.Second, TimeZone: "Europe/Paris"},
		arrow.FixedWidthTypes.Time32s, arrow.FixedWidthTypes.Time32ms,
		arrow.FixedWidthTypes.Time64us, arrow.FixedWidthTypes.Time64ns,
		arrow.FixedWidthTypes.Duration_s, arrow.FixedWidthTypes.Duration_ms,
		arrow.FixedWidthTypes.Duration_us, arrow.FixedWidthTypes.Duration_ns,
		&arrow.FixedSizeBinaryType{ByteWidth: 5},
		&arrow.Decimal128Type{Precision: 20, Scale: 3},
		&arrow.Decimal256Type{Precision: 40, Scale: 5},
		arrow.FixedWidthTypes.MonthInterval, arrow.FixedWidthTypes.DayTimeInterval, arrow.FixedWidthTypes.MonthDayNanoInterval,
		arrow.Null,
	}
}

// nativeSchema has one nullable column per native type, field and schema
// metadata included.
func nativeSchema() *arrow.Schema {
	types := nativeTypes()
	fields := make([]arrow.Field, len(types))
	for i, dt := range types {
		fields[i] = arrow.Field{Name: fmt.Sprintf("c%02d_%s", i, dt.Name()), Type: dt, Nullable: true}
	}
	fields[1].Nullable = false
	fields[2].Metadata = arrow.NewMetadata([]string{"unit", "origin"}, []string{"kg", "scale"})
	md := arrow.NewMetadata([]string{"job"}, []string{"ipc-test"})
	return arrow.NewSchema(fields, &md)
}

// randArray builds n random values of dt; each is null with probability
// nullP (non-nullable fields get nullP 0 from the callers).
func randArray(t *testing.T, mem memory.Allocator, rng *rand.Rand, dt arrow.DataType, n int, nullP float64) arrow.Array {
	t.Helper()
	b := array.NewBuilder(mem, dt)
	defer b.Release()
	for range n {
		if rng.Float64() < nullP {
			b.AppendNull()
			continue
		}
		v := rng.Int64N(2000) - 1000
		switch b := b.(type) {
		case *array.BooleanBuilder:
			b.Append(v%2 == 0)
		case *array.Int8Builder:
			b.Append(int8(v))
		case *array.Int16Builder:
			b.Append(int16(v * 31))
		case *array.Int32Builder:
			b.Append(int32(v * 1e5))
		case *array.Int64Builder:
			b.Append(v * 1e12)
		case *array.Uint8Builder:
			b.Append(uint8(v))
		case *array.Uint16Builder:
			b.Append(uint16(v * 31))
		case *array.Uint32Builder:
			b.Append(uint32(v * 1e5))
		case *array.Uint64Builder:
			b.Append(uint64(v * 1e12))
		case *array.Float16Builder:
			b.Append(float16.New(float32(v) / 8))
		case *array.Float32Builder:
			b.Append(float32(rng.NormFloat64()))
		case *array.Float64Builder:
			b.Append(rng.NormFloat64())
		case *array.StringBuilder:
			b.Append(randWord(rng))
		case *array.LargeStringBuilder:
			b.Append(randWord(rng))
		case *array.BinaryBuilder:
			b.Append([]byte(randWord(rng)))
		case *array.Date32Builder:
			b.Append(arrow.Date32(v * 20))
		case *array.Date64Builder:
			b.Append(arrow.Date64(v * 86400000))
		case *array.TimestampBuilder:
			b.Append(arrow.Timestamp(v * 1e9))
		case *array.Time32Builder:
			b.Append(arrow.Time32(v + 1000))
		case *array.Time64Builder:
			b.Append(arrow.Time64(v + 1000))
		case *array.DurationBuilder:
			b.Append(arrow.Duration(v * 7))
		case *array.FixedSizeBinaryBuilder:
			b.Append([]byte(fmt.Sprintf("%05d", v+1000)))
		case *array.Decimal128Builder:
			b.Append(decimal128.FromI64(v * 12345))
		case *array.Decimal256Builder:
			b.Append(decimal256.FromI64(v * 54321))
		case *array.MonthIntervalBuilder:
			b.Append(arrow.MonthInterval(v))
		case *array.DayTimeIntervalBuilder:
			b.Append(arrow.DayTimeInterval{Days: int32(v), Milliseconds: int32(v * 3)})
		case *array.MonthDayNanoIntervalBuilder:
			b.Append(arrow.MonthDayNanoInterval{Months: int32(v), Days: int32(-v), Nanoseconds: v * 1e6})
		case *array.NullBuilder:
			b.AppendNull()
		default:
			t.Fatalf("randArray: no generator for %s", dt)
		}
	}
	return b.NewArray()
}

func randWord(rng *rand.Rand) string {
	words := []string{"", "a", "zürich", "longer value with spaces", "x", "données", "42"}
	return words[rng.IntN(len(words))]
}

// randBatch builds a batch of schema with n rows; nullP is used for the
// nullable columns.
func randBatch(t *testing.T, mem memory.Allocator, rng *rand.Rand, schema *arrow.Schema, n int, nullP float64) arrow.RecordBatch {
	t.Helper()
	cols := make([]arrow.Array, schema.NumFields())
	for i, f := range schema.Fields() {
		p := nullP
		if !f.Nullable {
			p = 0
		}
		cols[i] = randArray(t, mem, rng, f.Type, n, p)
	}
	rec := array.NewRecordBatch(schema, cols, int64(n))
	for _, c := range cols {
		c.Release()
	}
	return rec
}
