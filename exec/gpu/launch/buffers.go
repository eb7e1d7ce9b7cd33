package launch

import (
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluice-ml/sluice/exec/gpu/device"
)

// Buffers tracks the device memory of one kernel call (from the pool),
// freed together.
type Buffers struct {
	dev  device.Device
	pool *device.Pool
	ptrs []device.DevPtr
}

func (b *Buffers) Alloc(bytes int) (device.DevPtr, error) {
	p, err := b.pool.Alloc(bytes)
	if err != nil {
		return 0, err
	}
	b.ptrs = append(b.ptrs, p)
	return p, nil
}

// In allocates a buffer holding data (0 for no data).
func (b *Buffers) In(data []byte) (device.DevPtr, error) {
	if len(data) == 0 {
		return 0, nil
	}
	p, err := b.Alloc(len(data))
	if err != nil {
		return 0, err
	}
	return p, b.dev.CopyIn(p, data)
}

func (b *Buffers) Free() error {
	var errs []error
	for _, p := range b.ptrs {
		errs = append(errs, b.pool.Free(p))
	}
	b.ptrs = b.ptrs[:0]
	return errors.Join(errs...)
}

// Value kinds of a fixed-width column on the device (match the kernels).
const (
	KindInt64   = 0 // int64 and timestamp[us]
	KindFloat64 = 1
	KindBool    = 2 // a bitmap with a bit offset
)

// Column is a canonical numeric column laid out for upload.
type Column struct {
	Kind  int64
	Vals  []byte // fixed-width values (8 bytes each), or the bool bitmap
	VOff  int    // bool bitmap: bit offset of row 0
	Valid []byte // validity bitmap; nil when there are no nulls
	NOff  int    // validity: bit offset of row 0
	N     int    // rows
}

// ColumnOf lays out col (int64, timestamp[us], float64 or bool); other
// types give a device.ErrUnsupported error naming the type.
func ColumnOf(what string, col arrow.Array) (Column, error) {
	c := Column{N: col.Len()}
	switch a := col.(type) {
	case *array.Int64:
		c.Kind, c.Vals = KindInt64, device.AsBytes(a.Int64Values())
	case *array.Timestamp:
		if a.DataType().(*arrow.TimestampType).Unit != arrow.Microsecond {
			return c, fmt.Errorf("%s: column type %s: %w because the engine's timestamps are timestamp[us]", what, col.DataType(), device.ErrUnsupported)
		}
		c.Kind, c.Vals = KindInt64, device.AsBytes(a.TimestampValues())
	case *array.Float64:
		c.Kind, c.Vals = KindFloat64, device.AsBytes(a.Float64Values())
	case *array.Boolean:
		c.Kind = KindBool
		if c.N > 0 {
			c.Vals, c.VOff = a.Data().Buffers()[1].Bytes(), a.Data().Offset()
		}
	default:
		return c, fmt.Errorf("%s: column type %s: %w because the GPU kernels take int64, float64, bool and timestamp[us] columns", what, col.DataType(), device.ErrUnsupported)
	}
	if col.NullN() > 0 {
		c.Valid, c.NOff = col.NullBitmapBytes(), col.Data().Offset()
	}
	return c, nil
}

// BitRange returns the bytes of a bitmap holding bits [off+lo, off+hi) and
// the bit offset of row lo in them.
func BitRange(bits []byte, off, lo, hi int) ([]byte, int) {
	if bits == nil || hi <= lo {
		return nil, 0
	}
	start, end := off+lo, off+hi
	return bits[start>>3 : (end+7)>>3], start & 7
}

// Part returns rows [lo, hi) of the column.
func (c Column) Part(lo, hi int) Column {
	p := Column{Kind: c.Kind, N: hi - lo}
	if c.Kind == KindBool {
		p.Vals, p.VOff = BitRange(c.Vals, c.VOff, lo, hi)
	} else if c.Vals != nil {
		p.Vals = c.Vals[lo*8 : hi*8]
	}
	p.Valid, p.NOff = BitRange(c.Valid, c.NOff, lo, hi)
	return p
}

// Upload copies the column to the device: the values and the validity.
func (c Column) Upload(b *Buffers) (vals, valid device.DevPtr, err error) {
	if vals, err = b.In(c.Vals); err != nil {
		return 0, 0, err
	}
	if valid, err = b.In(c.Valid); err != nil {
		return 0, 0, err
	}
	return vals, valid, nil
}
