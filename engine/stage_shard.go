package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-ml/sluice/exec/cpu"
	"github.com/sluice-ml/sluice/sink"
)

// shardTask writes shard t.Index (split = index / shards) from every map
// output's partition.
func (r *jobEnv) shardTask(ctx context.Context, x *TaskContext, t Task, b *Broadcast) (any, error) {
	job := r.p.job
	shards := job.Output.Shards
	rel := sink.ShardPath(job.Split.Ratios[t.Index/shards].Name, t.Index%shards, job.Output.Format)
	path := filepath.Join(b.OutDir, filepath.FromSlash(rel))
	// A re-run (retry, lineage) replaces what an earlier attempt left.
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	info, err := r.writeShard(ctx, x, b.Maps, t.Index, path)
	if err != nil {
		return nil, err
	}
	info.Path = rel
	return &shardResult{Info: info}, nil
}

// writeShard gathers partition p from every map output, orders the rows by
// (h2, rowid) — or by rowid alone without output.shuffle — and writes the
// shard without the internal columns.
func (r *jobEnv) writeShard(ctx context.Context, x *TaskContext, maps []Location, p int, path string) (sink.ShardInfo, error) {
	var batches []arrow.RecordBatch
	defer func() {
		for _, b := range batches {
			b.Release()
		}
	}()
	var schema *arrow.Schema
	var need int64
	for _, m := range maps {
		part, err := x.Files.OpenPartition(ctx, m, p, x.Mem)
		if err != nil {
			return sink.ShardInfo{}, err
		}
		schema = part.Schema
		need += part.Info.Bytes
		for {
			b, err := part.Iter.Next()
			if err != nil {
				part.Close()
				return sink.ShardInfo{}, err
			}
			if b == nil {
				break
			}
			b.Retain()
			batches = append(batches, b)
		}
		part.Close()
	}
	// Encoded bytes are a lower bound of the decoded rows the sort holds.
	if err := x.Budget.Check(need, fmt.Sprintf("sorting shard %s", filepath.Base(path))); err != nil {
		return sink.ShardInfo{}, err
	}
	all, err := concatBatches(schema, batches, x.Mem)
	if err != nil {
		return sink.ShardInfo{}, err
	}
	defer all.Release()
	for _, b := range batches {
		b.Release()
	}
	batches = nil
	rowid, err := uint64Col(all, colRowID, nil)
	if err != nil {
		return sink.ShardInfo{}, err
	}
	keys := rowid
	if r.p.job.Output.Shuffle {
		if keys, err = uint64Col(all, colH2, nil); err != nil {
			return sink.ShardInfo{}, err
		}
	}
	perm := cpu.SortPerm(keys, rowid)
	outSchema, err := projectSchema(all.Schema(), r.shardColumns(all.Schema()))
	if err != nil {
		return sink.ShardInfo{}, err
	}
	view, err := project(all, outSchema)
	if err != nil {
		return sink.ShardInfo{}, err
	}
	defer view.Release()
	job := r.p.job
	w, err := sink.NewShardWriter(path, job.Output.Format, job.Output.Compression, outSchema, x.Mem)
	if err != nil {
		return sink.ShardInfo{}, err
	}
	// Gather the sorted rows a chunk at a time: the shard is never held twice.
	const chunk = 64 << 10
	for lo := 0; lo < len(perm) || lo == 0; lo += chunk {
		hi := min(lo+chunk, len(perm))
		part, err := cpu.Take(view, perm[lo:hi], x.Mem)
		if err == nil {
			err = w.Write(part)
			part.Release()
		}
		if err != nil {
			w.Close()
			return sink.ShardInfo{}, err
		}
		if hi == len(perm) {
			break
		}
	}
	return w.Close()
}

// shardColumns are the output columns without the internal ones.
func (r *jobEnv) shardColumns(s *arrow.Schema) []string {
	var out []string
	for _, f := range s.Fields() {
		if f.Name != colH2 && f.Name != colRowID {
			out = append(out, f.Name)
		}
	}
	return out
}
