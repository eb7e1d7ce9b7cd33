package cluster

import (
	"io"
	"log"
	"log/slog"
)

// NewLog is a node's logger: the standard log format on w, or, when
// logger is set, records of that logger (whose handler sets the format);
// the returned writer carries the lines of libraries that log to a writer.
func NewLog(w io.Writer, logger *slog.Logger, flags int) (*log.Logger, io.Writer) {
	if logger == nil {
		return log.New(w, "", flags), w
	}
	lg := slog.NewLogLogger(logger.Handler(), slog.LevelInfo)
	return lg, lg.Writer()
}
