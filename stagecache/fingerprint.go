package stagecache

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"strings"

	"github.com/sluice-ml/sluice/storage"
)

// Fingerprints: what identifies an input file's content (the manifest's
// fingerprint) and its version (part of the scan's key).
//
// The content fingerprint is "sha256:" + the hex sha256 over the file's
// size and its footer, the bytes a scan reads first anyway:
//   - Parquet: the footer (FileMetaData: schema, row groups, every column
//     chunk's offsets, sizes and statistics) with its length and magic;
//   - Arrow IPC file: the footer (schema and every record batch's offset
//     and length) with its length and magic;
//   - anything else (CSV): the first and the last MiB.
// It is cheap (one or two small reads per file, ranged GETs on an object
// store) and changes when the data's layout or statistics change, but an
// edit that keeps the size, the footer and (CSV) both ends is not seen.
// The stamp adds the path, the modification time and an object store's
// ETag, so the stage cache also misses on any rewrite of the file.

// FooterMax caps the footer bytes read (a longer footer is hashed up to its
// last FooterMax bytes).
const FooterMax = 16 << 20

const edge = 1 << 20

// Fingerprint returns path's content fingerprint and its stamp.
func Fingerprint(ctx context.Context, path, format string) (content, stamp string, err error) {
	st, err := storage.StatFile(ctx, path)
	if err != nil {
		return "", "", fmt.Errorf("fingerprinting %s: %w", path, err)
	}
	f, err := storage.Open(ctx, path)
	if err != nil {
		return "", "", fmt.Errorf("fingerprinting %s: %w", path, err)
	}
	defer f.Close()
	tail, err := footer(f, st.Size, format)
	if err != nil {
		return "", "", fmt.Errorf("fingerprinting %s: %w", path, err)
	}
	h := sha256.New()
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(st.Size))
	h.Write(n[:])
	h.Write(tail)
	content = "sha256:" + hex.EncodeToString(h.Sum(nil))
	stamp = fmt.Sprintf("%s|%s|%d|%d|%s", path, content, st.Size, st.ModTime.UnixNano(), st.ETag)
	return content, stamp, nil
}

// footer reads the bytes the fingerprint covers after the size.
func footer(f io.ReaderAt, size int64, format string) ([]byte, error) {
	switch strings.ToLower(format) {
	case "parquet":
		// ... footer | uint32 length | "PAR1"
		if b, ok := tailWith(f, size, 4, []byte("PAR1")); ok {
			return b, nil
		}
	case "arrow":
		// ... footer | int32 length | "ARROW1"
		if b, ok := tailWith(f, size, 4, []byte("ARROW1")); ok {
			return b, nil
		}
	}
	head := make([]byte, min(size, edge))
	if _, err := f.ReadAt(head, 0); err != nil && err != io.EOF {
		return nil, err
	}
	if size <= edge {
		return head, nil
	}
	tail := make([]byte, min(size-edge, edge))
	if _, err := f.ReadAt(tail, size-int64(len(tail))); err != nil && err != io.EOF {
		return nil, err
	}
	return append(head, tail...), nil
}

// tailWith reads a footer laid out as: footer, a little-endian 32-bit
// length of lenBytes, magic, at the end of the file. ok is false when the
// file does not end that way.
func tailWith(f io.ReaderAt, size int64, lenBytes int, magic []byte) ([]byte, bool) {
	end := int64(lenBytes + len(magic))
	if size < end {
		return nil, false
	}
	trailer := make([]byte, end)
	if _, err := f.ReadAt(trailer, size-end); err != nil && err != io.EOF {
		return nil, false
	}
	if !bytes.Equal(trailer[lenBytes:], magic) {
		return nil, false
	}
	n := int64(binary.LittleEndian.Uint32(trailer[:lenBytes]))
	n = min(n, FooterMax, size-end)
	b := make([]byte, n+end)
	if _, err := f.ReadAt(b, size-end-n); err != nil && err != io.EOF {
		return nil, false
	}
	return b, true
}
