package sim

import "github.com/temporalsim/temporalsim/sim/server"

// RunOnServer exposes engine 2's driver to this package's external tests,
// which may import the catalogue; users cannot reach it.
var RunOnServer = runOnServer

// Histories is the run's histories, as engine 2 recorded them.
func Histories(r *Result) []server.RunHistory { return r.histories }

// SetFullChain sends every engine-2 call through the SDK's gRPC
// interceptors while on (Server.DialOptions skips them for calls that
// succeed).
func SetFullChain(on bool) { testHookFullChain = on }

// OnServerStats has f hear the server's counters at the end of each
// engine-2 run; nil stops it.
func OnServerStats(f func(server.Stats)) { testHookServerStats = f }
