//go:build !unix

package arrowfile

import "time"

// processCPU is unavailable here.
func processCPU() time.Duration { return -1 }
