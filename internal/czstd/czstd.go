package czstd

import (
	"fmt"
	"slices"
	"sync"

	dd "github.com/DataDog/zstd"
	"github.com/apache/arrow-go/v18/parquet/compress"
)

// DefaultLevel is the level of compress.DefaultCompressionLevel: zstd's
// own default.
const DefaultLevel = 3

// Encoder compresses buffers one frame at a time with a reused context.
// It is not safe for concurrent use.
type Encoder struct {
	ctx   dd.Ctx
	level int
}

// NewEncoder returns an encoder at a zstd level (1 to 22; negative
// levels trade ratio for speed).
func NewEncoder(level int) *Encoder { return &Encoder{ctx: dd.NewCtx(), level: level} }

// AppendFrame appends one zstd frame of src to dst.
func (e *Encoder) AppendFrame(dst, src []byte) ([]byte, error) {
	bound := dd.CompressBound(len(src))
	dst = slices.Grow(dst, bound)
	n := len(dst)
	out, err := e.ctx.CompressLevel(dst[n:n+bound], src, e.level)
	if err != nil {
		return dst, fmt.Errorf("zstd level %d: %w", e.level, err)
	}
	return dst[:n+len(out)], nil
}

// ctxs holds compression contexts for the Parquet codec, whose pages are
// compressed on several goroutines at once.
var ctxs = sync.Pool{New: func() any { return dd.NewCtx() }}

// parquetCodec is arrow-go's zstd codec with compression done by the C
// library; decoding and streaming are the original codec's.
type parquetCodec struct {
	compress.StreamingCodec
	orig compress.Codec
}

func (c parquetCodec) Encode(dst, src []byte) []byte {
	return c.EncodeLevel(dst, src, compress.DefaultCompressionLevel)
}

// EncodeLevel compresses src into dst (reused when it holds
// CompressBound bytes). arrow-go's Codec has no error result, and the C
// library fails only when it cannot allocate its context's tables (it
// clamps levels): that failure panics, which arrow-go's column writers
// turn into a write error.
func (c parquetCodec) EncodeLevel(dst, src []byte, level int) []byte {
	if level == compress.DefaultCompressionLevel {
		level = DefaultLevel
	}
	ctx := ctxs.Get().(dd.Ctx)
	defer ctxs.Put(ctx)
	out, err := ctx.CompressLevel(dst, src, level)
	if err != nil {
		panic(fmt.Errorf("parquet: zstd level %d: %w", level, err))
	}
	return out
}

func (c parquetCodec) CompressBound(n int64) int64 { return int64(dd.CompressBound(int(n))) }

func (c parquetCodec) Decode(dst, src []byte) []byte { return c.orig.Decode(dst, src) }

var register sync.Once

// RegisterParquet makes arrow-go's Parquet writers in this process
// compress ZSTD pages with the C library. It is idempotent; files written
// before the first call used the pure-Go encoder.
func RegisterParquet() {
	register.Do(func() {
		orig, err := compress.GetCodec(compress.Codecs.Zstd)
		if err != nil {
			panic(fmt.Errorf("arrow-go has no zstd codec: %w", err))
		}
		sc, ok := orig.(compress.StreamingCodec)
		if !ok {
			panic("arrow-go's zstd codec does not stream")
		}
		compress.RegisterCodec(compress.Codecs.Zstd, parquetCodec{StreamingCodec: sc, orig: orig})
	})
}
