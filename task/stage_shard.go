package task

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-ml/sluice/exec/kernel"
	"github.com/sluice-ml/sluice/exec/split"
	"github.com/sluice-ml/sluice/profile"
	"github.com/sluice-ml/sluice/sink/layout"
	"github.com/sluice-ml/sluice/sink/shard"
	"github.com/sluice-ml/sluice/storage"
	"github.com/sluice-ml/sluice/task/exchange"
	"github.com/sluice-ml/sluice/task/roworder"
	"github.com/sluice-ml/sluice/task/rows"
	"github.com/sluice-ml/sluice/vocab"
)

// ShardResult is what one shard-write task wrote: shard j of every split.
type ShardResult struct {
	Infos []shard.Info `json:"infos"` // per split
	// Profile profiles the rows written, in their output order.
	Profile *profile.Partial `json:"profile,omitempty"`
	taskReport
}

func (s *ShardResult) Counts() (rows, bytes int64) {
	for _, in := range s.Infos {
		rows += in.Rows
		bytes += in.Bytes
	}
	return rows, bytes
}

// shardTask writes shard t.Index of every split. It reads the cache buckets
// of the shard's h2 range from every scan task, assigns each row its split
// and shard and keeps (in place) the batches with rows of shard t.Index;
// then, per split, it sorts those rows and gathers, transforms and writes
// them a chunk at a time.
func (r *Env) shardTask(ctx context.Context, x *TaskContext, t Task, b *Broadcast) (any, error) {
	j := t.Index
	nsplit := len(r.splitNames)
	paths := make([]string, nsplit)
	rels := make([]string, nsplit)
	for k, name := range r.splitNames {
		rels[k] = layout.ShardPath(name, j, r.output.GetFormat())
		paths[k] = layout.JoinOut(b.OutDir, rels[k])
		// A re-run (retry, lineage) replaces what an earlier attempt left
		// (an object is replaced when its new upload completes).
		if storage.IsRemote(paths[k]) {
			continue
		}
		if err := os.Remove(paths[k]); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
	}
	splitCuts, err := boundaries(b.SplitCuts)
	if err != nil {
		return nil, err
	}
	shardCuts, err := boundaries(b.ShardCuts)
	if err != nil {
		return nil, err
	}
	schema, err := r.OutputSchema(b.Fit)
	if err != nil {
		return nil, err
	}
	have, err := x.runsPlan(x.PlanStage, vocab.OpCacheRead, vocab.OpSplitAssign, vocab.OpShardAssign, vocab.OpSort,
		vocab.OpFill, vocab.OpTransform, vocab.OpShardWrite)
	if err != nil {
		return nil, err
	}
	c := &shardCollector{r: r, x: x, j: int32(j), fit: b.Fit, splitCuts: splitCuts, shardCuts: shardCuts, oneShard: !have[vocab.OpShardAssign],
		picks: make([]shardPicks, nsplit), kern: r.kernels(x, vocab.StageShardWrite, vocab.OpTransform),
		shardKern: r.kernels(x, vocab.StageShardWrite, vocab.OpShardAssign)}
	c.spillName = fmt.Sprintf("shard-sort-%05d-%05d-a%d", t.Stage, t.Index, t.Attempt)
	defer c.removeSpill()
	c.spec = r.ProfileSpec()
	if c.prof, err = c.spec.NewPartial(r.cacheSchema); err != nil {
		return nil, err
	}
	if c.src, err = rows.NewShardSources(r.cacheSchema, append(r.outputRows().Sources(), r.slices...)); err != nil {
		return nil, err
	}
	defer c.src.Release()
	res := &ShardResult{Infos: make([]shard.Info, nsplit), Profile: c.prof}
	lo, hi, ok := exchange.ShardBucketRange(shardCuts.PerGroup(), j, r.cacheBucketBits())
	if ok {
		if c.o, err = roworder.New(r.cacheSchema, r.splitBy, b.Groups, r.splitSeed, r.fileHashes, r.kernels(x, vocab.StageShardWrite, vocab.OpSplitAssign)); err != nil {
			return nil, err
		}
		c.o.OneSplit = !have[vocab.OpSplitAssign]
	}
	if ok && ShardStreaming && r.output.GetShuffle() {
		c.streaming = true
		if res.Infos, err = c.stream(ctx, b.Caches, lo, hi, schema, paths); err != nil {
			return nil, err
		}
		for k := range res.Infos {
			res.Infos[k].Path = rels[k]
		}
		return res, nil
	}
	if ok {
		for _, loc := range b.Caches {
			if err := exchange.ForEachCache(ctx, x.Files, loc, lo, hi, x.Mem, c.add); err != nil {
				return nil, err
			}
		}
	}
	dicts := c.src.Dictionaries(x.Mem)
	defer func() {
		for _, d := range dicts {
			if d != nil {
				d.Release()
			}
		}
	}()
	for k := range c.picks {
		info, err := c.write(schema, dicts, k, paths[k])
		if err != nil {
			return nil, err
		}
		info.Path = rels[k]
		res.Infos[k] = info
	}
	return res, nil
}

// shardPicks are one split's rows of the shard: batch and row in the
// collector's kept batches, and the sort keys.
type shardPicks struct {
	batch, row []int32
	h2, rowid  []uint64
}

// shardCollector keeps the cached batches that hold rows of shard j (in
// place, narrowed to the columns the output needs), and per split which
// rows those are. Rows are transformed after the sort, a chunk at a time.
type shardCollector struct {
	r                    *Env
	x                    *TaskContext
	j                    int32
	fit                  *Fitted
	o                    *roworder.Order
	splitCuts, shardCuts *split.Boundaries
	kern                 kernel.Kernels
	oneShard             bool // the plan assigns no shards (one per split)
	src                  *rows.ShardSources
	picks                []shardPicks // per split
	sg, sh               []int32
	spec                 *profile.Spec
	prof                 *profile.Partial
	// spill, per split, sorts the picks in bounded memory once they outgrow
	// their share of the budget (nil until then: picks sort in memory).
	spill     []*roworder.SpillSorter
	spillName string
	shardKern kernel.Kernels // ShardAssign's engine
	// streaming: the shard is written a cache bucket at a time (see
	// stream); its picks are one bucket's and never spill. Kept batches
	// [0, carries) are rows carried from earlier buckets, [carries,
	// deferred) the previous bucket's batches that pending rows still use,
	// and the rest the current bucket's.
	streaming bool
	carries   int
	deferred  int
}

// add takes one cached batch: it assigns splits and shards, and keeps the
// batch when some of its rows are in shard j.
func (c *shardCollector) add(bt arrow.RecordBatch) error {
	s, err := c.o.LoadAssign(bt, c.splitCuts)
	if err != nil {
		return err
	}
	c.sg = roworder.SplitGroups(s, c.sg)
	c.sh = rows.Resize(c.sh, len(c.sg))
	if c.oneShard {
		clear(c.sh)
	} else if err := c.shardKern.AssignShards(c.shardCuts, c.sg, c.o.H2, c.o.RowID, c.sh); err != nil {
		return err
	}
	bi := int32(len(c.src.Batches))
	picked := false
	if c.spill != nil {
		for i, v := range c.sh {
			if v == c.j {
				if err := c.addSpill(int(c.sg[i]), bi, i); err != nil {
					return err
				}
				picked = true
			}
		}
	} else {
		picked = c.addPicks(bi)
	}
	if !picked {
		return nil
	}
	if _, err = c.src.Add(bt, c.x.Mem); err != nil {
		return err
	}
	if c.spill != nil || c.streaming {
		return nil
	}
	// The shard's rows are sorted in memory by their picks (24 bytes a row,
	// and the permutation) until they outgrow their share of the budget;
	// then they spill as sorted runs.
	var rows int64
	for _, p := range c.picks {
		rows += int64(len(p.batch))
	}
	if c.overShare(28 * rows) {
		return c.startSpill()
	}
	return nil
}

// addPicks appends the rows of the batch last assigned that are in shard
// j to their split's picks (kept batch bi) and reports whether there were
// any. The picks of a batch are counted first so each split's slices grow
// once per batch, doubling: appending a row at a time grows large slices
// by a quarter and copies them about five times over.
func (c *shardCollector) addPicks(bi int32) bool {
	counts := make([]int, len(c.picks)) // rows per split
	total := 0
	for i, v := range c.sh {
		if v == c.j {
			counts[c.sg[i]]++
			total++
		}
	}
	if total == 0 {
		return false
	}
	for k, m := range counts {
		if m > 0 {
			c.picks[k].grow(m)
		}
	}
	h2, rowid := c.o.H2, c.o.RowID
	for i, v := range c.sh {
		if v != c.j {
			continue
		}
		p := &c.picks[c.sg[i]]
		p.batch = append(p.batch, bi)
		p.row = append(p.row, int32(i))
		p.h2 = append(p.h2, h2[i])
		p.rowid = append(p.rowid, rowid[i])
	}
	return true
}

// grow makes room for m more picks, at least doubling the capacity when it
// must grow.
func (p *shardPicks) grow(m int) {
	n := len(p.batch)
	if cap(p.batch)-n >= m {
		return
	}
	c := max(2*cap(p.batch), n+m, 1024)
	p.batch = append(make([]int32, 0, c), p.batch...)
	p.row = append(make([]int32, 0, c), p.row...)
	p.h2 = append(make([]uint64, 0, c), p.h2...)
	p.rowid = append(make([]uint64, 0, c), p.rowid...)
}

// write sorts split k's rows of the shard by (h2, rowid) — or by rowid
// alone without output.shuffle — and writes them without the internal
// columns: a chunk of sorted rows at a time is gathered from the kept
// batches, transformed and written.
func (c *shardCollector) write(schema *arrow.Schema, dicts []arrow.Array, k int, path string) (shard.Info, error) {
	if c.spill != nil {
		return c.writeSpilled(schema, dicts, k, path)
	}
	out := c.r.output
	p := c.picks[k]
	keys := p.rowid
	if out.GetShuffle() {
		keys = p.h2
	}
	perm := make([]int32, len(keys))
	if err := c.r.kernels(c.x, vocab.StageShardWrite, vocab.OpSort).SortPerm(keys, p.rowid, perm); err != nil {
		return shard.Info{}, err
	}
	outSchema, err := rows.ProjectSchema(schema, c.r.shardColumns(schema))
	if err != nil {
		return shard.Info{}, err
	}
	w, err := c.newShardWriter(path, outSchema)
	if err != nil {
		return shard.Info{}, err
	}
	chunk := ShardChunkRows
	bi := make([]int32, min(chunk, len(perm)))
	ri := make([]int32, len(bi))
	for lo := 0; lo < len(perm) || lo == 0; lo += chunk {
		hi := min(lo+chunk, len(perm))
		n := hi - lo
		for i, q := range perm[lo:hi] {
			bi[i], ri[i] = p.batch[q], p.row[q]
		}
		err := c.writeChunk(w, outSchema, dicts, k, bi[:n], ri[:n])
		if err != nil {
			w.Close()
			return shard.Info{}, err
		}
		if hi == len(perm) {
			break
		}
	}
	return w.Close()
}

// writeChunk gathers the picked rows, transforms and writes them.
func (c *shardCollector) writeChunk(w *shard.Writer, outSchema *arrow.Schema, dicts []arrow.Array, k int, bi, ri []int32) error {
	mem := c.x.Mem
	raw, err := rows.GatherRows(c.src.Stored, c.src.Batches, bi, ri, mem)
	if err != nil {
		return err
	}
	picked := c.src.Restore(raw, dicts)
	raw.Release()
	defer picked.Release()
	// Profiles see the values as read, before fills and transforms.
	if err := c.spec.Update(c.prof, picked, k); err != nil {
		return err
	}
	out, err := c.r.outputRows().Rows(picked, c.fit, mem, c.kern)
	if err != nil {
		return err
	}
	defer out.Release()
	view, err := rows.Project(out, outSchema)
	if err != nil {
		return err
	}
	defer view.Release()
	return w.Write(view)
}

// newShardWriter creates the writer of one shard file. Its encoding uses
// the executor's slots whatever the shard count, and runs beside the task
// (pipelined): while one chunk is encoded and compressed, the task gathers
// and transforms the next, so a job with one shard keeps every core busy.
func (c *shardCollector) newShardWriter(path string, outSchema *arrow.Schema) (*shard.Writer, error) {
	out := c.r.output
	w, err := shard.NewWriter(path, out.GetFormat(), out.GetCompression(), outSchema, c.x.Mem)
	if err != nil {
		return nil, err
	}
	err = w.SetEncodeWorkers(c.x.Slots)
	if err == nil {
		err = w.SetPipelined(1)
	}
	if err != nil {
		w.Close()
		return nil, err
	}
	return w, nil
}

// shardColumns are the output columns without the internal ones.
func (r *Env) shardColumns(s *arrow.Schema) []string {
	var out []string
	for _, f := range s.Fields() {
		if f.Name != ColH2 && f.Name != ColRowID {
			out = append(out, f.Name)
		}
	}
	return out
}
