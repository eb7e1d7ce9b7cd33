package planner

import (
	"strings"
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
			if !op.Kind.HostIO() { // host I/O is no fallback
				fallbacks++
			}
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
	if p.Fallbacks[0] != "stage 1 (scan) PartialAggregate: runs on cpu because gpu: unsupported because there is no aggregate kernel" {
		t.Errorf("first fallback line %q", p.Fallbacks[0])
	}
}

// unavailableEngine is a GPU engine that cannot run now (no driver).
type unavailableEngine struct{}

func (unavailableEngine) Name() string { return "gpu" }
func (unavailableEngine) Supports(exec.OpKind, []arrow.DataType) exec.Support {
	return exec.Support{Unavailable: true, Reason: "no NVIDIA driver"}
}

func TestPlacementErrorPolicy(t *testing.T) {
	// An unavailable preferred engine is refused, at the first operator.
	in := gpuFirst()
	in.Engines = []exec.Engine{unavailableEngine{}, cpuEngine{}}
	in.Fallback = FallbackError
	_, err := Build(in)
	want := "job.yaml: engine.fallback: fallback is error and the preferred engine gpu cannot run operator Scan of stage 1 (scan): gpu: no NVIDIA driver"
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %s", err, want)
	}
	// The job's own policy is used when Inputs.Fallback is empty.
	in.Fallback = ""
	in.Job.Engine.Fallback = FallbackError
	if _, err := Build(in); err == nil || err.Error() != want {
		t.Errorf("job policy error: %v", err)
	}
	// Allowed, the unavailable engine's host I/O is listed as well.
	in.Job.Engine.Fallback = FallbackAllow
	if p := mustBuild(t, in); len(p.Fallbacks) != len(p.Placement) {
		t.Errorf("%d fallbacks for %d operators, all on the CPU", len(p.Fallbacks), len(p.Placement))
	}
	// An available engine that declines operators by design (host I/O, no
	// kernel) plans under "error", with the compute operators listed.
	in = gpuFirst()
	in.Fallback = FallbackError
	p := mustBuild(t, in)
	if len(p.Fallbacks) == 0 {
		t.Errorf("no fallbacks listed")
	}
	for _, f := range p.Fallbacks {
		if strings.Contains(f, " Scan:") || strings.Contains(f, "Write:") {
			t.Errorf("host I/O listed as a fallback: %s", f)
		}
	}
	// With an engine that supports everything first, nothing is listed.
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
