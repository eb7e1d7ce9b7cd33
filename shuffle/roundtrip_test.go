package shuffle

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestRoundTrip writes batches of sizes 1, 3, 1024 and random sizes, some
// sliced at an offset, with changing dictionaries and nulls, through Write
// and WritePartitioned, and compares every partition's rows in order with
// a plain reference.
func TestRoundTrip(t *testing.T) {
	for _, codec := range []Codec{CodecZstd, CodecLZ4, CodecNone} {
		for _, small := range []bool{false, true} {
			name := string(codec)
			if small {
				name += "/small-buffers"
			}
			t.Run(name, func(t *testing.T) {
				mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
				defer mem.AssertSize(t, 0)
				opt := WriterOptions{Partitions: 7, Codec: codec}
				if small {
					opt.FlushBytes, opt.MaxBuffered = 2<<10, 8<<10
				}
				roundTrip(t, mem, opt)
			})
		}
	}
}

func roundTrip(t *testing.T, mem memory.Allocator, opt WriterOptions) {
	rng := rand.New(rand.NewPCG(1, uint64(len(opt.Codec))))
	path := filepath.Join(t.TempDir(), "map-0")
	w, err := NewWriter(path, testSchema(), opt, mem)
	if err != nil {
		t.Fatal(err)
	}
	want := make([][][]string, opt.Partitions)
	var id int64
	sizes := []int{1, 3, 1024, 1, 3, 1024, 500, 2, 1024, 77, 3, 1}
	for i := 0; i < 40; i++ {
		n := sizes[i%len(sizes)]
		if i >= len(sizes) {
			n = 1 + rng.IntN(1500)
		}
		// A larger batch sliced at an offset, or a whole one.
		var batch arrow.RecordBatch
		if i%3 == 1 {
			full := genBatch(mem, rng, n+10, id, i)
			batch = full.NewSlice(5, int64(5+n))
			full.Release()
		} else {
			batch = genBatch(mem, rng, n, id, i)
		}
		id += int64(n) + 10
		rows := rowStrings(batch)
		if i%4 == 0 {
			p := rng.IntN(opt.Partitions)
			if err := w.Write(p, batch); err != nil {
				t.Fatal(err)
			}
			want[p] = append(want[p], rows...)
		} else {
			part := make([]int32, n)
			for j := range part {
				part[j] = int32(rng.IntN(opt.Partitions))
				want[part[j]] = append(want[part[j]], rows[j])
			}
			if err := w.WritePartitioned(batch, part); err != nil {
				t.Fatal(err)
			}
		}
		batch.Release()
		if w.held > w.opt.MaxBuffered {
			t.Fatalf("writer holds %d bytes, MaxBuffered %d", w.held, w.opt.MaxBuffered)
		}
	}
	out, err := w.Close()
	if err != nil {
		t.Fatal(err)
	}
	if out.DataPath != path+".data" || out.IndexPath != path+".index" {
		t.Fatalf("output paths %s %s", out.DataPath, out.IndexPath)
	}
	st, err := os.Stat(out.DataPath)
	if err != nil || st.Size() != out.Bytes {
		t.Fatalf("data file size %v (%v), Output.Bytes %d", st, err, out.Bytes)
	}
	r, err := OpenReader(path, mem)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.NumPartitions() != opt.Partitions || !r.Schema().Equal(testSchema()) {
		t.Fatalf("reader: %d partitions, schema %s", r.NumPartitions(), r.Schema())
	}
	segs := 0
	for p := 0; p < opt.Partitions; p++ {
		info := r.PartitionInfo(p)
		if info != out.Partitions[p] || info.Rows != int64(len(want[p])) {
			t.Fatalf("partition %d: info %+v, output %+v, want %d rows", p, info, out.Partitions[p], len(want[p]))
		}
		segs += info.Segments
		equalRows(t, "partition", readAll(t, r, p), want[p])
	}
	if opt.FlushBytes > 0 && opt.FlushBytes < 4<<10 && segs <= 2*opt.Partitions {
		t.Fatalf("small buffers gave only %d segments", segs)
	}
}

// TestWritePartitionedEqualsWrite checks that WritePartitioned stores the
// same rows as writing each row to its partition one at a time.
func TestWritePartitionedEqualsWrite(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	rng := rand.New(rand.NewPCG(7, 7))
	dir := t.TempDir()
	opt := WriterOptions{Partitions: 5, Codec: CodecLZ4, FlushBytes: 4 << 10}
	a, err := NewWriter(filepath.Join(dir, "a"), testSchema(), opt, mem)
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewWriter(filepath.Join(dir, "b"), testSchema(), opt, mem)
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range []int{1, 3, 1024, 300} {
		batch := genBatch(mem, rng, n, int64(i*10000), i)
		part := make([]int32, n)
		for j := range part {
			part[j] = int32(rng.IntN(opt.Partitions))
		}
		if i == 0 {
			part[0] = 4
		}
		if err := a.WritePartitioned(batch, part); err != nil {
			t.Fatal(err)
		}
		for j, p := range part {
			row := batch.NewSlice(int64(j), int64(j+1))
			if err := b.Write(int(p), row); err != nil {
				t.Fatal(err)
			}
			row.Release()
		}
		batch.Release()
	}
	for _, w := range []*Writer{a, b} {
		if _, err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	ra, err := OpenReader(filepath.Join(dir, "a"), mem)
	if err != nil {
		t.Fatal(err)
	}
	defer ra.Close()
	rb, err := OpenReader(filepath.Join(dir, "b"), mem)
	if err != nil {
		t.Fatal(err)
	}
	defer rb.Close()
	total := 0
	for p := 0; p < opt.Partitions; p++ {
		got, want := readAll(t, ra, p), readAll(t, rb, p)
		equalRows(t, "WritePartitioned vs Write", got, want)
		total += len(got)
	}
	if total != 1+3+1024+300 {
		t.Fatalf("%d rows in total", total)
	}
}

// TestSharedDictionary writes batches that share one dictionary object
// (the concatenate-then-shrink path).
func TestSharedDictionary(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	rng := rand.New(rand.NewPCG(3, 3))
	path := filepath.Join(t.TempDir(), "m")
	w, err := NewWriter(path, testSchema(), WriterOptions{Partitions: 3, Codec: CodecNone}, mem)
	if err != nil {
		t.Fatal(err)
	}
	full := genBatch(mem, rng, 3000, 0, 0)
	defer full.Release()
	want := make([][][]string, 3)
	for off := int64(0); off < 3000; off += 100 {
		// Each slice is a tiny part of full's buffers, so Write copies it
		// but keeps the shared dictionary.
		s := full.NewSlice(off, off+100)
		p := int(off/100) % 3
		if err := w.Write(p, s); err != nil {
			t.Fatal(err)
		}
		want[p] = append(want[p], rowStrings(s)...)
		s.Release()
	}
	if _, err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := OpenReader(path, mem)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for p := range want {
		equalRows(t, "shared dictionary", readAll(t, r, p), want[p])
	}
}
