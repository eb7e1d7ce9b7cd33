package gpu

import (
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// buffers tracks the device memory of one kernel call (from the pool),
// freed together.
type buffers struct {
	dev  Device
	pool *Pool
	ptrs []DevPtr
}

func (b *buffers) alloc(bytes int) (DevPtr, error) {
	p, err := b.pool.Alloc(bytes)
	if err != nil {
		return 0, err
	}
	b.ptrs = append(b.ptrs, p)
	return p, nil
}

// in allocates a buffer holding data (0 for no data).
func (b *buffers) in(data []byte) (DevPtr, error) {
	if len(data) == 0 {
		return 0, nil
	}
	p, err := b.alloc(len(data))
	if err != nil {
		return 0, err
	}
	return p, b.dev.CopyIn(p, data)
}

func (b *buffers) free() error {
	var errs []error
	for _, p := range b.ptrs {
		errs = append(errs, b.pool.Free(p))
	}
	b.ptrs = b.ptrs[:0]
	return errors.Join(errs...)
}

// Value kinds of a fixed-width column on the device (match the kernels).
const (
	kindInt64   = 0 // int64 and timestamp[us]
	kindFloat64 = 1
	kindBool    = 2 // a bitmap with a bit offset
)

// column is a canonical numeric column laid out for upload.
type column struct {
	kind  int64
	vals  []byte // fixed-width values (8 bytes each), or the bool bitmap
	voff  int    // bool bitmap: bit offset of row 0
	valid []byte // validity bitmap; nil when there are no nulls
	noff  int
	n     int
}

// columnOf lays out col (int64, timestamp[us], float64 or bool); other
// types give an ErrUnsupported error naming the type.
func columnOf(what string, col arrow.Array) (column, error) {
	c := column{n: col.Len()}
	switch a := col.(type) {
	case *array.Int64:
		c.kind, c.vals = kindInt64, asBytes(a.Int64Values())
	case *array.Timestamp:
		if a.DataType().(*arrow.TimestampType).Unit != arrow.Microsecond {
			return c, fmt.Errorf("%s: column type %s: %w because the engine's timestamps are timestamp[us]", what, col.DataType(), ErrUnsupported)
		}
		c.kind, c.vals = kindInt64, asBytes(a.TimestampValues())
	case *array.Float64:
		c.kind, c.vals = kindFloat64, asBytes(a.Float64Values())
	case *array.Boolean:
		c.kind = kindBool
		if c.n > 0 {
			c.vals, c.voff = a.Data().Buffers()[1].Bytes(), a.Data().Offset()
		}
	default:
		return c, fmt.Errorf("%s: column type %s: %w because the GPU kernels take int64, float64, bool and timestamp[us] columns", what, col.DataType(), ErrUnsupported)
	}
	if col.NullN() > 0 {
		c.valid, c.noff = col.NullBitmapBytes(), col.Data().Offset()
	}
	return c, nil
}

// bitRange returns the bytes of a bitmap holding bits [off+lo, off+hi) and
// the bit offset of row lo in them.
func bitRange(bits []byte, off, lo, hi int) ([]byte, int) {
	if bits == nil || hi <= lo {
		return nil, 0
	}
	start, end := off+lo, off+hi
	return bits[start>>3 : (end+7)>>3], start & 7
}

// part returns rows [lo, hi) of the column.
func (c column) part(lo, hi int) column {
	p := column{kind: c.kind, n: hi - lo}
	if c.kind == kindBool {
		p.vals, p.voff = bitRange(c.vals, c.voff, lo, hi)
	} else if c.vals != nil {
		p.vals = c.vals[lo*8 : hi*8]
	}
	p.valid, p.noff = bitRange(c.valid, c.noff, lo, hi)
	return p
}

// upload copies the column to the device: the values and the validity.
func (c column) upload(b *buffers) (vals, valid DevPtr, err error) {
	if vals, err = b.in(c.vals); err != nil {
		return 0, 0, err
	}
	if valid, err = b.in(c.valid); err != nil {
		return 0, 0, err
	}
	return vals, valid, nil
}
