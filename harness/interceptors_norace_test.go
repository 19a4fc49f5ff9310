//go:build !race

package harness_test

// raceEnabled says the race detector is on: the interceptor tests run
// fewer seeds, as every run is many times slower.
const raceEnabled = false
