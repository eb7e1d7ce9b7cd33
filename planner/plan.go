package planner

import (
	"errors"
	"fmt"
	"slices"

	"github.com/sluice-ml/sluice/jobspec"
	"github.com/sluice-ml/sluice/planner/catalog"
	"github.com/sluice-ml/sluice/planner/logical"
)

// Plan is a planned job: what EXPLAIN prints and what the engine runs.
// Build fills every field; nothing in it refers back to Inputs.
type Plan struct {
	Logical   *logical.LogicalPlan // as built from the job
	Optimized *logical.LogicalPlan // after the rules
	Rules     []logical.RuleResult // every rule in the order it ran

	ScanColumns  []string        // input columns to read, in schema order
	Prune        []logical.Range // row-group pruning ranges (the Filter still runs)
	CacheColumns []string        // columns the scan stage caches for later stages (input, derived, then hidden __ columns)
	Features     []FeaturePlan
	Label        *LabelPlan // nil without a label
	Keep         []string
	Slices       []string // slice columns (profiled in the shard-write stage)
	GroupColumns []string // split.by (empty for a plain split)
	SplitKey     string   // split.key, "" = (input file, row number)
	Splits       []string // split names, in file order; rows of split i go to partition i*Shards+shard
	Shards       int      // shards per split
	CacheBuckets int      // partitions of the scan's cache (CacheBuckets)
	Aggregates   []AggPlan
	Expect       *ExpectPlan // nil without an expect section
	Stages       []Stage
	Placement    []Placement
	Fallbacks    []string // one line per operator the preferred engine cannot run
	Fallback     string   // the policy used: allow | warn | error
}

// Stage returns the first stage of a kind, or nil.
func (p *Plan) Stage(kind string) *Stage {
	for i := range p.Stages {
		if p.Stages[i].Kind == kind {
			return &p.Stages[i]
		}
	}
	return nil
}

// Build validates the job against the input schema and plans it. Job-file
// problems (unknown column, wrong type) are *jobspec.Error values naming
// the file, line and field; a fallback refused by the "error" policy and
// inconsistent Inputs are plain errors.
func Build(in Inputs) (*Plan, error) {
	cat, err := checkInputs(in)
	if err != nil {
		return nil, err
	}
	job := in.Job
	policy := in.Fallback
	if policy == "" {
		policy = job.Engine.Fallback
	}
	if policy == "" {
		policy = FallbackAllow
	}
	if !slices.Contains([]string{FallbackAllow, FallbackWarn, FallbackError}, policy) {
		return nil, fmt.Errorf("planner: fallback policy %q; allowed: allow, warn, error", policy)
	}
	if job.Output.Shards < 1 {
		return nil, jobspec.Errorf(job.File, job.Output.Line, "output.shards", "shards must be at least 1 (got %d)", job.Output.Shards)
	}
	if len(job.Split.Ratios) == 0 {
		return nil, jobspec.Errorf(job.File, job.Split.Line, "split.ratios", "at least one split is needed")
	}
	c := &planCtx{in: in, job: job, cat: cat, partitions: aggPartitions(in.InputTasks)}
	for _, r := range job.Split.Ratios {
		c.splits = append(c.splits, r.Name)
	}
	c.features = featurePlans(job, cat)
	c.label = labelPlan(job, cat)
	c.aggs = aggPlans(job, cat, c.partitions)
	if c.label != nil && c.label.FillKind == jobspec.FillDrop {
		c.dropCols = append(c.dropCols, c.label.Name)
	}
	for _, f := range c.features {
		if f.FillKind == jobspec.FillDrop {
			c.dropCols = appendNew(c.dropCols, f.Source)
		}
	}

	lp := buildLogical(c)
	env := &logical.Env{Partitions: c.partitions, NoPrune: job.Expect != nil}
	for _, f := range in.Schema.Fields() {
		env.InputColumns = append(env.InputColumns, f.Name)
	}
	opt, results := logical.Optimize(lp, env)
	scan := opt.Find(logical.NodeScan)
	scanCols := scan.Columns
	if scanCols == nil {
		scanCols = env.InputColumns
	}
	p := &Plan{
		Logical: lp, Optimized: opt, Rules: results,
		ScanColumns: append([]string{}, scanCols...), Prune: scan.Prune,
		Features: c.features, Label: c.label, GroupColumns: append([]string(nil), job.Split.By...),
		SplitKey: job.Split.Key, Splits: c.splits, Shards: job.Output.Shards, CacheBuckets: CacheBuckets(job.Output.Shards, in.InputRows), Aggregates: c.aggs,
		Fallback: policy,
	}
	for _, k := range job.Keep {
		p.Keep = append(p.Keep, k.Name)
	}
	p.Slices = sliceColumns(job)
	p.CacheColumns = cacheColumns(c)
	p.Expect = expectPlan(c)
	l := &lowerer{c: c, opt: opt, scan: p.ScanColumns, cache: p.CacheColumns}
	p.Stages = l.lower()
	p.Placement, p.Fallbacks, err = place(p.Stages, in, policy)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// cacheColumns are the columns later stages read from the cache: feature
// sources, label, keep, split.by (when rows are split), in catalog order,
// then the hidden row-key columns (__key only for a split.key column).
func cacheColumns(c *planCtx) []string {
	need := map[string]bool{}
	for _, f := range c.features {
		need[f.Source] = true
	}
	if c.label != nil {
		need[c.label.Name] = true
	}
	for _, k := range c.job.Keep {
		need[k.Name] = true
	}
	if c.stratified() {
		for _, b := range c.job.Split.By {
			need[b] = true
		}
	}
	for _, n := range sliceColumns(c.job) {
		need[n] = true
	}
	var out []string
	for _, n := range c.cat.Names() {
		if need[n] {
			out = append(out, n)
		}
	}
	if c.job.Split.Key == "" {
		// The (file, row) key is a function of the row id: later passes
		// recompute it instead of reading 8 more bytes a row.
		return append(out, catalog.ColRowID)
	}
	return append(out, catalog.ColKey, catalog.ColRowID)
}

// checkInputs checks the inputs that are the caller's responsibility, then
// the job against the schema, and returns the columns the job can name.
func checkInputs(in Inputs) (*catalog.Catalog, error) {
	if in.Job == nil {
		return nil, errors.New("planner: Inputs.Job is nil")
	}
	if in.Schema == nil {
		return nil, errors.New("planner: Inputs.Schema is nil")
	}
	job := in.Job
	if len(in.Derived) != len(job.Columns) {
		return nil, fmt.Errorf("planner: %d derived expressions given for %d derived columns", len(in.Derived), len(job.Columns))
	}
	if (in.Filter == nil) != (job.Filter == nil) {
		return nil, errors.New("planner: Inputs.Filter must be set exactly when the job has a filter")
	}
	derived := make([]catalog.Expr, len(in.Derived))
	for i, d := range in.Derived {
		derived[i] = catalog.Expr{Columns: d.Columns, Type: d.Type}
	}
	cat, err := catalog.New(job, in.Schema, derived)
	if err != nil {
		return nil, err
	}
	var filter *catalog.Expr
	if in.Filter != nil {
		filter = &catalog.Expr{Columns: in.Filter.Columns, Type: in.Filter.Type}
	}
	if err := cat.Check(job, filter); err != nil {
		return nil, err
	}
	return cat, nil
}
