package serving

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/input/citibike"
	"github.com/sluice-ml/sluice/sink"
)

// fuzzJob covers every transform kind, fills, a label fill and derived
// columns in one small output.
const fuzzJob = `
columns:
  age: 2020 - birth_year
  decade: (age - age % 10) / 10
features:
  tripduration: {transform: log1p}
  start_station_id: {transform: vocab, top_k: 10, min_count: 2}
  end_station_id: {transform: hash, buckets: 16}
  gender: {transform: onehot}
  usertype: {transform: vocab, fill: mode}
  starttime: {transform: minmax}
  bikeid: {transform: clip, min: 20000, max: 30000}
  age: {transform: zscore, fill: median}
  decade: {transform: bucketize, buckets: 4}
label:
  birth_year: {fill: mean}
`

var fuzzManifest struct {
	once sync.Once
	data []byte
}

// seedManifest runs fuzzJob once per test binary and returns its manifest.
func seedManifest(t *testing.T) []byte {
	fuzzManifest.once.Do(func() {
		out := runJob(t, fuzzJob)
		fuzzManifest.data, _ = os.ReadFile(filepath.Join(out, "manifest.json"))
	})
	if fuzzManifest.data == nil {
		t.Fatal("no seed manifest")
	}
	return fuzzManifest.data
}

// FuzzTransformer builds a Transformer from arbitrary manifest bytes (the
// empty input stands for a real job's manifest; the seeds are edits of
// it) and applies it to generated raw rows. New must either fail with an
// error or give a Transformer whose Apply either fails or returns valid
// Arrow columns, one row per raw row, named as the manifest's schema
// says; no panic, no Arrow memory left behind.
func FuzzTransformer(f *testing.F) {
	f.Add([]byte{})
	for _, edit := range [][2]string{
		{`"buckets": 16`, `"buckets": 0`},
		{`"buckets": 16`, `"buckets": -3`},
		{`"boundaries": [`, `"boundaries": [1e308, -1, `},
		{`"vocab": [`, `"vocab": [null, 1.5, `},
		{`"std": `, `"std": -0`},
		{`"transform": "onehot"`, `"transform": "vocab"`},
		{`"role": "label"`, `"role": "feature"`},
	} {
		f.Add([]byte(edit[0] + "\x00" + edit[1]))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		seed := seedManifest(t)
		if len(data) == 0 {
			data = seed
		} else if from, to, ok := strings.Cut(string(data), "\x00"); ok && strings.Contains(string(seed), from) {
			data = []byte(strings.Replace(string(seed), from, to, 1))
		}
		name := filepath.Join(dir, "manifest.json")
		m, err := sink.ParseManifest(name, data)
		if err != nil {
			return
		}
		tr, err := New(m)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "serving: ") {
				t.Fatalf("New's error is not a serving error: %v", err)
			}
			return
		}
		mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
		defer mem.AssertSize(t, 0)
		raw, err := citibike.Generate(paritySeed, 0, 300, mem)
		if err != nil {
			t.Fatal(err)
		}
		defer raw.Release()
		out, err := tr.Apply(raw, mem)
		if err != nil {
			return
		}
		defer out.Release()
		if out.NumRows() != raw.NumRows() {
			t.Fatalf("Apply returned %d rows for %d", out.NumRows(), raw.NumRows())
		}
		if err := array.ValidateRecordFull(out); err != nil {
			t.Fatalf("Apply returned invalid columns: %v", err)
		}
		order := map[string]bool{}
		for _, c := range m.Schema {
			order[c.Name] = true
		}
		for _, fl := range out.Schema().Fields() {
			if !order[fl.Name] {
				t.Fatalf("Apply returned column %q, which the manifest's schema does not list", fl.Name)
			}
		}
	})
}
