package gpu

import (
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluice-ml/sluice/exec/cpu"
	"github.com/sluice-ml/sluice/hashing"
	"github.com/sluice-ml/sluice/vocab"
)

// Transform ops of k_transform_f32 (kernels/transform.cu).
const (
	opIdentity = 0
	opAffine   = 1
	opLog1p    = 2
	opClip     = 3
	opZero     = 4
)

// Apply is cpu.Apply on the device for the numeric transforms (identity,
// zscore, minmax, log1p, clip, bucketize) and hash of int64, timestamp,
// float64 and bool columns, and vocab and onehot of those and of
// dictionary<int32, utf8> columns: the same fields, the same int32
// values, and float32 values bit-identical to the CPU's (NaN written as
// 0x7fc00000). hash of a string column gives an ErrUnsupported error. The
// returned columns are +1: the caller releases them.
func (k *Kernels) Apply(name string, f *cpu.Fitted, col arrow.Array, mem memory.Allocator) ([]arrow.Field, []arrow.Array, error) {
	return k.apply(name, f, col, mem, nil)
}

// apply is Apply; with res not nil the column is already on the device.
func (k *Kernels) apply(name string, f *cpu.Fitted, col arrow.Array, mem memory.Allocator, res *devCol) ([]arrow.Field, []arrow.Array, error) {
	switch f.Transform {
	case vocab.TIdentity, vocab.TZScore, vocab.TMinMax, vocab.TLog1p, vocab.TClip, vocab.TBucketize, vocab.THash:
	case vocab.TVocab, vocab.TOneHot:
		return k.applyVocab(name, f, col, mem)
	default:
		return nil, nil, fmt.Errorf("feature %s: unknown transform %q (allowed: %v)", name, f.Transform, vocab.Transforms)
	}
	if isStringColumn(col) {
		return nil, nil, fmt.Errorf("feature %s: %s of a string column is %w because string hash buckets are applied on the CPU engine (Kernels.HashColumn hashes strings on the device)", name, f.Transform, ErrUnsupported)
	}
	c, err := columnOf("feature "+name, col)
	if err != nil {
		return nil, nil, err
	}
	fields := f.OutputFields(name)
	var arr arrow.Array
	if f.Transform == vocab.THash {
		arr, err = k.applyHash(f, c, mem, res)
	} else {
		arr, err = k.applyNumeric(f, c, col, mem, res)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("feature %s: %w", name, err)
	}
	return fields, []arrow.Array{arr}, nil
}

// fillOf returns the numeric fill for null rows (has is false when nulls
// stay null or there are none).
func fillOf(f *cpu.Fitted, c column) (fill float64, has bool, err error) {
	if c.valid == nil || f.Fill == nil {
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
func opOf(f *cpu.Fitted) (op int, p0, p1 float64) {
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

func (k *Kernels) applyNumeric(f *cpu.Fitted, c column, col arrow.Array, mem memory.Allocator, res *devCol) (arrow.Array, error) {
	fill, hasFill, err := fillOf(f, c)
	if err != nil {
		return nil, err
	}
	dt := arrow.DataType(arrow.PrimitiveTypes.Float32)
	if f.Transform == vocab.TBucketize {
		dt = arrow.PrimitiveTypes.Int32
	}
	values := memory.NewResizableBuffer(mem)
	values.Resize(c.n * 4)
	defer values.Release()
	out := values.Bytes()
	op, p0, p1 := opOf(f)
	bounds := append(f.Boundaries[:len(f.Boundaries):len(f.Boundaries)], 0) // never empty on the device
	launch := func(l launcher, p column, vals, valid, bp, o DevPtr) error {
		head := []uint64{uint64(vals), uint64(p.kind), uint64(p.voff), uint64(valid), uint64(p.noff), b2u(hasFill), F64(fill)}
		if f.Transform == vocab.TBucketize {
			return k.launchOn(l, "k_bucketize", p.n, append(head, uint64(bp), uint64(len(f.Boundaries)), uint64(o), uint64(p.n))...)
		}
		return k.launchOn(l, "k_transform_f32", p.n, append(head, uint64(op), F64(p0), F64(p1), uint64(o), uint64(p.n))...)
	}
	if res != nil {
		err = k.resident("transform "+f.Transform, func(b *buffers) error {
			var bp DevPtr
			if f.Transform == vocab.TBucketize {
				var err error
				if bp, err = b.in(asBytes(bounds)); err != nil {
					return err
				}
			}
			o, err := b.alloc(c.n * 4)
			if err != nil {
				return err
			}
			if err := launch(k.dev, res.c, res.vals, res.valid, bp, o); err != nil {
				return err
			}
			return k.dev.CopyOut(out, o)
		})
	} else {
		err = k.pipelined("transform "+f.Transform, c.n, func(lo, hi int) (ins, outs [][]byte) {
			p := c.part(lo, hi)
			var bb []byte
			if f.Transform == vocab.TBucketize {
				bb = asBytes(bounds)
			}
			return [][]byte{p.vals, p.valid, bb}, [][]byte{out[lo*4 : hi*4]}
		}, func(s Stream, _ *buffers, in, o []DevPtr, lo, hi int) error {
			return launch(s, c.part(lo, hi), in[0], in[1], in[2], o[0])
		})
	}
	if err != nil {
		return nil, err
	}
	var validity *memory.Buffer
	nulls := 0
	if c.valid != nil && !hasFill {
		validity = memory.NewResizableBuffer(mem)
		validity.Resize(int(bitutil.BytesForBits(int64(c.n))))
		defer validity.Release()
		bitutil.CopyBitmap(col.NullBitmapBytes(), col.Data().Offset(), c.n, validity.Bytes(), 0)
		nulls = col.NullN()
	}
	data := array.NewData(dt, c.n, []*memory.Buffer{validity, values}, nil, nulls, 0)
	defer data.Release()
	return array.MakeFromData(data), nil
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// fillHash is the hash of the fill value converted to the column's kind
// (as exec/cpu coerces it): integers and floats convert when exact, bools
// accept 0/1.
func fillHash(v cpu.Value, c column) (uint64, error) {
	f, isNum := v.Float()
	switch c.kind {
	case kindFloat64:
		if isNum {
			return hashing.Float64(f), nil
		}
	case kindInt64:
		switch {
		case v.Kind == cpu.KindInt64 || v.Kind == cpu.KindTimestamp:
			return hashing.Int64(v.I), nil
		case v.Kind == cpu.KindFloat64 && v.F == math.Trunc(v.F) && math.Abs(v.F) < 1<<63:
			return hashing.Int64(int64(v.F)), nil
		}
	case kindBool:
		if isNum && (f == 0 || f == 1) {
			return hashing.Bool(f == 1), nil
		}
	}
	kind := map[int64]string{kindInt64: "int64 or timestamp", kindFloat64: cpu.KindFloat64, kindBool: cpu.KindBool}[c.kind]
	return 0, fmt.Errorf("fill: value %s (%s) does not fit a %s column", v.String(), v.Kind, kind)
}

func (k *Kernels) applyHash(f *cpu.Fitted, c column, mem memory.Allocator, res *devCol) (arrow.Array, error) {
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
	values.Resize(c.n * 4)
	defer values.Release()
	out := values.Bytes()
	launch := func(l launcher, p column, vals, valid, o DevPtr) error {
		return k.launchOn(l, "k_hash_buckets", p.n, uint64(vals), uint64(p.kind), uint64(p.voff), uint64(valid), uint64(p.noff), buckets, nullCode, uint64(o), uint64(p.n))
	}
	var err error
	if res != nil {
		err = k.resident("transform hash", func(b *buffers) error {
			o, err := b.alloc(c.n * 4)
			if err != nil {
				return err
			}
			if err := launch(k.dev, res.c, res.vals, res.valid, o); err != nil {
				return err
			}
			return k.dev.CopyOut(out, o)
		})
	} else {
		err = k.pipelined("transform hash", c.n, func(lo, hi int) (ins, outs [][]byte) {
			p := c.part(lo, hi)
			return [][]byte{p.vals, p.valid}, [][]byte{out[lo*4 : hi*4]}
		}, func(s Stream, _ *buffers, in, o []DevPtr, lo, hi int) error {
			return launch(s, c.part(lo, hi), in[0], in[1], o[0])
		})
	}
	if err != nil {
		return nil, err
	}
	data := array.NewData(arrow.PrimitiveTypes.Int32, c.n, []*memory.Buffer{nil, values}, nil, 0, 0)
	defer data.Release()
	return array.MakeFromData(data), nil
}
