package czstd

import (
	"bytes"
	"context"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/klauspost/compress/zstd"
)

// inputs are buffers of the shapes shard pages have: empty, one byte,
// incompressible noise, small integers, and long runs.
func inputs() map[string][]byte {
	r := rand.New(rand.NewPCG(1, 2))
	noise := make([]byte, 300_000)
	for i := range noise {
		noise[i] = byte(r.Uint32())
	}
	ints := make([]byte, 0, 8*100_000)
	for range 100_000 {
		v := r.Uint64N(1000)
		for b := range 8 {
			ints = append(ints, byte(v>>(8*b)))
		}
	}
	return map[string][]byte{
		"empty": {}, "one": {7}, "noise": noise, "ints": ints,
		"runs": bytes.Repeat([]byte("abcabcabd"), 200_000),
	}
}

// Every frame decodes, with the pure-Go decoder (an independent
// implementation), to its input, and AppendFrame keeps what dst held.
func TestAppendFrameRoundTrip(t *testing.T) {
	dec, err := zstd.NewReader(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	for _, level := range []int{1, 3, 9} {
		e := NewEncoder(level)
		for name, in := range inputs() {
			prefix := []byte("prefix")
			out, err := e.AppendFrame(append([]byte(nil), prefix...), in)
			if err != nil {
				t.Fatalf("level %d %s: %v", level, name, err)
			}
			if !bytes.HasPrefix(out, prefix) {
				t.Fatalf("level %d %s: dst's bytes were overwritten", level, name)
			}
			got, err := dec.DecodeAll(out[len(prefix):], nil)
			if err != nil {
				t.Fatalf("level %d %s: decode: %v", level, name, err)
			}
			if !bytes.Equal(got, in) {
				t.Fatalf("level %d %s: decoded %d bytes, want the %d written", level, name, len(got), len(in))
			}
			if name == "ints" && len(out)-len(prefix) >= len(in)/2 {
				t.Errorf("level %d: small integers compressed to %d of %d bytes", level, len(out)-len(prefix), len(in))
			}
		}
	}
}

// After RegisterParquet, arrow-go's zstd codec is this package's: its
// blocks decode with the pure-Go decoder, and a Parquet file written
// with ZSTD pages reads back with the values written.
func TestRegisterParquet(t *testing.T) {
	RegisterParquet()
	RegisterParquet() // idempotent
	codec, err := compress.GetCodec(compress.Codecs.Zstd)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := codec.(parquetCodec); !ok {
		t.Fatalf("the registered zstd codec is %T", codec)
	}
	if _, ok := codec.(compress.StreamingCodec); !ok {
		t.Fatal("the registered codec lost the streaming methods page readers use")
	}
	dec, err := zstd.NewReader(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	for name, in := range inputs() {
		for _, level := range []int{1, compress.DefaultCompressionLevel} {
			block := codec.EncodeLevel(make([]byte, codec.CompressBound(int64(len(in)))), in, level)
			got, err := dec.DecodeAll(block, nil)
			if err != nil || !bytes.Equal(got, in) {
				t.Fatalf("%s level %d: decoded %d bytes (%v), want %d", name, level, len(got), err, len(in))
			}
			if back := codec.Decode(nil, block); !bytes.Equal(back, in) {
				t.Fatalf("%s level %d: the codec's own Decode gave %d bytes, want %d", name, level, len(back), len(in))
			}
		}
	}

	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	schema := arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int64}, {Name: "s", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	const n = 300_000
	for i := range n {
		b.Field(0).(*array.Int64Builder).Append(int64(i % 977))
		if i%11 == 0 {
			b.Field(1).AppendNull()
		} else {
			b.Field(1).(*array.StringBuilder).Append(string(rune('a' + i%26)))
		}
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	var buf bytes.Buffer
	props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Zstd), parquet.WithCompressionLevel(1), parquet.WithAllocator(mem))
	w, err := pqarrow.NewFileWriter(schema, &buf, props, pqarrow.NewArrowWriterProperties(pqarrow.WithAllocator(mem)))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	tbl, err := pqarrow.ReadTable(context.Background(), bytes.NewReader(buf.Bytes()), nil, pqarrow.ArrowReadProperties{}, mem)
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	if tbl.NumRows() != n {
		t.Fatalf("read %d rows, want %d", tbl.NumRows(), n)
	}
	for c := range 2 {
		got := tbl.Column(c).Data()
		var off int64
		for _, ch := range got.Chunks() {
			want := array.NewSlice(rec.Column(c), off, off+int64(ch.Len()))
			if !array.Equal(ch, want) {
				t.Fatalf("column %d rows %d..%d differ after the round trip", c, off, off+int64(ch.Len()))
			}
			want.Release()
			off += int64(ch.Len())
		}
	}
}
