package ops

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluice-ml/sluice/expr/eval"
)

// castNode is cast(x as to) or try_cast(x as to). A value that does not
// convert fails the evaluation with an error naming it (cast) or gives
// null (try_cast). Strings are parsed once per dictionary entry.
type castNode struct {
	x   eval.Node
	to  eval.Kind
	dt  arrow.DataType
	try bool
	src string // the expression, for errors
}

func (n *castNode) Kind() eval.Kind          { return n.to }
func (n *castNode) DataType() arrow.DataType { return n.dt }

// NewCast is cast(x as to) of type dt, or try_cast when try is set; src
// is the expression as written, for errors.
func NewCast(x eval.Node, to eval.Kind, dt arrow.DataType, try bool, src string) eval.Node {
	return &castNode{x: x, to: to, dt: dt, try: try, src: src}
}

func (n *castNode) Eval(c *eval.Ctx) (arrow.Array, error) {
	a, err := n.x.Eval(c)
	if err != nil {
		return nil, err
	}
	defer a.Release()
	from := n.x.Kind()
	switch {
	case from == eval.Str:
		return n.fromString(c, a)
	case n.to == eval.Str:
		return n.toString(c, a)
	}
	valid := eval.ValidityOf(c.Mem, a)
	if n.to == eval.Bool {
		buf := eval.NewBitmap(c.Mem, c.N)
		out := buf.Bytes()
		switch from {
		case eval.Int:
			for i, v := range a.(*array.Int64).Int64Values()[:c.N] {
				out[i>>3] |= eval.B2U(v != 0) << (i & 7)
			}
		case eval.Float:
			for i, v := range a.(*array.Float64).Float64Values()[:c.N] {
				out[i>>3] |= eval.B2U(v != 0) << (i & 7)
			}
		}
		return eval.MakeArray(n.dt, c.N, valid, buf), nil
	}
	buf, ints := eval.NewValues[int64](c.Mem, c.N)
	floats := eval.ViewAs[float64](buf.Bytes())
	switch {
	case from == eval.Bool:
		bits, off := eval.BoolBits(a.(*array.Boolean))
		if n.to == eval.Float {
			for i := range floats {
				floats[i] = float64(eval.B2U(bitutil.BitIsSet(bits, off+i)))
			}
		} else {
			for i := range ints {
				ints[i] = int64(eval.B2U(bitutil.BitIsSet(bits, off+i)))
			}
		}
	case from == eval.Int && n.to == eval.Float:
		for i, v := range a.(*array.Int64).Int64Values()[:c.N] {
			floats[i] = float64(v)
		}
	case from == eval.Float: // to int64
		var err error
		if valid, err = n.floatsToInts(c, a.(*array.Float64).Float64Values()[:c.N], valid, ints); err != nil {
			buf.Release()
			return nil, err
		}
	case from == eval.Ts && n.to == eval.Ts: // to microseconds
		scaleToMicros(a.(*array.Timestamp).TimestampValues()[:c.N], a.DataType().(*arrow.TimestampType).Unit, ints)
	case from == eval.Ts: // to int64: the ticks
		for i, v := range a.(*array.Timestamp).TimestampValues()[:c.N] {
			ints[i] = int64(v)
		}
	default: // int64 to int64 or timestamp (microseconds)
		copy(ints, a.(*array.Int64).Int64Values()[:c.N])
	}
	return eval.MakeArray(n.dt, c.N, valid, buf), nil
}

// floatsToInts rounds half away from zero; NaN, ±Inf and values outside
// the int64 range do not convert.
func (n *castNode) floatsToInts(c *eval.Ctx, in []float64, valid *memory.Buffer, out []int64) (*memory.Buffer, error) {
	okBuf := eval.NewBitmap(c.Mem, c.N)
	ok := okBuf.Bytes()
	for i, v := range in {
		r := math.Round(v)
		good := r >= -(1<<63) && r < 1<<63 // false for NaN
		out[i] = int64(r) * int64(eval.B2U(good))
		ok[i>>3] |= eval.B2U(good) << (i & 7)
	}
	return n.settle(c, okBuf, valid, func(i int) string { return formatCastFloat(in[i]) })
}

// settle combines the rows that converted (ok, released here) with the
// input validity: try_cast nulls the others; cast fails naming the first
// valid row that did not convert (value formats it, off the hot path).
func (n *castNode) settle(c *eval.Ctx, ok, valid *memory.Buffer, value func(int) string) (*memory.Buffer, error) {
	okb := ok.Bytes()
	if valid != nil {
		vb := valid.Bytes()
		for j := range okb {
			okb[j] &= vb[j]
		}
	}
	want := c.N
	if valid != nil {
		want = bitutil.CountSetBits(valid.Bytes(), 0, c.N)
	}
	if bitutil.CountSetBits(okb, 0, c.N) == want {
		ok.Release()
		return valid, nil
	}
	if n.try {
		eval.ReleaseBufs(valid)
		return ok, nil
	}
	defer ok.Release()
	defer eval.ReleaseBufs(valid)
	for i := range c.N {
		if (valid == nil || bitutil.BitIsSet(valid.Bytes(), i)) && !bitutil.BitIsSet(okb, i) {
			return nil, fmt.Errorf("expr %s: cannot convert %s to %s: %s (try_cast gives null instead)", n.src, value(i), n.to, castRule(n.x.Kind(), n.to))
		}
	}
	return nil, fmt.Errorf("expr %s: conversion failed", n.src)
}

func castRule(from, to eval.Kind) string {
	if from == eval.Float {
		return "NaN, infinities and values beyond ±9.2e18 have no int64"
	}
	switch to {
	case eval.Int:
		return "expected an integer such as -42 (spaces around it are ignored)"
	case eval.Float:
		return "expected a number such as 1.5, -2e3, nan or inf"
	case eval.Bool:
		return "expected true, false, 1 or 0 (any case)"
	}
	return "expected 'YYYY-MM-DD' or 'YYYY-MM-DD HH:MM:SS[.ffffff]' (UTC)"
}

// scaleToMicros converts ticks of unit u to microseconds (floor for ns).
func scaleToMicros(in []arrow.Timestamp, u arrow.TimeUnit, out []int64) {
	switch u {
	case arrow.Second, arrow.Millisecond:
		m := 1e6 / eval.TicksPerSecond(u)
		for i, v := range in {
			out[i] = int64(v) * m
		}
	case arrow.Nanosecond:
		for i, v := range in {
			out[i] = eval.FloorDiv(int64(v), 1000)
		}
	default:
		for i, v := range in {
			out[i] = int64(v)
		}
	}
}

// fromString parses each dictionary entry once, then gathers by index.
func (n *castNode) fromString(c *eval.Ctx, a arrow.Array) (arrow.Array, error) {
	v := eval.StrViewOf(a)
	valid := v.Validity(c.Mem, c.N)
	entries := v.Dict.Len()
	used := v.UsedEntries(eval.BytesOf(valid), c.N)
	okTbl := make([]byte, entries)
	var buf *memory.Buffer
	switch n.to {
	case eval.Bool:
		tbl := make([]byte, entries)
		for j := range tbl {
			if used != nil && !used[j] {
				continue
			}
			b, ok := parseBool(v.Dict.Value(j))
			tbl[j], okTbl[j] = eval.B2U(b), eval.B2U(ok)
		}
		buf = eval.NewBitmap(c.Mem, c.N)
		v.MapTable(tbl, valid, buf.Bytes(), c.N)
	case eval.Float:
		tbl := make([]float64, entries)
		for j := range tbl {
			if used != nil && !used[j] {
				continue
			}
			f, err := strconv.ParseFloat(strings.TrimSpace(v.Dict.Value(j)), 64)
			tbl[j], okTbl[j] = f, eval.B2U(err == nil || isRangeErr(err))
		}
		var out []float64
		buf, out = eval.NewValues[float64](c.Mem, c.N)
		eval.GatherView(v, tbl, valid, out)
	default: // int64, timestamp
		tbl := make([]int64, entries)
		for j := range tbl {
			if used != nil && !used[j] {
				continue
			}
			var err error
			s := strings.TrimSpace(v.Dict.Value(j))
			if n.to == eval.Ts {
				tbl[j], err = eval.ParseTimestamp(s, arrow.Microsecond)
			} else {
				tbl[j], err = strconv.ParseInt(s, 10, 64)
			}
			okTbl[j] = eval.B2U(err == nil)
		}
		var out []int64
		buf, out = eval.NewValues[int64](c.Mem, c.N)
		eval.GatherView(v, tbl, valid, out)
	}
	ok := eval.NewBitmap(c.Mem, c.N)
	v.MapTable(okTbl, valid, ok.Bytes(), c.N)
	valid, err := n.settle(c, ok, valid, func(i int) string { return strconv.Quote(v.Value(i)) })
	if err != nil {
		buf.Release()
		return nil, err
	}
	return eval.MakeArray(n.dt, c.N, valid, buf), nil
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange // ±Inf for huge values, as SQL does
}

func parseBool(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "1":
		return true, true
	case "false", "0":
		return false, true
	}
	return false, false
}

// toString formats numbers, bools and timestamps row by row.
func (n *castNode) toString(c *eval.Ctx, a arrow.Array) (arrow.Array, error) {
	valid := eval.ValidityOf(c.Mem, a)
	var vb []byte
	if valid != nil {
		vb = valid.Bytes()
	}
	var in eval.Interner
	buf, out := eval.NewValues[int32](c.Mem, c.N)
	var b []byte
	switch n.x.Kind() {
	case eval.Bool:
		f, t := in.ID("false"), in.ID("true")
		bits, off := eval.BoolBits(a.(*array.Boolean))
		for i := range out {
			out[i] = f
			if bitutil.BitIsSet(bits, off+i) {
				out[i] = t
			}
		}
	case eval.Int:
		for i, v := range a.(*array.Int64).Int64Values()[:c.N] {
			if vb == nil || vb[i>>3]&(1<<(i&7)) != 0 {
				b = strconv.AppendInt(b[:0], v, 10)
				out[i] = in.IDBytes(b)
			}
		}
	case eval.Float:
		for i, v := range a.(*array.Float64).Float64Values()[:c.N] {
			if vb == nil || vb[i>>3]&(1<<(i&7)) != 0 {
				out[i] = in.ID(formatCastFloat(v))
			}
		}
	case eval.Ts:
		tps := eval.TicksPerSecond(a.DataType().(*arrow.TimestampType).Unit)
		for i, v := range a.(*array.Timestamp).TimestampValues()[:c.N] {
			if vb == nil || vb[i>>3]&(1<<(i&7)) != 0 {
				t := time.Unix(eval.FloorDiv(int64(v), tps), eval.FloorMod(int64(v), tps)*(1e9/tps)).UTC()
				b = t.AppendFormat(b[:0], "2006-01-02 15:04:05.999999999")
				out[i] = in.IDBytes(b)
			}
		}
	}
	dict := in.Dict(c.Mem)
	defer dict.Release()
	return eval.MakeDictArray(c.N, valid, buf, dict), nil
}

// formatCastFloat is the shortest decimal that reads back as f, with ".0"
// on integral values ("100.0", "1e+20", "0.5"); nan, inf and -inf for the
// special values.
func formatCastFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(s, ".e") {
		s += ".0"
	}
	return s
}
