package serve

import (
	"strings"
	"testing"

	"github.com/sluice-ml/sluice/jobspec"
)

func TestResolveClientPaths(t *testing.T) {
	load := func(t *testing.T, sets ...string) *jobspec.Job {
		t.Helper()
		job, err := jobspec.Parse("job.yaml", []byte("name: j\ninput: {path: in/*.parquet}\nfeatures: {x: {transform: zscore}}\noutput: {path: out/a}\n"), sets)
		if err != nil {
			t.Fatal(err)
		}
		return job
	}
	job := load(t)
	if err := resolveClientPaths(job, "/home/u/proj"); err != nil {
		t.Fatal(err)
	}
	if job.Input.Path != "/home/u/proj/in/*.parquet" || job.Output.Path != "/home/u/proj/out/a" {
		t.Errorf("resolved to input %q, output %q", job.Input.Path, job.Output.Path)
	}

	job = load(t, "input.path=/data/in.parquet", "output.path=/o")
	if err := resolveClientPaths(job, "/home/u"); err != nil || job.Input.Path != "/data/in.parquet" || job.Output.Path != "/o" {
		t.Errorf("absolute paths changed: %q %q (%v)", job.Input.Path, job.Output.Path, err)
	}

	// Object-store URLs are the same everywhere: left alone.
	job = load(t, "input.path=s3://lake/in/x.parquet", "output.path=s3://lake/out")
	if err := resolveClientPaths(job, "/home/u"); err != nil || job.Input.Path != "s3://lake/in/x.parquet" || job.Output.Path != "s3://lake/out" {
		t.Errorf("URLs changed: %q %q (%v)", job.Input.Path, job.Output.Path, err)
	}

	// A client that did not send its directory may not use relative paths.
	err := resolveClientPaths(load(t), "")
	if err == nil || !strings.Contains(err.Error(), "input.path") || !strings.Contains(err.Error(), "job.yaml") {
		t.Errorf("relative path without a client directory: %v", err)
	}
	if err := resolveClientPaths(load(t), "rel/dir"); err == nil || !strings.Contains(err.Error(), "not absolute") {
		t.Errorf("relative client directory: %v", err)
	}
}
