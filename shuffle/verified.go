package shuffle

import "sync"

// fileID identifies one version of a data file: its path, device, inode,
// size, and modification and change times. Any write to the file moves
// its change time, which no caller can set back.
type fileID struct {
	path                   string
	dev, ino               uint64
	size, mtimeNS, ctimeNS int64
}

// maxVerifiedFiles bounds the files remembered; past it the record starts
// over (every segment is then checked again once).
const maxVerifiedFiles = 4096

// verifiedSegments remembers which segments' CRC-32C this process has
// checked, per file version. Each scratch cache is read by several stages
// (split boundaries, fit, shard write); a committed file whose identity
// has not changed since its segment was checked has not been written
// since, so later reads skip the full pass over its bytes. Files changed
// in the moments before a Reader's Stat are always checked (see identify),
// and so are bytes fetched over the network (DecodeSegment) and segments
// with body compression.
var verifiedSegments = struct {
	sync.Mutex
	m map[fileID]map[int64]bool // segment offsets checked
}{m: map[fileID]map[int64]bool{}}

func segmentVerified(id *fileID, off int64) bool {
	if id == nil {
		return false
	}
	verifiedSegments.Lock()
	defer verifiedSegments.Unlock()
	return verifiedSegments.m[*id][off]
}

func markVerified(id *fileID, off int64) {
	if id == nil {
		return
	}
	verifiedSegments.Lock()
	defer verifiedSegments.Unlock()
	segs := verifiedSegments.m[*id]
	if segs == nil {
		if len(verifiedSegments.m) >= maxVerifiedFiles {
			clear(verifiedSegments.m)
		}
		segs = map[int64]bool{}
		verifiedSegments.m[*id] = segs
	}
	segs[off] = true
}
