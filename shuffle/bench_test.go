package shuffle

import (
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

const benchRows = 1 << 15

func benchBatches(b *testing.B, mem memory.Allocator, np int) ([]arrow.RecordBatch, [][]int32, int64) {
	rng := rand.New(rand.NewPCG(1, 1))
	var batches []arrow.RecordBatch
	var parts [][]int32
	var bytes int64
	for i := 0; i < 4; i++ {
		rec := genBatch(mem, rng, benchRows, int64(i*benchRows), i%2)
		part := make([]int32, benchRows)
		for j := range part {
			part[j] = int32(rng.IntN(np))
		}
		batches, parts = append(batches, rec), append(parts, part)
		bytes += footprint(rec)
	}
	return batches, parts, bytes
}

// benchCases are the writer shapes measured: 16 partitions, and 1024
// partitions of about 128 rows a segment (a large input's scan cache,
// where per-segment costs dominate).
var benchCases = []struct {
	name  string
	codec Codec
	parts int
}{
	{"none", CodecNone, 16}, {"lz4", CodecLZ4, 16}, {"zstd", CodecZstd, 16},
	{"none-1024", CodecNone, 1024}, {"zstd-1024", CodecZstd, 1024},
}

// BenchmarkWrite measures WritePartitioned and Close; bytes are the Arrow
// bytes of the input.
func BenchmarkWrite(b *testing.B) {
	for _, bc := range benchCases {
		c := bc.codec
		b.Run(bc.name, func(b *testing.B) {
			mem := memory.NewGoAllocator()
			batches, parts, bytes := benchBatches(b, mem, bc.parts)
			defer releaseAll(batches)
			dir := b.TempDir()
			b.SetBytes(bytes)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				w, err := NewWriter(filepath.Join(dir, "m"), batches[0].Schema(), WriterOptions{Partitions: bc.parts, Codec: c}, mem)
				if err != nil {
					b.Fatal(err)
				}
				for k, rec := range batches {
					if err := w.WritePartitioned(rec, parts[k]); err != nil {
						b.Fatal(err)
					}
				}
				if _, err := w.Close(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRead measures reading every partition back from a file just
// written (every read checks the segments); bytes are the Arrow bytes of
// the rows.
func BenchmarkRead(b *testing.B) { benchRead(b, false) }

// BenchmarkReread measures the later reads of a settled file, after one
// read that checked every segment (as split boundaries, fit and shard
// write read a scan cache): checksums and file dictionary ids are not
// checked again.
func BenchmarkReread(b *testing.B) { benchRead(b, true) }

func benchRead(b *testing.B, settle bool) {
	for _, bc := range benchCases {
		c := bc.codec
		b.Run(bc.name, func(b *testing.B) {
			mem := memory.NewGoAllocator()
			batches, parts, bytes := benchBatches(b, mem, bc.parts)
			path := filepath.Join(b.TempDir(), "m")
			w, err := NewWriter(path, batches[0].Schema(), WriterOptions{Partitions: bc.parts, Codec: c}, mem)
			if err != nil {
				b.Fatal(err)
			}
			for k, rec := range batches {
				if err := w.WritePartitioned(rec, parts[k]); err != nil {
					b.Fatal(err)
				}
			}
			releaseAll(batches)
			if _, err := w.Close(); err != nil {
				b.Fatal(err)
			}
			if settle {
				time.Sleep(2 * settled)
			}
			r, err := OpenReader(path, mem)
			if err != nil {
				b.Fatal(err)
			}
			defer r.Close()
			if settle {
				readEvery(b, r)
			}
			b.SetBytes(bytes)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				readEvery(b, r)
			}
		})
	}
}

// readEvery reads every partition of r.
func readEvery(b *testing.B, r *Reader) {
	rows := 0
	for p := 0; p < r.NumPartitions(); p++ {
		it, err := r.Partition(p)
		if err != nil {
			b.Fatal(err)
		}
		for {
			rec, err := it.Next()
			if err != nil {
				b.Fatal(err)
			}
			if rec == nil {
				break
			}
			rows += int(rec.NumRows())
		}
		it.Close()
	}
	if rows != 4*benchRows {
		b.Fatalf("read %d rows", rows)
	}
}

func releaseAll(recs []arrow.RecordBatch) {
	for _, r := range recs {
		r.Release()
	}
}
