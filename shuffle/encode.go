package shuffle

import (
	"encoding/binary"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/internal/uninit"
)

// Encoded integers (index versions 5 and 6). Narrowing alone keeps a
// column whose values are large but close together (row ids: the file
// index in the high bits; sequential trip ids) at 4 or 8 bytes a row. A
// segment may therefore store such a column, in a narrower signed integer
// type, as
//
//   - frame of reference: value - base, where base is chosen so that the
//     segment's least value maps to the stored type's least value;
//   - delta: value - the previous row's value, the segment's first row's
//     previous value being base (so its stored value is 0); a scan writes
//     each partition's rows in input order, so row ids and ordered keys
//     store their gaps (on average about the number of partitions) in
//     one or two bytes.
//
// Differences are taken in 64-bit two's complement arithmetic, wrapping,
// and undone the same way, over every slot (a null row's too), so the
// values read back are the bits written. The stored field's metadata names
// the encoding (encKey); the bases follow the segment's IPC stream, after
// its end-of-stream marker, as a trailer of one little-endian int64 per
// encoded column in column order, inside the segment's bytes and CRC.
// Schema messages thus stay alike from segment to segment, and a reader
// decodes each kind of segment schema once.
const encKey = "sluice.shuffle.encoding" // "frame" or "delta"

// encKind is how a stored integer relates to its value.
type encKind uint8

const (
	encPlain encKind = iota // the value itself
	encFrame                // value - base
	encDelta                // value - previous value (base before the first row)
)

func (k encKind) String() string {
	switch k {
	case encFrame:
		return "frame"
	case encDelta:
		return "delta"
	}
	return "plain"
}

// colEnc is how a segment stores one column: dt is the stored type (nil:
// the file schema's), kind and base as above.
type colEnc struct {
	dt   arrow.DataType
	kind encKind
	base int64
}

// typeMin is the least value of a narrow stored type.
func typeMin(dt arrow.DataType) int64 { return -1 << (8*intWidth(dt) - 1) }

// narrowestForSpan is the narrowest of narrowTypes holding span+1
// consecutive values (nil: none).
func narrowestForSpan(span uint64) arrow.DataType {
	for _, dt := range narrowTypes {
		if span < 1<<(8*intWidth(dt)) {
			return dt
		}
	}
	return nil
}

// chooseEncoding picks how a segment stores signed integer column c
// (width bytes) of pieces: the narrowest of plain narrowing, frame of
// reference and, when those leave 4 bytes or more, delta; plain on ties,
// then frame. The result's dt is nil when nothing is narrower than width.
func chooseEncoding(pieces []piece, c, width int) colEnc {
	lo, hi := valueRange(pieces, c, width)
	e := colEnc{dt: narrowestFor(lo, hi)}
	if dt := narrowestForSpan(uint64(hi) - uint64(lo)); dt != nil && intWidth(dt) < intWidth(e.dt) {
		e = colEnc{dt: dt, kind: encFrame, base: lo - typeMin(dt)}
	}
	if intWidth(e.dt) >= 4 {
		if first, dlo, dhi, ok := deltaRange(pieces, c, width); ok {
			if dt := narrowestFor(dlo, dhi); intWidth(dt) < intWidth(e.dt) {
				e = colEnc{dt: dt, kind: encDelta, base: first}
			}
		}
	}
	if intWidth(e.dt) >= width {
		return colEnc{}
	}
	return e
}

// deltaRange is the first value of column c (width bytes) over the
// pieces' rows and the least and greatest difference between a row's
// value and the previous row's (the first row's difference is 0); ok is
// false without rows.
func deltaRange(pieces []piece, c, width int) (first, lo, hi int64, ok bool) {
	var prev int64
	for _, pc := range pieces {
		data := pc.src.rec.Column(c).Data()
		from, to := data.Offset()+int(pc.off), data.Offset()+int(pc.off+pc.n)
		if from == to {
			continue
		}
		buf := data.Buffers()[1].Bytes()
		if !ok {
			first = intAt(buf, width, from)
			prev, ok = first, true
		}
		switch width {
		case 2:
			prev = deltaMinMax(arrow.Int16Traits.CastFromBytes(buf)[from:to], prev, &lo, &hi)
		case 4:
			prev = deltaMinMax(arrow.Int32Traits.CastFromBytes(buf)[from:to], prev, &lo, &hi)
		case 8:
			prev = deltaMinMax(arrow.Int64Traits.CastFromBytes(buf)[from:to], prev, &lo, &hi)
		}
	}
	return first, lo, hi, ok
}

// intAt is value i of a buffer of signed integers of width bytes.
func intAt(buf []byte, width, i int) int64 {
	switch width {
	case 2:
		return int64(arrow.Int16Traits.CastFromBytes(buf)[i])
	case 4:
		return int64(arrow.Int32Traits.CastFromBytes(buf)[i])
	}
	return arrow.Int64Traits.CastFromBytes(buf)[i]
}

// deltaMinMax widens [*lo, *hi] to hold every vs[i] - previous (wrapping),
// prev being the value before vs[0], and returns the last value.
func deltaMinMax[T signedInt](vs []T, prev int64, lo, hi *int64) int64 {
	l, h := *lo, *hi
	for _, v := range vs {
		d := int64(v) - prev
		l, h = min(l, d), max(h, d)
		prev = int64(v)
	}
	*lo, *hi = l, h
	return prev
}

// encodedField is f, stored as e says: its type e.dt and, for frame and
// delta, the encoding added to its metadata.
func encodedField(f arrow.Field, e colEnc) arrow.Field {
	f.Type = e.dt
	if e.kind == encPlain {
		return f
	}
	keys := append(f.Metadata.Keys(), encKey)
	vals := append(f.Metadata.Values(), e.kind.String())
	f.Metadata = arrow.NewMetadata(keys, vals)
	return f
}

// fieldEncoding reads the encoding a stored field's metadata names and
// returns the metadata without it (plain without encKey).
func fieldEncoding(f arrow.Field) (encKind, arrow.Metadata, error) {
	ei := f.Metadata.FindKey(encKey)
	if ei < 0 {
		return encPlain, f.Metadata, nil
	}
	var kind encKind
	switch v := f.Metadata.Values()[ei]; v {
	case "frame":
		kind = encFrame
	case "delta":
		kind = encDelta
	default:
		return 0, f.Metadata, fmt.Errorf("column %q: unknown %s %q (frame or delta)", f.Name, encKey, v)
	}
	var keys, vals []string
	for i, k := range f.Metadata.Keys() {
		if i != ei {
			keys, vals = append(keys, k), append(vals, f.Metadata.Values()[i])
		}
	}
	return kind, arrow.NewMetadata(keys, vals), nil
}

// appendTrailer appends the bases of encs' frame and delta columns, in
// column order, as a segment's trailer.
func appendTrailer(b []byte, encs []colEnc) []byte {
	for _, e := range encs {
		if e.kind != encPlain {
			b = binary.LittleEndian.AppendUint64(b, uint64(e.base))
		}
	}
	return b
}

// encodeSpans copies the spans' rows (rows in all, of a signed integer
// column) into one new array of e.dt, encoded as e says (plain: narrowed,
// e.dt holding every value); *prev is the value before the first row
// (delta) and becomes the last row's.
func encodeSpans(spans []span, rows int, e colEnc, prev *int64, mem memory.Allocator) arrow.Array {
	vals := uninit.Buffer(mem, rows*intWidth(e.dt))
	dst := vals.Bytes()
	pos := 0
	for _, s := range spans {
		d := s.arr.Data()
		if e.kind == encPlain {
			convertArray(dst, e.dt, pos, d, s.off, s.n)
			pos += s.n
			continue
		}
		src := d.Buffers()[1].Bytes()
		from, to := d.Offset()+s.off, d.Offset()+s.off+s.n
		switch intWidth(d.DataType()) {
		case 2:
			encodeTo(dst, e, pos, arrow.Int16Traits.CastFromBytes(src)[from:to], prev)
		case 4:
			encodeTo(dst, e, pos, arrow.Int32Traits.CastFromBytes(src)[from:to], prev)
		case 8:
			encodeTo(dst, e, pos, arrow.Int64Traits.CastFromBytes(src)[from:to], prev)
		default:
			panic(fmt.Sprintf("shuffle: encode %s", d.DataType()))
		}
		pos += s.n
	}
	valid, nulls := concatValidity(spans, rows, mem)
	return finish(e.dt, rows, nulls, valid, vals)
}

func encodeTo[S signedInt](dst []byte, e colEnc, at int, vs []S, prev *int64) {
	switch e.dt.ID() {
	case arrow.INT8:
		encodeInts(arrow.Int8Traits.CastFromBytes(dst)[at:at+len(vs)], vs, e, prev)
	case arrow.INT16:
		encodeInts(arrow.Int16Traits.CastFromBytes(dst)[at:at+len(vs)], vs, e, prev)
	case arrow.INT32:
		encodeInts(arrow.Int32Traits.CastFromBytes(dst)[at:at+len(vs)], vs, e, prev)
	default:
		panic(fmt.Sprintf("shuffle: encode to %s", e.dt))
	}
}

func encodeInts[D, S signedInt](dst []D, src []S, e colEnc, prev *int64) {
	dst = dst[:len(src)]
	if e.kind == encFrame {
		for i, v := range src {
			dst[i] = D(int64(v) - e.base)
		}
		return
	}
	p := *prev
	for i, v := range src {
		dst[i] = D(int64(v) - p)
		p = int64(v)
	}
	*prev = p
}

// decodeInts returns c, stored as kind says, as an array of the wider
// signed integer type dt with the values written and c's nulls; *state is
// the base (frame) or the value before c's first row (delta, then its last
// row's); plain values are only widened (state may be nil).
func decodeInts(c arrow.Array, dt arrow.DataType, kind encKind, state *int64, mem memory.Allocator) arrow.Array {
	d := c.Data()
	off, n := d.Offset(), d.Len()
	vals := uninit.Buffer(mem, n*intWidth(dt))
	src := d.Buffers()[1].Bytes()
	switch w := intWidth(d.DataType()); {
	case kind == encPlain:
		convertArray(vals.Bytes(), dt, 0, d, 0, n)
	case w == 1:
		decodeTo(vals.Bytes(), dt, arrow.Int8Traits.CastFromBytes(src)[off:off+n], kind, state)
	case w == 2:
		decodeTo(vals.Bytes(), dt, arrow.Int16Traits.CastFromBytes(src)[off:off+n], kind, state)
	case w == 4:
		decodeTo(vals.Bytes(), dt, arrow.Int32Traits.CastFromBytes(src)[off:off+n], kind, state)
	default:
		panic(fmt.Sprintf("shuffle: decode from %s", d.DataType()))
	}
	return finish(dt, n, d.NullN(), validityOf(d, mem), vals)
}

func decodeTo[S signedInt](dst []byte, dt arrow.DataType, vs []S, kind encKind, state *int64) {
	switch dt.ID() {
	case arrow.INT16:
		decodeValues(arrow.Int16Traits.CastFromBytes(dst)[:len(vs)], vs, kind, state)
	case arrow.INT32:
		decodeValues(arrow.Int32Traits.CastFromBytes(dst)[:len(vs)], vs, kind, state)
	case arrow.INT64:
		decodeValues(arrow.Int64Traits.CastFromBytes(dst)[:len(vs)], vs, kind, state)
	default:
		panic(fmt.Sprintf("shuffle: decode to %s", dt))
	}
}

func decodeValues[D, S signedInt](dst []D, src []S, kind encKind, state *int64) {
	dst = dst[:len(src)]
	p := *state
	if kind == encFrame {
		for i, v := range src {
			dst[i] = D(p + int64(v))
		}
		return
	}
	for i, v := range src {
		p += int64(v)
		dst[i] = D(p)
	}
	*state = p
}
