package expr

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
)

// castNode is cast(x as to) or try_cast(x as to). A value that does not
// convert fails the evaluation with an error naming it (cast) or gives
// null (try_cast). Strings are parsed once per dictionary entry.
type castNode struct {
	x   node
	to  kind
	dt  arrow.DataType
	try bool
	src string // the expression, for errors
}

func (n *castNode) kind() kind               { return n.to }
func (n *castNode) dataType() arrow.DataType { return n.dt }

func (n *castNode) eval(c *evalCtx) (arrow.Array, error) {
	a, err := n.x.eval(c)
	if err != nil {
		return nil, err
	}
	defer a.Release()
	from := n.x.kind()
	switch {
	case from == kStr:
		return n.fromString(c, a)
	case n.to == kStr:
		return n.toString(c, a)
	}
	valid := validityOf(c.mem, a)
	if n.to == kBool {
		buf := newBitmap(c.mem, c.n)
		out := buf.Bytes()
		switch from {
		case kInt:
			for i, v := range a.(*array.Int64).Int64Values()[:c.n] {
				out[i>>3] |= b2u(v != 0) << (i & 7)
			}
		case kFloat:
			for i, v := range a.(*array.Float64).Float64Values()[:c.n] {
				out[i>>3] |= b2u(v != 0) << (i & 7)
			}
		}
		return makeArray(n.dt, c.n, valid, buf), nil
	}
	buf, ints := newValues[int64](c.mem, c.n)
	floats := viewAs[float64](buf.Bytes())
	switch {
	case from == kBool:
		bits, off := boolBits(a.(*array.Boolean))
		if n.to == kFloat {
			for i := range floats {
				floats[i] = float64(b2u(bitutil.BitIsSet(bits, off+i)))
			}
		} else {
			for i := range ints {
				ints[i] = int64(b2u(bitutil.BitIsSet(bits, off+i)))
			}
		}
	case from == kInt && n.to == kFloat:
		for i, v := range a.(*array.Int64).Int64Values()[:c.n] {
			floats[i] = float64(v)
		}
	case from == kFloat: // to int64
		var err error
		if valid, err = n.floatsToInts(c, a.(*array.Float64).Float64Values()[:c.n], valid, ints); err != nil {
			buf.Release()
			return nil, err
		}
	case from == kTs && n.to == kTs: // to microseconds
		scaleToMicros(a.(*array.Timestamp).TimestampValues()[:c.n], a.DataType().(*arrow.TimestampType).Unit, ints)
	case from == kTs: // to int64: the ticks
		for i, v := range a.(*array.Timestamp).TimestampValues()[:c.n] {
			ints[i] = int64(v)
		}
	default: // int64 to int64 or timestamp (microseconds)
		copy(ints, a.(*array.Int64).Int64Values()[:c.n])
	}
	return makeArray(n.dt, c.n, valid, buf), nil
}

// floatsToInts rounds half away from zero; NaN, ±Inf and values outside
// the int64 range do not convert.
func (n *castNode) floatsToInts(c *evalCtx, in []float64, valid *memory.Buffer, out []int64) (*memory.Buffer, error) {
	okBuf := newBitmap(c.mem, c.n)
	ok := okBuf.Bytes()
	for i, v := range in {
		r := math.Round(v)
		good := r >= -(1<<63) && r < 1<<63 // false for NaN
		out[i] = int64(r) * int64(b2u(good))
		ok[i>>3] |= b2u(good) << (i & 7)
	}
	return n.settle(c, okBuf, valid, func(i int) string { return formatCastFloat(in[i]) })
}

// settle combines the rows that converted (ok, released here) with the
// input validity: try_cast nulls the others; cast fails naming the first
// valid row that did not convert (value formats it, off the hot path).
func (n *castNode) settle(c *evalCtx, ok, valid *memory.Buffer, value func(int) string) (*memory.Buffer, error) {
	okb := ok.Bytes()
	if valid != nil {
		vb := valid.Bytes()
		for j := range okb {
			okb[j] &= vb[j]
		}
	}
	want := c.n
	if valid != nil {
		want = bitutil.CountSetBits(valid.Bytes(), 0, c.n)
	}
	if bitutil.CountSetBits(okb, 0, c.n) == want {
		ok.Release()
		return valid, nil
	}
	if n.try {
		releaseBufs(valid)
		return ok, nil
	}
	defer ok.Release()
	defer releaseBufs(valid)
	for i := range c.n {
		if (valid == nil || bitutil.BitIsSet(valid.Bytes(), i)) && !bitutil.BitIsSet(okb, i) {
			return nil, fmt.Errorf("expr %s: cannot convert %s to %s: %s (try_cast gives null instead)", n.src, value(i), n.to, castRule(n.x.kind(), n.to))
		}
	}
	return nil, fmt.Errorf("expr %s: conversion failed", n.src)
}

func castRule(from, to kind) string {
	if from == kFloat {
		return "NaN, infinities and values beyond ±9.2e18 have no int64"
	}
	switch to {
	case kInt:
		return "expected an integer such as -42 (spaces around it are ignored)"
	case kFloat:
		return "expected a number such as 1.5, -2e3, nan or inf"
	case kBool:
		return "expected true, false, 1 or 0 (any case)"
	}
	return "expected 'YYYY-MM-DD' or 'YYYY-MM-DD HH:MM:SS[.ffffff]' (UTC)"
}

// scaleToMicros converts ticks of unit u to microseconds (floor for ns).
func scaleToMicros(in []arrow.Timestamp, u arrow.TimeUnit, out []int64) {
	switch u {
	case arrow.Second, arrow.Millisecond:
		m := 1e6 / ticksPerSecond(u)
		for i, v := range in {
			out[i] = int64(v) * m
		}
	case arrow.Nanosecond:
		for i, v := range in {
			out[i] = floorDiv(int64(v), 1000)
		}
	default:
		for i, v := range in {
			out[i] = int64(v)
		}
	}
}

// fromString parses each dictionary entry once, then gathers by index.
func (n *castNode) fromString(c *evalCtx, a arrow.Array) (arrow.Array, error) {
	v := strViewOf(a)
	valid := v.validity(c.mem, c.n)
	entries := v.dict.Len()
	used := v.usedEntries(bytesOf(valid), c.n)
	okTbl := make([]byte, entries)
	var buf *memory.Buffer
	switch n.to {
	case kBool:
		tbl := make([]byte, entries)
		for j := range tbl {
			if used != nil && !used[j] {
				continue
			}
			b, ok := parseBool(v.dict.Value(j))
			tbl[j], okTbl[j] = b2u(b), b2u(ok)
		}
		buf = newBitmap(c.mem, c.n)
		v.mapTable(tbl, valid, buf.Bytes(), c.n)
	case kFloat:
		tbl := make([]float64, entries)
		for j := range tbl {
			if used != nil && !used[j] {
				continue
			}
			f, err := strconv.ParseFloat(strings.TrimSpace(v.dict.Value(j)), 64)
			tbl[j], okTbl[j] = f, b2u(err == nil || isRangeErr(err))
		}
		var out []float64
		buf, out = newValues[float64](c.mem, c.n)
		gatherView(v, tbl, valid, out)
	default: // int64, timestamp
		tbl := make([]int64, entries)
		for j := range tbl {
			if used != nil && !used[j] {
				continue
			}
			var err error
			s := strings.TrimSpace(v.dict.Value(j))
			if n.to == kTs {
				tbl[j], err = parseTimestamp(s, arrow.Microsecond)
			} else {
				tbl[j], err = strconv.ParseInt(s, 10, 64)
			}
			okTbl[j] = b2u(err == nil)
		}
		var out []int64
		buf, out = newValues[int64](c.mem, c.n)
		gatherView(v, tbl, valid, out)
	}
	ok := newBitmap(c.mem, c.n)
	v.mapTable(okTbl, valid, ok.Bytes(), c.n)
	valid, err := n.settle(c, ok, valid, func(i int) string { return strconv.Quote(v.value(i)) })
	if err != nil {
		buf.Release()
		return nil, err
	}
	return makeArray(n.dt, c.n, valid, buf), nil
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
func (n *castNode) toString(c *evalCtx, a arrow.Array) (arrow.Array, error) {
	valid := validityOf(c.mem, a)
	var vb []byte
	if valid != nil {
		vb = valid.Bytes()
	}
	var in interner
	buf, out := newValues[int32](c.mem, c.n)
	var b []byte
	switch n.x.kind() {
	case kBool:
		f, t := in.id("false"), in.id("true")
		bits, off := boolBits(a.(*array.Boolean))
		for i := range out {
			out[i] = f
			if bitutil.BitIsSet(bits, off+i) {
				out[i] = t
			}
		}
	case kInt:
		for i, v := range a.(*array.Int64).Int64Values()[:c.n] {
			if vb == nil || vb[i>>3]&(1<<(i&7)) != 0 {
				b = strconv.AppendInt(b[:0], v, 10)
				out[i] = in.idBytes(b)
			}
		}
	case kFloat:
		for i, v := range a.(*array.Float64).Float64Values()[:c.n] {
			if vb == nil || vb[i>>3]&(1<<(i&7)) != 0 {
				out[i] = in.id(formatCastFloat(v))
			}
		}
	case kTs:
		tps := ticksPerSecond(a.DataType().(*arrow.TimestampType).Unit)
		for i, v := range a.(*array.Timestamp).TimestampValues()[:c.n] {
			if vb == nil || vb[i>>3]&(1<<(i&7)) != 0 {
				t := time.Unix(floorDiv(int64(v), tps), floorMod(int64(v), tps)*(1e9/tps)).UTC()
				b = t.AppendFormat(b[:0], "2006-01-02 15:04:05.999999999")
				out[i] = in.idBytes(b)
			}
		}
	}
	dict := in.dict(c.mem)
	defer dict.Release()
	return makeDictArray(c.n, valid, buf, dict), nil
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
