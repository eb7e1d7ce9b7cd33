package input

import (
	"bytes"
	"context"
	"fmt"
	"github.com/sluice-ml/sluice/internal/arrowtest"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"

	"github.com/sluice-ml/sluice/input/guard"
	"github.com/sluice-ml/sluice/jobspec"
)

// fuzzFields are the canonical column types the round-trip fuzzer writes.
var fuzzFields = []arrow.Field{
	{Name: "i", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "f", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "b", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	{Name: "ts", Type: arrow.FixedWidthTypes.Timestamp_us, Nullable: true},
	{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
}

// randTable builds n random rows of fuzzFields and their reference values
// (the cell forms: int64, float64, bool, int64 microseconds, string, nil).
func randTable(t testing.TB, mem memory.Allocator, seed uint64, n int) (arrow.RecordBatch, [][]any) {
	rng := rand.New(rand.NewPCG(seed, 11))
	specials := []float64{0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), math.NaN(), math.MaxFloat64, math.SmallestNonzeroFloat64}
	words := []string{"", "a", "bb", "é", "Customer", "\x00", "\xff\xfe"}
	b := array.NewRecordBuilder(mem, arrow.NewSchema(fuzzFields, nil))
	defer b.Release()
	want := make([][]any, n)
	for r := range n {
		row := make([]any, len(fuzzFields))
		for c := range fuzzFields {
			fb := b.Field(c)
			if rng.IntN(5) == 0 {
				fb.AppendNull()
				continue
			}
			switch fb := fb.(type) {
			case *array.Int64Builder:
				v := int64(rng.Uint64())
				if rng.IntN(2) == 0 {
					v = rng.Int64N(7) - 3
				}
				fb.Append(v)
				row[c] = v
			case *array.Float64Builder:
				v := rng.NormFloat64() * 1e3
				if rng.IntN(4) == 0 {
					v = specials[rng.IntN(len(specials))]
				}
				fb.Append(v)
				row[c] = v
			case *array.BooleanBuilder:
				v := rng.IntN(2) == 0
				fb.Append(v)
				row[c] = v
			case *array.TimestampBuilder:
				v := rng.Int64N(4e15) - 2e15
				fb.Append(arrow.Timestamp(v))
				row[c] = v
			case *array.StringBuilder:
				v := words[rng.IntN(len(words))]
				if rng.IntN(3) == 0 {
					v = strings.Repeat("x", rng.IntN(40)) + v
				}
				fb.Append(v)
				row[c] = v
			}
		}
		want[r] = row
	}
	return b.NewRecordBatch(), want
}

// sameCell compares a read value with the reference; NaNs compare by bits.
func sameCell(got, want any) bool {
	if g, ok := got.(float64); ok {
		w, ok := want.(float64)
		return ok && math.Float64bits(g) == math.Float64bits(w)
	}
	return got == want
}

// FuzzInputRoundTrip writes random tables as Parquet (with random row
// group sizes and codecs) or Arrow IPC (with random record batch sizes),
// opens them with Open and reads every task with random batch sizes: the
// rows read must be exactly the rows written, in order, with each batch's
// first row number right and no Arrow memory left behind.
func FuzzInputRoundTrip(f *testing.F) {
	f.Add(uint64(1), uint16(7), uint8(3), uint8(2), false)
	f.Add(uint64(2), uint16(7), uint8(3), uint8(2), true)
	f.Add(uint64(3), uint16(0), uint8(1), uint8(1), false)
	f.Add(uint64(4), uint16(300), uint8(64), uint8(100), false)
	f.Add(uint64(5), uint16(300), uint8(7), uint8(50), true)
	f.Fuzz(func(t *testing.T, seed uint64, rows uint16, chunk, batch uint8, arrowFmt bool) {
		n := int(rows % 2000)
		mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
		defer mem.AssertSize(t, 0)
		rec, want := randTable(t, mem, seed, n)
		defer rec.Release()
		step := int64(chunk%100) + 1
		path := filepath.Join(t.TempDir(), "x.parquet")
		if arrowFmt {
			path = filepath.Join(filepath.Dir(path), "x.arrow")
			var recs []arrow.RecordBatch
			for lo := int64(0); lo < int64(n) || lo == 0; lo += step {
				recs = append(recs, rec.NewSlice(lo, min(lo+step, int64(n))))
			}
			writeArrowFile(t, path, recs...)
			for _, r := range recs {
				r.Release()
			}
		} else {
			codecs := []compress.Compression{compress.Codecs.Uncompressed, compress.Codecs.Snappy, compress.Codecs.Zstd, compress.Codecs.Gzip}
			writeParquet(t, path, rec, step, parquet.WithCompression(codecs[seed%4]),
				parquet.WithDictionaryDefault(seed%3 != 0), parquet.WithDataPageSize(int64(64+seed%512)))
		}
		d, err := Open(jobspec.Input{Path: path})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		var got [][]any
		for _, task := range d.Tasks {
			s := readTask(t, d, task, ReadOptions{BatchRows: int(batch%128) + 1}, mem)
			at := int64(len(got))
			for k, first := range s.firsts {
				if first != at {
					t.Fatalf("task %d batch %d: first row %d, want %d", task.Index, k, first, at)
				}
				at += int64(s.sizes[k])
			}
			got = append(got, s.rows...)
		}
		if len(got) != n {
			t.Fatalf("read %d rows, wrote %d", len(got), n)
		}
		for r := range want {
			for c := range want[r] {
				if !sameCell(got[r][c], want[r][c]) {
					t.Fatalf("row %d column %s: got %#v, want %#v", r, fuzzFields[c].Name, got[r][c], want[r][c])
				}
			}
		}
	})
}

// fuzzSeedFiles returns small valid files of the given format to mutate.
func fuzzSeedFiles(f *testing.F, arrowFmt bool) [][]byte {
	var out [][]byte
	dir := f.TempDir()
	for k, n := range []int{5, 12} {
		rec, _ := randTable(f, memory.DefaultAllocator, uint64(k), n)
		path := filepath.Join(dir, "seed")
		if arrowFmt {
			writeArrowFile(f, path, rec.NewSlice(0, 3), rec.NewSlice(3, int64(n)))
		} else {
			codec := []compress.Compression{compress.Codecs.Uncompressed, compress.Codecs.Snappy}[k]
			writeParquet(f, path, rec, 4, parquet.WithCompression(codec), parquet.WithDictionaryDefault(k == 0))
		}
		rec.Release()
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// FuzzParquetFile reads arbitrary bytes as a Parquet input file.
func FuzzParquetFile(f *testing.F) {
	for _, b := range fuzzSeedFiles(f, false) {
		f.Add(b)
		f.Add(b[:len(b)/2])
		f.Add(b[len(b)/3:])
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) { noHang(func() { readMutatedInput(t, dir, data, FormatParquet) }) })
}

// FuzzArrowFile reads arbitrary bytes as an Arrow IPC input file.
func FuzzArrowFile(f *testing.F) {
	for _, b := range fuzzSeedFiles(f, true) {
		f.Add(b)
		f.Add(b[:len(b)/2])
		f.Add(b[len(b)/3:])
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) { noHang(func() { readMutatedInput(t, dir, data, FormatArrow) }) })
}

// readMutatedInput opens data as an input file of format (written in dir,
// one file per fuzz worker) and reads every task. It must either fail with
// an error naming the file, or return batches that are valid Arrow in the
// dataset's schema, numbered in order, holding the rows the file's
// metadata promises, leaving no Arrow memory behind.
func readMutatedInput(t *testing.T, dir string, data []byte, format string) {
	path := filepath.Join(dir, "in."+format)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	// Memory is checked after clean reads only: arrow-go's IPC reader
	// leaks a message buffer when it recovers from a panic of its own on
	// damaged data (Go memory, collected; the read fails anyway).
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	d, err := Open(jobspec.Input{Path: path, Format: format})
	if err != nil {
		mustName(t, "Open", err, path)
		return
	}
	var fileRows int64
	for _, task := range d.Tasks {
		if task.Rows >= 0 {
			fileRows += task.Rows
		}
	}
	if d.Files[0].Rows >= 0 && fileRows != d.Files[0].Rows {
		t.Fatalf("tasks hold %d rows, the file %d", fileRows, d.Files[0].Rows)
	}
	for _, task := range d.Tasks {
		if !readMutatedTask(t, d, task, path, mem) {
			return
		}
	}
	mem.AssertSize(t, 0)
}

// readMutatedTask reads one task with the checks of readMutatedInput;
// false if it failed (with a good error).
func readMutatedTask(t *testing.T, d *Dataset, task Task, path string, mem memory.Allocator) bool {
	if task.Rows > fuzzMaxRows {
		// A few bytes of run-length-encoded nulls can hold billions of
		// rows: valid, but too slow to read on every fuzz input.
		return true
	}
	r, err := d.Read(context.Background(), task, ReadOptions{BatchRows: 5}, mem)
	if err != nil {
		mustName(t, "Read", err, path)
		return false
	}
	defer r.Close()
	at := task.RowOffset
	for {
		b, first, err := r.Next()
		if err != nil {
			mustName(t, "Next", err, path)
			return false
		}
		if b == nil {
			break
		}
		if !b.Schema().Equal(d.Schema) {
			t.Fatalf("batch schema %s, dataset %s", b.Schema(), d.Schema)
		}
		if b.NumRows() <= 0 || b.NumRows() > 5 {
			t.Fatalf("batch of %d rows, BatchRows 5", b.NumRows())
		}
		// Structure, then every value read the slow way (strings need not
		// be UTF-8: the readers pass bytes through, so ValidateRecordFull
		// is too strict here).
		if err := array.ValidateRecord(b); err != nil {
			t.Fatalf("invalid batch at row %d: %v", first, err)
		}
		for c := range int(b.NumCols()) {
			for i := range int(b.NumRows()) {
				arrowtest.Cell(t, b.Column(c), i)
			}
		}
		if first != at {
			t.Fatalf("batch first row %d, want %d", first, at)
		}
		at += b.NumRows()
	}
	if task.Rows >= 0 && at-task.RowOffset != task.Rows {
		t.Fatalf("task %d read %d rows without error, its metadata says %d", task.Index, at-task.RowOffset, task.Rows)
	}
	return true
}

// fuzzMaxRows bounds the rows a fuzzed file's task may claim to be read.
const fuzzMaxRows = 100_000

// hangLimit is far beyond any read of a fuzz input, even on a loaded
// machine: it only turns a hang into a crash the fuzzer records.
const hangLimit = time.Minute

// noHang runs f and crashes the process, with every goroutine's stack, if
// it has not returned within hangLimit (go test -fuzz has no per-input
// timeout, so a hang would otherwise stall the fuzzer without saving the
// input).
func noHang(f func()) {
	timer := time.AfterFunc(hangLimit, func() {
		buf := make([]byte, 1<<20)
		panic(fmt.Sprintf("no answer in %v:\n%s", hangLimit, buf[:runtime.Stack(buf, true)]))
	})
	defer timer.Stop()
	f()
}

// mustName fails unless err names the file.
func mustName(t *testing.T, what string, err error, path string) {
	t.Helper()
	if !strings.Contains(err.Error(), path) {
		t.Fatalf("%s: error does not name the file %s: %v", what, path, err)
	}
}

// TestDamagedStoredArrowSchema: a Parquet footer whose stored Arrow schema
// claims ~4G fields (the fuzzer's find; arrow-go allocated ~94 GB for it
// and the process died) fails Open with an error naming the file.
func TestDamagedStoredArrowSchema(t *testing.T) {
	rec, _ := randTable(t, memory.DefaultAllocator, 1, 3)
	defer rec.Release()
	path := filepath.Join(t.TempDir(), "x.parquet")
	writeParquet(t, path, rec, 2)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(jobspec.Input{Path: path}); err != nil {
		t.Fatalf("undamaged: %v", err)
	}
	// The schema message's fields vector: its length is the u32 after the
	// offset the Schema table's field 1 points to. Rather than decode the
	// footer here, damage each 4-byte window of the base64 text in turn
	// until one is refused by the check (and none crashes).
	key := []byte(guard.ArrowSchemaKey)
	at := bytes.Index(data, key)
	if at < 0 {
		t.Fatal("no stored schema")
	}
	refused := 0
	for i := at + len(key) + 4; i+4 < len(data) && i < at+len(key)+400; i += 4 {
		bad := bytes.Clone(data)
		copy(bad[i:], "////") // base64 of 0xff bytes: huge lengths and offsets
		if err := os.WriteFile(path, bad, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Open(jobspec.Input{Path: path})
		if err != nil && strings.Contains(err.Error(), guard.ArrowSchemaKey+" metadata") {
			refused++
			if !strings.Contains(err.Error(), path) {
				t.Fatalf("error does not name the file: %v", err)
			}
		}
	}
	if refused == 0 {
		t.Fatal("no damaged stored schema was refused by the check")
	}
}
