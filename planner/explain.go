package planner

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/sluice-ml/sluice/planner/logical"
)

// Explain prints the plan: the logical plan, the optimized plan with the
// rules that changed it, the stages with each operator's engine, and the
// placement. The text is a deterministic function of the plan.
func (p *Plan) Explain() string {
	var b strings.Builder
	b.WriteString("== Logical plan ==\n")
	b.WriteString(p.Logical.String())
	b.WriteString("\n== Optimized plan ==\n")
	for _, r := range p.Rules {
		state := "no-change"
		if r.Applied {
			state = "applied"
		}
		fmt.Fprintf(&b, "Rule name=%s result=%s\n", r.Name, state)
	}
	b.WriteString(p.Optimized.String())
	b.WriteString("\n== Stages ==\n")
	for _, st := range p.Stages {
		b.WriteString(st.String())
	}
	b.WriteString("\n== Placement ==\n")
	for _, pl := range p.Placement {
		kvs := []logical.KV{{Key: "stage", Value: strconv.Itoa(pl.Stage)}, {Key: "kind", Value: pl.StageKind}, {Key: "op", Value: pl.Operator}, {Key: "engine", Value: pl.Engine}}
		if pl.Reason != "" {
			kvs = append(kvs, logical.KV{Key: "reason", Value: pl.Reason})
		}
		fmt.Fprintf(&b, "Place%s\n", logical.FormatKVs(kvs))
	}
	if len(p.Fallbacks) > 0 {
		fmt.Fprintf(&b, "\n== Fallbacks (policy=%s) ==\n", p.Fallback)
		for _, f := range p.Fallbacks {
			b.WriteString(f)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// String prints a stage header, its operators indented, and its barrier.
func (st Stage) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "=== Stage %d kind=%s tasks=%s", st.ID, st.Kind, tasksText(st.Tasks))
	if len(st.Inputs) > 0 {
		ids := make([]string, len(st.Inputs))
		for i, id := range st.Inputs {
			ids[i] = strconv.Itoa(id)
		}
		fmt.Fprintf(&b, " inputs=[%s]", strings.Join(ids, ", "))
	}
	b.WriteString(" ===\n")
	for _, op := range st.Operators {
		kvs := append([]logical.KV(nil), op.Params...)
		if op.Transfer != "" {
			kvs = append(kvs, logical.KV{Key: "transfer", Value: op.Transfer})
		}
		kvs = append(kvs, logical.KV{Key: "engine", Value: op.Engine})
		if op.Reason != "" {
			kvs = append(kvs, logical.KV{Key: "reason", Value: op.Reason})
		}
		fmt.Fprintf(&b, "  %s%s\n", op.Name, logical.FormatKVs(kvs))
	}
	if st.Barrier != "" {
		fmt.Fprintf(&b, "  Barrier action=%s\n", st.Barrier)
	}
	return b.String()
}

func tasksText(n int) string {
	if n < 0 {
		return "unknown"
	}
	return strconv.Itoa(n)
}
