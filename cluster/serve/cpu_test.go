package serve

import (
	"testing"
	"time"
)

// TestCPUMeter: overlapping tasks on one executor count the executor's CPU
// clock once, from the first start to the last end; executors add up;
// a stage run is forgotten once taken.
func TestCPUMeter(t *testing.T) {
	var m cpuMeter
	ms := int64(time.Millisecond)
	m.add("j", 1, "a", 100*ms, 300*ms)
	m.add("j", 1, "a", 150*ms, 400*ms) // ran beside the first
	m.add("j", 1, "b", 1000*ms, 1050*ms)
	m.add("j", 2, "a", 500*ms, 900*ms) // another stage run
	m.add("j", 1, "c", 0, 0)           // an executor that reports nothing
	m.add("j", 1, "d", 50*ms, 10*ms)   // a clock that went back
	if got := m.take("j", 1); got != 350*time.Millisecond {
		t.Errorf("stage 1: %s, want 300ms on a + 50ms on b", got)
	}
	if got := m.take("j", 1); got != 0 {
		t.Errorf("stage 1 taken twice: %s", got)
	}
	if got := m.take("j", 2); got != 400*time.Millisecond {
		t.Errorf("stage 2: %s, want 400ms", got)
	}
}
