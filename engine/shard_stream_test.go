package engine

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluice-ml/sluice/engine/runreport"
	"github.com/sluice-ml/sluice/task"
	"github.com/sluice-ml/sluice/task/roworder"
)

// streamJob shuffles its shards, so shard-write streams them a cache
// bucket at a time; one shard per split spans all 64 cache buckets.
const streamJob = `name: stream
input:
  generate: {kind: citibike, rows: 60000, seed: 5, files: 4}
filter: tripduration < 7200
columns:
  station: start_station_name
features:
  tripduration: {transform: zscore}
  gender: {transform: onehot}
  usertype: {transform: onehot}
  start_station_id: {transform: vocab, top_k: 50}
label:
  birth_year: {fill: median}
keep: [trip_id, station]
split:
  by: start_station_name
  ratios: {train: 0.8, eval: 0.2}
  seed: 9
output:
  path: OUT
  shards: SHARDS
  shuffle: true
`

// runShards runs src and returns its shard files by path, and the result.
func runShards(t *testing.T, src string, opt Options) (map[string][]byte, *runreport.Result) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out")
	opt.WorkDir = t.TempDir()
	res, err := Run(context.Background(), parseJob(t, src, out), opt)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, s := range res.Manifest.Splits {
		for _, sh := range s.Shards {
			b, err := os.ReadFile(filepath.Join(out, sh.Path))
			if err != nil {
				t.Fatal(err)
			}
			files[sh.Path] = b
		}
	}
	left, _ := filepath.Glob(filepath.Join(opt.WorkDir, "*", "*shard-sort-*"))
	if len(left) > 0 {
		t.Errorf("spilled runs left in the work dir: %v", left)
	}
	return files, res
}

func sameShards(t *testing.T, what string, got, want map[string][]byte) {
	t.Helper()
	if len(want) == 0 || len(got) != len(want) {
		t.Fatalf("%s: %d shards, want %d", what, len(got), len(want))
	}
	for path, b := range want {
		if string(got[path]) != string(b) {
			t.Errorf("%s: %s differs (%d vs %d bytes)", what, path, len(got[path]), len(b))
		}
	}
}

// Shuffled shards written a cache bucket at a time are byte-identical to
// the whole shard sorted in memory and to the spilled sort, with chunks
// that span buckets (small chunks) and with the usual ones, on 1, 2 or 4
// executors and 1 or 3 shards.
func TestShardStreamingMatchesWholeSort(t *testing.T) {
	defer func(s bool, c int) { task.ShardStreaming, task.ShardChunkRows = s, c }(task.ShardStreaming, task.ShardChunkRows)
	for _, shards := range []string{"1", "3"} {
		src := strings.Replace(streamJob, "SHARDS", shards, 1)
		for _, chunk := range []int{1000, 256 << 10} {
			task.ShardChunkRows = chunk
			task.ShardStreaming = false
			want, _ := runShards(t, src, Options{Local: 1})
			before := roworder.Runs.Load()
			spilled, _ := runShards(t, src, Options{Local: 1, MemoryPerExec: 100 << 10})
			if roworder.Runs.Load() == before {
				t.Fatal("the small budget did not make the whole-shard sort spill")
			}
			sameShards(t, "spilled sort", spilled, want)
			task.ShardStreaming = true
			// A small budget: the streamed shard holds a bucket and never
			// spills.
			before = roworder.Runs.Load()
			small, _ := runShards(t, src, Options{Local: 1, MemoryPerExec: 100 << 10})
			if roworder.Runs.Load() != before {
				t.Fatal("the streamed shard spilled its sort")
			}
			sameShards(t, "streamed, small budget", small, want)
			for _, local := range []int{1, 2, 4} {
				before := roworder.Runs.Load()
				got, _ := runShards(t, src, Options{Local: local})
				if roworder.Runs.Load() != before {
					t.Fatal("the streamed shard spilled its sort")
				}
				sameShards(t, "streamed shards="+shards+" local="+string(rune('0'+local)), got, want)
			}
		}
	}
}
