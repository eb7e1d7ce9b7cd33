package csvscan

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/input/canonical"
	"github.com/sluice-ml/sluice/storage"
	"github.com/sluice-ml/sluice/vocab"
)

// Reader reads one CSV file in batches. Fields are gathered per column
// for a batch, then each column is parsed in one typed loop.
type Reader struct {
	ctx     context.Context
	path    string
	f       storage.File
	cr      *csv.Reader
	c       csvConfig
	ncols   int
	src     []int // source field of each output column
	kinds   []csvKind
	out     *arrow.Schema
	batch   int
	pending []string // first data record, already read when there is no header
	row     int64    // data rows returned so far
	strs    [][]string
	lines   []int // line where each row of the batch starts
	cur     arrow.RecordBatch
	mem     memory.Allocator
	done    bool
	closed  bool
}

// NewReader opens the CSV file path (options o) for the columns cols
// (indices into schema, the dataset's schema from Schema, ascending), in
// batches of at most batchRows rows (> 0) allocated from mem.
func NewReader(ctx context.Context, path string, o vocab.CSVOptions, schema *arrow.Schema, cols []int, batchRows int, mem memory.Allocator) (*Reader, error) {
	c, err := resolveCSV(o)
	if err != nil {
		return nil, err
	}
	f, err := storage.Open(context.Background(), path)
	if err != nil {
		return nil, err
	}
	r := &Reader{ctx: ctx, path: path, f: f, cr: c.newCSV(f), c: c, out: canonical.Project(schema, cols), batch: batchRows, mem: mem}
	names, first, err := csvHeader(path, r.cr, c.header)
	if err != nil {
		f.Close()
		return nil, err
	}
	r.ncols, r.pending = len(names), first
	for _, col := range cols {
		fd := schema.Field(col)
		i := indexOf(names, fd.Name)
		if i < 0 {
			f.Close()
			return nil, fmt.Errorf("%s: no column %q in the header (file changed since Open?)", path, fd.Name)
		}
		r.src = append(r.src, i)
		r.kinds = append(r.kinds, kindOf(fd.Type))
	}
	r.strs = make([][]string, len(cols))
	return r, nil
}

// Next returns the next batch and the file row number of its first row.
func (r *Reader) Next() (arrow.RecordBatch, int64, error) {
	if r.closed {
		return nil, 0, errors.New("input: Next on a closed reader")
	}
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	if err := r.ctx.Err(); err != nil {
		return nil, 0, err
	}
	for j := range r.strs {
		r.strs[j] = r.strs[j][:0]
	}
	r.lines = r.lines[:0]
	for len(r.lines) < r.batch && !r.done {
		rec := r.pending
		r.pending = nil
		if rec == nil {
			var err error
			rec, err = r.cr.Read()
			if err == io.EOF {
				r.done = true
				break
			}
			if err != nil {
				return nil, 0, csvError(r.path, err)
			}
		}
		line, _ := r.cr.FieldPos(0)
		if len(rec) != r.ncols {
			return nil, 0, fmt.Errorf("%s:%d: expected %d fields, got %d", r.path, line, r.ncols, len(rec))
		}
		for j, s := range r.src {
			r.strs[j] = append(r.strs[j], rec[s])
		}
		r.lines = append(r.lines, line)
	}
	n := len(r.lines)
	if n == 0 {
		return nil, 0, nil
	}
	cols := make([]arrow.Array, len(r.src))
	release := func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}
	for j := range r.src {
		c, err := r.parseColumn(j)
		if err != nil {
			release()
			return nil, 0, err
		}
		cols[j] = c
	}
	r.cur = array.NewRecordBatch(r.out, cols, int64(n))
	release()
	first := r.row
	r.row += int64(n)
	return r.cur, first, nil
}

// parseError names the file, the line, the column, the value and the type.
func (r *Reader) parseError(j, i int) error {
	return fmt.Errorf("%s:%d: column %q: cannot parse %q as %s", r.path, r.lines[i], r.out.Field(j).Name, r.strs[j][i], r.kinds[j])
}

// parseColumn converts the batch's strings of output column j (+1).
func (r *Reader) parseColumn(j int) (arrow.Array, error) {
	strs := r.strs[j]
	n := len(strs)
	var nm nullMask
	defer nm.release()
	switch r.kinds[j] {
	case kindInt, kindTime:
		buf, out := canonical.NewInt64s(r.mem, n)
		isTime := r.kinds[j] == kindTime
		for i, s := range strs {
			if r.c.isNull(s) {
				nm.clear(r.mem, n, i)
				out[i] = 0
				continue
			}
			var ok bool
			if isTime {
				out[i], ok = parseTimestamp(strings.TrimSpace(s))
			} else {
				var err error
				out[i], err = strconv.ParseInt(strings.TrimSpace(s), 10, 64)
				ok = err == nil
			}
			if !ok {
				buf.Release()
				return nil, r.parseError(j, i)
			}
		}
		return canonical.MakeArray(r.kinds[j].arrowType(), n, nm.nulls, nm.take(), buf), nil
	case kindFloat:
		buf, out := canonical.NewFloat64s(r.mem, n)
		for i, s := range strs {
			if r.c.isNull(s) {
				nm.clear(r.mem, n, i)
				out[i] = 0
				continue
			}
			v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
			if err != nil {
				buf.Release()
				return nil, r.parseError(j, i)
			}
			out[i] = v
		}
		return canonical.MakeArray(arrow.PrimitiveTypes.Float64, n, nm.nulls, nm.take(), buf), nil
	case kindBool:
		buf := canonical.NewBuffer(r.mem, int(bitutil.BytesForBits(int64(n))))
		bits := buf.Bytes()
		clear(bits)
		for i, s := range strs {
			if r.c.isNull(s) {
				nm.clear(r.mem, n, i)
				continue
			}
			v, ok := parseBool(strings.TrimSpace(s))
			if !ok {
				buf.Release()
				return nil, r.parseError(j, i)
			}
			if v {
				bitutil.SetBit(bits, i)
			}
		}
		return canonical.MakeArray(arrow.FixedWidthTypes.Boolean, n, nm.nulls, nm.take(), buf), nil
	}
	ibuf, idx := canonical.NewInt32s(r.mem, n)
	seen := make(map[string]int32)
	var uniq []string
	for i, s := range strs {
		if r.c.isNull(s) {
			nm.clear(r.mem, n, i)
			idx[i] = 0
			continue
		}
		id, ok := seen[s]
		if !ok {
			id = int32(len(uniq))
			seen[s] = id
			uniq = append(uniq, s)
		}
		idx[i] = id
	}
	indices := canonical.MakeArray(arrow.PrimitiveTypes.Int32, n, nm.nulls, nm.take(), ibuf)
	defer indices.Release()
	dict := canonical.StringArray(uniq, r.mem)
	defer dict.Release()
	return array.NewDictionaryArray(canonical.DictString, indices, dict), nil
}

// Close releases the last batch and the file.
func (r *Reader) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	return r.f.Close()
}

// nullMask is a validity bitmap allocated at the first null.
type nullMask struct {
	buf   *memory.Buffer
	nulls int
}

// clear marks row i of n as null.
func (m *nullMask) clear(mem memory.Allocator, n, i int) {
	if m.buf == nil {
		m.buf = canonical.NewBuffer(mem, int(bitutil.BytesForBits(int64(n))))
		bitutil.SetBitsTo(m.buf.Bytes(), 0, int64(n), true)
	}
	bitutil.ClearBit(m.buf.Bytes(), i)
	m.nulls++
}

// take hands over the bitmap (+1; nil without nulls).
func (m *nullMask) take() *memory.Buffer {
	b := m.buf
	m.buf = nil
	return b
}

func (m *nullMask) release() {
	if m.buf != nil {
		m.buf.Release()
		m.buf = nil
	}
}
