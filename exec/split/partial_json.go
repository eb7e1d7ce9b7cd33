package split

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
)

// partialJSON is Partial on the wire: each window's rows as one byte
// string of little-endian (H, RowID) pairs (base64 in JSON), which is
// several times smaller and faster to decode than an array of objects.
type partialJSON struct {
	Below []int64  `json:"below"`
	Rows  [][]byte `json:"rows"`
}

// MarshalJSON implements json.Marshaler.
func (p Partial) MarshalJSON() ([]byte, error) {
	w := partialJSON{Below: p.Below, Rows: make([][]byte, len(p.Rows))}
	for i, rows := range p.Rows {
		b := make([]byte, 16*len(rows))
		for j, k := range rows {
			binary.LittleEndian.PutUint64(b[16*j:], k.H)
			binary.LittleEndian.PutUint64(b[16*j+8:], k.RowID)
		}
		w.Rows[i] = b
	}
	return json.Marshal(w)
}

// UnmarshalJSON implements json.Unmarshaler.
func (p *Partial) UnmarshalJSON(data []byte) error {
	var w partialJSON
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	if len(w.Below) != len(w.Rows) {
		return fmt.Errorf("split: malformed partial: %d counts, %d row lists", len(w.Below), len(w.Rows))
	}
	total := 0
	for i, b := range w.Rows {
		if len(b)%16 != 0 {
			return fmt.Errorf("split: malformed partial: window %d has %d bytes of rows, not a multiple of 16", i, len(b))
		}
		total += len(b) / 16
	}
	p.Below = w.Below
	p.Rows = nil
	if w.Rows != nil {
		p.Rows = make([][]Key, len(w.Rows))
	}
	// One array holds every window's rows: the driver keeps a partial per
	// task until it merges them, and a slice per window (a thousand groups
	// over hundreds of tasks) is that many more objects for the garbage
	// collector to mark in every cycle. Each window's slice is capped, so
	// appending to one cannot write into the next.
	slab := make([]Key, total)
	for i, b := range w.Rows {
		if len(b) == 0 {
			continue
		}
		n := len(b) / 16
		rows := slab[:n:n]
		slab = slab[n:]
		for j := range rows {
			rows[j] = Key{H: binary.LittleEndian.Uint64(b[16*j:]), RowID: binary.LittleEndian.Uint64(b[16*j+8:])}
		}
		p.Rows[i] = rows
	}
	return nil
}
