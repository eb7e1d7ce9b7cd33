package engine

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/sluice-ml/sluice/engine/bind"
	"github.com/sluice-ml/sluice/exec"
	"github.com/sluice-ml/sluice/exec/cpu"
	"github.com/sluice-ml/sluice/exec/gpu"
	"github.com/sluice-ml/sluice/planner"
	"github.com/sluice-ml/sluice/scheduler"
)

const numericJob = `name: numeric
input:
  generate: {kind: citibike, rows: 20000, seed: 5, files: 3}
columns:
  age: 2020 - birth_year
features:
  tripduration: {transform: zscore, fill: median}
  bikeid: {transform: minmax}
  age: {transform: bucketize, buckets: 5, fill: mean}
  end_station_id: {transform: hash, buckets: 97}
  start_station_id: {transform: log1p}
  birth_year: {transform: clip, min: 1950, max: 2000, fill: {value: 1980}}
  gender: {transform: onehot}
keep: [trip_id]
split:
  key: trip_id
  by: usertype
  ratios: {train: 0.7, eval: 0.3}
  seed: 11
output:
  path: OUT
  shards: 3
`

// The emulated GPU engine runs RowKey, split and shard assignment, the
// split and shard window collection, the shard sort and the numeric
// transforms on the device kernels; the shards are the CPU engine's bytes.
func TestEmulatedGPUMatchesCPUBytes(t *testing.T) {
	withFilter := func(f string) string {
		return strings.Replace(numericJob, "columns:", "filter: "+f+"\ncolumns:", 1)
	}
	withAgg := func(compute string) string {
		return strings.Replace(numericJob, "output:", "aggregates:\n  stations:\n    by: [start_station_id]\n    compute: {"+compute+"}\noutput:", 1)
	}
	for name, tc := range map[string]struct {
		job                           string
		groupCount, gpuFilter, gpuAgg bool
	}{
		"by-string": {job: numericJob},
		// An int64 split.by column: GroupCount runs on the device's hash table.
		"by-int64": {job: strings.Replace(numericJob, "by: usertype", "by: start_station_id", 1), groupCount: true},
		// The filter program runs on the device (nulls, NaN and int/float
		// comparisons as on the CPU).
		"device filter": {job: withFilter("tripduration >= 300 and (bikeid < 30000 or birth_year is null) and not start_station_id = 72"), gpuFilter: true},
		// Arithmetic is outside the device program: the filter stays on
		// the CPU, with the compiler's reason.
		"host filter": {job: withFilter("tripduration * 2 > 600")},
		// Exact aggregates run on the device's hash table; the table's bytes
		// are the CPU's.
		"device aggregate": {job: withAgg("trips: count(), shortest: min(tripduration), longest: max(tripduration), bikes: sum(bikeid), known: count(birth_year)"), gpuAgg: true},
		// A mean merges floats: it stays on the CPU, with the reason.
		"host aggregate": {job: withAgg("trips: count(), mean_duration: mean(tripduration)")},
	} {
		t.Run(name, func(t *testing.T) { emulatedMatchesCPU(t, tc.job, tc.groupCount, tc.gpuFilter, tc.gpuAgg) })
	}
}

func emulatedMatchesCPU(t *testing.T, job string, wantGroupCount, wantFilter, wantAgg bool) {
	var sums, fits [2][]string
	before, shardsBefore, sortsBefore, windowsBefore, fitBefore := gpu.AggregatedBatches(), gpu.ShardAssignedBatches(), gpu.SortedBatches(), gpu.WindowBatches(), gpu.FitBatches()
	for i, eng := range []string{"cpu", "gpu-emulated"} {
		out := filepath.Join(t.TempDir(), "out")
		res, err := Run(context.Background(), parseJob(t, job, out), Options{Local: 2, Engine: eng, WorkDir: t.TempDir()})
		if err != nil {
			t.Fatalf("%s: %v", eng, err)
		}
		sums[i] = outputSums(t, out)
		// The fitted statistics, exactly (%v prints a float64's shortest
		// exact form): both engines reduce moments in the canonical order.
		for _, tr := range res.Manifest.Transforms {
			fits[i] = append(fits[i], fmt.Sprintf("%+v", tr))
		}
		if eng == "gpu-emulated" {
			onDevice := 0
			for _, p := range res.Manifest.Engine.Placement {
				if p.Engine == "gpu-emulated" {
					onDevice++
				}
			}
			for _, p := range res.Manifest.Engine.Placement {
				if (p.Operator == "Transform" || p.Operator == "FitPartial" || p.Operator == "ShardAssign" || p.Operator == "Sort" || p.Operator == "ShardWindowCollect" || p.Operator == "WindowCollect") && p.Engine != "gpu-emulated" {
					t.Errorf("%s on %s: %s", p.Operator, p.Engine, p.Reason)
				}
				if p.Operator == "GroupCount" && (p.Engine == "gpu-emulated") != wantGroupCount {
					t.Errorf("GroupCount on %s: %s", p.Engine, p.Reason)
				}
				if p.Operator == "PartialAggregate" && ((p.Engine == "gpu-emulated") != wantAgg || (!wantAgg && !strings.Contains(p.Reason, "last bits"))) {
					t.Errorf("PartialAggregate on %s (reason %q), want on the device: %v", p.Engine, p.Reason, wantAgg)
				}
				if p.Operator == "FinalAggregate" && p.Engine != "cpu" {
					t.Errorf("FinalAggregate on %s: the device has no merge kernel", p.Engine)
				}
				if p.Operator == "Filter" && ((p.Engine == "gpu-emulated") != wantFilter || (!wantFilter && !strings.Contains(p.Reason, "arithmetic"))) {
					t.Errorf("Filter on %s (reason %q), want on the device: %v", p.Engine, p.Reason, wantFilter)
				}
			}
			if onDevice < 3 {
				t.Fatalf("only %d operators placed on the emulated device: %+v", onDevice, res.Manifest.Engine.Placement)
			}
		}
	}
	if ran := gpu.AggregatedBatches() - before; (ran > 0) != wantAgg {
		t.Errorf("the device aggregated %d batches, want some: %v", ran, wantAgg)
	}
	if gpu.ShardAssignedBatches() == shardsBefore {
		t.Error("the device assigned no batch's shards")
	}
	if gpu.SortedBatches() == sortsBefore {
		t.Error("the device sorted no shard")
	}
	if gpu.WindowBatches() == windowsBefore {
		t.Error("the device collected no batch's windows")
	}
	if gpu.FitBatches() == fitBefore {
		t.Error("the device fitted no batch")
	}
	if strings.Join(fits[0], "\n") != strings.Join(fits[1], "\n") {
		t.Fatalf("gpu-emulated fitted transforms differ from cpu:\n%v\n%v", fits[0], fits[1])
	}
	if strings.Join(sums[0], "\n") != strings.Join(sums[1], "\n") {
		t.Fatalf("gpu-emulated shards differ from cpu:\n%v\n%v", sums[0], sums[1])
	}
}

// launchLog records which executor ran each stage kind's tasks.
type launchLog struct {
	scheduler.Transport
	mu  sync.Mutex
	ran map[string]map[string]int // stage kind -> executor -> tasks
}

func (l *launchLog) Launch(ctx context.Context, exec string, st scheduler.StageRun, t scheduler.Task) (any, error) {
	res, err := l.Transport.Launch(ctx, exec, st, t)
	if err == nil {
		l.mu.Lock()
		kind, _, _ := strings.Cut(st.Kind, " (") // a repeated pass counts as its stage
		if l.ran[kind] == nil {
			l.ran[kind] = map[string]int{}
		}
		l.ran[kind][exec]++
		l.mu.Unlock()
	}
	return res, err
}

// A mixed cluster (one executor pinned to the emulated GPU, the other to the
// CPU) writes the same bytes as an all-CPU run; the stages a GPU engine
// mostly runs go to the GPU executor only, the others to both.
func TestMixedEnginesSameBytes(t *testing.T) {
	ref := filepath.Join(t.TempDir(), "out")
	if _, err := Run(context.Background(), parseJob(t, numericJob, ref), Options{Local: 2, Engine: "cpu", WorkDir: t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out")
	pinned := false
	log := &launchLog{ran: map[string]map[string]int{}}
	job := parseJob(t, numericJob, out)
	_, err := Run(context.Background(), job, Options{Local: 2, Engine: "cpu", WorkDir: t.TempDir(),
		wrap: func(tr scheduler.Transport) scheduler.Transport {
			lt := tr.(*scheduler.LocalTransport)
			lt.Executor("local-0").Engine = "gpu-emulated"
			lt.Executor("local-1").Engine = "cpu"
			pinned = true
			log.Transport = tr
			return log
		}})
	if err != nil {
		t.Fatal(err)
	}
	if !pinned {
		t.Fatal("executors were not pinned")
	}
	p, err := bind.Prepare(job, []exec.Engine{cpu.Engine{}})
	if err != nil {
		t.Fatal(err)
	}
	// Fit has a device operator (its shard window collection) while its
	// statistics stay on the CPU.
	if !p.GPUStages[planner.StageShardWrite] || !p.GPUStages[planner.StageFit] {
		t.Fatalf("GPU stages %v: want shard-write (transforms, split and shard assignment, sort) and fit (shard window collection)", p.GPUStages)
	}
	t.Logf("GPU stages %v; tasks run %v", p.GPUStages, log.ran)
	cpuRan := 0
	for kind, byExec := range log.ran {
		if p.GPUStages[kind] && byExec["local-1"] > 0 {
			t.Errorf("GPU stage %s ran %d tasks on the CPU executor", kind, byExec["local-1"])
		}
		cpuRan += byExec["local-1"]
	}
	if cpuRan == 0 {
		t.Errorf("the CPU executor ran nothing: %v", log.ran)
	}
	if a, b := strings.Join(outputSums(t, ref), "\n"), strings.Join(outputSums(t, out), "\n"); a != b {
		t.Fatalf("mixed engines differ from cpu:\n%s\n%s", a, b)
	}
}
