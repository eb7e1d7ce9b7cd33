package engine

import (
	"os"
	"path/filepath"
	"testing"
)

// dirBytes sums the regular files under a directory, nested ones too; the
// meter's peak holds what was there when it stopped.
func TestScratchBytes(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "a", "b"), 0o755); err != nil {
		t.Fatal(err)
	}
	for p, n := range map[string]int{"x": 1000, "a/y": 20, "a/b/z": 3} {
		if err := os.WriteFile(filepath.Join(dir, p), make([]byte, n), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if got := dirBytes(dir); got != 1023 {
		t.Fatalf("dirBytes %d, want 1023", got)
	}
	if got := dirBytes(filepath.Join(dir, "gone")); got != 0 {
		t.Fatalf("a missing directory holds %d bytes", got)
	}
	m := startScratch(dir)
	if err := os.WriteFile(filepath.Join(dir, "a", "run"), make([]byte, 5000), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := m.Stop(); got != 6023 {
		t.Fatalf("peak %d, want 6023", got)
	}
}
