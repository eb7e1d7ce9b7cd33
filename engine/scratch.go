package engine

import (
	iofs "io/fs"
	"path/filepath"
	"sync"
	"time"
)

// scratchEvery is how often a stage's scratch bytes are sampled.
const scratchEvery = 250 * time.Millisecond

// scratchMeter samples the bytes of the files under the job's work
// directory (caches, spilled runs) while a stage runs and keeps the
// largest sample.
type scratchMeter struct {
	dir  string
	stop chan struct{}
	wg   sync.WaitGroup
	peak int64
}

// startScratch samples dir now and then every scratchEvery until Stop.
func startScratch(dir string) *scratchMeter {
	m := &scratchMeter{dir: dir, stop: make(chan struct{}), peak: dirBytes(dir)}
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		t := time.NewTicker(scratchEvery)
		defer t.Stop()
		for {
			select {
			case <-m.stop:
				return
			case <-t.C:
				m.peak = max(m.peak, dirBytes(m.dir))
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
