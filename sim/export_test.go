package sim

import "github.com/temporalsim/temporalsim/sim/server"

// RunOnServer exposes engine 2's driver to this package's external tests,
// which may import the catalogue; users cannot reach it.
var RunOnServer = runOnServer

// Histories is the run's histories, as engine 2 recorded them.
func Histories(r *Result) []server.RunHistory { return r.histories }
