package sink

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

func committedOutput(t *testing.T) string {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	path := filepath.Join(t.TempDir(), "o")
	txn, m := writeOutput(t, mem, path, false, 40)
	if err := txn.Commit(m); err != nil {
		t.Fatal(err)
	}
	if err := Verify(path); err != nil {
		t.Fatalf("Verify of a fresh output: %v", err)
	}
	return path
}

func TestVerifyDetectsFlippedByte(t *testing.T) {
	for _, rel := range []string{"train/part-00000.arrow", "aggregates/stations.parquet"} {
		path := committedOutput(t)
		name := filepath.Join(path, rel)
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		data[len(data)/2] ^= 0x01
		if err := os.WriteFile(name, data, 0o666); err != nil {
			t.Fatal(err)
		}
		err = Verify(path)
		if err == nil || !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), "sha256") {
			t.Errorf("%s: flipped byte: Verify = %v", rel, err)
		}
	}
}

func TestVerifyDetectsSizeAndMissing(t *testing.T) {
	path := committedOutput(t)
	name := filepath.Join(path, "train/part-00000.arrow")
	f, err := os.OpenFile(name, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte{0})
	f.Close()
	if err := Verify(path); err == nil || !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), "bytes") {
		t.Errorf("appended byte: %v", err)
	}
	os.Remove(name)
	if err := Verify(path); err == nil || !strings.Contains(err.Error(), "part-00000.arrow") {
		t.Errorf("missing shard: %v", err)
	}
}

func TestVerifyChecksSplitRows(t *testing.T) {
	path := committedOutput(t)
	m, err := ReadManifest(path)
	if err != nil {
		t.Fatal(err)
	}
	m.Splits[0].Rows++
	data, err := MarshalManifest(m)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(path, "manifest.json"), data, 0o666); err != nil {
		t.Fatal(err)
	}
	if err := Verify(path); err == nil || !strings.Contains(err.Error(), `split "train"`) {
		t.Errorf("split rows: %v", err)
	}
}
