package transform

import (
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluice-ml/sluice/exec/cpu/column"
	"github.com/sluice-ml/sluice/exec/cpu/feature"
	"github.com/sluice-ml/sluice/hashing"
	"github.com/sluice-ml/sluice/vocab"

	"github.com/sluice-ml/sluice/exec/gpu/device"

	"github.com/sluice-ml/sluice/exec/gpu/launch"
)

// Transform ops of k_transform_f32 (kernels/transform.cu).
const (
	opIdentity = 0
	opAffine   = 1
	opLog1p    = 2
	opClip     = 3
	opZero     = 4
)

// Apply is feature.Apply on the device for the numeric transforms (identity,
// zscore, minmax, log1p, clip, bucketize) and hash of int64, timestamp,
// float64 and bool columns, and vocab and onehot of those and of
// dictionary<int32, utf8> columns: the same fields, the same int32
// values, and float32 values bit-identical to the CPU's (NaN written as
// 0x7fc00000). hash of a string column gives a device.ErrUnsupported error. The
// returned columns are +1: the caller releases them.
func Apply(k *launch.Kernels, name string, f *feature.Fitted, col arrow.Array, mem memory.Allocator) ([]arrow.Field, []arrow.Array, error) {
	return apply(k, name, f, col, mem, nil)
}

// ApplyResident is Apply on the resident column col of d: only the
// output comes back (the bucketize boundaries are the only other copy).
func ApplyResident(d *launch.DeviceBatch, name string, f *feature.Fitted, col string, mem memory.Allocator) ([]arrow.Field, []arrow.Array, error) {
	c, err := d.Get(col, 0)
	if err != nil {
		return nil, nil, err
	}
	return apply(d.Kernels(), name, f, c.Host, mem, c)
}

// apply is Apply; with res not nil the column is already on the device.
func apply(k *launch.Kernels, name string, f *feature.Fitted, col arrow.Array, mem memory.Allocator, res *launch.DevCol) ([]arrow.Field, []arrow.Array, error) {
	switch f.Transform {
	case vocab.TIdentity, vocab.TZScore, vocab.TMinMax, vocab.TLog1p, vocab.TClip, vocab.TBucketize, vocab.THash:
	case vocab.TVocab, vocab.TOneHot:
		return applyVocab(k, name, f, col, mem)
	default:
		return nil, nil, fmt.Errorf("feature %s: unknown transform %q (allowed: %v)", name, f.Transform, vocab.Transforms)
	}
	if launch.IsStringColumn(col) {
		return nil, nil, fmt.Errorf("feature %s: %s of a string column is %w because string hash buckets are applied on the CPU engine (launch.Kernels.Hashcolumn hashes strings on the device)", name, f.Transform, device.ErrUnsupported)
	}
	c, err := launch.ColumnOf("feature "+name, col)
	if err != nil {
		return nil, nil, err
	}
	fields := f.OutputFields(name)
	var arr arrow.Array
	if f.Transform == vocab.THash {
		arr, err = applyHash(k, f, c, mem, res)
	} else {
		arr, err = applyNumeric(k, f, c, col, mem, res)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("feature %s: %w", name, err)
	}
	return fields, []arrow.Array{arr}, nil
}

// fillOf returns the numeric fill for null rows (has is false when nulls
// stay null or there are none).
func fillOf(f *feature.Fitted, c launch.Column) (fill float64, has bool, err error) {
	if c.Valid == nil || f.Fill == nil {
		return 0, false, nil
	}
	v, ok := f.Fill.Float()
	if !ok {
		return 0, false, fmt.Errorf("fill value %q is not a number", f.Fill.S)
	}
	return v, true, nil
}

func divisor(std float64) float64 {
	if std == 0 || math.IsNaN(std) || math.IsInf(std, 0) {
		return 1
	}
	return std
}

// opOf maps a numeric transform to its kernel op and parameters.
func opOf(f *feature.Fitted) (op int, p0, p1 float64) {
	switch f.Transform {
	case vocab.TZScore:
		return opAffine, f.Mean, divisor(f.Std)
	case vocab.TLog1p:
		return opLog1p, f.Mean, divisor(f.Std)
	case vocab.TMinMax:
		if r := f.Max - f.Min; r != 0 {
			return opAffine, f.Min, r
		}
		return opZero, 0, 0
	case vocab.TClip:
		lo, hi := math.Inf(-1), math.Inf(1)
		if f.ClipMin != nil {
			lo = *f.ClipMin
		}
		if f.ClipMax != nil {
			hi = *f.ClipMax
		}
		return opClip, lo, hi
	}
	return opIdentity, 0, 0
}

func applyNumeric(k *launch.Kernels, f *feature.Fitted, c launch.Column, col arrow.Array, mem memory.Allocator, res *launch.DevCol) (arrow.Array, error) {
	fill, hasFill, err := fillOf(f, c)
	if err != nil {
		return nil, err
	}
	dt := arrow.DataType(arrow.PrimitiveTypes.Float32)
	if f.Transform == vocab.TBucketize {
		dt = arrow.PrimitiveTypes.Int32
	}
	values := memory.NewResizableBuffer(mem)
	values.Resize(c.N * 4)
	defer values.Release()
	out := values.Bytes()
	op, p0, p1 := opOf(f)
	bounds := append(f.Boundaries[:len(f.Boundaries):len(f.Boundaries)], 0) // never empty on the device
	run := func(l device.Launcher, p launch.Column, vals, valid, bp, o device.DevPtr) error {
		head := []uint64{uint64(vals), uint64(p.Kind), uint64(p.VOff), uint64(valid), uint64(p.NOff), device.Bool(hasFill), device.F64(fill)}
		if f.Transform == vocab.TBucketize {
			return k.LaunchOn(l, "k_bucketize", p.N, append(head, uint64(bp), uint64(len(f.Boundaries)), uint64(o), uint64(p.N))...)
		}
		return k.LaunchOn(l, "k_transform_f32", p.N, append(head, uint64(op), device.F64(p0), device.F64(p1), uint64(o), uint64(p.N))...)
	}
	if res != nil {
		err = k.Resident("transform "+f.Transform, func(b *launch.Buffers) error {
			var bp device.DevPtr
			if f.Transform == vocab.TBucketize {
				var err error
				if bp, err = b.In(device.AsBytes(bounds)); err != nil {
					return err
				}
			}
			o, err := b.Alloc(c.N * 4)
			if err != nil {
				return err
			}
			if err := run(k.Device(), res.Layout, res.Vals, res.Valid, bp, o); err != nil {
				return err
			}
			return k.Device().CopyOut(out, o)
		})
	} else {
		err = k.Pipelined("transform "+f.Transform, c.N, func(lo, hi int) (ins, outs [][]byte) {
			p := c.Part(lo, hi)
			var bb []byte
			if f.Transform == vocab.TBucketize {
				bb = device.AsBytes(bounds)
			}
			return [][]byte{p.Vals, p.Valid, bb}, [][]byte{out[lo*4 : hi*4]}
		}, func(s device.Stream, _ *launch.Buffers, in, o []device.DevPtr, lo, hi int) error {
			return run(s, c.Part(lo, hi), in[0], in[1], in[2], o[0])
		})
	}
	if err != nil {
		return nil, err
	}
	var validity *memory.Buffer
	nulls := 0
	if c.Valid != nil && !hasFill {
		validity = memory.NewResizableBuffer(mem)
		validity.Resize(int(bitutil.BytesForBits(int64(c.N))))
		defer validity.Release()
		bitutil.CopyBitmap(col.NullBitmapBytes(), col.Data().Offset(), c.N, validity.Bytes(), 0)
		nulls = col.NullN()
	}
	data := array.NewData(dt, c.N, []*memory.Buffer{validity, values}, nil, nulls, 0)
	defer data.Release()
	return array.MakeFromData(data), nil
}

// fillHash is the hash of the fill value converted to the column's kind
// (as exec/cpu coerces it): integers and floats convert when exact, bools
// accept 0/1.
func fillHash(v column.Value, c launch.Column) (uint64, error) {
	f, isNum := v.Float()
	switch c.Kind {
	case launch.KindFloat64:
		if isNum {
			return hashing.Float64(f), nil
		}
	case launch.KindInt64:
		switch {
		case v.Kind == column.KindInt64 || v.Kind == column.KindTimestamp:
			return hashing.Int64(v.I), nil
		case v.Kind == column.KindFloat64 && v.F == math.Trunc(v.F) && math.Abs(v.F) < 1<<63:
			return hashing.Int64(int64(v.F)), nil
		}
	case launch.KindBool:
		if isNum && (f == 0 || f == 1) {
			return hashing.Bool(f == 1), nil
		}
	}
	kind := map[int64]string{launch.KindInt64: "int64 or timestamp", launch.KindFloat64: column.KindFloat64, launch.KindBool: column.KindBool}[c.Kind]
	return 0, fmt.Errorf("fill: value %s (%s) does not fit a %s column", v.String(), v.Kind, kind)
}

func applyHash(k *launch.Kernels, f *feature.Fitted, c launch.Column, mem memory.Allocator, res *launch.DevCol) (arrow.Array, error) {
	if f.Buckets < 1 {
		return nil, fmt.Errorf("hash needs buckets >= 1 (got %d)", f.Buckets)
	}
	buckets := uint64(f.Buckets)
	nullCode := hashing.NullTag % buckets
	if f.Fill != nil {
		h, err := fillHash(*f.Fill, c)
		if err != nil {
			return nil, err
		}
		nullCode = h % buckets
	}
	values := memory.NewResizableBuffer(mem)
	values.Resize(c.N * 4)
	defer values.Release()
	out := values.Bytes()
	run := func(l device.Launcher, p launch.Column, vals, valid, o device.DevPtr) error {
		return k.LaunchOn(l, "k_hash_buckets", p.N, uint64(vals), uint64(p.Kind), uint64(p.VOff), uint64(valid), uint64(p.NOff), buckets, nullCode, uint64(o), uint64(p.N))
	}
	var err error
	if res != nil {
		err = k.Resident("transform hash", func(b *launch.Buffers) error {
			o, err := b.Alloc(c.N * 4)
			if err != nil {
				return err
			}
			if err := run(k.Device(), res.Layout, res.Vals, res.Valid, o); err != nil {
				return err
			}
			return k.Device().CopyOut(out, o)
		})
	} else {
		err = k.Pipelined("transform hash", c.N, func(lo, hi int) (ins, outs [][]byte) {
			p := c.Part(lo, hi)
			return [][]byte{p.Vals, p.Valid}, [][]byte{out[lo*4 : hi*4]}
		}, func(s device.Stream, _ *launch.Buffers, in, o []device.DevPtr, lo, hi int) error {
			return run(s, c.Part(lo, hi), in[0], in[1], o[0])
		})
	}
	if err != nil {
		return nil, err
	}
	data := array.NewData(arrow.PrimitiveTypes.Int32, c.N, []*memory.Buffer{nil, values}, nil, 0, 0)
	defer data.Release()
	return array.MakeFromData(data), nil
}
