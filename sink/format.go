package sink

import (
	"fmt"
	"path"
	"strings"
)

// Output formats accepted by the writers.
const (
	FormatArrow   = "arrow"   // Arrow IPC file format
	FormatParquet = "parquet" // Parquet via pqarrow
)

// Compression codecs accepted by the writers.
const (
	CompressionZstd = "zstd"
	CompressionLZ4  = "lz4" // LZ4 frame in Arrow IPC, LZ4_RAW in Parquet
	CompressionNone = "none"
)

func checkFormat(format, compression string) error {
	if format != FormatArrow && format != FormatParquet {
		return fmt.Errorf("output.format: unknown format %q; allowed: arrow, parquet", format)
	}
	switch compression {
	case CompressionZstd, CompressionLZ4, CompressionNone:
		return nil
	}
	return fmt.Errorf("output.compression: unknown compression %q; allowed: zstd, lz4, none", compression)
}

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

// checkRelPath accepts a slash-separated path that stays inside the
// output dir: not empty, not absolute, no "..", no "." elements, not
// manifest.json.
func checkRelPath(rel string) error {
	if rel == "" || strings.HasPrefix(rel, "/") || strings.Contains(rel, "\\") || path.Clean(rel) != rel ||
		rel == ".." || strings.HasPrefix(rel, "../") || rel == "." {
		return fmt.Errorf("output file path %q: want a clean relative slash-separated path inside the output dir (e.g. \"train/part-00000.arrow\")", rel)
	}
	if rel == manifestName || strings.HasPrefix(rel, manifestName+".") {
		return fmt.Errorf("output file path %q: reserved for the manifest", rel)
	}
	return nil
}
