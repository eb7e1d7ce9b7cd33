package task

import (
	"context"
	"fmt"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/sink/shard"
	"github.com/sluice-ml/sluice/task/exchange"
	"github.com/sluice-ml/sluice/task/fragment"
	"github.com/sluice-ml/sluice/task/rows"
	"github.com/sluice-ml/sluice/vocab"
)

// ShardChunkRows is how many sorted rows a shard-write task gathers,
// transforms and writes at a time. A chunk is gathered from every kept
// batch: 256K rows keep the per-chunk work small next to the rows (64K
// rows cost 15 % more CPU in this stage; 1M rows no less CPU and 0.5 GB
// more memory). The chunks decide the output's row groups and record
// batches; tests lower it to make chunks span cache buckets.
var ShardChunkRows = 256 << 10

// ShardStreaming writes shuffled shards a cache bucket at a time (stream);
// false sorts the whole shard first, as unshuffled shards are. Both write
// the same bytes; tests compare them.
var ShardStreaming = true

// streamSplit is one split's writer while a shard streams, and its sorted
// rows not written yet (fewer than a chunk between buckets).
type streamSplit struct {
	w     *shard.Writer
	batch []int32
	row   []int32
	wrote bool
}

// stream writes shard j of every split a cache bucket at a time. With
// output.shuffle a shard's order is (h2, rowid) and cache bucket b holds
// the rows whose h2 has b in its top bits, so the shard's rows in bucket
// order, each bucket sorted, are the whole shard sorted. Each bucket's
// batches are read from every cache, its rows of shard j sorted and
// appended to their split's pending rows; whole chunks of those are
// written, and the batches no pending row needs are released. The chunks
// are the rows write would put in them, so the bytes are the same; the task
// holds at most two buckets' batches (see carry), whatever the input size.
func (c *shardCollector) stream(ctx context.Context, caches []fragment.Location, lo, hi int, schema *arrow.Schema, paths []string) (infos []shard.Info, err error) {
	outSchema, err := rows.ProjectSchema(schema, c.r.shardColumns(schema))
	if err != nil {
		return nil, err
	}
	ss := make([]*streamSplit, len(c.picks))
	defer func() {
		if err != nil {
			for _, s := range ss {
				if s != nil {
					s.w.Close()
				}
			}
		}
	}()
	for k := range ss {
		w, err := c.newShardWriter(paths[k], outSchema)
		if err != nil {
			return nil, err
		}
		ss[k] = &streamSplit{w: w}
	}
	d := &streamDicts{src: c.src}
	defer d.release()
	shift := 64 - c.r.cacheBucketBits()
	chunk := ShardChunkRows
	bi := make([]int32, 0, chunk)
	sortK := c.r.kernels(c.x, vocab.StageShardWrite, vocab.OpSort)
	var order []int32
	br := exchange.NewBucketReader(c.x.Files, caches)
	defer br.Close()
	for b := lo; b < hi; b++ {
		for i := range caches {
			if err := br.ForEach(ctx, i, b, c.x.Mem, c.add); err != nil {
				return nil, err
			}
		}
		for k := range c.picks {
			p, s := &c.picks[k], ss[k]
			for _, h := range p.h2 {
				if int(h>>shift) != b {
					return nil, fmt.Errorf("internal: a row of shard hash %#x read from cache bucket %d", h, b)
				}
			}
			order = rows.Resize(order, len(p.h2))
			if err := sortK.SortPerm(p.h2, p.rowid, order); err != nil {
				return nil, err
			}
			s.batch = appendPermuted(s.batch, p.batch, order)
			s.row = appendPermuted(s.row, p.row, order)
			*p = shardPicks{batch: p.batch[:0], row: p.row[:0], h2: p.h2[:0], rowid: p.rowid[:0]}
			for len(s.batch) >= chunk {
				if err := c.streamChunk(s, d, outSchema, k, chunk, &bi); err != nil {
					return nil, err
				}
			}
		}
		if err := c.carry(ss); err != nil {
			return nil, err
		}
	}
	infos = make([]shard.Info, len(ss))
	for k, s := range ss {
		// The last rows; an empty split writes one empty chunk, as write
		// does.
		if len(s.batch) > 0 || !s.wrote {
			if err := c.streamChunk(s, d, outSchema, k, len(s.batch), &bi); err != nil {
				return nil, err
			}
		}
		info, err := s.w.Close()
		ss[k] = nil
		if err != nil {
			return nil, err
		}
		infos[k] = info
	}
	return infos, nil
}

// carry ends a bucket. A split's pending rows of this bucket keep their
// batches for one more bucket: a large split writes them with its next
// chunk, reading the two buckets' batches directly. Its pending rows of the
// previous bucket, which waited a whole bucket, are gathered into one
// compact batch (the needed columns of those rows only) and the previous
// bucket's batches are released. So the task holds at most two buckets'
// batches plus such carries, which hold fewer than a chunk of rows per
// split: the rows of a small split may wait several buckets for their
// chunk without keeping those buckets' batches. Carrying every bucket's
// pending rows at once gathered each large split's rows twice: about a
// quarter of them on the 33.3M-row citibike job.
func (c *shardCollector) carry(ss []*streamSplit) error {
	old := c.src.Batches
	var kept []arrow.RecordBatch
	release := func() {
		for _, b := range kept {
			b.Release()
		}
	}
	remap := make([]int32, len(old))
	for i := range remap {
		remap[i] = -1
	}
	keep := func(o int32) int32 {
		if remap[o] < 0 {
			remap[o] = int32(len(kept))
			old[o].Retain()
			kept = append(kept, old[o])
		}
		return remap[o]
	}
	carries, prev := int32(c.carries), int32(c.deferred)
	fresh := make([]int, len(ss)) // per split: where its rows of this bucket start
	for k, s := range ss {
		// The pending rows are carried rows, then the previous bucket's,
		// then this bucket's (each bucket's rows follow the last's).
		i := 0
		for ; i < len(s.batch) && s.batch[i] < carries; i++ {
			s.batch[i] = keep(s.batch[i])
		}
		j := i
		for j < len(s.batch) && s.batch[j] < prev {
			j++
		}
		if j > i {
			b, err := rows.GatherRows(c.src.Stored, old, s.batch[i:j], s.row[i:j], c.x.Mem)
			if err != nil {
				release()
				return err
			}
			at := int32(len(kept))
			kept = append(kept, b)
			for q := i; q < j; q++ {
				s.batch[q], s.row[q] = at, int32(q-i)
			}
		}
		fresh[k] = j
	}
	nCarries := len(kept)
	for k, s := range ss {
		for q := fresh[k]; q < len(s.batch); q++ {
			if s.batch[q] < prev {
				release()
				return fmt.Errorf("internal: split %d's pending row %d is from an earlier bucket than the rows before it", k, q)
			}
			s.batch[q] = keep(s.batch[q])
		}
	}
	c.src.Release()
	c.src.Batches, c.carries, c.deferred = kept, nCarries, len(kept)
	return nil
}

// streamChunk writes split k's first n pending rows and drops them from
// the pending ones.
func (c *shardCollector) streamChunk(s *streamSplit, d *streamDicts, outSchema *arrow.Schema, k, n int, bi *[]int32) error {
	// writeChunk rebases the batch indices in place: it gets a copy.
	*bi = append((*bi)[:0], s.batch[:n]...)
	if err := c.writeChunk(s.w, outSchema, d.get(c.x.Mem), k, *bi, s.row[:n]); err != nil {
		return err
	}
	s.wrote = true
	m := copy(s.batch, s.batch[n:])
	copy(s.row, s.row[n:])
	s.batch, s.row = s.batch[:m], s.row[:m]
	return nil
}

// streamDicts are the task's dictionaries as a streaming shard has seen
// them: built again when a bucket brings new values (every row gathered so
// far indexes values already seen).
type streamDicts struct {
	src   *rows.ShardSources
	n     int // src.DictLen() when dicts were built
	dicts []arrow.Array
	built bool
}

func (d *streamDicts) get(mem memory.Allocator) []arrow.Array {
	if n := d.src.DictLen(); !d.built || n != d.n {
		d.release()
		d.dicts, d.n, d.built = d.src.Dictionaries(mem), n, true
	}
	return d.dicts
}

func (d *streamDicts) release() {
	for _, x := range d.dicts {
		if x != nil {
			x.Release()
		}
	}
	d.dicts, d.built = nil, false
}

// appendPermuted appends src[q] for every q of order to dst.
func appendPermuted(dst, src, order []int32) []int32 {
	n := len(dst)
	dst = slices.Grow(dst, len(order))[:n+len(order)]
	out := dst[n:]
	for i, q := range order {
		out[i] = src[q]
	}
	return dst
}
