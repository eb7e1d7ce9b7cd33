package task

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
)

// ResetPeakRSS starts a new high-water mark of the process's resident
// memory (Linux: writing 5 to /proc/self/clear_refs resets VmHWM). It
// reports false where the system has no such mark; PeakRSS then means
// nothing.
func ResetPeakRSS() bool {
	f, err := os.OpenFile("/proc/self/clear_refs", os.O_WRONLY, 0)
	if err != nil {
		return false
	}
	_, err = f.WriteString("5")
	if e := f.Close(); err == nil {
		err = e
	}
	return err == nil
}

// PeakRSS is the process's resident memory high-water mark in bytes
// (VmHWM) since it started or since the last ResetPeakRSS; 0 where the
// system does not say.
func PeakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	return vmHWM(b)
}

// vmHWM reads the VmHWM line ("VmHWM:  123456 kB") of a proc status file.
func vmHWM(status []byte) int64 {
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		f := bytes.Fields(sc.Bytes())
		if len(f) == 3 && string(f[0]) == "VmHWM:" && string(f[2]) == "kB" {
			kb, err := strconv.ParseInt(string(f[1]), 10, 64)
			if err != nil {
				return 0
			}
			return kb << 10
		}
	}
	return 0
}
