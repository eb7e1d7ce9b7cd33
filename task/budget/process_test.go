package budget

import (
	"math"
	"runtime/debug"
	"testing"
)

func TestSetProcessLimit(t *testing.T) {
	old := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(old) })
	t.Setenv("GOMEMLIMIT", "")
	debug.SetMemoryLimit(math.MaxInt64)
	want := int64(3<<30 + 2*(32<<20) + ProcessOverhead) // each keeps 32 MiB for reuse
	if got := SetProcessLimit(1<<30, 2<<30); got != want || debug.SetMemoryLimit(-1) != want {
		t.Errorf("two executors of 1 and 2 GiB: limit %d (runtime %d), want %d", got, debug.SetMemoryLimit(-1), want)
	}
	// An unlimited executor leaves the limit as it was.
	if got := SetProcessLimit(1<<30, 0); got != want {
		t.Errorf("with an unlimited executor: limit %d, want the previous %d", got, want)
	}
	// GOMEMLIMIT wins.
	t.Setenv("GOMEMLIMIT", "5GiB")
	debug.SetMemoryLimit(5 << 30)
	if got := SetProcessLimit(1 << 20); got != 5<<30 {
		t.Errorf("with GOMEMLIMIT=5GiB: limit %d, want %d", got, int64(5<<30))
	}
}
