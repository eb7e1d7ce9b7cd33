package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/sluice-ml/sluice/engine/bind"
	"github.com/sluice-ml/sluice/exec"
	"github.com/sluice-ml/sluice/exec/cpu"
	"github.com/sluice-ml/sluice/planner"
	"github.com/sluice-ml/sluice/scheduler"
)

// syncBuffer is a goroutine-safe progress sink.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// dropOnce deletes one input file of the first task of a stage kind just
// before it launches, as if the executor holding it had lost it.
type dropOnce struct {
	scheduler.Transport
	kind    string
	mu      sync.Mutex
	done    bool
	dropped string
}

func (d *dropOnce) Launch(ctx context.Context, exec string, st scheduler.StageRun, t scheduler.Task) (any, error) {
	d.mu.Lock()
	if !d.done && st.Kind == d.kind && st.Spec != nil {
		spec := st.Spec(t)
		var victim string
		if cs := spec.GetBroadcast().GetCaches(); len(cs) > 0 {
			victim = cs[len(cs)-1-t.Index%len(cs)].GetPath()
		}
		if victim != "" {
			os.Remove(victim + ".data")
			d.done, d.dropped = true, victim
		}
	}
	d.mu.Unlock()
	return d.Transport.Launch(ctx, exec, st, t)
}

func outputSums(t *testing.T, dir string) []string {
	t.Helper()
	var sums []string
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || filepath.Base(p) == "manifest.json" {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		h := sha256.Sum256(b)
		rel, _ := filepath.Rel(dir, p)
		sums = append(sums, rel+" "+hex.EncodeToString(h[:]))
		return nil
	})
	sort.Strings(sums)
	return sums
}

// A lost cache (read by fit, or by shard-write) makes the driver re-run its
// producer; the output is the same bytes as a run without failures.
func TestLineageRecoversLostOutputs(t *testing.T) {
	ref := filepath.Join(t.TempDir(), "out")
	if _, err := Run(context.Background(), parseJob(t, smallJob, ref), Options{Local: 2, WorkDir: t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	want := outputSums(t, ref)
	for _, kind := range []string{planner.StageFit, planner.StageShardWrite} {
		t.Run(kind, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			inj := &dropOnce{kind: kind}
			var prog syncBuffer
			res, err := Run(context.Background(), parseJob(t, smallJob, out), Options{Local: 2, WorkDir: t.TempDir(), Progress: &prog,
				wrap: func(tr scheduler.Transport) scheduler.Transport { inj.Transport = tr; return inj }})
			if err != nil {
				t.Fatal(err)
			}
			if !inj.done {
				t.Fatal("nothing was dropped")
			}
			recomputed := false
			for _, s := range res.Stages {
				if s.Kind == planner.StageScan+" (recompute)" {
					recomputed = true
				}
			}
			if !recomputed {
				t.Fatalf("no recompute stage after dropping %s: %+v", inj.dropped, res.Stages)
			}
			// Every stage run is told apart in the progress lines (the failed
			// run, the recompute and the retry each have their own label),
			// and each shows the plan stage's id of its kind.
			seen := map[string]bool{}
			starts := 0
			for _, m := range regexp.MustCompile(`(?m)^stage (\d+) (\S+(?: \([a-z0-9 ]+\))?): \d+ tasks$`).FindAllStringSubmatch(prog.String(), -1) {
				starts++
				if seen[m[1]+" "+m[2]] {
					t.Errorf("stage run %q shown twice:\n%s", m[0], prog.String())
				}
				seen[m[1]+" "+m[2]] = true
				n, _ := strconv.Atoi(m[1])
				kind, _, _ := strings.Cut(m[2], " ")
				if ps := planStageOf(t, kind); ps != n {
					t.Errorf("%q: the plan's %s stage is %d", m[0], kind, ps)
				}
			}
			if starts <= len(res.Stages) {
				t.Errorf("progress shows %d stage starts for %d finished stages; the failed one is missing:\n%s", starts, len(res.Stages), prog.String())
			}
			got := outputSums(t, out)
			if len(got) != len(want) {
				t.Fatalf("files %v, want %v", got, want)
			}
			for i := range got {
				if got[i] != want[i] {
					t.Errorf("%s differs from the run without failures (%s)", got[i], want[i])
				}
			}
		})
	}
}

// planStageOf is the id the plan of smallJob gives its stage of a kind.
func planStageOf(t *testing.T, kind string) int {
	t.Helper()
	p, err := bind.Prepare(parseJob(t, smallJob, t.TempDir()), []exec.Engine{cpu.Engine{}})
	if err != nil {
		t.Fatal(err)
	}
	st := p.Plan.Stage(kind)
	if st == nil {
		t.Fatalf("the plan has no %s stage", kind)
	}
	return st.ID
}
