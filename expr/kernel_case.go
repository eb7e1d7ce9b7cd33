package expr

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// caseNode is case when conds[i] then vals[i] ... else els end. Arms are
// tried in order; a row takes the first arm whose condition is true (not
// false, not null), else els (a null constant when there is no else).
// Every value is of kind k except ints under a kFloat result (converted).
// A value is evaluated over the whole batch, and only when some row takes
// its arm, except a value that may fail (a cast): that one is evaluated on
// the rows that take its arm only.
type caseNode struct {
	conds, vals []node
	els         node
	k           kind
	dt          arrow.DataType
	// selective[i] (elsSelective for els): the value holds a cast that may
	// fail, so it is evaluated on the taking rows only
	selective    []bool
	elsSelective bool
}

func (n *caseNode) kind() kind               { return n.k }
func (n *caseNode) dataType() arrow.DataType { return n.dt }

// caseOut accumulates the result: values (int64/float64 share a buffer;
// bools use bits; strings use ids into an interner) and validity.
type caseOut struct {
	n      int
	k      kind
	valBuf *memory.Buffer
	ints   []int64
	floats []float64
	bits   []byte
	ids    []int32
	strs   interner
	valid  *memory.Buffer
}

func (n *caseNode) eval(c *evalCtx) (arrow.Array, error) {
	o := &caseOut{n: c.n, k: n.k, valid: newBitmap(c.mem, c.n)}
	switch n.k {
	case kBool:
		o.valBuf = newBitmap(c.mem, c.n)
		o.bits = o.valBuf.Bytes()
	case kStr:
		o.valBuf, o.ids = newValues[int32](c.mem, c.n)
	default:
		o.valBuf, o.ints = newValues[int64](c.mem, c.n)
		o.floats = viewAs[float64](o.valBuf.Bytes())
	}
	done := newBitmap(c.mem, c.n)
	defer done.Release()
	take := newBitmap(c.mem, c.n)
	defer take.Release()
	fail := func(err error) (arrow.Array, error) {
		o.valBuf.Release()
		o.valid.Release()
		return nil, err
	}
	for i, cond := range n.conds {
		a, err := cond.eval(c)
		if err != nil {
			return fail(err)
		}
		taken := takeMask(c.mem, c.n, a, done.Bytes(), take.Bytes())
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
	clearTail(t, c.n)
	if bitutil.CountSetBits(t, 0, c.n) > 0 {
		if err := o.putArm(c, n.els, n.elsSelective, t); err != nil {
			return fail(err)
		}
	}
	if n.k == kStr {
		dict := o.strs.dict(c.mem)
		defer dict.Release()
		return makeDictArray(c.n, o.valid, o.valBuf, dict), nil
	}
	return makeArray(n.dt, c.n, o.valid, o.valBuf), nil
}

// takeMask sets take to the rows where the bool array a is true and
// valid and done is clear; it reports whether any row is taken.
func takeMask(mem memory.Allocator, n int, a arrow.Array, done, take []byte) bool {
	vals := boolValues(mem, n, operand{arr: a})
	defer vals.buf.Release()
	valid := validityOf(mem, a)
	v := vals.bits
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
	clearTail(take, n)
	for _, b := range take {
		if b != 0 {
			return true
		}
	}
	return false
}

// putArm writes value node v into the rows set in take, evaluating it on
// those rows only when selective.
func (o *caseOut) putArm(c *evalCtx, v node, selective bool, take []byte) error {
	if _, ok := v.(*constNode); ok || !selective {
		return o.put(c, v, take)
	}
	return o.putSelected(c, v, take)
}

// put writes value node v into the rows set in take.
func (o *caseOut) put(c *evalCtx, v node, take []byte) error {
	if k, ok := v.(*constNode); ok {
		o.putScalar(k, take)
		return nil
	}
	a, err := v.eval(c)
	if err != nil {
		return err
	}
	defer a.Release()
	ob := o.valid.Bytes()
	if o.k == kStr {
		sv := strViewOf(a)
		valid := sv.validity(c.mem, c.n)
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
	valid := validityOf(c.mem, a)
	switch {
	case o.k == kBool:
		bits, off := boolBits(a.(*array.Boolean))
		vals := newBitmap(c.mem, c.n)
		bitutil.CopyBitmap(bits, off, c.n, vals.Bytes(), 0)
		b := vals.Bytes()
		for j := range take {
			o.bits[j] |= b[j] & take[j]
		}
		vals.Release()
	case v.kind() == kTs:
		putRows(a.(*array.Timestamp).TimestampValues(), take, o.ints)
	case v.kind() == kInt && o.k == kFloat:
		putRows(a.(*array.Int64).Int64Values(), take, o.floats)
	case v.kind() == kInt:
		putRows(a.(*array.Int64).Int64Values(), take, o.ints)
	default:
		putRows(a.(*array.Float64).Float64Values(), take, o.floats)
	}
	orValid(ob, take, valid)
	return nil
}

func (o *caseOut) putScalar(k *constNode, take []byte) {
	if k.null {
		return // rows stay null
	}
	switch o.k {
	case kBool:
		if k.b {
			for j := range take {
				o.bits[j] |= take[j]
			}
		}
	case kStr:
		putScalarRows(o.strs.id(k.s), take, o.ids)
	case kFloat:
		putScalarRows(k.num(), take, o.floats)
	default:
		putScalarRows(k.i, take, o.ints)
	}
	orValid(o.valid.Bytes(), take, nil)
}

// putStrings sets the rows set in rows (valid rows of the view) to their
// strings: sel nil, row i of the view is row i of the result; else row k
// of the view is row sel[k]. Each entry the rows use is interned once,
// so the result's dictionary holds only strings some row takes.
func (o *caseOut) putStrings(sv strView, rows []byte, sel []int32) {
	remap := make([]int32, sv.dict.Len())
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
			j := sv.entry(i)
			if remap[j] < 0 {
				remap[j] = o.strs.id(sv.dict.Value(j))
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
func putRows[T fixed, O fixed](vals []T, take []byte, out []O) {
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
func putScalarRows[O fixed](v O, take []byte, out []O) {
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

// interner numbers distinct strings in first-seen order; dict builds the
// dictionary of them.
type interner struct {
	ids  map[string]int32
	vals []string
}

func (in *interner) id(s string) int32 {
	if id, ok := in.ids[s]; ok {
		return id
	}
	if in.ids == nil {
		in.ids = map[string]int32{}
	}
	id := int32(len(in.vals))
	in.ids[s] = id
	in.vals = append(in.vals, s)
	return id
}

// idBytes is id for a string given as bytes; it copies b only when new.
func (in *interner) idBytes(b []byte) int32 {
	if id, ok := in.ids[string(b)]; ok {
		return id
	}
	return in.id(string(b))
}

func (in *interner) dict(mem memory.Allocator) *array.String {
	return stringDict(mem, in.vals)
}
