package serve

import (
	"sync"
	"time"
)

// cpuMeter sums the CPU the executors report with their task replies: per
// stage run and executor, the executor process's CPU clock from the first
// task's start to the last task's end there. Tasks running side by side on
// one executor are counted once; an executor's CPU between its tasks of the
// stage (gossip, fetches it serves) is counted with the stage.
type cpuMeter struct {
	mu     sync.Mutex
	stages map[cpuKey]map[string]*cpuSpan
}

type cpuKey struct {
	job string
	seq int
}

type cpuSpan struct{ start, end int64 }

// add records one task's CPU clock readings on an executor.
func (m *cpuMeter) add(job string, seq int, executor string, start, end int64) {
	if end <= 0 || end < start {
		return // an executor that does not report CPU
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.stages == nil {
		m.stages = map[cpuKey]map[string]*cpuSpan{}
	}
	k := cpuKey{job, seq}
	ex := m.stages[k]
	if ex == nil {
		ex = map[string]*cpuSpan{}
		m.stages[k] = ex
	}
	sp := ex[executor]
	if sp == nil {
		ex[executor] = &cpuSpan{start, end}
		return
	}
	sp.start, sp.end = min(sp.start, start), max(sp.end, end)
}

// take returns the stage run's CPU summed over executors and forgets it.
func (m *cpuMeter) take(job string, seq int) time.Duration {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := cpuKey{job, seq}
	var sum int64
	for _, sp := range m.stages[k] {
		sum += sp.end - sp.start
	}
	delete(m.stages, k)
	return time.Duration(sum)
}
