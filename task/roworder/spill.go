package roworder

import (
	"bufio"
	"container/heap"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
)

// Runs counts the sorted runs spilled by every sorter (for tests and stats).
var Runs atomic.Int64

// Pick is one row of a shard in sort order: it sorts by (Key, RowID) —
// row ids are unique, so the order is total and the same whether the rows
// are sorted in memory or in spilled runs.
type Pick struct {
	Key, RowID uint64
	H2         uint64 // carried along (the shard-order hash)
	Batch, Row int32
}

// PickBytes is what one pick costs in memory and in a spilled run.
const PickBytes = 32

func pickLess(a, b Pick) int {
	if a.Key != b.Key {
		if a.Key < b.Key {
			return -1
		}
		return 1
	}
	switch {
	case a.RowID < b.RowID:
		return -1
	case a.RowID > b.RowID:
		return 1
	}
	return 0
}

// SpillSorter sorts picks within a memory bound: it holds at most MaxRows
// picks and, when more come, sorts them into a run file under Dir; Sorted
// then merges the runs (and what is still held) in order.
type SpillSorter struct {
	Dir     string // scratch directory for runs
	Name    string // run file prefix (unique per task attempt)
	MaxRows int    // picks held in memory before a run is spilled
	held    []Pick
	runs    []string
	spilled int64
}

// NewSpillSorter returns a sorter that spills runs of maxRows picks under
// dir, named after name.
func NewSpillSorter(dir, name string, maxRows int) (*SpillSorter, error) {
	if maxRows < 1 {
		return nil, fmt.Errorf("sorting %s: a run must hold at least one row (got %d)", name, maxRows)
	}
	return &SpillSorter{Dir: dir, Name: name, MaxRows: maxRows}, nil
}

// Add takes one pick, spilling a sorted run when the sorter is full.
func (s *SpillSorter) Add(p Pick) error {
	if len(s.held) >= s.MaxRows {
		if err := s.spill(); err != nil {
			return err
		}
	}
	s.held = append(s.held, p)
	return nil
}

// Runs is the number of runs spilled; SpilledBytes their size.
func (s *SpillSorter) Runs() int           { return len(s.runs) }
func (s *SpillSorter) SpilledBytes() int64 { return s.spilled }

func (s *SpillSorter) spill() error {
	slices.SortFunc(s.held, pickLess)
	path := filepath.Join(s.Dir, fmt.Sprintf("%s-run%04d", s.Name, len(s.runs)))
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("sorting %s: spilling a run: %w", s.Name, err)
	}
	w := bufio.NewWriterSize(f, 1<<16)
	var buf [PickBytes]byte
	for _, p := range s.held {
		putPick(buf[:], p)
		if _, err := w.Write(buf[:]); err != nil {
			f.Close()
			return fmt.Errorf("sorting %s: writing run %s: %w", s.Name, path, err)
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("sorting %s: writing run %s: %w", s.Name, path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("sorting %s: writing run %s: %w", s.Name, path, err)
	}
	s.runs = append(s.runs, path)
	Runs.Add(1)
	s.spilled += int64(len(s.held)) * PickBytes
	s.held = s.held[:0]
	return nil
}

func putPick(b []byte, p Pick) {
	binary.LittleEndian.PutUint64(b[0:], p.Key)
	binary.LittleEndian.PutUint64(b[8:], p.RowID)
	binary.LittleEndian.PutUint64(b[16:], p.H2)
	binary.LittleEndian.PutUint32(b[24:], uint32(p.Batch))
	binary.LittleEndian.PutUint32(b[28:], uint32(p.Row))
}

func getPick(b []byte) Pick {
	return Pick{
		Key:   binary.LittleEndian.Uint64(b[0:]),
		RowID: binary.LittleEndian.Uint64(b[8:]),
		H2:    binary.LittleEndian.Uint64(b[16:]),
		Batch: int32(binary.LittleEndian.Uint32(b[24:])),
		Row:   int32(binary.LittleEndian.Uint32(b[28:])),
	}
}

// Sorted calls fn with the picks in order, in chunks of at most chunk
// picks (the slice is reused between calls). The run files are removed
// when it returns.
func (s *SpillSorter) Sorted(chunk int, fn func([]Pick) error) error {
	defer s.Remove()
	if chunk < 1 {
		chunk = 1
	}
	slices.SortFunc(s.held, pickLess)
	if len(s.runs) == 0 {
		for lo := 0; lo < len(s.held); lo += chunk {
			if err := fn(s.held[lo:min(lo+chunk, len(s.held))]); err != nil {
				return err
			}
		}
		return nil
	}
	h := &mergeHeap{}
	for _, path := range s.runs {
		f, err := os.Open(path)
		if err != nil {
			return fmt.Errorf("sorting %s: reading run: %w", s.Name, err)
		}
		defer f.Close()
		src := &runSource{name: path, r: bufio.NewReaderSize(f, 1<<16)}
		if err := src.next(); err != nil {
			return err
		}
		if src.ok {
			h.s = append(h.s, src)
		}
	}
	mem := &runSource{name: "memory", held: s.held}
	if err := mem.next(); err != nil {
		return err
	}
	if mem.ok {
		h.s = append(h.s, mem)
	}
	heap.Init(h)
	out := make([]Pick, 0, chunk)
	for h.Len() > 0 {
		top := h.s[0]
		out = append(out, top.cur)
		if err := top.next(); err != nil {
			return err
		}
		if top.ok {
			heap.Fix(h, 0)
		} else {
			heap.Pop(h)
		}
		if len(out) == chunk {
			if err := fn(out); err != nil {
				return err
			}
			out = out[:0]
		}
	}
	if len(out) > 0 {
		return fn(out)
	}
	return nil
}

// Remove deletes the spilled runs.
func (s *SpillSorter) Remove() {
	for _, p := range s.runs {
		os.Remove(p)
	}
	s.runs = nil
}

// runSource is one sorted input of the merge: a run file or the held picks.
type runSource struct {
	name string
	r    *bufio.Reader
	held []Pick
	cur  Pick
	ok   bool
	buf  [PickBytes]byte
}

func (r *runSource) next() error {
	if r.r == nil {
		r.ok = len(r.held) > 0
		if r.ok {
			r.cur, r.held = r.held[0], r.held[1:]
		}
		return nil
	}
	_, err := io.ReadFull(r.r, r.buf[:])
	if errors.Is(err, io.EOF) {
		r.ok = false
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading sorted run %s: %w", r.name, err)
	}
	r.cur, r.ok = getPick(r.buf[:]), true
	return nil
}

type mergeHeap struct{ s []*runSource }

func (h *mergeHeap) Len() int           { return len(h.s) }
func (h *mergeHeap) Less(i, j int) bool { return pickLess(h.s[i].cur, h.s[j].cur) < 0 }
func (h *mergeHeap) Swap(i, j int)      { h.s[i], h.s[j] = h.s[j], h.s[i] }
func (h *mergeHeap) Push(x any)         { h.s = append(h.s, x.(*runSource)) }
func (h *mergeHeap) Pop() any {
	x := h.s[len(h.s)-1]
	h.s = h.s[:len(h.s)-1]
	return x
}
