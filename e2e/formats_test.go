package e2e

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"testing"

	"github.com/sluice-ml/sluice/engine"
	"github.com/sluice-ml/sluice/sink"
)

// formatJob has float32, int32, int64 and string output columns (and a
// nullable float64 aggregate) for the format round trips.
const formatJob = `name: e2e-formats
input:
  generate: {kind: citibike, rows: 40000, seed: 21, files: 2}
columns:
  age: 2020 - birth_year
features:
  tripduration: {transform: log1p}
  age: {transform: zscore}
  start_station_id: {transform: vocab, top_k: 100}
  end_station_id: {transform: hash, buckets: 64}
  gender: {transform: onehot}
label:
  bikeid: {fill: none}
keep: [trip_id, start_station_name, usertype]
split:
  ratios: {train: 0.75, eval: 0.25}
  seed: 4
aggregates:
  genders:
    by: [gender]
    compute: {trips: count(), mean_age: mean(age), std_age: std(age)}
output:
  format: arrow
  compression: zstd
  shards: 2
`

// formatCase is one output format and compression.
type formatCase struct{ format, compression string }

var formatCases = []formatCase{{"arrow", "zstd"}, {"arrow", "lz4"}, {"arrow", "none"}, {"parquet", "zstd"}}

// formatRun runs formatJob in one format (once per test process).
func formatRun(t *testing.T, c formatCase) (string, *sink.Manifest) {
	t.Helper()
	return cachedJob(t, "fmt-"+c.format+"-"+c.compression, formatJob,
		[]string{"output.format=" + c.format, "output.compression=" + c.compression}, engine.Options{Local: 2})
}

// outputFiles lists the shard and aggregate files of a manifest (relative paths).
func outputFiles(m *sink.Manifest) []string {
	var out []string
	for _, s := range m.Splits {
		for _, sh := range s.Shards {
			out = append(out, sh.Path)
		}
	}
	for _, a := range m.Aggregates {
		out = append(out, a.Path)
	}
	return out
}

// TestOutputFormats: Arrow IPC with zstd, lz4 and no compression and
// Parquet with zstd read back with arrow-go's readers hold the same rows
// and values, file for file.
func TestOutputFormats(t *testing.T) {
	refDir, refM := formatRun(t, formatCases[0])
	refFiles := outputFiles(refM)
	ref := map[string]*table{}
	var refBytes int64
	for _, p := range refFiles {
		ref[p] = readTable(t, filepath.Join(refDir, p))
	}
	for _, sh := range refM.Splits[0].Shards {
		refBytes += sh.Bytes
	}
	if ref[refFiles[0]].Rows == 0 {
		t.Fatal("first shard is empty")
	}
	for _, c := range formatCases[1:] {
		dir, m := formatRun(t, c)
		if m.Output.Format != c.format || m.Output.Compression != c.compression {
			t.Fatalf("%v: manifest output %+v", c, m.Output)
		}
		files := outputFiles(m)
		if len(files) != len(refFiles) {
			t.Fatalf("%v: %d files, arrow/zstd wrote %d", c, len(files), len(refFiles))
		}
		var bytes int64
		for _, sh := range m.Splits[0].Shards {
			bytes += sh.Bytes
		}
		if c.compression == "none" && bytes <= refBytes {
			t.Fatalf("uncompressed train shards take %d bytes, zstd ones %d: compression had no effect", bytes, refBytes)
		}
		for i, p := range files {
			want := ref[refFiles[i]]
			ext := ".arrow"
			if c.format == "parquet" {
				ext = ".parquet"
			}
			if filepath.Ext(p) != ext || p[:len(p)-len(ext)] != refFiles[i][:len(refFiles[i])-len(".arrow")] {
				t.Fatalf("%v: file %d is %s, arrow/zstd wrote %s", c, i, p, refFiles[i])
			}
			got := readTable(t, filepath.Join(dir, p))
			if err := sameTable(got, want); err != nil {
				t.Fatalf("%v: %s: %v", c, p, err)
			}
		}
	}
}

// sameTable reports the first difference between two tables: column
// names, row counts, then every value (floats bit for bit) and null.
func sameTable(a, b *table) error {
	if !slices.Equal(a.Names, b.Names) {
		return fmt.Errorf("columns %v vs %v", a.Names, b.Names)
	}
	if a.Rows != b.Rows {
		return fmt.Errorf("%d rows vs %d", a.Rows, b.Rows)
	}
	for _, name := range a.Names {
		x, y := a.Cols[name], b.Cols[name]
		if !arrowTypeEqual(x, y) {
			return fmt.Errorf("column %s: type %s vs %s", name, x.Type, y.Type)
		}
		for i := 0; i < a.Rows; i++ {
			if x.Valid[i] != y.Valid[i] {
				return fmt.Errorf("column %s row %d: valid %v vs %v", name, i, x.Valid[i], y.Valid[i])
			}
			if !x.Valid[i] {
				continue
			}
			same := true
			switch {
			case x.F32 != nil:
				same = math.Float32bits(x.F32[i]) == math.Float32bits(y.F32[i])
			case x.F64 != nil:
				same = math.Float64bits(x.F64[i]) == math.Float64bits(y.F64[i])
			case x.I64 != nil:
				same = x.I64[i] == y.I64[i]
			default:
				same = x.S[i] == y.S[i]
			}
			if !same {
				return fmt.Errorf("column %s row %d differs", name, i)
			}
		}
	}
	return nil
}

// arrowTypeEqual compares the value kinds of two columns (utf8 and
// large_utf8 count as one; so do the widened int32/int64 only when the
// Arrow types match).
func arrowTypeEqual(x, y *column) bool {
	if x.S != nil && y.S != nil {
		return true
	}
	return x.Type.ID() == y.Type.ID()
}
