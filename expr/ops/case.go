package ops

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluice-ml/sluice/expr/eval"
)

// caseNode is case when conds[i] then vals[i] ... else els end. Arms are
// tried in order; a row takes the first arm whose condition is true (not
// false, not null), else els (a null constant when there is no else).
// Every value is of kind k except ints under an eval.Float result (converted).
// A value is evaluated over the whole batch, and only when some row takes
// its arm, except a value that may fail (a cast): that one is evaluated on
// the rows that take its arm only.
type caseNode struct {
	conds, vals []eval.Node
	els         eval.Node
	k           eval.Kind
	dt          arrow.DataType
	// selective[i] (elsSelective for els): the value holds a cast that may
	// fail, so it is evaluated on the taking rows only
	selective    []bool
	elsSelective bool
}

func (n *caseNode) Kind() eval.Kind          { return n.k }
func (n *caseNode) DataType() arrow.DataType { return n.dt }

// NewCase is case when conds[i] then vals[i] ... else els end with a
// result of kind k and type dt. selective[i] (elsSelective for els) marks
// a value that holds a cast that may fail: it is evaluated on the rows
// that take its arm only.
func NewCase(k eval.Kind, dt arrow.DataType, conds, vals []eval.Node, selective []bool, els eval.Node, elsSelective bool) eval.Node {
	return &caseNode{conds: conds, vals: vals, els: els, k: k, dt: dt, selective: selective, elsSelective: elsSelective}
}

// caseOut accumulates the result: values (int64/float64 share a buffer;
// bools use bits; strings use ids into an eval.Interner) and validity.
type caseOut struct {
	n      int
	k      eval.Kind
	valBuf *memory.Buffer
	ints   []int64
	floats []float64
	bits   []byte
	ids    []int32
	strs   eval.Interner
	valid  *memory.Buffer
}

func (n *caseNode) Eval(c *eval.Ctx) (arrow.Array, error) {
	o := &caseOut{n: c.N, k: n.k, valid: eval.NewBitmap(c.Mem, c.N)}
	switch n.k {
	case eval.Bool:
		o.valBuf = eval.NewBitmap(c.Mem, c.N)
		o.bits = o.valBuf.Bytes()
	case eval.Str:
		o.valBuf, o.ids = eval.NewValues[int32](c.Mem, c.N)
	default:
		o.valBuf, o.ints = eval.NewValues[int64](c.Mem, c.N)
		o.floats = eval.ViewAs[float64](o.valBuf.Bytes())
	}
	done := eval.NewBitmap(c.Mem, c.N)
	defer done.Release()
	take := eval.NewBitmap(c.Mem, c.N)
	defer take.Release()
	fail := func(err error) (arrow.Array, error) {
		o.valBuf.Release()
		o.valid.Release()
		return nil, err
	}
	for i, cond := range n.conds {
		a, err := cond.Eval(c)
		if err != nil {
			return fail(err)
		}
		taken := takeMask(c.Mem, c.N, a, done.Bytes(), take.Bytes())
		a.Release()
		if !taken {
			continue
		}
		if err := o.putArm(c, n.vals[i], n.selective[i], take.Bytes()); err != nil {
			return fail(err)
		}
		d, t := done.Bytes(), take.Bytes()
		for j := range d {
			d[j] |= t[j]
		}
	}
	t, d := take.Bytes(), done.Bytes()
	for j := range t {
		t[j] = ^d[j]
	}
	eval.ClearTail(t, c.N)
	if bitutil.CountSetBits(t, 0, c.N) > 0 {
		if err := o.putArm(c, n.els, n.elsSelective, t); err != nil {
			return fail(err)
		}
	}
	if n.k == eval.Str {
		dict := o.strs.Dict(c.Mem)
		defer dict.Release()
		return eval.MakeDictArray(c.N, o.valid, o.valBuf, dict), nil
	}
	return eval.MakeArray(n.dt, c.N, o.valid, o.valBuf), nil
}

// takeMask sets take to the rows where the bool array a is true and
// valid and done is clear; it reports whether any row is taken.
func takeMask(mem memory.Allocator, n int, a arrow.Array, done, take []byte) bool {
	vals := eval.BoolValues(mem, n, eval.Operand{Arr: a})
	defer vals.Buf.Release()
	valid := eval.ValidityOf(mem, a)
	v := vals.Bits
	if valid == nil {
		for j := range take {
			take[j] = v[j] &^ done[j]
		}
	} else {
		vb := valid.Bytes()
		for j := range take {
			take[j] = v[j] & vb[j] &^ done[j]
		}
		valid.Release()
	}
	eval.ClearTail(take, n)
	for _, b := range take {
		if b != 0 {
			return true
		}
	}
	return false
}

// putArm writes value node v into the rows set in take, evaluating it on
// those rows only when selective.
func (o *caseOut) putArm(c *eval.Ctx, v eval.Node, selective bool, take []byte) error {
	if _, ok := v.(*eval.Const); ok || !selective {
		return o.put(c, v, take)
	}
	return o.putSelected(c, v, take)
}

// put writes value node v into the rows set in take.
func (o *caseOut) put(c *eval.Ctx, v eval.Node, take []byte) error {
	if k, ok := v.(*eval.Const); ok {
		o.putScalar(k, take)
		return nil
	}
	a, err := v.Eval(c)
	if err != nil {
		return err
	}
	defer a.Release()
	ob := o.valid.Bytes()
	if o.k == eval.Str {
		sv := eval.StrViewOf(a)
		valid := sv.Validity(c.Mem, c.N)
		rows := take
		if valid != nil { // indices under nulls may be anything
			rows = make([]byte, len(take))
			vb := valid.Bytes()
			for j := range rows {
				rows[j] = take[j] & vb[j]
			}
		}
		o.putStrings(sv, rows, nil)
		orValid(ob, take, valid)
		return nil
	}
	valid := eval.ValidityOf(c.Mem, a)
	switch {
	case o.k == eval.Bool:
		bits, off := eval.BoolBits(a.(*array.Boolean))
		vals := eval.NewBitmap(c.Mem, c.N)
		bitutil.CopyBitmap(bits, off, c.N, vals.Bytes(), 0)
		b := vals.Bytes()
		for j := range take {
			o.bits[j] |= b[j] & take[j]
		}
		vals.Release()
	case v.Kind() == eval.Ts:
		putRows(a.(*array.Timestamp).TimestampValues(), take, o.ints)
	case v.Kind() == eval.Int && o.k == eval.Float:
		putRows(a.(*array.Int64).Int64Values(), take, o.floats)
	case v.Kind() == eval.Int:
		putRows(a.(*array.Int64).Int64Values(), take, o.ints)
	default:
		putRows(a.(*array.Float64).Float64Values(), take, o.floats)
	}
	orValid(ob, take, valid)
	return nil
}

func (o *caseOut) putScalar(k *eval.Const, take []byte) {
	if k.Null {
		return // rows stay null
	}
	switch o.k {
	case eval.Bool:
		if k.B {
			for j := range take {
				o.bits[j] |= take[j]
			}
		}
	case eval.Str:
		putScalarRows(o.strs.ID(k.S), take, o.ids)
	case eval.Float:
		putScalarRows(k.Num(), take, o.floats)
	default:
		putScalarRows(k.I, take, o.ints)
	}
	orValid(o.valid.Bytes(), take, nil)
}

// putStrings sets the rows set in rows (valid rows of the view) to their
// strings: sel nil, row i of the view is row i of the result; else row k
// of the view is row sel[k]. Each entry the rows use is interned once,
// so the result's dictionary holds only strings some row takes.
func (o *caseOut) putStrings(sv eval.StrView, rows []byte, sel []int32) {
	remap := make([]int32, sv.Dict.Len())
	for j := range remap {
		remap[j] = -1
	}
	for b, bits := range rows {
		if bits == 0 {
			continue
		}
		for bit := 0; bit < 8; bit++ {
			if bits&(1<<bit) == 0 {
				continue
			}
			i := b<<3 + bit
			j := sv.Entry(i)
			if remap[j] < 0 {
				remap[j] = o.strs.ID(sv.Dict.Value(j))
			}
			r := i
			if sel != nil {
				r = int(sel[i])
			}
			o.ids[r] = remap[j]
		}
	}
}

// orValid sets in out the rows of take that are valid (valid nil: all);
// it releases valid.
func orValid(out, take []byte, valid *memory.Buffer) {
	if valid == nil {
		for j := range take {
			out[j] |= take[j]
		}
		return
	}
	vb := valid.Bytes()
	for j := range take {
		out[j] |= take[j] & vb[j]
	}
	valid.Release()
}

// putRows copies out[i] = O(vals[i]) for the rows set in take, skipping
// bytes of take that are zero.
func putRows[T eval.Fixed, O eval.Fixed](vals []T, take []byte, out []O) {
	vals = vals[:len(out)]
	for j, b := range take {
		if b == 0 {
			continue
		}
		base := j << 3
		for bit := 0; bit < 8 && base+bit < len(out); bit++ {
			if b&(1<<bit) != 0 {
				out[base+bit] = O(vals[base+bit])
			}
		}
	}
}

// putScalarRows sets out[i] = v for the rows set in take.
func putScalarRows[O eval.Fixed](v O, take []byte, out []O) {
	for j, b := range take {
		if b == 0 {
			continue
		}
		base := j << 3
		for bit := 0; bit < 8 && base+bit < len(out); bit++ {
			if b&(1<<bit) != 0 {
				out[base+bit] = v
			}
		}
	}
}
