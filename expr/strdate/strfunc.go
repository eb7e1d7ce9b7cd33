package strdate

import (
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluice-ml/sluice/expr/eval"
)

// strFuncNode is lower, upper, length, substr or starts_with of a string.
// With constant further arguments the function runs once per dictionary
// entry (once per row for a plain utf8 column) and the rows gather the
// results by index; with array arguments it runs per row.
type strFuncNode struct {
	name string
	args []eval.Node // args[0] is the string
	k    eval.Kind
}

func (n *strFuncNode) Kind() eval.Kind          { return n.k }
func (n *strFuncNode) DataType() arrow.DataType { return eval.TypeOfKind(n.k, nil) }

// NewFunc is the string function name (lower, upper, length, substr or
// starts_with) of args, args[0] the string, with a result of kind k.
func NewFunc(name string, args []eval.Node, k eval.Kind) eval.Node {
	return &strFuncNode{name: name, args: args, k: k}
}

func (n *strFuncNode) Eval(c *eval.Ctx) (arrow.Array, error) {
	a, err := n.args[0].Eval(c)
	if err != nil {
		return nil, err
	}
	defer a.Release()
	v := eval.StrViewOf(a)
	valid := v.Validity(c.Mem, c.N)
	rest := make([]eval.Operand, len(n.args)-1)
	defer func() {
		for _, o := range rest {
			o.Release()
		}
	}()
	perRow := false
	for i, arg := range n.args[1:] {
		if k, ok := arg.(*eval.Const); ok {
			rest[i].C = k
			continue
		}
		if rest[i].Arr, err = arg.Eval(c); err != nil {
			eval.ReleaseBufs(valid)
			return nil, err
		}
		perRow = true
		var vb *memory.Buffer
		if arg.Kind() == eval.Str {
			vb = eval.StrViewOf(rest[i].Arr).Validity(c.Mem, c.N)
		} else {
			vb = eval.ValidityOf(c.Mem, rest[i].Arr)
		}
		valid = eval.AndInto(c.Mem, c.N, valid, vb) // a new buffer or valid itself, never vb
		eval.ReleaseBufs(vb)
	}
	if perRow {
		return n.evalRows(c, v, rest, valid)
	}
	entries := v.Dict.Len()
	used := v.UsedEntries(eval.BytesOf(valid), c.N)
	switch n.name {
	case "length":
		tbl := make([]int64, entries)
		for j := range tbl {
			if used == nil || used[j] {
				tbl[j] = int64(utf8.RuneCountInString(v.Dict.Value(j)))
			}
		}
		buf, out := eval.NewValues[int64](c.Mem, c.N)
		eval.GatherView(v, tbl, valid, out)
		return eval.MakeArray(n.DataType(), c.N, valid, buf), nil
	case "starts_with":
		p := rest[0].C.S
		tbl := make([]byte, entries)
		for j := range tbl {
			if used == nil || used[j] {
				tbl[j] = eval.B2U(strings.HasPrefix(v.Dict.Value(j), p))
			}
		}
		buf := eval.NewBitmap(c.Mem, c.N)
		v.MapTable(tbl, valid, buf.Bytes(), c.N)
		return eval.MakeArray(n.DataType(), c.N, valid, buf), nil
	}
	var in eval.Interner
	remap := make([]int32, entries)
	switch n.name {
	case "lower":
		for j := range remap {
			if used == nil || used[j] {
				remap[j] = in.ID(strings.ToLower(v.Dict.Value(j)))
			}
		}
	case "upper":
		for j := range remap {
			if used == nil || used[j] {
				remap[j] = in.ID(strings.ToUpper(v.Dict.Value(j)))
			}
		}
	case "substr":
		start, length, hasLen := rest[0].C.I, int64(0), len(rest) > 1
		if hasLen {
			length = rest[1].C.I
		}
		for j := range remap {
			if used == nil || used[j] {
				remap[j] = in.ID(substr(v.Dict.Value(j), start, length, hasLen))
			}
		}
	default:
		eval.ReleaseBufs(valid)
		return nil, fmt.Errorf("expr: no kernel for %s", n.name)
	}
	buf, out := eval.NewValues[int32](c.Mem, c.N)
	eval.GatherView(v, remap, valid, out)
	dict := in.Dict(c.Mem)
	defer dict.Release()
	return eval.MakeDictArray(c.N, valid, buf, dict), nil
}

// evalRows computes substr or starts_with row by row (an argument after
// the string is an array).
func (n *strFuncNode) evalRows(c *eval.Ctx, v eval.StrView, rest []eval.Operand, valid *memory.Buffer) (arrow.Array, error) {
	var vb []byte
	if valid != nil {
		vb = valid.Bytes()
	}
	if n.name == "starts_with" {
		buf := eval.NewBitmap(c.Mem, c.N)
		out := buf.Bytes()
		p := eval.StrViewOf(rest[0].Arr)
		for i := range c.N {
			if vb == nil || vb[i>>3]&(1<<(i&7)) != 0 {
				out[i>>3] |= eval.B2U(strings.HasPrefix(v.Value(i), p.Value(i))) << (i & 7)
			}
		}
		return eval.MakeArray(n.DataType(), c.N, valid, buf), nil
	}
	// substr: start and length are int64 scalars or arrays.
	starts, s0 := eval.IntSide(rest[0])
	var lens []int64
	var l0 int64
	hasLen := len(rest) > 1
	if hasLen {
		lens, l0 = eval.IntSide(rest[1])
	}
	var in eval.Interner
	buf, out := eval.NewValues[int32](c.Mem, c.N)
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
		out[i] = in.ID(substr(v.Value(i), s, l, hasLen))
	}
	dict := in.Dict(c.Mem)
	defer dict.Release()
	return eval.MakeDictArray(c.N, valid, buf, dict), nil
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
