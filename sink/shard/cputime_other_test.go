//go:build !unix

package shard

import "time"

// processCPU is unavailable here.
func processCPU() time.Duration { return -1 }
