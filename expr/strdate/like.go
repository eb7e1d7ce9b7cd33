package strdate

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/sluice-ml/sluice/expr/eval"
)

// likeNode is x like pattern, matched once per dictionary entry.
type likeNode struct {
	x eval.Node
	m *likeMatcher
}

func (n *likeNode) Kind() eval.Kind          { return eval.Bool }
func (n *likeNode) DataType() arrow.DataType { return arrow.FixedWidthTypes.Boolean }

// NewLike is x like pattern, with esc ("" for none) the escape character;
// the error says why the pattern is not valid.
func NewLike(x eval.Node, pattern, esc string) (eval.Node, error) {
	m, err := compileLike(pattern, esc)
	if err != nil {
		return nil, err
	}
	return &likeNode{x: x, m: m}, nil
}

func (n *likeNode) Eval(c *eval.Ctx) (arrow.Array, error) {
	a, err := n.x.Eval(c)
	if err != nil {
		return nil, err
	}
	defer a.Release()
	v := eval.StrViewOf(a)
	valid := v.Validity(c.Mem, c.N)
	tbl := make([]byte, v.Dict.Len())
	used := v.UsedEntries(eval.BytesOf(valid), c.N)
	for j := range tbl {
		if used == nil || used[j] {
			tbl[j] = eval.B2U(n.m.match(v.Dict.Value(j)))
		}
	}
	buf := eval.NewBitmap(c.Mem, c.N)
	v.MapTable(tbl, valid, buf.Bytes(), c.N)
	return eval.MakeArray(n.DataType(), c.N, valid, buf), nil
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
