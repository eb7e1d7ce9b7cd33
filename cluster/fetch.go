package cluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/input/guard"
	"github.com/sluice-ml/sluice/monitor/nodemon"
	pb "github.com/sluice-ml/sluice/proto"
	"github.com/sluice-ml/sluice/shuffle"
	"github.com/sluice-ml/sluice/task"
	"github.com/sluice-ml/sluice/task/exchange"
)

const (
	// chunkBytes is the largest segment piece in one fetch message.
	chunkBytes = 1 << 20
	// fetchIdle is the longest a fetch waits for its next message.
	fetchIdle = 30 * time.Second
)

// errFetchIdle is a fetch stream that sent nothing for fetchIdle.
var errFetchIdle = fmt.Errorf("no data for %s: the executor holding it is stuck or cut off", fetchIdle)

// recvWithin receives the next message, cancelling the stream (with
// cancel) when none comes within d.
func recvWithin(st pb.Executor_FetchClient, cancel context.CancelFunc, d time.Duration) (*pb.FetchChunk, error) {
	if cancel == nil {
		return st.Recv()
	}
	var idle atomic.Bool
	t := time.AfterFunc(d, func() { idle.Store(true); cancel() })
	c, err := st.Recv()
	if !t.Stop() && idle.Load() {
		return nil, errFetchIdle
	}
	return c, err
}

// ServeFetch streams partition p of the output at path (under root, the
// executor's work directory) to the stream.
func ServeFetch(root string, req *pb.FetchRequest, send func(*pb.FetchChunk) error) error {
	path, err := confine(root, req.Path)
	if err != nil {
		return err
	}
	// OpenReader validates the index and the data file's size.
	rd, err := shuffle.OpenReader(path, memory.DefaultAllocator)
	if err != nil {
		return err
	}
	defer rd.Close()
	p := int(req.Partition)
	if p < 0 || p >= rd.NumPartitions() {
		return fmt.Errorf("%s: partition %d outside [0, %d)", path, p, rd.NumPartitions())
	}
	info := rd.PartitionInfo(p)
	if err := send(&pb.FetchChunk{Schema: rd.SchemaStream(), Rows: info.Rows, Bytes: info.Bytes, Segments: int32(info.Segments)}); err != nil {
		return err
	}
	for i := range info.Segments {
		// Each segment as it decodes alone: an id segment comes with its
		// own dictionaries instead of the file's.
		seg, crc, rows, err := rd.StandaloneSegment(p, i)
		if err != nil {
			return err
		}
		for off := 0; off < len(seg); {
			n := min(chunkBytes, len(seg)-off)
			c := &pb.FetchChunk{Data: seg[off : off+n]}
			off += n
			if off == len(seg) {
				c.SegmentEnd, c.Crc, c.SegmentRows = true, crc, rows
			}
			if err := send(c); err != nil {
				return err
			}
		}
	}
	return nil
}

// confine refuses a requested output path outside root (the executor's
// work directory).
func confine(root, path string) (string, error) {
	bad := func() (string, error) {
		if len(path) > 200 {
			path = path[:200] + "..."
		}
		return "", fmt.Errorf("fetch: %q is not a task output on this executor", path)
	}
	if len(path) > 4096 || strings.ContainsRune(path, 0) {
		return bad()
	}
	dir := filepath.Clean(root) + string(filepath.Separator)
	clean := filepath.Clean(path)
	if !filepath.IsAbs(clean) || !strings.HasPrefix(clean, dir) {
		return bad()
	}
	// A symbolic link below root must not lead out of it either.
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return "", err
	}
	if real, err := filepath.EvalSymlinks(filepath.Dir(clean)); err == nil && real != realRoot && !strings.HasPrefix(real, realRoot+string(filepath.Separator)) {
		return bad()
	}
	return clean, nil
}

// Fetcher opens task outputs for an executor (or the driver): local files
// directly, other executors' files over a gRPC fetch stream. It implements
// exchange.Files.
type Fetcher struct {
	// Self is this node's executor ID ("" on the driver).
	Self string
	// Root is this executor's work directory: outputs it holds lie
	// under it.
	Root string
	// Peers reaches the executors that hold remote outputs.
	Peers *Peers
	// Metrics, when set, counts the bytes, time and failures of remote
	// fetches.
	Metrics *nodemon.FetchMetrics
}

// local confines a location on this executor to its work directory.
func (f *Fetcher) local(loc task.Location) (task.Location, error) {
	if f.Root == "" {
		return loc, nil
	}
	p, err := confine(f.Root, loc.Path)
	if err != nil {
		return loc, err
	}
	loc.Path = p
	return loc, nil
}

var _ exchange.Files = (*Fetcher)(nil)

// ForEachPartition implements exchange.PartitionRanger for outputs on this
// node (read in place); remote ones are fetched a partition at a time.
func (f *Fetcher) ForEachPartition(ctx context.Context, loc task.Location, lo, hi int, mem memory.Allocator, fn func(b arrow.RecordBatch) error) (bool, error) {
	if loc.Executor == f.Self && f.Self != "" {
		loc, err := f.local(loc)
		if err != nil {
			return true, err
		}
		return exchange.LocalFiles{}.ForEachPartition(ctx, loc, lo, hi, mem, fn)
	}
	return false, nil
}

// LocalPath implements exchange.Localizer: outputs of this node's own
// executor are local.
func (f *Fetcher) LocalPath(loc task.Location) (task.Location, bool, error) {
	if loc.Executor == f.Self && f.Self != "" {
		l, err := f.local(loc)
		return l, err == nil, err
	}
	return loc, false, nil
}

// OpenPartition implements exchange.Files. A failed fetch is an
// *exchange.FetchFailed naming the output, so the driver re-runs its
// producer.
func (f *Fetcher) OpenPartition(ctx context.Context, loc task.Location, p int, mem memory.Allocator) (*exchange.Partition, error) {
	if loc.Executor == f.Self && f.Self != "" {
		loc, err := f.local(loc)
		if err != nil {
			return nil, err
		}
		return exchange.LocalFiles{}.OpenPartition(ctx, loc, p, mem)
	}
	lost := func(err error) error {
		f.Metrics.Failed()
		return exchange.Retryable(&exchange.FetchFailed{Loc: loc, Err: err})
	}
	cl, err := f.Peers.fetchClient(loc.Executor)
	if err != nil {
		return nil, lost(err)
	}
	sctx, cancel := context.WithCancel(ctx)
	st, err := cl.Fetch(sctx, &pb.FetchRequest{Path: loc.Path, Partition: int32(p)})
	if err != nil {
		cancel()
		return nil, lost(err)
	}
	head, err := recvWithin(st, cancel, fetchIdle)
	if err != nil {
		cancel()
		return nil, lost(err)
	}
	schema, _, err := guard.DecodeSchema(head.Schema)
	if err != nil {
		cancel()
		return nil, lost(fmt.Errorf("schema: %w", err))
	}
	it := &remoteIter{st: st, cancel: cancel, mem: mem, schema: schema, loc: loc, p: p, want: int(head.Segments), wantRows: head.Rows, met: f.Metrics}
	info := shuffle.PartitionInfo{Rows: head.Rows, Bytes: head.Bytes, Segments: int(head.Segments)}
	return exchange.NewPartition(schema, info, it, func() error { cancel(); return nil }), nil
}

// remoteIter decodes a fetch stream segment by segment, holding at most one
// segment's bytes.
type remoteIter struct {
	st     pb.Executor_FetchClient
	cancel context.CancelFunc // ends the stream
	mem    memory.Allocator
	schema *arrow.Schema // the output's: segments' narrowed columns are widened to it
	loc    task.Location
	p      int
	want   int // segments announced
	got    int
	cur    shuffle.BatchIterator
	rows   int64 // rows of the current segment so far
	exp    int64 // rows the current segment should hold
	buf    []byte
	err    error

	// wantRows is the rows the header announced; all counts the rows
	// returned, so that a stream with a wrong segment count fails.
	wantRows, all int64
	met           *nodemon.FetchMetrics
}

func (r *remoteIter) fail(err error) error {
	r.met.Failed()
	r.closeCur()
	r.err = exchange.Retryable(&exchange.FetchFailed{Loc: r.loc, Err: fmt.Errorf("partition %d segment %d: %w", r.p, r.got, err)})
	return r.err
}

func (r *remoteIter) closeCur() {
	if r.cur != nil {
		r.cur.Close()
		r.cur = nil
	}
}

// Next implements shuffle.BatchIterator.
func (r *remoteIter) Next() (arrow.RecordBatch, error) {
	if r.err != nil {
		return nil, r.err
	}
	for {
		if r.cur != nil {
			b, err := r.cur.Next()
			if err != nil {
				return nil, r.fail(err)
			}
			if b != nil {
				r.rows += b.NumRows()
				r.all += b.NumRows()
				return b, nil
			}
			r.closeCur()
			if r.rows != r.exp {
				return nil, r.fail(fmt.Errorf("segment holds %d rows, index says %d", r.rows, r.exp))
			}
		}
		if r.got == r.want {
			if r.all != r.wantRows {
				return nil, r.fail(fmt.Errorf("%d segments hold %d rows, the header says %d", r.got, r.all, r.wantRows))
			}
			return nil, nil
		}
		if err := r.open(); err != nil {
			return nil, r.fail(err)
		}
	}
}

// open receives the next segment's chunks and decodes it (its CRC checked).
func (r *remoteIter) open() error {
	t0 := time.Now()
	r.buf = r.buf[:0]
	for {
		c, err := recvWithin(r.st, r.cancel, fetchIdle)
		if err == io.EOF {
			return errors.New("stream ended early")
		}
		if err != nil {
			return err
		}
		r.buf = append(r.buf, c.Data...)
		if !c.SegmentEnd {
			continue
		}
		it, err := shuffle.DecodeSegment(r.buf, c.Crc, r.schema, r.mem)
		if err != nil {
			return err
		}
		r.met.Segment(len(r.buf), time.Since(t0))
		r.cur, r.rows, r.exp = it, 0, c.SegmentRows
		r.got++
		return nil
	}
}

// Close implements shuffle.BatchIterator.
func (r *remoteIter) Close() error {
	r.closeCur()
	if r.err == nil {
		r.err = errors.New("fetch: iterator is closed")
	}
	return nil
}
