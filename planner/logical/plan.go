package logical

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// NodeKind names a logical plan node.
type NodeKind string

// Logical node kinds. PartialAggregate and FinalAggregate appear only after
// the partial-aggregation rule.
const (
	NodeScan             NodeKind = "Scan"
	NodeFilter           NodeKind = "Filter"
	NodeProject          NodeKind = "Project"
	NodeDrop             NodeKind = "Drop"
	NodeAggregate        NodeKind = "Aggregate"
	NodePartialAggregate NodeKind = "PartialAggregate"
	NodeFinalAggregate   NodeKind = "FinalAggregate"
	NodeSplit            NodeKind = "Split"
	NodeFit              NodeKind = "Fit"
	NodeTransform        NodeKind = "Transform"
	NodeExchange         NodeKind = "Exchange"
	NodeSink             NodeKind = "Sink"
)

// KV is one key=value parameter of a node or operator, in display order.
type KV struct {
	Key, Value string
}

// Node is one logical plan node. Params are its display parameters; the
// typed fields are what the rules read and change.
type Node struct {
	ID     int
	Kind   NodeKind
	Inputs []*Node
	Params []KV
	Uses   []string // columns the node reads (input or derived names)

	Columns   []string   // Scan: the input columns read; nil = all of them
	Prune     []Range    // Scan: row-group pruning ranges
	Conjuncts []Conjunct // Filter: the AND terms of the predicate
	Table     string     // Aggregate, PartialAggregate, FinalAggregate, Sink of a table: the table name
	By        []string   // aggregates: group-by columns
	Barrier   bool       // Split, Fit: the driver must see every task's result before the next node runs
	Pipeline  int        // id of the fused pipeline holding the node, 0 = none

	order float64 // tie-break for a stable topological order
}

// Pipeline is a group of narrow nodes fused into one pipeline by the
// operator-fusion rule; Members are in topological order.
type Pipeline struct {
	ID      int
	Members []*Node
}

// LogicalPlan is a DAG of nodes kept in topological order.
type LogicalPlan struct {
	Nodes     []*Node
	Pipelines []*Pipeline
}

// Param returns the value of a display parameter, or "".
func (n *Node) Param(key string) string {
	for _, kv := range n.Params {
		if kv.Key == key {
			return kv.Value
		}
	}
	return ""
}

// Find returns the first node of a kind, or nil.
func (p *LogicalPlan) Find(kind NodeKind) *Node {
	for _, n := range p.Nodes {
		if n.Kind == kind {
			return n
		}
	}
	return nil
}

// Consumers returns the nodes that read n, in plan order.
func (p *LogicalPlan) Consumers(n *Node) []*Node {
	var out []*Node
	for _, m := range p.Nodes {
		for _, in := range m.Inputs {
			if in == n {
				out = append(out, m)
				break
			}
		}
	}
	return out
}

// Clone deep-copies the plan, so a rule can change its copy freely.
func (p *LogicalPlan) Clone() *LogicalPlan {
	m := make(map[*Node]*Node, len(p.Nodes))
	out := &LogicalPlan{}
	for _, n := range p.Nodes {
		c := *n
		c.Params = append([]KV(nil), n.Params...)
		c.Uses = append([]string(nil), n.Uses...)
		if n.Columns != nil {
			c.Columns = append([]string{}, n.Columns...)
		}
		c.Prune = append([]Range(nil), n.Prune...)
		c.Conjuncts = append([]Conjunct(nil), n.Conjuncts...)
		c.By = append([]string(nil), n.By...)
		m[n] = &c
		out.Nodes = append(out.Nodes, &c)
	}
	for _, c := range out.Nodes {
		ins := make([]*Node, len(c.Inputs))
		for i, in := range c.Inputs {
			ins[i] = m[in]
		}
		c.Inputs = ins
	}
	for _, pl := range p.Pipelines {
		q := &Pipeline{ID: pl.ID}
		for _, mem := range pl.Members {
			q.Members = append(q.Members, m[mem])
		}
		out.Pipelines = append(out.Pipelines, q)
	}
	return out
}

// Renumber puts the nodes in a stable topological order (ties broken by
// their previous position) and numbers them from 1.
func (p *LogicalPlan) Renumber() {
	indeg := map[*Node]int{}
	for _, n := range p.Nodes {
		indeg[n] = len(n.Inputs)
	}
	var ready, out []*Node
	for _, n := range p.Nodes {
		if indeg[n] == 0 {
			ready = append(ready, n)
		}
	}
	for len(ready) > 0 {
		sort.SliceStable(ready, func(i, j int) bool { return ready[i].order < ready[j].order })
		n := ready[0]
		ready = ready[1:]
		out = append(out, n)
		for _, c := range p.Consumers(n) {
			indeg[c]--
			if indeg[c] == 0 {
				ready = append(ready, c)
			}
		}
	}
	for i, n := range out {
		n.ID = i + 1
		n.order = float64(i + 1)
	}
	p.Nodes = out
	for _, pl := range p.Pipelines {
		sort.SliceStable(pl.Members, func(i, j int) bool { return pl.Members[i].ID < pl.Members[j].ID })
	}
}

// String prints the plan, one node per line in topological order; fused
// pipelines print as a header with their members indented below it.
func (p *LogicalPlan) String() string {
	var b strings.Builder
	printed := map[int]bool{}
	for _, n := range p.Nodes {
		if n.Pipeline == 0 {
			b.WriteString(n.line())
			b.WriteByte('\n')
			continue
		}
		if printed[n.Pipeline] {
			continue
		}
		printed[n.Pipeline] = true
		pl := p.PipelineByID(n.Pipeline)
		ids := make([]string, len(pl.Members))
		for i, m := range pl.Members {
			ids[i] = fmt.Sprintf("#%d", m.ID)
		}
		fmt.Fprintf(&b, "Pipeline id=P%d nodes=[%s]\n", pl.ID, strings.Join(ids, ", "))
		for _, m := range pl.Members {
			b.WriteString("  ")
			b.WriteString(m.line())
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// PipelineByID returns the fused pipeline with the id, or nil.
func (p *LogicalPlan) PipelineByID(id int) *Pipeline {
	for _, pl := range p.Pipelines {
		if pl.ID == id {
			return pl
		}
	}
	return nil
}

// line is `#id Kind k=v ... input=#a`.
func (n *Node) line() string {
	kvs := append([]KV(nil), n.Params...)
	if n.Kind == NodeScan {
		cols := "*"
		if n.Columns != nil {
			cols = List(n.Columns)
		}
		kvs = append(kvs, KV{"columns", cols})
		if len(n.Prune) > 0 {
			kvs = append(kvs, KV{"prune", RangeList(n.Prune)})
		}
	}
	if len(n.Inputs) > 0 {
		ids := make([]string, len(n.Inputs))
		for i, in := range n.Inputs {
			ids[i] = fmt.Sprintf("#%d", in.ID)
		}
		kvs = append(kvs, KV{"input", strings.Join(ids, ",")})
	}
	return fmt.Sprintf("#%d %s", n.ID, string(n.Kind)+FormatKVs(kvs))
}

// FormatKVs is ` k=v k=v`, the one display style of nodes and operators.
func FormatKVs(kvs []KV) string {
	var b strings.Builder
	for _, kv := range kvs {
		b.WriteByte(' ')
		b.WriteString(kv.Key)
		b.WriteByte('=')
		b.WriteString(kv.Value)
	}
	return b.String()
}

// List is `[a, b]`.
func List(items []string) string {
	return "[" + strings.Join(items, ", ") + "]"
}

func RangeList(rs []Range) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = r.String()
	}
	return List(s)
}

// Add appends n to the plan, reading inputs, and returns it; nodes added
// later sort after it when Renumber breaks ties.
func (p *LogicalPlan) Add(n *Node, inputs ...*Node) *Node {
	n.Inputs = inputs
	n.order = float64(len(p.Nodes) + 1)
	p.Nodes = append(p.Nodes, n)
	return n
}

func fmtFloat(f float64) string {
	return strconv.FormatFloat(f, 'g', -1, 64)
}
