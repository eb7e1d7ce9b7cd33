package input

import (
	"context"
	"fmt"
	"strings"

	"github.com/sluice-ml/sluice/storage"
)

// listURL resolves an input.path URL. file:// URLs list like local paths;
// an object-store URL names an object, a prefix (listed recursively like a
// directory) or a pattern in its last element. As in a local directory,
// names starting with . or _ are skipped and every other object under a
// prefix must have the format's extension.
func listURL(path, format string) ([]File, error) {
	l, err := storage.Parse(path)
	if err != nil {
		return nil, fmt.Errorf("input.path: %v", err)
	}
	if l.Local() {
		return listFiles(l.Key, format)
	}
	objs, err := storage.List(context.Background(), path)
	if err != nil {
		return nil, fmt.Errorf("input.path: %v", err)
	}
	single := len(objs) == 1 && objs[0].URL == strings.TrimSuffix(path, "/") && !strings.HasSuffix(path, "/")
	var files []File
	for _, o := range objs {
		if !single && hiddenRel(o.Rel) {
			continue
		}
		if !single && !hasExt(o.Rel, format) {
			return nil, fmt.Errorf("input.path: %s is not a %s object: every object under an input prefix must end in %s (names starting with . or _ are skipped); move it or select objects with a pattern such as %s",
				o.URL, format, strings.Join(extensions[format], " or "), strings.TrimSuffix(path, "/")+"/*"+extensions[format][0])
		}
		files = append(files, File{Path: o.URL, RelPath: o.Rel, Size: o.Size, Rows: -1})
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("input.path: %s has no %s objects (%s)", path, format, strings.Join(extensions[format], ", "))
	}
	return files, nil
}

// hiddenRel reports a relative key with a hidden element (see hidden).
func hiddenRel(rel string) bool {
	for _, e := range strings.Split(rel, "/") {
		if hidden(e) {
			return true
		}
	}
	return false
}
