package guard

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestFlatbufferRecordBatch reads the record batch message arrow-go writes
// for 3 rows of (int64, utf8): header type 3, body length, 3 rows, one
// node per column and 5 buffers, no compression; every truncation of the
// metadata gives errors, not panics.
func TestFlatbufferRecordBatch(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{{Name: "n", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	b.Field(0).(*array.Int64Builder).AppendValues([]int64{1, 2, 3}, nil)
	b.Field(1).(*array.StringBuilder).AppendValues([]string{"a", "", "ccc"}, []bool{true, false, true})
	rec := b.NewRecordBatch()
	defer rec.Release()
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(schema))
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	n, err := SchemaMessage(data)
	if err != nil {
		t.Fatal(err)
	}
	data = data[n:] // the record batch message: marker, length, metadata
	l := int(binary.LittleEndian.Uint32(data[4:]))
	meta := data[8 : 8+l]

	f := NewFlatbuffer(meta)
	msg, err := f.Root()
	if err != nil {
		t.Fatal(err)
	}
	if kind, err := f.Uint8(msg, 1); err != nil || kind != 3 {
		t.Fatalf("header type %d (%v), want 3", kind, err)
	}
	bodyLen, err := f.Int64(msg, 3)
	if err != nil || bodyLen <= 0 || bodyLen%8 != 0 {
		t.Fatalf("body length %d (%v)", bodyLen, err)
	}
	hdr, ok, err := f.Sub(msg, 2)
	if err != nil || !ok {
		t.Fatalf("no record batch header (%v)", err)
	}
	if rows, err := f.Int64(hdr, 0); err != nil || rows != 3 {
		t.Fatalf("%d rows (%v), want 3", rows, err)
	}
	nodes, nn, err := f.Structs(hdr, 1, 16)
	if err != nil || nn != 2 {
		t.Fatalf("%d nodes (%v), want 2", nn, err)
	}
	if nulls := binary.LittleEndian.Uint64(nodes[16+8:]); nulls != 1 {
		t.Fatalf("column s has %d nulls, want 1", nulls)
	}
	if _, nb, err := f.Structs(hdr, 2, 16); err != nil || nb != 5 {
		t.Fatalf("%d buffers (%v), want 5", nb, err)
	}
	if _, ok, err := f.Sub(hdr, 3); err != nil || ok {
		t.Fatalf("compression present %v (%v)", ok, err)
	}
	for cut := 0; cut < len(meta); cut++ {
		g := NewFlatbuffer(meta[:cut])
		if m, err := g.Root(); err == nil {
			if h, ok, err := g.Sub(m, 2); err == nil && ok {
				g.Int64(h, 0)
				g.Structs(h, 1, 16)
				g.Structs(h, 2, 16)
			}
		}
	}
}
