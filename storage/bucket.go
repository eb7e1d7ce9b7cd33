package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"gocloud.dev/blob"
	_ "gocloud.dev/blob/gcsblob" // gs:// through Application Default Credentials
	"gocloud.dev/blob/s3blob"
	"gocloud.dev/gcerrors"
)

// defaultRegion is used when the AWS chain names none: S3-compatible stores
// ignore it, and AWS answers a wrong one with an error naming the right one.
const defaultRegion = "us-east-1"

var buckets struct {
	sync.Mutex
	s3     *s3.Client
	opened map[string]*blob.Bucket // scheme://bucket
}

// bucket opens (once per process) the bucket of a remote Location.
func bucket(ctx context.Context, l Location) (*blob.Bucket, error) {
	buckets.Lock()
	defer buckets.Unlock()
	id := l.Scheme + "://" + l.Bucket
	if b := buckets.opened[id]; b != nil {
		return b, nil
	}
	var b *blob.Bucket
	var err error
	switch l.Scheme {
	case "s3":
		if buckets.s3 == nil {
			if buckets.s3, err = newS3Client(ctx); err != nil {
				return nil, fmt.Errorf("%s: %v", l, err)
			}
		}
		b, err = s3blob.OpenBucket(ctx, buckets.s3, l.Bucket, &s3blob.Options{
			// Third-party S3 stores do not all take the newer checksum headers.
			RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		})
	case "gs":
		b, err = blob.OpenBucket(ctx, "gs://"+l.Bucket)
	default:
		err = fmt.Errorf("not an object store")
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %v", l, err)
	}
	if buckets.opened == nil {
		buckets.opened = map[string]*blob.Bucket{}
	}
	buckets.opened[id] = b
	return b, nil
}

// newS3Client builds a client from the standard AWS configuration chain. A
// custom endpoint (AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL or endpoint_url in
// the shared config) is addressed path-style.
func newS3Client(ctx context.Context) (*s3.Client, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("AWS configuration: %v", err)
	}
	if cfg.Region == "" {
		cfg.Region = defaultRegion
	}
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		if o.BaseEndpoint != nil && *o.BaseEndpoint != "" {
			o.UsePathStyle = true
		}
		o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
	}), nil
}

// ResetForTest forgets opened buckets and the client, so that the next use
// reads the AWS environment again (tests change it between cases).
func ResetForTest() {
	buckets.Lock()
	defer buckets.Unlock()
	for _, b := range buckets.opened {
		b.Close()
	}
	buckets.opened, buckets.s3 = nil, nil
}

// wrap turns a store error into one that names the URL and says what went
// wrong in the store's words (NoSuchBucket, InvalidAccessKeyId, ...).
func wrap(url string, op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("%s: %s: %w", url, op, err)
	}
	detail := err.Error()
	var api smithy.APIError
	if errors.As(err, &api) {
		detail = api.ErrorCode()
		if m := api.ErrorMessage(); m != "" {
			detail += ": " + m
		}
	}
	switch gcerrors.Code(err) {
	case gcerrors.NotFound:
		return &NotFoundError{URL: url, msg: fmt.Sprintf("%s: %s: not found (%s)", url, op, detail)}
	case gcerrors.PermissionDenied:
		return fmt.Errorf("%s: %s: access denied; check the credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY or AWS_PROFILE) (%s)", url, op, detail)
	}
	if strings.Contains(detail, "InvalidAccessKeyId") || strings.Contains(detail, "SignatureDoesNotMatch") {
		return fmt.Errorf("%s: %s: access denied; check the credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY or AWS_PROFILE) (%s)", url, op, detail)
	}
	return fmt.Errorf("%s: %s: %s", url, op, detail)
}

// NotFoundError says an object or bucket does not exist.
type NotFoundError struct {
	URL string
	msg string
}

func (e *NotFoundError) Error() string { return e.msg }

// IsNotFound reports whether err says an object or bucket does not exist.
func IsNotFound(err error) bool {
	var nf *NotFoundError
	return errors.As(err, &nf)
}
