package cputime

import (
	"syscall"
	"time"
)

// Process is the process's user + system CPU time so far, or -1 when the
// operating system does not say.
func Process() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return -1
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
