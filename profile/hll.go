package profile

import (
	"fmt"
	"math"
	"math/bits"
)

// HLLPrecision is log2 of the registers of a distinct-count sketch.
const HLLPrecision = 12

// HLLStdError is the relative standard error of a distinct estimate,
// 1.04/sqrt(2^HLLPrecision) (about 1.6 %).
var HLLStdError = 1.04 / math.Sqrt(float64(uint64(1)<<HLLPrecision))

// HLL is a HyperLogLog sketch over 64-bit hashes. Merging is a register
// max, so the result does not depend on the order of updates or merges.
type HLL struct {
	Registers []byte `json:"registers"` // 2^HLLPrecision; base64 in JSON
}

// NewHLL returns an empty sketch.
func NewHLL() *HLL { return &HLL{Registers: make([]byte, 1<<HLLPrecision)} }

// Add adds one hashed value.
func (h *HLL) Add(x uint64) {
	idx := x >> (64 - HLLPrecision)
	w := x<<HLLPrecision | 1<<(HLLPrecision-1) // the guard bit caps the run
	rho := byte(bits.LeadingZeros64(w) + 1)
	if rho > h.Registers[idx] {
		h.Registers[idx] = rho
	}
}

// Merge folds o into h.
func (h *HLL) Merge(o *HLL) error {
	if o == nil {
		return nil
	}
	if len(o.Registers) != len(h.Registers) {
		return fmt.Errorf("distinct sketch: %d registers, want %d", len(o.Registers), len(h.Registers))
	}
	for i, r := range o.Registers {
		if r > h.Registers[i] {
			h.Registers[i] = r
		}
	}
	return nil
}

// Estimate is the distinct count by Ertl's improved raw estimator
// ("New cardinality estimation algorithms for HyperLogLog sketches",
// 2017), unbiased from 0 to far beyond 2^40 values.
func (h *HLL) Estimate() int64 {
	const q = 64 - HLLPrecision
	m := float64(len(h.Registers))
	var c [q + 2]float64
	for _, r := range h.Registers {
		if int(r) > q+1 {
			r = q + 1
		}
		c[r]++
	}
	if c[0] == m {
		return 0
	}
	z := m * hllTau(1-c[q+1]/m)
	for k := q; k >= 1; k-- {
		z = 0.5 * (z + c[k])
	}
	z += m * hllSigma(c[0]/m)
	return int64(math.Round(m * m / (2 * math.Ln2) / z))
}

func hllSigma(x float64) float64 {
	if x == 1 {
		return math.Inf(1)
	}
	y, z := 1.0, x
	for {
		x *= x
		prev := z
		z += x * y
		y += y
		if z == prev {
			return z
		}
	}
}

func hllTau(x float64) float64 {
	if x == 0 || x == 1 {
		return 0
	}
	y, z := 1.0, 1-x
	for {
		x = math.Sqrt(x)
		prev := z
		y *= 0.5
		z -= (1 - x) * (1 - x) * y
		if z == prev {
			return z / 3
		}
	}
}
