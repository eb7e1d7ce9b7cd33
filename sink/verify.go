package sink

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/sluice-ml/sluice/sink/layout"
)

// Verify reads dir/manifest.json, re-reads every shard and aggregate file
// it lists and checks each one's size and sha256, and checks that each
// split's rows equal the sum of its shards' rows. Errors name the file.
func Verify(dir string) error {
	m, err := ReadManifest(dir)
	if err != nil {
		return err
	}
	for _, s := range m.Splits {
		var rows int64
		for _, sh := range s.Shards {
			if err := verifyFile(dir, sh.Path, sh.Bytes, sh.SHA256); err != nil {
				return err
			}
			rows += sh.Rows
		}
		if rows != s.Rows {
			return fmt.Errorf("%s: split %q lists %d rows but its shards hold %d", filepath.Join(dir, layout.ManifestName), s.Name, s.Rows, rows)
		}
	}
	for _, a := range m.Aggregates {
		if err := verifyFile(dir, a.Path, a.Bytes, a.SHA256); err != nil {
			return err
		}
	}
	if m.Profiles != nil && m.Profiles.Report != nil {
		r := m.Profiles.Report
		return verifyFile(dir, r.Path, r.Bytes, r.SHA256)
	}
	return nil
}

// verifyFile checks one listed file's size and sha256.
func verifyFile(dir, rel string, bytes int64, sum string) error {
	if err := layout.CheckRelPath(rel); err != nil {
		return fmt.Errorf("%s: %w", filepath.Join(dir, layout.ManifestName), err)
	}
	name := filepath.Join(dir, filepath.FromSlash(rel))
	n, got, err := hashFile(name)
	if err != nil {
		return err
	}
	if n != bytes {
		return fmt.Errorf("%s: %d bytes, the manifest says %d", name, n, bytes)
	}
	if got != sum {
		return fmt.Errorf("%s: sha256 %s, the manifest says %s (the file is corrupt or was changed)", name, got, sum)
	}
	return nil
}

// hashFile returns the size and hex sha256 of a file.
func hashFile(name string) (int64, string, error) {
	f, err := os.Open(name)
	if err != nil {
		return 0, "", err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return 0, "", fmt.Errorf("%s: %w", name, err)
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
}
