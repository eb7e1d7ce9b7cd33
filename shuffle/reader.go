package shuffle

import (
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
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
	idLayout *layout // the id schema's (nil: no file dictionaries)
	// layouts remembers the narrowed segment schemas met (see
	// segmentLayout), for the iterators of every goroutine.
	mu      sync.Mutex
	layouts []*layout
	rec     *recycler // the widened columns' buffers
}

// OpenReader opens path+".index" and path+".data". The index is validated
// (magic, version, its own checksum, the data file's size and every
// segment's range); errors name the file.
func OpenReader(path string, mem memory.Allocator) (*Reader, error) {
	return OpenReaderWith(path, mem, ReaderOptions{})
}

// ReaderOptions configure a Reader.
type ReaderOptions struct {
	// Copy reads each segment with a positioned read and decodes it into
	// memory from mem, instead of mapping the data file and decoding in
	// place. For a reader that visits small pieces of many files: the
	// pages of a mapped file that its reads touch count as the process's
	// resident memory (a hot page cache maps them in large folios), while
	// a copying reader holds only the batches it hands out.
	Copy bool
}

// OpenReaderWith is OpenReader with options.
func OpenReaderWith(path string, mem memory.Allocator, opt ReaderOptions) (*Reader, error) {
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	r := &Reader{dataPath: path + ".data", indexPath: path + ".index", mem: mem, rec: newRecycler(mem)}
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
	schema, n, err := decodeSchema(ix.Schema)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("shuffle: %s: schema: %w", r.indexPath, err)
	}
	r.schema, r.schemaMsg = schema, ix.Schema[:n]
	r.ix, r.data = ix, f
	r.id = identify(r.dataPath, st, statTime)
	if !opt.Copy {
		if m := mapFile(f, st.Size()); m != nil {
			r.mapped = newMapping(m)
		}
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

// Close closes the data file. Iterators must be closed first.
func (r *Reader) Close() error {
	if r.data == nil {
		return nil
	}
	if r.mapped != nil {
		r.mapped.release() // unmapped once no batch uses it
		r.mapped = nil
	}
	r.rec.close()
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
	rows int64   // rows read from the current segment
	buf  *[]byte // read buffer (unmapped files), from readBufs
	err  error
	// closed: Next after Close fails (the error is only formatted then:
	// a shard-write at 333M rows closes a million iterators).
	closed bool
}

func (it *partIter) Next() (arrow.RecordBatch, error) {
	if it.err != nil {
		return nil, it.err
	}
	if it.closed {
		it.err = fmt.Errorf("shuffle: %s: partition %d: iterator is closed", it.r.dataPath, it.p)
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
	// Committed outputs never change, so a mapped file is read in place.
	// Without body compression the batches share the segment's bytes (each
	// buffer holds the mapping or the segment's buffer); otherwise decoding
	// copies. A segment this process has checked in the same file version
	// is not checked again (see verifiedSegments).
	seg, own, err := it.segment(s)
	if err != nil {
		return err
	}
	done := segmentVerified(it.r.id, s.Offset)
	check := done&checkedCRC == 0
	schema, msg, lay, err := it.r.segmentLayout(seg)
	if err != nil {
		if own != nil {
			own.release()
		}
		return err
	}
	state, err := lay.start(seg)
	if err != nil {
		if own != nil {
			own.release()
		}
		return err
	}
	var cur *segIter
	tl := lay.trailerLen()
	if m := it.r.mapped; m != nil && it.r.ix.Codec == CodecNone {
		cur, err = decodeInPlace(m, seg, tl, s.CRC, check, schema, msg, it.r.mem)
	} else if own != nil {
		cur, err = decodeInPlace(own, seg, tl, s.CRC, check, schema, msg, it.r.mem)
	} else {
		cur, err = decodeSegment(seg, tl, s.CRC, schema, msg, it.r.mem)
	}
	if err != nil {
		if own != nil {
			own.release()
		}
		return err
	}
	if check {
		markVerified(it.r.id, s.Offset, checkedCRC)
	}
	cur.own = own
	cur.lay, cur.state, cur.mem, cur.wmem = lay, state, it.r.mem, it.r.rec
	if lay != nil && lay.ids {
		if done&checkedIDs != 0 {
			cur.idsChecked = true
		} else if id := it.r.id; id != nil {
			off := s.Offset
			cur.onIDsChecked = func() { markVerified(id, off, checkedIDs) }
		}
	}
	it.cur = cur
	return nil
}

// segment returns segment s's bytes: the mapping's; or, from an unmapped
// file, an uncompressed segment read into memory that its batches share
// (own, one reference for the iterator), or a compressed one read into the
// iterator's reused buffer (decoding copies it).
func (it *partIter) segment(s segment) (seg []byte, own *mapping, err error) {
	if m := it.r.mapped; m != nil {
		return m.data[s.Offset : s.Offset+s.Length], nil, nil
	}
	if it.r.ix.Codec == CodecNone {
		own, err := readSegment(it.r.data, s.Offset, s.Length, it.r.rec)
		if err != nil {
			return nil, nil, err
		}
		return own.data, own, nil
	}
	if it.buf == nil {
		it.buf = getReadBuf()
	}
	if int64(cap(*it.buf)) < s.Length {
		*it.buf = make([]byte, s.Length)
	}
	buf := (*it.buf)[:s.Length]
	if err := readFullAt(it.r.data, buf, s.Offset); err != nil {
		return nil, nil, err
	}
	return buf, nil, nil
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
	if it.buf != nil {
		putReadBuf(it.buf)
		it.buf = nil
	}
	it.closed = true
	return nil
}

// readBufs recycles the read buffers of unmapped files' segments: a
// reader visiting a thousand partitions of hundreds of files would
// otherwise allocate one per segment.
var readBufs = sync.Pool{New: func() any { return new([]byte) }}

// maxPooledBuf is the largest read buffer kept for reuse.
const maxPooledBuf = 16 << 20

func getReadBuf() *[]byte { return readBufs.Get().(*[]byte) }

func putReadBuf(b *[]byte) {
	if cap(*b) <= maxPooledBuf {
		readBufs.Put(b)
	}
}
