package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/sluice-ml/sluice/engine"
	"github.com/sluice-ml/sluice/sink"
)

// fixtureRoot holds the outputs shared by several tests (each job runs once
// per `go test` process); TestMain removes it.
var fixtureRoot string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "sluice-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fixtureRoot = dir
	// Runs through the command line use no stage cache unless a test names
	// one: every run computes its output.
	os.Setenv("SLUICE_CACHE", "off")
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type sharedRun struct {
	once sync.Once
	dir  string
	m    *sink.Manifest
	err  error
}

var (
	sharedMu   sync.Mutex
	sharedRuns = map[string]*sharedRun{}
)

// cachedJob runs a job once per test process under the name key and
// returns its output directory and manifest to every caller.
func cachedJob(t testing.TB, key, yaml string, sets []string, opt engine.Options) (string, *sink.Manifest) {
	t.Helper()
	sharedMu.Lock()
	r := sharedRuns[key]
	if r == nil {
		r = &sharedRun{}
		sharedRuns[key] = r
	}
	sharedMu.Unlock()
	r.once.Do(func() {
		root := filepath.Join(fixtureRoot, key)
		if r.err = os.MkdirAll(root, 0o755); r.err != nil {
			return
		}
		r.dir, r.m, r.err = runJobErr(root, yaml, sets, opt)
	})
	if r.err != nil {
		t.Fatalf("job %s: %v", key, r.err)
	}
	return r.dir, r.m
}

// Main job: every feature kind with a fitted statistic, a stratified split,
// two aggregate tables. split.seed 46 puts the latest starttime of the kept
// rows in eval, so the train max of starttime differs from the all-rows max
// (TestNoLeakage asserts it; most seeds keep both extremes in train). Shared by the conservation, split, leakage,
// aggregate and shard tests.
const (
	mainRows  = 120_000
	mainSeed  = 11
	mainFiles = 4
)

const mainJob = `name: e2e-main
input:
  generate: {kind: citibike, rows: 120000, seed: 11, files: 4}
filter: tripduration >= 120 and tripduration < 20000
columns:
  age: 2020 - birth_year
  bike: bikeid + 0
features:
  tripduration: {transform: zscore}
  age: {transform: zscore, fill: median}
  bikeid: {transform: minmax}
  starttime: {transform: minmax}
  start_station_id: {transform: vocab, top_k: 300, min_count: 5}
  bike: {transform: vocab, min_count: 8}
  end_station_id: {transform: bucketize, buckets: 8}
  gender: {transform: onehot}
  usertype: {transform: onehot}
label:
  birth_year: {fill: drop}
keep: [trip_id, start_station_name]
slices: [gender, start_station_name]
split:
  by: start_station_name
  ratios: {train: 0.9, eval: 0.1}
  seed: 46
aggregates:
  stations:
    by: [start_station_id]
    compute: {trips: count(), mean_duration: mean(tripduration), std_duration: std(tripduration), births: count(birth_year), min_duration: min(tripduration), max_duration: max(tripduration), sum_duration: sum(tripduration), bikes: count_distinct(bikeid)}
  riders:
    by: [usertype, gender]
    compute: {trips: count(), mean_age: mean(age), var_age: var(age)}
output:
  format: arrow
  compression: zstd
  shards: 7
`

// mainFilter is the oracle of the main job's filter.
func mainFilter(r *rawRow) bool { return r.Duration >= 120 && r.Duration < 20000 }

// mainFixture is the main job's output, its shards and the raw rows.
type mainFixture struct {
	dir    string
	m      *sink.Manifest
	tables map[string][]*table
	raw    []rawRow
	byID   map[int64]*rawRow
}

var (
	mainOnce sync.Once
	mainFix  *mainFixture
)

func loadMain(t testing.TB) *mainFixture {
	t.Helper()
	dir, m := cachedJob(t, "main", mainJob, nil, engine.Options{Local: 2})
	mainOnce.Do(func() {
		raw := rawRows(t, mainSeed, mainRows)
		mainFix = &mainFixture{dir: dir, m: m, tables: splitTables(t, dir, m), raw: raw, byID: byTripID(raw)}
	})
	if mainFix == nil {
		t.Fatal("main fixture failed to load in an earlier test")
	}
	return mainFix
}

// kept returns the raw rows that pass the main filter and have a label.
func (f *mainFixture) kept() []*rawRow {
	var out []*rawRow
	for i := range f.raw {
		r := &f.raw[i]
		if mainFilter(r) && r.BirthOK {
			out = append(out, r)
		}
	}
	return out
}
