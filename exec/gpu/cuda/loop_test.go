package cuda

import (
	"errors"
	"sync"
	"testing"
)

// Close races with calls: none panics (no send on a closed channel); a
// call either runs or answers "device is closed".
func TestCallLoopCloseRace(t *testing.T) {
	for round := 0; round < 50; round++ {
		var l callLoop
		l.start()
		ran := 0
		go l.run(func() error { return nil }, func() {})
		var wg sync.WaitGroup
		var mu sync.Mutex
		for g := 0; g < 8; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 20; i++ {
					err := l.call(func() error { ran++; return nil })
					if err != nil && !errors.Is(err, errClosed) {
						mu.Lock()
						t.Errorf("call: %v", err)
						mu.Unlock()
					}
				}
			}()
		}
		l.close()
		wg.Wait()
		l.close() // idempotent
		if err := l.call(func() error { return nil }); !errors.Is(err, errClosed) {
			t.Fatalf("call after close: %v", err)
		}
	}
}
