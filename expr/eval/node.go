package eval

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Node is a bound, typed expression that evaluates a whole batch at once.
// Eval returns an array of length c.N (+1 reference; it may have a
// non-zero offset when it is an input column).
type Node interface {
	Kind() Kind
	DataType() arrow.DataType
	Eval(c *Ctx) (arrow.Array, error)
}

// Ctx is one evaluation: the allocator, the row count and the input
// columns of a batch.
type Ctx struct {
	Mem  memory.Allocator
	N    int
	Cols []arrow.Array // input columns, by Col.Slot (borrowed)
}

// Const is a literal or a folded constant. A null constant has a kind
// (the type it stands for) except for the bare null literal (Null).
type Const struct {
	K    Kind
	DT   arrow.DataType
	Null bool
	I    int64 // Int, Ts
	F    float64
	B    bool
	S    string
}

func (n *Const) Kind() Kind               { return n.K }
func (n *Const) DataType() arrow.DataType { return n.DT }

// Num returns the constant as a float64 (Int or Float).
func (n *Const) Num() float64 {
	if n.K == Int {
		return float64(n.I)
	}
	return n.F
}

// Eval broadcasts the constant to a full array.
func (n *Const) Eval(c *Ctx) (arrow.Array, error) {
	if n.Null || n.K == Null {
		return array.MakeArrayOfNull(c.Mem, n.DT, c.N), nil
	}
	switch n.K {
	case Int, Ts:
		buf, v := NewValues[int64](c.Mem, c.N)
		for i := range v {
			v[i] = n.I
		}
		return MakeArray(n.DT, c.N, nil, buf), nil
	case Float:
		buf, v := NewValues[float64](c.Mem, c.N)
		for i := range v {
			v[i] = n.F
		}
		return MakeArray(n.DT, c.N, nil, buf), nil
	case Bool:
		buf := NewBitmap(c.Mem, c.N)
		if n.B {
			FillBytes(buf.Bytes(), 0xFF)
		}
		return MakeArray(n.DT, c.N, nil, buf), nil
	case Str:
		dict := StringDict(c.Mem, []string{n.S})
		defer dict.Release()
		idx, _ := NewValues[int32](c.Mem, c.N)
		return MakeDictArray(c.N, nil, idx, dict), nil
	}
	return nil, fmt.Errorf("expr: constant of kind %s cannot be materialised", n.K)
}

// FillBytes sets every byte of b to v.
func FillBytes(b []byte, v byte) {
	for i := range b {
		b[i] = v
	}
}

// StringDict builds a utf8 array of the given values.
func StringDict(mem memory.Allocator, vals []string) *array.String {
	bld := array.NewStringBuilder(mem)
	defer bld.Release()
	bld.AppendValues(vals, nil)
	return bld.NewStringArray()
}

// MakeDictArray wraps int32 indices (buffer, released here) and a
// dictionary (borrowed) into a dictionary<int32, utf8> array.
func MakeDictArray(n int, valid, idx *memory.Buffer, dict *array.String) arrow.Array {
	a := MakeArray(arrow.PrimitiveTypes.Int32, n, valid, idx)
	defer a.Release()
	d := array.NewDataWithDictionary(DictString, n, a.Data().Buffers(), a.NullN(), 0, dict.Data().(*array.Data))
	defer d.Release()
	return array.MakeFromData(d)
}

// Col reads an input column.
type Col struct {
	Name string
	Slot int
	K    Kind
	DT   arrow.DataType
}

func (n *Col) Kind() Kind               { return n.K }
func (n *Col) DataType() arrow.DataType { return n.DT }

func (n *Col) Eval(c *Ctx) (arrow.Array, error) {
	a := c.Cols[n.Slot]
	a.Retain()
	return a, nil
}

// Operand is one input of a kernel: a scalar constant (C != nil) or an
// evaluated array (owned; release it).
type Operand struct {
	C   *Const
	Arr arrow.Array
}

func (o Operand) Scalar() bool { return o.C != nil }

func (o Operand) Release() {
	if o.Arr != nil {
		o.Arr.Release()
	}
}

// Operands evaluates the two inputs of a binary kernel, keeping a constant
// side as a scalar. When both are constants (constant folding) the left
// one is materialised so that kernels always see at least one array.
func Operands(c *Ctx, l, r Node) (Operand, Operand, error) {
	lc, lok := l.(*Const)
	rc, rok := r.(*Const)
	var lo, ro Operand
	if lok && !rok {
		lo.C = lc
	} else {
		a, err := l.Eval(c)
		if err != nil {
			return lo, ro, err
		}
		lo.Arr = a
	}
	if rok {
		ro.C = rc
	} else {
		a, err := r.Eval(c)
		if err != nil {
			lo.Release()
			return lo, ro, err
		}
		ro.Arr = a
	}
	return lo, ro, nil
}

// ConstFromArray reads the single value of a 1-row array as a constant of
// kind k and type dt.
func ConstFromArray(a arrow.Array, k Kind, dt arrow.DataType) (*Const, error) {
	out := &Const{K: k, DT: dt}
	if a.Len() != 1 {
		return nil, fmt.Errorf("expr: folding produced %d rows, want 1", a.Len())
	}
	if a.IsNull(0) {
		out.Null = true
		return out, nil
	}
	switch v := a.(type) {
	case *array.Int64:
		out.I = v.Value(0)
	case *array.Float64:
		out.F = v.Value(0)
	case *array.Boolean:
		out.B = v.Value(0)
	case *array.Timestamp:
		out.I = int64(v.Value(0))
	case *array.String:
		out.S = v.Value(0)
	case *array.Dictionary:
		out.S = v.Dictionary().(*array.String).Value(v.GetValueIndex(0))
	case *array.Null:
		out.Null = true
	default:
		return nil, fmt.Errorf("expr: cannot fold a %s result", a.DataType())
	}
	return out, nil
}

// AllNull returns an all-null array of the node's type.
func AllNull(c *Ctx, dt arrow.DataType) arrow.Array {
	return array.MakeArrayOfNull(c.Mem, dt, c.N)
}

// Number is the element types arithmetic and comparison kernels read.
type Number interface {
	~int32 | ~int64 | ~float64
}

// IntSide returns the int64 values of an operand, or its scalar value.
func IntSide(o Operand) ([]int64, int64) {
	if o.Scalar() {
		return nil, o.C.I
	}
	return o.Arr.(*array.Int64).Int64Values(), 0
}

// FloatSide returns the float64 values of an operand, or its scalar value.
func FloatSide(o Operand) ([]float64, float64) {
	if o.Scalar() {
		return nil, o.C.F
	}
	return o.Arr.(*array.Float64).Float64Values(), 0
}

// ScratchBits is a bitmap aligned at bit 0 holding a bool operand's values
// (a copy for arrays, all ones or zeros for a scalar). Release buf.
type ScratchBits struct {
	Buf  *memory.Buffer
	Bits []byte
}

func BoolValues(mem memory.Allocator, n int, o Operand) ScratchBits {
	buf := NewBitmap(mem, n)
	if o.Scalar() {
		if o.C.B {
			FillBytes(buf.Bytes(), 0xFF)
		}
	} else {
		bits, off := BoolBits(o.Arr.(*array.Boolean))
		bitutil.CopyBitmap(bits, off, n, buf.Bytes(), 0)
	}
	return ScratchBits{Buf: buf, Bits: buf.Bytes()}
}

// BoolValidity returns the validity of a bool operand from bit 0: nil when
// it has no nulls, all zeros for a null scalar.
func BoolValidity(mem memory.Allocator, n int, o Operand) *memory.Buffer {
	if o.Scalar() {
		if o.C.Null {
			return NewBitmap(mem, n)
		}
		return nil
	}
	return ValidityOf(mem, o.Arr)
}
