package cputime

import (
	"testing"
	"time"
)

// Spinning for a while must show as at least part of that time in CPU.
func TestProcessCountsWork(t *testing.T) {
	c0 := Process()
	if c0 < 0 {
		t.Fatal("no CPU time from getrusage")
	}
	x, end := 0, time.Now().Add(50*time.Millisecond)
	for time.Now().Before(end) {
		x++
	}
	if d := Process() - c0; d < 10*time.Millisecond {
		t.Fatalf("50 ms of spinning (%d steps) counted %v of CPU", x, d)
	}
}
