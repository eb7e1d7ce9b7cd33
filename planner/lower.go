package planner

import (
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-ml/sluice/jobspec"
	"github.com/sluice-ml/sluice/planner/catalog"
	"github.com/sluice-ml/sluice/planner/logical"
)

// maxAggPartitions caps the hash partitions of an aggregate exchange: the
// tables are small (one row per group), so a few reducers suffice.
const maxAggPartitions = 8

// aggPartitions is min(scan tasks, maxAggPartitions), at least 1.
func aggPartitions(tasks int) int {
	if tasks <= 0 || tasks > maxAggPartitions {
		return maxAggPartitions
	}
	return tasks
}

// lowerer cuts the optimized plan into physical stages.
type lowerer struct {
	c      *planCtx
	opt    *logical.LogicalPlan
	scan   []string // input columns the Scan reads
	cache  []string
	stages []Stage
}

func (l *lowerer) typesOf(names ...string) []arrow.DataType {
	out := make([]arrow.DataType, 0, len(names))
	for _, n := range names {
		if t, ok := catalog.HiddenType(n); ok {
			out = append(out, t)
		} else if col, ok := l.c.cat.Lookup(n); ok {
			out = append(out, col.Type)
		}
	}
	return out
}

func (l *lowerer) op(name string, types []arrow.DataType, params ...logical.KV) PhysOp {
	return PhysOp{Name: name, Kind: opKinds[name], InputTypes: types, Params: params}
}

func (l *lowerer) stage(kind string, tasks int, inputs []int, ops []PhysOp, barrier string) int {
	id := len(l.stages) + 1
	l.stages = append(l.stages, Stage{ID: id, Kind: kind, Tasks: tasks, Inputs: inputs, Operators: ops, Barrier: barrier})
	return id
}

func (l *lowerer) tasks() int {
	if l.c.in.InputTasks <= 0 {
		return -1
	}
	return l.c.in.InputTasks
}

// outputColumns are the rows' columns after Transform, for the engines'
// type questions: feature outputs, label, keep, and the sort keys.
func (l *lowerer) outputTypes() []arrow.DataType {
	var ts []arrow.DataType
	for _, f := range l.c.features {
		ts = append(ts, f.OutputType)
	}
	if l.c.label != nil {
		ts = append(ts, l.c.label.Type)
	}
	for _, k := range l.c.job.Keep {
		ts = append(ts, l.typesOf(k.Name)...)
	}
	return append(ts, l.typesOf(l.sortKeys()...)...)
}

func (l *lowerer) sortKeys() []string {
	if l.c.job.Output.Shuffle {
		return []string{catalog.ColShardHash, catalog.ColRowID}
	}
	return []string{catalog.ColRowID}
}

func (l *lowerer) rowKeyOutputs() []string { return []string{catalog.ColKey, catalog.ColRowID} }

// shardOrder is the order that cuts a split into shards: always the seeded
// shard hash, so shards are equal and independent of the layout; without
// output.shuffle only the order of rows inside a shard changes (sortKeys).
func (l *lowerer) shardOrder() []string { return []string{catalog.ColShardHash, catalog.ColRowID} }

// groupBy is the GroupCount key: split.by when rows are split, else none
// (the whole input is one group).
func (l *lowerer) groupBy() []string {
	if l.c.stratified() {
		return l.c.job.Split.By
	}
	return nil
}

func (l *lowerer) splitParams() []logical.KV {
	sp := l.c.job.Split
	ratios := make([]string, len(sp.Ratios))
	for i, r := range sp.Ratios {
		ratios[i] = r.Name + "=" + fmtFloat(r.Value)
	}
	return []logical.KV{{Key: "by", Value: logical.List(sp.By)}, {Key: "ratios", Value: logical.List(ratios)}, {Key: "order", Value: logical.List([]string{catalog.ColRowHash, catalog.ColRowID})}}
}

// lower walks the optimized plan and emits one stage per pipeline between
// exchanges and barriers, expanding logical nodes into the operators the
// engine runs (Split becomes RowKey + GroupCount in the scan,
// WindowCollect, and SplitAssign later; Fit becomes FitPartial and
// ShardWindowCollect).
func (l *lowerer) lower() []Stage {
	scanID := l.lowerScan()
	l.lowerExpect(scanID)
	for _, n := range l.opt.Nodes {
		if n.Kind == logical.NodeFinalAggregate {
			l.lowerAggregate(n, scanID)
		}
	}
	waitFor := scanID
	if split := l.opt.Find(logical.NodeSplit); split != nil {
		ops := []PhysOp{
			l.op(OpCacheRead, l.typesOf(l.splitColumns()...), logical.KV{Key: "stage", Value: strconv.Itoa(scanID)}, logical.KV{Key: "columns", Value: logical.List(l.splitColumns())}),
			l.op(OpWindowCollect, l.typesOf(l.splitColumns()...), l.splitParams()...),
		}
		waitFor = l.stage(StageSplitBoundaries, l.tasks(), []int{scanID}, ops,
			"driver selects the exact split boundaries of every group from the windows; a boundary outside its window repeats the stage for those groups")
	}
	if fit := l.opt.Find(logical.NodeFit); fit != nil {
		waitFor = l.lowerFit(scanID, waitFor)
	}
	l.lowerShardWrite(scanID, waitFor)
	return l.stages
}

// lowerScan emits the scan stage in the order its tasks run the operators:
// the row key and row id come first (they are the row's position in its
// file, before any row is removed), the partial aggregates see the filtered
// rows before the fill drops, and the group counts see the rows kept.
func (l *lowerer) lowerScan() int {
	var ops, partials, shuffles, drops []PhysOp
	scan := l.opt.Find(logical.NodeScan)
	members := []*logical.Node{scan}
	if scan.Pipeline != 0 {
		members = l.opt.PipelineByID(scan.Pipeline).Members
	}
	for _, n := range members {
		switch n.Kind {
		case logical.NodeScan:
			params := []logical.KV{{Key: "format", Value: l.c.in.InputFormat}, {Key: "columns", Value: logical.List(l.scan)}}
			if len(n.Prune) > 0 {
				params = append(params, logical.KV{Key: "prune", Value: logical.RangeList(n.Prune)})
			}
			ops = append(ops, l.op(OpScan, l.typesOf(l.scan...), params...), l.rowKey())
			ops = append(ops, l.expectOps()...)
		case logical.NodeFilter:
			ops = append(ops, l.op(OpFilter, l.typesOf(n.Uses...), n.Params...))
		case logical.NodeProject:
			ops = append(ops, l.op(OpProject, l.typesOf(n.Uses...), n.Params...))
		case logical.NodeDrop:
			drops = append(drops, l.op(OpDrop, l.typesOf(n.Uses...), n.Params...))
		case logical.NodePartialAggregate:
			partials = append(partials, l.op(OpPartialAggregate, l.typesOf(n.Uses...), n.Params...))
			ex := l.opt.Consumers(n)[0]
			shuffles = append(shuffles, l.op(OpShuffleWrite, l.typesOf(n.By...),
				logical.KV{Key: "table", Value: n.Table}, logical.KV{Key: "partitioning", Value: ex.Param("partitioning")}, logical.KV{Key: "partitions", Value: ex.Param("partitions")}))
		}
	}
	ops = append(ops, partials...)
	ops = append(ops, drops...)
	ops = append(ops, l.op(OpGroupCount, l.typesOf(l.groupBy()...), logical.KV{Key: "by", Value: logical.List(l.groupBy())}))
	ops = append(ops, l.op(OpCacheWrite, l.typesOf(l.cache...), logical.KV{Key: "columns", Value: logical.List(l.cache)}, logical.KV{Key: "codec", Value: ScratchCodec},
		logical.KV{Key: "partitioning", Value: "range(" + catalog.ColShardHash + ")"}, logical.KV{Key: "partitions", Value: strconv.Itoa(CacheBuckets(l.c.job.Output.Shards, l.c.in.InputRows))}, logical.KV{Key: "location", Value: "local"}))
	ops = append(ops, shuffles...)
	return l.stage(StageScan, l.tasks(), nil, ops, "")
}

// rowKey is the RowKey operator: the hash of split.key, or of (file, row).
func (l *lowerer) rowKey() PhysOp {
	key := l.c.job.Split.Key
	var keyTypes []arrow.DataType
	if key != "" {
		keyTypes = l.typesOf(key)
	}
	return l.op(OpRowKey, keyTypes, logical.KV{Key: "key", Value: rowKeyName(key)},
		logical.KV{Key: "seed", Value: strconv.FormatUint(l.c.job.Split.Seed, 10)}, logical.KV{Key: "outputs", Value: logical.List(l.rowKeyOutputs())})
}

func (l *lowerer) lowerAggregate(final *logical.Node, scanID int) {
	ex := final.Inputs[0]
	sink := l.opt.Consumers(final)[0]
	parts, _ := strconv.Atoi(ex.Param("partitions"))
	ops := []PhysOp{
		l.op(OpShuffleRead, l.typesOf(final.By...), logical.KV{Key: "stage", Value: strconv.Itoa(scanID)}, logical.KV{Key: "table", Value: final.Table}),
		l.op(OpFinalAggregate, l.typesOf(final.By...), final.Params...),
		l.op(OpTableWrite, l.typesOf(final.By...), sink.Params...),
	}
	l.stage(StageAggregate, parts, []int{scanID}, ops, "")
	l.stages[len(l.stages)-1].Table = final.Table
}

// splitColumns are the cache columns SplitAssign and WindowCollect read.
func (l *lowerer) splitColumns() []string {
	return append(append([]string(nil), l.c.job.Split.By...), catalog.ColRowHash, catalog.ColRowID)
}

func (l *lowerer) lowerFit(scanID, after int) int {
	var cols []string
	if l.c.stratified() {
		cols = appendNew(cols, l.splitColumns()...)
	}
	fitCols := l.opt.Find(logical.NodeFit).Uses
	cols = appendNew(cols, fitCols...)
	shards := l.c.job.Output.Shards
	if shards > 1 {
		cols = appendNew(cols, l.sortKeys()...)
	}
	ops := []PhysOp{l.op(OpCacheRead, l.typesOf(cols...), logical.KV{Key: "stage", Value: strconv.Itoa(scanID)}, logical.KV{Key: "columns", Value: logical.List(cols)})}
	if l.c.stratified() {
		ops = append(ops, l.op(OpSplitAssign, l.typesOf(l.splitColumns()...), l.splitParams()...))
	}
	barrier := []string{}
	if stats := statsList(l.c.features, l.c.label); len(stats) > 0 {
		ops = append(ops, l.op(OpFitPartial, l.typesOf(fitCols...), logical.KV{Key: "on", Value: l.c.splits[0]}, logical.KV{Key: "stats", Value: logical.List(stats)}))
		barrier = append(barrier, "driver merges the fit partials in task order")
	}
	if shards > 1 {
		ops = append(ops, l.op(OpShardWindowCollect, l.typesOf(l.shardOrder()...),
			logical.KV{Key: "order", Value: logical.List(l.shardOrder())}, logical.KV{Key: "splits", Value: logical.List(l.c.splits)}, logical.KV{Key: "shards", Value: strconv.Itoa(shards)}))
		barrier = append(barrier, "selects the shard boundaries of every split")
	}
	inputs := []int{scanID}
	if after != scanID {
		inputs = append(inputs, after)
	}
	return l.stage(StageFit, l.tasks(), inputs, ops, strings.Join(barrier, " and "))
}

// lowerShardWrite emits the last stage: one task per shard index reads the
// cache partitions that hold its range of the shard hash (the scan
// partitioned the cache by it), assigns splits and shards, keeps its own
// rows, sorts them, and gathers, fills, transforms and writes them as shard
// j of every split.
func (l *lowerer) lowerShardWrite(scanID, after int) {
	job := l.c.job
	shards := job.Output.Shards
	ops := []PhysOp{l.op(OpCacheRead, l.typesOf(l.cache...), logical.KV{Key: "stage", Value: strconv.Itoa(scanID)}, logical.KV{Key: "columns", Value: logical.List(l.cache)},
		logical.KV{Key: "partitions", Value: "range(" + catalog.ColShardHash + ") of the task's shards"})}
	if l.c.stratified() {
		ops = append(ops, l.op(OpSplitAssign, l.typesOf(l.splitColumns()...), l.splitParams()...))
	}
	if shards > 1 {
		ops = append(ops, l.op(OpShardAssign, l.typesOf(l.shardOrder()...), logical.KV{Key: "order", Value: logical.List(l.shardOrder())}, logical.KV{Key: "shards", Value: strconv.Itoa(shards)}))
	}
	ops = append(ops, l.op(OpSort, l.typesOf(l.sortKeys()...), logical.KV{Key: "keys", Value: logical.List(l.sortKeys())}))
	if fills := fillList(l.c.features, l.c.label); len(fills) > 0 {
		var names []string
		for _, f := range l.c.features {
			if replacesNulls(f.FillKind) {
				names = appendNew(names, f.Source)
			}
		}
		if l.c.label != nil && replacesNulls(l.c.label.FillKind) {
			names = appendNew(names, l.c.label.Name)
		}
		ops = append(ops, l.op(OpFill, l.typesOf(names...), logical.KV{Key: "fill", Value: logical.List(fills)}))
	}
	var srcs []string
	for _, f := range l.c.features {
		srcs = append(srcs, f.Source)
	}
	out := l.outputTypes()
	ops = append(ops,
		l.op(OpTransform, l.typesOf(srcs...), logical.KV{Key: "features", Value: transformList(l.c.features)}),
		l.op(OpShardWrite, out, logical.KV{Key: "format", Value: job.Output.Format}, logical.KV{Key: "compression", Value: job.Output.Compression},
			logical.KV{Key: "path", Value: job.Output.Path}, logical.KV{Key: "splits", Value: logical.List(l.c.splits)}, logical.KV{Key: "shards", Value: strconv.Itoa(shards)}))
	inputs := []int{scanID}
	if after != scanID {
		inputs = append(inputs, after)
	}
	l.stage(StageShardWrite, shards, inputs, ops, "driver commits the manifest after every shard is written")
}

// replacesNulls reports a fill that writes a value into null slots.
func replacesNulls(kind string) bool {
	return kind != jobspec.FillNone && kind != jobspec.FillDrop
}
