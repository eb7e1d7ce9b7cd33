package barrier

import (
	"reflect"
	"strings"
	"testing"

	"github.com/sluice-ml/sluice/jobspec"
	"github.com/sluice-ml/sluice/task"
	"github.com/sluice-ml/sluice/task/rows"
)

func TestMergeScans(t *testing.T) {
	job := &jobspec.Job{}
	job.Split.By = []string{"g"}
	job.Split.Ratios = []jobspec.Ratio{{Name: "train", Value: 0.5}, {Name: "test", Value: 0.5}}
	// Two scan tasks; the groups' totals are b: 40, a: 20, c: 60.
	d := &State{Scans: []*task.ScanResult{
		{GroupCounts: task.NewKeyCounts(map[string]int64{"b": 30, "a": 20})},
		{GroupCounts: task.NewKeyCounts(map[string]int64{"c": 60, "b": 10})},
	}}
	w, err := d.MergeScans(job)
	if err != nil || w != "" {
		t.Fatalf("MergeScans = %q, %v", w, err)
	}
	if want := map[string]int32{"a": 0, "b": 1, "c": 2}; !reflect.DeepEqual(d.Groups, want) {
		t.Errorf("groups %v, want %v (sorted by key)", d.Groups, want)
	}
	if want := []int64{20, 40, 60}; !reflect.DeepEqual(d.GroupRows, want) {
		t.Errorf("group rows %v, want %v", d.GroupRows, want)
	}
	// Every group splits evenly in half: 10+20+30 rows each side.
	if want := []int64{60, 60}; !reflect.DeepEqual(d.SplitRows, want) {
		t.Errorf("split rows %v, want %v", d.SplitRows, want)
	}
	if len(d.SplitTargets) == 0 {
		t.Error("no split targets")
	}
}

func TestMergeScansAllNull(t *testing.T) {
	job := &jobspec.Job{}
	job.Split.By = []string{"g", "h"}
	job.Split.Ratios = []jobspec.Ratio{{Name: "train", Value: 1}}
	d := &State{Scans: []*task.ScanResult{{GroupCounts: task.NewKeyCounts(map[string]int64{rows.NullKey + rows.NullKey: 7})}}}
	w, err := d.MergeScans(job)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(w, "g, h is null in every row") || !strings.Contains(w, "all 7 rows") {
		t.Errorf("warning %q", w)
	}
}

func TestAddCounts(t *testing.T) {
	dst := map[string]int64{"a": 1}
	AddCounts(dst, map[string]int64{"a": 2, "b": 5})
	if want := map[string]int64{"a": 3, "b": 5}; !reflect.DeepEqual(dst, want) {
		t.Errorf("%v, want %v", dst, want)
	}
}
