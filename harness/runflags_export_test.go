package harness

// ResetRunFlags clears the flags in runflags.go, for tests that set them.
func ResetRunFlags() { runFlags = runFlagSet{} }
