package arrowfile

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// writeIPCWorkers is writeIPC with the buffers compressed on workers
// goroutines.
func writeIPCWorkers(t *testing.T, schema *arrow.Schema, codec string, workers int, batches []arrow.RecordBatch) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := newIPCFileWriter(&buf, schema, codec)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.SetWorkers(workers); err != nil {
		t.Fatal(err)
	}
	for _, b := range batches {
		if err := w.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Files written with 2, 3 and 8 workers are byte-identical to the
// single-goroutine writer's and read back to the batches (arrow-go's
// reader is the oracle).
func TestIPCWriterWorkersSameBytes(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	rng := rand.New(rand.NewPCG(7, 8))
	types := nativeTypes()
	for iter := range 30 {
		fields := make([]arrow.Field, 1+rng.IntN(8))
		for i := range fields {
			fields[i] = arrow.Field{Name: string(rune('a' + i)), Type: types[rng.IntN(len(types))], Nullable: true}
		}
		schema := arrow.NewSchema(fields, nil)
		var batches []arrow.RecordBatch
		for range 1 + rng.IntN(4) {
			n := []int{0, 1, 9, 64, 65, 3000}[rng.IntN(6)]
			nullP := []float64{0, 0.05, 0.5, 1}[rng.IntN(4)]
			rec := randBatch(t, mem, rng, schema, n+16, nullP)
			off := int64(rng.IntN(16))
			batches = append(batches, rec.NewSlice(off, off+int64(n)))
			rec.Release()
		}
		codec := []string{compressionZstd, compressionLZ4}[iter%2]
		want := writeIPC(t, schema, codec, batches)
		for _, workers := range []int{2, 3, 8} {
			got := writeIPCWorkers(t, schema, codec, workers, batches)
			if !bytes.Equal(got, want) {
				t.Fatalf("iter %d, %s, %d workers: %d bytes differ from the single writer's %d", iter, codec, workers, len(got), len(want))
			}
		}
		checkIPC(t, mem, writeIPCWorkers(t, schema, codec, 4, batches), schema, batches)
		for _, b := range batches {
			b.Release()
		}
	}
}

// SetWorkers after the first batch is refused: the writer's codecs are
// fixed once it has written.
func TestIPCWriterWorkersAfterWrite(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	schema := arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int64}}, nil)
	rec := randBatch(t, mem, rand.New(rand.NewPCG(1, 2)), schema, 10, 0)
	defer rec.Release()
	var buf bytes.Buffer
	w, err := newIPCFileWriter(&buf, schema, compressionZstd)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.SetWorkers(2); err == nil {
		t.Fatal("SetWorkers after Write: no error")
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}
