// Package s3test starts a real S3-compatible server for tests: SeaweedFS
// (Apache-2.0), listening on 127.0.0.1 on free ports, with one identity
// whose keys the test gets, and points the AWS environment of the test
// process (and of the processes it starts) at it.
//
// The server binary is built by scripts/build-seaweedfs.sh (.ci/run runs
// it); a test fails, never skips, when it is missing.
package s3test
