package bench

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/sluice-ml/sluice/engine"
	"github.com/sluice-ml/sluice/input/citibike"
	"github.com/sluice-ml/sluice/jobspec"
)

// benchRows is the generated input of the per-stage benchmarks.
const benchRows = 200_000

var benchData struct {
	once  sync.Once
	dir   string
	bytes int64
	err   error
}

// benchInput writes the benchmark input once per test binary.
func benchInput(b *testing.B) (string, int64) {
	benchData.once.Do(func() {
		dir, err := os.MkdirTemp("", "sluice-bench-data-")
		if err != nil {
			benchData.err = err
			return
		}
		benchData.dir = dir
		if benchData.err = citibike.Write(dir, benchRows, 2, 1); benchData.err != nil {
			return
		}
		files, _ := filepath.Glob(filepath.Join(dir, "*.parquet"))
		for _, f := range files {
			st, err := os.Stat(f)
			if err != nil {
				benchData.err = err
				return
			}
			benchData.bytes += st.Size()
		}
	})
	if benchData.err != nil {
		b.Fatal(benchData.err)
	}
	return benchData.dir, benchData.bytes
}

// runJob runs one benchmark job end to end, in process, b.N times;
// b.SetBytes is the Parquet input size, so ns/op and MB/s are per job run.
func runJob(b *testing.B, name string) {
	var job Job
	for _, j := range Jobs {
		if j.Name == name {
			job = j
		}
	}
	dir, size := benchInput(b)
	work := b.TempDir()
	out := filepath.Join(work, "out")
	file := filepath.Join(work, name+".yaml")
	if err := os.WriteFile(file, []byte(job.JobFile(dir, out)), 0o644); err != nil {
		b.Fatal(err)
	}
	spec, err := jobspec.Load(file, []string{"output.overwrite=true"})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := engine.Run(context.Background(), spec, engine.Options{WorkDir: work}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkScan is a job that decodes three columns and writes one shard.
func BenchmarkScan(b *testing.B) { runJob(b, "scan") }

// BenchmarkGroupBy is a filter and one group-by table.
func BenchmarkGroupBy(b *testing.B) { runJob(b, "groupby") }

// BenchmarkSplit is the exact stratified split with one small column out.
func BenchmarkSplit(b *testing.B) { runJob(b, "split") }

// BenchmarkShuffle sends every row through the (split, shard) exchange
// into 8 shuffled shards.
func BenchmarkShuffle(b *testing.B) { runJob(b, "shuffle") }

// BenchmarkShardWrite writes every input column to 8 zstd shards.
func BenchmarkShardWrite(b *testing.B) { runJob(b, "shardwrite") }

// BenchmarkCitibike is the whole citibike reference job.
func BenchmarkCitibike(b *testing.B) { runJob(b, "citibike") }

// TestJobFilesLoad: every benchmark job file is a valid sluice job.
func TestJobFilesLoad(t *testing.T) {
	dir := t.TempDir()
	for _, j := range Jobs {
		file := filepath.Join(dir, j.Name+".yaml")
		if err := os.WriteFile(file, []byte(j.JobFile(filepath.Join(dir, "in dir"), filepath.Join(dir, "out"))), 0o644); err != nil {
			t.Fatal(err)
		}
		job, err := jobspec.Load(file, nil)
		if err != nil {
			t.Fatalf("%s: %v", j.Name, err)
		}
		if job.Input.Path != filepath.Join(dir, "in dir") || job.Output.Path != filepath.Join(dir, "out") {
			t.Fatalf("%s: input %q output %q", j.Name, job.Input.Path, job.Output.Path)
		}
		if j.Grouped != (len(job.Split.By) > 0) {
			t.Fatalf("%s: Grouped %v but split.by %v", j.Name, j.Grouped, job.Split.By)
		}
	}
}
