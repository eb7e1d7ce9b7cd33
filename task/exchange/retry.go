package exchange

import "errors"

// Retryable marks an error as worth another attempt (a lost executor, a
// failed fetch, a transient I/O error). Errors are fatal unless marked.
func Retryable(err error) error { return &retryable{err} }

// IsRetryable reports whether err, or an error it wraps, was marked with
// Retryable (transports carry the mark over the wire).
func IsRetryable(err error) bool {
	var r *retryable
	return errors.As(err, &r)
}

type retryable struct{ err error }

func (r *retryable) Error() string { return r.err.Error() }
func (r *retryable) Unwrap() error { return r.err }
