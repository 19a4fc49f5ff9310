package replaycorpus

import (
	"fmt"
	"strings"
	"sync"

	"go.temporal.io/sdk/log"
)

// captureLogger keeps the SDK's log lines of one replay in memory instead
// of printing them, so a batch of replays leaves test output readable and
// each Result can still show what the SDK said. Debug lines are dropped.
type captureLogger struct {
	mu    sync.Mutex
	lines strings.Builder
}

var (
	_ log.Logger     = (*captureLogger)(nil)
	_ log.WithLogger = (*captureLogger)(nil)
)

func (l *captureLogger) Debug(string, ...any) {}

func (l *captureLogger) Info(msg string, keyvals ...any) { l.write("INFO", msg, keyvals) }

func (l *captureLogger) Warn(msg string, keyvals ...any) { l.write("WARN", msg, keyvals) }

func (l *captureLogger) Error(msg string, keyvals ...any) { l.write("ERROR", msg, keyvals) }

// With returns a logger that adds keyvals to every line and writes to the
// same buffer.
func (l *captureLogger) With(keyvals ...any) log.Logger {
	return &withLogger{root: l, with: append([]any(nil), keyvals...)}
}

func (l *captureLogger) write(level, msg string, keyvals []any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines.WriteString(level)
	l.lines.WriteByte(' ')
	l.lines.WriteString(msg)
	writeKeyvals(&l.lines, keyvals)
	l.lines.WriteByte('\n')
}

func (l *captureLogger) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lines.String()
}

func writeKeyvals(b *strings.Builder, keyvals []any) {
	for i := 0; i < len(keyvals); i += 2 {
		b.WriteByte(' ')
		if i+1 < len(keyvals) {
			fmt.Fprintf(b, "%v=%v", keyvals[i], keyvals[i+1])
		} else {
			fmt.Fprintf(b, "%v", keyvals[i])
		}
	}
}

// withLogger is captureLogger.With's result.
type withLogger struct {
	root *captureLogger
	with []any
}

func (w *withLogger) Debug(string, ...any) {}

func (w *withLogger) Info(msg string, keyvals ...any) { w.root.write("INFO", msg, w.kv(keyvals)) }

func (w *withLogger) Warn(msg string, keyvals ...any) { w.root.write("WARN", msg, w.kv(keyvals)) }

func (w *withLogger) Error(msg string, keyvals ...any) { w.root.write("ERROR", msg, w.kv(keyvals)) }

func (w *withLogger) With(keyvals ...any) log.Logger {
	return &withLogger{root: w.root, with: append(append([]any(nil), w.with...), keyvals...)}
}

func (w *withLogger) kv(keyvals []any) []any {
	return append(append([]any(nil), w.with...), keyvals...)
}
