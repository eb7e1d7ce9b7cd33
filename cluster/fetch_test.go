package cluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc"

	"github.com/sluice-ml/sluice/cluster/auth"
	pb "github.com/sluice-ml/sluice/proto"
	"github.com/sluice-ml/sluice/shuffle"
	"github.com/sluice-ml/sluice/task"
	"github.com/sluice-ml/sluice/task/exchange"
)

// writeOutput writes a 3-partition shuffle output of rows (i, "k"+i%7)
// (row i goes to partition i%3) in small segments; the string dictionary
// column is numbered per file, so the segments hold ids.
func writeOutput(t *testing.T, path string, n int, mem memory.Allocator) {
	t.Helper()
	schema := arrow.NewSchema([]arrow.Field{{Name: "v", Type: arrow.PrimitiveTypes.Int64},
		{Name: "s", Type: &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}}}, nil)
	w, err := shuffle.NewWriter(path, schema, shuffle.WriterOptions{Partitions: 3, FlushBytes: 512}, mem)
	if err != nil {
		t.Fatal(err)
	}
	for start := 0; start < n; start += 100 {
		b := array.NewRecordBuilder(mem, schema)
		part := make([]int32, 0, 100)
		for i := start; i < min(start+100, n); i++ {
			b.Field(0).(*array.Int64Builder).Append(int64(i))
			if err := b.Field(1).(*array.BinaryDictionaryBuilder).AppendString(fmt.Sprintf("k%d", i%7)); err != nil {
				t.Fatal(err)
			}
			part = append(part, int32(i%3))
		}
		rec := b.NewRecordBatch()
		if err := w.WritePartitioned(rec, part); err != nil {
			t.Fatal(err)
		}
		rec.Release()
		b.Release()
	}
	if _, err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// readAll reads a partition's values of v, checking that each row's s is
// "k"+v%7.
func readAll(t *testing.T, files exchange.Files, loc task.Location, p int, mem memory.Allocator) ([]int64, shuffle.PartitionInfo, error) {
	t.Helper()
	part, err := files.OpenPartition(context.Background(), loc, p, mem)
	if err != nil {
		return nil, shuffle.PartitionInfo{}, err
	}
	defer part.Close()
	var out []int64
	for {
		b, err := part.Iter.Next()
		if err != nil {
			return nil, part.Info, err
		}
		if b == nil {
			return out, part.Info, nil
		}
		vs := b.Column(0).(*array.Int64).Int64Values()
		if b.NumCols() > 1 {
			s := b.Column(1).(*array.Dictionary)
			dict := s.Dictionary().(*array.String)
			for i, v := range vs {
				if got := dict.Value(s.GetValueIndex(i)); got != fmt.Sprintf("k%d", v%7) {
					t.Errorf("row %d: s = %q, want k%d", v, got, v%7)
				}
			}
		}
		out = append(out, vs...)
	}
}

// serveExecutor serves the Executor service for root on loopback.
func serveExecutor(t *testing.T, root string, sec auth.Security) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	opts, err := sec.ServerOptions(io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(opts...)
	pb.RegisterExecutorServer(srv, fetchOnly{root: root})
	go srv.Serve(lis)
	t.Cleanup(srv.Stop)
	return lis.Addr().String()
}

// TestFetchMatchesLocalRead streams every partition over gRPC and compares
// it with the local reader's rows and with the rows written (i%3 == p).
func TestFetchMatchesLocalRead(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "job"), 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(root, "job", "transform-00000-a0")
	writeOutput(t, path, 1000, mem)
	sec := auth.Security{Secret: []byte("0123456789abcdef-secret")}
	addr := serveExecutor(t, root, sec)
	p, err := NewPeers(nil, sec)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	p.Learn(map[string]string{"remote": addr})
	remote := &Fetcher{Self: "me", Peers: p}
	loc := task.Location{Executor: "remote", Path: path}
	for part := 0; part < 3; part++ {
		got, info, err := readAll(t, remote, loc, part, mem)
		if err != nil {
			t.Fatalf("partition %d: %v", part, err)
		}
		local, linfo, err := readAll(t, exchange.LocalFiles{}, loc, part, mem)
		if err != nil {
			t.Fatal(err)
		}
		var want []int64
		for i := part; i < 1000; i += 3 {
			want = append(want, int64(i))
		}
		if fmt.Sprint(got) != fmt.Sprint(want) || fmt.Sprint(local) != fmt.Sprint(want) {
			t.Errorf("partition %d: fetched %d rows, local %d, want %d", part, len(got), len(local), len(want))
		}
		if info != linfo || info.Segments < 2 {
			t.Errorf("partition %d info %+v, local %+v (want several segments)", part, info, linfo)
		}
	}
	// A corrupt data file fails the fetch of the partition holding the
	// byte (checksum) with a FetchFailed naming the output.
	data, _ := os.ReadFile(path + ".data")
	data[len(data)/2] ^= 0xff
	os.WriteFile(path+".data", data, 0o644)
	failed := 0
	for part := 0; part < 3; part++ {
		_, _, err = readAll(t, remote, loc, part, mem)
		var ff *exchange.FetchFailed
		if err != nil {
			failed++
			if !errors.As(err, &ff) || ff.Loc != loc || !strings.Contains(err.Error(), "checksum") {
				t.Errorf("corrupt segment: got %v, want a checksum FetchFailed for %v", err, loc)
			}
		}
	}
	if failed != 1 {
		t.Errorf("%d partitions failed after corrupting one byte, want 1", failed)
	}
	// Paths outside the work directory are refused.
	outside := task.Location{Executor: "remote", Path: "/etc/passwd"}
	if _, _, err := readAll(t, remote, outside, 0, mem); err == nil || !strings.Contains(err.Error(), "not a task output") {
		t.Errorf("fetch outside the work dir: %v", err)
	}
	// A wrong secret is refused.
	bad, err := NewPeers(nil, auth.Security{Secret: []byte("another secret, 16+ bytes")})
	if err != nil {
		t.Fatal(err)
	}
	defer bad.Close()
	bad.Learn(map[string]string{"remote": addr})
	if _, _, err := readAll(t, &Fetcher{Self: "x", Peers: bad}, loc, 0, mem); err == nil || !strings.Contains(err.Error(), "secret") {
		t.Errorf("fetch with a wrong secret: %v", err)
	}
}

// TestFailureRoundTrip checks the typed task failure survives the wire.
func TestFailureRoundTrip(t *testing.T) {
	loc := task.Location{Executor: "ex1", Path: "/w/job/transform-00001-a0"}
	cases := []struct {
		err       error
		retryable bool
		fetch     bool
	}{
		{errors.New("bad column"), false, false},
		{exchange.Retryable(errors.New("disk hiccup")), true, false},
		{fmt.Errorf("task: %w", exchange.Retryable(&exchange.FetchFailed{Loc: loc, Err: errors.New("gone")})), true, true},
	}
	for _, c := range cases {
		back := DecodeFailure(EncodeFailure(c.err))
		if exchange.IsRetryable(back) != c.retryable {
			t.Errorf("%v: retryable %v, want %v", c.err, exchange.IsRetryable(back), c.retryable)
		}
		var ff *exchange.FetchFailed
		if errors.As(back, &ff) != c.fetch || (c.fetch && ff.Loc != loc) {
			t.Errorf("%v: fetch failure lost: %v", c.err, back)
		}
		if !strings.Contains(back.Error(), c.err.Error()) && !c.fetch {
			t.Errorf("message %q lost: %q", c.err, back)
		}
	}
}

// fetchOnly is an Executor service that only serves fetches of root's
// outputs, as an executor does.
type fetchOnly struct {
	pb.UnimplementedExecutorServer
	root string
}

func (s fetchOnly) Fetch(req *pb.FetchRequest, st pb.Executor_FetchServer) error {
	return ServeFetch(s.root, req, st.Send)
}
