package cluster

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc"

	pb "github.com/sluice-ml/sluice/proto"
	"github.com/sluice-ml/sluice/task"
	"github.com/sluice-ml/sluice/task/exchange"
)

// replayStream is a fetch stream that replays recorded chunks.
type replayStream struct {
	grpc.ClientStream
	chunks []*pb.FetchChunk
}

func (s *replayStream) Recv() (*pb.FetchChunk, error) {
	if len(s.chunks) == 0 {
		return nil, io.EOF
	}
	c := s.chunks[0]
	s.chunks = s.chunks[1:]
	return c, nil
}

// fuzzRows is the size of the fuzzed output; partition p holds the rows
// i < fuzzRows with i%3 == p, in order.
const fuzzRows = 700

// recordFetch serves partition p of the output at path as ServeFetch
// sends it: the header, then each segment's chunks.
func recordFetch(t testing.TB, root, path string, p int) (*pb.FetchChunk, []*pb.FetchChunk) {
	var got []*pb.FetchChunk
	err := ServeFetch(root, &pb.FetchRequest{Path: path, Partition: int32(p)}, func(c *pb.FetchChunk) error {
		c.Data = slices.Clone(c.Data)
		got = append(got, c)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got[0], got[1:]
}

// rechunk cuts every segment into pieces of size bytes (the last piece
// carries the segment's end fields), as a sender with another chunk size
// would.
func rechunk(chunks []*pb.FetchChunk, size int) []*pb.FetchChunk {
	var out []*pb.FetchChunk
	var seg []byte
	for _, c := range chunks {
		seg = append(seg, c.Data...)
		if !c.SegmentEnd {
			continue
		}
		for len(seg) > size {
			out = append(out, &pb.FetchChunk{Data: seg[:size:size]})
			seg = seg[size:]
		}
		out = append(out, &pb.FetchChunk{Data: seg, SegmentEnd: true, Crc: c.Crc, SegmentRows: c.SegmentRows})
		seg = nil
	}
	return out
}

// FuzzFetchStream replays a real fetch stream of one partition through
// the fetch decoder (remoteIter) after re-chunking it and applying the
// mutations coded in ops: a flipped data byte, a changed segment row
// count, checksum or end flag, a stream cut short, or a changed segment
// or row count in the header. Every read must either yield exactly the
// partition's rows or fail with a retryable *exchange.FetchFailed, and leave
// no Arrow memory behind.
func FuzzFetchStream(f *testing.F) {
	root := f.TempDir()
	path := filepath.Join(root, "job", "out")
	var heads [3]*pb.FetchChunk
	var streams [3][]*pb.FetchChunk
	var once sync.Once
	record := func(t *testing.T) {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		writeOutput(t, path, fuzzRows, memory.DefaultAllocator)
		for p := range 3 {
			heads[p], streams[p] = recordFetch(t, root, path, p)
		}
	}
	f.Add(uint8(0), uint16(0), []byte{})
	f.Add(uint8(1), uint16(7), []byte{})
	f.Add(uint8(2), uint16(100), []byte{0, 1, 2, 3})
	f.Add(uint8(1), uint16(0), []byte{5, 0, 0xff, 0}) // one segment fewer announced
	for k := range byte(7) {
		f.Add(uint8(k), uint16(k*33), []byte{k, k + 1, 5, 200})
	}
	f.Fuzz(func(t *testing.T, p uint8, size uint16, ops []byte) {
		once.Do(func() { record(t) })
		if heads[0] == nil {
			t.Fatal("no recorded stream")
		}
		part := int(p % 3)
		chunks := streams[part]
		if size > 0 {
			chunks = rechunk(chunks, int(size))
		}
		chunks = cloneChunks(chunks)
		want, wantRows := int(heads[part].Segments), heads[part].Rows
		mutated := false
		for len(ops) >= 4 && len(chunks) > 0 {
			c := chunks[int(ops[1])%len(chunks)]
			a, b := ops[2], ops[3]
			switch ops[0] % 7 {
			case 0:
				if len(c.Data) > 0 {
					c.Data[(int(a)<<8|int(b))%len(c.Data)] ^= a | 1
				}
			case 1:
				c.SegmentRows += int64(int8(a | 1))
			case 2:
				c.Crc ^= uint32(a)<<8 | uint32(b) | 1
			case 3:
				c.SegmentEnd = !c.SegmentEnd
			case 4:
				chunks = chunks[:int(ops[1])%len(chunks)]
			case 5:
				want += int(int8(a | 1))
			default:
				wantRows += int64(int8(a | 1))
			}
			mutated = true
			ops = ops[4:]
		}
		mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
		defer mem.AssertSize(t, 0)
		loc := task.Location{Executor: "e1", Path: path}
		it := &remoteIter{st: &replayStream{chunks: chunks}, mem: mem, loc: loc, p: part, want: want, wantRows: wantRows}
		var got []int64
		var err error
		for {
			b, e := it.Next()
			if e != nil {
				err = e
				break
			}
			if b == nil {
				break
			}
			got = append(got, b.Column(0).(*array.Int64).Int64Values()...)
		}
		it.Close()
		if err != nil {
			var ff *exchange.FetchFailed
			if !errors.As(err, &ff) || !exchange.IsRetryable(err) || ff.Loc != loc {
				t.Fatalf("error is not a retryable FetchFailed for %v: %v", loc, err)
			}
			if !mutated {
				t.Fatalf("unmutated stream: %v", err)
			}
			return
		}
		var rows []int64
		for i := part; i < fuzzRows; i += 3 {
			rows = append(rows, int64(i))
		}
		if !slices.Equal(got, rows) {
			t.Fatalf("decoded %d rows without error, want the partition's %d rows (mutated %v)", len(got), len(rows), mutated)
		}
	})
}

// cloneChunks deep-copies chunks so that mutations stay in one run.
func cloneChunks(chunks []*pb.FetchChunk) []*pb.FetchChunk {
	out := make([]*pb.FetchChunk, len(chunks))
	for i, c := range chunks {
		out[i] = &pb.FetchChunk{Data: slices.Clone(c.Data), SegmentEnd: c.SegmentEnd, Crc: c.Crc, SegmentRows: c.SegmentRows}
	}
	return out
}
