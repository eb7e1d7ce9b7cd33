//go:build !unix

package sink

import "time"

// processCPU is unavailable here.
func processCPU() time.Duration { return -1 }
