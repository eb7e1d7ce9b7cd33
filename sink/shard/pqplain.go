package shard

import (
	"encoding/binary"
	"fmt"
	"math"
	"sync"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/metadata"
	"github.com/apache/arrow-go/v18/parquet/schema"
)

// plainColumn writes the column chunks of one flat fixed-width column
// (Arrow int32, int64, float32 or float64 as Parquet INT32, INT64, FLOAT
// or DOUBLE, required or optional) in PLAIN-encoded V1 data pages, giving
// the bytes arrow-go's column chunk writer gives for the same values:
// pages are cut where it cuts them (after a batch of WriteBatchSize
// levels, counted from the start of each write, once the page's values
// reach DataPageSize), with the same definition levels (rleLevels) and
// statistics (arrow-go's own statistics types, given each page's minimum
// and maximum), and arrow-go's page writer serializes the headers and the
// chunk metadata. What it saves is the copying: arrow-go copies values
// into an encoder, then into a page buffer, then compresses that, growing
// fresh zeroed buffers for every chunk; here a required column's page
// that one write covers is compressed straight from the batch's buffer,
// other pages are staged once, and the buffers are kept across row groups
// and, through plainBufs and arenas, files.
type plainColumn struct {
	descr    *schema.Column
	path     string // descr's path: its arena's key in arenas
	width    int    // bytes per value
	batch    int    // arrow-go's WriteBatchSize
	pageSize int64  // arrow-go's DataPageSize
	codec    compress.Codec
	level    int
	maxStats int
	mm       minMax

	// The open row group's chunk: its pages, compressed, back to back in
	// arena (kept across row groups), written to the file when the row
	// group closes.
	meta        *metadata.ColumnChunkMetaDataBuilder
	page, chunk metadata.TypedStatistics // nil without statistics
	rows        int64                    // levels written to the chunk's pages
	arena       []byte
	pages       []pageRec

	// The open page.
	levels int64     // levels (rows) in the page
	nvals  int64     // values (non-null levels) in the page
	direct []byte    // the page's values, when one write covered them all
	stage  []byte    // else the values at stage[pageHead:]
	defs   rleLevels // nullable columns: the page's levels
	pageB  []byte    // levels and values, when the levels exceed pageHead
}

// pageRec is a page of the open chunk: arena[off:end] and its header's
// fields.
type pageRec struct {
	off, end     int
	levels       int32
	uncompressed int32
	stats        metadata.EncodedStatistics
	firstRow     int64
}

// pageHead is the room staged values leave before them for the page's
// definition levels: those of a page without nulls take 8 bytes.
const pageHead = 64

// plainEligible reports whether plainColumn writes the file column col,
// whose batches hold batchType: a flat int32, int64, float32 or float64
// column (not a dictionary in the batches), PLAIN-encoded in V1 pages,
// with signed statistics. (Page indexes, bloom filters and encryption
// are refused for the whole file by layoutSupported.)
func plainEligible(batchType arrow.DataType, col *schema.Column, props *parquet.WriterProperties) bool {
	var want parquet.Type
	switch batchType.ID() {
	case arrow.INT32:
		want = parquet.Types.Int32
	case arrow.INT64:
		want = parquet.Types.Int64
	case arrow.FLOAT32:
		want = parquet.Types.Float
	case arrow.FLOAT64:
		want = parquet.Types.Double
	default:
		return false
	}
	path := col.Path()
	return col.PhysicalType() == want && col.MaxRepetitionLevel() == 0 && col.MaxDefinitionLevel() <= 1 &&
		!props.DictionaryEnabledFor(path) && props.EncodingFor(path) == parquet.Encodings.Plain &&
		props.DataPageVersion() == parquet.DataPageV1 && col.SortOrder() == schema.SortSIGNED &&
		props.WriteBatchSize() > 0
}

// newPlainColumn prepares the writer of an eligible column.
func newPlainColumn(batchType arrow.DataType, col *schema.Column, props *parquet.WriterProperties) (*plainColumn, error) {
	path := col.Path()
	c := &plainColumn{descr: col, path: path, batch: int(props.WriteBatchSize()), pageSize: props.DataPageSize(),
		level: props.CompressionLevelFor(path), maxStats: int(props.MaxStatsSizeFor(path))}
	switch batchType.ID() {
	case arrow.INT32:
		c.width, c.mm = 4, &typedMinMax[int32]{}
	case arrow.INT64:
		c.width, c.mm = 8, &typedMinMax[int64]{}
	case arrow.FLOAT32:
		c.width, c.mm = 4, &typedMinMax[float32]{}
	case arrow.FLOAT64:
		c.width, c.mm = 8, &typedMinMax[float64]{}
	}
	c.stage = takeBuf()[:pageHead] // grown as pages need
	c.arena = arenas.take(c.path)
	if codec := props.CompressionFor(path); codec != compress.Codecs.Uncompressed {
		cd, err := compress.GetCodec(codec)
		if err != nil {
			return nil, err
		}
		c.codec = cd
	}
	return c, nil
}

// start begins the column's chunk of a row group.
func (c *plainColumn) start(meta *metadata.ColumnChunkMetaDataBuilder, props *parquet.WriterProperties) {
	c.meta, c.rows = meta, 0
	c.arena, c.pages = c.arena[:0], c.pages[:0]
	c.page, c.chunk = nil, nil
	if props.StatisticsEnabledFor(c.descr.Path()) {
		c.page = metadata.NewStatistics(c.descr, props.Allocator())
		c.chunk = metadata.NewStatistics(c.descr, props.Allocator())
	}
	c.resetPage()
}

func (c *plainColumn) resetPage() {
	c.levels, c.nvals, c.direct = 0, 0, nil
	c.stage = c.stage[:pageHead]
	c.defs.reset()
	c.mm.reset()
}

// write appends the values of a (the column's type; nulls only in an
// optional column) to the chunk.
func (c *plainColumn) write(a arrow.Array) error {
	nullable := c.descr.MaxDefinitionLevel() > 0
	if !nullable && a.NullN() > 0 {
		return fmt.Errorf("%d nulls in a column that is not nullable", a.NullN())
	}
	n := a.Len()
	var bits []byte
	if a.NullN() > 0 {
		bits = a.NullBitmapBytes()
	}
	aoff := a.Data().Offset()
	buf := a.Data().Buffers()[1]
	if buf == nil && n > 0 {
		return fmt.Errorf("array of %d values has no value buffer", n)
	}
	var vals []byte
	if buf != nil {
		vals = buf.Bytes()[aoff*c.width:]
		if len(vals) < n*c.width {
			return fmt.Errorf("value buffer of %d bytes holds fewer than %d values", len(vals), n)
		}
	}
	limit := c.pageSize
	for off := 0; off < n; {
		// The batches of levels (from the write's start, as arrow-go
		// takes them) up to the one that fills the page.
		end, full := off, false
		for end < n && !full {
			b := min(c.batch, n-end)
			nv := int64(b)
			if bits != nil {
				nv = int64(bitutil.CountSetBits(bits, aoff+end, b))
			}
			end += b
			c.nvals += nv
			full = c.nvals*int64(c.width) >= limit
		}
		c.add(vals, bits, aoff, off, end, full)
		if full {
			if err := c.flushPage(); err != nil {
				return err
			}
		}
		off = end
	}
	return nil
}

// add puts rows [off, end) of a write into the open page: their levels,
// their values and their minimum and maximum. A page that starts and ends
// within them (full) keeps the values where they are.
func (c *plainColumn) add(vals, bits []byte, aoff, off, end int, full bool) {
	c.levels += int64(end - off)
	w := c.width
	if bits == nil {
		if c.descr.MaxDefinitionLevel() > 0 {
			c.defs.put(1, end-off)
		}
		v := vals[off*w : end*w]
		c.mm.update(v)
		if full && len(c.stage) == pageHead && c.descr.MaxDefinitionLevel() == 0 {
			c.direct = v
			return
		}
		c.stageRoom(len(v))
		c.stage = append(c.stage, v...)
		return
	}
	c.stageRoom((end - off) * w)
	start := len(c.stage)
	for i := off; i < end; {
		set := bitutil.BitIsSet(bits, aoff+i)
		j := i + 1
		for j < end && bitutil.BitIsSet(bits, aoff+j) == set {
			j++
		}
		if set {
			c.defs.put(1, j-i)
			c.stage = append(c.stage, vals[i*w:j*w]...)
		} else {
			c.defs.put(0, j-i)
		}
		i = j
	}
	c.mm.update(c.stage[start:])
}

// plainBufs keeps the staging buffers of finished files for the next
// ones, and arenas their chunks' arenas: an arena grows to a few MiB, and
// allocating (and zeroing) it afresh for every column of every file made
// up most of what writing a file allocated.
var plainBufs sync.Pool

func takeBuf() []byte {
	if b, ok := plainBufs.Get().(*[]byte); ok && cap(*b) >= pageHead {
		return (*b)[:0]
	}
	return make([]byte, 0, pageHead)
}

// release gives the column's buffers back for other files' columns.
func (c *plainColumn) release() {
	for _, b := range [][]byte{c.stage, c.pageB} {
		if cap(b) > 0 {
			b := b[:0]
			plainBufs.Put(&b)
		}
	}
	arenas.put(c.path, c.arena)
	c.stage, c.arena, c.pageB = nil, nil, nil
}

// stageRoom makes room for n more staged bytes: at once for a whole page
// and a batch beyond it, so a page's values are not copied as they grow.
func (c *plainColumn) stageRoom(n int) {
	if len(c.stage)+n <= cap(c.stage) {
		return
	}
	grown := make([]byte, len(c.stage), max(len(c.stage)+n, pageHead+int(c.pageSize)+c.batch*c.width))
	copy(grown, c.stage)
	c.stage = grown
}

// flushPage compresses the open page into the chunk's arena.
func (c *plainColumn) flushPage() (err error) {
	values := c.direct
	if values == nil {
		values = c.stage[pageHead:]
	}
	data := values
	if c.descr.MaxDefinitionLevel() > 0 {
		// An optional column's values are always staged.
		defs := c.defs.finish()
		n := 4 + len(defs)
		if n <= pageHead {
			data = c.stage[pageHead-n:]
		} else {
			c.pageB = append(c.pageB[:0], make([]byte, n)...)
			c.pageB = append(c.pageB, values...)
			data = c.pageB
		}
		binary.LittleEndian.PutUint32(data, uint32(len(defs)))
		copy(data[4:], defs)
	}
	if len(data) > math.MaxInt32 {
		return fmt.Errorf("page of %d bytes exceeds the Parquet limit", len(data))
	}
	uncompressed := int32(len(data))
	off := len(c.arena)
	if c.codec != nil {
		if err = c.compress(data); err != nil {
			return err
		}
	} else {
		c.arena = append(c.arena, data...)
	}
	var stats metadata.EncodedStatistics
	if c.page != nil {
		c.mm.apply(c.page)
		c.page.IncNumValues(c.nvals)
		c.page.IncNulls(c.levels - c.nvals)
		if stats, err = c.page.Encode(); err != nil {
			return err
		}
		stats.ApplyStatSizeLimits(c.maxStats)
		c.chunk.Merge(c.page)
		c.page.Reset()
	}
	stats.Signed = true
	c.pages = append(c.pages, pageRec{off: off, end: len(c.arena), levels: int32(c.levels),
		uncompressed: uncompressed, stats: stats, firstRow: c.rows})
	c.rows += c.levels
	c.resetPage()
	return nil
}

// compress appends src compressed to the arena, as arrow-go's page writer
// compresses (into room for the codec's bound); a codec's panic (the C
// zstd library failing to allocate) becomes an error.
func (c *plainColumn) compress(src []byte) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("compress page: %v", r)
		}
	}()
	buf := compressBufs.Get().(*[]byte)
	defer compressBufs.Put(buf)
	if bound := int(c.codec.CompressBound(int64(len(src)))); cap(*buf) < bound {
		*buf = make([]byte, 0, bound)
	}
	out := c.codec.EncodeLevel((*buf)[:0], src, c.level)
	if cap(out) > cap(*buf) {
		*buf = out[:0]
	}
	c.arena = append(c.arena, out...)
	return nil
}

// flush writes the open page (if it holds levels): at the end of the
// chunk, as arrow-go's column writer does when it closes.
func (c *plainColumn) flush() error {
	if c.levels == 0 {
		return nil
	}
	return c.flushPage()
}

// close writes the chunk at the end of sink (the file): its pages,
// through arrow-go's page writer (headers, offsets, encoding statistics),
// then its metadata with the chunk's statistics. It is the chunk ordinal
// col of row group rg. flush must have been called.
func (c *plainColumn) close(sink *tellWriter, rg, col int16, props *parquet.WriterProperties) error {
	// A chunk without pages takes arrow-go's buffered page writer, which
	// places its (empty) data at the chunk's position.
	pager, err := newPageWriter(sink, props, c.meta, rg, col, len(c.pages) == 0)
	if err != nil {
		return err
	}
	for _, r := range c.pages {
		page := file.NewDataPageV1WithConfig(memory.NewBufferBytes(c.arena[r.off:r.end]), parquet.Encodings.RLE,
			parquet.Encodings.RLE, file.DataPageConfig{Num: r.levels, Encoding: parquet.Encodings.Plain,
				UncompressedSize: r.uncompressed, Stats: r.stats, FirstRowIndex: r.firstRow})
		_, err := pager.WriteDataPage(page)
		page.Release()
		if err != nil {
			return err
		}
	}
	if c.chunk != nil && c.rows > 0 {
		stats, err := c.chunk.Encode()
		if err != nil {
			return err
		}
		stats.ApplyStatSizeLimits(c.maxStats)
		stats.Signed = true
		if stats.IsSet() {
			c.meta.SetStats(stats)
		}
	}
	err = pager.Close(false, false)
	c.meta, c.page, c.chunk = nil, nil, nil
	c.pages = c.pages[:0]
	return err
}

// minMax tracks the minimum and maximum of a page's values (NaN skipped,
// as arrow-go's statistics skip it) and gives them to its statistics.
type minMax interface {
	reset()
	update(vals []byte) // little-endian values of the column's type
	apply(s metadata.TypedStatistics)
}

type typedMinMax[T int32 | int64 | float32 | float64] struct {
	has      bool
	min, max T
}

func (m *typedMinMax[T]) reset() { m.has = false }

func (m *typedMinMax[T]) update(vals []byte) {
	var zero T
	v := unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(vals))), len(vals)/int(unsafe.Sizeof(zero)))
	// The first value that is not NaN starts the scan; NaN compares false
	// with everything, so the comparisons below skip it.
	i := 0
	for i < len(v) && v[i] != v[i] {
		i++
	}
	if i == len(v) {
		return
	}
	lo, hi := v[i], v[i]
	for _, x := range v[i+1:] {
		if x < lo {
			lo = x
		} else if x > hi {
			hi = x
		}
	}
	if !m.has {
		m.has, m.min, m.max = true, lo, hi
		return
	}
	if lo < m.min {
		m.min = lo
	}
	if hi > m.max {
		m.max = hi
	}
}

func (m *typedMinMax[T]) apply(s metadata.TypedStatistics) {
	if !m.has {
		return
	}
	switch s := s.(type) {
	case *metadata.Int32Statistics:
		s.SetMinMax(any(m.min).(int32), any(m.max).(int32))
	case *metadata.Int64Statistics:
		s.SetMinMax(any(m.min).(int64), any(m.max).(int64))
	case *metadata.Float32Statistics:
		s.SetMinMax(any(m.min).(float32), any(m.max).(float32))
	case *metadata.Float64Statistics:
		s.SetMinMax(any(m.min).(float64), any(m.max).(float64))
	}
}
