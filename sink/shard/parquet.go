package shard

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/metadata"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	pschema "github.com/apache/arrow-go/v18/parquet/schema"

	"github.com/sluice-ml/sluice/sink/arrowfile"
)

// parquetWriter writes a Parquet file of flat columns (see flatParquet)
// with the bytes pqarrow.FileWriter's WriteBuffered gives for the same
// batches and properties, but encodes the column chunks of a batch on up
// to workers goroutines. In a buffered row group every column has its own
// chunk writer (encoder, statistics, page buffer, compressor), so the
// columns of a batch are independent and each one's bytes depend only on
// its values: the file is the same for any number of workers. Row groups
// are cut as WriteBuffered cuts them; closing one lays its column chunks
// out in column order. The writer lays the file out itself, as arrow-go's
// file writer does (magic, row groups, footer through arrow-go's metadata
// builders); fixed-width columns are written by plainColumn, the others
// by arrow-go's column chunk writers.
type parquetWriter struct {
	sink      *tellWriter
	props     *parquet.WriterProperties
	meta      *metadata.FileMetaDataBuilder
	rg        *metadata.RowGroupMetaDataBuilder // the open row group; nil before the first Write
	rgRows    int64                             // rows in the open row group
	rowGroups int                               // row groups started
	closed    bool
	cols      []pqColumn
	maxRows   int64
	workers   int
	mem       memory.Allocator
	arrs      []arrow.Array // per column: the batch being written, decoded
}

// tellWriter counts the bytes written through it (arrow-go's page
// writers place column chunks by it).
type tellWriter struct {
	w   io.Writer
	pos int64
}

func (t *tellWriter) Write(p []byte) (int, error) {
	n, err := t.w.Write(p)
	t.pos += int64(n)
	if err == nil && n != len(p) {
		err = io.ErrShortWrite
	}
	return n, err
}

func (t *tellWriter) Tell() int64 { return t.pos }

// pqColumn is one column's writing state.
type pqColumn struct {
	ctx      context.Context        // pqarrow's write context (its scratch buffer)
	nullable bool                   // an optional Parquet column: definition levels are written
	dict     bool                   // batches hold it dictionary-encoded
	direct   pqDict                 // dictionary columns: the row group's seeded dictionary
	def      []int16                // definition-level scratch
	plain    *plainColumn           // fixed-width columns: their writer
	cw       file.ColumnChunkWriter // other columns: the open row group's chunk writer
}

// flatParquet reports whether every column of the file schema is one
// Parquet leaf that parquetWriter writes without pqarrow's level builder:
// a primitive, string, binary, temporal or decimal type.
func flatParquet(schema *arrow.Schema) bool {
	for _, f := range schema.Fields() {
		switch f.Type.ID() {
		case arrow.BOOL, arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64,
			arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64,
			arrow.FLOAT32, arrow.FLOAT64, arrow.STRING, arrow.LARGE_STRING,
			arrow.BINARY, arrow.LARGE_BINARY, arrow.FIXED_SIZE_BINARY,
			arrow.DATE32, arrow.DATE64, arrow.TIMESTAMP, arrow.TIME32, arrow.TIME64,
			arrow.DECIMAL128, arrow.DECIMAL256:
		default:
			return false
		}
	}
	return true
}

// parquetArrowProps are the Arrow properties of every Parquet shard: the
// Arrow schema is stored in the file.
func parquetArrowProps(mem memory.Allocator) pqarrow.ArrowWriterProperties {
	return pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema(), pqarrow.WithAllocator(mem))
}

// newParquetWriter starts a file of fschema (flatParquet) on w for
// batches of schema (fschema with dictionary columns, see FileSchema).
func newParquetWriter(w io.Writer, schema, fschema *arrow.Schema, props *parquet.WriterProperties, mem memory.Allocator) (*parquetWriter, error) {
	aprops := parquetArrowProps(mem)
	pqschema, err := pqarrow.ToParquet(fschema, props, aprops)
	if err != nil {
		return nil, err
	}
	// The key-value metadata pqarrow.NewFileWriter writes: the schema's
	// own, then the serialized Arrow schema.
	meta := make(metadata.KeyValueMetadata, 0)
	md := fschema.Metadata()
	for i, k := range md.Keys() {
		meta.Append(k, md.Values()[i])
	}
	meta.Append("ARROW:schema", base64.StdEncoding.EncodeToString(flight.SerializeSchema(fschema, props.Allocator())))
	sch := pschema.NewSchema(pqschema.Root())
	if err := layoutSupported(sch, props); err != nil {
		return nil, err
	}
	p := &parquetWriter{sink: &tellWriter{w: w}, props: props, meta: metadata.NewFileMetadataBuilder(sch, props, meta),
		maxRows: props.MaxRowGroupLength(), workers: 1, mem: mem,
		cols: make([]pqColumn, fschema.NumFields()), arrs: make([]arrow.Array, fschema.NumFields())}
	if _, err := p.sink.Write([]byte("PAR1")); err != nil {
		return nil, fmt.Errorf("parquet: write magic number: %w", err)
	}
	for i, f := range fschema.Fields() {
		p.cols[i] = pqColumn{
			ctx:      pqarrow.NewArrowWriteContext(context.Background(), &aprops),
			nullable: f.Nullable,
			dict:     schema.Field(i).Type.ID() == arrow.DICTIONARY,
		}
		if bt := schema.Field(i).Type; plainEligible(bt, sch.Column(i), props) {
			if p.cols[i].plain, err = newPlainColumn(bt, sch.Column(i), props); err != nil {
				return nil, err
			}
		}
	}
	return p, nil
}

// layoutSupported refuses the properties whose file parts this writer does
// not lay out (arrow-go's file writer does): encryption, page indexes and
// bloom filters.
func layoutSupported(sch *pschema.Schema, props *parquet.WriterProperties) error {
	if props.FileEncryptionProperties() != nil {
		return fmt.Errorf("parquet: encrypted files are not supported")
	}
	for i := range sch.NumColumns() {
		path := sch.Column(i).Path()
		if props.PageIndexEnabledFor(path) || props.BloomFilterEnabledFor(path) {
			return fmt.Errorf("parquet: column %q: page indexes and bloom filters are not supported", path)
		}
	}
	return nil
}

// SetWorkers makes the writer encode the columns of each batch on up to
// n goroutines (n ≤ 1: on the caller's). The file bytes do not depend on
// n. It must be called before the first Write.
func (p *parquetWriter) SetWorkers(n int) error {
	if p.rowGroups > 0 {
		return fmt.Errorf("parquet: workers are set before the first batch")
	}
	p.workers = max(n, 1)
	return nil
}

// Write appends rec (of the writer's batch schema) to the open row group,
// starting a new one whenever it holds maxRows rows, as WriteBuffered does.
func (p *parquetWriter) Write(rec arrow.RecordBatch) error {
	if p.closed {
		return fmt.Errorf("parquet: write after close")
	}
	if p.rg == nil {
		if err := p.newRowGroup(); err != nil {
			return err
		}
	}
	cur := p.rgRows
	defer func() {
		for i, a := range p.arrs {
			if a != nil {
				a.Release()
				p.arrs[i] = nil
			}
		}
	}()
	n := rec.NumRows()
	for off := int64(0); ; {
		size := min(p.maxRows-cur, n-off)
		if size > 0 {
			if err := p.each(func(i int) error { return p.writeColumn(i, rec, off, size) }); err != nil {
				return err
			}
			p.rgRows += size
		}
		if off += size; off >= n {
			return nil
		}
		if err := p.newRowGroup(); err != nil {
			return err
		}
		cur = 0
	}
}

// writeColumn writes rows [off, off+size) of column i of rec to the open
// row group: what pqarrow's column writer does for a flat column, with
// its definition levels (all present when the slice has no nulls).
func (p *parquetWriter) writeColumn(i int, rec arrow.RecordBatch, off, size int64) error {
	c := &p.cols[i]
	if c.dict {
		if p.arrs[i] == nil && c.direct.direct(rec.Column(i).(*array.Dictionary)) {
			return p.writeSlice(i, c, rec.Column(i), rec.ColumnName(i), off, size)
		}
		c.direct.decoded()
	}
	if p.arrs[i] == nil {
		a := rec.Column(i)
		if c.dict {
			d, err := decodeDictStrings(p.mem, a.(*array.Dictionary))
			if err != nil {
				return fmt.Errorf("column %q: %w", rec.ColumnName(i), err)
			}
			a = d
		} else {
			a.Retain()
		}
		p.arrs[i] = a
	}
	return p.writeSlice(i, c, p.arrs[i], rec.ColumnName(i), off, size)
}

// writeSlice writes rows [off, off+size) of a, column i's values, to the
// open row group.
func (p *parquetWriter) writeSlice(i int, c *pqColumn, a arrow.Array, name string, off, size int64) error {
	if off != 0 || size != int64(a.Len()) {
		a = array.NewSlice(a, off, off+size)
		defer a.Release()
	}
	if c.plain != nil {
		if err := c.plain.write(a); err != nil {
			return fmt.Errorf("column %q: %w", name, err)
		}
		return nil
	}
	var def []int16
	leafNullable := false
	if c.nullable {
		def = c.levels(a)
		leafNullable = a.NullN() != 0
	}
	if err := pqarrow.WriteArrowToColumn(c.ctx, c.cw, a, def, nil, leafNullable); err != nil {
		return fmt.Errorf("column %q: %w", name, err)
	}
	return nil
}

// levels returns the definition levels of a: 1 for a value, 0 for a null.
func (c *pqColumn) levels(a arrow.Array) []int16 {
	n := a.Len()
	if cap(c.def) < n {
		c.def = make([]int16, n)
	}
	def := c.def[:n]
	if a.NullN() == 0 {
		for j := range def {
			def[j] = 1
		}
		return def
	}
	bits, off := a.NullBitmapBytes(), a.Data().Offset()
	for j := range def {
		def[j] = 0
		if bitutil.BitIsSet(bits, off+j) {
			def[j] = 1
		}
	}
	return def
}

// newRowGroup closes the open row group (if any) and starts a buffered
// one: each column chunk is written to memory by its own page writer and
// copied to the file when the row group closes.
func (p *parquetWriter) newRowGroup() error {
	if err := p.closeRowGroup(); err != nil {
		return err
	}
	rg := p.meta.AppendRowGroup()
	ordinal := int16(p.rowGroups)
	p.rowGroups++
	for i := range p.cols {
		c := &p.cols[i]
		meta := rg.NextColumnChunk()
		if c.plain != nil {
			c.plain.start(meta, p.props)
			continue
		}
		pager, err := newPageWriter(p.sink, p.props, meta, ordinal, int16(i), true)
		if err != nil {
			return err
		}
		c.cw = file.NewColumnChunkWriter(meta, pager, p.props)
	}
	p.rg, p.rgRows = rg, 0
	return nil
}

// newPageWriter is arrow-go's page writer of column chunk col of row
// group rg, writing to sink (buffered: to memory until it closes), with
// the column's codec and level.
func newPageWriter(sink *tellWriter, props *parquet.WriterProperties, meta *metadata.ColumnChunkMetaDataBuilder, rg, col int16, buffered bool) (file.PageWriter, error) {
	path := meta.Descr().Path()
	return file.NewPageWriter(sink, props.CompressionFor(path), props.CompressionLevelFor(path), meta,
		rg, col, props.Allocator(), buffered, nil, nil)
}

// pageFlusher is the method of arrow-go's column chunk writers that
// encodes and compresses a chunk's last, partial page.
type pageFlusher interface{ FlushBufferedDataPages() error }

// dictEncoding is a method only dictionary encoders have.
type dictEncoding interface{ NumEntries() int }

// closeRowGroup writes the open row group. Closing a chunk writer first
// flushes its last page; that is done here for every column on the
// workers, except for columns still dictionary-encoded, whose dictionary
// page must precede their data pages and is written by Close. The chunks
// are then laid out in column order.
func (p *parquetWriter) closeRowGroup() error {
	if p.rg == nil {
		return nil
	}
	rg := p.rg
	p.rg = nil
	defer func() { // the seeded dictionaries end with their row group
		for i := range p.cols {
			p.cols[i].direct.reset()
		}
	}()
	err := p.each(func(i int) error {
		c := &p.cols[i]
		if c.plain != nil {
			return c.plain.flush()
		}
		f, ok := c.cw.(pageFlusher)
		if _, dict := c.cw.CurrentEncoder().(dictEncoding); ok && !dict {
			return f.FlushBufferedDataPages()
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i := range p.cols {
		c := &p.cols[i]
		if c.plain != nil {
			err = c.plain.close(p.sink, int16(p.rowGroups-1), int16(i), p.props)
		} else {
			err, c.cw = c.cw.Close(), nil
		}
		if err != nil {
			return err
		}
	}
	rg.SetNumRows(int(p.rgRows))
	return rg.Finish(0, int16(p.rowGroups-1))
}

// each runs f for every column on up to p.workers goroutines and returns
// the error of the lowest column that failed.
func (p *parquetWriter) each(f func(i int) error) error {
	n := len(p.cols)
	nw := min(p.workers, n)
	if nw <= 1 {
		for i := range n {
			if err := f(i); err != nil {
				return err
			}
		}
		return nil
	}
	errs := make([]error, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range nw {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				errs[i] = f(i)
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// Close writes the open row group and the footer: the file metadata, its
// length and the magic number. It does not close the writer the file was
// started on.
func (p *parquetWriter) Close() error {
	if p.closed {
		return fmt.Errorf("parquet: file already closed")
	}
	p.closed = true
	defer func() {
		for _, c := range p.cols {
			if c.plain != nil {
				c.plain.release()
			}
		}
	}()
	if err := p.closeRowGroup(); err != nil {
		return err
	}
	md, err := p.meta.Finish()
	if err != nil {
		return err
	}
	n, err := md.WriteTo(p.sink, nil)
	if err != nil {
		return err
	}
	var tail [8]byte
	binary.LittleEndian.PutUint32(tail[:], uint32(n))
	copy(tail[4:], "PAR1")
	_, err = p.sink.Write(tail[:])
	return err
}

// pqarrowWriter is arrow-go's writer (buffered row groups), for the files
// parquetWriter does not write: those with nested columns.
type pqarrowWriter struct{ w *pqarrow.FileWriter }

func (b pqarrowWriter) Write(rec arrow.RecordBatch) error { return b.w.WriteBuffered(rec) }
func (b pqarrowWriter) Close() error                      { return b.w.Close() }

var _ arrowfile.Writer = (*parquetWriter)(nil)
