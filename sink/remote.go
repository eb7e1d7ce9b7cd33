package sink

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/sluice-ml/sluice/sink/layout"
	"github.com/sluice-ml/sluice/storage"
)

// An output in an object store (s3://, gs://) is committed without a
// rename: shards are uploaded straight to their keys under the output
// prefix, and manifest.json, written last, is the commit marker. A reader
// trusts only what a manifest lists. A failed job deletes what it
// uploaded (best effort) and never writes a manifest.

// outputPath resolves output.path: a file:// URL becomes its local path,
// an object-store URL stays, an unknown scheme is an error naming it.
func outputPath(path string) (string, bool, error) {
	if !storage.IsURL(path) {
		return path, false, nil
	}
	l, err := storage.Parse(path)
	if err != nil {
		return "", false, fmt.Errorf("output.path: %v", err)
	}
	if l.Local() {
		return l.Key, false, nil
	}
	return strings.TrimSuffix(l.String(), "/"), true, nil
}

// beginRemote starts an output under an object-store prefix. The bucket
// must be reachable; a prefix holding a manifest is refused unless
// overwrite, and then the old manifest is deleted first, so no reader
// trusts an output being replaced; a prefix holding other objects but no
// manifest is refused always (it is not a sluice output).
func beginRemote(url string, overwrite bool) (*Txn, error) {
	ctx := context.Background()
	if err := storage.CheckBucket(ctx, url); err != nil {
		return nil, fmt.Errorf("output.path: %v", err)
	}
	objs, err := storage.List(ctx, url+"/")
	if err != nil && !storage.IsNotFound(err) {
		return nil, fmt.Errorf("output.path: %v", err)
	}
	if len(objs) > 0 {
		hasManifest := false
		for _, o := range objs {
			hasManifest = hasManifest || o.Rel == layout.ManifestName
		}
		if !hasManifest {
			return nil, fmt.Errorf("output.path: %s holds objects but no %s: not a sluice output, or one a killed job left unfinished; refusing to write there (delete the objects under it, or choose another prefix)", url, layout.ManifestName)
		}
		if !overwrite {
			return nil, fmt.Errorf("output.path: %s already exists (it has a %s); pass --set output.overwrite=true to replace it", url, layout.ManifestName)
		}
		if err := storage.Delete(ctx, url+"/"+layout.ManifestName); err != nil {
			return nil, fmt.Errorf("output.path: %v", err)
		}
	}
	return &Txn{path: url, given: url, tmp: url, overwrite: overwrite, remote: true}, nil
}

// commitRemote checks the listed objects and their sizes, writes the
// manifest last and removes objects under the prefix that it does not
// list (a replaced output's leftovers).
func (t *Txn) commitRemote(m *Manifest) error {
	if m == nil {
		return errors.New("manifest: nil")
	}
	ctx := context.Background()
	objs, err := storage.List(ctx, t.path+"/")
	if err != nil && !storage.IsNotFound(err) {
		return fmt.Errorf("output: %v", err)
	}
	have := make(map[string]int64, len(objs))
	for _, o := range objs {
		have[o.Rel] = o.Size
	}
	listed := map[string]bool{layout.ManifestName: true}
	check := func(rel string, bytes int64) error {
		if err := layout.CheckRelPath(rel); err != nil {
			return fmt.Errorf("manifest: %w", err)
		}
		listed[rel] = true
		n, ok := have[rel]
		if !ok {
			return fmt.Errorf("manifest lists %s/%s, which was not uploaded", t.path, rel)
		}
		if n != bytes {
			return fmt.Errorf("manifest lists %s/%s with %d bytes; the object has %d", t.path, rel, bytes, n)
		}
		return nil
	}
	for _, s := range m.Splits {
		for _, sh := range s.Shards {
			if err := check(sh.Path, sh.Bytes); err != nil {
				return err
			}
		}
	}
	for _, a := range m.Aggregates {
		if err := check(a.Path, a.Bytes); err != nil {
			return err
		}
	}
	if m.Profiles != nil && m.Profiles.Report != nil {
		if err := check(m.Profiles.Report.Path, m.Profiles.Report.Bytes); err != nil {
			return err
		}
	}
	data, err := MarshalManifest(m)
	if err != nil {
		return err
	}
	if err := storage.WriteAll(ctx, t.path+"/"+layout.ManifestName, data); err != nil {
		return fmt.Errorf("manifest: %v", err)
	}
	t.state = txnCommitted
	var errs []error
	for _, o := range objs {
		if !listed[o.Rel] {
			errs = append(errs, storage.Delete(ctx, o.URL))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("output committed at %s, but removing objects it does not list failed: %w", t.path, err)
	}
	return nil
}

// abortRemote deletes every object under the prefix: Begin allowed only
// an empty prefix or a sluice output whose manifest it already deleted.
func (t *Txn) abortRemote() error {
	ctx := context.Background()
	objs, err := storage.List(ctx, t.path+"/")
	if err != nil {
		if storage.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("output.path: cleaning up %s: %v", t.path, err)
	}
	var errs []error
	for _, o := range objs {
		errs = append(errs, storage.Delete(ctx, o.URL))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("output.path: cleaning up %s: %w", t.path, err)
	}
	return nil
}

// Remote reports whether the output is in an object store; Dir() is then
// its URL prefix.
func (t *Txn) Remote() bool { return t.remote }
