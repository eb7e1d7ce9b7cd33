package input

import (
	"context"
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/input/canonical"
	"github.com/sluice-ml/sluice/storage"
)

// openArrowFile opens an Arrow IPC file; errors name the path.
func openArrowFile(path string, mem memory.Allocator) (storage.File, *ipc.FileReader, error) {
	f, err := openSource(path)
	if err != nil {
		return nil, nil, err
	}
	var r *ipc.FileReader
	err = safely(func() error {
		// arrow-go trusts the footer's vector lengths (see checkStoredSchema).
		if err := checkArrowFooter(f, f.Size()); err != nil {
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

// openArrow reads each file's schema and makes one task per file.
func openArrow(d *Dataset) error {
	var firstPath string
	for fi, fl := range d.Files {
		f, r, err := openArrowFile(fl.Path, memory.DefaultAllocator)
		if err != nil {
			return err
		}
		cs, err := canonical.Schema(fl.Path, r.Schema())
		r.Close()
		f.Close()
		if err != nil {
			return err
		}
		if d.Schema == nil {
			d.Schema, firstPath = cs, fl.Path
		} else if err := canonical.SameSchema(firstPath, d.Schema, fl.Path, cs); err != nil {
			return err
		}
		d.Tasks = append(d.Tasks, Task{FileIndex: fi, Rows: -1})
	}
	return nil
}

// arrowReader reads an Arrow IPC file's record batches, cut to BatchRows.
type arrowReader struct {
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

func newArrowReader(ctx context.Context, d *Dataset, t Task, cols []int, opt ReadOptions, mem memory.Allocator) (Reader, error) {
	path := d.Files[t.FileIndex].Path
	f, r, err := openArrowFile(path, mem)
	if err != nil {
		return nil, err
	}
	ar := &arrowReader{ctx: ctx, path: path, f: f, r: r, out: canonical.Project(d.Schema, cols), batch: int64(opt.BatchRows), mem: mem}
	for _, c := range cols {
		name := d.Schema.Field(c).Name
		fi := r.Schema().FieldIndices(name)
		if len(fi) == 0 {
			ar.Close()
			return nil, fmt.Errorf("%s: no column %q (file changed since Open?)", path, name)
		}
		ar.fileCol = append(ar.fileCol, fi[0])
	}
	return ar, nil
}

// Stats is zero: Arrow IPC files are not pruned.
func (a *arrowReader) Stats() ReadStats { return ReadStats{} }

// Next returns the next batch and the file row number of its first row.
func (a *arrowReader) Next() (arrow.RecordBatch, int64, error) {
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
		err := safely(func() error {
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
func (a *arrowReader) Close() error {
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

// emptyBatch is a batch of n rows and no columns.
func emptyBatch(s *arrow.Schema, n int64) arrow.RecordBatch {
	return array.NewRecordBatch(s, nil, n)
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
