package engine

import (
	"fmt"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-ml/sluice/exec"
	"github.com/sluice-ml/sluice/exec/cpu"
	"github.com/sluice-ml/sluice/exec/kernel"
	"github.com/sluice-ml/sluice/exec/placement"
	"github.com/sluice-ml/sluice/expr"
	"github.com/sluice-ml/sluice/hashing"
	"github.com/sluice-ml/sluice/jobspec"
)

// jobEnv is what every executor derives from the job on its own: the plan,
// the schemas of the scan, the full rows and the cache, and the bound
// expressions. The driver has one too; it is a pure function of the job.
type jobEnv struct {
	p         *prepared
	batchRows int

	scanSchema  *arrow.Schema // projected input + __rowid, __key
	fullSchema  *arrow.Schema // scanSchema + derived columns
	cacheSchema *arrow.Schema // what later stages read
	derived     []*expr.Bound
	keyCol      int      // index of split.key in the scan batch, -1 for (file, row)
	fileHashes  []uint64 // per input file, hashing.String of its path

	aggSpecs      []aggSpec
	dropCols      []string
	floatFeatures []string

	dev    kernel.Kernels  // the device's kernels, when any operator is placed on one
	onDev  map[string]bool // "stage-kind/Operator" placed on the device
	filter *exec.Predicate // the filter, for the filter kernel (nil without one)
}

// newJobEnv plans the job on this node's engines and derives its schemas.
func newJobEnv(job *jobspec.Job, engine string) (*jobEnv, error) {
	engines, err := Engines(firstNonEmpty(engine, job.Engine.Prefer))
	if err != nil {
		return nil, err
	}
	p, err := prepare(job, engines)
	if err != nil {
		return nil, err
	}
	e := &jobEnv{p: p, batchRows: 256 << 10}
	if err := e.setup(); err != nil {
		return nil, err
	}
	e.place(engines)
	return e, nil
}

// place records which operators the plan put on a device engine and opens
// that engine's kernels for them.
func (r *jobEnv) place(engines []exec.Engine) {
	for _, pl := range r.p.plan.Placement {
		if dev := placement.Kernels(engines, pl.Engine); dev != nil {
			r.dev = dev
			if r.onDev == nil {
				r.onDev = map[string]bool{}
			}
			r.onDev[pl.StageKind+"/"+pl.Operator] = true
		}
	}
}

// kernels returns the kernels that run op of a stage kind: the device's
// (falling back to the CPU per batch, counted in x's Fallbacks) when the
// plan placed op on a device, else the CPU's.
func (r *jobEnv) kernels(x *TaskContext, stageKind, op string) kernel.Kernels {
	key := stageKind + "/" + op
	if !r.onDev[key] {
		return kernel.CPU
	}
	return kernel.WithFallback(r.dev, key, x.Fallbacks)
}

// setup derives the schemas and binds the expressions to the scan batches.
func (r *jobEnv) setup() error {
	p := r.p
	proj, err := projectSchema(p.ds.Schema, p.plan.ScanColumns)
	if err != nil {
		return err
	}
	fields := append(append([]arrow.Field(nil), proj.Fields()...),
		arrow.Field{Name: colRowID, Type: arrow.PrimitiveTypes.Int64},
		arrow.Field{Name: colKey, Type: arrow.PrimitiveTypes.Int64})
	r.scanSchema = arrow.NewSchema(fields, nil)
	r.keyCol = -1
	if k := p.job.Split.Key; k != "" {
		idx := proj.FieldIndices(k)
		if len(idx) == 0 {
			return jobspec.Errorf(p.job.File, p.job.Split.Line, "split.key", "no input column %q", k)
		}
		r.keyCol = idx[0]
	}
	for _, dc := range p.job.Columns {
		e, _ := expr.Parse(dc.Expr.Src)
		b, err := expr.Bind(e, arrow.NewSchema(fields, nil))
		if err != nil {
			return exprErr(p.job, "columns."+dc.Name, dc.Expr, err)
		}
		r.derived = append(r.derived, b)
		fields = append(fields, arrow.Field{Name: dc.Name, Type: b.Type(), Nullable: true})
	}
	r.fullSchema = arrow.NewSchema(fields, nil)
	// The filter may use derived columns: it runs after them.
	if p.job.Filter != nil {
		e, _ := expr.Parse(p.job.Filter.Src)
		b, err := expr.Bind(e, r.fullSchema)
		if err != nil {
			return exprErr(p.job, "filter", *p.job.Filter, err)
		}
		r.filter = &exec.Predicate{Expr: e, Bound: b, Schema: r.fullSchema}
	}
	var cache []string
	for _, c := range p.plan.CacheColumns {
		if !strings.HasPrefix(c, "__") { // the engine derives the hashes from __key
			cache = append(cache, c)
		}
	}
	cache = append(cache, colRowID)
	if r.keyCol >= 0 {
		cache = append(cache, colKey)
	}
	// Without split.key the row key is (file, row): later passes recompute
	// it from the row id (file index << 40 | row) and the file's hash.
	r.fileHashes = make([]uint64, len(p.ds.Files))
	for i, f := range p.ds.Files {
		r.fileHashes[i] = hashing.String(f.RelPath)
	}
	if r.cacheSchema, err = projectSchema(r.fullSchema, cache); err != nil {
		return fmt.Errorf("cache columns: %w", err)
	}
	r.aggSpecs = jobAggSpecs(p.job)
	if l := p.job.Label; l != nil && l.Fill.Kind == jobspec.FillDrop {
		r.dropCols = append(r.dropCols, l.Name)
	}
	for _, f := range p.job.Features {
		if f.Fill.Kind == jobspec.FillDrop {
			r.dropCols = append(r.dropCols, f.Name)
		}
		idx := r.fullSchema.FieldIndices(f.Name)
		if len(idx) > 0 && r.fullSchema.Field(idx[0]).Type.ID() == arrow.FLOAT64 {
			r.floatFeatures = append(r.floatFeatures, f.Name)
		}
	}
	sort.Strings(r.floatFeatures)
	return nil
}

// jobAggSpecs are the job's aggregate tables as group-by specs.
func jobAggSpecs(job *jobspec.Job) []aggSpec {
	var out []aggSpec
	for _, a := range job.Aggregates {
		s := aggSpec{by: a.By}
		for _, c := range a.Compute {
			s.specs = append(s.specs, cpu.AggSpec{Name: c.Name, Func: c.Func, Column: c.Column})
		}
		out = append(out, s)
	}
	return out
}
