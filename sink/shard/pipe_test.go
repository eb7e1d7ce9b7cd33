package shard

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/sink/layout"
)

// A pipelined writer writes the same bytes as a plain one, and the rows
// read back are the rows written.
func TestPipelinedSameBytes(t *testing.T) {
	sizes := []int{1, 300, 0, 57, 4000, 2, 999}
	for _, format := range []string{FormatArrow, FormatParquet} {
		for _, codec := range []string{CompressionZstd, CompressionNone} {
			mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
			plain, want := writeShard(t, mem, t.TempDir(), format, codec, sizes)
			for _, depth := range []int{1, 3} {
				dir := t.TempDir()
				got, _ := writeShardPiped(t, mem, dir, format, codec, depth, sizes)
				if got != plain {
					t.Errorf("%s/%s depth %d: pipelined %+v, plain %+v", format, codec, depth, got, plain)
				}
				path := filepath.Join(dir, filepath.FromSlash(got.Path))
				var rows []row
				if format == FormatArrow {
					_, rows = readArrowFile(t, mem, path)
				} else {
					_, rows = readParquetFile(t, mem, path)
				}
				equalRows(t, rows, want)
			}
			mem.AssertSize(t, 0)
		}
	}
}

// An error on the writing goroutine comes back from a later Write or from
// Close, names the file, leaves no file behind and holds no batch.
func TestPipelinedError(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	dir := t.TempDir()
	rel := layout.ShardPath("train", 0, FormatArrow)
	w, err := NewWriterIn(dir, rel, FormatArrow, CompressionNone, testSchema(), mem)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.SetPipelined(1); err != nil {
		t.Fatal(err)
	}
	if err := w.SetPipelined(1); err == nil {
		t.Error("a second SetPipelined was accepted")
	}
	w.f.Close() // every write to the file fails from now on
	var werr error
	for b := 0; b < 40 && werr == nil; b++ {
		rec, _ := makeBatch(t, mem, b, 20000) // > the 1 MiB write buffer in all
		werr = w.Write(rec)
		rec.Release()
	}
	_, cerr := w.Close()
	if cerr == nil {
		t.Fatal("Close after failed writes returned no error")
	}
	if werr != nil && !errors.Is(cerr, os.ErrClosed) {
		t.Errorf("Close error %v does not carry the write error", cerr)
	}
	if !strings.Contains(cerr.Error(), filepath.Join(dir, filepath.FromSlash(rel))) {
		t.Errorf("error %q does not name the file", cerr)
	}
	if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(rel))); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed pipelined write left its file: %v", err)
	}
}
