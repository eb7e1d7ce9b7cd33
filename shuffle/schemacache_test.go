package shuffle

import (
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Readers of two files with the same schema share its decoded schema and
// the layouts of their encoded segments, and each still reads back every
// slot written.
func TestReadersShareSchemasAndLayouts(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	pathA, cases := writeEncCases(t, mem, CodecNone)
	pathB, _ := writeEncCases(t, mem, CodecZstd)
	a, err := OpenReader(pathA, mem)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := OpenReader(pathB, mem)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if a.Schema() != b.Schema() {
		t.Fatal("the two readers decoded the same schema message into two schemas")
	}
	for p, want := range cases {
		for _, r := range []*Reader{a, b} {
			it, err := r.Partition(p)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := readEncRows(t, r.dataPath, it)
			sameEncRows(t, r.dataPath, got, want)
		}
	}
	if len(a.layouts) == 0 || len(a.layouts) != len(b.layouts) {
		t.Fatalf("%d and %d layouts, want the same number, at least one", len(a.layouts), len(b.layouts))
	}
	for i, l := range b.layouts {
		if l != a.layouts[i] {
			t.Fatalf("layout %d (%d encoded columns) is decoded again for the second file", i, l.encoded)
		}
	}
}

// writeDictFile writes the scan cache's shape (small segments of many
// partitions) with file dictionaries whose values depend on shift, and
// returns each partition's rows.
func writeDictFile(t *testing.T, mem memory.Allocator, path string, shift int) [][][]string {
	t.Helper()
	rng := rand.New(rand.NewPCG(5, uint64(9+shift)))
	const parts = 16
	w, err := NewWriter(path, testSchema(), WriterOptions{Partitions: parts, FlushBytes: 2 << 10}, mem)
	if err != nil {
		t.Fatal(err)
	}
	want := make([][][]string, parts)
	for i := 0; i < 6; i++ {
		n := 500 + 41*i
		batch := genBatch(mem, rng, n, int64(i*10000), shift+i)
		rows := rowStrings(batch)
		part := make([]int32, n)
		for j := range part {
			part[j] = int32(rng.IntN(parts))
			want[part[j]] = append(want[part[j]], rows[j])
		}
		if err := w.WritePartitioned(batch, part); err != nil {
			t.Fatal(err)
		}
		batch.Release()
	}
	if _, err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return want
}

// A layout of id segments refers to its file's dictionary: two files of
// one schema whose dictionaries hold different strings, read in turn,
// each give back their own strings.
func TestFileDictionaryLayoutsStayWithTheirFile(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	dir := t.TempDir()
	wantA := writeDictFile(t, mem, filepath.Join(dir, "a"), 0)
	wantB := writeDictFile(t, mem, filepath.Join(dir, "b"), 50)
	a, err := OpenReader(filepath.Join(dir, "a"), mem)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := OpenReader(filepath.Join(dir, "b"), mem)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if ids, _ := segmentKinds(t, a, filepath.Join(dir, "a")); ids == 0 {
		t.Fatal("no id segments: the test needs file dictionaries")
	}
	for p := range wantA {
		equalRows(t, "a", readAll(t, a, p), wantA[p])
		equalRows(t, "b", readAll(t, b, p), wantB[p])
	}
	for _, la := range a.layouts {
		for _, lb := range b.layouts {
			if la == lb && la.ids {
				t.Fatal("a layout of id segments is shared by two files")
			}
		}
	}
}
