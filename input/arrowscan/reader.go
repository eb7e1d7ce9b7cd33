package arrowscan

import (
	"context"
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/input/canonical"
	"github.com/sluice-ml/sluice/input/guard"
	"github.com/sluice-ml/sluice/storage"
)

// openArrowFile opens an Arrow IPC file; errors name the path.
func openArrowFile(path string, mem memory.Allocator) (storage.File, *ipc.FileReader, error) {
	f, err := storage.Open(context.Background(), path)
	if err != nil {
		return nil, nil, err
	}
	var r *ipc.FileReader
	err = guard.Safely(func() error {
		// arrow-go trusts the footer's vector lengths (see guard.StoredSchema).
		if err := guard.ArrowFooter(f, f.Size()); err != nil {
			return err
		}
		r, err = ipc.NewFileReader(f, ipc.WithAllocator(mem))
		return err
	})
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("%s: not a readable Arrow IPC file: %v", path, err)
	}
	return f, r, nil
}

// Schema reads the schema of the Arrow IPC file path, in canonical types.
func Schema(path string) (*arrow.Schema, error) {
	f, r, err := openArrowFile(path, memory.DefaultAllocator)
	if err != nil {
		return nil, err
	}
	cs, err := canonical.Schema(path, r.Schema())
	r.Close()
	f.Close()
	return cs, err
}

// Reader reads an Arrow IPC file's record batches, cut to at most
// batchRows rows.
type Reader struct {
	ctx     context.Context
	path    string
	f       storage.File
	r       *ipc.FileReader
	fileCol []int
	out     *arrow.Schema
	batch   int64
	next    int               // next record batch index
	rec     arrow.RecordBatch // current record batch of the file (+1)
	off     int64             // rows of rec already returned
	row     int64             // file row of rec's first row
	cur     arrow.RecordBatch
	mem     memory.Allocator
	closed  bool
}

// NewReader opens the Arrow IPC file path to read the columns cols
// (indices into schema, the dataset's canonical schema, ascending), in
// batches of at most batchRows rows (> 0) allocated from mem.
func NewReader(ctx context.Context, path string, schema *arrow.Schema, cols []int, batchRows int, mem memory.Allocator) (*Reader, error) {
	f, r, err := openArrowFile(path, mem)
	if err != nil {
		return nil, err
	}
	ar := &Reader{ctx: ctx, path: path, f: f, r: r, out: canonical.Project(schema, cols), batch: int64(batchRows), mem: mem}
	for _, c := range cols {
		name := schema.Field(c).Name
		fi := r.Schema().FieldIndices(name)
		if len(fi) == 0 {
			ar.Close()
			return nil, fmt.Errorf("%s: no column %q (file changed since Open?)", path, name)
		}
		ar.fileCol = append(ar.fileCol, fi[0])
	}
	return ar, nil
}

// Next returns the next batch and the file row number of its first row.
func (a *Reader) Next() (arrow.RecordBatch, int64, error) {
	if a.closed {
		return nil, 0, errors.New("input: Next on a closed reader")
	}
	if a.cur != nil {
		a.cur.Release()
		a.cur = nil
	}
	for {
		if err := a.ctx.Err(); err != nil {
			return nil, 0, err
		}
		if a.rec != nil && a.off < a.rec.NumRows() {
			n := min(a.batch, a.rec.NumRows()-a.off)
			slice := a.rec.NewSlice(a.off, a.off+n)
			out, err := canonical.Batch(slice, a.fileCol, a.out, a.mem)
			slice.Release()
			if err != nil {
				return nil, 0, fmt.Errorf("%s: record batch %d: %v", a.path, a.next-1, err)
			}
			first := a.row + a.off
			a.off += n
			a.cur = out
			return out, first, nil
		}
		if a.rec != nil {
			a.row += a.rec.NumRows()
			a.rec.Release()
			a.rec = nil
		}
		if a.next >= a.r.NumRecords() {
			return nil, 0, nil
		}
		err := guard.Safely(func() error {
			var err error
			if a.rec, err = a.r.RecordBatchAt(a.next); err != nil {
				return err
			}
			// The IPC reader trusts the file's offsets and lengths;
			// damaged ones would make the conversion read out of bounds.
			if err := validateBatch(a.rec); err != nil {
				a.rec.Release()
				a.rec = nil
				return fmt.Errorf("invalid data: %v", err)
			}
			return nil
		})
		if err != nil {
			return nil, 0, fmt.Errorf("%s: record batch %d: %v", a.path, a.next, err)
		}
		a.next++
		a.off = 0
	}
}

// Close releases the batches and the file.
func (a *Reader) Close() error {
	if a.closed {
		return nil
	}
	a.closed = true
	if a.cur != nil {
		a.cur.Release()
		a.cur = nil
	}
	if a.rec != nil {
		a.rec.Release()
		a.rec = nil
	}
	a.r.Close()
	return a.f.Close()
}

// validateBatch checks what the conversion relies on: buffer sizes
// (array.ValidateRecord), string offsets that never decrease and stay in
// their data, and dictionary indices inside their dictionary. Unlike
// ValidateRecordFull it accepts strings that are not UTF-8, as the Parquet
// reader does.
func validateBatch(rec arrow.RecordBatch) error {
	if err := array.ValidateRecord(rec); err != nil {
		return err
	}
	for i, c := range rec.Columns() {
		if err := validateColumn(c); err != nil {
			return fmt.Errorf("column %d (%s): %v", i, rec.ColumnName(i), err)
		}
	}
	return nil
}

func validateColumn(c arrow.Array) error {
	switch a := c.(type) {
	case *array.String:
		return monotonic(a.ValueOffsets(), len(a.ValueBytes()))
	case *array.LargeString:
		return monotonic(a.ValueOffsets(), len(a.ValueBytes()))
	case *array.Dictionary:
		if err := validateColumn(a.Dictionary()); err != nil {
			return fmt.Errorf("dictionary: %v", err)
		}
		n := a.Dictionary().Len()
		for i := range a.Len() {
			if a.IsValid(i) {
				if j := a.GetValueIndex(i); j < 0 || j >= n {
					return fmt.Errorf("row %d: dictionary index %d outside the %d-entry dictionary", i, j, n)
				}
			}
		}
	}
	return nil
}

// monotonic checks that offsets start at 0 or more, never decrease and end
// within n bytes.
func monotonic[T int32 | int64](offs []T, n int) error {
	for i, o := range offs {
		if o < 0 || int64(o) > int64(n) || (i > 0 && o < offs[i-1]) {
			return fmt.Errorf("string offset %d (%d) out of order or outside the %d data bytes", i, o, n)
		}
	}
	return nil
}
