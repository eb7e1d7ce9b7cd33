package planner

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-ml/sluice/exec"
)

// refusingEngine supports nothing.
type refusingEngine struct{}

func (refusingEngine) Name() string { return "none" }
func (refusingEngine) Supports(op exec.OpKind, _ []arrow.DataType) exec.Support {
	return exec.Support{Reason: "refuses " + string(op)}
}

func gpuFirst() Inputs {
	in := citibikeInputs()
	in.Engines = []exec.Engine{gpuEngine{}, cpuEngine{}}
	return in
}

func TestPlacementFallsBack(t *testing.T) {
	p := mustBuild(t, gpuFirst())
	// Oracle: ask the fake GPU directly about every operator.
	fallbacks := 0
	for _, pl := range p.Placement {
		st := p.Stages[pl.Stage-1]
		var op PhysOp
		for _, o := range st.Operators {
			if o.Name == pl.Operator {
				op = o
				break
			}
		}
		s := gpuEngine{}.Supports(op.Kind, op.InputTypes)
		want, reason := "gpu", ""
		if !s.OK {
			want, reason = "cpu", "gpu: "+s.Reason
			fallbacks++
		}
		if pl.Engine != want || pl.Reason != reason {
			t.Errorf("stage %d %s: engine %s reason %q, want %s %q", pl.Stage, pl.Operator, pl.Engine, pl.Reason, want, reason)
		}
	}
	if fallbacks == 0 || len(p.Fallbacks) != fallbacks {
		t.Errorf("%d fallback lines, want %d", len(p.Fallbacks), fallbacks)
	}
	scan := p.Stages[0]
	if k := scan.Operators[1]; k.Name != OpRowKey || k.Engine != "gpu" || k.Transfer != "cpu->gpu" {
		t.Errorf("row key: %+v", k)
	}
	if f := scan.Operators[2]; f.Name != OpFilter || f.Engine != "gpu" || f.Transfer != "" {
		t.Errorf("filter: %+v", f)
	}
	if g := scan.Operators[6]; g.Name != OpGroupCount || g.Engine != "cpu" || g.Transfer != "" ||
		g.Reason != "gpu: unsupported because dictionary strings do not go to the device" {
		t.Errorf("group count on a dictionary column must fall back to cpu: %+v", g)
	}
	if p.Fallbacks[0] != "stage 1 (scan) Scan: runs on cpu because gpu: unsupported because there is no scan kernel" {
		t.Errorf("first fallback line %q", p.Fallbacks[0])
	}
}

func TestPlacementErrorPolicy(t *testing.T) {
	in := gpuFirst()
	in.Fallback = FallbackError
	_, err := Build(in)
	want := "job.yaml: engine.fallback: fallback is error and the preferred engine gpu cannot run operator Scan of stage 1 (scan): gpu: unsupported because there is no scan kernel"
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %s", err, want)
	}
	// The job's own policy is used when Inputs.Fallback is empty.
	in = gpuFirst()
	in.Job.Engine.Fallback = FallbackError
	if _, err := Build(in); err == nil || err.Error() != want {
		t.Errorf("job policy error: %v", err)
	}
	// With an engine that supports everything first, "error" has nothing to refuse.
	in = citibikeInputs()
	in.Fallback = FallbackError
	if p := mustBuild(t, in); len(p.Fallbacks) != 0 {
		t.Errorf("fallbacks %v", p.Fallbacks)
	}
}

func TestPlacementNoEngine(t *testing.T) {
	in := citibikeInputs()
	in.Engines = []exec.Engine{refusingEngine{}, gpuEngine{}}
	_, err := Build(in)
	want := "planner: no engine can run operator Scan (scan) of stage 1 (scan): none: refuses scan; gpu: unsupported because there is no scan kernel"
	if err == nil || err.Error() != want {
		t.Errorf("err = %v, want %s", err, want)
	}
}
