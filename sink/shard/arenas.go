package shard

import "sync"

// arenaPool keeps the compressed-page arenas of finished files' columns
// for the same columns of later files, by column path: the shards of a
// job have the same columns, each needing about what it needed in the
// last file. Handing any kept buffer to any column (as one pool of all
// page buffers did) let the arenas drift to the largest size met: a
// Citi Bike shard's columns compress to 0.4 KB–3.8 MB a row group, yet
// their arenas held 200–250 MB in the shard-write's live heap, which the
// collector then ran against.
type arenaPool struct {
	mu    sync.Mutex
	free  map[string][][]byte
	bytes int // capacity of the buffers kept
}

// maxKeptArenas bounds the bytes of arenas kept between files.
const maxKeptArenas = 32 << 20

var arenas = arenaPool{free: map[string][][]byte{}}

// take returns an empty arena last used by a column of this path, or nil.
func (p *arenaPool) take(path string) []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	l := p.free[path]
	if len(l) == 0 {
		return nil
	}
	b := l[len(l)-1]
	l[len(l)-1] = nil
	if len(l) == 1 {
		delete(p.free, path)
	} else {
		p.free[path] = l[:len(l)-1]
	}
	p.bytes -= cap(b)
	return b[:0]
}

// put keeps b for a later column of this path, unless the pool is full.
func (p *arenaPool) put(path string, b []byte) {
	if cap(b) == 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bytes+cap(b) > maxKeptArenas {
		return
	}
	p.free[path] = append(p.free[path], b[:0])
	p.bytes += cap(b)
}

// compressBufs are the buffers pages are compressed into before their
// bytes are appended to their chunk's arena (a codec needs room for its
// bound, which would otherwise be left unused at the arena's end).
var compressBufs = sync.Pool{New: func() any { return new([]byte) }}
