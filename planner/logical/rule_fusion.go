package logical

// narrow reports whether a node works row batch by row batch within one
// task, so it can share a pipeline with its narrow neighbours. Exchanges
// move rows between tasks; Split and Fit are barriers (the driver needs
// every task's result first); an unsplit Aggregate needs all rows of a
// group.
func narrow(n *Node) bool {
	switch n.Kind {
	case NodeExchange, NodeSplit, NodeFit, NodeAggregate:
		return false
	}
	return true
}

// fuseOperators groups narrow nodes connected by edges that cross no
// exchange or barrier into pipelines. A pipeline may fan out (the scan
// pipeline feeds every partial aggregate and the cache). The edge into a
// Transform is never fused: Transform reads the rows the scan pass cached,
// in a later pass, so that the scan can count groups and the fit can run
// without decoding the input twice. Single nodes stay unfused.
func fuseOperators(p *LogicalPlan, _ *Env) bool {
	parent := map[*Node]*Node{}
	var root func(n *Node) *Node
	root = func(n *Node) *Node {
		for parent[n] != n {
			parent[n] = parent[parent[n]]
			n = parent[n]
		}
		return n
	}
	for _, n := range p.Nodes {
		parent[n] = n
	}
	for _, n := range p.Nodes {
		if !narrow(n) {
			continue
		}
		if n.Kind == NodeTransform {
			continue
		}
		for _, in := range n.Inputs {
			if narrow(in) && in.Pipeline == n.Pipeline {
				parent[root(n)] = root(in)
			}
		}
	}
	groups := map[*Node][]*Node{}
	var roots []*Node
	for _, n := range p.Nodes {
		r := root(n)
		if _, seen := groups[r]; !seen {
			roots = append(roots, r)
		}
		groups[r] = append(groups[r], n)
	}
	changed := false
	for _, r := range roots {
		members := groups[r]
		if len(members) < 2 || members[0].Pipeline != 0 {
			continue
		}
		pl := &Pipeline{ID: len(p.Pipelines) + 1, Members: members}
		for _, m := range members {
			m.Pipeline = pl.ID
		}
		p.Pipelines = append(p.Pipelines, pl)
		changed = true
	}
	return changed
}
