package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync/atomic"

	"gocloud.dev/blob"
)

// File is an opened input file: random access (ranged GETs on an object
// store), sequential reads and its size.
type File interface {
	io.Reader
	io.ReaderAt
	io.Seeker
	io.Closer
	Size() int64
}

// Open opens a local path, a file:// URL or an object for reading.
func Open(ctx context.Context, s string) (File, error) {
	l, err := Parse(s)
	if err != nil {
		return nil, err
	}
	if l.Local() {
		f, err := os.Open(l.Key)
		if err != nil {
			return nil, err
		}
		st, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, err
		}
		return localFile{f, st.Size()}, nil
	}
	b, err := bucket(ctx, l)
	if err != nil {
		return nil, err
	}
	a, err := b.Attributes(ctx, l.Key)
	if err != nil {
		return nil, wrap(s, "open", err)
	}
	return &Reader{ctx: ctx, b: b, key: l.Key, url: s, size: a.Size}, nil
}

type localFile struct {
	*os.File
	size int64
}

func (f localFile) Size() int64 { return f.size }

// Reader reads one object. ReadAt issues one ranged GET per call and is safe
// for concurrent use; Read streams from the current offset with one GET
// until a Seek moves it.
type Reader struct {
	ctx    context.Context
	b      *blob.Bucket
	key    string
	url    string
	size   int64
	off    int64        // Read/Seek position
	stream *blob.Reader // open GET for Read, starting at streamOff
	pos    int64        // offset of stream's next byte
}

// Requests and BytesRead count ranged GETs and the bytes they returned, in
// this process (tests check that a Parquet scan does not fetch whole files).
var Requests, BytesRead atomic.Int64

// Size is the object's length in bytes.
func (r *Reader) Size() int64 { return r.size }

// ReadAt reads len(p) bytes at off with one ranged GET.
func (r *Reader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("%s: read at negative offset %d", r.url, off)
	}
	if off >= r.size {
		if len(p) == 0 {
			return 0, nil
		}
		return 0, io.EOF
	}
	want := int64(len(p))
	if off+want > r.size {
		want = r.size - off
	}
	if want == 0 {
		return 0, nil
	}
	Requests.Add(1)
	rr, err := r.b.NewRangeReader(r.ctx, r.key, off, want, nil)
	if err != nil {
		return 0, wrap(r.url, "read", err)
	}
	defer rr.Close()
	n, err := io.ReadFull(rr, p[:want])
	BytesRead.Add(int64(n))
	if err != nil {
		return n, wrap(r.url, fmt.Sprintf("read %d bytes at %d", want, off), err)
	}
	if int64(n) < int64(len(p)) {
		return n, io.EOF
	}
	return n, nil
}

// Read reads sequentially from the current offset.
func (r *Reader) Read(p []byte) (int, error) {
	if r.off >= r.size {
		return 0, io.EOF
	}
	if r.stream == nil || r.pos != r.off {
		r.closeStream()
		Requests.Add(1)
		s, err := r.b.NewRangeReader(r.ctx, r.key, r.off, -1, nil)
		if err != nil {
			return 0, wrap(r.url, "read", err)
		}
		r.stream, r.pos = s, r.off
	}
	n, err := r.stream.Read(p)
	r.off += int64(n)
	r.pos += int64(n)
	BytesRead.Add(int64(n))
	if err == io.EOF {
		r.closeStream()
		if r.off < r.size {
			return n, fmt.Errorf("%s: object ended at %d of %d bytes (changed while read?)", r.url, r.off, r.size)
		}
		return n, io.EOF
	}
	if err != nil {
		return n, wrap(r.url, "read", err)
	}
	return n, nil
}

// Seek moves the Read position.
func (r *Reader) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += r.off
	case io.SeekEnd:
		offset += r.size
	default:
		return 0, errors.New("storage: bad whence")
	}
	if offset < 0 {
		return 0, fmt.Errorf("%s: seek to negative offset %d", r.url, offset)
	}
	r.off = offset
	return offset, nil
}

func (r *Reader) closeStream() {
	if r.stream != nil {
		r.stream.Close()
		r.stream = nil
	}
}

// Close ends an open stream. The Reader must not be used after.
func (r *Reader) Close() error {
	r.closeStream()
	return nil
}
