package shard

import (
	"fmt"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
)

// pipe runs a Writer's encoding and writing on a goroutine of its own, so
// that the caller gathers and transforms the next batch meanwhile: a task
// writing one shard then keeps two cores busy.
type pipe struct {
	ch   chan arrow.RecordBatch
	done chan struct{}
	mu   sync.Mutex
	err  error // the first error of the goroutine
}

// SetPipelined makes Write hand each batch to a goroutine that writes
// the batches in order, so that Write returns while the batch is encoded;
// at most depth batches wait beside the one being written (each retained
// until written). An error of the goroutine is returned by a later Write
// or by Close; the bytes written are the same as without it. Call it before
// the first Write.
func (w *Writer) SetPipelined(depth int) error {
	if w.rows > 0 || w.closed || w.pipe != nil {
		return fmt.Errorf("%s: SetPipelined after the first Write", w.path)
	}
	if depth < 1 {
		return fmt.Errorf("%s: pipeline depth must be >= 1, got %d", w.path, depth)
	}
	p := &pipe{ch: make(chan arrow.RecordBatch, depth), done: make(chan struct{})}
	w.pipe = p
	go func() {
		defer close(p.done)
		for b := range p.ch {
			if p.failed() == nil {
				if err := w.write(b); err != nil {
					p.fail(fmt.Errorf("%s: %w", w.path, err))
				}
			}
			b.Release()
		}
	}()
	return nil
}

func (p *pipe) failed() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

func (p *pipe) fail(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err == nil {
		p.err = err
	}
}

// send queues batch (retained) for the goroutine.
func (p *pipe) send(batch arrow.RecordBatch) error {
	if err := p.failed(); err != nil {
		return err
	}
	batch.Retain()
	p.ch <- batch
	return nil
}

// drain waits until every queued batch is written and returns the first
// error.
func (p *pipe) drain() error {
	close(p.ch)
	<-p.done
	return p.failed()
}
