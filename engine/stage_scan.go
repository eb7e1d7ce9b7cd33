package engine

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/exec"
	"github.com/sluice-ml/sluice/exec/kernel"
	"github.com/sluice-ml/sluice/expr"
	"github.com/sluice-ml/sluice/hashing"
	"github.com/sluice-ml/sluice/input"
	"github.com/sluice-ml/sluice/planner"
	"github.com/sluice-ml/sluice/shuffle"
)

// Internal columns carried from the scan to the shard writer.
const (
	colRowID = "__rowid" // fileIndex<<40 | row in file: unique, the tie-break of every order
	colKey   = "__key"   // hash of the row key (split.key value or (file, row))
	colH2    = "__h2"    // shard-order hash, added by the transform stage
)

// scanResult is what one scan task reports to the driver.
type scanResult struct {
	RowsRead, RowsFiltered, RowsDropped, RowsKept int64
	DroppedBy                                     map[string]int64
	NaN, Inf                                      map[string]int64
	GroupCounts                                   map[string]int64
	Executor                                      string // where the cache and partials are
	CachePath                                     string
	AggPaths                                      []string
	Bytes                                         int64
	taskReport
}

// scanTask runs the plan's scan stage for one input task. The cache is cut
// into buckets by ranges of the shard hash (see cacheBuckets).
func (r *jobEnv) scanTask(ctx context.Context, x *TaskContext, t Task) (any, error) {
	p := r.p
	it := p.ds.Tasks[t.Index]
	rd, err := p.ds.Read(ctx, it, input.ReadOptions{Columns: p.plan.ScanColumns, BatchRows: r.batchRows, Prune: pruneRanges(p.plan.Prune)}, x.Mem)
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	file := p.ds.Files[it.FileIndex]
	fileHash := hashing.String(file.RelPath)
	res := &scanResult{DroppedBy: map[string]int64{}, NaN: map[string]int64{}, Inf: map[string]int64{}, GroupCounts: map[string]int64{}}

	cachePath := filepath.Join(x.WorkDir, fmt.Sprintf("cache-%05d-a%d", t.Index, t.Attempt))
	bits := r.cacheBucketBits()
	cw, err := shuffle.NewWriter(cachePath, r.cacheSchema, shuffle.WriterOptions{Partitions: 1 << bits, Codec: scratchCodec}, x.Mem)
	if err != nil {
		return nil, err
	}
	committed := false
	defer func() {
		if !committed {
			cw.Abort()
		}
	}()
	gk, err := newGroupKeys(r.fullSchema, p.job.Split.By)
	if err != nil {
		return nil, err
	}
	aggs := make([]*partials, len(r.aggSpecs))
	for i := range r.aggSpecs {
		path := filepath.Join(x.WorkDir, fmt.Sprintf("agg%d-%05d-a%d", i, t.Index, t.Attempt))
		if aggs[i], err = r.newPartials(i, path, x); err != nil {
			return nil, err
		}
		defer aggs[i].abort()
	}
	// The scan pipeline is the plan's scan stage, operator by operator:
	// Scan and RowKey make the source (row ids and keys before any row is
	// removed: the rows' positions in the file), then Filter and Project
	// in the plan's order, PartialAggregate taps the filtered rows, Drop
	// applies fill: drop, and GroupCount and CacheWrite take the rows kept.
	keys := make([]uint64, 0)
	kern := r.kernels(x, planner.StageScan, planner.OpRowKey)
	var op exec.Operator
	var filt exec.Filter
	var drop exec.DropNulls
	var sel *exec.NullSelector
	var groupCount, cacheWrite bool
	for i, pop := range x.PlanStage.Operators {
		if (i == 0) != (pop.Name == planner.OpScan) || (i == 1) != (pop.Name == planner.OpRowKey) {
			return nil, fmt.Errorf("internal: scan stage operator %d is %s: the scan runner needs Scan then RowKey first", i+1, pop.Name)
		}
		x.ran(pop.Name)
		switch pop.Name {
		case planner.OpScan, planner.OpShuffleWrite:
			// The reader below; the partial aggregates' exchange files.
		case planner.OpRowKey:
			op = exec.NewSource(r.scanSchema, func(ctx context.Context) (arrow.RecordBatch, error) {
				b, first, err := rd.Next()
				if err != nil {
					if !strings.Contains(err.Error(), file.Path) {
						err = fmt.Errorf("%s: %w", file.Path, err)
					}
					return nil, err
				}
				if b == nil {
					return nil, nil
				}
				n := int(b.NumRows())
				res.RowsRead += int64(n)
				keys = resize(keys, n)
				if err := rowKeys(kern, b, r.keyCol, fileHash, first, keys); err != nil {
					return nil, err
				}
				rowid := make([]int64, n)
				base := int64(it.FileIndex)<<40 + first
				for i := range rowid {
					rowid[i] = base + int64(i)
				}
				return appendColumns(b, x.Mem, []string{colRowID, colKey}, int64Array(x.Mem, rowid), uint64Array(x.Mem, keys))
			}, nil)
		case planner.OpProject:
			names := make([]string, len(p.job.Columns))
			for i, c := range p.job.Columns {
				names[i] = c.Name
			}
			op = exec.NewProject(op, names, r.derived, x.Mem)
		case planner.OpFilter:
			k, pred := r.kernels(x, planner.StageScan, planner.OpFilter), r.filter
			filt = exec.NewFilterWith(op, func(in arrow.RecordBatch) (arrow.RecordBatch, error) {
				return k.Filter(pred, in, x.Mem)
			})
			op = filt
		case planner.OpPartialAggregate:
			if pop.Param("table") != p.job.Aggregates[0].Name {
				break // one tap updates every table's partials
			}
			op = exec.NewTap(op, func(b arrow.RecordBatch) error {
				for _, g := range aggs {
					if err := g.update(b); err != nil {
						return err
					}
				}
				return nil
			})
		case planner.OpDrop:
			if onlySinksAfter(x.PlanStage.Operators[i+1:]) {
				// The cache write takes the kept rows straight from the
				// batch: no copy of the rows kept.
				sel = exec.NewNullSelector(r.dropCols)
				break
			}
			drop = exec.NewDropNulls(op, r.dropCols, x.Mem)
			op = drop
		case planner.OpGroupCount:
			groupCount = true
		case planner.OpCacheWrite:
			cacheWrite = true
		default:
			return nil, fmt.Errorf("internal: the scan runner has no operator %s", pop.Name)
		}
	}
	if !groupCount || !cacheWrite {
		return nil, fmt.Errorf("internal: the plan's scan stage lacks GroupCount or CacheWrite")
	}
	gcount := r.kernels(x, planner.StageScan, planner.OpGroupCount)
	var ckeys, h2 []uint64
	var bucket []int32
	if err := op.Open(ctx); err != nil {
		return nil, err
	}
	defer op.Close()
	for {
		kept, err := op.Next(ctx)
		if err != nil {
			return nil, err
		}
		if kept == nil {
			break
		}
		var rows []int32 // the rows of kept that are kept (nil: all)
		var keep []bool
		if sel != nil {
			if rows, keep, err = sel.Select(kept); err != nil {
				return nil, err
			}
		}
		countBad(kept, rows, r.floatFeatures, res)
		if err := r.countGroups(kept, keep, x.Mem, gk, gcount, res.GroupCounts); err != nil {
			return nil, err
		}
		view, err := project(kept, r.cacheSchema)
		if err != nil {
			return nil, err
		}
		if ckeys, err = uint64Col(kept, colKey, ckeys); err != nil {
			view.Release()
			return nil, err
		}
		if rows != nil {
			for i, j := range rows { // ascending: j >= i
				ckeys[i] = ckeys[j]
			}
			ckeys = ckeys[:len(rows)]
		}
		res.RowsKept += int64(len(ckeys))
		h2, bucket = resize(h2, len(ckeys)), resize(bucket, len(ckeys))
		cacheBuckets(p.job.Split.Seed, bits, ckeys, h2, bucket)
		err = cw.WritePartitionedRows(view, rows, bucket)
		view.Release()
		if err != nil {
			return nil, err
		}
	}
	if filt != nil {
		res.RowsFiltered = filt.Removed()
	}
	if drop != nil {
		res.RowsDropped = drop.Dropped()
		for k, v := range drop.DroppedBy() {
			res.DroppedBy[k] = v
		}
	}
	if sel != nil {
		res.RowsDropped = sel.Dropped()
		for k, v := range sel.DroppedBy() {
			res.DroppedBy[k] = v
		}
	}
	out, err := cw.Close()
	if err != nil {
		return nil, err
	}
	committed = true
	res.CachePath = cachePath
	res.Executor = x.Executor
	res.Bytes = out.Bytes
	for _, g := range aggs {
		if err := g.close(); err != nil {
			return nil, err
		}
		res.AggPaths = append(res.AggPaths, g.path)
	}
	return res, nil
}

// onlySinksAfter reports whether ops (the scan operators after Drop) only
// count and write the rows, so that Drop may hand them on as a selection.
func onlySinksAfter(ops []planner.PhysOp) bool {
	for _, op := range ops {
		switch op.Name {
		case planner.OpGroupCount, planner.OpCacheWrite, planner.OpShuffleWrite:
		default:
			return false
		}
	}
	return true
}

// countBad counts NaN and infinities in the float feature columns, in the
// rows listed (nil: all).
func countBad(b arrow.RecordBatch, rows []int32, cols []string, res *scanResult) {
	for _, name := range cols {
		idx := b.Schema().FieldIndices(name)
		if len(idx) == 0 {
			continue
		}
		c, ok := b.Column(idx[0]).(*array.Float64)
		if !ok {
			continue
		}
		var nan, inf int64
		vals := c.Float64Values()
		bad := func(v float64) {
			if v != v {
				nan++
			} else if math.IsInf(v, 0) {
				inf++
			}
		}
		if rows == nil {
			for _, v := range vals {
				bad(v)
			}
		} else {
			for _, i := range rows {
				bad(vals[i])
			}
		}
		if nan > 0 {
			res.NaN[name] += nan
		}
		if inf > 0 {
			res.Inf[name] += inf
		}
	}
}

func pruneRanges(rs []planner.Range) []input.Range {
	out := make([]input.Range, len(rs))
	for i, r := range rs {
		out[i] = input.Range{Column: r.Column, Lo: r.Lo, Hi: r.Hi, LoIncl: r.LoIncl, HiIncl: r.HiIncl}
	}
	return out
}

// rowKeys hashes the row key of each row: the split.key column's values, or
// (file, row number).
func rowKeys(k kernel.Kernels, b arrow.RecordBatch, keyCol int, fileHash uint64, first int64, out []uint64) error {
	if keyCol >= 0 {
		if err := k.HashColumn(b.Column(keyCol), out); err != nil {
			return fmt.Errorf("split.key: %w", err)
		}
		return nil
	}
	return k.FileRows(fileHash, first, out)
}

// countGroups adds the rows of each split.by group in b (those with
// keep[i], or all when keep is nil) to counts: with the GroupCount kernel
// for one int64 or timestamp column, else through the dictionary indices
// or a map.
func (r *jobEnv) countGroups(b arrow.RecordBatch, keep []bool, mem memory.Allocator, gk *groupKeys, k kernel.Kernels, counts map[string]int64) error {
	if len(gk.cols) == 1 {
		col := b.Column(gk.cols[0])
		if keep != nil {
			kept, err := keptColumn(col, keep, mem)
			if err != nil {
				return err
			}
			defer kept.Release()
			col = kept
		}
		key := intKey
		switch col.(type) {
		case *array.Timestamp:
			key = timeKey
		case *array.Int64:
		default:
			key = nil
		}
		if key != nil {
			gc, err := k.GroupCount(col)
			if err != nil {
				return err
			}
			for i, v := range gc.Keys {
				counts[key(v)] += gc.Counts[i]
			}
			if gc.Nulls > 0 {
				counts[nullKey] += gc.Nulls
			}
			return nil
		}
	}
	local, keys := gk.rows(b)
	n := make([]int64, len(keys))
	for i, l := range local {
		if keep == nil || keep[i] {
			n[l]++
		}
	}
	for i, c := range n {
		if c > 0 {
			counts[keys[i]] += c
		}
	}
	return nil
}

// keptColumn copies the rows of col with keep[i] set.
func keptColumn(col arrow.Array, keep []bool, mem memory.Allocator) (arrow.Array, error) {
	bb := array.NewBooleanBuilder(mem)
	defer bb.Release()
	bb.AppendValues(keep, nil)
	mask := bb.NewBooleanArray()
	defer mask.Release()
	one := array.NewRecordBatch(arrow.NewSchema([]arrow.Field{{Name: "c", Type: col.DataType(), Nullable: true}}, nil), []arrow.Array{col}, int64(col.Len()))
	defer one.Release()
	out, err := expr.Filter(one, mask, mem)
	if err != nil {
		return nil, err
	}
	defer out.Release()
	c := out.Column(0)
	c.Retain()
	return c, nil
}
