package engine

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/sluice-ml/sluice/engine/barrier"
	"github.com/sluice-ml/sluice/engine/runreport"
	"github.com/sluice-ml/sluice/engine/stagereuse"
	"github.com/sluice-ml/sluice/planner"
	pb "github.com/sluice-ml/sluice/proto"
	"github.com/sluice-ml/sluice/sink"
	"github.com/sluice-ml/sluice/sink/shard"
	"github.com/sluice-ml/sluice/stagecache"
	"github.com/sluice-ml/sluice/task"
	"github.com/sluice-ml/sluice/task/fragment"
)

// cachedState is an entry's state blob.
type cachedState struct {
	Stat   runreport.StageStat  `json:"stat"`
	Scans  []*task.ScanResult   `json:"scans,omitempty"`
	Agg    *sink.AggregateTable `json:"aggregate,omitempty"`
	Cuts   []byte               `json:"split_cuts,omitempty"`
	Fit    []byte               `json:"fit,omitempty"` // a pb.Broadcast: the fit and the shard cuts
	Shards [][]shard.Info       `json:"shards,omitempty"`
	Unique []*task.UniqueResult `json:"unique,omitempty"` // the expect-unique stage's results
	// FellBack: the batches the stage's device kernels gave back to the
	// CPU (the manifest's engine.fell_back), restored with the stage.
	FellBack map[string]int64 `json:"fell_back,omitempty"`
	// Profiles and Slices: the shard-write stage's (report.html is
	// rendered again from them).
	Profiles *sink.Profiles `json:"profiles,omitempty"`
	Slices   *sink.Slices   `json:"slices,omitempty"`
}

// restore puts a reused stage's results in place: the driver state, and
// its files in the work dir (scan) or the output (aggregates, shards).
func (r *run) restoreStage(d *barrier.State, st *planner.Stage, txn *sink.Txn) error {
	t0 := time.Now()
	cr := r.cache
	e := cr.Entries[st.ID]
	var cs cachedState
	if err := json.Unmarshal(e.State, &cs); err != nil {
		return fmt.Errorf("stage cache entry %.12s: %v", e.Key, err)
	}
	switch st.Kind {
	case planner.StageScan:
		execs := r.sched.T.Executors()
		dir := filepath.Join(cr.Work, "stagecache")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		for i, s := range cs.Scans {
			s.Executor, s.CachePath, s.AggPaths, s.ExpectPath = "", "", nil, ""
			if !cr.ScanFiles {
				continue
			}
			if len(execs) > 0 {
				s.Executor = execs[i%len(execs)].ID
			}
			s.CachePath = filepath.Join(dir, fmt.Sprintf("cache-%05d", i))
			if err := stagereuse.LinkShuffle(e, fmt.Sprintf("c%05d", i), s.CachePath); err != nil {
				return err
			}
			for a := range r.p.Job.Aggregates {
				p := filepath.Join(dir, fmt.Sprintf("agg%d-%05d", a, i))
				if err := stagereuse.LinkShuffle(e, fmt.Sprintf("a%d-%05d", a, i), p); err != nil {
					return err
				}
				s.AggPaths = append(s.AggPaths, p)
			}
			if len(r.UniqueRules()) > 0 {
				s.ExpectPath = filepath.Join(dir, fmt.Sprintf("expect-%05d", i))
				if err := stagereuse.LinkShuffle(e, fmt.Sprintf("e%05d", i), s.ExpectPath); err != nil {
					return err
				}
			}
		}
		d.Scans = cs.Scans
		if err := r.scanBarrier(d); err != nil {
			return err
		}
	case planner.StageAggregate:
		if cs.Agg == nil {
			return fmt.Errorf("stage cache entry %.12s has no table", e.Key)
		}
		if err := mkdirOut(txn, "aggregates"); err != nil {
			return err
		}
		if err := e.CopyOut("table", filepath.Join(txn.Dir(), filepath.FromSlash(cs.Agg.Path))); err != nil {
			return err
		}
		d.Aggregates = append(d.Aggregates, *cs.Agg)
	case planner.StageExpect:
		d.Unique = cs.Unique
	case planner.StageSplitBoundaries:
		d.SplitCuts = cs.Cuts
	case planner.StageFit, planner.StageShardWrite:
		var b pb.Broadcast
		if err := proto.Unmarshal(cs.Fit, &b); err != nil {
			return fmt.Errorf("stage cache entry %.12s: %v", e.Key, err)
		}
		fb := fragment.DecodeBroadcast(&b)
		if d.Fit == nil {
			d.Fit, d.ShardCuts = fb.Fit, fb.ShardCuts
		}
		if st.Kind == planner.StageFit {
			break
		}
		for _, rt := range r.p.Job.Split.Ratios {
			if err := os.MkdirAll(filepath.Join(txn.Dir(), rt.Name), 0o755); err != nil {
				return err
			}
		}
		for k, infos := range cs.Shards {
			for j, info := range infos {
				if err := e.CopyOut(fmt.Sprintf("s%d-%05d", k, j), filepath.Join(txn.Dir(), filepath.FromSlash(info.Path))); err != nil {
					return err
				}
			}
		}
		d.Shards = cs.Shards
	}
	if st.Kind == planner.StageShardWrite {
		if cs.Profiles == nil {
			return fmt.Errorf("stage cache entry %.12s has no profiles", e.Key)
		}
		d.Profiles, d.Slices = cs.Profiles, cs.Slices
		if err := r.writeReport(d, txn); err != nil {
			return err
		}
	}
	if len(cs.FellBack) > 0 {
		if r.fellBack == nil {
			r.fellBack = map[string]int64{}
		}
		barrier.AddCounts(r.fellBack, cs.FellBack)
	}
	ss := cs.Stat
	ss.ID, ss.Kind, ss.Cached, ss.Wall, ss.CPU, ss.GPUs = st.ID, st.Kind, true, time.Since(t0), 0, 0
	r.stats = append(r.stats, ss)
	if r.opt.Progress != nil && !r.opt.Terminal {
		fmt.Fprintf(r.opt.Progress, "stage %d %s: cached (stage cache entry %.12s)\n", st.ID, st.Kind, e.Key)
	}
	return nil
}

// saveStage stores a stage that ran; a failure to store is a warning.
func (r *run) saveStage(d *barrier.State, st *planner.Stage, txn *sink.Txn, firstStat int, fellBefore map[string]int64) {
	cr := r.cache
	cs := cachedState{}
	for k, n := range r.fellBack {
		if n != fellBefore[k] {
			if cs.FellBack == nil {
				cs.FellBack = map[string]int64{}
			}
			cs.FellBack[k] = n - fellBefore[k]
		}
	}
	for _, s := range r.stats[firstStat:] {
		if cs.Stat.Tasks == 0 {
			cs.Stat.Tasks, cs.Stat.Operators, cs.Stat.Pass = s.Tasks, s.Operators, 1
		}
		cs.Stat.Rows += s.Rows
		cs.Stat.Bytes += s.Bytes
	}
	var files []stagecache.Source
	switch st.Kind {
	case planner.StageScan:
		for i, s := range d.Scans {
			c := *s
			c.Executor, c.CachePath, c.AggPaths, c.ExpectPath = "", "", nil, ""
			cs.Scans = append(cs.Scans, &c)
			if s.ExpectPath != "" {
				files = append(files, stagereuse.ShuffleFiles(fmt.Sprintf("e%05d", i), s.ExpectPath)...)
			}
			files = append(files, stagereuse.ShuffleFiles(fmt.Sprintf("c%05d", i), s.CachePath)...)
			for a, p := range s.AggPaths {
				files = append(files, stagereuse.ShuffleFiles(fmt.Sprintf("a%d-%05d", a, i), p)...)
			}
		}
	case planner.StageAggregate:
		a := d.Aggregates[len(d.Aggregates)-1]
		cs.Agg = &a
		files = append(files, stagecache.Source{Name: "table", Path: filepath.Join(txn.Dir(), filepath.FromSlash(a.Path))})
	case planner.StageExpect:
		cs.Unique = d.Unique
	case planner.StageSplitBoundaries:
		cs.Cuts = d.SplitCuts
	case planner.StageFit, planner.StageShardWrite:
		b, err := proto.Marshal((&task.Broadcast{Fit: d.Fit, ShardCuts: d.ShardCuts}).Encode())
		if err != nil {
			r.warn(fmt.Sprintf("stage cache: not storing the %s stage: %v", st.Kind, err))
			return
		}
		cs.Fit = b
		if st.Kind == planner.StageShardWrite {
			cs.Shards, cs.Profiles, cs.Slices = d.Shards, d.Profiles, d.Slices
			for k, infos := range d.Shards {
				for j, info := range infos {
					files = append(files, stagecache.Source{Name: fmt.Sprintf("s%d-%05d", k, j), Path: filepath.Join(txn.Dir(), filepath.FromSlash(info.Path))})
				}
			}
		}
	}
	state, err := json.Marshal(cs)
	if err == nil {
		err = cr.Cache.Put(cr.Keys[st.ID], st.Kind, state, files)
	}
	if err != nil {
		r.warn(fmt.Sprintf("stage cache: not storing the %s stage: %v", st.Kind, err))
	}
}
