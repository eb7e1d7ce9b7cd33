package guard

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
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
