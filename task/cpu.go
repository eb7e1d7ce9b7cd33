package task

import (
	"syscall"
	"time"
)

// ProcessCPU is the process's user + system CPU time so far; an executor
// reports it at the start and end of each task.
func ProcessCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
