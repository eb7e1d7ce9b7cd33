package sink

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/sink/layout"
	"github.com/sluice-ml/sluice/sink/shard"
)

// writeOutput begins a Txn at path, writes one shard and one aggregate
// table, and returns the txn and a manifest listing them.
func writeOutput(t *testing.T, mem memory.Allocator, path string, overwrite bool, rows int) (*Txn, *Manifest) {
	t.Helper()
	txn, err := Begin(path, overwrite)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(txn.Dir()) != filepath.Dir(filepath.Clean(path)) || !strings.HasPrefix(filepath.Base(txn.Dir()), filepath.Base(path)+".tmp-") {
		t.Fatalf("temp dir %s is not a sibling <path>.tmp-*", txn.Dir())
	}
	m := sampleManifest()
	w, err := shard.NewWriterIn(txn.Dir(), layout.ShardPath("train", 0, "arrow"), "arrow", "lz4", testSchema(), mem)
	if err != nil {
		t.Fatal(err)
	}
	rec, _ := makeBatch(t, mem, 0, rows)
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	info, err := w.Close()
	if err != nil {
		t.Fatal(err)
	}
	agg, err := WriteTable(txn, layout.AggregatePath("stations", "parquet"), "parquet", "zstd", rec, mem)
	rec.Release()
	if err != nil {
		t.Fatal(err)
	}
	m.Splits = []Split{{Name: "train", Ratio: 1, Rows: info.Rows, Shards: []shard.Info{info}}}
	m.Aggregates = []AggregateTable{{Name: "stations", Path: agg.Path, Rows: agg.Rows, Bytes: agg.Bytes, SHA256: agg.SHA256, By: []string{"id"}, Columns: []string{"f"}}}
	return txn, m
}

// entries lists the names in dir.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

func forEachRenameMode(t *testing.T, f func(t *testing.T)) {
	for _, fallback := range []bool{false, true} {
		name := "renameat2"
		if fallback {
			name = "fallback"
		}
		t.Run(name, func(t *testing.T) {
			disableRenameat2 = fallback
			defer func() { disableRenameat2 = false }()
			f(t)
		})
	}
}

func TestTxnCommit(t *testing.T) {
	forEachRenameMode(t, func(t *testing.T) {
		mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
		defer mem.AssertSize(t, 0)
		root := t.TempDir()
		path := filepath.Join(root, "out", "citibike") // parent "out" does not exist yet
		txn, m := writeOutput(t, mem, path, false, 20)
		defer txn.Abort()
		// At the last moment before the rename: manifest written, nothing at path.
		txn.beforeRename = func() error {
			if _, err := os.Stat(filepath.Join(txn.Dir(), "manifest.json")); err != nil {
				t.Errorf("manifest not written before the rename: %v", err)
			}
			if _, err := os.Stat(filepath.Join(txn.Dir(), "manifest.json.tmp")); !os.IsNotExist(err) {
				t.Errorf("manifest temp file left: %v", err)
			}
			if _, err := os.Stat(path); !os.IsNotExist(err) {
				t.Errorf("output path exists before the rename: %v", err)
			}
			return nil
		}
		if _, err := os.Stat(filepath.Join(txn.Dir(), "manifest.json")); !os.IsNotExist(err) {
			t.Fatal("manifest exists before Commit")
		}
		if err := txn.Commit(m); err != nil {
			t.Fatal(err)
		}
		if got := entries(t, filepath.Join(root, "out")); len(got) != 1 || got[0] != "citibike" {
			t.Errorf("out/ holds %v, want only citibike", got)
		}
		if err := Verify(path); err != nil {
			t.Errorf("Verify after commit: %v", err)
		}
		back, err := ReadManifest(path)
		if err != nil {
			t.Fatal(err)
		}
		if back.Splits[0].Shards[0] != m.Splits[0].Shards[0] {
			t.Errorf("manifest shard = %+v", back.Splits[0].Shards[0])
		}
		if err := txn.Abort(); err != nil {
			t.Errorf("Abort after Commit: %v", err)
		}
		if _, err := os.Stat(path); err != nil {
			t.Errorf("Abort after Commit removed the output: %v", err)
		}
		if err := txn.Commit(m); err == nil {
			t.Error("second Commit succeeded")
		}

		// The output now exists: refused without overwrite, with the message users see.
		_, err = Begin(path, false)
		want := "output.path: " + path + " already exists; pass --set output.overwrite=true to replace it"
		if err == nil || err.Error() != want {
			t.Errorf("Begin on existing path: %v\nwant %s", err, want)
		}
	})
}

func TestTxnOverwrite(t *testing.T) {
	forEachRenameMode(t, func(t *testing.T) {
		mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
		defer mem.AssertSize(t, 0)
		root := t.TempDir()
		path := filepath.Join(root, "citibike")
		txn, m := writeOutput(t, mem, path, false, 5)
		if err := txn.Commit(m); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(path, "stale.txt"), []byte("old"), 0o666); err != nil {
			t.Fatal(err)
		}
		txn2, m2 := writeOutput(t, mem, path, true, 9)
		if err := txn2.Commit(m2); err != nil {
			t.Fatal(err)
		}
		back, err := ReadManifest(path)
		if err != nil {
			t.Fatal(err)
		}
		if back.Splits[0].Rows != 9 {
			t.Errorf("rows after overwrite = %d, want 9", back.Splits[0].Rows)
		}
		if _, err := os.Stat(filepath.Join(path, "stale.txt")); !os.IsNotExist(err) {
			t.Errorf("old output's file survived the overwrite: %v", err)
		}
		if got := entries(t, root); len(got) != 1 || got[0] != "citibike" {
			t.Errorf("root holds %v, want only citibike (old output and temp dir removed)", got)
		}
		if err := Verify(path); err != nil {
			t.Error(err)
		}
	})
}

func TestTxnOverwriteRefusesForeignDir(t *testing.T) {
	root := t.TempDir()
	path := filepath.Join(root, "home")
	if err := os.MkdirAll(path, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(path, "notes.txt"), nil, 0o666); err != nil {
		t.Fatal(err)
	}
	if _, err := Begin(path, true); err == nil || !strings.Contains(err.Error(), "not a sluice output") {
		t.Errorf("overwrite of a non-output dir: %v", err)
	}
	file := filepath.Join(root, "file")
	if err := os.WriteFile(file, nil, 0o666); err != nil {
		t.Fatal(err)
	}
	if _, err := Begin(file, true); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("overwrite of a file: %v", err)
	}
	// An empty directory may be replaced.
	empty := filepath.Join(root, "empty")
	if err := os.Mkdir(empty, 0o777); err != nil {
		t.Fatal(err)
	}
	txn, err := Begin(empty, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := txn.Commit(sampleManifest()); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadManifest(empty); err != nil {
		t.Error(err)
	}
}

func TestTxnFailureBeforeRename(t *testing.T) {
	forEachRenameMode(t, func(t *testing.T) {
		mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
		defer mem.AssertSize(t, 0)
		root := t.TempDir()
		path := filepath.Join(root, "citibike")
		txn, m := writeOutput(t, mem, path, false, 5)
		injected := errors.New("injected crash")
		txn.beforeRename = func() error { return injected }
		if err := txn.Commit(m); !errors.Is(err, injected) {
			t.Fatalf("Commit = %v, want the injected error", err)
		}
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Errorf("output path exists after a failed commit: %v", err)
		}
		if err := txn.Abort(); err != nil {
			t.Fatal(err)
		}
		if got := entries(t, root); len(got) != 0 {
			t.Errorf("after Abort the parent holds %v, want nothing", got)
		}

		// Failing while overwriting leaves the old output intact.
		txn, m = writeOutput(t, mem, path, false, 5)
		if err := txn.Commit(m); err != nil {
			t.Fatal(err)
		}
		txn2, m2 := writeOutput(t, mem, path, true, 7)
		txn2.beforeRename = func() error { return injected }
		if err := txn2.Commit(m2); !errors.Is(err, injected) {
			t.Fatalf("Commit = %v", err)
		}
		if err := txn2.Abort(); err != nil {
			t.Fatal(err)
		}
		if back, err := ReadManifest(path); err != nil || back.Splits[0].Rows != 5 {
			t.Errorf("old output not intact: %v", err)
		}
		if got := entries(t, root); len(got) != 1 {
			t.Errorf("parent holds %v", got)
		}
	})
}

func TestTxnAbort(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	root := t.TempDir()
	txn, _ := writeOutput(t, mem, filepath.Join(root, "o"), false, 3)
	if err := txn.Abort(); err != nil {
		t.Fatal(err)
	}
	if got := entries(t, root); len(got) != 0 {
		t.Errorf("after Abort the parent holds %v", got)
	}
	if err := txn.Abort(); err != nil {
		t.Errorf("second Abort: %v", err)
	}
	if err := txn.Commit(sampleManifest()); err == nil {
		t.Error("Commit after Abort succeeded")
	}
	if _, err := WriteTable(txn, "aggregates/x.arrow", "arrow", "none", nil, mem); err == nil {
		t.Error("WriteTable after Abort succeeded")
	}
}

func TestCommitChecksListedFiles(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	root := t.TempDir()
	path := filepath.Join(root, "o")
	txn, m := writeOutput(t, mem, path, false, 3)
	defer txn.Abort()
	m.Splits[0].Shards[0].Bytes++
	if err := txn.Commit(m); err == nil || !strings.Contains(err.Error(), "train/part-00000.arrow") {
		t.Errorf("wrong size: %v", err)
	}
	m.Splits[0].Shards[0].Bytes--
	m.Aggregates[0].Path = "aggregates/missing.parquet"
	if err := txn.Commit(m); err == nil || !strings.Contains(err.Error(), "missing.parquet") {
		t.Errorf("missing file: %v", err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Error("a refused commit created the output")
	}
}

func TestCommitRefusesPathThatAppeared(t *testing.T) {
	forEachRenameMode(t, func(t *testing.T) {
		mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
		defer mem.AssertSize(t, 0)
		path := filepath.Join(t.TempDir(), "o")
		txn, m := writeOutput(t, mem, path, false, 3)
		defer txn.Abort()
		if err := os.Mkdir(path, 0o777); err != nil { // empty: a plain rename would replace it silently
			t.Fatal(err)
		}
		if err := txn.Commit(m); err == nil || !strings.Contains(err.Error(), "appeared") {
			t.Errorf("Commit onto a path that appeared: %v", err)
		}
	})
}

// A shard writer still running at commit (an attempt cut off from the
// driver whose task ran elsewhere) leaves nothing in the committed output,
// neither then nor when it finishes.
func TestTxnCommitDropsUnfinishedShards(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	path := filepath.Join(t.TempDir(), "out")
	txn, m := writeOutput(t, mem, path, false, 20)
	defer txn.Abort()
	late, err := shard.NewWriterIn(txn.Dir(), "train/part-00000.arrow.late", "arrow", "none", testSchema(), mem)
	if err != nil {
		t.Fatal(err)
	}
	rec, _ := makeBatch(t, mem, 0, 4)
	defer rec.Release()
	if err := late.Write(rec); err != nil {
		t.Fatal(err)
	}
	before := entries(t, filepath.Join(txn.Dir(), "train"))
	if err := txn.Commit(m); err != nil {
		t.Fatal(err)
	}
	if err := Verify(path); err != nil {
		t.Errorf("Verify after commit: %v", err)
	}
	after := entries(t, filepath.Join(path, "train"))
	if len(after) != len(before)-1 {
		t.Errorf("train/ held %v before the commit, %v after; want the unfinished file gone", before, after)
	}
	if _, err := late.Close(); err == nil {
		t.Error("the late writer's Close succeeded after the commit")
	}
	if got := entries(t, filepath.Join(path, "train")); len(got) != len(after) {
		t.Errorf("the late writer added to the committed output: %v", got)
	}
}
