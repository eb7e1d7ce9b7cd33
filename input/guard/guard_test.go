package guard

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
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
