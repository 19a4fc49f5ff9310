package cli

import "strings"

// ANSI colours for terminal output.
const (
	colorFault = "\033[31m" // red
	colorOK    = "\033[32m" // green
	colorReset = "\033[0m"
)

// painter returns a function that colours text on a terminal and leaves
// it alone otherwise (a pipe, a file, CI logs).
func painter(tty bool) func(color, s string) string {
	if !tty {
		return func(_, s string) string { return s }
	}
	return func(color, s string) string { return color + s + colorReset }
}

// shellQuote quotes s for a POSIX shell when it has anything but plain
// characters, so printed commands paste as they are.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
