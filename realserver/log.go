package realserver

import (
	"io"
	"log/slog"

	"go.temporal.io/sdk/log"
)

// quietLogger is the SDK logger for clients and workers: warnings and
// errors to w, nothing when w is nil. The SDK's default logger prints
// every poll and task to stdout.
func quietLogger(w io.Writer) log.Logger {
	if w == nil {
		w = io.Discard
	}
	return log.NewStructuredLogger(slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn})))
}
