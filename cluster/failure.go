package cluster

import (
	"errors"
	"strings"
	"syscall"

	pb "github.com/sluice-ml/sluice/proto"
	"github.com/sluice-ml/sluice/task"
	"github.com/sluice-ml/sluice/task/exchange"
)

// DiskFullPrefix prefixes the message of a task that failed because its
// executor's disk is full (or over quota): the driver retries it elsewhere.
const DiskFullPrefix = "disk full: "

// isDiskFull reports whether err is a full disk or an exceeded quota.
func isDiskFull(err error) bool {
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		return true
	}
	// Some layers keep only the message.
	m := err.Error()
	return strings.Contains(m, syscall.ENOSPC.Error()) || strings.Contains(m, syscall.EDQUOT.Error())
}

// EncodeFailure turns an executor-side task error into its wire form.
func EncodeFailure(err error) *pb.Failure {
	f := &pb.Failure{Message: err.Error(), Retryable: exchange.IsRetryable(err)}
	if isDiskFull(err) {
		f.Message, f.Retryable = DiskFullPrefix+f.Message, true
	}
	var ff *exchange.FetchFailed
	if errors.As(err, &ff) {
		f.FetchFailed = &pb.FetchFailed{Executor: ff.Loc.Executor, Path: ff.Loc.Path}
	}
	return f
}

// DecodeFailure rebuilds the typed error on the driver: a
// *exchange.FetchFailed for a lost input, marked retryable when it was.
func DecodeFailure(f *pb.Failure) error {
	err := errors.New(f.Message)
	if f.FetchFailed != nil {
		err = &exchange.FetchFailed{Loc: task.Location{Executor: f.FetchFailed.Executor, Path: f.FetchFailed.Path}, Err: err}
	}
	if f.Retryable {
		err = exchange.Retryable(err)
	}
	return err
}
