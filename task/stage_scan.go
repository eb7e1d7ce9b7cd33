package task

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
	"github.com/sluice-ml/sluice/input/prune"
	pb "github.com/sluice-ml/sluice/proto"
	"github.com/sluice-ml/sluice/shuffle"
	"github.com/sluice-ml/sluice/task/aggpartial"
	"github.com/sluice-ml/sluice/task/exchange"
	"github.com/sluice-ml/sluice/task/expect"
	"github.com/sluice-ml/sluice/task/rows"
	"github.com/sluice-ml/sluice/vocab"
)

// Internal columns carried from the scan to the shard writer.
const (
	ColRowID = rows.ColRowID
	ColKey   = rows.ColKey
	ColH2    = rows.ColH2
)

// ScanResult is what one scan task reports to the driver.
type ScanResult struct {
	RowsRead, RowsFiltered, RowsDropped, RowsKept int64
	DroppedBy                                     map[string]int64
	NaN, Inf                                      map[string]int64
	GroupCounts                                   KeyCounts // rows by encoded split.by key
	Executor                                      string    // where the cache and partials are
	CachePath                                     string
	AggPaths                                      []string
	Expect                                        []expect.Count `json:"expect,omitempty"`      // per expect rule (unique: see ExpectPath)
	ExpectPath                                    string         `json:"expect_path,omitempty"` // the unique rules' values, hash-partitioned
	Bytes                                         int64
	taskReport
}

// scanTask runs the plan's scan stage for one input task. The cache is cut
// into buckets by ranges of the shard hash (see cacheBuckets).
func (r *Env) scanTask(ctx context.Context, x *TaskContext, t Task, in *pb.InputAssignment) (any, error) {
	ds, it, err := r.dataset(in)
	if err != nil {
		return nil, err
	}
	rd, err := ds.Read(ctx, it, input.ReadOptions{Columns: r.bj.GetScanColumns(), BatchRows: r.batchRows, Prune: r.pruneRanges()}, x.Mem)
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	file := ds.Files[0]
	fileIndex := int64(in.GetFileIndex())
	fileHash := hashing.String(file.RelPath)
	res := &ScanResult{DroppedBy: map[string]int64{}, NaN: map[string]int64{}, Inf: map[string]int64{}}
	groupCounts := map[string]int64{}

	cachePath := filepath.Join(x.WorkDir, fmt.Sprintf("cache-%05d-a%d", t.Index, t.Attempt))
	bits := r.cacheBucketBits()
	cw, err := shuffle.NewWriter(cachePath, r.cacheSchema, shuffle.WriterOptions{Partitions: 1 << bits, Codec: exchange.ScratchCodec}, x.Mem)
	if err != nil {
		return nil, err
	}
	committed := false
	defer func() {
		if !committed {
			cw.Abort()
		}
	}()
	gk, err := rows.NewGroupKeys(r.fullSchema, r.splitBy)
	if err != nil {
		return nil, err
	}
	aggs := make([]*aggpartial.Table, len(r.aggSpecs))
	for i := range r.aggSpecs {
		path := filepath.Join(x.WorkDir, fmt.Sprintf("agg%d-%05d-a%d", i, t.Index, t.Attempt))
		if aggs[i], err = r.newPartials(i, path, x); err != nil {
			return nil, err
		}
		defer aggs[i].Abort()
	}
	ex, err := expect.NewScan(r.bj.GetExpect(), r.ExpectPartitions(), r.readsColumn,
		filepath.Join(x.WorkDir, fmt.Sprintf("expect-%05d-a%d", t.Index, t.Attempt)), x.Mem)
	if err != nil {
		return nil, err
	}
	defer ex.Abort()
	// The scan pipeline is the plan's scan stage, operator by operator:
	// Scan and RowKey make the source (row ids and keys before any row is
	// removed: the rows' positions in the file), then Filter and Project
	// in the plan's order, PartialAggregate taps the filtered rows, Drop
	// applies fill: drop, and GroupCount and CacheWrite take the rows kept.
	keys := make([]uint64, 0)
	kern := r.kernels(x, vocab.StageScan, vocab.OpRowKey)
	var op exec.Operator
	var filt exec.Filter
	var drop exec.DropNulls
	var sel *exec.NullSelector
	var groupCount, cacheWrite bool
	for i, pop := range x.PlanStage.Operators {
		if (i == 0) != (pop.Name == vocab.OpScan) || (i == 1) != (pop.Name == vocab.OpRowKey) {
			return nil, fmt.Errorf("internal: scan stage operator %d is %s: the scan runner needs Scan then RowKey first", i+1, pop.Name)
		}
		x.ran(pop.Name)
		switch pop.Name {
		case vocab.OpScan, vocab.OpShuffleWrite:
			// The reader below; the partial aggregates' exchange files.
		case vocab.OpRowKey:
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
				keys = rows.Resize(keys, n)
				if err := rowKeys(kern, b, r.keyCol, fileHash, first, keys); err != nil {
					return nil, err
				}
				rowid := make([]int64, n)
				base := fileIndex<<40 + first
				for i := range rowid {
					rowid[i] = base + int64(i)
				}
				return rows.AppendColumns(b, x.Mem, []string{ColRowID, ColKey}, rows.Int64Array(x.Mem, rowid), rows.Uint64Array(x.Mem, keys))
			}, nil)
		case vocab.OpExpect:
			if i != 2 || ex == nil {
				return nil, fmt.Errorf("internal: scan stage operator %d is Expect: it must follow RowKey, with rules in the bound job", i+1)
			}
			op = exec.NewTap(op, func(b arrow.RecordBatch) error { return ex.Update(b, r.deriveAll, x.Mem) })
		case vocab.OpProject:
			op = exec.NewProject(op, r.derivedCols, r.derived, x.Mem)
		case vocab.OpFilter:
			k, pred := r.kernels(x, vocab.StageScan, vocab.OpFilter), r.filter
			filt = exec.NewFilterWith(op, func(in arrow.RecordBatch) (arrow.RecordBatch, error) {
				return k.Filter(pred, in, x.Mem)
			})
			op = filt
		case vocab.OpPartialAggregate:
			if pop.Param("table") != r.aggSpecs[0].name {
				break // one tap updates every table's partials
			}
			op = exec.NewTap(op, func(b arrow.RecordBatch) error {
				for _, g := range aggs {
					if err := g.Update(b); err != nil {
						return err
					}
				}
				return nil
			})
		case vocab.OpDrop:
			if onlySinksAfter(x.PlanStage.Operators[i+1:]) {
				// The cache write takes the kept rows straight from the
				// batch: no copy of the rows kept.
				sel = exec.NewNullSelector(r.dropCols)
				break
			}
			drop = exec.NewDropNulls(op, r.dropCols, x.Mem)
			op = drop
		case vocab.OpGroupCount:
			groupCount = true
		case vocab.OpCacheWrite:
			cacheWrite = true
		default:
			return nil, fmt.Errorf("internal: the scan runner has no operator %s", pop.Name)
		}
	}
	if !groupCount || !cacheWrite {
		return nil, fmt.Errorf("internal: the plan's scan stage lacks GroupCount or CacheWrite")
	}
	gcount := r.kernels(x, vocab.StageScan, vocab.OpGroupCount)
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
		var picked []int32 // the rows of kept that are kept (nil: all)
		var keep []bool
		if sel != nil {
			if picked, keep, err = sel.Select(kept); err != nil {
				return nil, err
			}
		}
		countBad(kept, picked, r.floatFeatures, res)
		if err := r.countGroups(kept, keep, x.Mem, gk, gcount, groupCounts); err != nil {
			return nil, err
		}
		view, err := rows.Project(kept, r.cacheSchema)
		if err != nil {
			return nil, err
		}
		if ckeys, err = rows.Uint64Col(kept, ColKey, ckeys); err != nil {
			view.Release()
			return nil, err
		}
		if picked != nil {
			for i, j := range picked { // ascending: j >= i
				ckeys[i] = ckeys[j]
			}
			ckeys = ckeys[:len(picked)]
		}
		res.RowsKept += int64(len(ckeys))
		h2, bucket = rows.Resize(h2, len(ckeys)), rows.Resize(bucket, len(ckeys))
		exchange.CacheBuckets(r.splitSeed, bits, ckeys, h2, bucket)
		err = cw.WritePartitionedRows(view, picked, bucket)
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
	res.GroupCounts = NewKeyCounts(groupCounts)
	out, err := cw.Close()
	if err != nil {
		return nil, err
	}
	committed = true
	if ex != nil {
		if res.Expect, res.ExpectPath, err = ex.Finish(); err != nil {
			return nil, err
		}
	}
	res.CachePath = cachePath
	res.Executor = x.Executor
	res.Bytes = out.Bytes
	for _, g := range aggs {
		if err := g.Close(); err != nil {
			return nil, err
		}
		res.AggPaths = append(res.AggPaths, g.Path)
	}
	return res, nil
}

// onlySinksAfter reports whether ops (the scan operators after Drop) only
// count and write the rows, so that Drop may hand them on as a selection.
func onlySinksAfter(ops []planOp) bool {
	for _, op := range ops {
		switch op.Name {
		case vocab.OpGroupCount, vocab.OpCacheWrite, vocab.OpShuffleWrite:
		default:
			return false
		}
	}
	return true
}

// countBad counts NaN and infinities in the float feature columns, in the
// rows listed (nil: all).
func countBad(b arrow.RecordBatch, picked []int32, cols []string, res *ScanResult) {
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
		if picked == nil {
			for _, v := range vals {
				bad(v)
			}
		} else {
			for _, i := range picked {
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

// pruneRanges are the bound job's row-group pruning ranges.
func (r *Env) pruneRanges() []prune.Range {
	rs := r.bj.GetPrune()
	out := make([]prune.Range, len(rs))
	for i, r := range rs {
		out[i] = prune.Range{Column: r.GetColumn(), Lo: r.GetLo(), Hi: r.GetHi(), LoIncl: r.GetLoIncl(), HiIncl: r.GetHiIncl()}
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
func (r *Env) countGroups(b arrow.RecordBatch, keep []bool, mem memory.Allocator, gk *rows.GroupKeys, k kernel.Kernels, counts map[string]int64) error {
	if len(gk.Cols) == 1 {
		col := b.Column(gk.Cols[0])
		if keep != nil {
			kept, err := keptColumn(col, keep, mem)
			if err != nil {
				return err
			}
			defer kept.Release()
			col = kept
		}
		key := rows.IntKey
		switch col.(type) {
		case *array.Timestamp:
			key = rows.TimeKey
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
				counts[rows.NullKey] += gc.Nulls
			}
			return nil
		}
	}
	local, keys := gk.Rows(b)
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

// Counts are the rows and bytes the scan read.
func (s *ScanResult) Counts() (int64, int64) { return s.RowsRead, s.Bytes }

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

// newPartials starts aggregate table's partial side of a scan task,
// writing to path: its hash table is capped at aggpartial.SpillBytes, or at
// a quarter of the executor budget shared by the tables when that is
// smaller.
func (r *Env) newPartials(table int, path string, x *TaskContext) (*aggpartial.Table, error) {
	a := r.aggSpecs[table]
	limit := aggpartial.SpillBytes
	if l := x.Budget.Limit(); l > 0 {
		limit = min(limit, l/(4*int64(len(r.aggSpecs))))
	}
	return aggpartial.New(a.by, a.specs, r.fullSchema, r.AggPartitions(table), limit, path, x.Mem, r.kernels(x, vocab.StageScan, vocab.OpPartialAggregate))
}
