package serving

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/engine"
	"github.com/sluice-ml/sluice/input/citibike"
	"github.com/sluice-ml/sluice/jobspec"
)

const parityRows = 12000
const paritySeed = 5

// Jobs whose transforms together cover every transform kind, fills of
// numeric and categorical features (birth_year has nulls), nulls kept by
// bucketize, and a label fill.
var parityJobs = map[string]string{
	"labelfill": `
features:
  tripduration: {transform: log1p}
  start_station_id: {transform: vocab, top_k: 40, min_count: 3}
  end_station_id: {transform: hash, buckets: 64}
  gender: {transform: onehot}
  usertype: {transform: hash, buckets: 8}
  starttime: {transform: minmax}
  bikeid: {transform: clip, min: 20000, max: 30000}
label:
  birth_year: {fill: mean}
`,
	"nullfeatures": `
features:
  birth_year: {transform: zscore, fill: median}
  bikeid: {transform: bucketize, buckets: 6}
  start_station_id: {transform: onehot, top_k: 5}
  tripduration: {transform: identity}
`,
	"bucketnull": `
features:
  birth_year: {transform: bucketize, buckets: 5}
  gender: {transform: vocab, fill: {value: Female}}
`,
	"vocabfill": `
features:
  birth_year: {transform: vocab, top_k: 20, fill: mode}
  end_station_id: {transform: hash, buckets: 16}
`,
	"derived": `
columns:
  age: 2020 - birth_year
  long: tripduration > 1200
  decade: (age - age % 10) / 10
features:
  age: {transform: zscore, fill: median}
  long: {transform: identity}
  decade: {transform: bucketize, buckets: 4}
`,
	"derivedfunctions": `
columns:
  dow: day_of_week(starttime)
  part: case when hour(starttime) < 12 then 'am' else 'pm' end
  tail: upper(substr(start_station_name, -3))
  who: concat(lower(usertype), '/', coalesce(gender, '?'))
  ave: cast(start_station_name like '%Ave%' as int64)
  days: date_diff('day', '2019-01-01', starttime)
  mins: cast(tripduration / 60 as int64)
  sub: if(starts_with(usertype, 'Sub'), 1.0, length(start_station_name) / 100)
features:
  dow: {transform: onehot}
  part: {transform: vocab}
  tail: {transform: hash, buckets: 16}
  who: {transform: onehot}
  ave: {transform: identity}
  days: {transform: minmax}
  mins: {transform: zscore}
  sub: {transform: identity}
`,
	"hashfill": `
features:
  birth_year: {transform: hash, buckets: 32, fill: {value: 1990}}
  usertype: {transform: onehot}
`,
}

func jobText(body string) string {
	return `name: parity
input:
  generate: {kind: citibike, rows: 12000, seed: 5, files: 3}
` + strings.TrimLeft(body, "\n") + `keep: [trip_id]
split:
  ratios: {train: 0.8, eval: 0.2}
  seed: 7
output:
  path: OUT
  format: arrow
  compression: lz4
  shards: 2
`
}

func runJob(t *testing.T, body string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out")
	job, err := jobspec.Parse("parity.yaml", []byte(strings.ReplaceAll(jobText(body), "OUT", out)), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := engine.Run(context.Background(), job, engine.Options{Local: 2, WorkDir: t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	return out
}

// Serving reproduces the shards' feature and label columns exactly for
// every written row (joined with the generated raw rows by trip_id).
func TestApplyReproducesShards(t *testing.T) {
	for name, body := range parityJobs {
		t.Run(name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
			defer mem.AssertSize(t, 0)
			out := runJob(t, body)
			tr, err := Load(out)
			if err != nil {
				t.Fatal(err)
			}
			raw, err := citibike.Generate(paritySeed, 0, parityRows, mem)
			if err != nil {
				t.Fatal(err)
			}
			defer raw.Release()
			served, err := tr.Apply(raw, mem)
			if err != nil {
				t.Fatal(err)
			}
			defer served.Release()
			checked := 0
			for _, s := range tr.Manifest.Splits {
				for _, sh := range s.Shards {
					checked += compareShard(t, filepath.Join(out, filepath.FromSlash(sh.Path)), served, mem)
				}
			}
			if int64(checked) != tr.Manifest.Rows.Written || checked == 0 {
				t.Fatalf("compared %d rows, the manifest wrote %d", checked, tr.Manifest.Rows.Written)
			}
		})
	}
}

// compareShard checks every row of a shard file against the served row of
// the same trip_id; returns the rows compared.
func compareShard(t *testing.T, path string, served arrow.RecordBatch, mem memory.Allocator) int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := ipc.NewFileReader(f, ipc.WithAllocator(mem))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rows := 0
	for i := 0; i < r.NumRecords(); i++ {
		rec, err := r.RecordBatch(i)
		if err != nil {
			t.Fatal(err)
		}
		trip := rec.Column(rec.Schema().FieldIndices("trip_id")[0]).(*array.Int64).Int64Values()
		for c := 0; c < int(rec.NumCols()); c++ {
			name := rec.ColumnName(c)
			if name == "trip_id" {
				continue
			}
			idx := served.Schema().FieldIndices(name)
			if len(idx) == 0 {
				t.Fatalf("%s: served rows lack column %s", path, name)
			}
			want, got := rec.Column(c), served.Column(idx[0])
			if !arrow.TypeEqual(want.DataType(), got.DataType()) {
				t.Fatalf("%s: column %s: served type %s, shard %s", path, name, got.DataType(), want.DataType())
			}
			for j, id := range trip {
				if msg := sameValue(want, j, got, int(id-1)); msg != "" {
					t.Fatalf("%s: column %s, trip_id %d: %s", path, name, id, msg)
				}
			}
		}
		rows += len(trip)
	}
	return rows
}

// sameValue compares want[i] with got[j] (bit-exact floats, equal nulls).
func sameValue(want arrow.Array, i int, got arrow.Array, j int) string {
	if want.IsNull(i) != got.IsNull(j) {
		return "null differs"
	}
	if want.IsNull(i) {
		return ""
	}
	switch w := want.(type) {
	case *array.Float32:
		a, b := w.Value(i), got.(*array.Float32).Value(j)
		if math.Float32bits(a) != math.Float32bits(b) {
			return "shard " + w.ValueStr(i) + ", served " + got.ValueStr(j)
		}
		return ""
	case *array.Float64:
		if math.Float64bits(w.Value(i)) != math.Float64bits(got.(*array.Float64).Value(j)) {
			return "shard " + w.ValueStr(i) + ", served " + got.ValueStr(j)
		}
		return ""
	}
	if want.ValueStr(i) != got.ValueStr(j) {
		return "shard " + want.ValueStr(i) + ", served " + got.ValueStr(j)
	}
	return ""
}
