package engine

import (
	iofs "io/fs"
	"path/filepath"
	"sync"
	"time"
)

// scratchEvery is how often a stage's scratch bytes are sampled, at most:
// a sample walks the work directory (a stat per file), so the meter waits
// scratchCost times as long as its last walk took before the next one.
// With hundreds of caches a walk takes milliseconds, and sampling every
// 250 ms cost 1 % of the CPU of a 333M-row job.
const (
	scratchEvery = 250 * time.Millisecond
	scratchCost  = 200
)

// scratchMeter samples the bytes of the files under the job's work
// directory (caches, spilled runs) while a stage runs and keeps the
// largest sample.
type scratchMeter struct {
	dir  string
	stop chan struct{}
	wg   sync.WaitGroup
	peak int64
}

// startScratch samples dir now and then every scratchEvery or more until
// Stop.
func startScratch(dir string) *scratchMeter {
	m := &scratchMeter{dir: dir, stop: make(chan struct{}), peak: dirBytes(dir)}
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		wait := scratchEvery
		for {
			t := time.NewTimer(wait)
			select {
			case <-m.stop:
				t.Stop()
				return
			case <-t.C:
				start := time.Now()
				m.peak = max(m.peak, dirBytes(m.dir))
				wait = max(scratchEvery, scratchCost*time.Since(start))
			}
		}
	}()
	return m
}

// Stop ends the sampling and returns the largest sample, the last taken
// now.
func (m *scratchMeter) Stop() int64 {
	close(m.stop)
	m.wg.Wait()
	return max(m.peak, dirBytes(m.dir))
}

// dirBytes is the size of the regular files under dir; files that vanish
// while it walks are not counted.
func dirBytes(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d iofs.DirEntry, err error) error {
		if err != nil {
			return nil // gone while walking: a removed run
		}
		if d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}
