package logical

// pushFilter copies the filter's range conjuncts (`column op number` on an
// input column) into the Scan as row-group pruning ranges. The Filter
// stays: pruning skips row groups whose statistics cannot match, and the
// Filter still removes the rows that do not match. Ranges on the same
// column are intersected, so the Scan holds at most one per column. Only a
// Filter whose
// path to the Scan crosses nothing but Projects (which only add columns)
// is pushed.
func pushFilter(p *LogicalPlan, env *Env) bool {
	if env.NoPrune {
		return false
	}
	input := map[string]bool{}
	for _, c := range env.InputColumns {
		input[c] = true
	}
	changed := false
	for _, f := range p.Nodes {
		if f.Kind != NodeFilter {
			continue
		}
		scan := f
		for len(scan.Inputs) == 1 && (scan == f || scan.Kind == NodeProject) {
			scan = scan.Inputs[0]
		}
		if scan.Kind != NodeScan {
			continue
		}
		for _, cj := range f.Conjuncts {
			if cj.Range == nil || !input[cj.Range.Column] {
				continue
			}
			if addRange(scan, *cj.Range) {
				changed = true
			}
		}
	}
	return changed
}

// addRange intersects r into the Scan's range for its column (or adds it)
// and reports whether the Scan's ranges changed.
func addRange(scan *Node, r Range) bool {
	for i, x := range scan.Prune {
		if x.Column == r.Column {
			y := intersect(x, r)
			scan.Prune[i] = y
			return y != x
		}
	}
	scan.Prune = append(scan.Prune, r)
	return true
}

// intersect is the interval both ranges allow (possibly empty: then no row
// group can match, and none needs reading).
func intersect(a, b Range) Range {
	out := a
	switch {
	case b.Lo > a.Lo:
		out.Lo, out.LoIncl = b.Lo, b.LoIncl
	case b.Lo == a.Lo:
		out.LoIncl = a.LoIncl && b.LoIncl
	}
	switch {
	case b.Hi < a.Hi:
		out.Hi, out.HiIncl = b.Hi, b.HiIncl
	case b.Hi == a.Hi:
		out.HiIncl = a.HiIncl && b.HiIncl
	}
	return out
}
