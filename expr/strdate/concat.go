package strdate

import (
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluice-ml/sluice/expr/eval"
)

// concatNode is concat(a, b, ...) of strings: a null argument counts as
// the empty string, so the result is never null (as in SQL's concat).
type concatNode struct {
	args []eval.Node
}

func (n *concatNode) Kind() eval.Kind          { return eval.Str }
func (n *concatNode) DataType() arrow.DataType { return eval.DictString }

// NewConcat is concat(args...) of string nodes; the caller has dropped the
// null arguments (read as the empty string).
func NewConcat(args []eval.Node) eval.Node { return &concatNode{args: args} }

// concatPart is one evaluated argument: a constant or a string array.
type concatPart struct {
	s     string
	arr   arrow.Array
	v     eval.StrView
	valid []byte // nil: all valid
	vbuf  *memory.Buffer
}

func (n *concatNode) Eval(c *eval.Ctx) (arrow.Array, error) {
	parts := make([]concatPart, len(n.args))
	defer func() {
		for _, p := range parts {
			if p.arr != nil {
				p.arr.Release()
			}
			eval.ReleaseBufs(p.vbuf)
		}
	}()
	arrays := 0
	for i, arg := range n.args {
		if k, ok := arg.(*eval.Const); ok {
			parts[i].s = k.S
			continue
		}
		a, err := arg.Eval(c)
		if err != nil {
			return nil, err
		}
		arrays++
		p := &parts[i]
		p.arr, p.v = a, eval.StrViewOf(a)
		if p.vbuf = p.v.Validity(c.Mem, c.N); p.vbuf != nil {
			p.valid = p.vbuf.Bytes()
		}
	}
	var in eval.Interner
	buf, out := eval.NewValues[int32](c.Mem, c.N)
	if arrays == 1 {
		concatOne(parts, &in, out)
	} else {
		concatRows(parts, &in, out)
	}
	dict := in.Dict(c.Mem)
	defer dict.Release()
	return eval.MakeDictArray(c.N, nil, buf, dict), nil
}

// concatRows concatenates row by row. When the parts' entry numbers fit
// one uint64 key, a row whose combination of entries was seen reuses its
// result without building the string.
func concatRows(parts []concatPart, in *eval.Interner, out []int32) {
	radix, keyed := uint64(1), true
	for k := range parts {
		if parts[k].arr != nil {
			m := uint64(parts[k].v.Dict.Len()) + 1
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
					key += uint64(p.v.Entry(i)+1) * mul
				}
				mul *= uint64(p.v.Dict.Len()) + 1
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
				b = append(b, p.v.Value(i)...)
			}
		}
		out[i] = in.IDBytes(b)
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
func concatOne(parts []concatPart, in *eval.Interner, out []int32) {
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
	remap := make([]int32, p.v.Dict.Len())
	used := p.v.UsedEntries(p.valid, len(out))
	for j := range remap {
		if used == nil || used[j] {
			remap[j] = in.ID(a + p.v.Dict.Value(j) + z)
		}
	}
	nullID := in.ID(a + z)
	if p.valid == nil {
		eval.GatherView(p.v, remap, nil, out)
		return
	}
	for i := range out {
		if p.valid[i>>3]&(1<<(i&7)) != 0 {
			out[i] = remap[p.v.Entry(i)]
		} else {
			out[i] = nullID
		}
	}
}
