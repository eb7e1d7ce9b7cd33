package input

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/sluice-ml/sluice/storage"
)

// extensions lists the file name endings of each format, lower case.
var extensions = map[string][]string{
	FormatParquet: {".parquet", ".pq"},
	FormatCSV:     {".csv"},
	FormatArrow:   {".arrow", ".feather", ".ipc"},
}

// formatFromExt guesses the format from a path's extension ("" if unknown).
func formatFromExt(path string) string {
	p := strings.ToLower(strings.TrimRight(path, "/"+string(filepath.Separator)))
	for f, exts := range extensions {
		for _, e := range exts {
			if strings.HasSuffix(p, e) {
				return f
			}
		}
	}
	return ""
}

func hasExt(name, format string) bool {
	n := strings.ToLower(name)
	for _, e := range extensions[format] {
		if strings.HasSuffix(n, e) {
			return true
		}
	}
	return false
}

// hidden reports names that are skipped in directories: dot files and
// underscore files (_SUCCESS, _metadata, temporary files).
func hidden(name string) bool { return strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") }

// listFiles resolves input.path (a file, a directory or a glob) to regular
// files sorted by path. A directory holds only files of the format (with
// its extensions) and hidden ones; any other file is an error.
func listFiles(path, format string) ([]File, error) {
	if storage.IsURL(path) {
		return listURL(path, format)
	}
	var files []File
	if isGlob(path) {
		matches, err := filepath.Glob(path)
		if err != nil {
			return nil, fmt.Errorf("input.path: bad glob %q: %v", path, err)
		}
		root := globRoot(path)
		for _, m := range matches {
			st, err := os.Stat(m)
			if err != nil {
				return nil, fmt.Errorf("input.path: %v", err)
			}
			if !st.Mode().IsRegular() {
				continue
			}
			files = append(files, File{Path: m, RelPath: relPath(root, m), Size: st.Size(), Rows: -1})
		}
		if len(files) == 0 {
			return nil, fmt.Errorf("input.path: glob %q matches no files", path)
		}
	} else {
		st, err := os.Stat(path)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("input.path: no such file or directory: %s", path)
			}
			return nil, fmt.Errorf("input.path: %v", err)
		}
		if !st.IsDir() {
			return []File{{Path: path, RelPath: filepath.Base(path), Size: st.Size(), Rows: -1}}, nil
		}
		err = filepath.WalkDir(path, func(p string, e fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if p != path && hidden(e.Name()) {
				if e.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if e.IsDir() {
				return nil
			}
			if !hasExt(e.Name(), format) {
				if !e.Type().IsRegular() {
					return nil
				}
				// Spark fails on such a file too; skipping it could lose
				// rows the user meant to read (a CSV export, a renamed part).
				return fmt.Errorf("%s is not a %s file: every file in an input directory must end in %s (names starting with . or _ are skipped); move it out or select files with a glob such as %s",
					p, format, strings.Join(extensions[format], " or "), filepath.Join(path, "*"+extensions[format][0]))
			}
			info, err := e.Info()
			if err != nil {
				return err
			}
			if !info.Mode().IsRegular() {
				return nil
			}
			files = append(files, File{Path: p, RelPath: relPath(path, p), Size: info.Size(), Rows: -1})
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("input.path: %v", err)
		}
		if len(files) == 0 {
			return nil, fmt.Errorf("input.path: directory %s has no %s files (%s)", path, format, strings.Join(extensions[format], ", "))
		}
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	return files, nil
}

func isGlob(p string) bool { return strings.ContainsAny(p, "*?[") }

// globRoot is the directory part of a glob before its first wildcard.
func globRoot(pattern string) string {
	dir := pattern
	for isGlob(dir) {
		dir = filepath.Dir(dir)
	}
	return dir
}

func relPath(root, p string) string {
	r, err := filepath.Rel(root, p)
	if err != nil || r == "." {
		return filepath.ToSlash(filepath.Base(p))
	}
	return filepath.ToSlash(r)
}
