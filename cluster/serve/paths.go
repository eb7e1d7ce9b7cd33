package serve

import (
	"fmt"
	"path/filepath"

	"github.com/sluice-ml/sluice/jobspec"
	"github.com/sluice-ml/sluice/storage"
)

// resolveClientPaths makes a submitted job's relative input and output
// paths absolute against the submitting client's working directory, so a
// job means the same files whether it runs embedded or on a cluster. A
// client that did not say where it runs (an older client) may only use
// absolute paths: resolving against the driver's own directory would read
// or write somewhere the user did not mean.
func resolveClientPaths(job *jobspec.Job, clientDir string) error {
	if clientDir != "" && !filepath.IsAbs(clientDir) {
		return fmt.Errorf("%s: the client's working directory %q is not absolute", job.File, clientDir)
	}
	fix := func(field string, p *string) error {
		if *p == "" || filepath.IsAbs(*p) || storage.IsURL(*p) {
			return nil
		}
		if clientDir == "" {
			return fmt.Errorf("%s: %s: %q is relative and the client did not send its working directory; use an absolute path", job.File, field, *p)
		}
		*p = filepath.Join(clientDir, *p)
		return nil
	}
	if job.Input.Generate == nil {
		if err := fix("input.path", &job.Input.Path); err != nil {
			return err
		}
	}
	return fix("output.path", &job.Output.Path)
}
