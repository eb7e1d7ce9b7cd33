package shuffle

import (
	"bytes"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/input/guard"
)

// BatchIterator yields batches in order. Next returns nil, nil at the end;
// a batch is borrowed until the next call to Next or Close. Close is
// idempotent and releases what the iterator holds.
type BatchIterator interface {
	Next() (arrow.RecordBatch, error)
	Close() error
}

// DecodeSegment verifies data against crc (CRC-32C) and returns an
// iterator over the segment's batches, e.g. for bytes fetched over the
// network (StandaloneSegment). With schema (the file's), the segment must
// be of that schema or store some of its integer columns narrower, and
// its batches are of schema; with nil, they are as stored. data must stay
// unchanged until the iterator is closed; decoded batches do not
// reference it.
func DecodeSegment(data []byte, crc uint32, schema *arrow.Schema, mem memory.Allocator) (BatchIterator, error) {
	// An encoded segment's trailer follows its end-of-stream marker, where
	// the IPC reader stops; the layout then reads it.
	it, err := decodeSegment(data, 0, crc, nil, nil, mem)
	if err == nil && schema == nil {
		for _, f := range it.rd.Schema().Fields() {
			if f.Metadata.FindKey(encKey) >= 0 {
				it.Close()
				err = fmt.Errorf("decode: column %q is stored encoded (%s): its values need the file's schema", f.Name, encKey)
				break
			}
		}
	} else if err == nil {
		if stream := it.rd.Schema(); !stream.Equal(schema) {
			if it.lay, err = newLayout(stream, schema, nil, nil); err == nil {
				it.state, err = it.lay.start(data)
			}
			if err != nil {
				it.Close()
				err = fmt.Errorf("decode: %w", err)
			}
		}
	}
	if err != nil {
		return nil, fmt.Errorf("shuffle: segment: %w", err)
	}
	return &wrapIter{it: it, prefix: "shuffle: segment"}, nil
}

// segIter reads one segment's IPC stream.
type segIter struct {
	rd batchReader
	// inPlace: batches share the file mapping; columns whose values can
	// be read as strings are copied to mem (see ownBytes).
	inPlace bool
	mem     memory.Allocator
	own     *mapping // the segment's own bytes (nil: a file mapping's or none), released by Close
	owned   arrow.RecordBatch
	// An id or narrowed segment's batches become batches of the file's
	// schema (nil: as they are), widened columns allocated from wmem (nil:
	// mem).
	lay     *layout
	state   []int64 // lay's decoding state (layout.start)
	wmem    memory.Allocator
	wrapped arrow.RecordBatch
	// idsChecked: this segment's file dictionary ids passed their range
	// check in an earlier read of the same file version, so lay does not
	// check them again; otherwise onIDsChecked (when set) records that
	// they passed once the whole stream is read.
	idsChecked   bool
	onIDsChecked func()
}

// checkSchema checks a segment's leading schema message before arrow-go
// decodes it (arrow-go sizes slices from its vector lengths unchecked): a
// message with the bytes of msg, the index's schema message that the
// reader checked when it opened, passes at once; any other is walked.
func checkSchema(data, msg []byte) error {
	if msg != nil && bytes.HasPrefix(data, msg) {
		return nil
	}
	_, err := guard.SchemaMessage(data)
	return err
}

// bytesReader opens the IPC stream in data, allocating from mem; schema,
// when not nil, must match the stream's. No message's metadata or body may
// state more bytes than data holds: ipc.NewReader ignores its size limits,
// so a damaged length would be allocated before it is read.
func bytesReader(data []byte, mem memory.Allocator, schema *arrow.Schema) (*ipc.Reader, error) {
	limit := int64(len(data))
	mr := ipc.NewMessageReader(bytes.NewReader(data), ipc.WithAllocator(mem),
		ipc.WithMetadataSizeLimit(limit), ipc.WithBodySizeLimit(limit))
	opts := []ipc.Option{ipc.WithAllocator(mem)}
	if schema != nil {
		opts = append(opts, ipc.WithSchema(schema))
	}
	return ipc.NewReaderFromMessageReader(mr, opts...) // which releases mr
}

// decodeSegment checks the CRC and the schema message (msg: see
// checkSchema) and opens the IPC stream, data but its last trailer bytes;
// schema, when not nil, must match the stream's schema. Errors carry no
// location prefix.
func decodeSegment(data []byte, trailer int, crc uint32, schema *arrow.Schema, msg []byte, mem memory.Allocator) (*segIter, error) {
	if got := castagnoliSum(data); got != crc {
		return nil, fmt.Errorf("%w (stored %08x, computed %08x)", ErrChecksum, crc, got)
	}
	data = data[:len(data)-trailer]
	if err := checkSchema(data, msg); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	rd, err := bytesReader(data, mem, schema)
	if err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	return &segIter{rd: rd, mem: mem}, nil
}

func (s *segIter) Next() (arrow.RecordBatch, error) {
	if s.rd == nil {
		return nil, nil
	}
	s.releaseBatches()
	if s.rd.Next() {
		b := s.rd.RecordBatch()
		if s.inPlace && anySharesBytes(b.Schema()) {
			o, err := ownBytes(b, s.mem)
			if err != nil {
				return nil, fmt.Errorf("decode: %w", err)
			}
			s.owned, b = o, o
		}
		if s.lay == nil {
			return b, nil
		}
		wmem := s.wmem
		if wmem == nil {
			wmem = s.mem
		}
		w, err := s.lay.apply(b, wmem, !s.idsChecked, s.state)
		if err != nil {
			return nil, fmt.Errorf("decode: %w", err)
		}
		s.wrapped = w
		return w, nil
	}
	if err := s.rd.Err(); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	if s.onIDsChecked != nil {
		s.onIDsChecked()
		s.onIDsChecked = nil
	}
	return nil, nil
}

func (s *segIter) releaseBatches() {
	if s.owned != nil {
		s.owned.Release()
		s.owned = nil
	}
	if s.wrapped != nil {
		s.wrapped.Release()
		s.wrapped = nil
	}
}

func (s *segIter) Close() error {
	s.releaseBatches()
	if s.rd != nil {
		s.rd.Release()
		s.rd = nil
	}
	if s.own != nil {
		s.own.release() // freed once the batches' buffers are released too
		s.own = nil
	}
	return nil
}

// wrapIter prefixes a segment iterator's errors.
type wrapIter struct {
	it     *segIter
	prefix string
}

func (w *wrapIter) Next() (arrow.RecordBatch, error) {
	b, err := w.it.Next()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", w.prefix, err)
	}
	return b, nil
}

func (w *wrapIter) Close() error { return w.it.Close() }

func anySharesBytes(s *arrow.Schema) bool {
	for _, f := range s.Fields() {
		if sharesBytes(f.Type) {
			return true
		}
	}
	return false
}
