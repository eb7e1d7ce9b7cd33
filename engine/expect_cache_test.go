package engine

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluice-ml/sluice/engine/bind"
	"github.com/sluice-ml/sluice/engine/runreport"
	"github.com/sluice-ml/sluice/engine/stagereuse"
	"github.com/sluice-ml/sluice/jobspec"
	"github.com/sluice-ml/sluice/planner"
	"github.com/sluice-ml/sluice/stagecache"
)

func cachedStages(res *runreport.Result) string {
	var k []string
	for _, s := range res.Stages {
		if s.Cached {
			k = append(k, s.Kind)
		}
	}
	return strings.Join(k, ",")
}

// With the stage cache the expectations are checked on every run, reused
// or not: a warm run records and warns the same, a run whose scan is
// reused but whose expect-unique entry is gone reruns that stage on the
// restored files, and a job that fails its rules fails warm too.
func TestExpectWithStageCache(t *testing.T) {
	c, err := stagecache.Open(filepath.Join(t.TempDir(), "cache"), 0)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out")
	src := strings.ReplaceAll(uniqueJob, "OUT", out)
	sets := []string{"output.overwrite=true"}
	run := func(name, wantCached string) *runreport.Result {
		t.Helper()
		res, err := expectRun(t, src, sets, Options{Local: 2, Cache: c})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := cachedStages(res); got != wantCached {
			t.Errorf("%s: cached [%s], want [%s]", name, got, wantCached)
		}
		return res
	}
	cold := run("cold", "")
	want, _ := json.Marshal(cold.Manifest.Expectations)
	check := func(name string, res *runreport.Result) {
		t.Helper()
		got, _ := json.Marshal(res.Manifest.Expectations)
		if string(got) != string(want) || strings.Join(res.Warnings, "\n") != strings.Join(cold.Warnings, "\n") {
			t.Errorf("%s: expectations or warnings differ from the cold run's:\n%s\n%s\n%q\n%q", name, got, want, res.Warnings, cold.Warnings)
		}
	}
	check("warm", run("warm", "scan,expect-unique,split-boundaries,fit,shard-write"))

	// Drop the expect-unique entry: the scan is reused, its expect files
	// are linked back, and the stage runs on them.
	job, err := jobspec.Parse("job.yaml", []byte(src), sets)
	if err != nil {
		t.Fatal(err)
	}
	opt := Options{Local: 2}
	opt.defaults()
	choice := firstNonEmpty(opt.Engine, job.Engine.Prefer)
	engines, err := Engines(choice)
	if err != nil {
		t.Fatal(err)
	}
	p, err := bind.Prepare(job, engines)
	if err != nil {
		t.Fatal(err)
	}
	bound, err := bind.Job(p, choice, opt.BatchRows)
	if err != nil {
		t.Fatal(err)
	}
	_, stamps, err := inputFingerprints(context.Background(), p.DS)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := stagereuse.Keys(p.Job, p.DS, p.Plan, bound, stamps)
	if err != nil {
		t.Fatal(err)
	}
	c.Remove(keys[p.Plan.Stage(planner.StageExpect).ID])
	check("expect-unique evicted", run("expect-unique evicted", "scan,split-boundaries,fit,shard-write"))

	// A failing job under error: cold and warm (its scan is cached by a warn
	// run first) it fails the same way and writes nothing.
	in, out2 := expectInput(t)
	csvJob := strings.NewReplacer("IN", in, "OUT", out2).Replace(expectJob)
	var msgs []string
	for _, onFail := range []string{"warn", "error", "error"} {
		_, err := expectRun(t, csvJob, []string{"expect.on_fail=" + onFail, "output.overwrite=true"}, Options{Local: 2, Cache: c})
		var xe *runreport.ExpectError
		if (onFail == "error") != errors.As(err, &xe) {
			t.Fatalf("on_fail %s: %v", onFail, err)
		}
		if xe != nil {
			msgs = append(msgs, err.Error())
		}
	}
	if msgs[0] != msgs[1] {
		t.Errorf("the warm failure differs:\n%s\n%s", msgs[1], msgs[0])
	}
}
