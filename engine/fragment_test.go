package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/sluice-ml/sluice/planner"
	pb "github.com/sluice-ml/sluice/proto"
	"github.com/sluice-ml/sluice/task"
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
	ex, err := task.NewExecutor("e1", 1, work, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	w := task.NewWorker(ex)
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
	res, err := task.DecodeResult(planner.StageScan, out)
	if err != nil {
		t.Fatal(err)
	}
	if got := res.(*task.ScanResult).RowsRead; got != 6000 {
		t.Fatalf("task 0 read %d rows, want 6000", got)
	}
	for _, v := range []uint32{task.FragmentVersion + 1, 0, 1 << 20} {
		g := proto.Clone(f).(*pb.StageFragment)
		g.FormatVersion = v
		g.JobId = fmt.Sprintf("job-v%d", v)
		_, err := run(g)
		want := []string{fmt.Sprintf("version %d", v), fmt.Sprintf("version %d only", task.FragmentVersion)}
		if err == nil || !strings.Contains(err.Error(), want[0]) || !strings.Contains(err.Error(), want[1]) {
			t.Errorf("fragment version %d: %v, want a refusal naming %q and %q", v, err, want[0], want[1])
		}
		if _, err := os.Stat(filepath.Join(work, g.JobId)); !os.IsNotExist(err) {
			t.Errorf("fragment version %d: the refused task made its job directory (%v)", v, err)
		}
	}
}
