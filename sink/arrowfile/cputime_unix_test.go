//go:build unix

package arrowfile

import (
	"syscall"
	"time"
)

// processCPU returns the user+system CPU time of the process so far, or
// -1 when unavailable.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return -1
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
