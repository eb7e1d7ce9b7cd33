package arrowfile

import (
	"fmt"
	"sync"
)

// parBody compresses the buffers of one record batch on several
// goroutines. Each buffer is one independent frame whose bytes depend
// only on its input, so the body (frames laid out in buffer order) is
// byte-identical to the one a single codec writes.
type parBody struct {
	codecs []bufferCodec // one per worker; codecs[0] is the body's codec
	src    [][]byte      // per buffer: a copy of its bytes (scratch is reused)
	frames [][]byte      // per buffer: the compressed frame
	n      int           // buffers of the batch so far
}

// SetWorkers makes the writer compress the buffers of each batch on up
// to n goroutines (n ≤ 1: on the caller's). The file bytes do not depend
// on n. It must be called before the first Write.
func (fw *ipcFileWriter) SetWorkers(n int) error {
	b := &fw.body
	if len(fw.blocks) > 0 || b.par != nil {
		return fmt.Errorf("arrow ipc: workers are set before the first batch, once")
	}
	if b.codec == nil || n <= 1 {
		return nil
	}
	p := &parBody{codecs: []bufferCodec{b.codec}}
	for len(p.codecs) < n {
		c, err := newBufferCodec(b.compression)
		if err != nil {
			return err
		}
		p.codecs = append(p.codecs, c)
	}
	b.par = p
	return nil
}

// stage keeps a copy of one buffer for compression by flush.
func (p *parBody) stage(src []byte) {
	if p.n == len(p.src) {
		p.src = append(p.src, nil)
		p.frames = append(p.frames, nil)
	}
	p.src[p.n] = append(p.src[p.n][:0], src...)
	p.n++
}

// flush compresses the staged buffers in parallel and lays them out in
// order in e.body, with their buffer entries.
func (e *batchBody) flush() error {
	p := e.par
	nw := min(len(p.codecs), p.n)
	errs := make([]error, nw)
	var wg sync.WaitGroup
	for w := range nw {
		wg.Go(func() {
			for i := w; i < p.n; i += nw {
				f, err := appendCompressed(p.codecs[w], p.frames[i][:0], p.src[i])
				if err != nil {
					errs[w] = err
					return
				}
				p.frames[i] = f
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	for i := range p.n {
		e.place(p.frames[i])
	}
	p.n = 0
	return nil
}

// close closes the workers' codecs but the body's own.
func (p *parBody) close() error {
	var first error
	for _, c := range p.codecs[1:] {
		if err := c.close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}
