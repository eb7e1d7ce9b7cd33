package shuffle

import (
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

// A layout of id segments refers to its file's dictionary: two files of
// one schema whose dictionaries hold different strings, read in turn,
// each give back their own strings.
func TestFileDictionaryLayoutsStayWithTheirFile(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	dir := t.TempDir()
	wantA := writeManyShifted(t, mem, filepath.Join(dir, "a"), CodecNone, 0, 0)
	wantB := writeManyShifted(t, mem, filepath.Join(dir, "b"), CodecNone, 0, 50)
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
