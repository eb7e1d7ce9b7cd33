package planner

import (
	"fmt"
	"strings"

	"github.com/sluice-ml/sluice/jobspec"
)

// place asks the engines, in preference order, about every operator and
// records the first that supports it. A compute operator that the
// preferred engine declines runs on the next engine: a fallback, listed in
// Plan.Fallbacks. File and network I/O (exec.OpKind.HostIO) runs on the
// host whatever the engine and is no fallback. Under the "error" policy a
// plan whose preferred engine is unavailable (no driver, an unhealthy
// device: Support.Unavailable) is refused; operators an available engine
// declines by design are placed on the CPU and listed. An operator that
// no engine runs is an error.
func place(stages []Stage, in Inputs, policy string) ([]Placement, []string, error) {
	if len(in.Engines) == 0 {
		return nil, nil, fmt.Errorf("planner: no engines given")
	}
	var placements []Placement
	var fallbacks []string
	for si := range stages {
		st := &stages[si]
		prev := ""
		for oi := range st.Operators {
			op := &st.Operators[oi]
			var declined []string
			unavailable := false
			for i, e := range in.Engines {
				s := e.Supports(op.Kind, op.InputTypes)
				if s.OK {
					op.Engine = e.Name()
					break
				}
				reason := s.Reason
				if reason == "" {
					reason = "unsupported"
				}
				unavailable = unavailable || (i == 0 && s.Unavailable)
				declined = append(declined, e.Name()+": "+reason)
			}
			op.Reason = strings.Join(declined, "; ")
			if op.Engine == "" {
				return nil, nil, fmt.Errorf("planner: no engine can run operator %s (%s) of stage %d (%s): %s",
					op.Name, op.Kind, st.ID, st.Kind, op.Reason)
			}
			if unavailable && policy == FallbackError {
				return nil, nil, jobspec.Errorf(in.Job.File, 0, "engine.fallback", "fallback is error and the preferred engine %s cannot run operator %s of stage %d (%s): %s",
					in.Engines[0].Name(), op.Name, st.ID, st.Kind, op.Reason)
			}
			if len(declined) > 0 && (unavailable || !op.Kind.HostIO()) {
				fallbacks = append(fallbacks, fmt.Sprintf("stage %d (%s) %s: runs on %s because %s", st.ID, st.Kind, op.Name, op.Engine, op.Reason))
			}
			if prev != "" && prev != op.Engine {
				op.Transfer = prev + "->" + op.Engine
			}
			prev = op.Engine
			placements = append(placements, Placement{Stage: st.ID, StageKind: st.Kind, Operator: op.Name, Engine: op.Engine, Reason: op.Reason})
		}
	}
	return placements, fallbacks, nil
}
