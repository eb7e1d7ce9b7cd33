//go:build !(linux && (amd64 || arm64))

package sink

const (
	renameNoReplace = 1
	renameExchange  = 2
)

// renameat2 is unavailable here; callers fall back to plain renames.
func renameat2(from, to string, flags uintptr) error { return errRenameUnsupported }
