package cluster

import (
	"errors"

	"github.com/sluice-ml/sluice/engine"
	pb "github.com/sluice-ml/sluice/proto"
)

// encodeFailure turns an executor-side task error into its wire form.
func encodeFailure(err error) *pb.Failure {
	f := &pb.Failure{Message: err.Error(), Retryable: engine.IsRetryable(err)}
	var ff *engine.FetchFailed
	if errors.As(err, &ff) {
		f.FetchFailed = &pb.FetchFailed{Executor: ff.Loc.Executor, Path: ff.Loc.Path}
	}
	return f
}

// decodeFailure rebuilds the typed error on the driver: a
// *engine.FetchFailed for a lost input, marked retryable when it was.
func decodeFailure(f *pb.Failure) error {
	err := errors.New(f.Message)
	if f.FetchFailed != nil {
		err = &engine.FetchFailed{Loc: engine.Location{Executor: f.FetchFailed.Executor, Path: f.FetchFailed.Path}, Err: err}
	}
	if f.Retryable {
		err = engine.Retryable(err)
	}
	return err
}
