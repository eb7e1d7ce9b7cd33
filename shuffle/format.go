package shuffle

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
)

// Index file format, version 1. All integers are little-endian.
//
//	offset  size  field
//	0       8     magic "SLSHIDX1"
//	8       4     version (uint32) = 1
//	12      4     codec (uint32): 0 none, 1 lz4 (LZ4 frame), 2 zstd
//	16      4     partitions (uint32), P >= 1
//	20      8     data file length in bytes (uint64)
//	28      4     schema length S (uint32)
//	32      S     schema: an Arrow IPC stream holding only the schema
//	              message and the end-of-stream marker
//	then, for each partition p = 0 .. P-1:
//	        4     segment count N_p (uint32)
//	        then, for each segment, 28 bytes:
//	        8     offset in the data file (uint64)
//	        8     length in bytes (uint64)
//	        8     rows (uint64)
//	        4     CRC-32C (Castagnoli) of the segment's bytes (uint32)
//	last    4     CRC-32C of every preceding byte of the index (uint32)
//
// The data file is the segments back to back, in the order they were
// written (partitions interleave); it has no header. Each segment is a
// complete Arrow IPC stream (schema message, dictionary and record batch
// messages, EOS) whose record batch bodies are compressed with the codec.
// Segments of one partition are listed in write order; their rows, in
// order, are the partition's rows.
const (
	indexMagic   = "SLSHIDX1"
	indexVersion = 1
	headerSize   = 32
	segEntrySize = 28
)

// castagnoli is the CRC-32C table used for segments and the index.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ErrChecksum is wrapped by every checksum mismatch error.
var ErrChecksum = errors.New("checksum mismatch")

// segment is one index entry.
type segment struct {
	Offset, Length, Rows int64
	CRC                  uint32
}

// index is the decoded index file.
type index struct {
	Codec    Codec
	DataLen  int64
	Schema   []byte
	Segments [][]segment // per partition
}

// marshal encodes ix in the version 1 format.
func (ix *index) marshal() ([]byte, error) {
	code, err := ix.Codec.code()
	if err != nil {
		return nil, err
	}
	n := headerSize + len(ix.Schema) + 4
	for _, segs := range ix.Segments {
		n += 4 + segEntrySize*len(segs)
	}
	b := make([]byte, 0, n)
	b = append(b, indexMagic...)
	b = binary.LittleEndian.AppendUint32(b, indexVersion)
	b = binary.LittleEndian.AppendUint32(b, code)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(ix.Segments)))
	b = binary.LittleEndian.AppendUint64(b, uint64(ix.DataLen))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(ix.Schema)))
	b = append(b, ix.Schema...)
	for _, segs := range ix.Segments {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(segs)))
		for _, s := range segs {
			b = binary.LittleEndian.AppendUint64(b, uint64(s.Offset))
			b = binary.LittleEndian.AppendUint64(b, uint64(s.Length))
			b = binary.LittleEndian.AppendUint64(b, uint64(s.Rows))
			b = binary.LittleEndian.AppendUint32(b, s.CRC)
		}
	}
	b = binary.LittleEndian.AppendUint32(b, castagnoliSum(b))
	return b, nil
}

// unmarshalIndex decodes and validates an index. dataSize is the actual
// size of the data file. Errors do not name the file; the caller adds it.
func unmarshalIndex(b []byte, dataSize int64) (*index, error) {
	if len(b) < headerSize+4 {
		return nil, fmt.Errorf("truncated index: %d bytes, at least %d needed", len(b), headerSize+4)
	}
	if string(b[:8]) != indexMagic {
		return nil, fmt.Errorf("bad magic %q (want %q): not a shuffle index", b[:8], indexMagic)
	}
	body := b[:len(b)-4]
	want := binary.LittleEndian.Uint32(b[len(b)-4:])
	if got := castagnoliSum(body); got != want {
		return nil, fmt.Errorf("index %w (stored %08x, computed %08x): truncated or corrupt", ErrChecksum, want, got)
	}
	if v := binary.LittleEndian.Uint32(b[8:]); v != indexVersion {
		return nil, fmt.Errorf("unsupported index version %d (this reader reads version %d)", v, indexVersion)
	}
	codec, err := codecFromCode(binary.LittleEndian.Uint32(b[12:]))
	if err != nil {
		return nil, err
	}
	parts := int64(binary.LittleEndian.Uint32(b[16:]))
	dataLen := binary.LittleEndian.Uint64(b[20:])
	schemaLen := int64(binary.LittleEndian.Uint32(b[28:]))
	if parts < 1 {
		return nil, errors.New("index has 0 partitions (at least 1 required)")
	}
	if dataLen != uint64(dataSize) {
		return nil, fmt.Errorf("data file is %d bytes, index says %d: truncated or wrong data file", dataSize, dataLen)
	}
	rest := body[headerSize:]
	if schemaLen > int64(len(rest)) {
		return nil, fmt.Errorf("schema length %d exceeds the index size", schemaLen)
	}
	ix := &index{Codec: codec, DataLen: int64(dataLen), Schema: rest[:schemaLen]}
	rest = rest[schemaLen:]
	if parts*4 > int64(len(rest)) {
		return nil, fmt.Errorf("index too short for %d partitions", parts)
	}
	ix.Segments = make([][]segment, parts)
	for p := range ix.Segments {
		if len(rest) < 4 {
			return nil, fmt.Errorf("index truncated at partition %d", p)
		}
		n := int64(binary.LittleEndian.Uint32(rest))
		rest = rest[4:]
		if n*segEntrySize > int64(len(rest)) {
			return nil, fmt.Errorf("partition %d: %d segments exceed the index size", p, n)
		}
		segs := make([]segment, n)
		for i := range segs {
			off := binary.LittleEndian.Uint64(rest)
			length := binary.LittleEndian.Uint64(rest[8:])
			rows := binary.LittleEndian.Uint64(rest[16:])
			crc := binary.LittleEndian.Uint32(rest[24:])
			rest = rest[segEntrySize:]
			if off > dataLen || length > dataLen-off || length == 0 {
				return nil, fmt.Errorf("partition %d segment %d: bytes [%d, +%d) outside the data file (%d bytes)", p, i, off, length, dataLen)
			}
			if rows > 1<<53 {
				return nil, fmt.Errorf("partition %d segment %d: implausible row count %d", p, i, rows)
			}
			segs[i] = segment{Offset: int64(off), Length: int64(length), Rows: int64(rows), CRC: crc}
		}
		ix.Segments[p] = segs
	}
	if len(rest) != 0 {
		return nil, fmt.Errorf("%d unexpected bytes after the last partition", len(rest))
	}
	return ix, nil
}

// castagnoliSum is the CRC-32C of b.
func castagnoliSum(b []byte) uint32 { return crc32.Checksum(b, castagnoli) }
