package engine

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluice-ml/sluice/exec"
	"github.com/sluice-ml/sluice/exec/cpu"
	"github.com/sluice-ml/sluice/exec/gpu"
	"github.com/sluice-ml/sluice/exec/gpu/emulator"
)

// A device out of memory gives every batch back: each kernel placed on it
// (row keys, group counts, filter, aggregates, split and shard
// assignment, window collection, the shard sort, transforms) answers exec.ErrFallback, the CPU runs that batch, the
// shards are the CPU engine's bytes, and the manifest counts the batches
// per operator.
func TestDeviceFallbackRunsOnTheCPU(t *testing.T) {
	job := strings.Replace(numericJob, "by: usertype", "by: start_station_id", 1)
	job = strings.Replace(job, "columns:", "filter: tripduration >= 300\ncolumns:", 1)
	job = strings.Replace(job, "output:", "aggregates:\n  stations:\n    by: [start_station_id]\n    compute: {trips: count()}\noutput:", 1)
	testEngines = func(choice string) ([]exec.Engine, error) {
		if choice != emulator.Name {
			return []exec.Engine{cpu.Engine{}}, nil
		}
		// 1 KiB of device memory: no kernel's buffers fit, whatever the split.
		return []exec.Engine{gpu.NewEngineOn(emulator.New(1 << 10)), cpu.Engine{}}, nil
	}
	defer func() { testEngines = nil }()
	var sums [2][]string
	for i, eng := range []string{"cpu", emulator.Name} {
		out := filepath.Join(t.TempDir(), "out")
		res, err := Run(context.Background(), parseJob(t, job, out), Options{Local: 2, Engine: eng, WorkDir: t.TempDir()})
		if err != nil {
			t.Fatalf("%s: %v", eng, err)
		}
		sums[i] = outputSums(t, out)
		fell := res.Manifest.Engine.FellBack
		if eng == "cpu" {
			if fell != nil {
				t.Errorf("cpu: fell back %v", fell)
			}
			continue
		}
		placed := map[string]bool{}
		for _, p := range res.Manifest.Engine.Placement {
			if p.Engine == emulator.Name {
				placed[p.Operator] = true
			}
		}
		for _, op := range []string{"RowKey", "GroupCount", "Filter", "PartialAggregate", "SplitAssign", "ShardAssign", "Sort", "ShardWindowCollect"} {
			if !placed[op] {
				t.Errorf("%s not placed on the device: %+v", op, res.Manifest.Engine.Placement)
			}
		}
		for _, key := range []string{"scan/RowKey", "scan/GroupCount", "scan/Filter", "scan/PartialAggregate", "fit/SplitAssign", "shard-write/SplitAssign", "shard-write/ShardAssign", "shard-write/Sort", "fit/ShardWindowCollect"} {
			if fell[key] <= 0 {
				t.Errorf("fell back %v: no batch counted for %s", fell, key)
			}
		}
		for key := range fell {
			if !placed[key[strings.Index(key, "/")+1:]] {
				t.Errorf("fell back %v: %s was not placed on the device", fell, key)
			}
		}
	}
	if strings.Join(sums[0], "\n") != strings.Join(sums[1], "\n") {
		t.Fatalf("shards after fallback differ from cpu:\n%v\n%v", sums[0], sums[1])
	}
}
