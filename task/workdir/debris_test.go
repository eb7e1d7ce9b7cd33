package workdir

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// CleanDebris removes a marked directory whose owner is gone (its lock
// dropped without Release, as by kill -9) and keeps a held one, an
// unmarked one and one with another prefix.
func TestCleanDebris(t *testing.T) {
	root := t.TempDir()
	mk := func(name string) string {
		d := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Join(d, "sub"), 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	live, dead, unmarked, other := mk("sluice-live"), mk("sluice-dead"), mk("sluice-unmarked"), mk("other-dead")
	h, err := HoldDir(live)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Release()
	for _, d := range []string{dead, other} {
		g, err := HoldDir(d)
		if err != nil {
			t.Fatal(err)
		}
		g.f.Close() // the owner dies: the lock goes, the marker stays
	}
	removed, err := CleanDebris(root, "sluice-")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(removed, []string{dead}) {
		t.Fatalf("removed %v, want [%s]", removed, dead)
	}
	for _, d := range []string{live, unmarked, other} {
		if _, err := os.Stat(filepath.Join(d, "sub")); err != nil {
			t.Errorf("%s was touched: %v", d, err)
		}
	}
	h.Release()
	if ents, _ := os.ReadDir(live); len(ents) != 1 {
		t.Errorf("Release left the marker: %v", ents)
	}
	if r, _ := CleanDebris(root, "sluice-"); len(r) != 0 {
		t.Errorf("a released directory is no debris: removed %v", r)
	}
	if r, err := CleanDebris(filepath.Join(root, "missing"), "x"); err != nil || r != nil {
		t.Errorf("missing dir: %v %v", r, err)
	}
}

// Job ids from the wire: plain names pass; separators, dots, NUL, empty
// and over-long ones do not, nor do bad output directories.
func TestCheckJobID(t *testing.T) {
	for _, id := range []string{"citibike-0a1b2c3d4e5f", "_x", "A-b_9", strings.Repeat("a", 100)} {
		if err := CheckJobID(id); err != nil {
			t.Errorf("%q: %v", id, err)
		}
	}
	for _, id := range []string{"", ".", "..", "../x", "/abs", "a/b", "a\\b", "a\x00b", "a b", "é", strings.Repeat("a", 101)} {
		if err := CheckJobID(id); err == nil {
			t.Errorf("%q accepted", id)
		}
	}
	if err := CheckOutDir("/data/out.tmp-0123456789abcdef"); err != nil {
		t.Error(err)
	}
	for _, d := range []string{"out.tmp-0123456789abcdef", "/data/../etc/out.tmp-0123456789abcdef", "/etc", "/x.tmp-0123"} {
		if err := CheckOutDir(d); err == nil {
			t.Errorf("output dir %q accepted", d)
		}
	}
	if _, err := Under("/w", ".."); err == nil {
		t.Error("Under(/w, ..) accepted")
	}
	if p, err := Under("/w", "job"); err != nil || p != "/w/job" {
		t.Errorf("Under(/w, job) = %q, %v", p, err)
	}
}
