package task

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-ml/sluice/sink/shard"
	"github.com/sluice-ml/sluice/task/roworder"
	"github.com/sluice-ml/sluice/task/rows"
)

// shardSortShare is the part of the executor's budget a shard's sort keys
// may hold before they spill as sorted runs to the scratch directory.
const shardSortShare = 4

// minSpillRows is the smallest run spilled (smaller runs only add files).
const minSpillRows = 4096

// overShare reports whether need bytes of sort keys exceed their share of
// the executor's budget.
func (c *shardCollector) overShare(need int64) bool {
	b := c.x.Budget
	return b != nil && b.Limit() > 0 && need > b.Limit()/shardSortShare
}

// startSpill moves the picks held so far into per-split spilling sorters;
// from then on add feeds the sorters.
func (c *shardCollector) startSpill() error {
	b := c.x.Budget
	maxRows := max(int(b.Limit()/shardSortShare/roworder.PickBytes/int64(len(c.picks))), minSpillRows)
	c.spill = make([]*roworder.SpillSorter, len(c.picks))
	shuffle := c.r.output.GetShuffle()
	for k := range c.spill {
		s, err := roworder.NewSpillSorter(c.x.WorkDir, fmt.Sprintf("%s-s%d", c.spillName, k), maxRows)
		if err != nil {
			return err
		}
		c.spill[k] = s
		p := &c.picks[k]
		for i := range p.batch {
			key := p.rowid[i]
			if shuffle {
				key = p.h2[i]
			}
			if err := s.Add(roworder.Pick{Key: key, RowID: p.rowid[i], H2: p.h2[i], Batch: p.batch[i], Row: p.row[i]}); err != nil {
				return err
			}
		}
		*p = shardPicks{}
	}
	return nil
}

// addSpill adds row i of kept batch bi (of split k) to split k's sorter,
// keyed as write orders it: by (h2, rowid), or by rowid alone without
// output.shuffle.
func (c *shardCollector) addSpill(k int, bi int32, i int) error {
	key := c.o.RowID[i]
	if c.r.output.GetShuffle() {
		key = c.o.H2[i]
	}
	return c.spill[k].Add(roworder.Pick{Key: key, RowID: c.o.RowID[i], H2: c.o.H2[i], Batch: bi, Row: int32(i)})
}

// writeSpilled writes split k's rows in the order the sorter merges them:
// the same order, and so the same bytes, as write's in-memory sort.
func (c *shardCollector) writeSpilled(schema *arrow.Schema, dicts []arrow.Array, k int, path string) (shard.Info, error) {
	outSchema, err := rows.ProjectSchema(schema, c.r.shardColumns(schema))
	if err != nil {
		return shard.Info{}, err
	}
	w, err := c.newShardWriter(path, outSchema)
	if err != nil {
		return shard.Info{}, err
	}
	chunk := ShardChunkRows
	var bi, ri []int32
	wrote := false
	err = c.spill[k].Sorted(chunk, func(ps []roworder.Pick) error {
		bi, ri = bi[:0], ri[:0]
		for _, p := range ps {
			bi, ri = append(bi, p.Batch), append(ri, p.Row)
		}
		wrote = true
		return c.writeChunk(w, outSchema, dicts, k, bi, ri)
	})
	if err == nil && !wrote {
		// An empty split writes one empty chunk, as write does.
		err = c.writeChunk(w, outSchema, dicts, k, nil, nil)
	}
	if err != nil {
		w.Close()
		return shard.Info{}, err
	}
	return w.Close()
}

// removeSpill deletes whatever runs are left (a failed task's).
func (c *shardCollector) removeSpill() {
	for _, s := range c.spill {
		s.Remove()
	}
}
