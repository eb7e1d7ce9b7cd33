package engine

import (
	"context"
	"fmt"
	"strings"

	"github.com/sluice-ml/sluice/engine/bind"
	"github.com/sluice-ml/sluice/engine/stagereuse"
	"github.com/sluice-ml/sluice/input"
)

// explainCache is EXPLAIN's stage cache section: each stage and whether
// an embedded run would reuse it now.
func explainCache(p *bind.Prepared, opt Options) (string, error) {
	bound, err := bind.Job(p, firstNonEmpty(opt.Engine, p.Job.Engine.Prefer), opt.BatchRows)
	if err != nil {
		return "", err
	}
	_, stamps, err := inputFingerprints(context.Background(), p.DS)
	if err != nil {
		return "", err
	}
	keys, err := stagereuse.Keys(p.Job, p.DS, p.Plan, bound, stamps)
	if err != nil {
		return "", err
	}
	found := map[int]bool{}
	for id, k := range keys {
		e, err := opt.Cache.Get(k)
		if err == nil && e != nil {
			found[id] = true
			e.Release()
		}
	}
	reuse := stagereuse.Reusable(p.Plan, func(id int) bool { return found[id] })
	var b strings.Builder
	fmt.Fprintf(&b, "\nStage cache: %s\n", opt.Cache.Dir())
	for _, st := range p.Plan.Stages {
		mark := "runs"
		if reuse[st.ID] {
			mark = "cached (reused)"
		}
		fmt.Fprintf(&b, "  stage %d %-18s %-16s key %.12s\n", st.ID, st.Kind, mark, keys[st.ID])
	}
	return b.String(), nil
}

// inputFingerprints is stagereuse.InputFingerprints with a failure to
// read the input reported as an bind.InputError.
func inputFingerprints(ctx context.Context, ds *input.Dataset) (content, stamps []string, err error) {
	content, stamps, err = stagereuse.InputFingerprints(ctx, ds)
	if err != nil {
		return nil, nil, &bind.InputError{Err: err}
	}
	return content, stamps, nil
}
