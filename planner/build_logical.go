package planner

import (
	"slices"
	"strconv"

	"github.com/sluice-ml/sluice/jobspec"
	"github.com/sluice-ml/sluice/planner/catalog"
	"github.com/sluice-ml/sluice/planner/logical"
)

// planCtx is what Build derives from the inputs once and every step reads.
type planCtx struct {
	in         Inputs
	job        *jobspec.Job
	cat        *catalog.Catalog
	features   []FeaturePlan
	label      *LabelPlan
	aggs       []AggPlan
	dropCols   []string // label and features with fill: drop
	splits     []string // split names in file order
	partitions int      // aggregate exchange partitions
}

// stratified reports whether rows must be split by selected boundaries
// (more than one split).
func (c *planCtx) stratified() bool { return len(c.splits) > 1 }

// needsFit reports whether a fit barrier is needed: statistics to fit, or
// shard boundaries to select.
func (c *planCtx) needsFit() bool {
	return len(statsList(c.features, c.label)) > 0 || c.job.Output.Shards > 1
}

// filterUsesDerived reports whether the filter reads a derived column; then
// Project runs before Filter.
func (c *planCtx) filterUsesDerived() bool {
	if c.in.Filter == nil {
		return false
	}
	for _, ref := range c.in.Filter.Columns {
		if col, _ := c.cat.Lookup(ref); col.Derived {
			return true
		}
	}
	return false
}

func appendNew(dst []string, names ...string) []string {
	for _, n := range names {
		if !slices.Contains(dst, n) {
			dst = append(dst, n)
		}
	}
	return dst
}

// buildLogical turns the job into the unoptimised logical plan:
// Scan → [Filter] → [Project] → [Drop] → (Aggregate → Sink)* and
// → [Split] → [Fit] → Transform → Exchange → Sink.
func buildLogical(c *planCtx) *logical.LogicalPlan {
	p := &logical.LogicalPlan{}
	add := p.Add
	tasks := "unknown"
	if c.in.InputTasks > 0 {
		tasks = strconv.Itoa(c.in.InputTasks)
	}
	cur := add(&logical.Node{Kind: logical.NodeScan, Params: []logical.KV{{Key: "format", Value: c.in.InputFormat}, {Key: "tasks", Value: tasks}}, Uses: expectInputs(c)})
	filter := func() {
		if c.in.Filter != nil {
			cur = add(&logical.Node{Kind: logical.NodeFilter, Params: []logical.KV{{Key: "predicate", Value: c.in.Filter.Canonical}},
				Uses: c.in.Filter.Columns, Conjuncts: c.in.Filter.Conjuncts}, cur)
		}
	}
	project := func() {
		if len(c.job.Columns) == 0 {
			return
		}
		var defs, uses []string
		for i, d := range c.job.Columns {
			defs = append(defs, d.Name+"="+c.in.Derived[i].Canonical)
			uses = appendNew(uses, c.in.Derived[i].Columns...)
		}
		cur = add(&logical.Node{Kind: logical.NodeProject, Params: []logical.KV{{Key: "derived", Value: logical.List(defs)}}, Uses: uses}, cur)
	}
	if c.filterUsesDerived() {
		project()
		filter()
	} else {
		filter()
		project()
	}
	if len(c.dropCols) > 0 {
		cur = add(&logical.Node{Kind: logical.NodeDrop, Params: []logical.KV{{Key: "nulls", Value: logical.List(c.dropCols)}}, Uses: c.dropCols}, cur)
	}
	for _, a := range c.aggs {
		uses := appendNew(nil, a.By...)
		for _, e := range a.Compute {
			if e.Column != "" {
				uses = appendNew(uses, e.Column)
			}
		}
		agg := add(&logical.Node{Kind: logical.NodeAggregate, Table: a.Name, By: a.By, Uses: uses,
			Params: []logical.KV{{Key: "table", Value: a.Name}, {Key: "by", Value: logical.List(a.By)}, {Key: "compute", Value: a.computeList()}}}, cur)
		add(&logical.Node{Kind: logical.NodeSink, Table: a.Name, Params: []logical.KV{{Key: "table", Value: a.Name}, {Key: "format", Value: c.job.Output.Format},
			{Key: "path", Value: "aggregates/" + a.Name + "." + c.job.Output.Format}}}, agg)
	}
	sp := c.job.Split
	if c.stratified() {
		ratios := make([]string, len(sp.Ratios))
		for i, r := range sp.Ratios {
			ratios[i] = r.Name + "=" + fmtFloat(r.Value)
		}
		uses := appendNew(nil, sp.By...)
		if sp.Key != "" {
			uses = appendNew(uses, sp.Key)
		}
		cur = add(&logical.Node{Kind: logical.NodeSplit, By: sp.By, Uses: uses, Barrier: true, Params: []logical.KV{
			{Key: "by", Value: logical.List(sp.By)}, {Key: "key", Value: rowKeyName(sp.Key)}, {Key: "ratios", Value: logical.List(ratios)},
			{Key: "seed", Value: strconv.FormatUint(sp.Seed, 10)}}}, cur)
	}
	if c.needsFit() {
		var uses []string
		for _, f := range c.features {
			if len(f.Needs) > 0 {
				uses = appendNew(uses, f.Source)
			}
		}
		if c.label != nil && len(c.label.Needs) > 0 {
			uses = appendNew(uses, c.label.Name)
		}
		cur = add(&logical.Node{Kind: logical.NodeFit, Uses: uses, Barrier: true, Params: []logical.KV{{Key: "on", Value: c.splits[0]},
			{Key: "stats", Value: logical.List(statsList(c.features, c.label))}, {Key: "shard_boundaries", Value: strconv.Itoa(c.job.Output.Shards)}}}, cur)
	}
	var fuses []string
	for _, f := range c.features {
		fuses = appendNew(fuses, f.Source)
	}
	tparams := []logical.KV{{Key: "features", Value: transformList(c.features)}}
	if fills := fillList(c.features, c.label); len(fills) > 0 {
		tparams = append(tparams, logical.KV{Key: "fill", Value: logical.List(fills)})
	}
	cur = add(&logical.Node{Kind: logical.NodeTransform, Uses: fuses, Params: tparams}, cur)
	cur = add(&logical.Node{Kind: logical.NodeExchange, Params: []logical.KV{{Key: "partitioning", Value: "range(" + catalog.ColShardHash + ")"},
		{Key: "partitions", Value: strconv.Itoa(CacheBuckets(c.job.Output.Shards, c.in.InputRows))}}}, cur)
	var suses []string
	if c.label != nil {
		suses = append(suses, c.label.Name)
	}
	for _, k := range c.job.Keep {
		suses = appendNew(suses, k.Name)
	}
	if sp.Key != "" {
		suses = appendNew(suses, sp.Key)
	}
	suses = appendNew(suses, sliceColumns(c.job)...)
	add(&logical.Node{Kind: logical.NodeSink, Uses: suses, Params: []logical.KV{{Key: "shards", Value: strconv.Itoa(c.job.Output.Shards)},
		{Key: "splits", Value: logical.List(c.splits)}, {Key: "order", Value: shardOrder(c.job)}, {Key: "format", Value: c.job.Output.Format},
		{Key: "compression", Value: c.job.Output.Compression}, {Key: "path", Value: c.job.Output.Path}}}, cur)
	p.Renumber()
	return p
}

// rowKeyName is the split.key column or "(file,row)".
func rowKeyName(key string) string {
	if key == "" {
		return "(file,row)"
	}
	return key
}

// shardOrder is how rows are ordered within a split before cutting shards.
func shardOrder(job *jobspec.Job) string {
	if job.Output.Shuffle && job.Split.Key == "" {
		return "hash(file,row)"
	}
	if job.Output.Shuffle {
		return "hash(" + job.Split.Key + ")"
	}
	return "input"
}
