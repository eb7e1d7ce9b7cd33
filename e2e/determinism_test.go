package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/sluice-ml/sluice/engine"
	"github.com/sluice-ml/sluice/jobspec"
	"github.com/sluice-ml/sluice/sink"
)

// dirDigest returns every file under dir (slash-separated relative path)
// with its sha256; manifest.json's with its run section removed
// (sink.StripRun: the run id and times differ between runs).
func dirDigest(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		if rel == "manifest.json" {
			if b, err = sink.StripRun(b); err != nil {
				return err
			}
		}
		sum := sha256.Sum256(b)
		out[filepath.ToSlash(rel)] = hex.EncodeToString(sum[:])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestDeterministicOutput: the same job gives byte-identical shards,
// aggregate tables and manifest.json with 1, 2 or 4 executors and with a
// different scan batch size. Every run writes to the same output path (the
// manifest records the output.path override) and is then moved aside.
func TestDeterministicOutput(t *testing.T) {
	root := t.TempDir()
	out := filepath.Join(root, "out")
	sets := []string{"output.path=" + out}
	run := func(name string, opt engine.Options) (map[string]string, []byte) {
		t.Helper()
		job, err := jobspec.Parse("job.yaml", []byte(mainJob), sets)
		if err != nil {
			t.Fatal(err)
		}
		opt.WorkDir = root
		if _, err := engine.Run(context.Background(), job, opt); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		dir := filepath.Join(root, name)
		if err := os.Rename(out, dir); err != nil {
			t.Fatal(err)
		}
		m, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
		if err == nil {
			m, err = sink.StripRun(m)
		}
		if err != nil {
			t.Fatal(err)
		}
		return dirDigest(t, dir), m
	}
	ref, refManifest := run("local2", engine.Options{Local: 2})
	if len(ref) < 2*7+3 { // 14 shards, 2 aggregate tables, the manifest
		t.Fatalf("reference output has only %d files: %v", len(ref), ref)
	}
	for _, c := range []struct {
		name string
		opt  engine.Options
	}{
		{"local1", engine.Options{Local: 1}},
		{"local4", engine.Options{Local: 4}},
		{"local2-batch5000", engine.Options{Local: 2, BatchRows: 5000}},
		{"local3-slots2-batch1024", engine.Options{Local: 3, Slots: 2, BatchRows: 1024}},
	} {
		got, m := run(c.name, c.opt)
		for path, sum := range ref {
			if got[path] != sum {
				t.Errorf("%s: %s: sha256 %.12s, the Local 2 run wrote %.12s", c.name, path, got[path], sum)
			}
		}
		for path := range got {
			if _, ok := ref[path]; !ok {
				t.Errorf("%s: %s written here but not by the Local 2 run", c.name, path)
			}
		}
		if !bytes.Equal(m, refManifest) {
			t.Errorf("%s: manifest.json differs from the Local 2 run's (%d vs %d bytes)", c.name, len(m), len(refManifest))
		}
	}
}
