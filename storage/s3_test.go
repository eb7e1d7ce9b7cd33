package storage_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/sluice-ml/sluice/storage"
	"github.com/sluice-ml/sluice/storage/s3test"
)

func TestS3(t *testing.T) {
	srv := s3test.Start(t)
	b := srv.Bucket(t, "data")
	ctx := context.Background()

	// A streamed multipart upload (several parts) and its sha256.
	payload := make([]byte, 20<<20+12345)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range payload {
		payload[i] = byte(rng.Uint32())
	}
	w, err := storage.Create(ctx, "s3://"+b+"/dir/big.bin")
	if err != nil {
		t.Fatal(err)
	}
	for off := 0; off < len(payload); off += 1 << 20 {
		if _, err := w.Write(payload[off:min(off+1<<20, len(payload))]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	want := sha256.Sum256(payload)
	if !bytes.Equal(w.Sum(), want[:]) || w.Size() != int64(len(payload)) {
		t.Fatalf("writer sum/size %x/%d, want %x/%d", w.Sum(), w.Size(), want, len(payload))
	}

	// Ranged reads return the bytes at their offsets, one GET each.
	f, err := storage.Open(ctx, "s3://"+b+"/dir/big.bin")
	if err != nil {
		t.Fatal(err)
	}
	if f.Size() != int64(len(payload)) {
		t.Fatalf("size %d, want %d", f.Size(), len(payload))
	}
	for _, r := range [][2]int{{0, 10}, {5 << 20, 4096}, {len(payload) - 100, 100}} {
		buf := make([]byte, r[1])
		req, got0 := storage.Requests.Load(), storage.BytesRead.Load()
		if _, err := f.ReadAt(buf, int64(r[0])); err != nil {
			t.Fatalf("ReadAt %v: %v", r, err)
		}
		if !bytes.Equal(buf, payload[r[0]:r[0]+r[1]]) {
			t.Fatalf("ReadAt %v: wrong bytes", r)
		}
		if n := storage.Requests.Load() - req; n != 1 {
			t.Fatalf("ReadAt %v made %d requests, want 1", r, n)
		}
		if n := storage.BytesRead.Load() - got0; n != int64(r[1]) {
			t.Fatalf("ReadAt %v fetched %d bytes, want %d", r, n, r[1])
		}
	}
	// Past the end: io.EOF with the bytes there are.
	buf := make([]byte, 50)
	n, err := f.ReadAt(buf, int64(len(payload)-20))
	if n != 20 || err != io.EOF || !bytes.Equal(buf[:20], payload[len(payload)-20:]) {
		t.Fatalf("ReadAt past end: %d, %v", n, err)
	}
	// Sequential reads after a seek.
	if _, err := f.Seek(1000, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	all, err := io.ReadAll(f)
	if err != nil || !bytes.Equal(all, payload[1000:]) {
		t.Fatalf("Read after Seek: %d bytes, %v", len(all), err)
	}
	f.Close()

	// A prefix lists like a directory: recursive, not its siblings.
	for _, k := range []string{"dir/a.txt", "dir/sub/b.txt", "dir2/c.txt", "dirx"} {
		srv.Put(t, b, k, []byte(k))
	}
	for _, u := range []string{"s3://" + b + "/dir", "s3://" + b + "/dir/"} {
		objs, err := storage.List(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		var rels []string
		for _, o := range objs {
			rels = append(rels, o.Rel)
		}
		if !slices.Equal(rels, []string{"a.txt", "big.bin", "sub/b.txt"}) {
			t.Fatalf("List(%s) = %v", u, rels)
		}
	}
	objs, err := storage.List(ctx, "s3://"+b+"/dir/*.txt")
	if err != nil || len(objs) != 1 || objs[0].Rel != "a.txt" || objs[0].Size != int64(len("dir/a.txt")) {
		t.Fatalf("List(pattern) = %+v, %v", objs, err)
	}
	objs, err = storage.List(ctx, "s3://"+b+"/dir/a.txt")
	if err != nil || len(objs) != 1 || objs[0].URL != "s3://"+b+"/dir/a.txt" {
		t.Fatalf("List(object) = %+v, %v", objs, err)
	}

	// An aborted upload leaves no object.
	w, err = storage.Create(ctx, "s3://"+b+"/aborted.bin")
	if err != nil {
		t.Fatal(err)
	}
	w.Write(payload[:9<<20]) // more than one part
	w.Abort()
	if slices.Contains(srv.Keys(t, b), "aborted.bin") {
		t.Fatal("an aborted upload left its object")
	}

	// Delete, then the object is gone for the server's own listing.
	if err := storage.Delete(ctx, "s3://"+b+"/dirx"); err != nil {
		t.Fatal(err)
	}
	if slices.Contains(srv.Keys(t, b), "dirx") {
		t.Fatal("Delete left the object")
	}

	// Errors name the URL.
	for u, want := range map[string]string{
		"s3://" + b + "/missing.parquet": "no objects",
		"s3://" + b + "/nothing/":        "no objects",
		"s3://no-such-bucket/x/":         "does not exist",
	} {
		_, err := storage.List(ctx, u)
		if err == nil || !strings.Contains(err.Error(), u) || !strings.Contains(err.Error(), want) || !storage.IsNotFound(err) {
			t.Errorf("List(%s): %v; want a not-found error naming the URL, saying %q", u, err, want)
		}
	}
	if _, err := storage.Open(ctx, "s3://"+b+"/missing.parquet"); err == nil || !strings.Contains(err.Error(), "s3://"+b+"/missing.parquet") || !storage.IsNotFound(err) {
		t.Errorf("Open(missing): %v", err)
	}
	if _, err := storage.Open(ctx, "foo://x/y"); err == nil || !strings.Contains(err.Error(), "foo://x/y") {
		t.Errorf("Open(foo://): %v", err)
	}

	// Wrong credentials: access denied, naming the URL.
	t.Setenv("AWS_SECRET_ACCESS_KEY", "wrong-secret")
	storage.ResetForTest()
	_, err = storage.Open(ctx, "s3://"+b+"/dir/a.txt")
	if err == nil || !strings.Contains(err.Error(), "s3://"+b+"/dir/a.txt") || !strings.Contains(err.Error(), "access denied") {
		t.Errorf("Open with a wrong secret: %v", err)
	}
	if err := storage.CheckBucket(ctx, "s3://"+b+"/out"); err == nil || !strings.Contains(err.Error(), "access denied") {
		t.Errorf("CheckBucket with a wrong secret: %v", err)
	}
}
