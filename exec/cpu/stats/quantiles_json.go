package stats

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
)

// quantilesJSON is Quantiles on the wire: each level's samples as one
// byte string of little-endian float64 bits (base64 in JSON), exact and
// several times smaller and faster than decimal numbers.
type quantilesJSON struct {
	K      int      `json:"k"`
	N      int64    `json:"n"`
	Levels [][]byte `json:"levels"`
	Parity []uint8  `json:"parity"`
	Err    int64    `json:"err"`
}

// MarshalJSON implements json.Marshaler.
func (q *Quantiles) MarshalJSON() ([]byte, error) {
	w := quantilesJSON{K: q.K, N: q.N, Parity: q.Parity, Err: q.Err}
	if q.Levels != nil {
		w.Levels = make([][]byte, len(q.Levels))
	}
	for i, lv := range q.Levels {
		if lv == nil {
			continue
		}
		b := make([]byte, 8*len(lv))
		for j, v := range lv {
			binary.LittleEndian.PutUint64(b[8*j:], math.Float64bits(v))
		}
		w.Levels[i] = b
	}
	return json.Marshal(w)
}

// UnmarshalJSON implements json.Unmarshaler.
func (q *Quantiles) UnmarshalJSON(data []byte) error {
	var w quantilesJSON
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	q.K, q.N, q.Parity, q.Err = w.K, w.N, w.Parity, w.Err
	q.Levels = nil
	if w.Levels != nil {
		q.Levels = make([][]float64, len(w.Levels))
	}
	for i, b := range w.Levels {
		if b == nil {
			continue
		}
		if len(b)%8 != 0 {
			return fmt.Errorf("quantiles: level %d has %d bytes, not a multiple of 8", i, len(b))
		}
		lv := make([]float64, len(b)/8)
		for j := range lv {
			lv[j] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*j:]))
		}
		q.Levels[i] = lv
	}
	return nil
}
