package layout

import (
	"fmt"
	"path"
	"path/filepath"
	"strings"

	"github.com/sluice-ml/sluice/storage"
)

// ManifestName is the manifest's file name inside the output dir.
const ManifestName = "manifest.json"

// Ext returns the file extension (with the dot) of a format: ".arrow" or ".parquet".
func Ext(format string) string { return "." + format }

// ShardPath returns the path, relative to the output dir, of shard index of
// a split: ShardPath("train", 3, "arrow") == "train/part-00003.arrow".
func ShardPath(split string, index int, format string) string {
	return fmt.Sprintf("%s/part-%05d%s", split, index, Ext(format))
}

// AggregatePath returns the path, relative to the output dir, of an
// aggregate table: AggregatePath("stations", "arrow") == "aggregates/stations.arrow".
func AggregatePath(name, format string) string {
	return "aggregates/" + name + Ext(format)
}

// CheckRelPath accepts a slash-separated path that stays inside the
// output dir: not empty, not absolute, no "..", no "." elements, not
// manifest.json.
func CheckRelPath(rel string) error {
	if rel == "" || strings.HasPrefix(rel, "/") || strings.Contains(rel, "\\") || path.Clean(rel) != rel ||
		rel == ".." || strings.HasPrefix(rel, "../") || rel == "." {
		return fmt.Errorf("output file path %q: want a clean relative slash-separated path inside the output dir (e.g. \"train/part-00000.arrow\")", rel)
	}
	if rel == ManifestName || strings.HasPrefix(rel, ManifestName+".") {
		return fmt.Errorf("output file path %q: reserved for the manifest", rel)
	}
	return nil
}

// JoinOut joins a relative, slash-separated path to an output directory
// or object-store prefix (sink.Txn.Dir()).
func JoinOut(dir, rel string) string {
	if storage.IsRemote(dir) {
		return strings.TrimSuffix(dir, "/") + "/" + rel
	}
	return filepath.Join(dir, filepath.FromSlash(rel))
}
