package shuffle

import (
	"os"
	"syscall"
	"time"
)

// settled is how long before a Stat a file's change time must lie for its
// identity to be trusted: file times come from the kernel's coarse clock
// (one tick, at most 10 ms), so a write right after a Stat could leave the
// same change time; any write after the Stat of a settled file moves it.
const settled = 20 * time.Millisecond

// identify returns the identity of the file at path from its Stat, taken
// at or after statTime, or nil when the stat carries no inode and change
// time or the file changed too recently to be told apart from a rewrite.
func identify(path string, st os.FileInfo, statTime time.Time) *fileID {
	s, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	if time.Unix(0, s.Ctim.Nano()).After(statTime.Add(-settled)) {
		return nil
	}
	return &fileID{path: path, dev: uint64(s.Dev), ino: uint64(s.Ino), size: st.Size(),
		mtimeNS: st.ModTime().UnixNano(), ctimeNS: s.Ctim.Nano()}
}
