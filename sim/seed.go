package sim

import (
	"hash/fnv"
	"math/rand/v2"
)

// Seed is the one number a run is reproduced from. Every random choice in a
// run comes from a named stream derived from it (see Stream).
type Seed uint64

// Stream returns the random stream named name for this seed. Each consumer
// (the plan generator, a fake, one activity attempt) draws from its own
// stream, so adding a draw in one place never shifts the values another
// place sees. Two calls with the same seed and name return generators that
// produce the same sequence.
func (s Seed) Stream(name string) *rand.Rand {
	h := fnv.New64a()
	_, _ = h.Write([]byte(name))
	return rand.New(rand.NewPCG(uint64(s), h.Sum64()^0x9e3779b97f4a7c15))
}
