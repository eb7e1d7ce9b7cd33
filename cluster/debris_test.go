package cluster_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// embedded starts `driver submit --local 2` of the citibike job.
func embedded(t *testing.T, name, driverBin string, rows int, out, work string) *proc {
	abs, err := filepath.Abs("../examples/citibike.yaml")
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"submit", abs, "--local", "2", "--quiet", "--no-cache", "--work-dir", work}
	for _, s := range citibikeSets(rows, out) {
		args = append(args, "--set", s)
	}
	return start(t, name, driverBin, args...)
}

// waitGlob waits until pattern matches something other than except; it
// fails when p exits first.
func waitGlob(t *testing.T, p *proc, pattern string, except ...string) []string {
	t.Helper()
	for {
		var m []string
		all, _ := filepath.Glob(pattern)
		for _, f := range all {
			if !slices.Contains(except, f) {
				m = append(m, f)
			}
		}
		if len(m) > 0 {
			return m
		}
		select {
		case <-p.done:
			t.Fatalf("%s exited (%v) before %s appeared:\n%s", p.name, p.err, pattern, p.log.String())
		case <-time.After(2 * time.Millisecond):
		}
	}
}

// What a run killed with -9 leaves (the output's temporary directory with
// partial files, its scratch) is removed by the next run, at its start,
// while a run that is still going keeps its own; directories sluice did
// not mark are never touched.
func TestDebrisCleaned(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	driverBin, _ := buildBinaries(t)
	dir := t.TempDir()
	work, out := filepath.Join(dir, "work"), filepath.Join(dir, "out", "ds")
	const big = 1_000_000

	// A run killed mid-way.
	dead := embedded(t, "killed run", driverBin, big, out, work)
	waitGlob(t, dead, filepath.Join(work, "sluice-*", "local-*", "*", "cache-*"))
	dead.cmd.Process.Kill()
	<-dead.done
	deadTmp, _ := filepath.Glob(out + ".tmp-*")
	deadWork, _ := filepath.Glob(filepath.Join(work, "sluice-*"))
	if len(deadTmp) != 1 || len(deadWork) != 1 {
		t.Fatalf("the killed run left %v and %v, want one of each", deadTmp, deadWork)
	}
	// Look-alikes sluice did not make.
	foreign := []string{out + ".tmp-foreign", filepath.Join(work, "sluice-foreign")}
	for _, d := range foreign {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(d, "keep"), "x")
	}

	// A live run to the same output and work dir, and while it runs, a
	// second one: its start-up cleaning removes the dead run's directories
	// and not the live one's.
	live := embedded(t, "live run", driverBin, big, out, work)
	waitGlob(t, live, out+".tmp-*", append(deadTmp, foreign...)...)
	waitGlob(t, live, filepath.Join(work, "sluice-*", "local-*"), filepath.Join(deadWork[0], "local-0"), filepath.Join(deadWork[0], "local-1"))
	second := embedded(t, "second run", driverBin, 50_000, out, work)
	if code := exitCode(t, second); code != 0 {
		t.Fatalf("second run exited %d:\n%s", code, second.log.String())
	}
	select {
	case <-live.done:
		t.Fatalf("the live run ended before the second one: nothing shows its directories were kept while it ran")
	default:
	}
	if code := exitCode(t, live); code != 0 {
		t.Fatalf("the live run failed while another run cleaned up (exit %d):\n%s", code, live.log.String())
	}
	for _, d := range append(deadTmp, deadWork...) {
		if _, err := os.Stat(d); err == nil {
			t.Errorf("%s (the killed run's) is still there", d)
		}
	}
	for _, d := range foreign {
		if _, err := os.Stat(filepath.Join(d, "keep")); err != nil {
			t.Errorf("a directory sluice did not make was touched: %v", err)
		}
	}
	left, _ := filepath.Glob(out + ".tmp-*")
	lw, _ := filepath.Glob(filepath.Join(work, "sluice-*"))
	if strings.Join(left, " ") != foreign[0] || strings.Join(lw, " ") != foreign[1] {
		t.Errorf("left after the runs: %v %v", left, lw)
	}
	if _, err := os.Stat(filepath.Join(out, "manifest.json")); err != nil {
		t.Errorf("no output: %v", err)
	}
	if _, err := os.Stat(filepath.Join(out, ".sluice-owner")); err == nil {
		t.Error("the owner marker reached the output")
	}
}
