package arrowfile

import (
	"encoding/binary"
	"fmt"

	"github.com/pierrec/lz4/v4"

	"github.com/sluice-ml/sluice/internal/czstd"
)

// bufferCodec compresses IPC body buffers (BodyCompressionMethod.BUFFER).
// One codec belongs to one writer and is reused for every buffer.
type bufferCodec interface {
	// appendFrame appends one compressed frame of src to dst.
	appendFrame(dst, src []byte) ([]byte, error)
	// fbCodec is the CompressionType written in BodyCompression.
	fbCodec() int
	close() error
}

// newBufferCodec returns the codec of a compression name, or nil for
// compressionNone.
func newBufferCodec(compression string) (bufferCodec, error) {
	switch compression {
	case compressionNone:
		return nil, nil
	case compressionZstd:
		return newZstdCodec(zstdLevel), nil
	case compressionLZ4:
		return newLZ4Codec()
	}
	return nil, fmt.Errorf("unknown compression %q; allowed: zstd, lz4, none", compression)
}

// appendCompressed appends one compressed body buffer to dst: the int64
// little-endian uncompressed length and a frame of src, or -1 and src
// itself when the frame would not be smaller than src. An empty src
// appends nothing (a buffer of length 0).
func appendCompressed(c bufferCodec, dst, src []byte) ([]byte, error) {
	if len(src) == 0 {
		return dst, nil
	}
	start := len(dst)
	dst = binary.LittleEndian.AppendUint64(dst, uint64(len(src)))
	dst, err := c.appendFrame(dst, src)
	if err != nil {
		return dst[:start], err
	}
	if len(dst)-start-8 >= len(src) {
		dst = binary.LittleEndian.AppendUint64(dst[:start], ^uint64(0)) // -1: stored raw
		dst = append(dst, src...)
	}
	return dst, nil
}

// zstdLevel is the level of zstd body buffers: 1, zstd's fastest.
const zstdLevel = 1

// zstdCodec encodes each buffer as one zstd frame at zstdLevel with a
// reused C context (czstd): no streaming state, output appended to the
// caller's scratch. Frames carry no content checksum, like the C++
// implementation's (ZSTD_compress) frames: the shard's sha256 in the
// manifest covers every byte.
type zstdCodec struct{ enc *czstd.Encoder }

func newZstdCodec(level int) *zstdCodec { return &zstdCodec{enc: czstd.NewEncoder(level)} }

func (c *zstdCodec) appendFrame(dst, src []byte) ([]byte, error) {
	return c.enc.AppendFrame(dst, src)
}

func (c *zstdCodec) fbCodec() int { return fbCodecZstd }

func (c *zstdCodec) close() error { return nil }

// lz4Codec writes each buffer as one LZ4 frame with 64 KiB blocks and no
// content checksum, like the C++ implementation's LZ4_FRAME codec.
type lz4Codec struct {
	zw  *lz4.Writer
	out sliceWriter
}

func newLZ4Codec() (*lz4Codec, error) {
	c := &lz4Codec{}
	c.zw = lz4.NewWriter(&c.out)
	if err := c.zw.Apply(lz4.BlockSizeOption(lz4.Block64Kb), lz4.ChecksumOption(false), lz4.ConcurrencyOption(1)); err != nil {
		return nil, fmt.Errorf("lz4 encoder: %w", err)
	}
	return c, nil
}

func (c *lz4Codec) appendFrame(dst, src []byte) ([]byte, error) {
	c.out.b = dst
	c.zw.Reset(&c.out)
	_, err := c.zw.Write(src)
	if err == nil {
		err = c.zw.Close()
	}
	dst, c.out.b = c.out.b, nil
	if err != nil {
		return dst, fmt.Errorf("lz4: %w", err)
	}
	return dst, nil
}

func (c *lz4Codec) fbCodec() int { return fbCodecLZ4Frame }

func (c *lz4Codec) close() error { return nil }

// sliceWriter is an io.Writer appending to b.
type sliceWriter struct{ b []byte }

func (w *sliceWriter) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}
