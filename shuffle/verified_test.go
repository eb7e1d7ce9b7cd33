package shuffle

import (
	"errors"
	"os"
	"runtime"
	"testing"
	"time"

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
	time.Sleep(2 * settled) // let the file's change time settle

	r, err := OpenReader(path, mem)
	if err != nil {
		t.Fatal(err)
	}
	if r.id == nil {
		t.Fatal("a settled file has no identity")
	}
	if segmentVerified(r.id, seg.Offset) {
		t.Fatal("segment counted as checked before any read")
	}
	if err := drain(r, 3); err != nil {
		t.Fatal(err)
	}
	if !segmentVerified(r.id, seg.Offset) {
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
