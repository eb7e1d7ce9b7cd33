package stagecache

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-ml/sluice/input/citibike"
)

// oracle is the fingerprint worked out from the whole file's bytes: the
// size, then the covered bytes.
func oracle(size int, covered []byte) string {
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(size))
	s := sha256.Sum256(append(n[:], covered...))
	return "sha256:" + hex.EncodeToString(s[:])
}

func TestFingerprintParquetFooter(t *testing.T) {
	dir := t.TempDir()
	if err := citibike.Write(dir, 3000, 1, 1); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.parquet"))
	if len(files) != 1 {
		t.Fatalf("files %v", files)
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	// Parquet ends with the footer, its 4-byte length and "PAR1".
	flen := int(binary.LittleEndian.Uint32(data[len(data)-8:]))
	if string(data[len(data)-4:]) != "PAR1" || flen <= 0 || flen > len(data) {
		t.Fatalf("not a Parquet file: %q", data[len(data)-4:])
	}
	want := oracle(len(data), data[len(data)-8-flen:])
	got, stamp, err := Fingerprint(context.Background(), files[0], "parquet")
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("fingerprint %s, want %s", got, want)
	}
	// A new modification time keeps the content fingerprint and changes
	// the stamp (the cache misses, the manifest's fingerprint stays).
	later := time.Now().Add(time.Hour)
	os.Chtimes(files[0], later, later)
	got2, stamp2, err := Fingerprint(context.Background(), files[0], "parquet")
	if err != nil || got2 != got || stamp2 == stamp || !strings.Contains(stamp2, got) {
		t.Fatalf("after touching: %s %s (was %s %s), %v", got2, stamp2, got, stamp, err)
	}
}

func TestFingerprintOtherFormats(t *testing.T) {
	dir := t.TempDir()
	// A CSV of 3 MiB: the first and the last MiB are covered.
	big := bytes.Repeat([]byte("a,b,c\n1,2,3\n"), 3<<20/12)
	p := filepath.Join(dir, "big.csv")
	os.WriteFile(p, big, 0o644)
	got, _, err := Fingerprint(context.Background(), p, "csv")
	if err != nil {
		t.Fatal(err)
	}
	if want := oracle(len(big), append(append([]byte{}, big[:1<<20]...), big[len(big)-1<<20:]...)); got != want {
		t.Fatalf("big CSV: %s, want %s", got, want)
	}
	// A small file is covered whole; one changed byte changes it.
	small := []byte("x,y\n1,2\n")
	q := filepath.Join(dir, "small.csv")
	os.WriteFile(q, small, 0o644)
	a, _, _ := Fingerprint(context.Background(), q, "csv")
	if a != oracle(len(small), small) {
		t.Fatalf("small CSV: %s, want %s", a, oracle(len(small), small))
	}
	os.WriteFile(q, []byte("x,y\n1,3\n"), 0o644)
	if b, _, _ := Fingerprint(context.Background(), q, "csv"); b == a {
		t.Fatal("a changed byte kept the fingerprint")
	}
	// A file named parquet that is not one is fingerprinted by its ends.
	if c, _, err := Fingerprint(context.Background(), q, "parquet"); err != nil || c != oracle(8, []byte("x,y\n1,3\n")) {
		t.Fatalf("not-Parquet: %s, %v", c, err)
	}
	if _, _, err := Fingerprint(context.Background(), filepath.Join(dir, "none"), "csv"); err == nil || !strings.Contains(err.Error(), "none") {
		t.Fatalf("missing file: %v", err)
	}
}

func TestFingerprintArrowFooter(t *testing.T) {
	mem := memory.NewGoAllocator()
	schema := arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int64}}, nil)
	p := filepath.Join(t.TempDir(), "a.arrow")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	w, err := ipc.NewFileWriter(f, ipc.WithSchema(schema), ipc.WithAllocator(mem))
	if err != nil {
		t.Fatal(err)
	}
	b := array.NewInt64Builder(mem)
	for i := int64(0); i < 1000; i++ {
		b.Append(i * 7)
	}
	col := b.NewArray()
	rec := array.NewRecordBatch(schema, []arrow.Array{col}, 1000)
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	w.Close()
	f.Close()
	data, _ := os.ReadFile(p)
	// An Arrow IPC file ends with the footer, its 4-byte length and
	// "ARROW1".
	if string(data[len(data)-6:]) != "ARROW1" {
		t.Fatalf("not an Arrow file: %q", data[len(data)-6:])
	}
	n := int(binary.LittleEndian.Uint32(data[len(data)-10:]))
	got, _, err := Fingerprint(context.Background(), p, "arrow")
	if err != nil {
		t.Fatal(err)
	}
	if want := oracle(len(data), data[len(data)-10-n:]); got != want {
		t.Fatalf("fingerprint %s, want %s", got, want)
	}
}
