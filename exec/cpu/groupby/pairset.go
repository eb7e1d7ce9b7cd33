package groupby

import "github.com/sluice-ml/sluice/hashing"

// pairSet is a set of (group, value) pairs, the state of count_distinct:
// open addressing with linear probing over two parallel arrays, kept at
// most half full. A Go map of struct keys cost about 60 ns an insert in
// the flights job's count_distinct; this one has no per-entry overhead
// and hashes with one mix.
type pairSet struct {
	gs   []int32 // group+1 of each slot; 0: empty
	vs   []int64
	n    int
	mask uint64
}

const pairSetMin = 64

func (s *pairSet) hash(g int32, v int64) uint64 {
	return hashing.Mix(uint64(v) ^ uint64(uint32(g))*0x9e3779b97f4a7c15)
}

// add inserts (g, v), g >= 0, and reports whether it was not there.
func (s *pairSet) add(g int32, v int64) bool {
	if 2*(s.n+1) > len(s.gs) {
		s.grow()
	}
	key := g + 1
	for i := s.hash(g, v) & s.mask; ; i = (i + 1) & s.mask {
		switch s.gs[i] {
		case 0:
			s.gs[i], s.vs[i] = key, v
			s.n++
			return true
		case key:
			if s.vs[i] == v {
				return false
			}
		}
	}
}

// grow doubles the table (or makes the first one) and reinserts.
func (s *pairSet) grow() {
	gs, vs := s.gs, s.vs
	size := max(pairSetMin, 2*len(gs))
	s.gs, s.vs, s.mask = make([]int32, size), make([]int64, size), uint64(size-1)
	for i, key := range gs {
		if key == 0 {
			continue
		}
		j := s.hash(key-1, vs[i]) & s.mask
		for s.gs[j] != 0 {
			j = (j + 1) & s.mask
		}
		s.gs[j], s.vs[j] = key, vs[i]
	}
}

// each calls f for every pair, in table order.
func (s *pairSet) each(f func(g int32, v int64)) {
	for i, key := range s.gs {
		if key != 0 {
			f(key-1, s.vs[i])
		}
	}
}

// bytes is the table's size.
func (s *pairSet) bytes() int64 { return int64(len(s.gs)) * 12 }
