package split

import (
	"encoding/binary"
	"fmt"
)

// Wire formats (little-endian, uvarint counts), for sending a Partial from
// a task to the driver and the Boundaries from the driver to tasks:
//
//	Partial:    "SPP1" windows { below rows { h:u64 rowid:u64 } }
//	Boundaries: "SPB1" groups { cuts { kind:u8 [h:u64 rowid:u64 if finite] } }
const (
	partialMagic    = "SPP1"
	boundariesMagic = "SPB1"
)

// MarshalBinary encodes the partial.
func (p Partial) MarshalBinary() ([]byte, error) {
	if len(p.Below) != len(p.Rows) {
		return nil, fmt.Errorf("split: malformed partial: %d counts, %d row lists", len(p.Below), len(p.Rows))
	}
	size := len(partialMagic) + binary.MaxVarintLen64
	for i, rs := range p.Rows {
		if p.Below[i] < 0 {
			return nil, fmt.Errorf("split: partial window %d has a negative count %d", i, p.Below[i])
		}
		size += 2*binary.MaxVarintLen64 + 16*len(rs)
	}
	b := make([]byte, 0, size)
	b = append(b, partialMagic...)
	b = binary.AppendUvarint(b, uint64(len(p.Below)))
	for i, rs := range p.Rows {
		b = binary.AppendUvarint(b, uint64(p.Below[i]))
		b = binary.AppendUvarint(b, uint64(len(rs)))
		for _, k := range rs {
			b = binary.LittleEndian.AppendUint64(b, k.H)
			b = binary.LittleEndian.AppendUint64(b, k.RowID)
		}
	}
	return b, nil
}

// UnmarshalBinary decodes a partial written by MarshalBinary, replacing p.
func (p *Partial) UnmarshalBinary(data []byte) error {
	d := decoder{b: data, what: "partial"}
	d.magic(partialMagic)
	n := d.count(2) // each window takes at least 2 bytes
	q := Partial{Below: make([]int64, n), Rows: make([][]Key, n)}
	for i := 0; i < n && d.err == nil; i++ {
		below := d.uvarint()
		if below > 1<<62 {
			d.fail("window %d count %d is too large", i, below)
		}
		q.Below[i] = int64(below)
		rows := make([]Key, d.count(16))
		for j := range rows {
			rows[j] = d.key()
		}
		if len(rows) > 0 {
			q.Rows[i] = rows
		}
	}
	if err := d.finish(); err != nil {
		return err
	}
	*p = q
	return nil
}

// MarshalBinary encodes the table (PerGroup).
func (b *Boundaries) MarshalBinary() ([]byte, error) {
	out := append([]byte(boundariesMagic), binary.AppendUvarint(nil, uint64(len(b.perGroup)))...)
	for _, cuts := range b.perGroup {
		out = binary.AppendUvarint(out, uint64(len(cuts)))
		for _, c := range cuts {
			out = append(out, byte(c.Kind))
			if c.Kind == Finite {
				out = binary.LittleEndian.AppendUint64(out, c.Key.H)
				out = binary.LittleEndian.AppendUint64(out, c.Key.RowID)
			}
		}
	}
	return out, nil
}

// UnmarshalBinary decodes a table written by MarshalBinary and checks it
// as NewBoundaries does, replacing b.
func (b *Boundaries) UnmarshalBinary(data []byte) error {
	d := decoder{b: data, what: "boundaries"}
	d.magic(boundariesMagic)
	perGroup := make([][]Bound, d.count(1))
	for g := 0; g < len(perGroup) && d.err == nil; g++ {
		cuts := make([]Bound, d.count(1))
		for j := 0; j < len(cuts) && d.err == nil; j++ {
			kind := BoundKind(d.byte())
			if kind == Finite {
				cuts[j].Key = d.key()
			}
			cuts[j].Kind = kind
		}
		perGroup[g] = cuts
	}
	if err := d.finish(); err != nil {
		return err
	}
	nb, err := NewBoundaries(perGroup)
	if err != nil {
		return err
	}
	*b = *nb
	return nil
}

// decoder reads the wire formats; the first error sticks.
type decoder struct {
	b    []byte
	off  int
	what string
	err  error
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("split: decoding %s at byte %d: %s", d.what, d.off, fmt.Sprintf(format, args...))
	}
}

func (d *decoder) magic(m string) {
	if len(d.b) < len(m) || string(d.b[:len(m)]) != m {
		d.fail("missing the %q header", m)
		return
	}
	d.off = len(m)
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b[d.off:])
	if n <= 0 {
		d.fail("bad or truncated count")
		return 0
	}
	d.off += n
	return v
}

// count reads a count of items that take at least minBytes each, and
// rejects one that the remaining bytes cannot hold.
func (d *decoder) count(minBytes int) int {
	v := d.uvarint()
	if d.err != nil {
		return 0
	}
	if v > uint64(len(d.b)-d.off)/uint64(minBytes) {
		d.fail("count %d exceeds the remaining %d bytes", v, len(d.b)-d.off)
		return 0
	}
	return int(v)
}

func (d *decoder) byte() byte {
	if d.err != nil {
		return 0
	}
	if d.off >= len(d.b) {
		d.fail("truncated")
		return 0
	}
	d.off++
	return d.b[d.off-1]
}

func (d *decoder) key() Key {
	if d.err != nil {
		return Key{}
	}
	if len(d.b)-d.off < 16 {
		d.fail("truncated key")
		return Key{}
	}
	k := Key{H: binary.LittleEndian.Uint64(d.b[d.off:]), RowID: binary.LittleEndian.Uint64(d.b[d.off+8:])}
	d.off += 16
	return k
}

func (d *decoder) finish() error {
	if d.err == nil && d.off != len(d.b) {
		d.fail("%d bytes after the end", len(d.b)-d.off)
	}
	return d.err
}
