package engine

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"github.com/sluice-ml/sluice/storage"
	"github.com/sluice-ml/sluice/task/workdir"
)

// cleanDebris removes what dead runs left: temporary directories of the
// output (<output>.tmp-*) and scratch directories under the work root
// (sluice-*), each only when its owner is gone; it notes what it removed
// on progress (may be nil).
func cleanDebris(output, root string, progress io.Writer) {
	clean := filepath.Clean(output)
	var removed []string
	var errs []error
	dirs := [][2]string{{filepath.Dir(clean), filepath.Base(clean) + ".tmp-"}, {root, "sluice-"}}
	if storage.IsURL(output) { // an object-store output has no temporary directory
		dirs = dirs[1:]
	}
	for _, p := range dirs {
		r, err := workdir.CleanDebris(p[0], p[1])
		removed = append(removed, r...)
		if err != nil {
			errs = append(errs, err)
		}
	}
	if progress == nil {
		return
	}
	for _, d := range removed {
		fmt.Fprintf(progress, "removed %s (left by a run that died)\n", d)
	}
	if err := errors.Join(errs...); err != nil {
		fmt.Fprintf(progress, "cleaning what dead runs left: %v\n", err)
	}
}
