package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/sluice-ml/sluice/engine"
	"github.com/sluice-ml/sluice/engine/runreport"
	"github.com/sluice-ml/sluice/jobspec"
	"github.com/sluice-ml/sluice/sink"
	"github.com/sluice-ml/sluice/stagecache"
)

// cacheJob has every stage kind: scan, an aggregate table, split
// boundaries, fit (zscore, vocab) and shard-write.
const cacheJob = `name: cache
input:
  generate: {kind: citibike, rows: 20000, seed: 3, files: 3}
filter: tripduration >= 60 and tripduration < 86400
columns:
  age: 2020 - birth_year
features:
  tripduration: {transform: zscore, fill: median}
  start_station_id: {transform: vocab, top_k: 50, min_count: 2}
  age: {transform: minmax, fill: mean}
  gender: {transform: onehot}
label:
  birth_year: {fill: drop}
keep: [trip_id]
slices: {columns: [gender], top: 2}
split:
  by: start_station_name
  ratios: {train: 0.8, eval: 0.2}
  seed: 42
aggregates:
  stations:
    by: [start_station_id]
    compute: {trips: count(), mean_duration: mean(tripduration)}
output:
  path: out
  format: arrow
  compression: zstd
  shards: 2
`

// cacheRun runs cacheJob with sets into root/name (through root/out, so
// that every run's manifest names the same output path) and returns the
// output's digest and the result.
func cacheRun(t *testing.T, root, name string, sets []string, c *stagecache.Cache) (map[string]string, *runreport.Result) {
	t.Helper()
	return cacheRunOn(t, "", root, name, sets, c)
}

// cacheRunOn is cacheRun on an --engine choice.
func cacheRunOn(t *testing.T, choice, root, name string, sets []string, c *stagecache.Cache) (map[string]string, *runreport.Result) {
	t.Helper()
	job, err := jobspec.Parse("job.yaml", []byte(cacheJob), append([]string{"output.path=" + filepath.Join(root, "out")}, sets...))
	if err != nil {
		t.Fatal(err)
	}
	res, err := engine.Run(context.Background(), job, engine.Options{Local: 2, WorkDir: t.TempDir(), Cache: c, Engine: choice})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	dir := filepath.Join(root, name)
	if err := os.Rename(filepath.Join(root, "out"), dir); err != nil {
		t.Fatal(err)
	}
	return dirDigest(t, dir), res
}

func sameDigest(t *testing.T, name string, got, want map[string]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d files, the --no-cache run wrote %d", name, len(got), len(want))
	}
	for p, s := range want {
		if got[p] != s {
			t.Errorf("%s: %s: sha256 %.12s, the --no-cache run wrote %.12s", name, p, got[p], s)
		}
	}
}

// cachedKinds lists the stages a run restored, "kind" each, in order.
func cachedKinds(res *runreport.Result) string {
	var out []string
	for _, s := range res.Stages {
		if s.Cached {
			out = append(out, s.Kind)
		}
	}
	return strings.Join(out, ",")
}

// TestStageCacheOutputEqualsNoCache: cold, warm and changed runs with the
// cache write the bytes of a run without it, and reuse exactly the stages
// the change leaves alone.
func TestStageCacheOutputEqualsNoCache(t *testing.T) {
	root := t.TempDir()
	c, err := stagecache.Open(filepath.Join(root, "cache"), 0)
	if err != nil {
		t.Fatal(err)
	}
	all := "scan,aggregate,split-boundaries,fit,shard-write"
	for _, step := range []struct {
		name   string
		sets   []string
		reused string
	}{
		{"cold", nil, ""},
		{"warm", nil, all},
		{"minmax", []string{"features.tripduration.transform=minmax"}, "scan,aggregate,split-boundaries"},
		{"minmax-warm", []string{"features.tripduration.transform=minmax"}, all},
		{"ratios", []string{"split.ratios.train=0.7", "split.ratios.eval=0.3"}, "scan,aggregate"},
		// The aggregate table is written in the output's compression; the
		// fit stage does not depend on it.
		{"compression", []string{"output.compression=lz4"}, "scan,split-boundaries,fit"},
		// The fit stage also finds the shard boundaries, which follow the
		// shuffle order: it reruns.
		{"shuffle", []string{"output.shuffle=false"}, "scan,aggregate,split-boundaries"},
		// Slices are the shard-write stage's: it reruns, report.html too.
		{"slices-top", []string{"slices.top=1"}, "scan,aggregate,split-boundaries,fit"},
		{"slices-top-warm", []string{"slices.top=1"}, all},
		{"filter", []string{"filter=tripduration >= 120"}, ""},
		{"column", []string{"columns.age=2021 - birth_year"}, ""},
	} {
		want, _ := cacheRun(t, root, step.name+"-nocache", step.sets, nil)
		got, res := cacheRun(t, root, step.name, step.sets, c)
		sameDigest(t, step.name, got, want)
		if k := cachedKinds(res); k != step.reused {
			t.Errorf("%s: reused [%s], want [%s]", step.name, k, step.reused)
		}
		if step.reused != "" && (res.Manifest.Run == nil || strings.Join(res.Manifest.Run.Reused, ",") != step.reused) {
			t.Errorf("%s: manifest run %+v, want reused [%s]", step.name, res.Manifest.Run, step.reused)
		}
	}
}

// TestStageCacheDamagedEntry: a changed byte in a cached shard is a miss
// with a warning, never wrong output.
func TestStageCacheDamagedEntry(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "cache")
	c, _ := stagecache.Open(dir, 0)
	want, _ := cacheRun(t, root, "nocache", nil, nil)
	cacheRun(t, root, "cold", nil, c)
	// Damage every stored shard file (f-s<split>-<shard>) of the
	// shard-write entry, keeping its size.
	shards, _ := filepath.Glob(filepath.Join(dir, "v1", "entries", "*", "f-s*"))
	if len(shards) != 4 {
		t.Fatalf("stored shard files: %v", shards)
	}
	for _, p := range shards {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		b[len(b)/2] ^= 0xff
		os.Remove(p) // the entry's file may be a link to the cold output: replace, don't write through
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, res := cacheRun(t, root, "damaged", nil, c)
	sameDigest(t, "damaged", got, want)
	if k := cachedKinds(res); k != "scan,aggregate,split-boundaries,fit" {
		t.Errorf("reused [%s] with a damaged shard-write entry", k)
	}
	if !strings.Contains(strings.Join(res.Warnings, "\n"), "damaged") {
		t.Errorf("no warning about the damaged entry: %q", res.Warnings)
	}
	// The rerun stored a good entry again.
	got, res = cacheRun(t, root, "after", nil, c)
	sameDigest(t, "after", got, want)
	if k := cachedKinds(res); k != "scan,aggregate,split-boundaries,fit,shard-write" {
		t.Errorf("after the repair: reused [%s]", k)
	}
}

// TestStageCacheConcurrentRuns: runs sharing a cache directory at the same
// time, cold and warm, all write the --no-cache bytes.
func TestStageCacheConcurrentRuns(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "cache")
	want, _ := cacheRun(t, root, "nocache", nil, nil)
	stripSets := func(d map[string]string, out string) map[string]string {
		b, err := os.ReadFile(filepath.Join(out, "manifest.json"))
		if err != nil {
			t.Fatal(err)
		}
		m, err := sink.ParseManifest("manifest.json", b)
		if err != nil {
			t.Fatal(err)
		}
		m.Run, m.Job.Sets = nil, nil
		b, _ = sink.MarshalManifest(m)
		d["manifest.json"] = fmt.Sprintf("%x", b)
		return d
	}
	wantM := stripSets(want, filepath.Join(root, "nocache"))
	for round := 0; round < 2; round++ { // cold, then warm
		var wg sync.WaitGroup
		for i := 0; i < 3; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, err := stagecache.Open(dir, 0)
				if err != nil {
					t.Error(err)
					return
				}
				out := filepath.Join(root, fmt.Sprintf("r%d-%d", round, i))
				job, err := jobspec.Parse("job.yaml", []byte(cacheJob), []string{"output.path=" + out})
				if err != nil {
					t.Error(err)
					return
				}
				if _, err := engine.Run(context.Background(), job, engine.Options{Local: 2, WorkDir: t.TempDir(), Cache: c}); err != nil {
					t.Error(err)
					return
				}
				sameDigest(t, out, stripSets(dirDigest(t, out), out), wantM)
			}()
		}
		wg.Wait()
	}
}

// TestStageCacheEmulatedGPU: on the emulated GPU engine too, warm and
// changed runs write a --no-cache run's bytes (the manifest's placement and
// fallback counts included).
func TestStageCacheEmulatedGPU(t *testing.T) {
	root := t.TempDir()
	c, _ := stagecache.Open(filepath.Join(root, "cache"), 0)
	want, _ := cacheRunOn(t, "gpu-emulated", root, "nocache", nil, nil)
	got, _ := cacheRunOn(t, "gpu-emulated", root, "cold", nil, c)
	sameDigest(t, "cold", got, want)
	got, res := cacheRunOn(t, "gpu-emulated", root, "warm", nil, c)
	sameDigest(t, "warm", got, want)
	if k := cachedKinds(res); k != "scan,aggregate,split-boundaries,fit,shard-write" {
		t.Errorf("warm: reused [%s]", k)
	}
	// The CPU engine's run of the same job does not take the GPU's entries.
	_, res = cacheRun(t, root, "cpu", nil, c)
	if k := cachedKinds(res); k != "" {
		t.Errorf("the cpu run reused [%s] from the gpu-emulated runs", k)
	}
}
