package shuffle

import (
	"bufio"
	"errors"
	"fmt"
	"os"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Defaults of WriterOptions.
const (
	DefaultFlushBytes  = 8 << 20
	DefaultMaxBuffered = 64 << 20
)

// CoalesceRows is the largest batch the writer builds when it merges a
// partition's buffered pieces at flush time; a piece larger than this is
// written as it is.
const CoalesceRows = 1 << 16

// WriterOptions configure a Writer.
type WriterOptions struct {
	// Partitions is the number of output partitions, at least 1.
	Partitions int
	// Codec is the segment compression; "" means zstd.
	Codec Codec
	// FlushBytes is how many bytes a partition buffers before it is
	// written as a segment; 0 means DefaultFlushBytes.
	FlushBytes int64
	// MaxBuffered bounds the bytes buffered across all partitions; past it
	// the partitions with the most buffered bytes are flushed until the
	// writer holds less. 0 means DefaultMaxBuffered.
	MaxBuffered int64
}

// Output describes a committed map output.
type Output struct {
	DataPath, IndexPath string
	Partitions          []PartitionInfo
	Bytes               int64 // size of the data file
}

// PartitionInfo is one partition's share of a map output.
type PartitionInfo struct {
	Rows, Bytes int64
	Segments    int
}

// source is one batch the writer holds (one it retained or one it built),
// shared by the pieces cut from it. Its bytes count against MaxBuffered
// while any piece of it is buffered; it is released with its last piece.
type source struct {
	rec   arrow.RecordBatch
	bytes int64
	live  int
}

// piece is rows [off, off+n) of a source buffered for one partition. A
// piece is not a sliced batch: with a thousand partitions a scan batch
// is cut into a thousand pieces, and slicing each (an array per column)
// made the writer's allocations and the GC's work grow with the
// partitions; the rows are copied out of the source once, at flush.
type piece struct {
	src    *source
	off, n int64
	share  int64 // this piece's part of src.bytes
}

type partBuf struct {
	pieces []piece
	share  int64
}

// Writer writes one map task's output: a data file of segments and its
// index. It is not safe for concurrent use. After an error from Write,
// WritePartitioned or Close the output is unusable: call Abort.
type Writer struct {
	path              string
	dataTmp, indexTmp string
	schema            *arrow.Schema
	schemaBytes       []byte
	opt               WriterOptions
	mem               memory.Allocator
	data              *os.File

	parts []partBuf
	segs  [][]segment
	off   int64 // bytes written to the data file
	held  int64 // bytes of live sources

	sink    segmentSink // the data file's buffered writer
	perm    []int32
	counts  []int
	touched []int
	// memos, per dictionary column, number its values across segments
	// (nil until a segment needs them).
	memos []*dictMemo
	fd    *fileDicts // nil: no column is numbered per file
	// narrowed: a segment stores an integer column narrower than the
	// schema says (the index is then version 3 or 4); encoded: one stores
	// a column as frame of reference or delta (version 5 or 6).
	narrowed, encoded bool
	trailer           []byte // an encoded segment's bases (encode.go)

	err       error
	closed    bool
	committed bool
}

// NewWriter creates path+".data.tmp" and path+".index.tmp"; Close renames
// them to path+".data" and path+".index", Abort removes them. The
// directory must exist.
func NewWriter(path string, schema *arrow.Schema, opt WriterOptions, mem memory.Allocator) (*Writer, error) {
	if schema == nil {
		return nil, fmt.Errorf("shuffle: %s: nil schema", path)
	}
	if opt.Partitions < 1 || opt.Partitions > 1<<24 {
		return nil, fmt.Errorf("shuffle: %s: partitions must be in [1, %d] (got %d)", path, 1<<24, opt.Partitions)
	}
	if opt.Codec == "" {
		opt.Codec = CodecZstd
	}
	if _, err := opt.Codec.code(); err != nil {
		return nil, fmt.Errorf("shuffle: %s: %w", path, err)
	}
	if opt.FlushBytes < 0 || opt.MaxBuffered < 0 {
		return nil, fmt.Errorf("shuffle: %s: FlushBytes and MaxBuffered must not be negative", path)
	}
	if opt.FlushBytes == 0 {
		opt.FlushBytes = DefaultFlushBytes
	}
	if opt.MaxBuffered == 0 {
		opt.MaxBuffered = DefaultMaxBuffered
	}
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	sb, err := schemaStream(schema, mem)
	if err != nil {
		return nil, fmt.Errorf("shuffle: %s: encode schema: %w", path, err)
	}
	fd, err := newFileDicts(schema, mem)
	if err != nil {
		return nil, fmt.Errorf("shuffle: %s: encode id schema: %w", path, err)
	}
	w := &Writer{
		path:        path,
		dataTmp:     path + ".data.tmp",
		indexTmp:    path + ".index.tmp",
		schema:      schema,
		schemaBytes: sb,
		fd:          fd,
		opt:         opt,
		mem:         mem,
		parts:       make([]partBuf, opt.Partitions),
		segs:        make([][]segment, opt.Partitions),
		counts:      make([]int, opt.Partitions),
	}
	f, err := os.OpenFile(w.dataTmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, fmt.Errorf("shuffle: %w", err)
	}
	w.data = f
	w.sink.bw = bufio.NewWriterSize(f, segmentBufferSize)
	return w, nil
}

func (w *Writer) usable() error {
	if w.err != nil {
		return w.err
	}
	if w.closed {
		return fmt.Errorf("shuffle: %s: writer is closed", w.path)
	}
	return nil
}

func (w *Writer) checkSchema(batch arrow.RecordBatch) error {
	if !batch.Schema().Equal(w.schema) {
		return fmt.Errorf("shuffle: %s: batch schema %s does not match the writer's schema %s", w.path, batch.Schema(), w.schema)
	}
	return nil
}

// Write appends batch's rows to partition p. The caller keeps its
// reference; the writer retains batch, or copies its rows when batch is a
// small slice of much larger buffers.
func (w *Writer) Write(p int, batch arrow.RecordBatch) error {
	if err := w.usable(); err != nil {
		return err
	}
	if p < 0 || p >= len(w.parts) {
		return fmt.Errorf("shuffle: %s: partition %d outside [0, %d)", w.path, p, len(w.parts))
	}
	if err := w.checkSchema(batch); err != nil {
		return err
	}
	if batch.NumRows() == 0 {
		return nil
	}
	rec, err := w.own(batch)
	if err != nil {
		return w.fail(err)
	}
	src := &source{rec: rec, bytes: footprint(rec)}
	w.add(p, src, 0, rec.NumRows(), src.bytes)
	w.touched = append(w.touched[:0], p)
	return w.maybeFlush()
}

// own returns a reference to batch's rows that is cheap to keep: batch
// itself (retained) unless it pins buffers much larger than its rows.
func (w *Writer) own(batch arrow.RecordBatch) (arrow.RecordBatch, error) {
	need, fp := neededBytes(batch), footprint(batch)
	if fp <= 2*need+64<<10 {
		batch.Retain()
		return batch, nil
	}
	n := int(batch.NumRows())
	perm := w.permBuf(n)
	for i := range perm {
		perm[i] = int32(i)
	}
	return w.takeBatch(batch, perm)
}

func (w *Writer) permBuf(n int) []int32 {
	if cap(w.perm) < n {
		w.perm = make([]int32, n)
	}
	return w.perm[:n]
}

// takeBatch gathers the rows perm of batch into a new batch.
func (w *Writer) takeBatch(batch arrow.RecordBatch, perm []int32) (arrow.RecordBatch, error) {
	cols := make([]arrow.Array, batch.NumCols())
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	for i, c := range batch.Columns() {
		out, err := take(c, perm, w.mem)
		if err != nil {
			return nil, fmt.Errorf("shuffle: %s: column %q: %w", w.path, w.schema.Field(i).Name, err)
		}
		cols[i] = out
	}
	return array.NewRecordBatch(w.schema, cols, int64(len(perm))), nil
}

// WritePartitioned appends row i of batch to partition part[i]. It
// gathers each partition's rows with one typed take per column (rows
// grouped by partition, stable), so dictionary columns stay dictionaries.
// The caller keeps its reference to batch.
func (w *Writer) WritePartitioned(batch arrow.RecordBatch, part []int32) error {
	return w.writePartitioned(batch, nil, part)
}

// WritePartitionedRows appends row rows[i] of batch to partition part[i]
// and leaves out the rows not listed: WritePartitioned of the selected
// rows without copying them first. rows must be ascending (nil: every row,
// as WritePartitioned). The caller keeps its reference to batch.
func (w *Writer) WritePartitionedRows(batch arrow.RecordBatch, rows, part []int32) error {
	return w.writePartitioned(batch, rows, part)
}

func (w *Writer) writePartitioned(batch arrow.RecordBatch, rows, part []int32) error {
	if err := w.usable(); err != nil {
		return err
	}
	if err := w.checkSchema(batch); err != nil {
		return err
	}
	n := int(batch.NumRows())
	if rows != nil {
		prev := int32(-1)
		for i, r := range rows {
			if r <= prev || int(r) >= n {
				return fmt.Errorf("shuffle: %s: selected row %d is %d: rows must ascend within [0, %d)", w.path, i, r, n)
			}
			prev = r
		}
		n = len(rows)
	}
	if len(part) != n {
		return fmt.Errorf("shuffle: %s: %d partition ids for %d rows", w.path, len(part), n)
	}
	if n == 0 {
		return nil
	}
	counts := w.counts
	clear(counts)
	np := uint32(len(counts))
	for i, v := range part {
		if uint32(v) >= np {
			return fmt.Errorf("shuffle: %s: row %d: partition %d outside [0, %d)", w.path, i, v, np)
		}
		counts[v]++
	}
	if counts[part[0]] == n && rows == nil {
		return w.Write(int(part[0]), batch)
	}
	// Stable counting sort of row numbers by partition; counts become the
	// running insert positions.
	perm := w.permBuf(n)
	start := 0
	for p, c := range counts {
		counts[p] = start
		start += c
	}
	for i, v := range part {
		r := int32(i)
		if rows != nil {
			r = rows[i]
		}
		perm[counts[v]] = r
		counts[v]++
	}
	grouped, err := w.takeBatch(batch, perm)
	if err != nil {
		return w.fail(err)
	}
	src := &source{rec: grouped, bytes: footprint(grouped)}
	w.touched = w.touched[:0]
	begin := 0
	for p, end := range counts { // counts[p] is now the end of p's rows
		if end > begin {
			share := src.bytes * int64(end-begin) / int64(n)
			w.add(p, src, int64(begin), int64(end-begin), share)
			w.touched = append(w.touched, p)
		}
		begin = end
	}
	return w.maybeFlush()
}

// add buffers rows [off, off+n) of src (whose batch the writer owns) for
// partition p.
func (w *Writer) add(p int, src *source, off, n, share int64) {
	if src.live == 0 {
		w.held += src.bytes
	}
	src.live++
	pb := &w.parts[p]
	pb.pieces = append(pb.pieces, piece{src: src, off: off, n: n, share: share})
	pb.share += share
}

func (w *Writer) release(pc piece) {
	pc.src.live--
	if pc.src.live == 0 {
		w.held -= pc.src.bytes
		pc.src.rec.Release()
		pc.src.rec = nil
	}
}

// maybeFlush flushes touched partitions past FlushBytes, then the
// partitions with the largest buffers while the writer holds more than
// MaxBuffered.
func (w *Writer) maybeFlush() error {
	for _, p := range w.touched {
		if w.parts[p].share >= w.opt.FlushBytes {
			if err := w.flush(p); err != nil {
				return err
			}
		}
	}
	for w.held > w.opt.MaxBuffered {
		best := -1
		for p := range w.parts {
			if len(w.parts[p].pieces) > 0 && (best < 0 || w.parts[p].share > w.parts[best].share) {
				best = p
			}
		}
		if best < 0 {
			break
		}
		if err := w.flush(best); err != nil {
			return err
		}
	}
	return nil
}

func (w *Writer) fail(err error) error {
	if w.err == nil {
		w.err = err
	}
	return err
}

// Close flushes every partition, writes the index and commits both files
// by rename (data first, index last: a visible index means a complete
// output). On error the temporary files are removed.
func (w *Writer) Close() (Output, error) {
	if err := w.usable(); err != nil {
		return Output{}, err
	}
	out, err := w.commit()
	if err != nil {
		w.fail(err)
		w.Abort()
		return Output{}, err
	}
	return out, nil
}

func (w *Writer) commit() (Output, error) {
	for p := range w.parts {
		if len(w.parts[p].pieces) > 0 {
			if err := w.flush(p); err != nil {
				return Output{}, err
			}
		}
	}
	dicts, err := w.writeDicts()
	if err != nil {
		return Output{}, err
	}
	ix := index{Codec: w.opt.Codec, DataLen: w.off, Schema: w.schemaBytes, Segments: w.segs, Dicts: dicts, Narrow: w.narrowed, Encoded: w.encoded}
	if len(dicts) > 0 {
		ix.IDSchema = w.fd.bytes
	}
	b, err := ix.marshal()
	if err != nil {
		return Output{}, fmt.Errorf("shuffle: %s: %w", w.path, err)
	}
	if err := w.sink.bw.Flush(); err != nil {
		return Output{}, fmt.Errorf("shuffle: %w", err)
	}
	err = w.data.Close()
	w.data = nil
	if err != nil {
		return Output{}, fmt.Errorf("shuffle: %w", err)
	}
	if err := os.WriteFile(w.indexTmp, b, 0o644); err != nil {
		return Output{}, fmt.Errorf("shuffle: %w", err)
	}
	out := Output{DataPath: w.path + ".data", IndexPath: w.path + ".index", Bytes: w.off, Partitions: make([]PartitionInfo, len(w.segs))}
	if err := os.Rename(w.dataTmp, out.DataPath); err != nil {
		return Output{}, fmt.Errorf("shuffle: %w", err)
	}
	if err := os.Rename(w.indexTmp, out.IndexPath); err != nil {
		os.Remove(out.DataPath)
		return Output{}, fmt.Errorf("shuffle: %w", err)
	}
	w.closed, w.committed = true, true
	for p, segs := range w.segs {
		out.Partitions[p] = partitionInfo(segs)
	}
	return out, nil
}

func partitionInfo(segs []segment) PartitionInfo {
	info := PartitionInfo{Segments: len(segs)}
	for _, s := range segs {
		info.Rows += s.Rows
		info.Bytes += s.Length
	}
	return info
}

// Abort releases everything buffered and removes the temporary files. It
// is idempotent; after a successful Close it does nothing.
func (w *Writer) Abort() error {
	if w.committed {
		return nil
	}
	w.closed = true
	for p := range w.parts {
		for _, pc := range w.parts[p].pieces {
			w.release(pc)
		}
		w.parts[p] = partBuf{}
	}
	var errs []error
	if w.data != nil {
		errs = append(errs, w.data.Close())
		w.data = nil
	}
	for _, name := range []string{w.dataTmp, w.indexTmp} {
		if err := os.Remove(name); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, fmt.Errorf("shuffle: %w", err))
		}
	}
	return errors.Join(errs...)
}
