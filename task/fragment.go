package task

import (
	"fmt"

	"github.com/sluice-ml/sluice/input"
	pb "github.com/sluice-ml/sluice/proto"
	"github.com/sluice-ml/sluice/vocab"
)

// stageOf is a fragment's plan stage.
func stageOf(f *pb.StageFragment) *planStage {
	st := &planStage{ID: int(f.GetPlanStage()), Kind: f.GetKind()}
	for _, op := range f.GetOperators() {
		st.Operators = append(st.Operators, planOp{Name: op.GetName(), Params: op.GetParams()})
	}
	return st
}

// dataset is the input as a scan task's reader needs it: the bound input
// with the one file and the rows the fragment assigns to the task.
func (r *Env) dataset(in *pb.InputAssignment) (*input.Dataset, input.Task, error) {
	if in == nil {
		return nil, input.Task{}, fmt.Errorf("fragment: a scan task without an input assignment")
	}
	spec := r.bj.GetInput()
	src := vocab.Input{Path: spec.GetPath(), Format: spec.GetFormat()}
	if c := spec.GetCsv(); c != nil {
		src.CSV = vocab.CSVOptions{Delimiter: c.GetDelimiter(), Header: c.GetHeader(), Types: c.GetTypes(), Null: c.GetNull()}
	}
	if g := spec.GetGenerate(); g != nil {
		src.Generate = &vocab.Generate{Kind: g.GetKind(), Rows: g.GetRows(), Seed: g.GetSeed(), Files: int(g.GetFiles())}
	}
	ds := &input.Dataset{Format: spec.GetFormat(), Schema: r.inSchema, Generated: spec.GetGenerated(), Input: src,
		Files: []input.File{{Path: in.GetPath(), RelPath: in.GetRelPath(), Size: in.GetSize(), Rows: in.GetFileRows()}}}
	t := input.Task{Index: int(in.GetTaskIndex()), FileIndex: 0, RowOffset: in.GetRowOffset(), Rows: in.GetRows(), GenLo: in.GetGenLo(), GenHi: in.GetGenHi()}
	for _, g := range in.GetRowGroups() {
		t.RowGroups = append(t.RowGroups, int(g))
	}
	ds.Tasks = []input.Task{t}
	return ds, t, nil
}
