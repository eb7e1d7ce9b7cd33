package engine

import (
	"os"
	"path/filepath"

	"github.com/sluice-ml/sluice/sink"
)

// mkdirOut creates a subdirectory of a local output's temporary directory;
// an object-store output has no directories (keys under its prefix).
func mkdirOut(txn *sink.Txn, name string) error {
	if txn.Remote() {
		return nil
	}
	return os.MkdirAll(filepath.Join(txn.Dir(), name), 0o755)
}
