package kernels

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestThreadSanitizer builds the emulator with the kernels that use
// atomics and shared memory into a C++ harness under ThreadSanitizer and
// fails on any report (or a wrong result). It needs clang++-14 or g++
// with TSan: skipped locally without one, a failure in CI.
func TestThreadSanitizer(t *testing.T) {
	cxx := needTool(t, "clang++-14", "g++")
	bin := filepath.Join(t.TempDir(), "tsan_harness")
	build := exec.Command(cxx, "-std=c++17", "-O1", "-g", "-fsanitize=thread", "-pthread", "-o", bin, "testdata/tsan_harness.cc")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", cxx, err, out)
	}
	run := exec.Command(bin)
	run.Env = append(run.Environ(), "TSAN_OPTIONS=halt_on_error=1 exitcode=66")
	out, err := run.CombinedOutput()
	if err != nil || strings.Contains(string(out), "ThreadSanitizer") || !strings.Contains(string(out), "tsan harness: ok") {
		t.Fatalf("ThreadSanitizer harness: %v\n%s", err, out)
	}
}
