package expr

import (
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// strFuncNode is lower, upper, length, substr or starts_with of a string.
// With constant further arguments the function runs once per dictionary
// entry (once per row for a plain utf8 column) and the rows gather the
// results by index; with array arguments it runs per row.
type strFuncNode struct {
	name string
	args []node // args[0] is the string
	k    kind
}

func (n *strFuncNode) kind() kind               { return n.k }
func (n *strFuncNode) dataType() arrow.DataType { return typeOfKind(n.k, nil) }

func (n *strFuncNode) eval(c *evalCtx) (arrow.Array, error) {
	a, err := n.args[0].eval(c)
	if err != nil {
		return nil, err
	}
	defer a.Release()
	v := strViewOf(a)
	valid := v.validity(c.mem, c.n)
	rest := make([]operand, len(n.args)-1)
	defer func() {
		for _, o := range rest {
			o.release()
		}
	}()
	perRow := false
	for i, arg := range n.args[1:] {
		if k, ok := arg.(*constNode); ok {
			rest[i].c = k
			continue
		}
		if rest[i].arr, err = arg.eval(c); err != nil {
			releaseBufs(valid)
			return nil, err
		}
		perRow = true
		var vb *memory.Buffer
		if arg.kind() == kStr {
			vb = strViewOf(rest[i].arr).validity(c.mem, c.n)
		} else {
			vb = validityOf(c.mem, rest[i].arr)
		}
		valid = andInto(c.mem, c.n, valid, vb) // a new buffer or valid itself, never vb
		releaseBufs(vb)
	}
	if perRow {
		return n.evalRows(c, v, rest, valid)
	}
	entries := v.dict.Len()
	used := v.usedEntries(bytesOf(valid), c.n)
	switch n.name {
	case "length":
		tbl := make([]int64, entries)
		for j := range tbl {
			if used == nil || used[j] {
				tbl[j] = int64(utf8.RuneCountInString(v.dict.Value(j)))
			}
		}
		buf, out := newValues[int64](c.mem, c.n)
		gatherView(v, tbl, valid, out)
		return makeArray(n.dataType(), c.n, valid, buf), nil
	case "starts_with":
		p := rest[0].c.s
		tbl := make([]byte, entries)
		for j := range tbl {
			if used == nil || used[j] {
				tbl[j] = b2u(strings.HasPrefix(v.dict.Value(j), p))
			}
		}
		buf := newBitmap(c.mem, c.n)
		v.mapTable(tbl, valid, buf.Bytes(), c.n)
		return makeArray(n.dataType(), c.n, valid, buf), nil
	}
	var in interner
	remap := make([]int32, entries)
	switch n.name {
	case "lower":
		for j := range remap {
			if used == nil || used[j] {
				remap[j] = in.id(strings.ToLower(v.dict.Value(j)))
			}
		}
	case "upper":
		for j := range remap {
			if used == nil || used[j] {
				remap[j] = in.id(strings.ToUpper(v.dict.Value(j)))
			}
		}
	case "substr":
		start, length, hasLen := rest[0].c.i, int64(0), len(rest) > 1
		if hasLen {
			length = rest[1].c.i
		}
		for j := range remap {
			if used == nil || used[j] {
				remap[j] = in.id(substr(v.dict.Value(j), start, length, hasLen))
			}
		}
	default:
		releaseBufs(valid)
		return nil, fmt.Errorf("expr: no kernel for %s", n.name)
	}
	buf, out := newValues[int32](c.mem, c.n)
	gatherView(v, remap, valid, out)
	dict := in.dict(c.mem)
	defer dict.Release()
	return makeDictArray(c.n, valid, buf, dict), nil
}

// evalRows computes substr or starts_with row by row (an argument after
// the string is an array).
func (n *strFuncNode) evalRows(c *evalCtx, v strView, rest []operand, valid *memory.Buffer) (arrow.Array, error) {
	var vb []byte
	if valid != nil {
		vb = valid.Bytes()
	}
	if n.name == "starts_with" {
		buf := newBitmap(c.mem, c.n)
		out := buf.Bytes()
		p := strViewOf(rest[0].arr)
		for i := range c.n {
			if vb == nil || vb[i>>3]&(1<<(i&7)) != 0 {
				out[i>>3] |= b2u(strings.HasPrefix(v.value(i), p.value(i))) << (i & 7)
			}
		}
		return makeArray(n.dataType(), c.n, valid, buf), nil
	}
	// substr: start and length are int64 scalars or arrays.
	starts, s0 := intSide(rest[0])
	var lens []int64
	var l0 int64
	hasLen := len(rest) > 1
	if hasLen {
		lens, l0 = intSide(rest[1])
	}
	var in interner
	buf, out := newValues[int32](c.mem, c.n)
	for i := range out {
		if vb != nil && vb[i>>3]&(1<<(i&7)) == 0 {
			continue
		}
		s, l := s0, l0
		if starts != nil {
			s = starts[i]
		}
		if lens != nil {
			l = lens[i]
		}
		out[i] = in.id(substr(v.value(i), s, l, hasLen))
	}
	dict := in.dict(c.mem)
	defer dict.Release()
	return makeDictArray(c.n, valid, buf, dict), nil
}

// usedEntries marks the entries that valid rows reference (valid nil: all
// rows), or returns nil when every entry is worth computing: a plain
// column, or a dictionary at most twice the rows. A dictionary shared by
// many batches can be far larger than one batch; computing only the
// entries in use keeps the work, and a computed result's dictionary, to
// the batch's size.
func (v strView) usedEntries(valid []byte, n int) []bool {
	if v.idx == nil || v.dict.Len() <= 2*n {
		return nil
	}
	used := make([]bool, v.dict.Len())
	for i, j := range v.idx[:n] {
		if valid == nil || valid[i>>3]&(1<<(i&7)) != 0 {
			used[j] = true
		}
	}
	return used
}

// bytesOf is the bitmap of a validity buffer (nil: no nulls).
func bytesOf(b *memory.Buffer) []byte {
	if b == nil {
		return nil
	}
	return b.Bytes()
}

// value is the string of row i (only for valid rows).
func (v strView) value(i int) string {
	if v.idx == nil {
		return v.dict.Value(i)
	}
	return v.dict.Value(int(v.idx[i]))
}

// gatherView writes out[i] = tbl[entry of row i], skipping rows that are
// not valid (valid nil: all valid), whose index may be any value.
func gatherView[T fixed](v strView, tbl []T, valid *memory.Buffer, out []T) {
	if v.idx == nil {
		copy(out, tbl)
		return
	}
	idx := v.idx[:len(out)]
	if valid == nil {
		for i, j := range idx {
			out[i] = tbl[j]
		}
		return
	}
	vb := valid.Bytes()
	for i, j := range idx {
		if vb[i>>3]&(1<<(i&7)) != 0 {
			out[i] = tbl[j]
		}
	}
}

// substr is SQL substring in characters (code points). start is 1-based;
// a negative start counts from the end (-1 is the last character) and 0
// is the position before the first. Without a length the rest of the
// string is taken; a negative length takes the characters before start.
// The range is clipped to the string.
func substr(s string, start, length int64, hasLen bool) string {
	n := int64(utf8.RuneCountInString(s))
	var a int64
	switch {
	case start > 0:
		a = start - 1
	case start < 0:
		a = n + start
	default:
		a = -1
	}
	lo, hi := a, n
	if hasLen {
		if length >= 0 {
			hi = satAdd(a, length)
		} else {
			lo, hi = satAdd(a, length), a
		}
	}
	lo, hi = max(lo, 0), min(hi, n)
	if lo >= hi {
		return ""
	}
	if n == int64(len(s)) { // ASCII
		return s[lo:hi]
	}
	return s[runeOffset(s, lo):runeOffset(s, hi)]
}

// satAdd is a+b clamped to the int64 range.
func satAdd(a, b int64) int64 {
	switch {
	case b > 0 && a > math.MaxInt64-b:
		return math.MaxInt64
	case b < 0 && a < math.MinInt64-b:
		return math.MinInt64
	}
	return a + b
}

// runeOffset is the byte offset of the k-th code point of s.
func runeOffset(s string, k int64) int {
	for i := range s {
		if k == 0 {
			return i
		}
		k--
	}
	return len(s)
}

// entry is the table entry of row i.
func (v strView) entry(i int) int {
	if v.idx == nil {
		return i
	}
	return int(v.idx[i])
}
