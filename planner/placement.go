package planner

import (
	"fmt"
	"github.com/sluice-ml/sluice/jobspec"
	"strings"
)

// place asks the engines, in preference order, about every operator and
// records the first that supports it. An operator that the preferred
// engine cannot run is a fallback: recorded in Plan.Fallbacks, or an error
// under the "error" policy. An operator that no engine runs is an error.
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
			for _, e := range in.Engines {
				s := e.Supports(op.Kind, op.InputTypes)
				if s.OK {
					op.Engine = e.Name()
					break
				}
				reason := s.Reason
				if reason == "" {
					reason = "unsupported"
				}
				declined = append(declined, e.Name()+": "+reason)
			}
			op.Reason = strings.Join(declined, "; ")
			if op.Engine == "" {
				return nil, nil, fmt.Errorf("planner: no engine can run operator %s (%s) of stage %d (%s): %s",
					op.Name, op.Kind, st.ID, st.Kind, op.Reason)
			}
			if len(declined) > 0 {
				if policy == FallbackError {
					return nil, nil, jobspec.Errorf(in.Job.File, 0, "engine.fallback", "fallback is error and the preferred engine %s cannot run operator %s of stage %d (%s): %s",
						in.Engines[0].Name(), op.Name, st.ID, st.Kind, op.Reason)
				}
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
