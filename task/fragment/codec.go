package fragment

import (
	"bytes"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"

	"github.com/sluice-ml/sluice/exec/cpu/column"
	"github.com/sluice-ml/sluice/exec/cpu/feature"
	"github.com/sluice-ml/sluice/exec/split"
	"github.com/sluice-ml/sluice/input/guard"
	pb "github.com/sluice-ml/sluice/proto"
)

// Version is the stage fragment format this build writes and runs.
// Bump it with any change an executor of the previous version would
// misread; executors refuse a fragment of another version. Version 3:
// executors exchange shuffle files whose segments may store integers as
// frame of reference or delta (shuffle index versions 5 and 6).
const Version = 3

// EncodeSchema writes a schema as an Arrow IPC stream with no batches.
func EncodeSchema(s *arrow.Schema) ([]byte, error) {
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(s))
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// DecodeSchema reads a schema written by EncodeSchema.
func DecodeSchema(data []byte) (*arrow.Schema, error) {
	if len(data) == 0 {
		return nil, fmt.Errorf("missing")
	}
	s, _, err := guard.DecodeSchema(data)
	return s, err
}

// DecodeBroadcast is a fragment's broadcast as the stage runners read it.
func DecodeBroadcast(m *pb.Broadcast) *Broadcast {
	b := &Broadcast{Groups: m.GetGroups(), SplitCuts: m.GetSplitCuts(), ShardCuts: m.GetShardCuts(), Fit: decodeFit(m.GetFit()),
		OutDir: m.GetOutDir(), ShardWin: m.GetShardWindows(), Table: int(m.GetTable())}
	for _, w := range m.GetWindows() {
		b.Windows = append(b.Windows, split.Window{Target: split.Target{Group: w.GetGroup(), Rank: w.GetRank(), N: w.GetN()}, Lo: w.GetLo(), Hi: w.GetHi()})
	}
	for _, c := range m.GetCaches() {
		b.Caches = append(b.Caches, Location{Executor: c.GetExecutor(), Path: c.GetPath()})
	}
	for _, ls := range m.GetAggs() {
		var l []Location
		for _, c := range ls.GetLocations() {
			l = append(l, Location{Executor: c.GetExecutor(), Path: c.GetPath()})
		}
		b.Aggs = append(b.Aggs, l)
	}
	return b
}

// encode is the Fitted transforms as a fragment carries them.
func (f *Fitted) Encode() *pb.Fit {
	if f == nil {
		return nil
	}
	out := &pb.Fit{LabelFill: encodePBValue(f.LabelFill)}
	for _, ft := range f.Features {
		m := &pb.FittedTransform{Transform: ft.Transform, Mean: ft.Mean, Std: ft.Std, Min: ft.Min, Max: ft.Max, ClipMin: ft.ClipMin, ClipMax: ft.ClipMax,
			Boundaries: ft.Boundaries, Buckets: int32(ft.Buckets), FillKind: ft.FillKind, Fill: encodePBValue(ft.Fill), TrainRows: ft.TrainRows}
		for i := range ft.Vocab {
			m.Vocab = append(m.Vocab, encodePBValue(&ft.Vocab[i]))
		}
		out.Features = append(out.Features, m)
	}
	for _, names := range f.OutputNames {
		out.OutputNames = append(out.OutputNames, &pb.NameList{Names: names})
	}
	return out
}

// decodeFit is the inverse of Fitted.encode.
func decodeFit(m *pb.Fit) *Fitted {
	if m == nil {
		return nil
	}
	f := &Fitted{LabelFill: decodePBValue(m.GetLabelFill())}
	for _, ft := range m.GetFeatures() {
		c := &feature.Fitted{Transform: ft.GetTransform(), Mean: ft.GetMean(), Std: ft.GetStd(), Min: ft.GetMin(), Max: ft.GetMax(), ClipMin: ft.ClipMin, ClipMax: ft.ClipMax,
			Boundaries: ft.GetBoundaries(), Buckets: int(ft.GetBuckets()), FillKind: ft.GetFillKind(), Fill: decodePBValue(ft.GetFill()), TrainRows: ft.GetTrainRows()}
		for _, v := range ft.GetVocab() {
			c.Vocab = append(c.Vocab, *decodePBValue(v))
		}
		f.Features = append(f.Features, c)
	}
	for _, n := range m.GetOutputNames() {
		f.OutputNames = append(f.OutputNames, n.GetNames())
	}
	return f
}

func encodePBValue(v *column.Value) *pb.Value {
	if v == nil {
		return nil
	}
	return &pb.Value{Kind: v.Kind, I: v.I, F: v.F, S: v.S, B: v.B}
}

func decodePBValue(m *pb.Value) *column.Value {
	if m == nil {
		return nil
	}
	return &column.Value{Kind: m.GetKind(), I: m.GetI(), F: m.GetF(), S: m.GetS(), B: m.GetB()}
}

// Encode is the broadcast as a fragment carries it.
func (b *Broadcast) Encode() *pb.Broadcast {
	if b == nil {
		return &pb.Broadcast{}
	}
	out := &pb.Broadcast{Groups: b.Groups, SplitCuts: b.SplitCuts, ShardCuts: b.ShardCuts, Fit: b.Fit.Encode(),
		OutDir: b.OutDir, ShardWindows: b.ShardWin, Table: int32(b.Table)}
	for _, w := range b.Windows {
		out.Windows = append(out.Windows, &pb.Window{Group: w.Target.Group, Rank: w.Target.Rank, N: w.Target.N, Lo: w.Lo, Hi: w.Hi})
	}
	for _, c := range b.Caches {
		out.Caches = append(out.Caches, &pb.Location{Executor: c.Executor, Path: c.Path})
	}
	for _, ls := range b.Aggs {
		l := &pb.LocationList{}
		for _, c := range ls {
			l.Locations = append(l.Locations, &pb.Location{Executor: c.Executor, Path: c.Path})
		}
		out.Aggs = append(out.Aggs, l)
	}
	return out
}
