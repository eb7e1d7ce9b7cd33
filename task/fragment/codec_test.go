package fragment

import (
	"reflect"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/sluice-ml/sluice/exec/cpu/column"
	"github.com/sluice-ml/sluice/exec/cpu/feature"
	"github.com/sluice-ml/sluice/exec/split"
	pb "github.com/sluice-ml/sluice/proto"
)

// A broadcast and its fitted transforms cross the wire unchanged.
func TestBroadcastRoundTrip(t *testing.T) {
	lo, hi := -1.5, 2.5
	b := &Broadcast{
		Groups:    map[string]int32{"sa": 0, "sb": 1},
		Windows:   []split.Window{{Target: split.Target{Group: 1, Rank: 7, N: 9}, Lo: 3, Hi: 1 << 63}},
		SplitCuts: []byte{1, 2, 3}, ShardCuts: []byte{4},
		Fit: &Fitted{
			Features: []*feature.Fitted{
				{Transform: "clip", ClipMin: &lo, ClipMax: &hi, TrainRows: 0},
				{Transform: "onehot", Vocab: []column.Value{{Kind: column.KindString, S: "x"}, {Kind: column.KindInt64, I: -4}}, FillKind: "mode", Fill: &column.Value{Kind: column.KindString, S: "x"}, TrainRows: 12},
				{Transform: "zscore", Mean: 1.25, Std: 0.5, Min: -3, Max: 9, Boundaries: []float64{1, 2}, Buckets: 4, TrainRows: 5},
			},
			LabelFill:   &column.Value{Kind: column.KindFloat64, F: 0.75},
			OutputNames: [][]string{{"a"}, {"b=x", "b=-4", "b=__oov__"}, {"c"}},
		},
		Caches:   []Location{{Executor: "e1", Path: "/w/c0"}, {Executor: "e2", Path: "/w/c1"}},
		Aggs:     [][]Location{{{Executor: "e1", Path: "/w/a0"}}, {{Executor: "e2", Path: "/w/a1"}}},
		OutDir:   "/o.tmp-0123456789abcdef",
		ShardWin: true, Table: 2,
	}
	data, err := proto.Marshal(b.Encode())
	if err != nil {
		t.Fatal(err)
	}
	var m pb.Broadcast
	if err := proto.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	if got := DecodeBroadcast(&m); !reflect.DeepEqual(got, b) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, b)
	}
}
