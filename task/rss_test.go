package task

import (
	"runtime"
	"runtime/debug"
	"testing"
)

func TestVmHWMParse(t *testing.T) {
	status := "Name:\tx\nVmPeak:\t  900 kB\nVmHWM:\t   12345 kB\nVmRSS:\t  100 kB\n"
	if got := vmHWM([]byte(status)); got != 12345<<10 {
		t.Fatalf("VmHWM %d, want %d", got, 12345<<10)
	}
	if got := vmHWM([]byte("VmRSS:\t 1 kB\n")); got != 0 {
		t.Fatalf("no VmHWM line: %d, want 0", got)
	}
}

// The high-water mark covers memory touched since the reset, and a reset
// forgets memory given back before it.
func TestPeakRSSReset(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the resident high-water mark is read from Linux's /proc")
	}
	if !ResetPeakRSS() {
		t.Fatal("cannot reset the high-water mark")
	}
	const n = 256 << 20
	b := make([]byte, n)
	for i := 0; i < n; i += 4096 {
		b[i] = 1
	}
	peak := PeakRSS()
	if peak < n {
		t.Fatalf("peak RSS %d after touching %d bytes", peak, n)
	}
	runtime.KeepAlive(b)
	b = nil
	runtime.GC()
	debug.FreeOSMemory()
	if !ResetPeakRSS() {
		t.Fatal("cannot reset the high-water mark")
	}
	if after := PeakRSS(); after >= peak || after <= 0 {
		t.Fatalf("peak RSS %d after the reset, %d before", after, peak)
	}
}
