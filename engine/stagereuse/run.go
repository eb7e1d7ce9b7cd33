package stagereuse

import (
	"fmt"
	"slices"

	"github.com/sluice-ml/sluice/planner"
	"github.com/sluice-ml/sluice/stagecache"
)

// Run is the stage cache's part of one run: the entries it found (held
// until Close) and the stages it reuses.
type Run struct {
	Cache   *stagecache.Cache
	Keys    map[int]string            // per plan stage id
	Entries map[int]*stagecache.Entry // held until the run ends
	Reuse   map[int]bool
	// ScanFiles: the scan is reused and a stage that reads its cache files
	// runs, so they are linked into the work dir.
	ScanFiles bool
	Work      string // the run's work dir
}

// Open looks every stage of plan up in c under its key and decides what
// the run reuses; warn reports damaged entries.
func Open(c *stagecache.Cache, plan *planner.Plan, keys map[int]string, work string, warn func(string)) *Run {
	cr := &Run{Cache: c, Keys: keys, Entries: map[int]*stagecache.Entry{}, Work: work}
	for _, st := range plan.Stages {
		e, err := c.Get(keys[st.ID])
		if err != nil {
			warn(err.Error())
			continue
		}
		if e != nil {
			cr.Entries[st.ID] = e
		}
	}
	for {
		cr.Reuse = Reusable(plan, func(id int) bool { return cr.Entries[id] != nil })
		cr.ScanFiles = false
		for _, st := range plan.Stages {
			if st.Kind == planner.StageScan && cr.Reuse[st.ID] {
				cr.ScanFiles = slices.ContainsFunc(plan.Stages, func(o planner.Stage) bool { return !cr.Reuse[o.ID] })
			}
		}
		// Check the files the run will use; a damaged entry is a miss.
		bad := false
		for _, st := range plan.Stages {
			e := cr.Entries[st.ID]
			if !cr.Reuse[st.ID] || e == nil || (st.Kind == planner.StageScan && !cr.ScanFiles) {
				continue
			}
			if err := e.Verify(); err != nil {
				warn(fmt.Sprintf("stage cache entry %.12s (%s) is damaged, not reused: %v", e.Key, st.Kind, err))
				e.Release()
				c.Remove(e.Key)
				delete(cr.Entries, st.ID)
				bad = true
			}
		}
		if !bad {
			return cr
		}
	}
}

// Close releases the entries.
func (cr *Run) Close() {
	for _, e := range cr.Entries {
		e.Release()
	}
}

// Reused lists the kinds of the stages restored, in plan order.
func (cr *Run) Reused(plan *planner.Plan) []string {
	var out []string
	for _, st := range plan.Stages {
		if cr.Reuse[st.ID] {
			out = append(out, st.Kind)
		}
	}
	return out
}

// A scan's cache and partial aggregates are shuffle files: path.data and
// path.index.
var shuffleExts = []string{".data", ".index"}

// ShuffleFiles are the files of the shuffle file at path, named name in
// an entry.
func ShuffleFiles(name, path string) []stagecache.Source {
	var out []stagecache.Source
	for _, ext := range shuffleExts {
		out = append(out, stagecache.Source{Name: name + ext, Path: path + ext})
	}
	return out
}

// LinkShuffle links the shuffle file name of entry e out to path.
func LinkShuffle(e *stagecache.Entry, name, path string) error {
	for _, ext := range shuffleExts {
		if err := e.LinkOut(name+ext, path+ext); err != nil {
			return err
		}
	}
	return nil
}
