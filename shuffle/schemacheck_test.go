package shuffle

import (
	"bytes"
	"encoding/binary"
	"os"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Every segment the writer makes starts with the index's schema message,
// its id schema's, or one of a few narrowed schemas' that the reader
// remembers, so reading a partition checks it by comparing bytes; a
// segment whose schema message differs is walked, and a damaged one
// (checksums recomputed, as a fuzzer does) fails with an error instead of
// reaching arrow-go.
func TestSegmentSchemaMessageChecked(t *testing.T) {
	for _, c := range []Codec{CodecNone, CodecLZ4, CodecZstd} {
		mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
		path := writeSampleN(t, mem, c, 2, 20)
		r, err := OpenReader(path, mem)
		if err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(path + ".data")
		if err != nil {
			t.Fatal(err)
		}
		if len(r.schemaMsg) < 16 || !bytes.HasPrefix(r.ix.Schema, r.schemaMsg) {
			t.Fatalf("%s: schema message of %d bytes", c, len(r.schemaMsg))
		}
		s := r.ix.Segments[0][0]
		for p, segs := range r.ix.Segments {
			for i, g := range segs {
				seg := data[g.Offset : g.Offset+g.Length]
				_, msg, _, err := r.segmentLayout(seg)
				if err != nil || len(msg) < 16 || !bytes.HasPrefix(seg, msg) {
					t.Errorf("%s: partition %d segment %d: schema message of %d bytes, %v", c, p, i, len(msg), err)
				}
			}
		}
		if len(r.layouts) > 4 {
			t.Errorf("%s: %d narrowed schemas remembered for 4 segments of one schema", c, len(r.layouts))
		}
		r.Close()

		// Damage the first segment's schema message length and reseal
		// the segment's checksum in the index.
		idx, err := os.ReadFile(path + ".index")
		if err != nil {
			t.Fatal(err)
		}
		binary.LittleEndian.PutUint32(data[s.Offset+4:], 0x7fff_fff0)
		entry := headerSize + len(r.ix.Schema) + 4 // partition 0's first segment entry
		binary.LittleEndian.PutUint32(idx[entry+24:], castagnoliSum(data[s.Offset:s.Offset+s.Length]))
		idx = reseal(idx)
		if err := os.WriteFile(path+".index", idx, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path+".data", data, 0o644); err != nil {
			t.Fatal(err)
		}
		r, err = OpenReader(path, mem)
		if err != nil {
			t.Fatal(err)
		}
		err = drain(r, 0)
		if err == nil || !strings.Contains(err.Error(), "schema message: message length 2147483632") {
			t.Errorf("%s: damaged segment schema: %v", c, err)
		}
		r.Close()
		mem.AssertSize(t, 0)
	}
}
