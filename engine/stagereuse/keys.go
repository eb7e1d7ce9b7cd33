package stagereuse

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/sluice-ml/sluice/input"
	"github.com/sluice-ml/sluice/jobspec"
	"github.com/sluice-ml/sluice/planner"
	"github.com/sluice-ml/sluice/planner/logical"
	pb "github.com/sluice-ml/sluice/proto"
	"github.com/sluice-ml/sluice/stagecache"
)

// InputFingerprints returns each input file's content fingerprint and its
// stamp. A generated file's fingerprint covers the generator's kind, rows,
// seed, file count and the file's index. An error is the input's (a file
// that cannot be read).
func InputFingerprints(ctx context.Context, ds *input.Dataset) (content, stamps []string, err error) {
	for i, f := range ds.Files {
		if ds.Generated {
			h := sha256.New()
			g := ds.Input.Generate
			fmt.Fprintf(h, "generated|%s|%d|%d|%d|%d|%s", g.Kind, g.Rows, g.Seed, g.Files, i, f.RelPath)
			c := "sha256:" + hex.EncodeToString(h.Sum(nil))
			content, stamps = append(content, c), append(stamps, c)
			continue
		}
		c, s, err := stagecache.Fingerprint(ctx, f.Path, ds.Format)
		if err != nil {
			return nil, nil, err
		}
		content, stamps = append(content, c), append(stamps, s)
	}
	return content, stamps, nil
}

// Keys computes every stage's key of plan, the plan of job over the
// input ds bound as bound; stamps are the input files' stamps.
func Keys(job *jobspec.Job, ds *input.Dataset, plan *planner.Plan, bound *pb.BoundJob, stamps []string) (map[int]string, error) {
	det := proto.MarshalOptions{Deterministic: true}
	view := func(edit func(*pb.BoundJob)) ([]byte, error) {
		c := proto.Clone(bound).(*pb.BoundJob)
		edit(c)
		return det.Marshal(c)
	}
	noFormat := func(c *pb.BoundJob) {
		if c.Output != nil {
			c.Output.Format, c.Output.Compression = "", ""
		}
	}
	scanView, err := view(func(c *pb.BoundJob) {
		noFormat(c)
		if c.Output != nil {
			c.Output.Shuffle = false
		}
		for _, f := range c.Features {
			f.Transform = ""
		}
	})
	if err != nil {
		return nil, err
	}
	fitView, err := view(noFormat)
	if err != nil {
		return nil, err
	}
	full, err := det.Marshal(bound)
	if err != nil {
		return nil, err
	}
	out := struct{ Format, Compression string }{job.Output.Format, job.Output.Compression}
	settings := struct {
		Format, Compression string
		Shards              int
		Shuffle             bool
	}{job.Output.Format, job.Output.Compression, job.Output.Shards, job.Output.Shuffle}
	keys := map[int]string{}
	var scan, chain string
	for i := range plan.Stages {
		st := &plan.Stages[i]
		k := stagecache.NewKey(st.Kind)
		if err := k.JSON("stage", stageView(st)); err != nil {
			return nil, err
		}
		switch st.Kind {
		case planner.StageScan:
			k.Bytes("stamps", []byte(strings.Join(stamps, "\n"))).Bytes("bound", scanView)
			err = k.JSON("tasks", ds.Tasks)
		case planner.StageExpect:
			k.Bytes("scan", []byte(scan)) // the rules are in the scan's bound job and in the stage
		case planner.StageAggregate:
			k.Bytes("scan", []byte(scan)).Bytes("table", []byte(st.Table))
			err = k.JSON("output", out)
		case planner.StageSplitBoundaries:
			k.Bytes("prev", []byte(chain))
			err = k.JSON("ratios", job.Split.Ratios)
		case planner.StageFit:
			k.Bytes("prev", []byte(chain)).Bytes("bound", fitView)
			err = jsonAll(k, "ratios", job.Split.Ratios, "features", job.Features, "label", job.Label)
		case planner.StageShardWrite:
			k.Bytes("prev", []byte(chain)).Bytes("bound", full)
			err = jsonAll(k, "ratios", job.Split.Ratios, "features", job.Features, "label", job.Label, "keep", job.Keep, "output", settings, "slices", job.Slices)
		default:
			return nil, fmt.Errorf("internal: no stage cache key for a %s stage", st.Kind)
		}
		if err != nil {
			return nil, err
		}
		keys[st.ID] = k.Sum()
		switch st.Kind {
		case planner.StageScan:
			scan, chain = keys[st.ID], keys[st.ID]
		case planner.StageAggregate, planner.StageExpect:
		default:
			chain = keys[st.ID]
		}
	}
	return keys, nil
}

// stageView is what of a plan stage its key covers: everything but the
// output path (a rerun into another directory writes the same bytes).
func stageView(st *planner.Stage) any {
	type op struct {
		Name, Engine, Transfer string
		Params                 []logical.KV
		InputTypes             []string
	}
	v := struct {
		ID, Tasks     int
		Kind, Barrier string
		Table         string
		Inputs        []int
		Ops           []op
	}{ID: st.ID, Tasks: st.Tasks, Kind: st.Kind, Barrier: st.Barrier, Table: st.Table, Inputs: st.Inputs}
	for _, o := range st.Operators {
		x := op{Name: o.Name, Engine: o.Engine, Transfer: o.Transfer}
		for _, kv := range o.Params {
			if kv.Key != "path" {
				x.Params = append(x.Params, kv)
			}
		}
		for _, t := range o.InputTypes {
			x.InputTypes = append(x.InputTypes, fmt.Sprint(t))
		}
		v.Ops = append(v.Ops, x)
	}
	return v
}

func jsonAll(k *stagecache.Key, kv ...any) error {
	for i := 0; i+1 < len(kv); i += 2 {
		if err := k.JSON(kv[i].(string), kv[i+1]); err != nil {
			return err
		}
	}
	return nil
}

// Reusable decides which stages are restored given the entries found: the
// scan when its entry is there; an aggregate table when its entry and the
// scan are; every other stage when its entry and the stage before it (not
// counting aggregates) are.
func Reusable(plan *planner.Plan, found func(id int) bool) map[int]bool {
	reuse := map[int]bool{}
	scan, chain := false, false
	for _, st := range plan.Stages {
		switch st.Kind {
		case planner.StageScan:
			scan = found(st.ID)
			chain = scan
			reuse[st.ID] = scan
		case planner.StageAggregate, planner.StageExpect:
			reuse[st.ID] = scan && found(st.ID)
		default:
			chain = chain && found(st.ID)
			reuse[st.ID] = chain
		}
	}
	return reuse
}
