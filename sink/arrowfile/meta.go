package arrowfile

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	flatbuffers "github.com/google/flatbuffers/go"
)

// Flatbuffer metadata of the Arrow IPC format (format/Schema.fbs,
// Message.fbs and File.fbs of apache/arrow), written by hand with the
// flatbuffers Builder. Slot numbers are the field order of each table in
// the .fbs files; enum values are the ones the .fbs files declare.

// Enum values from the .fbs files.
const (
	fbMetadataV5 = 4 // MetadataVersion.V5

	fbHeaderSchema      = 1 // MessageHeader.Schema
	fbHeaderRecordBatch = 3 // MessageHeader.RecordBatch

	fbCodecLZ4Frame = 0 // CompressionType.LZ4_FRAME
	fbCodecZstd     = 1 // CompressionType.ZSTD
	fbMethodBuffer  = 0 // BodyCompressionMethod.BUFFER
)

// Type union tags (Schema.fbs "union Type").
const (
	fbTypeNull            = 1
	fbTypeInt             = 2
	fbTypeFloatingPoint   = 3
	fbTypeBinary          = 4
	fbTypeUtf8            = 5
	fbTypeBool            = 6
	fbTypeDecimal         = 7
	fbTypeDate            = 8
	fbTypeTime            = 9
	fbTypeTimestamp       = 10
	fbTypeInterval        = 11
	fbTypeFixedSizeBinary = 15
	fbTypeDuration        = 18
	fbTypeLargeBinary     = 19
	fbTypeLargeUtf8       = 20
)

// Table sizes (number of fields) from the .fbs files.
const (
	fbMessageFields     = 5 // version, header_type, header, bodyLength, custom_metadata
	fbSchemaFields      = 4 // endianness, fields, custom_metadata, features
	fbFieldFields       = 7 // name, nullable, type_type, type, dictionary, children, custom_metadata
	fbKeyValueFields    = 2 // key, value
	fbRecordBatchFields = 5 // length, nodes, buffers, compression, variadicBufferCounts
	fbCompressionFields = 2 // codec, method
	fbFooterFields      = 5 // version, schema, dictionaries, recordBatches, custom_metadata
)

// fbNode is a FieldNode struct: length and null count of one array.
type fbNode struct{ length, nulls int64 }

// fbBuffer is a Buffer struct: offset and length in the message body.
type fbBuffer struct{ offset, length int64 }

// fbBlock is a Block struct of the footer: where one message is.
type fbBlock struct {
	offset  int64 // file offset of the message (its continuation marker)
	metaLen int32 // prefix + flatbuffer + padding
	bodyLen int64
}

// fbType writes the type table of a native type and returns its union tag
// and offset. Callers have checked nativeIPCType.
func fbType(b *flatbuffers.Builder, dt arrow.DataType) (byte, flatbuffers.UOffsetT, error) {
	switch t := dt.(type) {
	case *arrow.NullType:
		return fbTypeNull, fbEmpty(b), nil
	case *arrow.BooleanType:
		return fbTypeBool, fbEmpty(b), nil
	case *arrow.Int8Type:
		return fbTypeInt, fbInt(b, 8, true), nil
	case *arrow.Int16Type:
		return fbTypeInt, fbInt(b, 16, true), nil
	case *arrow.Int32Type:
		return fbTypeInt, fbInt(b, 32, true), nil
	case *arrow.Int64Type:
		return fbTypeInt, fbInt(b, 64, true), nil
	case *arrow.Uint8Type:
		return fbTypeInt, fbInt(b, 8, false), nil
	case *arrow.Uint16Type:
		return fbTypeInt, fbInt(b, 16, false), nil
	case *arrow.Uint32Type:
		return fbTypeInt, fbInt(b, 32, false), nil
	case *arrow.Uint64Type:
		return fbTypeInt, fbInt(b, 64, false), nil
	case *arrow.Float16Type:
		return fbTypeFloatingPoint, fbInt16Table(b, 0, 0), nil // Precision.HALF
	case *arrow.Float32Type:
		return fbTypeFloatingPoint, fbInt16Table(b, 1, 0), nil // Precision.SINGLE
	case *arrow.Float64Type:
		return fbTypeFloatingPoint, fbInt16Table(b, 2, 0), nil // Precision.DOUBLE
	case *arrow.StringType:
		return fbTypeUtf8, fbEmpty(b), nil
	case *arrow.LargeStringType:
		return fbTypeLargeUtf8, fbEmpty(b), nil
	case *arrow.BinaryType:
		return fbTypeBinary, fbEmpty(b), nil
	case *arrow.LargeBinaryType:
		return fbTypeLargeBinary, fbEmpty(b), nil
	case *arrow.Date32Type:
		return fbTypeDate, fbInt16Table(b, 0, 1), nil // DateUnit.DAY (default MILLISECOND)
	case *arrow.Date64Type:
		return fbTypeDate, fbInt16Table(b, 1, 1), nil // DateUnit.MILLISECOND
	case *arrow.Time32Type:
		return fbTypeTime, fbTime(b, t.Unit, 32), nil
	case *arrow.Time64Type:
		return fbTypeTime, fbTime(b, t.Unit, 64), nil
	case *arrow.TimestampType:
		var tz flatbuffers.UOffsetT
		if t.TimeZone != "" {
			tz = b.CreateString(t.TimeZone)
		}
		b.StartObject(2) // unit, timezone
		b.PrependInt16Slot(0, int16(t.Unit), 0)
		if t.TimeZone != "" {
			b.PrependUOffsetTSlot(1, tz, 0)
		}
		return fbTypeTimestamp, b.EndObject(), nil
	case *arrow.DurationType:
		return fbTypeDuration, fbInt16Table(b, int16(t.Unit), 1), nil // default MILLISECOND
	case *arrow.FixedSizeBinaryType:
		b.StartObject(1) // byteWidth
		b.PrependInt32Slot(0, int32(t.ByteWidth), 0)
		return fbTypeFixedSizeBinary, b.EndObject(), nil
	case *arrow.Decimal128Type:
		return fbTypeDecimal, fbDecimal(b, t.Precision, t.Scale, 128), nil
	case *arrow.Decimal256Type:
		return fbTypeDecimal, fbDecimal(b, t.Precision, t.Scale, 256), nil
	case *arrow.MonthIntervalType:
		return fbTypeInterval, fbInt16Table(b, 0, 0), nil // IntervalUnit.YEAR_MONTH
	case *arrow.DayTimeIntervalType:
		return fbTypeInterval, fbInt16Table(b, 1, 0), nil // IntervalUnit.DAY_TIME
	case *arrow.MonthDayNanoIntervalType:
		return fbTypeInterval, fbInt16Table(b, 2, 0), nil // IntervalUnit.MONTH_DAY_NANO
	}
	return 0, 0, fmt.Errorf("arrow type %s has no native IPC encoder", dt)
}

func fbEmpty(b *flatbuffers.Builder) flatbuffers.UOffsetT {
	b.StartObject(0)
	return b.EndObject()
}

// fbInt16Table writes a one-field table holding an int16 enum (Precision,
// DateUnit, TimeUnit, IntervalUnit) whose schema default is def.
func fbInt16Table(b *flatbuffers.Builder, v, def int16) flatbuffers.UOffsetT {
	b.StartObject(1)
	b.PrependInt16Slot(0, v, def)
	return b.EndObject()
}

func fbInt(b *flatbuffers.Builder, bits int32, signed bool) flatbuffers.UOffsetT {
	b.StartObject(2) // bitWidth, is_signed
	b.PrependInt32Slot(0, bits, 0)
	b.PrependBoolSlot(1, signed, false)
	return b.EndObject()
}

func fbTime(b *flatbuffers.Builder, unit arrow.TimeUnit, bits int32) flatbuffers.UOffsetT {
	b.StartObject(2) // unit (default MILLISECOND), bitWidth (default 32)
	b.PrependInt16Slot(0, int16(unit), 1)
	b.PrependInt32Slot(1, bits, 32)
	return b.EndObject()
}

func fbDecimal(b *flatbuffers.Builder, precision, scale, bits int32) flatbuffers.UOffsetT {
	b.StartObject(3) // precision, scale, bitWidth (default 128)
	b.PrependInt32Slot(0, precision, 0)
	b.PrependInt32Slot(1, scale, 0)
	b.PrependInt32Slot(2, bits, 128)
	return b.EndObject()
}

// fbMetadata writes a [KeyValue] vector, or returns 0 for no metadata.
func fbMetadata(b *flatbuffers.Builder, md arrow.Metadata) flatbuffers.UOffsetT {
	if md.Len() == 0 {
		return 0
	}
	keys, vals := md.Keys(), md.Values()
	kvs := make([]flatbuffers.UOffsetT, len(keys))
	for i := range keys {
		k := b.CreateString(keys[i])
		v := b.CreateString(vals[i])
		b.StartObject(fbKeyValueFields)
		b.PrependUOffsetTSlot(0, k, 0)
		b.PrependUOffsetTSlot(1, v, 0)
		kvs[i] = b.EndObject()
	}
	return fbTableVector(b, kvs)
}

func fbTableVector(b *flatbuffers.Builder, offs []flatbuffers.UOffsetT) flatbuffers.UOffsetT {
	b.StartVector(4, len(offs), 4)
	for i := len(offs) - 1; i >= 0; i-- {
		b.PrependUOffsetT(offs[i])
	}
	return b.EndVector(len(offs))
}

// fbField writes a Field table (no dictionary; an empty children vector,
// which the C++ reader requires).
func fbField(b *flatbuffers.Builder, f arrow.Field) (flatbuffers.UOffsetT, error) {
	name := b.CreateString(f.Name)
	tag, typ, err := fbType(b, f.Type)
	if err != nil {
		return 0, fmt.Errorf("column %q: %w", f.Name, err)
	}
	children := fbTableVector(b, nil)
	md := fbMetadata(b, f.Metadata)
	b.StartObject(fbFieldFields)
	b.PrependUOffsetTSlot(0, name, 0)
	b.PrependBoolSlot(1, f.Nullable, false)
	b.PrependByteSlot(2, tag, 0)
	b.PrependUOffsetTSlot(3, typ, 0)
	b.PrependUOffsetTSlot(5, children, 0)
	if md != 0 {
		b.PrependUOffsetTSlot(6, md, 0)
	}
	return b.EndObject(), nil
}

// fbSchema writes a Schema table (little endian).
func fbSchema(b *flatbuffers.Builder, s *arrow.Schema) (flatbuffers.UOffsetT, error) {
	fields := make([]flatbuffers.UOffsetT, s.NumFields())
	for i, f := range s.Fields() {
		off, err := fbField(b, f)
		if err != nil {
			return 0, err
		}
		fields[i] = off
	}
	vec := fbTableVector(b, fields)
	md := fbMetadata(b, s.Metadata())
	b.StartObject(fbSchemaFields)
	b.PrependInt16Slot(0, 0, 0) // Endianness.Little
	b.PrependUOffsetTSlot(1, vec, 0)
	if md != 0 {
		b.PrependUOffsetTSlot(2, md, 0)
	}
	return b.EndObject(), nil
}

// fbMessage finishes a Message around header and returns its bytes
// (valid until b is reset).
func fbMessage(b *flatbuffers.Builder, headerType byte, header flatbuffers.UOffsetT, bodyLen int64) []byte {
	b.StartObject(fbMessageFields)
	b.PrependInt16Slot(0, fbMetadataV5, 0)
	b.PrependByteSlot(1, headerType, 0)
	b.PrependUOffsetTSlot(2, header, 0)
	b.PrependInt64Slot(3, bodyLen, 0)
	b.Finish(b.EndObject())
	return b.FinishedBytes()
}

// fbSchemaMessage returns the bytes of a Schema message.
func fbSchemaMessage(b *flatbuffers.Builder, s *arrow.Schema) ([]byte, error) {
	b.Reset()
	sch, err := fbSchema(b, s)
	if err != nil {
		return nil, err
	}
	return fbMessage(b, fbHeaderSchema, sch, 0), nil
}

// fbRecordBatchMessage returns the bytes of a RecordBatch message. codec
// is fbCodecZstd or fbCodecLZ4Frame, or -1 for an uncompressed body.
func fbRecordBatchMessage(b *flatbuffers.Builder, rows int64, nodes []fbNode, bufs []fbBuffer, codec int, bodyLen int64) []byte {
	b.Reset()
	var comp flatbuffers.UOffsetT
	if codec >= 0 {
		b.StartObject(fbCompressionFields)
		b.PrependInt8Slot(0, int8(codec), -1) // write even LZ4_FRAME (0) explicitly
		b.PrependInt8Slot(1, fbMethodBuffer, 0)
		comp = b.EndObject()
	}
	b.StartVector(16, len(bufs), 8)
	for i := len(bufs) - 1; i >= 0; i-- {
		b.Prep(8, 16)
		b.PrependInt64(bufs[i].length)
		b.PrependInt64(bufs[i].offset)
	}
	bvec := b.EndVector(len(bufs))
	b.StartVector(16, len(nodes), 8)
	for i := len(nodes) - 1; i >= 0; i-- {
		b.Prep(8, 16)
		b.PrependInt64(nodes[i].nulls)
		b.PrependInt64(nodes[i].length)
	}
	nvec := b.EndVector(len(nodes))
	b.StartObject(fbRecordBatchFields)
	b.PrependInt64Slot(0, rows, 0)
	b.PrependUOffsetTSlot(1, nvec, 0)
	b.PrependUOffsetTSlot(2, bvec, 0)
	if codec >= 0 {
		b.PrependUOffsetTSlot(3, comp, 0)
	}
	return fbMessage(b, fbHeaderRecordBatch, b.EndObject(), bodyLen)
}

// fbFooter returns the bytes of a Footer: the schema, no dictionaries and
// the record batch blocks.
func fbFooter(b *flatbuffers.Builder, s *arrow.Schema, blocks []fbBlock) ([]byte, error) {
	b.Reset()
	sch, err := fbSchema(b, s)
	if err != nil {
		return nil, err
	}
	b.StartVector(24, 0, 8)
	dicts := b.EndVector(0)
	b.StartVector(24, len(blocks), 8)
	for i := len(blocks) - 1; i >= 0; i-- {
		b.Prep(8, 24)
		b.PrependInt64(blocks[i].bodyLen)
		b.Pad(4)
		b.PrependInt32(blocks[i].metaLen)
		b.PrependInt64(blocks[i].offset)
	}
	bvec := b.EndVector(len(blocks))
	b.StartObject(fbFooterFields)
	b.PrependInt16Slot(0, fbMetadataV5, 0)
	b.PrependUOffsetTSlot(1, sch, 0)
	b.PrependUOffsetTSlot(2, dicts, 0)
	b.PrependUOffsetTSlot(3, bvec, 0)
	b.Finish(b.EndObject())
	return b.FinishedBytes(), nil
}
