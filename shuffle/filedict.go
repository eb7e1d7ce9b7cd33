package shuffle

import (
	"bytes"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// A writer cut into many partitions writes many small segments. With a
// dictionary per segment, a string column repeats its values in every
// segment (a segment of a thousand rows can carry a dictionary several
// times the size of its indices), and every reader hashes them again. File
// dictionaries number each string dictionary column's values once for the
// whole file: segments carry int32 ids, and the values are written once,
// at Close (see format.go).

// fileDicts is a writer's file dictionary state.
type fileDicts struct {
	cols   []int // the columns numbered per file, ascending
	isCol  []bool
	schema *arrow.Schema // the id schema
	bytes  []byte        // the id schema as an IPC stream
	// off: a column's memo filled up, so every later segment carries its
	// own dictionaries; used: an id segment was written.
	off, used bool
}

// dictValuesSchema is the schema of a file dictionary's segment.
var dictValuesSchema = arrow.NewSchema([]arrow.Field{{Name: "values", Type: arrow.BinaryTypes.String}}, nil)

// newFileDicts returns the file dictionary state for schema; nil when no
// column is a dictionary of strings with int32 indices.
func newFileDicts(schema *arrow.Schema, mem memory.Allocator) (*fileDicts, error) {
	ids, cols := idSchema(schema)
	if len(cols) == 0 {
		return nil, nil
	}
	fd := &fileDicts{cols: cols, isCol: make([]bool, schema.NumFields()), schema: ids}
	for _, c := range cols {
		fd.isCol[c] = true
	}
	var err error
	if fd.bytes, err = schemaStream(ids, mem); err != nil {
		return nil, err
	}
	return fd, nil
}

// idSchema returns the id schema of schema (see newFileDicts) and the
// columns it numbers per file.
func idSchema(schema *arrow.Schema) (*arrow.Schema, []int) {
	fields := schema.Fields()
	var cols []int
	for i, f := range fields {
		if memoable(f.Type) {
			cols = append(cols, i)
			fields[i] = arrow.Field{Name: f.Name, Type: arrow.PrimitiveTypes.Int32, Nullable: f.Nullable, Metadata: f.Metadata}
		}
	}
	md := schema.Metadata()
	return arrow.NewSchema(fields, &md), cols
}

// schemaStream encodes an IPC stream holding only schema.
func schemaStream(schema *arrow.Schema, mem memory.Allocator) ([]byte, error) {
	var sb bytes.Buffer
	iw := ipc.NewWriter(&sb, ipc.WithSchema(schema), ipc.WithAllocator(mem))
	if err := iw.Close(); err != nil {
		return nil, err
	}
	return sb.Bytes(), nil
}

func (w *Writer) memo(c int) *dictMemo {
	if w.memos == nil {
		w.memos = make([]*dictMemo, w.schema.NumFields())
	}
	if w.memos[c] == nil {
		w.memos[c] = newDictMemo()
	}
	return w.memos[c]
}

// idSegment reports whether pieces are written as an id segment: file
// dictionaries are on and every piece's dictionaries fit in the memos
// (when one does not, file dictionaries stay off for the rest of the
// file).
func (w *Writer) idSegment(pieces []piece) bool {
	fd := w.fd
	if fd == nil || fd.off {
		return false
	}
	for _, c := range fd.cols {
		m := w.memo(c)
		for _, pc := range pieces {
			if _, ok := m.transpose(pc.src.rec.Column(c).Data().Dictionary()); !ok {
				fd.off = true
				return false
			}
		}
	}
	return true
}

// idColumn concatenates spans (of dictionary arrays of column c, rows in
// all) into one array of type dt (int8, int16 or int32, holding every id)
// of their values' ids in the column's memo; a null row gets id 0.
func (w *Writer) idColumn(c int, spans []span, rows int, dt arrow.DataType) (arrow.Array, error) {
	m := w.memo(c)
	nulls := 0
	for _, s := range spans {
		if s.arr.NullN() > 0 {
			nulls = -1 // counted at the end
			break
		}
	}
	ib := newBuf(w.mem, rows*intWidth(dt))
	var vb *memory.Buffer
	if nulls != 0 {
		vb = newBuf(w.mem, int(bitutil.BytesForBits(int64(rows))))
	}
	fail := func(err error) (arrow.Array, error) {
		ib.Release()
		releaseBuf(vb)
		return nil, err
	}
	off := 0
	for _, s := range spans {
		data := s.arr.Data()
		t, ok := m.transpose(data.Dictionary())
		if !ok {
			return fail(fmt.Errorf("internal: dictionary not numbered for the file"))
		}
		idx := arrow.GetValues[int32](data, 1)[s.off : s.off+s.n]
		var valid []byte
		if s.arr.NullN() > 0 && data.Buffers()[0] != nil {
			valid = data.Buffers()[0].Bytes()
		}
		base := data.Offset() + s.off
		var err error
		switch dt.ID() {
		case arrow.INT8:
			err = putIDs(arrow.Int8Traits.CastFromBytes(ib.Bytes())[off:off+s.n], idx, valid, base, t)
		case arrow.INT16:
			err = putIDs(arrow.Int16Traits.CastFromBytes(ib.Bytes())[off:off+s.n], idx, valid, base, t)
		default:
			err = putIDs(arrow.Int32Traits.CastFromBytes(ib.Bytes())[off:off+s.n], idx, valid, base, t)
		}
		if err != nil {
			return fail(err)
		}
		if vb != nil {
			if valid != nil {
				bitutil.CopyBitmap(valid, base, s.n, vb.Bytes(), off)
			} else {
				bitutil.SetBitsTo(vb.Bytes(), int64(off), int64(s.n), true)
			}
		}
		off += s.n
	}
	if vb != nil {
		nulls = rows - bitutil.CountSetBits(vb.Bytes(), 0, rows)
	}
	return finish(dt, rows, nulls, vb, ib), nil
}

// putIDs sets out[j] to the memo id t[idx[j]] of each row, 0 for a null
// row (valid: the rows' validity bitmap from bit base, nil: no nulls).
// Every memo id fits in D.
func putIDs[D ~int8 | ~int16 | ~int32](out []D, idx []int32, valid []byte, base int, t []int32) error {
	n := uint32(len(t))
	for j, v := range idx {
		if valid != nil {
			if k := base + j; valid[k>>3]&(1<<(k&7)) == 0 {
				out[j] = 0
				continue
			}
		}
		if uint32(v) >= n {
			return fmt.Errorf("dictionary index %d outside the dictionary (%d entries)", v, n)
		}
		out[j] = D(t[v])
	}
	return nil
}

// writeDicts writes each file dictionary's values as a segment and
// returns their entries; none when no id segment was written.
func (w *Writer) writeDicts() ([]fileDictEntry, error) {
	if w.fd == nil || !w.fd.used {
		return nil, nil
	}
	out := make([]fileDictEntry, 0, len(w.fd.cols))
	for _, c := range w.fd.cols {
		b := array.NewStringBuilder(w.mem)
		vals := w.memo(c).values
		size := 0
		for _, v := range vals {
			size += len(v)
		}
		b.Reserve(len(vals))
		b.ReserveData(size)
		for _, v := range vals {
			b.Append(v)
		}
		col := b.NewArray()
		b.Release()
		rec := array.NewRecordBatch(dictValuesSchema, []arrow.Array{col}, int64(len(vals)))
		col.Release()
		w.sink.crc, w.sink.n = 0, 0
		opts := append(w.opt.Codec.ipcOptions(), ipc.WithSchema(dictValuesSchema), ipc.WithAllocator(w.mem))
		iw := ipc.NewWriter(&w.sink, opts...)
		err := iw.Write(rec)
		rec.Release()
		if cerr := iw.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, fmt.Errorf("shuffle: %s: column %q: encode file dictionary: %w", w.path, w.schema.Field(c).Name, err)
		}
		out = append(out, fileDictEntry{Col: c, Seg: segment{Offset: w.off, Length: w.sink.n, Rows: int64(len(vals)), CRC: w.sink.crc}})
		w.off += w.sink.n
	}
	return out, nil
}

// loadDicts reads a version 2 output's id schema and file dictionaries
// (r.ix, r.schema and the data file are set).
func (r *Reader) loadDicts() error {
	ix := r.ix
	if len(ix.Dicts) == 0 {
		return nil
	}
	got, n, err := decodeSchema(ix.IDSchema)
	if err != nil {
		return fmt.Errorf("%s: id schema: %w", r.indexPath, err)
	}
	want, cols := idSchema(r.schema)
	if !got.Equal(want) {
		return fmt.Errorf("%s: id schema %s does not match the schema %s with its string dictionary columns as int32 ids", r.indexPath, got, r.schema)
	}
	if len(cols) != len(ix.Dicts) {
		return fmt.Errorf("%s: %d file dictionaries for %d string dictionary columns", r.indexPath, len(ix.Dicts), len(cols))
	}
	r.idSchema, r.idMsg = got, ix.IDSchema[:n]
	r.dicts = make([]*array.Data, r.schema.NumFields())
	for i, d := range ix.Dicts {
		if d.Col != cols[i] {
			return fmt.Errorf("%s: file dictionary %d is for column %d, want column %d (the string dictionary columns are %v)", r.indexPath, i, d.Col, cols[i], cols)
		}
		vals, err := r.readDict(d.Seg)
		if err != nil {
			return fmt.Errorf("%s: file dictionary of column %q: %w", r.dataPath, r.schema.Field(d.Col).Name, err)
		}
		r.dicts[d.Col] = vals
	}
	r.idLayout, err = newLayout(r.idSchema, r.schema, r.idMsg, r.dicts)
	return err
}

// readDict decodes one file dictionary's segment into values owned by
// r.mem.
func (r *Reader) readDict(s segment) (*array.Data, error) {
	data, err := r.segmentBytes(s)
	if err != nil {
		return nil, err
	}
	it, err := decodeSegment(data, 0, s.CRC, dictValuesSchema, nil, r.mem)
	if err != nil {
		return nil, err
	}
	defer it.Close()
	var parts []arrow.Array
	defer func() {
		for _, p := range parts {
			p.Release()
		}
	}()
	rows := int64(0)
	for {
		b, err := it.Next()
		if err != nil {
			return nil, err
		}
		if b == nil {
			break
		}
		c := b.Column(0)
		c.Retain()
		parts = append(parts, c)
		rows += b.NumRows()
	}
	if rows != s.Rows {
		return nil, fmt.Errorf("holds %d values, index says %d", rows, s.Rows)
	}
	var vals arrow.Array
	if len(parts) == 0 {
		vals = array.MakeArrayOfNull(r.mem, arrow.BinaryTypes.String, 0)
	} else if vals, err = array.Concatenate(parts, r.mem); err != nil {
		return nil, err
	}
	defer vals.Release()
	if vals.NullN() > 0 {
		return nil, fmt.Errorf("holds %d nulls (a dictionary's values must not be null)", vals.NullN())
	}
	d := vals.Data().(*array.Data)
	d.Retain()
	return d, nil
}

// segmentBytes returns segment s's bytes: the mapping's, or a new buffer.
func (r *Reader) segmentBytes(s segment) ([]byte, error) {
	if r.mapped != nil {
		return r.mapped.data[s.Offset : s.Offset+s.Length], nil
	}
	buf := make([]byte, s.Length)
	if err := readFullAt(r.data, buf, s.Offset); err != nil {
		return nil, err
	}
	return buf, nil
}

// StandaloneSegment returns segment i of partition p as bytes that decode
// alone (DecodeSegment), with their CRC-32C and rows: the stored bytes
// (from the mapping when the file is mapped: valid while the Reader is
// open; narrowed columns stay narrowed), or for an id segment the same
// rows encoded again, in the file's schema, with their own dictionaries of
// the entries they use.
func (r *Reader) StandaloneSegment(p, i int) ([]byte, uint32, int64, error) {
	if r.data == nil {
		return nil, 0, 0, fmt.Errorf("shuffle: %s: reader is closed", r.dataPath)
	}
	if p < 0 || p >= len(r.ix.Segments) || i < 0 || i >= len(r.ix.Segments[p]) {
		return nil, 0, 0, fmt.Errorf("shuffle: %s: partition %d segment %d does not exist", r.dataPath, p, i)
	}
	s := r.ix.Segments[p][i]
	data, err := r.segmentBytes(s)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("shuffle: %s: partition %d segment %d: %w", r.dataPath, p, i, err)
	}
	if _, _, lay, err := r.segmentLayout(data); err != nil {
		return nil, 0, 0, fmt.Errorf("shuffle: %s: partition %d segment %d: %w", r.dataPath, p, i, err)
	} else if lay == nil || !lay.ids {
		return data, s.CRC, s.Rows, nil // narrowed columns are widened by DecodeSegment
	}
	out, err := r.encodeStandalone(p, i)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("shuffle: %s: partition %d segment %d: %w", r.dataPath, p, i, err)
	}
	return out, castagnoliSum(out), s.Rows, nil
}

// encodeStandalone decodes segment i of partition p and encodes its
// batches as a segment with its own dictionaries.
func (r *Reader) encodeStandalone(p, i int) ([]byte, error) {
	it := &partIter{r: r, p: p, segs: r.ix.Segments[p][i : i+1]}
	defer it.Close()
	var buf bytes.Buffer
	iw := ipc.NewWriter(&buf, append(r.ix.Codec.ipcOptions(), ipc.WithSchema(r.schema), ipc.WithAllocator(r.mem))...)
	for {
		b, err := it.Next()
		if err == nil && b == nil {
			break
		}
		if err == nil {
			err = writeCompacted(iw, b, r.dicts, r.mem)
		}
		if err != nil {
			iw.Close()
			return nil, err
		}
	}
	if err := iw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// writeCompacted writes b with each file dictionary column's dictionary
// shrunk to the entries its rows use.
func writeCompacted(iw *ipc.Writer, b arrow.RecordBatch, dicts []*array.Data, mem memory.Allocator) error {
	rec, err := mapColumns(b, b.Schema(), func(i int, c arrow.Array) (arrow.Array, error) {
		if dicts[i] == nil {
			return nil, nil
		}
		return compactDict(c.(*array.Dictionary), mem)
	})
	if err != nil {
		return err
	}
	defer rec.Release()
	return iw.Write(rec)
}
