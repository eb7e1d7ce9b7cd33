package sink

import (
	"bytes"
	"encoding/hex"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestNewRunIDIsUUIDv7(t *testing.T) {
	at := time.Date(2026, 12, 5, 12, 0, 0, 123_000_000, time.UTC)
	re := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for i := 0; i < 100; i++ {
		id := NewRunID(at)
		if !re.MatchString(id) {
			t.Fatalf("%q is not a UUIDv7", id)
		}
		// The first 48 bits are the Unix time in milliseconds.
		b, _ := hex.DecodeString(strings.ReplaceAll(id, "-", "")[:12])
		var ms int64
		for _, x := range b {
			ms = ms<<8 | int64(x)
		}
		if ms != at.UnixMilli() {
			t.Fatalf("%q holds %d ms, want %d", id, ms, at.UnixMilli())
		}
		if seen[id] {
			t.Fatalf("%q twice", id)
		}
		seen[id] = true
	}
	// Later runs sort after earlier ones.
	if a, b := NewRunID(at), NewRunID(at.Add(time.Millisecond)); a >= b {
		t.Fatalf("%s does not sort before %s", a, b)
	}
}

func TestStripRun(t *testing.T) {
	m := &Manifest{FormatVersion: ManifestFormatVersion, Job: JobInfo{Name: "j"}}
	without, err := MarshalManifest(m)
	if err != nil {
		t.Fatal(err)
	}
	m.Run = &RunInfo{ID: NewRunID(time.Now()), StartedAt: RunTime(time.Now()), FinishedAt: RunTime(time.Now()), Version: Version}
	with, _ := MarshalManifest(m)
	if !bytes.Contains(with, []byte(`"run": {`)) || bytes.Contains(without, []byte(`"run"`)) {
		t.Fatalf("run written %q / omitted %q", with, without)
	}
	got, err := StripRun(with)
	if err != nil || !bytes.Equal(got, without) {
		t.Fatalf("StripRun: %v\n%s\nwant\n%s", err, got, without)
	}
	// Anything else that differs still differs.
	m.Job.Name = "k"
	other, _ := MarshalManifest(m)
	if got2, _ := StripRun(other); bytes.Equal(got2, got) {
		t.Fatal("StripRun hid a difference outside run")
	}
	if _, err := StripRun([]byte("{")); err == nil {
		t.Fatal("StripRun of bad JSON succeeded")
	}
}
