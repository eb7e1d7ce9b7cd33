package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sluice-ml/sluice/engine"
	"github.com/sluice-ml/sluice/input/citibike"
	"github.com/sluice-ml/sluice/jobspec"
	"github.com/sluice-ml/sluice/sink"
	"github.com/sluice-ml/sluice/storage"
	"github.com/sluice-ml/sluice/storage/s3test"
)

const objstoreJob = `name: e2e-objstore
input:
  path: IN
  format: parquet
features:
  tripduration: {transform: log1p}
  start_station_id: {transform: vocab, top_k: 50}
  gender: {transform: onehot}
label:
  birth_year: {fill: median}
keep: [trip_id, usertype]
split:
  by: usertype
  ratios: {train: 0.8, eval: 0.2}
  seed: 5
aggregates:
  by_gender:
    by: gender
    compute: {n: count(), d: mean(tripduration)}
output:
  path: OUT
  format: FORMAT
  shards: 3
`

func objJob(t *testing.T, in, out, format string, sets ...string) (*jobspec.Job, error) {
	src := strings.NewReplacer("IN", in, "OUT", out, "FORMAT", format).Replace(objstoreJob)
	return jobspec.Parse("job.yaml", []byte(src), sets)
}

// shardSums lists a manifest's files (shards, aggregates, report.html)
// with their sha256s.
func shardSums(m *sink.Manifest) []string {
	var s []string
	for _, sp := range m.Splits {
		for _, sh := range sp.Shards {
			s = append(s, sh.Path+" "+sh.SHA256)
		}
	}
	for _, a := range m.Aggregates {
		s = append(s, a.Path+" "+a.SHA256)
	}
	if m.Profiles != nil && m.Profiles.Report != nil {
		s = append(s, m.Profiles.Report.Path+" "+m.Profiles.Report.SHA256)
	}
	return s
}

// A job with its input and output in an S3-compatible store (a real
// SeaweedFS server) writes the same bytes as the same job on local files;
// the manifest lists exactly the uploaded objects, whose own sha256s match.
func TestObjectStoreJobMatchesLocal(t *testing.T) {
	srv := s3test.Start(t)
	bucket := srv.Bucket(t, "lake")
	ctx := context.Background()
	local := t.TempDir()
	in := filepath.Join(local, "trips")
	if err := citibike.Write(in, 60000, 3, 11); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(in)
	for _, e := range ents {
		data, err := os.ReadFile(filepath.Join(in, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		srv.Put(t, bucket, "raw/trips/"+e.Name(), data)
	}
	for _, format := range []string{"arrow", "parquet"} {
		job, err := objJob(t, in, filepath.Join(local, "out-"+format), format)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := engine.Run(ctx, job, engine.Options{Local: 2, WorkDir: t.TempDir()}); err != nil {
			t.Fatal(err)
		}
		want, err := sink.ReadManifest(filepath.Join(local, "out-"+format))
		if err != nil {
			t.Fatal(err)
		}
		out := "s3://" + bucket + "/train-data/" + format
		job, err = objJob(t, "s3://"+bucket+"/raw/trips/", out, format)
		if err != nil {
			t.Fatal(err)
		}
		res, err := engine.Run(ctx, job, engine.Options{Local: 3, WorkDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		data, err := storage.ReadAll(ctx, out+"/manifest.json")
		if err != nil {
			t.Fatal(err)
		}
		got, err := sink.ParseManifest(out+"/manifest.json", data)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(shardSums(got), shardSums(want)) || !slices.Equal(shardSums(res.Manifest), shardSums(want)) {
			t.Fatalf("%s: shards in the bucket differ from the local run:\n got %v\nwant %v", format, shardSums(got), shardSums(want))
		}
		// The objects themselves: exactly the listed files and the manifest,
		// each with the listed sha256.
		var keys []string
		for _, k := range srv.Keys(t, bucket) {
			if strings.HasPrefix(k, "train-data/"+format+"/") {
				keys = append(keys, strings.TrimPrefix(k, "train-data/"+format+"/"))
			}
		}
		var listed []string
		for _, s := range shardSums(want) {
			path, sum, _ := strings.Cut(s, " ")
			listed = append(listed, path)
			obj, err := storage.ReadAll(ctx, out+"/"+path)
			if err != nil {
				t.Fatal(err)
			}
			h := sha256.Sum256(obj)
			if hex.EncodeToString(h[:]) != sum {
				t.Fatalf("%s/%s: object sha256 differs from the manifest", out, path)
			}
		}
		listed = append(listed, "manifest.json")
		slices.Sort(keys)
		slices.Sort(listed)
		if !slices.Equal(keys, listed) {
			t.Fatalf("objects under %s: %v; want %v", out, keys, listed)
		}

		// An existing output is refused without output.overwrite, kept
		// as it was; with it, the job writes the same bytes again.
		_, err = engine.Run(ctx, job, engine.Options{Local: 1, WorkDir: t.TempDir()})
		if err == nil || !strings.Contains(err.Error(), out) || !strings.Contains(err.Error(), "overwrite") {
			t.Fatalf("rerun onto an existing output: %v; want a refusal naming %s", err, out)
		}
		if ok, _ := storage.Exists(ctx, out+"/manifest.json"); !ok {
			t.Fatal("a refused rerun removed the manifest")
		}
		job, _ = objJob(t, "s3://"+bucket+"/raw/trips/", out, format, "output.overwrite=true")
		res, err = engine.Run(ctx, job, engine.Options{Local: 2, WorkDir: t.TempDir()})
		if err != nil || !slices.Equal(shardSums(res.Manifest), shardSums(want)) {
			t.Fatalf("overwrite: %v", err)
		}
	}
}

// Failures name the URL and leave nothing in the bucket.
func TestObjectStoreErrors(t *testing.T) {
	srv := s3test.Start(t)
	bucket := srv.Bucket(t, "lake")
	ctx := context.Background()
	in := t.TempDir()
	if err := citibike.Write(in, 5000, 1, 3); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(filepath.Join(in, "part-00000.parquet"))
	srv.Put(t, bucket, "raw/part-00000.parquet", data)
	good := "s3://" + bucket + "/raw/"

	run := func(in, out string, sets ...string) error {
		job, err := objJob(t, in, out, "arrow", sets...)
		if err != nil {
			return err
		}
		_, err = engine.Run(ctx, job, engine.Options{Local: 2, WorkDir: t.TempDir()})
		return err
	}
	cases := []struct{ in, out, want string }{
		{"foo://x/raw/", "s3://" + bucket + "/o1", `foo://x/raw/`},
		{good, "foo://x/out", `foo://x/out`},
		{"s3://no-such-bucket/raw/", "s3://" + bucket + "/o2", "s3://no-such-bucket/raw/"},
		{"s3://" + bucket + "/missing/", "s3://" + bucket + "/o3", "s3://" + bucket + "/missing/"},
		{good, "s3://no-such-bucket/out", "s3://no-such-bucket/out"},
	}
	for _, c := range cases {
		err := run(c.in, c.out)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("input %s, output %s: %v; want an error naming %s", c.in, c.out, err, c.want)
		}
	}
	var jerr *jobspec.Error
	if err := run("foo://x/raw/", t.TempDir()); !errors.As(err, &jerr) {
		t.Errorf("an unknown scheme is not a job-file error: %v", err)
	}
	// A job that fails while running (fill: mean on an all-null label)
	// uploads nothing that stays, and never a manifest.
	src := strings.NewReplacer("IN", good, "OUT", "s3://"+bucket+"/failed", "FORMAT", "arrow",
		"birth_year: {fill: median}", "birth_year: {fill: mean}").Replace(objstoreJob)
	src = strings.Replace(src, "features:", "filter: birth_year is null\nfeatures:", 1)
	job, err := jobspec.Parse("job.yaml", []byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = engine.Run(ctx, job, engine.Options{Local: 2, WorkDir: t.TempDir()})
	if err == nil {
		t.Fatal("the failing job succeeded")
	}
	for _, k := range srv.Keys(t, bucket) {
		if !strings.HasPrefix(k, "raw/") {
			t.Errorf("left behind: %s", k)
		}
	}
	// Wrong credentials.
	t.Setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret")
	storage.ResetForTest()
	err = run(good, "s3://"+bucket+"/o4")
	if err == nil || !strings.Contains(err.Error(), "access denied") || !strings.Contains(err.Error(), "s3://"+bucket) {
		t.Errorf("wrong credentials: %v", err)
	}
}
