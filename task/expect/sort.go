package expect

import (
	"bufio"
	"bytes"
	"cmp"
	"container/heap"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
)

// uniqueRec is one value of a unique rule: its hash, row id and encoded
// bytes (v, an offset and length into its run's arena while in memory).
type uniqueRec struct {
	h     uint64
	rowid int64
	off   int
	n     int
}

// Sorter orders (hash, value, row id) records within a memory
// budget: it sorts runs of at most runBytes in memory and spills each to a
// file, then merges the runs (an external merge sort).
type Sorter struct {
	dir      string // where the runs go
	prefix   string
	runBytes int
	recs     []uniqueRec
	arena    []byte
	runs     []string
	nspill   int
}

// recOverhead is what a record costs beside its value bytes.
const recOverhead = 40

// NewSorter makes a sorter that spills its runs into dir, named after
// prefix, each of at most runBytes.
func NewSorter(dir, prefix string, runBytes int) *Sorter {
	return &Sorter{dir: dir, prefix: prefix, runBytes: max(runBytes, 1)}
}

// Add copies one record in, spilling the run when it is full.
func (s *Sorter) Add(h uint64, rowid int64, v []byte) error {
	s.recs = append(s.recs, uniqueRec{h: h, rowid: rowid, off: len(s.arena), n: len(v)})
	s.arena = append(s.arena, v...)
	if len(s.arena)+recOverhead*len(s.recs) >= s.runBytes {
		return s.spill()
	}
	return nil
}

func (s *Sorter) val(r uniqueRec) []byte { return s.arena[r.off : r.off+r.n] }

// sortRun orders the run in memory by (hash, value, row id).
func (s *Sorter) sortRun() {
	slices.SortFunc(s.recs, func(a, b uniqueRec) int {
		if c := cmp.Compare(a.h, b.h); c != 0 {
			return c
		}
		if c := bytes.Compare(s.val(a), s.val(b)); c != 0 {
			return c
		}
		return cmp.Compare(a.rowid, b.rowid)
	})
}

// spill writes the sorted run to a file: per record h, rowid, len, bytes.
func (s *Sorter) spill() error {
	if len(s.recs) == 0 {
		return nil
	}
	s.sortRun()
	path := filepath.Join(s.dir, fmt.Sprintf("%s-run%d", s.prefix, len(s.runs)))
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	s.runs = append(s.runs, path)
	s.nspill++
	w := bufio.NewWriterSize(f, 256<<10)
	var hdr [20]byte
	for _, r := range s.recs {
		binary.LittleEndian.PutUint64(hdr[0:], r.h)
		binary.LittleEndian.PutUint64(hdr[8:], uint64(r.rowid))
		binary.LittleEndian.PutUint32(hdr[16:], uint32(r.n))
		w.Write(hdr[:])
		w.Write(s.val(r))
	}
	err = w.Flush()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	s.recs, s.arena = s.recs[:0], s.arena[:0]
	return err
}

// Spilled is how many runs went to disk.
func (s *Sorter) Spilled() int { return s.nspill }

// Each calls fn with every record in (hash, value, row id) order; v is
// valid only during the call. It removes the run files.
func (s *Sorter) Each(fn func(h uint64, rowid int64, v []byte) error) (err error) {
	defer s.Cleanup()
	if len(s.runs) == 0 {
		s.sortRun()
		for _, r := range s.recs {
			if err := fn(r.h, r.rowid, s.val(r)); err != nil {
				return err
			}
		}
		return nil
	}
	if err := s.spill(); err != nil {
		return err
	}
	s.arena = nil
	var m runHeap
	for _, path := range s.runs {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		rr := &runReader{f: f, r: bufio.NewReaderSize(f, 64<<10)}
		defer f.Close()
		ok, err := rr.next()
		if err != nil {
			return err
		}
		if ok {
			m = append(m, rr)
		}
	}
	heap.Init(&m)
	for len(m) > 0 {
		top := m[0]
		if err := fn(top.h, top.rowid, top.v); err != nil {
			return err
		}
		ok, err := top.next()
		if err != nil {
			return err
		}
		if ok {
			heap.Fix(&m, 0)
		} else {
			heap.Pop(&m)
		}
	}
	return nil
}

// Cleanup removes the run files left (after an error).
func (s *Sorter) Cleanup() {
	for _, p := range s.runs {
		os.Remove(p)
	}
	s.runs = nil
}

// runReader reads one spilled run.
type runReader struct {
	f     *os.File
	r     *bufio.Reader
	h     uint64
	rowid int64
	v     []byte
}

func (rr *runReader) next() (bool, error) {
	var hdr [20]byte
	if _, err := io.ReadFull(rr.r, hdr[:]); err != nil {
		if errors.Is(err, io.EOF) {
			return false, nil
		}
		return false, fmt.Errorf("expect-unique run %s: %w", rr.f.Name(), err)
	}
	rr.h = binary.LittleEndian.Uint64(hdr[0:])
	rr.rowid = int64(binary.LittleEndian.Uint64(hdr[8:]))
	n := int(binary.LittleEndian.Uint32(hdr[16:]))
	rr.v = slices.Grow(rr.v[:0], n)[:n]
	if _, err := io.ReadFull(rr.r, rr.v); err != nil {
		return false, fmt.Errorf("expect-unique run %s: %w", rr.f.Name(), err)
	}
	return true, nil
}

type runHeap []*runReader

func (m runHeap) Len() int { return len(m) }
func (m runHeap) Less(i, j int) bool {
	a, b := m[i], m[j]
	if a.h != b.h {
		return a.h < b.h
	}
	if c := bytes.Compare(a.v, b.v); c != 0 {
		return c < 0
	}
	return a.rowid < b.rowid
}
func (m runHeap) Swap(i, j int) { m[i], m[j] = m[j], m[i] }
func (m *runHeap) Push(x any)   { *m = append(*m, x.(*runReader)) }
func (m *runHeap) Pop() any {
	old := *m
	x := old[len(old)-1]
	*m = old[:len(old)-1]
	return x
}

// Duplicates walks records in (hash, value, row id) order and counts the
// rows whose value another row shares, keeping the MaxExamples
// smallest row ids. Equal hashes with different values are different
// values: a collision is never a violation.
type Duplicates struct {
	Show    func(v []byte) string
	Count   Count
	have    bool
	h       uint64
	v       []byte
	rowid   int64
	inGroup int64 // rows seen with the current value
}

// Add takes the next record in (hash, value, row id) order.
func (d *Duplicates) Add(h uint64, rowid int64, v []byte) error {
	if d.have && h == d.h && bytes.Equal(v, d.v) {
		if d.inGroup == 1 {
			d.violate(d.rowid, d.v)
		}
		d.inGroup++
		d.violate(rowid, v)
		return nil
	}
	d.have, d.h, d.v, d.rowid, d.inGroup = true, h, append(d.v[:0], v...), rowid, 1
	return nil
}

// violate counts a row and keeps it among the examples when its row id is
// one of the smallest seen.
func (d *Duplicates) violate(rowid int64, v []byte) {
	d.Count.Violations++
	ex := d.Count.Examples
	if len(ex) == MaxExamples && rowid >= ex[len(ex)-1].RowID {
		return
	}
	at, _ := slices.BinarySearchFunc(ex, rowid, func(e Example, r int64) int { return cmp.Compare(e.RowID, r) })
	ex = slices.Insert(ex, at, Example{RowID: rowid, Value: d.Show(v)})
	if len(ex) > MaxExamples {
		ex = ex[:MaxExamples]
	}
	d.Count.Examples = ex
}
