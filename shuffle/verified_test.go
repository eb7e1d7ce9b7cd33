package shuffle

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestVerifiedOnceUntilRewritten checks that a settled, uncompressed cache
// file's segments are checked by the first Reader only, and that a byte
// changed afterwards in place (same inode, same size) is still caught:
// the rewrite gives the file a new identity.
func TestVerifiedOnceUntilRewritten(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("file identities are only taken on Linux; elsewhere every read checks (covered by TestCorruptDataByte)")
	}
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	path := writeSample(t, mem, CodecNone)
	ix := readIndex(t, path)
	seg := ix.Segments[3][1]
	r := openSettled(t, path, mem)
	if segmentVerified(r.id, seg.Offset) != 0 {
		t.Fatal("segment counted as checked before any read")
	}
	if err := drain(r, 3); err != nil {
		t.Fatal(err)
	}
	if segmentVerified(r.id, seg.Offset)&checkedCRC == 0 {
		t.Fatal("segment not recorded as checked after a read")
	}
	r.Close()

	f, err := os.OpenFile(path+".data", os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 1)
	if _, err := f.ReadAt(b, seg.Offset+seg.Length/2); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0x40
	if _, err := f.WriteAt(b, seg.Offset+seg.Length/2); err != nil {
		t.Fatal(err)
	}
	f.Close()
	for _, wait := range []time.Duration{0, 2 * settled} { // fresh, then settled
		time.Sleep(wait)
		r, err := OpenReader(path, mem)
		if err != nil {
			t.Fatal(err)
		}
		err = drain(r, 3)
		r.Close()
		if !errors.Is(err, ErrChecksum) {
			t.Fatalf("after %v: read of a segment changed after its check gave %v, want a checksum mismatch", wait, err)
		}
	}
}

// TestIDsCheckedOnce checks that a segment's file dictionary ids are
// range-checked by the first read that gets through all of its batches,
// and not again by later reads of the same file version: a reader whose
// file dictionary is cut to one value (so that most ids fall outside it)
// still fails on a partition never read whole, and reads a partition
// read whole before without a check.
func TestIDsCheckedOnce(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("file identities are only taken on Linux; elsewhere every read checks")
	}
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	path := filepath.Join(t.TempDir(), "m")
	writeMany(t, mem, path, CodecNone, 0)
	ix := readIndex(t, path)
	const whole, partial, unread = 5, 6, 7
	for _, p := range []int{whole, partial, unread} {
		if len(ix.Segments[p]) == 0 {
			t.Fatalf("partition %d has no segments", p)
		}
	}
	r := openSettled(t, path, mem)
	if err := drain(r, whole); err != nil {
		t.Fatal(err)
	}
	it, err := r.Partition(partial)
	if err != nil {
		t.Fatal(err)
	}
	if b, err := it.Next(); err != nil || b == nil {
		t.Fatalf("first batch of partition %d: %v, %v", partial, b, err)
	}
	it.Close()
	for p, want := range map[int]segmentChecks{whole: checkedCRC | checkedIDs, partial: checkedCRC, unread: 0} {
		if got := segmentVerified(r.id, ix.Segments[p][0].Offset); got != want {
			t.Errorf("partition %d's first segment: checks %b, want %b", p, got, want)
		}
	}
	r.Close()

	r, err = OpenReader(path, mem)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	full := r.dicts[4]
	r.dicts[4] = array.NewSliceData(full, 0, 1).(*array.Data)
	full.Release()
	if err := drain(r, whole); err != nil {
		t.Fatalf("partition %d, its ids checked before: %v", whole, err)
	}
	for _, p := range []int{partial, unread} {
		if err := drain(r, p); err == nil || !strings.Contains(err.Error(), "outside [0, 1)") {
			t.Errorf("partition %d, its ids never checked whole, against a one-value dictionary: %v", p, err)
		}
	}
}

// openSettled waits until the file's change time has settled and opens a
// Reader, which then has the file's identity.
func openSettled(t *testing.T, path string, mem memory.Allocator) *Reader {
	t.Helper()
	time.Sleep(2 * settled)
	r, err := OpenReader(path, mem)
	if err != nil {
		t.Fatal(err)
	}
	if r.id == nil {
		t.Fatal("a settled file has no identity")
	}
	return r
}
