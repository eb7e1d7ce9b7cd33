package engine

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluice-ml/sluice/jobspec"
	"github.com/sluice-ml/sluice/sink"
	"github.com/sluice-ml/sluice/task/aggpartial"
	"github.com/sluice-ml/sluice/task/roworder"
)

const smallJob = `name: small
input:
  generate: {kind: citibike, rows: 30000, seed: 3, files: 5}
filter: tripduration < 7200
features:
  tripduration: {transform: log1p}
  gender: {transform: onehot}
  start_station_id: {transform: vocab, top_k: 50}
label:
  birth_year: {fill: median}
keep: [trip_id]
split:
  by: usertype
  ratios: {train: 0.8, eval: 0.2}
  seed: 9
aggregates:
  by_gender:
    by: gender
    compute: {n: count(), d: mean(tripduration)}
output:
  path: OUT
  shards: 3
`

func parseJob(t *testing.T, src, out string) *jobspec.Job {
	t.Helper()
	job, err := jobspec.Parse("small.yaml", []byte(strings.ReplaceAll(src, "OUT", out)), nil)
	if err != nil {
		t.Fatal(err)
	}
	return job
}

// The whole pipeline runs on several executors concurrently (run with
// -race) and commits a verifiable output whose counts add up.
func TestRunCommitsVerifiableOutput(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	res, err := Run(context.Background(), parseJob(t, smallJob, out), Options{Local: 3, Slots: 2, WorkDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if err := sink.Verify(out); err != nil {
		t.Fatal(err)
	}
	m := res.Manifest
	if m.Rows.Read != 30000 || m.Rows.Read != m.Rows.Filtered+m.Rows.Dropped+m.Rows.Written {
		t.Fatalf("rows do not add up: %+v", m.Rows)
	}
	var sum int64
	for _, s := range m.Splits {
		sum += s.Rows
		lo, hi := s.Shards[0].Rows, s.Shards[0].Rows
		for _, sh := range s.Shards {
			lo, hi = min(lo, sh.Rows), max(hi, sh.Rows)
		}
		if hi-lo > 1 {
			t.Errorf("split %s shards %d..%d rows", s.Name, lo, hi)
		}
	}
	if sum != m.Rows.Written {
		t.Fatalf("splits hold %d rows, written %d", sum, m.Rows.Written)
	}
	if len(m.Aggregates) != 1 || m.Aggregates[0].Rows != 3 {
		t.Fatalf("aggregates %+v", m.Aggregates)
	}
}

// A job that fails while running leaves no output and no temp directory.
func TestFailedRunLeavesNothing(t *testing.T) {
	parent := t.TempDir()
	out := filepath.Join(parent, "out")
	// fill: mean on a label that is always null has no train value to fit.
	src := strings.Replace(smallJob, "birth_year: {fill: median}", "birth_year: {fill: mean}", 1)
	src = strings.Replace(src, "filter: tripduration < 7200", "filter: tripduration < 7200 and birth_year is null", 1)
	_, err := Run(context.Background(), parseJob(t, src, out), Options{Local: 2, WorkDir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "birth_year") {
		t.Fatalf("want a fit error naming birth_year, got %v", err)
	}
	ents, _ := os.ReadDir(parent)
	if len(ents) != 0 {
		t.Fatalf("left behind: %v", ents)
	}
}

// An aggregate with one group per row spills its partial states through the
// exchange when the hash table outgrows the budget; the table is the same.
func TestAggregateSpillsUnderBudget(t *testing.T) {
	src := strings.Replace(smallJob, "    by: gender\n    compute: {n: count(), d: mean(tripduration)}",
		"    by: trip_id\n    compute: {n: count(), d: mean(tripduration), s: sum(bikeid)}", 1)
	var tables [2][]byte
	before := aggpartial.Spills.Load()
	defer func(v int64) { aggpartial.SpillBytes = v }(aggpartial.SpillBytes)
	for i, limit := range []int64{256 << 20, 16 << 10} {
		aggpartial.SpillBytes = limit
		out := filepath.Join(t.TempDir(), "out")
		res, err := Run(context.Background(), parseJob(t, src, out), Options{Local: 2, WorkDir: t.TempDir()})
		if err != nil {
			t.Fatalf("limit %d: %v", limit, err)
		}
		if got := res.Manifest.Aggregates[0].Rows; got != res.Manifest.Rows.Read-res.Manifest.Rows.Filtered {
			t.Fatalf("limit %d: %d groups, want one per filtered row (%d)", limit, got, res.Manifest.Rows.Read-res.Manifest.Rows.Filtered)
		}
		b, err := os.ReadFile(filepath.Join(out, res.Manifest.Aggregates[0].Path))
		if err != nil {
			t.Fatal(err)
		}
		tables[i] = b
	}
	if aggpartial.Spills.Load() == before {
		t.Fatal("the small budget did not make the partial aggregation spill")
	}
	if string(tables[0]) != string(tables[1]) {
		t.Fatal("the spilled aggregate differs from the in-memory one")
	}
}

// A shard whose sort keys do not fit the executor's budget spills them as
// sorted runs and merges them: the output is byte-identical to the run
// with the default budget, and the runs are gone afterwards. (Unshuffled
// shards sort whole; shuffled ones stream a cache bucket at a time.)
func TestShardOverBudgetSpills(t *testing.T) {
	src := strings.Replace(smallJob, "  shards: 3\n", "  shards: 3\n  shuffle: false\n", 1)
	run := func(mem int64) (map[string][]byte, string) {
		t.Helper()
		out := filepath.Join(t.TempDir(), "out")
		work := t.TempDir()
		// 30000 rows in 3 shards: ~9000 rows a shard need ~250 KB of sort
		// state; 100 KB per executor cannot hold it.
		res, err := Run(context.Background(), parseJob(t, src, out), Options{Local: 1, MemoryPerExec: mem, WorkDir: work})
		if err != nil {
			t.Fatalf("memory %d: %v", mem, err)
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
		return files, work
	}
	want, _ := run(0)
	before := roworder.Runs.Load()
	got, work := run(100 << 10)
	if roworder.Runs.Load() == before {
		t.Fatal("the small budget did not make the shard sort spill")
	}
	if len(want) == 0 || len(got) != len(want) {
		t.Fatalf("%d shards with the small budget, %d with the default", len(got), len(want))
	}
	for path, b := range want {
		if string(got[path]) != string(b) {
			t.Errorf("%s differs from the default budget's (%d vs %d bytes)", path, len(got[path]), len(b))
		}
	}
	left, _ := filepath.Glob(filepath.Join(work, "*", "*shard-sort-*"))
	left2, _ := filepath.Glob(filepath.Join(work, "*", "*", "*shard-sort-*"))
	if n := len(left) + len(left2); n > 0 {
		t.Errorf("%d spilled runs left in the work dir: %v %v", n, left, left2)
	}
}
