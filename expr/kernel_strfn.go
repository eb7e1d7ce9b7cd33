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

// concatNode is concat(a, b, ...) of strings: a null argument counts as
// the empty string, so the result is never null (as in SQL's concat).
type concatNode struct {
	args []node
}

func (n *concatNode) kind() kind               { return kStr }
func (n *concatNode) dataType() arrow.DataType { return dictString }

// concatPart is one evaluated argument: a constant or a string array.
type concatPart struct {
	s     string
	arr   arrow.Array
	v     strView
	valid []byte // nil: all valid
	vbuf  *memory.Buffer
}

func (n *concatNode) eval(c *evalCtx) (arrow.Array, error) {
	parts := make([]concatPart, len(n.args))
	defer func() {
		for _, p := range parts {
			if p.arr != nil {
				p.arr.Release()
			}
			releaseBufs(p.vbuf)
		}
	}()
	arrays := 0
	for i, arg := range n.args {
		if k, ok := arg.(*constNode); ok {
			parts[i].s = k.s
			continue
		}
		a, err := arg.eval(c)
		if err != nil {
			return nil, err
		}
		arrays++
		p := &parts[i]
		p.arr, p.v = a, strViewOf(a)
		if p.vbuf = p.v.validity(c.mem, c.n); p.vbuf != nil {
			p.valid = p.vbuf.Bytes()
		}
	}
	var in interner
	buf, out := newValues[int32](c.mem, c.n)
	if arrays == 1 {
		concatOne(parts, &in, out)
	} else {
		concatRows(parts, &in, out)
	}
	dict := in.dict(c.mem)
	defer dict.Release()
	return makeDictArray(c.n, nil, buf, dict), nil
}

// concatRows concatenates row by row. When the parts' entry numbers fit
// one uint64 key, a row whose combination of entries was seen reuses its
// result without building the string.
func concatRows(parts []concatPart, in *interner, out []int32) {
	radix, keyed := uint64(1), true
	for k := range parts {
		if parts[k].arr != nil {
			m := uint64(parts[k].v.dict.Len()) + 1
			keyed = keyed && radix <= (1<<62)/m
			radix *= m
		}
	}
	// A dense table when the keys are few, else a map.
	var dense []int32
	var seen map[uint64]int32
	switch {
	case keyed && radix <= uint64(len(out))+1024:
		dense = make([]int32, radix)
		for j := range dense {
			dense[j] = -1
		}
	case keyed:
		seen = map[uint64]int32{}
	}
	var b []byte
	for i := range out {
		var key uint64
		if keyed {
			mul := uint64(1)
			for k := range parts {
				p := &parts[k]
				if p.arr == nil {
					continue
				}
				if p.valid == nil || p.valid[i>>3]&(1<<(i&7)) != 0 {
					key += uint64(p.v.entry(i)+1) * mul
				}
				mul *= uint64(p.v.dict.Len()) + 1
			}
			if dense != nil && dense[key] >= 0 {
				out[i] = dense[key]
				continue
			}
			if id, ok := seen[key]; ok && dense == nil {
				out[i] = id
				continue
			}
		}
		b = b[:0]
		for k := range parts {
			p := &parts[k]
			switch {
			case p.arr == nil:
				b = append(b, p.s...)
			case p.valid == nil || p.valid[i>>3]&(1<<(i&7)) != 0:
				b = append(b, p.v.value(i)...)
			}
		}
		out[i] = in.idBytes(b)
		switch {
		case dense != nil:
			dense[key] = out[i]
		case keyed:
			seen[key] = out[i]
		}
	}
}

// concatOne handles one string array among constants: the result is
// computed once per dictionary entry, and null rows get the constants
// alone.
func concatOne(parts []concatPart, in *interner, out []int32) {
	var pre, post strings.Builder
	var p *concatPart
	for k := range parts {
		switch {
		case parts[k].arr != nil:
			p = &parts[k]
		case p == nil:
			pre.WriteString(parts[k].s)
		default:
			post.WriteString(parts[k].s)
		}
	}
	a, z := pre.String(), post.String()
	remap := make([]int32, p.v.dict.Len())
	used := p.v.usedEntries(p.valid, len(out))
	for j := range remap {
		if used == nil || used[j] {
			remap[j] = in.id(a + p.v.dict.Value(j) + z)
		}
	}
	nullID := in.id(a + z)
	if p.valid == nil {
		gatherView(p.v, remap, nil, out)
		return
	}
	for i := range out {
		if p.valid[i>>3]&(1<<(i&7)) != 0 {
			out[i] = remap[p.v.entry(i)]
		} else {
			out[i] = nullID
		}
	}
}

// entry is the table entry of row i.
func (v strView) entry(i int) int {
	if v.idx == nil {
		return i
	}
	return int(v.idx[i])
}

// likeNode is x like pattern, matched once per dictionary entry.
type likeNode struct {
	x node
	m *likeMatcher
}

func (n *likeNode) kind() kind               { return kBool }
func (n *likeNode) dataType() arrow.DataType { return arrow.FixedWidthTypes.Boolean }

func (n *likeNode) eval(c *evalCtx) (arrow.Array, error) {
	a, err := n.x.eval(c)
	if err != nil {
		return nil, err
	}
	defer a.Release()
	v := strViewOf(a)
	valid := v.validity(c.mem, c.n)
	tbl := make([]byte, v.dict.Len())
	used := v.usedEntries(bytesOf(valid), c.n)
	for j := range tbl {
		if used == nil || used[j] {
			tbl[j] = b2u(n.m.match(v.dict.Value(j)))
		}
	}
	buf := newBitmap(c.mem, c.n)
	v.mapTable(tbl, valid, buf.Bytes(), c.n)
	return makeArray(n.dataType(), c.n, valid, buf), nil
}

// likeMatcher is a compiled like pattern: literal runs, _ (one
// character) and % (any run of characters, also none).
type likeMatcher struct {
	elems []likeElem
}

type likeElem struct {
	op  byte // 'l' literal, '_' one character, '%' any run
	lit string
}

// compileLike compiles pattern; esc ("" for none) makes the character
// after it literal.
func compileLike(pattern, esc string) (*likeMatcher, error) {
	m := &likeMatcher{}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			m.elems = append(m.elems, likeElem{op: 'l', lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(pattern); {
		r, w := utf8.DecodeRuneInString(pattern[i:])
		ch := pattern[i : i+w]
		i += w
		switch {
		case esc != "" && ch == esc:
			if i >= len(pattern) {
				return nil, fmt.Errorf("like pattern %q ends with the escape character %q (escape %% as %s%%, _ as %s_, the escape itself by doubling it)", pattern, esc, esc, esc)
			}
			_, w2 := utf8.DecodeRuneInString(pattern[i:])
			lit.WriteString(pattern[i : i+w2])
			i += w2
		case r == '%':
			flush()
			if len(m.elems) == 0 || m.elems[len(m.elems)-1].op != '%' {
				m.elems = append(m.elems, likeElem{op: '%'})
			}
		case r == '_':
			flush()
			m.elems = append(m.elems, likeElem{op: '_'})
		default:
			lit.WriteString(ch)
		}
	}
	flush()
	return m, nil
}

// match reports whether s matches the whole pattern: a greedy scan that
// backtracks to the last % when a step fails.
func (m *likeMatcher) match(s string) bool {
	p := m.elems
	pi, si := 0, 0
	starP, starS := -1, 0
	for si < len(s) || pi < len(p) {
		if pi < len(p) {
			e := p[pi]
			switch e.op {
			case '%':
				starP, starS = pi, si
				pi++
				continue
			case '_':
				if si < len(s) {
					_, w := utf8.DecodeRuneInString(s[si:])
					si += w
					pi++
					continue
				}
			default:
				if strings.HasPrefix(s[si:], e.lit) {
					si += len(e.lit)
					pi++
					continue
				}
			}
		}
		if starP < 0 || starS >= len(s) {
			return false
		}
		_, w := utf8.DecodeRuneInString(s[starS:])
		starS += w
		pi, si = starP+1, starS
	}
	return true
}
