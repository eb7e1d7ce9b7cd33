package launch

import (
	"errors"
	"fmt"

	"github.com/sluice-ml/sluice/exec/gpu/device"
)

// A pipelined call splits a batch into pieces of at most chunkRows rows
// and alternates them between two streams. Each stream owns a page-locked
// staging buffer: a piece's inputs are copied into it, uploaded with an
// async copy, the kernels are queued behind, and the outputs come back
// into the staging buffer with an async copy. While one stream's piece is
// in flight the next piece is queued on the other, so on a GPU the copies
// of piece i+1 overlap the kernels of piece i. A stream is synchronised
// (and its outputs copied to the caller's slices) only before it takes
// its next piece, or at the end.

// PipeIO returns the host side of rows [lo, hi): the inputs to upload
// (an empty one is passed to the kernel as a null pointer) and the slices
// the outputs are copied into.
type PipeIO func(lo, hi int) (ins, outs [][]byte)

// PipeLaunch queues the kernels of rows [lo, hi) on s, with the device
// copies of the inputs and the device buffers of the outputs (0 for an
// empty one); scratch memory comes from b, freed with the piece.
type PipeLaunch func(s device.Stream, b *Buffers, in, out []device.DevPtr, lo, hi int) error

// pipeSet is a pair of streams with their staging buffers.
type pipeSet struct {
	dev   device.Device
	slots [2]pipeSlot
}

// pipeSlot is one stream and the piece it has in flight.
type pipeSlot struct {
	s      device.Stream
	stage  []byte   // page-locked
	bufs   *Buffers // the piece's device memory
	outs   [][]byte // where the piece's outputs go
	staged [][]byte // the outputs in the staging buffer
	busy   bool
}

// stageAlign keeps every staged slice 8-byte aligned.
const stageAlign = 64

func (k *Kernels) getPipes() (*pipeSet, error) {
	select {
	case ps := <-k.pipes:
		return ps, nil
	default:
	}
	ps := &pipeSet{dev: k.dev}
	for i := range ps.slots {
		s, err := k.dev.NewStream()
		if err != nil {
			ps.close()
			return nil, err
		}
		ps.slots[i].s = s
	}
	return ps, nil
}

func (k *Kernels) putPipes(ps *pipeSet) {
	select {
	case k.pipes <- ps:
	default:
		ps.close()
	}
}

func (ps *pipeSet) close() error {
	var errs []error
	for i := range ps.slots {
		sl := &ps.slots[i]
		if sl.s != nil {
			errs = append(errs, sl.finish(), sl.s.Close())
		}
		if sl.stage != nil {
			errs = append(errs, ps.dev.FreeHost(sl.stage))
			sl.stage = nil
		}
	}
	return errors.Join(errs...)
}

// finish waits for the slot's piece, copies its outputs to the caller and
// frees its device memory.
func (sl *pipeSlot) finish() error {
	if !sl.busy {
		return nil
	}
	sl.busy = false
	err := sl.s.Sync()
	if err == nil {
		for i, o := range sl.outs {
			copy(o, sl.staged[i])
		}
	}
	return errors.Join(err, sl.bufs.Free())
}

func roundStage(n int) int { return (n + stageAlign - 1) &^ (stageAlign - 1) }

// start queues rows [lo, hi) on the slot. After a failure finish waits
// for what was queued and frees it, but copies nothing to the caller (the
// staged outputs are incomplete).
func (sl *pipeSlot) start(dev device.Device, bufs *Buffers, io PipeIO, launch PipeLaunch, lo, hi int) error {
	err := sl.queue(dev, bufs, io, launch, lo, hi)
	if err != nil {
		sl.outs = nil
	}
	return err
}

func (sl *pipeSlot) queue(dev device.Device, bufs *Buffers, io PipeIO, launch PipeLaunch, lo, hi int) error {
	ins, outs := io(lo, hi)
	need := 0
	for _, b := range ins {
		need += roundStage(len(b))
	}
	for _, b := range outs {
		need += roundStage(len(b))
	}
	if len(sl.stage) < need {
		if sl.stage != nil {
			if err := dev.FreeHost(sl.stage); err != nil {
				return err
			}
			sl.stage = nil
		}
		st, err := dev.AllocHost(need + need/4)
		if err != nil {
			return err
		}
		sl.stage = st
	}
	sl.bufs, sl.outs, sl.staged, sl.busy = bufs, outs, sl.staged[:0], true
	at := 0
	inp := make([]device.DevPtr, len(ins))
	for i, b := range ins {
		if len(b) == 0 {
			continue
		}
		st := sl.stage[at : at+len(b)]
		at += roundStage(len(b))
		copy(st, b)
		p, err := bufs.Alloc(len(b))
		if err != nil {
			return err
		}
		if err := sl.s.CopyInAsync(p, st); err != nil {
			return err
		}
		inp[i] = p
	}
	outp := make([]device.DevPtr, len(outs))
	for i, b := range outs {
		sl.staged = append(sl.staged, sl.stage[at:at+len(b)])
		if len(b) == 0 {
			continue
		}
		p, err := bufs.Alloc(len(b))
		if err != nil {
			return err
		}
		outp[i] = p
		at += roundStage(len(b))
	}
	if err := launch(sl.s, bufs, inp, outp, lo, hi); err != nil {
		return err
	}
	for i, p := range outp {
		if p == 0 {
			continue
		}
		if err := sl.s.CopyOutAsync(sl.staged[i], p); err != nil {
			return err
		}
	}
	return nil
}

// Pipelined runs a call over [0, n) in pieces on two streams. After
// device out-of-memory it drains the streams and halves the piece size,
// down to minChunk rows; then the error wraps device.ErrFallback.
func (k *Kernels) Pipelined(what string, n int, io PipeIO, launch PipeLaunch) (err error) {
	if n == 0 {
		return nil
	}
	pool, err := k.Pool()
	if err != nil {
		return NoPool(what, err)
	}
	ps, err := k.getPipes()
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	drain := func() error {
		return errors.Join(ps.slots[0].finish(), ps.slots[1].finish())
	}
	defer func() {
		if derr := drain(); err == nil && derr != nil {
			err = fmt.Errorf("%s: %w", what, derr)
		}
		k.putPipes(ps)
	}()
	size := min(n, k.chunkRows)
	next := 0
	for lo := 0; lo < n; {
		hi := min(lo+size, n)
		sl := &ps.slots[next]
		if err := sl.finish(); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		err := sl.start(k.dev, &Buffers{dev: k.dev, pool: pool}, io, launch, lo, hi)
		if errors.Is(err, device.ErrOutOfMemory) {
			// Pieces already queued complete; this one is redone smaller.
			sl.busy = false
			ferr := errors.Join(sl.s.Sync(), sl.bufs.Free(), drain())
			if ferr != nil && !errors.Is(ferr, device.ErrOutOfMemory) {
				return fmt.Errorf("%s: %w", what, ferr)
			}
			if size <= minChunk {
				return fmt.Errorf("%s: %d rows: %w (%v)", what, hi-lo, device.ErrFallback, err)
			}
			size = max(size/2, minChunk)
			continue
		}
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		lo, next = hi, 1-next
	}
	return nil
}
