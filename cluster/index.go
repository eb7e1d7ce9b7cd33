package cluster

import (
	"encoding/binary"
	"fmt"
	"os"
)

// segRef is one segment of a partition in a shuffle data file.
type segRef struct {
	Offset, Length, Rows int64
	CRC                  uint32
}

// partitionSegments returns the output's schema (an Arrow IPC stream) and
// lists partition p's segments from a shuffle index file
// (format: shuffle/format.go, version 1). The caller has opened the output
// with shuffle.OpenReader, which validated the index (checksum, ranges), so
// this walk only guards against truncation.
func partitionSegments(indexPath string, p int) (schema []byte, segs []segRef, err error) {
	b, err := os.ReadFile(indexPath)
	if err != nil {
		return nil, nil, err
	}
	const header, entry = 32, 28
	if len(b) < header+4 {
		return nil, nil, fmt.Errorf("%s: truncated index", indexPath)
	}
	parts := int(binary.LittleEndian.Uint32(b[16:]))
	if p < 0 || p >= parts {
		return nil, nil, fmt.Errorf("%s: partition %d outside [0, %d)", indexPath, p, parts)
	}
	sl := int(binary.LittleEndian.Uint32(b[28:]))
	if header+sl > len(b)-4 {
		return nil, nil, fmt.Errorf("%s: truncated index", indexPath)
	}
	schema = b[header : header+sl]
	rest := b[header+sl : len(b)-4]
	for i := 0; ; i++ {
		if len(rest) < 4 {
			return nil, nil, fmt.Errorf("%s: index truncated at partition %d", indexPath, i)
		}
		n := int(binary.LittleEndian.Uint32(rest))
		rest = rest[4:]
		if n*entry > len(rest) {
			return nil, nil, fmt.Errorf("%s: index truncated at partition %d", indexPath, i)
		}
		if i < p {
			rest = rest[n*entry:]
			continue
		}
		segs = make([]segRef, n)
		for k := range segs {
			e := rest[k*entry:]
			segs[k] = segRef{Offset: int64(binary.LittleEndian.Uint64(e)), Length: int64(binary.LittleEndian.Uint64(e[8:])),
				Rows: int64(binary.LittleEndian.Uint64(e[16:])), CRC: binary.LittleEndian.Uint32(e[24:])}
		}
		return schema, segs, nil
	}
}
