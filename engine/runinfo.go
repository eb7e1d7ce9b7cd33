package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/sluice-ml/sluice/sink"
	"github.com/sluice-ml/sluice/storage"
)

// runInfo is the manifest's `run` for a run that started at start.
func (r *run) runInfo(start time.Time) *sink.RunInfo {
	job := r.p.Job
	ri := &sink.RunInfo{ID: sink.NewRunID(start), StartedAt: sink.RunTime(start), FinishedAt: sink.RunTime(time.Now()),
		Version: sink.Version, JobSHA256: JobSHA256(job.SHA256, job.Sets), Output: job.Output.Path}
	if !storage.IsURL(ri.Output) {
		if abs, err := filepath.Abs(ri.Output); err == nil {
			ri.Output = abs
		}
	}
	if r.cache != nil {
		ri.Cache = r.cache.Cache.Dir()
		ri.Reused = r.cache.Reused(r.p.Plan)
	}
	return ri
}

// JobSHA256 identifies the job as run: the job file's sha256 alone without
// --set overrides, else the sha256 over it and every override, one a line.
func JobSHA256(fileSHA string, sets []string) string {
	if len(sets) == 0 {
		return fileSHA
	}
	h := sha256.New()
	fmt.Fprintln(h, fileSHA)
	for _, s := range sets {
		fmt.Fprintln(h, s)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// recordRun keeps a copy of the manifest in the stage cache's runs
// directory (for `driver runs CACHE`); a failure is a warning.
func (r *run) recordRun(m *sink.Manifest) {
	if r.cache == nil {
		return
	}
	b, err := sink.MarshalManifest(m)
	if err == nil {
		dir := r.cache.Cache.RunsDir()
		tmp := filepath.Join(dir, "."+m.Run.ID+".tmp")
		if err = os.WriteFile(tmp, b, 0o644); err == nil {
			err = os.Rename(tmp, filepath.Join(dir, m.Run.ID+".json"))
		}
	}
	if err != nil {
		r.warn(fmt.Sprintf("stage cache: not recording the run: %v", err))
	}
}
