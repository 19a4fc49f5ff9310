package sim

// Engine2Runs reports whether engine 2 carries out fault kind k, for the
// external tests that run every kind it accepts.
func Engine2Runs(k Kind) bool { return engine2Kinds[k] }
