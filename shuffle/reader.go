package shuffle

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/input/guard"
)

// Reader reads a committed map output. Partition iterators may be used
// from different goroutines at once; each reads with its own offsets.
type Reader struct {
	dataPath, indexPath string
	ix                  *index
	schema              *arrow.Schema
	schemaMsg           []byte // the index's schema message, checked (see checkSchema)
	data                *os.File
	mapped              *mapping // the data file mapped read-only (nil: read with ReadAt)
	id                  *fileID  // the data file's identity when opened (nil: unknown)
	mem                 memory.Allocator
	// File dictionaries (version 2): the id schema, its message, and per
	// column the file's dictionary (nil for other columns); all nil in
	// version 1.
	idSchema *arrow.Schema
	idMsg    []byte
	dicts    []*array.Data
}

// OpenReader opens path+".index" and path+".data". The index is validated
// (magic, version, its own checksum, the data file's size and every
// segment's range); errors name the file.
func OpenReader(path string, mem memory.Allocator) (*Reader, error) {
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	r := &Reader{dataPath: path + ".data", indexPath: path + ".index", mem: mem}
	b, err := os.ReadFile(r.indexPath)
	if err != nil {
		return nil, fmt.Errorf("shuffle: %w", err)
	}
	f, err := os.Open(r.dataPath)
	if err != nil {
		return nil, fmt.Errorf("shuffle: %w", err)
	}
	statTime := time.Now()
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("shuffle: %w", err)
	}
	ix, err := unmarshalIndex(b, st.Size())
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("shuffle: %s: %w", r.indexPath, err)
	}
	n, err := guard.SchemaMessage(ix.Schema)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("shuffle: %s: schema: %w", r.indexPath, err)
	}
	r.schemaMsg = ix.Schema[:n]
	sr, err := ipc.NewReader(bytes.NewReader(ix.Schema), ipc.WithAllocator(mem),
		ipc.WithMetadataSizeLimit(int64(len(ix.Schema))), ipc.WithBodySizeLimit(int64(len(ix.Schema))))
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("shuffle: %s: schema: %w", r.indexPath, err)
	}
	r.schema = sr.Schema()
	sr.Release()
	r.ix, r.data = ix, f
	r.id = identify(r.dataPath, st, statTime)
	if m := mapFile(f, st.Size()); m != nil {
		r.mapped = newMapping(m)
	}
	if err := r.loadDicts(); err != nil {
		r.Close()
		return nil, fmt.Errorf("shuffle: %w", err)
	}
	return r, nil
}

// Schema is the schema of every batch.
func (r *Reader) Schema() *arrow.Schema { return r.schema }

// SchemaStream is the schema as the index stores it: an Arrow IPC stream
// holding only the schema message.
func (r *Reader) SchemaStream() []byte { return r.ix.Schema }

// NumPartitions is the number of partitions of the output.
func (r *Reader) NumPartitions() int { return len(r.ix.Segments) }

// PartitionInfo describes partition p; it is the zero value when p is out
// of range.
func (r *Reader) PartitionInfo(p int) PartitionInfo {
	if p < 0 || p >= len(r.ix.Segments) {
		return PartitionInfo{}
	}
	return partitionInfo(r.ix.Segments[p])
}

// Partition returns an iterator over partition p's batches in write order.
// Each segment's CRC is checked before it is decoded, and its row count
// against the index.
func (r *Reader) Partition(p int) (BatchIterator, error) {
	if r.data == nil {
		return nil, fmt.Errorf("shuffle: %s: reader is closed", r.dataPath)
	}
	if p < 0 || p >= len(r.ix.Segments) {
		return nil, fmt.Errorf("shuffle: %s: partition %d outside [0, %d)", r.dataPath, p, len(r.ix.Segments))
	}
	return &partIter{r: r, p: p, segs: r.ix.Segments[p]}, nil
}

// PartitionExtent is the smallest byte range of the data file that holds
// every segment of partition p (lo == hi when it has none or p is out of
// range).
func (r *Reader) PartitionExtent(p int) (lo, hi int64) {
	if p < 0 || p >= len(r.ix.Segments) {
		return 0, 0
	}
	for i, s := range r.ix.Segments[p] {
		if i == 0 || s.Offset < lo {
			lo = s.Offset
		}
		hi = max(hi, s.Offset+s.Length)
	}
	return lo, hi
}

// DropRange releases the resident pages of bytes [lo, hi) of the data file
// when it is mapped (whole pages inside the range only): a reader kept open
// while partition after partition is read then holds about the pages of
// the partitions not dropped yet, not the file's. Batches over those bytes
// stay valid (their pages are read again from the file when touched). One
// call for many partitions' bytes (their PartitionExtent) costs the kernel
// one pass and one TLB flush instead of one per segment.
func (r *Reader) DropRange(lo, hi int64) {
	if r.mapped == nil {
		return
	}
	lo, hi = max(lo, 0), min(hi, int64(len(r.mapped.data)))
	if lo < hi {
		dropPages(r.mapped.data[lo:hi])
	}
}

// Close closes the data file. Iterators must be closed first.
func (r *Reader) Close() error {
	if r.data == nil {
		return nil
	}
	if r.mapped != nil {
		r.mapped.release() // unmapped once no batch uses it
		r.mapped = nil
	}
	for i, d := range r.dicts {
		if d != nil {
			d.Release() // batches that use it hold their own references
			r.dicts[i] = nil
		}
	}
	err := r.data.Close()
	r.data = nil
	return err
}

// partIter walks one partition's segments.
type partIter struct {
	r    *Reader
	p    int
	segs []segment
	next int // index of the next segment to open
	cur  *segIter
	rows int64 // rows read from the current segment
	buf  []byte
	err  error
}

func (it *partIter) Next() (arrow.RecordBatch, error) {
	if it.err != nil {
		return nil, it.err
	}
	for {
		if it.cur != nil {
			b, err := it.cur.Next()
			if err != nil {
				return nil, it.fail(err)
			}
			if b != nil {
				it.rows += b.NumRows()
				return b, nil
			}
			it.cur.Close()
			it.cur = nil
			if want := it.segs[it.next-1].Rows; it.rows != want {
				return nil, it.fail(fmt.Errorf("segment holds %d rows, index says %d", it.rows, want))
			}
		}
		if it.next >= len(it.segs) {
			return nil, nil
		}
		if err := it.open(); err != nil {
			return nil, it.fail(err)
		}
	}
}

// open reads and decodes the next segment into the reused buffer.
func (it *partIter) open() error {
	s := it.segs[it.next]
	it.next++
	it.rows = 0
	if it.r.data == nil {
		return fmt.Errorf("reader is closed")
	}
	if m := it.r.mapped; m != nil {
		// Committed outputs never change, so the mapping is read in place.
		// Without body compression the batches share the mapped bytes
		// (each buffer holds the mapping); otherwise decoding copies.
		// A segment this process has checked in the same file version is
		// not checked again (see verifiedSegments).
		seg := m.data[s.Offset : s.Offset+s.Length]
		check := !segmentVerified(it.r.id, s.Offset)
		schema, msg, dicts := it.r.segmentSchema(seg)
		var cur *segIter
		var err error
		if it.r.ix.Codec == CodecNone {
			cur, err = decodeInPlace(m, seg, s.CRC, check, schema, msg, it.r.mem)
		} else {
			cur, err = decodeSegment(seg, s.CRC, schema, msg, it.r.mem)
		}
		if err != nil {
			return err
		}
		if check {
			markVerified(it.r.id, s.Offset)
		}
		cur.useDicts(it.r.schema, dicts)
		it.cur = cur
		return nil
	}
	if int64(cap(it.buf)) < s.Length {
		it.buf = make([]byte, s.Length)
	}
	buf := it.buf[:s.Length]
	if n, err := it.r.data.ReadAt(buf, s.Offset); n < len(buf) {
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return fmt.Errorf("read %d bytes at offset %d: %w", s.Length, s.Offset, err)
	}
	schema, msg, dicts := it.r.segmentSchema(buf)
	cur, err := decodeSegment(buf, s.CRC, schema, msg, it.r.mem)
	if err != nil {
		return err
	}
	cur.useDicts(it.r.schema, dicts)
	it.cur = cur
	return nil
}

// fail records err with the partition and segment it happened in.
func (it *partIter) fail(err error) error {
	if it.cur != nil {
		it.cur.Close()
		it.cur = nil
	}
	it.err = fmt.Errorf("shuffle: %s: partition %d segment %d: %w", it.r.dataPath, it.p, it.next-1, err)
	return it.err
}

func (it *partIter) Close() error {
	if it.cur != nil {
		it.cur.Close()
		it.cur = nil
	}
	if it.err == nil {
		it.err = fmt.Errorf("shuffle: %s: partition %d: iterator is closed", it.r.dataPath, it.p)
	}
	return nil
}
