//go:build !linux

package shuffle

import (
	"os"
	"time"
)

// identify gives no identity here: every read checks every segment.
func identify(string, os.FileInfo, time.Time) *fileID { return nil }
