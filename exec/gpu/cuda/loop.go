package cuda

import (
	"errors"
	"runtime"
	"sync"
)

// errClosed answers calls on a closed device.
var errClosed = errors.New("gpu: device is closed")

// callLoop runs functions on one goroutine locked to its OS thread (the
// thread that holds a CUDA context). call and close are safe to use
// concurrently: a call racing with close either runs or answers
// errClosed, and nothing ever sends on a closed channel.
type callLoop struct {
	mu     sync.RWMutex
	closed bool
	calls  chan func()
	done   chan struct{}
}

// start prepares the loop; run then serves it.
func (l *callLoop) start() {
	l.calls = make(chan func())
	l.done = make(chan struct{})
}

// run locks the OS thread, runs init there and, when it succeeds, every
// call until close; fin runs on the thread after the last call.
func (l *callLoop) run(init func() error, fin func()) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	defer close(l.done)
	if err := init(); err != nil {
		l.mu.Lock()
		l.closed = true
		l.mu.Unlock()
		return
	}
	for f := range l.calls {
		f()
	}
	fin()
}

// call runs f on the loop's thread and returns its error.
func (l *callLoop) call(f func() error) error {
	l.mu.RLock()
	if l.closed {
		l.mu.RUnlock()
		return errClosed
	}
	errc := make(chan error, 1)
	l.calls <- func() { errc <- f() }
	l.mu.RUnlock()
	return <-errc
}

// close stops the loop once the calls already queued have run, and waits
// for fin. It is idempotent.
func (l *callLoop) close() {
	l.mu.Lock()
	if !l.closed {
		l.closed = true
		close(l.calls)
	}
	l.mu.Unlock()
	<-l.done
}
