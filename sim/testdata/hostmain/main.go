// Command hostmain runs a scenario outside go test through host.Run (as
// the simrun CLI does), on two goroutines, and prints each seed's trace
// fingerprint; TestHostMatchesGoTest compares them with the fingerprints
// under go test.
package main

import (
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"

	"github.com/temporalsim/temporalsim/internal/host"
	"github.com/temporalsim/temporalsim/sim"
	"github.com/temporalsim/temporalsim/sim/internal/simtest"
)

func main() {
	sc := simtest.FanOut(4)
	n, _ := strconv.Atoi(os.Args[1])
	err := host.Run(func(t *testing.T) int {
		out := make([]string, n+1)
		var wg sync.WaitGroup
		for w := 0; w < 2; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				t.Run(fmt.Sprint("worker", w), func(t *testing.T) {
					for s := 1 + w; s <= n; s += 2 {
						_, plan := sc.Profile.SwarmPlan(sim.Seed(s))
						r, err := sim.Run(t, sc, sim.Seed(s), plan, nil)
						if err != nil {
							out[s] = err.Error()
							continue
						}
						out[s] = r.TraceSHA256()
					}
				})
			}()
		}
		wg.Wait()
		for s := 1; s <= n; s++ {
			fmt.Println(s, out[s])
		}
		return 0
	})
	fmt.Fprintln(os.Stderr, "hostmain:", err)
	os.Exit(2)
}
