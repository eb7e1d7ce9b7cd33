package shard

import "encoding/binary"

// rleLevels encodes the definition levels of a flat optional column (bit
// width 1) in Parquet's RLE / bit-packed hybrid, choosing runs as
// arrow-go's level encoder does (values are taken 8 at a time; a value
// seen 8 or more times in a row becomes a repeated run, other groups
// bit-packed literal runs of at most 63 groups), so a page's levels are
// byte for byte those of arrow-go's column writer. With width 1 every
// literal group of 8 levels is exactly one byte, so runs are appended to
// out whole.
type rleLevels struct {
	out  []byte
	buf  [8]byte // the values of the current group
	nbuf int
	cur  byte  // the value of the current repetition
	rep  int32 // how many times cur was seen in a row
	lit  int32 // levels in the open literal run
	ind  int   // offset in out of the open literal run's indicator; -1: none
}

// reset starts a new page.
func (r *rleLevels) reset() {
	*r = rleLevels{out: r.out[:0], ind: -1}
}

// put adds n levels of value v (0 or 1).
func (r *rleLevels) put(v byte, n int) {
	for ; n > 0; n-- {
		if r.rep >= 8 && r.cur == v {
			// The rest continue a repeated run.
			r.rep += int32(n)
			return
		}
		r.put1(v)
	}
}

func (r *rleLevels) put1(v byte) {
	if r.cur == v {
		r.rep++
		if r.rep > 8 {
			return
		}
	} else {
		if r.rep >= 8 {
			r.flushRepeated()
		}
		r.rep, r.cur = 1, v
	}
	r.buf[r.nbuf] = v
	r.nbuf++
	if r.nbuf == 8 {
		r.flushBuffered()
	}
}

// flushBuffered ends a group of 8: part of a repeated run, or a literal
// group.
func (r *rleLevels) flushBuffered() {
	if r.rep >= 8 {
		r.nbuf = 0
		if r.lit != 0 {
			r.flushLiteral(true)
		}
		return
	}
	r.lit += int32(r.nbuf)
	// The indicator byte holds at most 63 groups.
	r.flushLiteral(r.lit/8+1 >= 1<<6)
	r.rep = 0
}

// flushLiteral appends the buffered group to the open literal run (opening
// one), and with end closes the run by writing its indicator.
func (r *rleLevels) flushLiteral(end bool) {
	if r.ind < 0 {
		r.ind = len(r.out)
		r.out = append(r.out, 0)
	}
	if r.nbuf > 0 {
		var b byte
		for i, v := range r.buf[:r.nbuf] {
			b |= v << i
		}
		r.out = append(r.out, b)
		r.nbuf = 0
	}
	if end {
		r.out[r.ind] = byte(r.lit/8)<<1 | 1
		r.ind, r.lit = -1, 0
	}
}

func (r *rleLevels) flushRepeated() {
	r.out = binary.AppendUvarint(r.out, uint64(r.rep)<<1)
	r.out = append(r.out, r.cur)
	r.rep, r.nbuf = 0, 0
}

// finish ends the page's levels and returns their encoding.
func (r *rleLevels) finish() []byte {
	if r.lit > 0 || r.rep > 0 || r.nbuf > 0 {
		allRep := r.lit == 0 && (r.rep == int32(r.nbuf) || r.nbuf == 0)
		if r.rep > 0 && allRep {
			r.flushRepeated()
		} else {
			if r.nbuf > 0 {
				for r.nbuf < 8 {
					r.buf[r.nbuf] = 0
					r.nbuf++
				}
			}
			r.lit += int32(r.nbuf)
			r.flushLiteral(true)
			r.rep = 0
		}
	}
	return r.out
}
