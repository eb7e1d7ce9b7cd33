// Package logs makes the driver's and executors' loggers (log/slog): the
// text format, "2006/01/02 15:04:05.000000 message key=value ...", or one
// JSON object a line; both scrub the cluster secret from every message
// and attribute.
package logs
