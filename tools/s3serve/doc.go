// Command s3serve runs the S3-compatible test server (SeaweedFS, see
// storage/s3test) for tests written outside Go, such as the Python
// reader's: it starts the server with its data under DIR, prints one JSON
// line {"endpoint": URL, "env": ["KEY=VALUE", ...]} on stdout once the
// server answers, and stops it when stdin closes or on SIGINT/SIGTERM.
//
//	go run ./tools/s3serve DIR
//
// Set the printed env entries in the test's environment to point an S3
// client at the server.
package main
