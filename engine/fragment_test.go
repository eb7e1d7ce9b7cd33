package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/sluice-ml/sluice/exec/cpu"
	"github.com/sluice-ml/sluice/exec/split"
	"github.com/sluice-ml/sluice/planner"
	pb "github.com/sluice-ml/sluice/proto"
)

// An executor runs a bound scan fragment of the current version, and
// refuses one of any other version by name, before touching its work
// directory.
func TestFragmentVersionRefused(t *testing.T) {
	job := parseJob(t, smallJob, filepath.Join(t.TempDir(), "out"))
	f, err := BindTask(job, Options{Engine: "cpu"}, "job-ok", planner.StageScan, 0)
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	ex, err := NewExecutor("e1", 1, work, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	w := NewWorker(ex)
	run := func(f *pb.StageFragment) ([]byte, error) {
		data, err := proto.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		return w.RunEncoded(context.Background(), data)
	}
	// The control: the generator cuts 30000 rows into 5 files, so task 0
	// reads rows [0, 6000).
	out, err := run(f)
	if err != nil {
		t.Fatalf("a fragment of this version failed: %v", err)
	}
	res, err := decodeResult(planner.StageScan, out)
	if err != nil {
		t.Fatal(err)
	}
	if got := res.(*scanResult).RowsRead; got != 6000 {
		t.Fatalf("task 0 read %d rows, want 6000", got)
	}
	for _, v := range []uint32{FragmentVersion + 1, 0, 1 << 20} {
		g := proto.Clone(f).(*pb.StageFragment)
		g.FormatVersion = v
		g.JobId = fmt.Sprintf("job-v%d", v)
		_, err := run(g)
		want := []string{fmt.Sprintf("version %d", v), fmt.Sprintf("version %d only", FragmentVersion)}
		if err == nil || !strings.Contains(err.Error(), want[0]) || !strings.Contains(err.Error(), want[1]) {
			t.Errorf("fragment version %d: %v, want a refusal naming %q and %q", v, err, want[0], want[1])
		}
		if _, err := os.Stat(filepath.Join(work, g.JobId)); !os.IsNotExist(err) {
			t.Errorf("fragment version %d: the refused task made its job directory (%v)", v, err)
		}
	}
}

// A broadcast and its fitted transforms cross the wire unchanged.
func TestBroadcastRoundTrip(t *testing.T) {
	lo, hi := -1.5, 2.5
	b := &Broadcast{
		Groups:    map[string]int32{"sa": 0, "sb": 1},
		Windows:   []split.Window{{Target: split.Target{Group: 1, Rank: 7, N: 9}, Lo: 3, Hi: 1 << 63}},
		SplitCuts: []byte{1, 2, 3}, ShardCuts: []byte{4},
		Fit: &fitted{
			Features: []*cpu.Fitted{
				{Transform: "clip", ClipMin: &lo, ClipMax: &hi, TrainRows: 0},
				{Transform: "onehot", Vocab: []cpu.Value{{Kind: cpu.KindString, S: "x"}, {Kind: cpu.KindInt64, I: -4}}, FillKind: "mode", Fill: &cpu.Value{Kind: cpu.KindString, S: "x"}, TrainRows: 12},
				{Transform: "zscore", Mean: 1.25, Std: 0.5, Min: -3, Max: 9, Boundaries: []float64{1, 2}, Buckets: 4, TrainRows: 5},
			},
			LabelFill:   &cpu.Value{Kind: cpu.KindFloat64, F: 0.75},
			OutputNames: [][]string{{"a"}, {"b=x", "b=-4", "b=__oov__"}, {"c"}},
		},
		Caches:   []Location{{Executor: "e1", Path: "/w/c0"}, {Executor: "e2", Path: "/w/c1"}},
		Aggs:     [][]Location{{{Executor: "e1", Path: "/w/a0"}}, {{Executor: "e2", Path: "/w/a1"}}},
		OutDir:   "/o.tmp-0123456789abcdef",
		ShardWin: true, Table: 2,
	}
	data, err := proto.Marshal(b.encode())
	if err != nil {
		t.Fatal(err)
	}
	var m pb.Broadcast
	if err := proto.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	if got := decodeBroadcast(&m); !reflect.DeepEqual(got, b) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, b)
	}
}
