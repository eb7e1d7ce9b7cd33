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

// verifiedSegments remembers what this process has checked of each
// segment, per file version: its CRC-32C (checkedCRC) and that every
// file dictionary id of its batches lies inside the file's dictionary
// (checkedIDs). Each scratch cache is read by several stages (split
// boundaries, fit, shard write); a committed file whose identity has not
// changed since its segment was checked has not been written since, so
// later reads skip the full passes over its bytes and ids. Files changed
// in the moments before a Reader's Stat are always checked (see identify),
// and so are bytes fetched over the network (DecodeSegment) and segments
// with body compression.
var verifiedSegments = struct {
	sync.Mutex
	m map[fileID]map[int64]segmentChecks // by segment offset
}{m: map[fileID]map[int64]segmentChecks{}}

// segmentChecks are the checks a segment has passed, as bits.
type segmentChecks uint8

const (
	checkedCRC segmentChecks = 1 << iota // the bytes match the index's CRC-32C
	checkedIDs                           // every batch's file dictionary ids are in range
)

// segmentVerified returns the checks segment off of file version id has
// passed in this process (none without an identity).
func segmentVerified(id *fileID, off int64) segmentChecks {
	if id == nil {
		return 0
	}
	verifiedSegments.Lock()
	defer verifiedSegments.Unlock()
	return verifiedSegments.m[*id][off]
}

// markVerified records that segment off of file version id passed the
// checks c.
func markVerified(id *fileID, off int64, c segmentChecks) {
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
		segs = map[int64]segmentChecks{}
		verifiedSegments.m[*id] = segs
	}
	segs[off] |= c
}
