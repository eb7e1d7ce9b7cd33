package task

import (
	"fmt"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-ml/sluice/exec"
	"github.com/sluice-ml/sluice/exec/cpu/groupby"
	"github.com/sluice-ml/sluice/exec/gpu"
	"github.com/sluice-ml/sluice/exec/kernel"
	"github.com/sluice-ml/sluice/exec/placement"
	"github.com/sluice-ml/sluice/expr"
	pb "github.com/sluice-ml/sluice/proto"
	"github.com/sluice-ml/sluice/task/fragment"
	"github.com/sluice-ml/sluice/task/rows"
	"github.com/sluice-ml/sluice/task/transform"
)

// Env is what an executor derives from a fragment's bound job: the
// schemas of the scan, the full rows and the cache, the expressions bound
// to them and the job's parts the stage runners read. The driver builds
// its own from the same bound job, so both sides agree by construction.
type Env struct {
	bj        *pb.BoundJob
	batchRows int

	inSchema    *arrow.Schema // the canonical input schema
	scanSchema  *arrow.Schema // projected input + __rowid, __key
	fullSchema  *arrow.Schema // scanSchema + derived columns
	cacheSchema *arrow.Schema // what later stages read
	derived     []*expr.Bound
	derivedCols []string
	keyCol      int      // index of split.key in the scan batch, -1 for (file, row)
	fileHashes  []uint64 // per input file, hashing.String of its relative path

	aggSpecs      []aggSpec
	dropCols      []string
	floatFeatures []string
	splitBy       []string
	splitSeed     uint64
	splitNames    []string
	features      []*pb.FeatureSpec
	label         *pb.LabelSpec // nil without a label
	keep          []string
	slices        []string // slice columns, profiled by the shard-write stage
	output        *pb.OutputSpec

	dev    kernel.Kernels  // the device's kernels, when any operator is placed on one
	onDev  map[string]bool // "stage-kind/Operator" placed on the device
	filter *exec.Predicate // the filter, for the filter kernel (nil without one)
}

type aggSpec struct {
	name       string
	by         []string
	specs      []groupby.AggSpec
	partitions int // the exchange's partitions (the aggregate stage's tasks)
}

// NewEnv binds a fragment's job on this node, with the engines of the
// choice the node runs with (the driver's --engine unless it pins one).
func NewEnv(bj *pb.BoundJob, engines []exec.Engine) (*Env, error) {
	e := &Env{bj: bj, batchRows: int(bj.GetBatchRows())}
	if e.batchRows <= 0 {
		e.batchRows = 256 << 10
	}
	if err := e.setup(); err != nil {
		return nil, err
	}
	e.place(engines)
	return e, nil
}

// place opens the device kernels for the operators placed on a device:
// the driver plan's placement when this node has that engine, else, when
// this node has a GPU engine the driver lacked, what a GPU node places.
func (r *Env) place(engines []exec.Engine) {
	r.onDev = map[string]bool{}
	for key, name := range r.bj.GetDeviceOperators() {
		if dev := placement.Kernels(engines, name); dev != nil {
			r.dev, r.onDev[key] = dev, true
		}
	}
	if r.dev != nil {
		return
	}
	for _, e := range engines {
		if g, ok := e.(*gpu.Engine); ok {
			if dev := placement.Kernels(engines, g.Name()); dev != nil {
				r.dev = dev
				for _, key := range r.bj.GetGpuOperators() {
					r.onDev[key] = true
				}
			}
			return
		}
	}
}

// kernels returns the kernels that run op of a stage kind: the device's
// (falling back to the CPU per batch, counted in x's Fallbacks) when the
// plan placed op on a device, else the CPU's.
func (r *Env) kernels(x *TaskContext, stageKind, op string) kernel.Kernels {
	key := stageKind + "/" + op
	if !r.onDev[key] {
		return kernel.CPU
	}
	return kernel.WithPolicy(r.dev, key, x.Fallbacks, r.bj.GetFallback())
}

// setup derives the schemas and binds the expressions to the scan batches,
// checking each binding against the type the driver bound it to.
func (r *Env) setup() error {
	bj := r.bj
	in := bj.GetInput()
	var err error
	if r.inSchema, err = fragment.DecodeSchema(in.GetSchema()); err != nil {
		return fmt.Errorf("fragment: input schema: %w", err)
	}
	proj, err := rows.ProjectSchema(r.inSchema, bj.GetScanColumns())
	if err != nil {
		return fmt.Errorf("fragment: scan columns: %w", err)
	}
	fields := append(append([]arrow.Field(nil), proj.Fields()...),
		arrow.Field{Name: ColRowID, Type: arrow.PrimitiveTypes.Int64},
		arrow.Field{Name: ColKey, Type: arrow.PrimitiveTypes.Int64})
	r.scanSchema = arrow.NewSchema(fields, nil)
	r.keyCol = -1
	sp := bj.GetSplit()
	if k := sp.GetKey(); k != "" {
		idx := proj.FieldIndices(k)
		if len(idx) == 0 {
			return fmt.Errorf("fragment: split.key: no input column %q", k)
		}
		r.keyCol = idx[0]
	}
	for _, dc := range bj.GetDerived() {
		b, err := bindExpr(dc, arrow.NewSchema(fields, nil))
		if err != nil {
			return fmt.Errorf("fragment: columns.%s: %w", dc.GetName(), err)
		}
		r.derived = append(r.derived, b)
		r.derivedCols = append(r.derivedCols, dc.GetName())
		fields = append(fields, arrow.Field{Name: dc.GetName(), Type: b.Type(), Nullable: true})
	}
	r.fullSchema = arrow.NewSchema(fields, nil)
	// The filter may use derived columns: it runs after them.
	if f := bj.GetFilter(); f != nil {
		b, err := bindExpr(f, r.fullSchema)
		if err != nil {
			return fmt.Errorf("fragment: filter: %w", err)
		}
		e, _ := expr.Parse(f.GetSource())
		r.filter = &exec.Predicate{Expr: e, Bound: b, Schema: r.fullSchema}
	}
	var cache []string
	for _, c := range bj.GetCacheColumns() {
		if !strings.HasPrefix(c, "__") { // the engine derives the hashes from __key
			cache = append(cache, c)
		}
	}
	cache = append(cache, ColRowID)
	if r.keyCol >= 0 {
		cache = append(cache, ColKey)
	}
	// Without split.key the row key is (file, row): later passes recompute
	// it from the row id (file index << 40 | row) and the file's hash.
	r.fileHashes = bj.GetFileHashes()
	if r.cacheSchema, err = rows.ProjectSchema(r.fullSchema, cache); err != nil {
		return fmt.Errorf("fragment: cache columns: %w", err)
	}
	for _, a := range bj.GetAggregates() {
		s := aggSpec{name: a.GetName(), by: a.GetBy(), partitions: int(a.GetPartitions())}
		for _, c := range a.GetCompute() {
			s.specs = append(s.specs, groupby.AggSpec{Name: c.GetName(), Func: c.GetFunc(), Column: c.GetColumn()})
		}
		r.aggSpecs = append(r.aggSpecs, s)
	}
	r.dropCols = bj.GetDropColumns()
	r.splitBy, r.splitSeed, r.splitNames = sp.GetBy(), sp.GetSeed(), sp.GetNames()
	if len(r.splitNames) == 0 {
		return fmt.Errorf("fragment: the job has no splits")
	}
	r.features, r.label, r.keep = bj.GetFeatures(), bj.GetLabel(), bj.GetKeep()
	r.slices = bj.GetSlices()
	for _, f := range r.features {
		if f.GetFloat() {
			r.floatFeatures = append(r.floatFeatures, f.GetName())
		}
	}
	sort.Strings(r.floatFeatures)
	r.output = bj.GetOutput()
	if r.output == nil {
		return fmt.Errorf("fragment: no output section")
	}
	return nil
}

// bindExpr parses and binds a bound expression's source to schema and
// checks it binds to the driver's type.
func bindExpr(be *pb.BoundExpr, schema *arrow.Schema) (*expr.Bound, error) {
	e, err := expr.Parse(be.GetSource())
	if err != nil {
		return nil, err
	}
	b, err := expr.Bind(e, schema)
	if err != nil {
		return nil, err
	}
	if got := b.Type().String(); got != be.GetType() {
		return nil, fmt.Errorf("%q binds to %s here, %s on the driver", be.GetSource(), got, be.GetType())
	}
	return b, nil
}

// cacheBucketBits is log2 of the number of cache buckets.
func (r *Env) cacheBucketBits() uint {
	n := int(r.bj.GetCacheBuckets())
	bits := uint(0)
	for 1<<bits < n {
		bits++
	}
	return bits
}

// FullSchema is the schema of the scanned rows with the derived columns.
func (r *Env) FullSchema() *arrow.Schema { return r.fullSchema }

// BatchRows is the scan batch size.
func (r *Env) BatchRows() int { return r.batchRows }

// outputRows is the job's output columns, for package transform.
func (r *Env) outputRows() transform.Output {
	return transform.Output{Features: r.features, Label: r.label, Keep: r.keep}
}

// OutputSchema is the schema of the shard files' rows: the output columns
// of a cached batch transformed with f, then __h2 and __rowid.
func (r *Env) OutputSchema(f *Fitted) (*arrow.Schema, error) {
	return r.outputRows().Schema(r.cacheSchema, f)
}
