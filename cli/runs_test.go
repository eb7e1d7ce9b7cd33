package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/sluice-ml/sluice/sink"
	"github.com/sluice-ml/sluice/sink/shard"
)

// writeManifest writes a manifest with the given run start and shard sums.
func writeManifest(t *testing.T, path, id, started string, sums ...string) {
	t.Helper()
	m := &sink.Manifest{FormatVersion: sink.ManifestFormatVersion, Job: sink.JobInfo{Name: "job-" + id, SHA256: "ab"}}
	m.Input.Format = "parquet"
	m.Input.Files = []sink.InputFile{{Path: "in/a.parquet", Bytes: 10, Rows: 2, Fingerprint: "sha256:0123456789abcdef"}}
	s := sink.Split{Name: "train", Rows: 2}
	for i, sum := range sums {
		s.Shards = append(s.Shards, shard.Info{Path: "train/part-" + string(rune('0'+i)) + ".arrow", Rows: 1, SHA256: sum})
	}
	m.Splits = []sink.Split{s}
	m.Rows.Written = 2
	m.Run = &sink.RunInfo{ID: id, StartedAt: started, FinishedAt: started, Version: sink.Version, JobSHA256: "cd" + id, Output: filepath.Dir(path)}
	b, err := sink.MarshalManifest(m)
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Dir(path), 0o755)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestRunsListsByStartWithSameBytes: manifests written here by hand; the
// order is their start times and the letters group equal shard sums.
func TestRunsListsByStartWithSameBytes(t *testing.T) {
	root := t.TempDir()
	writeManifest(t, filepath.Join(root, "out", "a", "manifest.json"), "run-a", "2026-12-05T10:00:00Z", "x1", "x2")
	writeManifest(t, filepath.Join(root, "out", "b", "manifest.json"), "run-b", "2026-12-05T09:00:00Z", "y1", "y2")
	writeManifest(t, filepath.Join(root, "out", "deep", "c", "manifest.json"), "run-c", "2026-12-05T11:00:00.5Z", "x1", "x2")
	// A stage cache's record of run-a (the same run: listed once) and of
	// run-d, and an entry's meta.json, which is no manifest.
	writeManifest(t, filepath.Join(root, "cache", "v1", "runs", "run-a.json"), "run-a", "2026-12-05T10:00:00Z", "x1", "x2")
	writeManifest(t, filepath.Join(root, "cache", "v1", "runs", "run-d.json"), "run-d", "2026-12-05T08:00:00Z", "x2", "x1")
	os.MkdirAll(filepath.Join(root, "cache", "v1", "entries", "k"), 0o755)
	os.WriteFile(filepath.Join(root, "cache", "v1", "entries", "k", "manifest.json"), []byte("not one"), 0o644)

	code, out, errOut := drive(t, "runs", root)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	ids, letters := runLines(out)
	// d (08:00) x1,x2 in another order than the paths: different bytes.
	if strings.Join(ids, " ") != "run-d run-b run-a run-c" || strings.Join(letters, " ") != "A B C C" {
		t.Fatalf("runs %v letters %v, want [run-d run-b run-a run-c] [A B C C]\n%s", ids, letters, out)
	}
	if !strings.Contains(out, "in/a.parquet sha256:0123456789a") || !strings.Contains(out, "train 2 rows in 2 shards") {
		t.Fatalf("inputs or outputs missing:\n%s", out)
	}
	// Only the cache directory: its records.
	_, out, _ = drive(t, "runs", filepath.Join(root, "cache"))
	if ids, letters := runLines(out); strings.Join(ids, " ") != "run-d run-a" || strings.Join(letters, " ") != "A B" {
		t.Fatalf("cache dir runs:\n%s", out)
	}
	if code, _, errOut := drive(t, "runs", filepath.Join(root, "none")); code != ExitUsage || !strings.Contains(errOut, "none") {
		t.Fatalf("missing dir: exit %d %s", code, errOut)
	}
}

// runLines returns the run ids and byte letters of `driver runs` output.
func runLines(out string) (ids, letters []string) {
	line := regexp.MustCompile(`^(\S+)\s+\S+\s+\S+\s+([A-Z]+)\s`)
	for _, l := range strings.Split(out, "\n") {
		if m := line.FindStringSubmatch(l); m != nil {
			ids, letters = append(ids, m[1]), append(letters, m[2])
		}
	}
	return ids, letters
}
