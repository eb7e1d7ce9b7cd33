// Package storage opens the places a job reads from and writes to: local
// paths, file:// URLs and object stores (s3:// on any S3-compatible endpoint,
// gs:// on Google Cloud Storage).
//
// A URL names a bucket and a key or key prefix; a prefix lists like a
// directory (every object under it, recursively). Readers do ranged GETs, so
// a Parquet reader fetches the footer and then only the column chunks it
// needs; writers stream a multipart upload and hash the bytes on the way.
//
// Credentials, region and endpoint come from the standard AWS configuration
// chain: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
// AWS_REGION, AWS_PROFILE and the shared config and credentials files, and
// AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL for a custom endpoint, which is
// then addressed path-style (http://host:port/bucket/key) as S3-compatible
// stores expect. gs:// uses Google Application Default Credentials.
package storage
