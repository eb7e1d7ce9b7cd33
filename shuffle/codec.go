package shuffle

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow/ipc"
)

// Codec is the IPC body compression of the segments.
type Codec string

// Codecs. CodecZstd compresses best, CodecLZ4 is several times faster to
// write and read (the better choice for scratch caches and spills).
const (
	CodecZstd Codec = "zstd"
	CodecLZ4  Codec = "lz4"
	CodecNone Codec = "none"
)

// ParseCodec parses "zstd", "lz4" or "none".
func ParseCodec(s string) (Codec, error) {
	switch c := Codec(s); c {
	case CodecZstd, CodecLZ4, CodecNone:
		return c, nil
	}
	return "", fmt.Errorf("shuffle: unknown codec %q (allowed: zstd, lz4, none)", s)
}

// code is the codec's byte in the index.
func (c Codec) code() (uint32, error) {
	switch c {
	case CodecNone:
		return 0, nil
	case CodecLZ4:
		return 1, nil
	case CodecZstd:
		return 2, nil
	}
	return 0, fmt.Errorf("shuffle: unknown codec %q (allowed: zstd, lz4, none)", string(c))
}

func codecFromCode(v uint32) (Codec, error) {
	switch v {
	case 0:
		return CodecNone, nil
	case 1:
		return CodecLZ4, nil
	case 2:
		return CodecZstd, nil
	}
	return "", fmt.Errorf("unknown codec code %d (allowed: 0 none, 1 lz4, 2 zstd)", v)
}

// ipcOptions returns the IPC writer options for c.
func (c Codec) ipcOptions() []ipc.Option {
	switch c {
	case CodecLZ4:
		return []ipc.Option{ipc.WithLZ4()}
	case CodecZstd:
		return []ipc.Option{ipc.WithZstd()}
	}
	return nil
}
