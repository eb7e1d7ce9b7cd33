package workdir

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/sluice-ml/sluice/storage"
)

// jobIDPattern is what a job ID may be: it names a directory under an
// executor's work directory, so it holds no separator, dot-only name or
// control character.
var jobIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,100}$`)

// CheckJobID refuses a job ID that is not a plain directory name (1 to 100
// letters, digits, '-' and '_'). Job IDs arrive over the wire and name
// directories under the work directory.
func CheckJobID(id string) error {
	if !jobIDPattern.MatchString(id) {
		return fmt.Errorf("bad job id %q: want 1-100 letters, digits, '-' or '_'", clip(id))
	}
	return nil
}

// outDirPattern is the base name of an output's temporary directory
// (sink.Begin: "<output>.tmp-<16 hex digits>").
var outDirPattern = regexp.MustCompile(`\.tmp-[0-9a-f]{16}$`)

// CheckOutDir refuses an output directory that is not the absolute,
// clean path of an output's temporary directory (where shard-write tasks
// write).
func CheckOutDir(d string) error {
	if storage.IsRemote(d) {
		return nil // an object-store prefix: shards are uploaded there
	}
	if !filepath.IsAbs(d) || filepath.Clean(d) != d || strings.ContainsRune(d, 0) || !outDirPattern.MatchString(filepath.Base(d)) {
		return fmt.Errorf("bad output directory %q in task: want the absolute path of an output's temporary directory", clip(d))
	}
	return nil
}

// Under joins name (one path component, already checked) to dir and
// refuses a result outside dir.
func Under(dir, name string) (string, error) {
	p := filepath.Join(dir, name)
	rel, err := filepath.Rel(dir, p)
	if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || strings.ContainsRune(rel, filepath.Separator) {
		return "", fmt.Errorf("%q is not a name under %s", clip(name), dir)
	}
	return p, nil
}

// clip shortens a hostile value for an error message.
func clip(s string) string {
	if len(s) > 120 {
		return s[:120] + "..."
	}
	return s
}
