package shuffle

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
)

// Narrow integers. A scan's cache holds row ids, keys and measures as
// int64 (and string ids as int32) whose values mostly fit in one or two
// bytes: stored as they are, the cache of a 333M-row job outgrows the page
// cache and every later stage reads it from disk. A segment therefore
// stores each signed integer column (and each file dictionary column's
// ids) in the narrowest signed integer type that holds all of the
// segment's values (int8, int16 or int32; a null row's slot too, so the
// values read back are the values written); the reader widens them back
// to the file's types. Segments are self-describing (their schema message
// names the stored types); the index says whether they may be narrowed
// (versions 3 and 4).

// narrowTypes are the stored types, narrowest first.
var narrowTypes = []arrow.DataType{arrow.PrimitiveTypes.Int8, arrow.PrimitiveTypes.Int16, arrow.PrimitiveTypes.Int32}

// intWidth is the byte width of a signed integer type; 0 for other types.
func intWidth(dt arrow.DataType) int {
	switch dt.ID() {
	case arrow.INT8:
		return 1
	case arrow.INT16:
		return 2
	case arrow.INT32:
		return 4
	case arrow.INT64:
		return 8
	}
	return 0
}

// narrowestFor is the narrowest type of narrowTypes holding [lo, hi].
func narrowestFor(lo, hi int64) arrow.DataType {
	switch {
	case lo >= -1<<7 && hi < 1<<7:
		return narrowTypes[0]
	case lo >= -1<<15 && hi < 1<<15:
		return narrowTypes[1]
	case lo >= -1<<31 && hi < 1<<31:
		return narrowTypes[2]
	}
	return arrow.PrimitiveTypes.Int64
}

// segmentEncodings chooses how every column of a segment of pieces (ids:
// an id segment) is stored and returns the segment's schema, or nil when
// every column is stored as the file's schema (or id schema) says.
// encs[c].dt is nil for a column stored as it is.
func (w *Writer) segmentEncodings(pieces []piece, ids bool) (*arrow.Schema, []colEnc) {
	base := w.schema
	if ids {
		base = w.fd.schema
	}
	var encs []colEnc
	for c, f := range base.Fields() {
		width := intWidth(f.Type)
		if width <= 1 {
			continue
		}
		var e colEnc
		if ids && w.fd.isCol[c] {
			// Ids lie in [0, the memo's size): every piece was numbered.
			e.dt = narrowestFor(0, int64(len(w.memo(c).values))-1)
			if intWidth(e.dt) >= width {
				continue
			}
		} else if e = chooseEncoding(pieces, c, width); e.dt == nil {
			continue
		}
		if encs == nil {
			encs = make([]colEnc, base.NumFields())
		}
		encs[c] = e
	}
	if encs == nil {
		return nil, nil
	}
	fields := base.Fields()
	for c, e := range encs {
		if e.dt != nil {
			fields[c] = encodedField(fields[c], e)
		}
	}
	md := base.Metadata()
	return arrow.NewSchema(fields, &md), encs
}

// valueRange is the least and greatest value of column c (a signed
// integer column of width bytes) over the pieces' rows, null rows' slots
// included.
func valueRange(pieces []piece, c, width int) (lo, hi int64) {
	lo, hi = 0, 0
	first := true
	for _, pc := range pieces {
		data := pc.src.rec.Column(c).Data()
		from, to := data.Offset()+int(pc.off), data.Offset()+int(pc.off+pc.n)
		var l, h int64
		var ok bool
		switch width {
		case 2:
			l, h, ok = minMax(arrow.Int16Traits.CastFromBytes(data.Buffers()[1].Bytes())[from:to])
		case 4:
			l, h, ok = minMax(arrow.Int32Traits.CastFromBytes(data.Buffers()[1].Bytes())[from:to])
		case 8:
			l, h, ok = minMax(arrow.Int64Traits.CastFromBytes(data.Buffers()[1].Bytes())[from:to])
		}
		if !ok {
			continue
		}
		if first {
			lo, hi, first = l, h, false
		} else {
			lo, hi = min(lo, l), max(hi, h)
		}
	}
	return lo, hi
}

type signedInt interface {
	~int8 | ~int16 | ~int32 | ~int64
}

// minMax is the least and greatest of vs; ok is false when vs is empty.
func minMax[T signedInt](vs []T) (lo, hi int64, ok bool) {
	if len(vs) == 0 {
		return 0, 0, false
	}
	l, h := vs[0], vs[0]
	for _, v := range vs[1:] {
		l, h = min(l, v), max(h, v)
	}
	return int64(l), int64(h), true
}

// convertArray writes rows [off, off+n) of d, a signed integer array, as
// values of type dt (a signed integer type) into the buffer dst from value
// index at on.
func convertArray(dst []byte, dt arrow.DataType, at int, d arrow.ArrayData, off, n int) {
	src := d.Buffers()[1].Bytes()
	from, to := d.Offset()+off, d.Offset()+off+n
	switch intWidth(d.DataType()) {
	case 1:
		convertTo(dst, dt, at, arrow.Int8Traits.CastFromBytes(src)[from:to])
	case 2:
		convertTo(dst, dt, at, arrow.Int16Traits.CastFromBytes(src)[from:to])
	case 4:
		convertTo(dst, dt, at, arrow.Int32Traits.CastFromBytes(src)[from:to])
	case 8:
		convertTo(dst, dt, at, arrow.Int64Traits.CastFromBytes(src)[from:to])
	default:
		panic(fmt.Sprintf("shuffle: convert from %s", d.DataType()))
	}
}

// convertTo writes vs as values of type dt (a signed integer type) into
// the buffer dst from value index at on.
func convertTo[S signedInt](dst []byte, dt arrow.DataType, at int, vs []S) {
	switch dt.ID() {
	case arrow.INT8:
		convert(arrow.Int8Traits.CastFromBytes(dst)[at:at+len(vs)], vs)
	case arrow.INT16:
		convert(arrow.Int16Traits.CastFromBytes(dst)[at:at+len(vs)], vs)
	case arrow.INT32:
		convert(arrow.Int32Traits.CastFromBytes(dst)[at:at+len(vs)], vs)
	case arrow.INT64:
		convert(arrow.Int64Traits.CastFromBytes(dst)[at:at+len(vs)], vs)
	default:
		panic(fmt.Sprintf("shuffle: convert to %s", dt))
	}
}

// convert sets dst[i] = D(src[i]).
func convert[D, S signedInt](dst []D, src []S) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] = D(v)
	}
}
