package logical

import "slices"

// pushProjection makes the Scan read only the input columns some node
// uses: features, label, keep, split.by, split.key, aggregate columns, the
// filter's columns and the derived columns' inputs. Derived names are not
// input columns and are left out; their inputs are in the Project's uses.
func pushProjection(p *LogicalPlan, env *Env) bool {
	scan := p.Find(NodeScan)
	if scan == nil {
		return false
	}
	used := map[string]bool{}
	for _, n := range p.Nodes {
		for _, u := range n.Uses {
			used[u] = true
		}
	}
	cols := []string{}
	for _, c := range env.InputColumns {
		if used[c] {
			cols = append(cols, c)
		}
	}
	if scan.Columns != nil && slices.Equal(scan.Columns, cols) {
		return false
	}
	if scan.Columns == nil && len(cols) == len(env.InputColumns) {
		return false // every column is used: reading all of them is the same
	}
	scan.Columns = cols
	return true
}
