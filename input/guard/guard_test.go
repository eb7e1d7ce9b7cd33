package guard

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	flatbuffers "github.com/google/flatbuffers/go"
)

func TestSafely(t *testing.T) {
	err := Safely(func() error { panic("index out of range") })
	if err == nil || !strings.Contains(err.Error(), "corrupt data: index out of range") {
		t.Fatalf("panic became %v", err)
	}
	if err := Safely(func() error { return nil }); err != nil {
		t.Fatal(err)
	}
}

// TestStoredSchemaRejects feeds damaged stored schemas: each must fail
// with the metadata key in the error, never panic.
func TestStoredSchemaRejects(t *testing.T) {
	huge := append([]byte{0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x7f}, make([]byte, 16)...)
	for name, in := range map[string]string{
		"not base64":   "%%%",
		"too short":    base64.StdEncoding.EncodeToString([]byte{1, 2}),
		"huge length":  base64.StdEncoding.EncodeToString(huge),
		"zero message": base64.StdEncoding.EncodeToString(append([]byte{0xff, 0xff, 0xff, 0xff, 8, 0, 0, 0}, make([]byte, 8)...)),
	} {
		err := StoredSchema(in)
		if err == nil || !strings.Contains(err.Error(), ArrowSchemaKey) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestArrowFooterShort leaves files too short for a footer to arrow-go.
func TestArrowFooterShort(t *testing.T) {
	b := []byte("ARROW1")
	if err := ArrowFooter(bytes.NewReader(b), int64(len(b))); err != nil {
		t.Fatalf("short file: %v", err)
	}
}

// SchemaMessage takes an IPC stream's leading schema message, returns its
// length, and rejects damaged ones with an error that says so.
func TestSchemaMessage(t *testing.T) {
	var b bytes.Buffer
	w := ipc.NewWriter(&b, ipc.WithSchema(arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int64}}, nil)))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	stream := b.Bytes()
	n, err := SchemaMessage(stream)
	// By the IPC format: the continuation marker, the int32 length, then
	// that many bytes; the end-of-stream marker (8 bytes) follows.
	if err != nil || n != 8+int(binary.LittleEndian.Uint32(stream[4:])) || n != len(stream)-8 {
		t.Fatalf("n %d err %v for a %d-byte stream", n, err, len(stream))
	}
	huge := append([]byte(nil), stream...)
	binary.LittleEndian.PutUint32(huge[4:], 0x7fff_fff0)
	zero := append([]byte{0xff, 0xff, 0xff, 0xff, 8, 0, 0, 0}, make([]byte, 8)...)
	for name, in := range map[string][]byte{"short": {1, 2}, "huge length": huge, "zero message": zero} {
		if _, err := SchemaMessage(in); err == nil || !strings.HasPrefix(err.Error(), "schema message") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// schemaMessageWithBody builds, by the Arrow format's Message table
// (version, header_type, header, bodyLength, custom_metadata), a schema
// message over an empty Schema that states a body of bodyLen bytes.
func schemaMessageWithBody(bodyLen int64) []byte {
	b := flatbuffers.NewBuilder(64)
	b.StartObject(4) // Schema { endianness, fields, custom_metadata, features }
	schema := b.EndObject()
	b.StartObject(5)
	b.PrependInt16Slot(0, 4, 0)         // version V5
	b.PrependByteSlot(1, 1, 0)          // header_type Schema
	b.PrependUOffsetTSlot(2, schema, 0) // header
	b.PrependInt64Slot(3, bodyLen, -1)  // bodyLength, written even when 0
	b.Finish(b.EndObject())
	fb := b.FinishedBytes()
	for len(fb)%8 != 0 {
		fb = append(fb, 0)
	}
	out := binary.LittleEndian.AppendUint32(nil, 0xFFFFFFFF)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(fb)))
	return append(out, fb...)
}

// A schema message that states a body is refused: arrow-go's stream
// reader would allocate that many bytes before reading them.
func TestSchemaMessageWithBody(t *testing.T) {
	ok := schemaMessageWithBody(0)
	if n, err := SchemaMessage(ok); err != nil || n != len(ok) {
		t.Fatalf("a schema message with a zero body: n %d (want %d), err %v", n, len(ok), err)
	}
	_, err := SchemaMessage(schemaMessageWithBody(0x8_0008_0000))
	if err == nil || !strings.Contains(err.Error(), "body of 34360262656 bytes") {
		t.Fatalf("a 32 GiB body: %v", err)
	}
	err = StoredSchema(base64.StdEncoding.EncodeToString(schemaMessageWithBody(1)))
	if err == nil || !strings.Contains(err.Error(), "body of 1 bytes") {
		t.Fatalf("a stored schema with a body: %v", err)
	}
}

// DecodeSchema gives back the schema a stream holds and refuses, before
// arrow-go reads it, a schema message that states a body (32 GiB here:
// ipc.NewReader would allocate it) or runs past its bytes.
func TestDecodeSchema(t *testing.T) {
	want := arrow.NewSchema([]arrow.Field{
		{Name: "x", Type: arrow.PrimitiveTypes.Int64},
		{Name: "s", Type: &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}, Nullable: true},
	}, nil)
	var b bytes.Buffer
	w := ipc.NewWriter(&b, ipc.WithSchema(want))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got, n, err := DecodeSchema(b.Bytes())
	if err != nil || !got.Equal(want) || n != len(b.Bytes())-8 {
		t.Fatalf("DecodeSchema: %v, message of %d bytes, %v; want %v, %d bytes (the stream less its end-of-stream marker)", got, n, err, want, len(b.Bytes())-8)
	}
	if _, _, err := DecodeSchema(schemaMessageWithBody(0x8_0008_0000)); err == nil || !strings.Contains(err.Error(), "body of 34360262656 bytes") {
		t.Fatalf("a 32 GiB body: %v", err)
	}
	for _, in := range [][]byte{nil, b.Bytes()[:12]} {
		if _, _, err := DecodeSchema(in); err == nil || !strings.HasPrefix(err.Error(), "schema message") {
			t.Errorf("%d bytes: %v, want a schema message error", len(in), err)
		}
	}
}
