package sink

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/sink/layout"
)

// fuzzOutput is one committed output shared by the fuzz targets' runs;
// each run mutates a copy.
var fuzzOutput struct {
	once sync.Once
	dir  string
	err  error
}

// goldenOutput commits a small output (an Arrow shard and a Parquet
// aggregate) once per test binary.
func goldenOutput(t *testing.T) string {
	fuzzOutput.once.Do(func() {
		root, err := os.MkdirTemp("", "sink-fuzz-")
		if err != nil {
			fuzzOutput.err = err
			return
		}
		path := filepath.Join(root, "o")
		txn, m := writeOutput(t, memory.DefaultAllocator, path, false, 40)
		if fuzzOutput.err = txn.Commit(m); fuzzOutput.err == nil {
			fuzzOutput.err = Verify(path)
		}
		fuzzOutput.dir = path
	})
	if fuzzOutput.err != nil {
		t.Fatalf("golden output: %v", fuzzOutput.err)
	}
	return fuzzOutput.dir
}

// copyOutput copies the flat tree of an output into a fresh directory.
func copyOutput(t *testing.T, src string) string {
	dst := filepath.Join(t.TempDir(), "o")
	err := filepath.WalkDir(src, func(p string, e os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if e.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// listedFiles returns the relative paths of every shard and aggregate a
// manifest lists.
func listedFiles(m *Manifest) []string {
	var out []string
	for _, s := range m.Splits {
		for _, sh := range s.Shards {
			out = append(out, sh.Path)
		}
	}
	for _, a := range m.Aggregates {
		out = append(out, a.Path)
	}
	return out
}

// FuzzVerifyMutatedFile changes one listed file of a committed output:
// one byte xored, the file cut short, or a byte appended. Verify must
// refuse every such change and name the file; the untouched copy passes.
func FuzzVerifyMutatedFile(f *testing.F) {
	for op := range uint8(3) {
		f.Add(uint8(0), uint32(0), byte(1), op)
		f.Add(uint8(1), uint32(1<<20), byte(0x80), op)
	}
	f.Fuzz(func(t *testing.T, which uint8, pos uint32, x byte, op uint8) {
		dir := copyOutput(t, goldenOutput(t))
		if err := Verify(dir); err != nil {
			t.Fatalf("untouched copy: %v", err)
		}
		m, err := ReadManifest(dir)
		if err != nil {
			t.Fatal(err)
		}
		files := listedFiles(m)
		name := filepath.Join(dir, filepath.FromSlash(files[int(which)%len(files)]))
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		at := int(pos % uint32(len(data)))
		switch op % 3 {
		case 0:
			data[at] ^= max(x, 1)
		case 1:
			data = data[:at]
		default:
			data = append(data, x)
		}
		if err := os.WriteFile(name, data, 0o644); err != nil {
			t.Fatal(err)
		}
		err = Verify(dir)
		if err == nil {
			t.Fatalf("Verify accepted %s with a change (op %d at %d)", name, op%3, at)
		}
		if !strings.Contains(err.Error(), name) {
			t.Fatalf("Verify's error does not name %s: %v", name, err)
		}
	})
}

// FuzzManifest parses arbitrary manifest bytes and verifies them against
// a committed output's files. ParseManifest either fails naming the
// manifest or returns a manifest that marshals to a fixed point (marshal,
// parse and marshal again give the same bytes); Verify either fails or
// every listed file is inside the output dir with the listed size and
// sha256, and every split's rows are its shards' sum.
func FuzzManifest(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte(`{"format_version": 1}`))
	f.Add([]byte(`{"format_version": 1, "splits": [{"name": "x", "shards": [{"path": "../x"}]}]}`))
	f.Add([]byte(`{"format_version": 1, "transforms": [{"params": [1, {"a": null}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := copyOutput(t, goldenOutput(t))
		name := filepath.Join(dir, layout.ManifestName)
		if len(data) == 0 {
			// The empty input stands for the golden manifest itself.
			b, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			data = b
		}
		m, err := ParseManifest(name, data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), name+": ") {
				t.Fatalf("ParseManifest error does not name the manifest: %v", err)
			}
			return
		}
		b1, err := MarshalManifest(m)
		if err != nil {
			t.Fatalf("MarshalManifest of a parsed manifest: %v", err)
		}
		m2, err := ParseManifest(name, b1)
		if err != nil {
			t.Fatalf("ParseManifest of MarshalManifest's output: %v\n%s", err, b1)
		}
		b2, err := MarshalManifest(m2)
		if err != nil || !bytes.Equal(b1, b2) {
			t.Fatalf("marshal is not a fixed point (%v):\n%s\n---\n%s", err, b1, b2)
		}
		if err := os.WriteFile(name, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := Verify(dir); err != nil {
			return
		}
		for _, s := range m.Splits {
			var rows int64
			for _, sh := range s.Shards {
				rows += sh.Rows
				checkListed(t, dir, sh.Path, sh.Bytes, sh.SHA256)
			}
			if rows != s.Rows {
				t.Fatalf("Verify accepted split %q of %d rows whose shards hold %d", s.Name, s.Rows, rows)
			}
		}
		for _, a := range m.Aggregates {
			checkListed(t, dir, a.Path, a.Bytes, a.SHA256)
		}
	})
}

// checkListed fails unless rel names a regular file inside dir (not the
// manifest) with the given size and sha256.
func checkListed(t *testing.T, dir, rel string, size int64, sum string) {
	t.Helper()
	name := filepath.Join(dir, filepath.FromSlash(rel))
	in, err := filepath.Rel(dir, name)
	if err != nil || in == "." || strings.HasPrefix(in, "..") || in == layout.ManifestName {
		t.Fatalf("Verify accepted a listed path outside the output's files: %q", rel)
	}
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatalf("Verify accepted %q: %v", rel, err)
	}
	h := sha256.Sum256(b)
	if int64(len(b)) != size || hex.EncodeToString(h[:]) != sum {
		t.Fatalf("Verify accepted %q: %d bytes sha256 %x, listed %d %s", rel, len(b), h, size, sum)
	}
}
