package shuffle

import (
	"bufio"
	"fmt"
	"hash/crc32"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
)

// segmentSink streams encoded segment bytes to the data file through a
// buffer, summing their CRC-32C and length on the way: a segment is never
// held whole in memory.
type segmentSink struct {
	bw  *bufio.Writer
	crc uint32
	n   int64
}

// segmentBufferSize is the data file's write buffer.
const segmentBufferSize = 1 << 20

func (s *segmentSink) Write(b []byte) (int, error) {
	s.crc = crc32.Update(s.crc, castagnoli, b)
	s.n += int64(len(b))
	return s.bw.Write(b)
}

// flush writes partition p's buffered pieces as one segment: an IPC
// stream encoded straight into the data file's write buffer.
func (w *Writer) flush(p int) error {
	pb := &w.parts[p]
	pieces := pb.pieces
	ids := w.idSegment(pieces)
	schema := w.schema
	if ids {
		schema = w.fd.schema
	}
	narrow, encs := w.segmentEncodings(pieces, ids)
	if narrow != nil {
		schema = narrow
		w.narrowed = true
	}
	// prev[c]: a delta column's last value encoded so far.
	var prev []int64
	for c, e := range encs {
		if e.kind != encPlain {
			w.encoded = true
			if prev == nil {
				prev = make([]int64, len(encs))
			}
			prev[c] = e.base
		}
	}
	w.sink.crc, w.sink.n = 0, 0
	opts := append(w.opt.Codec.ipcOptions(), ipc.WithSchema(schema), ipc.WithAllocator(w.mem))
	iw := ipc.NewWriter(&w.sink, opts...)
	var rows int64
	for i := 0; i < len(pieces); {
		j, n := i+1, pieces[i].n
		for j < len(pieces) && n+pieces[j].n <= CoalesceRows {
			n += pieces[j].n
			j++
		}
		rec, err := w.coalesce(pieces[i:j], n, ids, schema, encs, prev)
		if err == nil {
			err = iw.Write(rec)
			rec.Release()
		}
		if err != nil {
			iw.Close()
			return w.fail(fmt.Errorf("shuffle: %s: partition %d: encode segment: %w", w.path, p, err))
		}
		rows += n
		i = j
	}
	if err := iw.Close(); err != nil {
		return w.fail(fmt.Errorf("shuffle: %s: partition %d: encode segment: %w", w.path, p, err))
	}
	if prev != nil {
		w.trailer = appendTrailer(w.trailer[:0], encs)
		if _, err := w.sink.Write(w.trailer); err != nil {
			return w.fail(fmt.Errorf("shuffle: %s: partition %d: encode segment: %w", w.path, p, err))
		}
	}
	if ids {
		w.fd.used = true
	}
	n := w.sink.n
	w.segs[p] = append(w.segs[p], segment{Offset: w.off, Length: n, Rows: rows, CRC: w.sink.crc})
	w.off += n
	for i, pc := range pieces {
		w.release(pc)
		pieces[i] = piece{}
	}
	pb.pieces, pb.share = pieces[:0], 0
	return nil
}

// coalesce merges pieces (rows in total) into one batch of schema, column
// by column, and shrinks every dictionary column to the entries its rows
// use. When the pieces of a dictionary column carry different
// dictionaries, each piece is shrunk first so that unification only sees
// used entries. With ids, the file dictionary columns hold ids. A column
// with a stored type in encs (nil: none) is stored as that narrower
// integer type, encoded as it says (prev: see flush).
func (w *Writer) coalesce(pieces []piece, rows int64, ids bool, schema *arrow.Schema, encs []colEnc, prev []int64) (arrow.RecordBatch, error) {
	ncols := w.schema.NumFields()
	cols := make([]arrow.Array, ncols)
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	spans := make([]span, len(pieces))
	for c := range cols {
		for i, pc := range pieces {
			spans[i] = span{pc.src.rec.Column(c), int(pc.off), int(pc.n)}
		}
		var col arrow.Array
		var err error
		var e colEnc
		if encs != nil {
			e = encs[c]
		}
		narrow := e.dt
		if ids && w.fd.isCol[c] {
			if narrow == nil {
				narrow = arrow.PrimitiveTypes.Int32
			}
			col, err = w.idColumn(c, spans, int(rows), narrow)
		} else if narrow != nil {
			var p *int64 // a delta column's state
			if prev != nil {
				p = &prev[c]
			}
			col = encodeSpans(spans, int(rows), e, p, w.mem)
		} else if col = concatSpans(spans, int(rows), w.mem); col == nil {
			col, err = w.mergeSpans(c, spans)
		}
		if err != nil {
			return nil, fmt.Errorf("column %q: %w", w.schema.Field(c).Name, err)
		}
		cols[c] = col
	}
	return array.NewRecordBatch(schema, cols, rows), nil
}

// mergeSpans is mergeColumn over slices of the spans.
func (w *Writer) mergeSpans(c int, spans []span) (arrow.Array, error) {
	parts := make([]arrow.Array, len(spans))
	for i, s := range spans {
		parts[i] = array.NewSlice(s.arr, int64(s.off), int64(s.off+s.n))
	}
	defer func() {
		for _, p := range parts {
			p.Release()
		}
	}()
	return w.mergeColumn(c, parts)
}

// mergeColumn concatenates parts (borrowed) of column c into one new
// reference.
func (w *Writer) mergeColumn(c int, parts []arrow.Array) (arrow.Array, error) {
	if _, ok := parts[0].(*array.Dictionary); !ok {
		if len(parts) == 1 {
			parts[0].Retain()
			return parts[0], nil
		}
		return array.Concatenate(parts, w.mem)
	}
	if len(parts) == 1 || sameDictionary(parts) {
		var merged arrow.Array
		if len(parts) == 1 {
			parts[0].Retain()
			merged = parts[0]
		} else {
			var err error
			if merged, err = array.Concatenate(parts, w.mem); err != nil {
				return nil, err
			}
		}
		defer merged.Release()
		return compactDict(merged.(*array.Dictionary), w.mem)
	}
	if dt := parts[0].DataType(); memoable(dt) {
		merged, err := w.memo(c).merge(dt.(*arrow.DictionaryType), parts, w.mem)
		if err != nil || merged != nil {
			return merged, err
		}
	}
	small := make([]arrow.Array, len(parts))
	defer func() {
		for _, a := range small {
			if a != nil {
				a.Release()
			}
		}
	}()
	for i, a := range parts {
		s, err := compactDict(a.(*array.Dictionary), w.mem)
		if err != nil {
			return nil, err
		}
		small[i] = s
	}
	return array.Concatenate(small, w.mem)
}

// sameDictionary reports whether every part shares the first part's
// dictionary data (the same object, not just equal values).
func sameDictionary(parts []arrow.Array) bool {
	d0 := parts[0].Data().Dictionary()
	for _, a := range parts[1:] {
		if a.Data().Dictionary() != d0 {
			return false
		}
	}
	return true
}
