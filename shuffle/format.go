package shuffle

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
)

// Index file format, versions 1 to 6. All integers are little-endian.
//
//	offset  size  field
//	0       8     magic "SLSHIDX1"
//	8       4     version (uint32): 1, or 2 with file dictionaries; 3
//	              and 4 are 1 and 2 with narrowed segments (below); 5
//	              and 6 are 3 and 4 whose segments may also encode
//	              integers (encode.go)
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
//	versions 2, 4 and 6 only, then:
//	        4     file dictionary count D (uint32), D >= 1
//	        then, for each file dictionary, 32 bytes:
//	        4     column (uint32), ascending
//	        28    its segment, as above (rows: the dictionary's values)
//	        4     id schema length I (uint32)
//	        I     id schema: an Arrow IPC stream holding only the schema
//	              of id segments (below)
//	last    4     CRC-32C of every preceding byte of the index (uint32)
//
// The data file is the segments back to back, in the order they were
// written (partitions interleave); it has no header. Each segment is a
// complete Arrow IPC stream (schema message, dictionary and record batch
// messages, EOS) whose record batch bodies are compressed with the codec.
// Segments of one partition are listed in write order; their rows, in
// order, are the partition's rows.
//
// File dictionaries (version 2): a dictionary column of strings with
// int32 indices may be numbered once for the whole file. Its values are
// then a segment of their own (an IPC stream of one utf8 column named
// "values", no nulls), and a partition's segment may be an id segment:
// its schema is the id schema, the file schema with each such column
// turned into int32 ids into the column's file dictionary (a null row's
// id is 0). Other segments carry their own dictionaries. A segment is an
// id segment when its schema has integers where the file schema has its
// string dictionary columns (unless narrowed, it begins with the id
// schema's message).
//
// Narrowed segments (versions 3 to 6): a segment's schema may store a
// signed integer column of the file schema (int16, int32 or int64), and
// an id segment's ids, as a narrower signed integer type (int8, int16 or
// int32) that holds every value of the segment; names, nullability and
// metadata stay the file schema's, except that in versions 5 and 6 the
// metadata of a column stored as frame of reference or delta also names
// its encoding and base (encode.go). Readers widen them back.
const (
	indexMagic    = "SLSHIDX1"
	indexVersion  = 1
	indexVersion2 = 2
	// versionNarrow is added to version 1 or 2 when segments may be
	// narrowed, versionEncoded when they may also encode integers.
	versionNarrow  = 2
	versionEncoded = 4
	headerSize     = 32
	segEntrySize   = 28
	dictEntrySize  = 4 + segEntrySize
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
	// Version 2: the file dictionaries, by ascending column, and the id
	// schema (both empty in version 1).
	Dicts    []fileDictEntry
	IDSchema []byte
	// Narrow: segments may store integer columns narrower (versions 3
	// to 6); Encoded: as frame of reference or delta too (5 and 6).
	Narrow, Encoded bool
}

// fileDictEntry is one file dictionary: column Col's values in Seg.
type fileDictEntry struct {
	Col int
	Seg segment
}

// marshal encodes ix: version 1, 2 with file dictionaries, plus 2 when
// segments may be narrowed, plus 4 when they may be encoded.
func (ix *index) marshal() ([]byte, error) {
	code, err := ix.Codec.code()
	if err != nil {
		return nil, err
	}
	n := headerSize + len(ix.Schema) + 4
	for _, segs := range ix.Segments {
		n += 4 + segEntrySize*len(segs)
	}
	version := uint32(indexVersion)
	if len(ix.Dicts) > 0 {
		version = indexVersion2
		n += 8 + dictEntrySize*len(ix.Dicts) + len(ix.IDSchema)
	}
	hasDicts := version == indexVersion2
	switch {
	case ix.Encoded:
		version += versionEncoded
	case ix.Narrow:
		version += versionNarrow
	}
	b := make([]byte, 0, n)
	b = append(b, indexMagic...)
	b = binary.LittleEndian.AppendUint32(b, version)
	b = binary.LittleEndian.AppendUint32(b, code)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(ix.Segments)))
	b = binary.LittleEndian.AppendUint64(b, uint64(ix.DataLen))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(ix.Schema)))
	b = append(b, ix.Schema...)
	for _, segs := range ix.Segments {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(segs)))
		for _, s := range segs {
			b = appendSegment(b, s)
		}
	}
	if hasDicts {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(ix.Dicts)))
		for _, d := range ix.Dicts {
			b = binary.LittleEndian.AppendUint32(b, uint32(d.Col))
			b = appendSegment(b, d.Seg)
		}
		b = binary.LittleEndian.AppendUint32(b, uint32(len(ix.IDSchema)))
		b = append(b, ix.IDSchema...)
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
	version := binary.LittleEndian.Uint32(b[8:])
	if version < indexVersion || version > indexVersion2+versionEncoded {
		return nil, fmt.Errorf("unsupported index version %d (this reader reads versions %d to %d)", version, indexVersion, indexVersion2+versionEncoded)
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
	// The schema bytes are copied, so that the index file's bytes are
	// garbage once decoded (a task may hold hundreds of readers).
	ix := &index{Codec: codec, DataLen: int64(dataLen), Schema: bytes.Clone(rest[:schemaLen]), Narrow: version > indexVersion2,
		Encoded: version > indexVersion2+versionNarrow}
	rest = rest[schemaLen:]
	if parts*4 > int64(len(rest)) {
		return nil, fmt.Errorf("index too short for %d partitions", parts)
	}
	ix.Segments = make([][]segment, parts)
	// Every partition's entries lie in one array (at most what the index
	// bytes can hold): a shard-write task holds the indexes of hundreds of
	// caches of a thousand partitions each, and a slice per partition was
	// that many more objects for the garbage collector to mark.
	slab := make([]segment, 0, int64(len(rest))/segEntrySize)
	for p := range ix.Segments {
		if len(rest) < 4 {
			return nil, fmt.Errorf("index truncated at partition %d", p)
		}
		n := int64(binary.LittleEndian.Uint32(rest))
		rest = rest[4:]
		if n*segEntrySize > int64(len(rest)) {
			return nil, fmt.Errorf("partition %d: %d segments exceed the index size", p, n)
		}
		start := len(slab)
		for i := range n {
			s, err := parseSegment(rest, dataLen)
			if err != nil {
				return nil, fmt.Errorf("partition %d segment %d: %w", p, i, err)
			}
			rest = rest[segEntrySize:]
			slab = append(slab, s)
		}
		ix.Segments[p] = slab[start:len(slab):len(slab)]
	}
	if version%2 == 0 { // 2, 4, 6: file dictionaries
		var err error
		if rest, err = ix.unmarshalDicts(rest, dataLen); err != nil {
			return nil, err
		}
	}
	if len(rest) != 0 {
		return nil, fmt.Errorf("%d unexpected bytes after the last partition", len(rest))
	}
	return ix, nil
}

// castagnoliSum is the CRC-32C of b.
func castagnoliSum(b []byte) uint32 { return crc32.Checksum(b, castagnoli) }

func appendSegment(b []byte, s segment) []byte {
	b = binary.LittleEndian.AppendUint64(b, uint64(s.Offset))
	b = binary.LittleEndian.AppendUint64(b, uint64(s.Length))
	b = binary.LittleEndian.AppendUint64(b, uint64(s.Rows))
	return binary.LittleEndian.AppendUint32(b, s.CRC)
}

// parseSegment decodes the segment entry at the start of b (at least
// segEntrySize bytes) and checks its range against the data file.
func parseSegment(b []byte, dataLen uint64) (segment, error) {
	off := binary.LittleEndian.Uint64(b)
	length := binary.LittleEndian.Uint64(b[8:])
	rows := binary.LittleEndian.Uint64(b[16:])
	crc := binary.LittleEndian.Uint32(b[24:])
	if off > dataLen || length > dataLen-off || length == 0 {
		return segment{}, fmt.Errorf("bytes [%d, +%d) outside the data file (%d bytes)", off, length, dataLen)
	}
	if rows > 1<<53 {
		return segment{}, fmt.Errorf("implausible row count %d", rows)
	}
	return segment{Offset: int64(off), Length: int64(length), Rows: int64(rows), CRC: crc}, nil
}

// unmarshalDicts decodes version 2's file dictionaries and id schema from
// the start of rest and returns what follows them.
func (ix *index) unmarshalDicts(rest []byte, dataLen uint64) ([]byte, error) {
	if len(rest) < 4 {
		return nil, errors.New("index truncated before its file dictionaries")
	}
	n := int64(binary.LittleEndian.Uint32(rest))
	rest = rest[4:]
	if n < 1 || n*dictEntrySize > int64(len(rest)) {
		return nil, fmt.Errorf("%d file dictionaries: at least 1 and at most what the index holds allowed", n)
	}
	ix.Dicts = make([]fileDictEntry, n)
	for i := range ix.Dicts {
		col := int64(binary.LittleEndian.Uint32(rest))
		if i > 0 && col <= int64(ix.Dicts[i-1].Col) {
			return nil, fmt.Errorf("file dictionary %d: column %d after column %d (columns must ascend)", i, col, ix.Dicts[i-1].Col)
		}
		s, err := parseSegment(rest[4:], dataLen)
		if err != nil {
			return nil, fmt.Errorf("file dictionary %d: %w", i, err)
		}
		rest = rest[dictEntrySize:]
		ix.Dicts[i] = fileDictEntry{Col: int(col), Seg: s}
	}
	if len(rest) < 4 {
		return nil, errors.New("index truncated before its id schema")
	}
	sl := int64(binary.LittleEndian.Uint32(rest))
	rest = rest[4:]
	if sl == 0 || sl > int64(len(rest)) {
		return nil, fmt.Errorf("id schema length %d: at least 1 and at most the %d bytes left allowed", sl, len(rest))
	}
	ix.IDSchema = bytes.Clone(rest[:sl])
	return rest[sl:], nil
}
