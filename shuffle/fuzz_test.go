package shuffle

import (
	"bytes"
	"encoding/binary"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// FuzzOpenReader mutates index and data bytes and reads every partition:
// it must return errors, never panic, hang or leak. With fix set, the
// index checksum is recomputed after the mutation so that the structural
// checks of the index see the damage. Segment checksums are never
// recomputed: the CRC is what keeps damaged bytes away from arrow-go's IPC
// decoder, which trusts flatbuffer counts and compressed-length prefixes
// (a damaged schema message can make it allocate hundreds of GiB). For the
// same reason fix leaves an index whose schema bytes differ from the
// seed's alone.
func FuzzOpenReader(f *testing.F) {
	for _, seed := range []struct {
		codec   Codec
		firstID int64 // 2^40: segments store ids as frame of reference, with a trailer of bases
	}{{CodecNone, 0}, {CodecLZ4, 0}, {CodecZstd, 0}, {CodecNone, 1 << 40}} {
		path := writeFuzzSeed(f, seed.codec, seed.firstID)
		if ix := readIndex(f, path); ix.Encoded != (seed.firstID != 0) {
			f.Fatalf("seed from id %d: index encoded %v", seed.firstID, ix.Encoded)
		}
		idx, err := os.ReadFile(path + ".index")
		if err != nil {
			f.Fatal(err)
		}
		data, err := os.ReadFile(path + ".data")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(idx, data, false)
		f.Add(idx, data, true)
		f.Add(idx[:len(idx)/2], data, true)
		f.Add(idx, data[:len(data)/2], true)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, idx, data []byte, fix bool) {
		readMutated(t, dir, idx, data, fix)
	})
}

// readMutated writes idx and data as an output and reads all of it; only
// errors are allowed, and no Arrow memory may be left behind.
func readMutated(t *testing.T, dir string, idx, data []byte, fix bool) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	if fix {
		idx = fixChecksums(idx)
	}
	path := filepath.Join(dir, "m")
	if err := os.WriteFile(path+".index", idx, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path+".data", data, 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := OpenReader(path, mem)
	if err != nil {
		return
	}
	defer r.Close()
	for p := 0; p < r.NumPartitions() && p < 64; p++ {
		drain(r, p)
	}
}

// TestMutatedOutputs is a deterministic run of the fuzz body: random byte
// flips, truncations and overwrites of index and data, with and without
// recomputed checksums.
func TestMutatedOutputs(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 21))
	dir := t.TempDir()
	for _, c := range []Codec{CodecNone, CodecLZ4, CodecZstd} {
		mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
		path := writeSampleN(t, mem, c, 2, 20)
		mem.AssertSize(t, 0)
		idx0, err := os.ReadFile(path + ".index")
		if err != nil {
			t.Fatal(err)
		}
		data0, err := os.ReadFile(path + ".data")
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 150; i++ {
			idx, data := append([]byte(nil), idx0...), append([]byte(nil), data0...)
			target := &data
			if i%3 == 0 {
				target = &idx
			}
			mutate(rng, target)
			readMutated(t, dir, idx, data, i%2 == 0)
		}
	}
}

func mutate(rng *rand.Rand, b *[]byte) {
	if len(*b) == 0 {
		return
	}
	switch rng.IntN(4) {
	case 0: // flip bits
		for k := 0; k < 1+rng.IntN(4); k++ {
			(*b)[rng.IntN(len(*b))] ^= byte(1 << rng.IntN(8))
		}
	case 1: // truncate
		*b = (*b)[:rng.IntN(len(*b))]
	case 2: // overwrite 8 bytes with an extreme value
		pos := rng.IntN(len(*b))
		for k := 0; k < 8 && pos+k < len(*b); k++ {
			(*b)[pos+k] = 0xff
		}
		if rng.IntN(2) == 0 && pos+4 < len(*b) {
			(*b)[pos+3] = 0x7f
		}
	default: // zero a run
		pos := rng.IntN(len(*b))
		for k := 0; k < 16 && pos+k < len(*b); k++ {
			(*b)[pos+k] = 0
		}
	}
}

// writeFuzzSeed writes a small output with two partitions.
func writeFuzzSeed(f *testing.F, c Codec, firstID int64) string {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	path := writeSampleFrom(f, mem, c, 2, 20, firstID)
	mem.AssertSize(f, 0)
	return path
}

// fixChecksums reseals idx when its schema bytes are the seed schema.
func fixChecksums(idx []byte) []byte {
	if len(idx) < headerSize+4 {
		return idx
	}
	n := int(binary.LittleEndian.Uint32(idx[28:]))
	if n != len(seedSchema) || headerSize+n > len(idx)-4 || !bytes.Equal(idx[headerSize:headerSize+n], seedSchema) {
		return idx
	}
	return reseal(append([]byte(nil), idx...))
}

// seedSchema is the encoded schema of every seed output.
var seedSchema = func() []byte {
	var b bytes.Buffer
	w := ipc.NewWriter(&b, ipc.WithSchema(testSchema()))
	if err := w.Close(); err != nil {
		panic(err)
	}
	return b.Bytes()
}()
