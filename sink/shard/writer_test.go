package shard

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"

	"github.com/sluice-ml/sluice/sink/layout"
)

// writeShard writes batches of the given sizes (each with its own label
// dictionary) and returns the info and the oracle rows.
func writeShard(t *testing.T, mem memory.Allocator, dir, format, codec string, sizes []int) (Info, []row) {
	t.Helper()
	return writeShardPiped(t, mem, dir, format, codec, 0, sizes)
}

// writeShardPiped is writeShard through a writer pipelined to depth (0:
// not pipelined); each batch is released as soon as Write returns.
func writeShardPiped(t *testing.T, mem memory.Allocator, dir, format, codec string, depth int, sizes []int) (Info, []row) {
	t.Helper()
	w, err := NewWriterIn(dir, layout.ShardPath("train", 0, format), format, codec, testSchema(), mem)
	if err != nil {
		t.Fatal(err)
	}
	if depth > 0 {
		if err := w.SetPipelined(depth); err != nil {
			t.Fatal(err)
		}
	}
	var want []row
	for b, n := range sizes {
		rec, rows := makeBatch(t, mem, b, n)
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
		rec.Release()
		want = append(want, rows...)
	}
	info, err := w.Close()
	if err != nil {
		t.Fatal(err)
	}
	return info, want
}

func TestShardRoundTrip(t *testing.T) {
	sizes := []int{1, 3, 200, 0, 57}
	for _, format := range []string{FormatArrow, FormatParquet} {
		for _, codec := range []string{CompressionZstd, CompressionLZ4, CompressionNone} {
			t.Run(format+"/"+codec, func(t *testing.T) {
				mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
				defer mem.AssertSize(t, 0)
				dir := t.TempDir()
				info, want := writeShard(t, mem, dir, format, codec, sizes)
				if info.Path != "train/part-00000."+format {
					t.Errorf("Path = %q", info.Path)
				}
				if info.Rows != int64(len(want)) {
					t.Errorf("Rows = %d, want %d", info.Rows, len(want))
				}
				path := filepath.Join(dir, filepath.FromSlash(info.Path))
				n, sum, err := hashFile(path)
				if err != nil {
					t.Fatal(err)
				}
				if n != info.Bytes || sum != info.SHA256 {
					t.Errorf("Info says %d bytes sha256 %s; re-read gives %d %s", info.Bytes, info.SHA256, n, sum)
				}
				var schema *arrow.Schema
				var got []row
				if format == FormatArrow {
					schema, got = readArrowFile(t, mem, path)
				} else {
					schema, got = readParquetFile(t, mem, path)
				}
				if lt := schema.Field(4).Type; lt.ID() != arrow.STRING {
					t.Errorf("label type in the file = %s, want utf8 (dictionaries are decoded)", lt)
				}
				equalRows(t, got, want)
				if ts := schema.Field(3).Type.(*arrow.TimestampType); ts.Unit != arrow.Microsecond || ts.TimeZone != "UTC" {
					t.Errorf("ts type = %s", ts)
				}
			})
		}
	}
}

func TestShardDeterministic(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	for _, format := range []string{FormatArrow, FormatParquet} {
		for _, codec := range []string{CompressionZstd, CompressionLZ4} {
			a, _ := writeShard(t, mem, t.TempDir(), format, codec, []int{10, 300, 7})
			b, _ := writeShard(t, mem, t.TempDir(), format, codec, []int{10, 300, 7})
			if a != b {
				t.Errorf("%s/%s: two writes of the same batches differ: %+v vs %+v", format, codec, a, b)
			}
			c, _ := writeShard(t, mem, t.TempDir(), format, codec, []int{10, 301, 7})
			if c.SHA256 == a.SHA256 {
				t.Errorf("%s/%s: different data gave the same sha256", format, codec)
			}
		}
	}
}

func TestParquetProperties(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	dir := t.TempDir()
	info, _ := writeShard(t, mem, dir, FormatParquet, CompressionZstd, []int{100, 100, 100})
	r, err := file.OpenParquetFile(filepath.Join(dir, info.Path), false)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.NumRowGroups() != 1 {
		t.Errorf("small batches gave %d row groups, want 1 (buffered up to %d rows)", r.NumRowGroups(), ParquetRowGroupRows)
	}
	rg := r.MetaData().RowGroup(0)
	for i, name := range []string{"f", "id", "key", "ts", "label", "flag"} {
		cc, err := rg.ColumnChunk(i)
		if err != nil {
			t.Fatal(err)
		}
		dict := slices.Contains(cc.Encodings(), parquet.Encodings.RLEDict) || slices.Contains(cc.Encodings(), parquet.Encodings.PlainDict)
		if dict != (name == "label") {
			t.Errorf("column %s: dictionary encoded = %v, encodings %v", name, dict, cc.Encodings())
		}
		if ok, err := cc.StatsSet(); err != nil || !ok {
			t.Errorf("column %s: statistics not set (%v)", name, err)
		}
		if cc.Compression() != compress.Codecs.Zstd {
			t.Errorf("column %s: compression %v", name, cc.Compression())
		}
	}
}

func TestShardWriterErrors(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	dir := t.TempDir()
	if _, err := NewWriterIn(dir, "a.arrow", "csv", "zstd", testSchema(), mem); err == nil || !strings.Contains(err.Error(), "allowed: arrow, parquet") {
		t.Errorf("bad format: %v", err)
	}
	if _, err := NewWriterIn(dir, "a.arrow", "arrow", "gzip", testSchema(), mem); err == nil || !strings.Contains(err.Error(), "allowed: zstd, lz4, none") {
		t.Errorf("bad compression: %v", err)
	}
	if _, err := NewWriterIn(dir, "../a.arrow", "arrow", "none", testSchema(), mem); err == nil {
		t.Error("a path escaping the output dir was accepted")
	}
	// Schema mismatch: the error names the file, the partial file is removed.
	w, err := NewWriterIn(dir, "train/part-00000.arrow", "arrow", "none", testSchema(), mem)
	if err != nil {
		t.Fatal(err)
	}
	other := arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int64}}, nil)
	rec, _ := makeBatch(t, mem, 0, 4)
	defer rec.Release()
	w2, err := NewWriterIn(dir, "train/part-00001.arrow", "arrow", "none", other, mem)
	if err != nil {
		t.Fatal(err)
	}
	if err := w2.Write(rec); err == nil || !strings.Contains(err.Error(), "part-00001.arrow") {
		t.Errorf("schema mismatch: %v", err)
	}
	if _, err := w2.Close(); err == nil {
		t.Error("Close after a failed Write succeeded")
	}
	if _, err := os.Stat(filepath.Join(dir, "train/part-00001.arrow")); !os.IsNotExist(err) {
		t.Errorf("partial file left behind: %v", err)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "train", ".part-00001.arrow.*")); len(m) != 0 {
		t.Errorf("the failed writer left %v", m)
	}
	// A file being written is not at its path until complete.
	if _, err := os.Stat(filepath.Join(dir, "train/part-00000.arrow")); !os.IsNotExist(err) {
		t.Errorf("the shard being written is visible at its path: %v", err)
	}
	if _, err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "train", ".*")); len(m) != 0 {
		t.Errorf("temporary files left after Close: %v", m)
	}
	// An existing file is refused.
	if _, err := NewWriterIn(dir, "train/part-00000.arrow", "arrow", "none", testSchema(), mem); err == nil {
		t.Error("existing shard file was overwritten")
	}
	if _, err := w.Close(); err == nil {
		t.Error("second Close succeeded")
	}
	// A dictionary of non-strings cannot go to an arrow file.
	bad := arrow.NewSchema([]arrow.Field{{Name: "d", Type: &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: arrow.PrimitiveTypes.Float64}}}, nil)
	if _, err := NewWriterIn(dir, "x.arrow", "arrow", "none", bad, mem); err == nil || !strings.Contains(err.Error(), `column "d"`) {
		t.Errorf("dictionary of float64: %v", err)
	}
}
