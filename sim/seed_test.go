package sim

import "testing"

func TestStreamsAreIndependentAndReproducible(t *testing.T) {
	draw := func(s Seed, name string) []uint64 {
		r := s.Stream(name)
		out := make([]uint64, 8)
		for i := range out {
			out[i] = r.Uint64()
		}
		return out
	}
	a1, a2 := draw(1, "plan"), draw(1, "plan")
	if !equalU64(a1, a2) {
		t.Fatalf("same seed and name gave different values: %v vs %v", a1, a2)
	}
	if equalU64(draw(1, "plan"), draw(1, "payments")) {
		t.Fatal("different stream names gave the same values")
	}
	if equalU64(draw(1, "plan"), draw(2, "plan")) {
		t.Fatal("different seeds gave the same values")
	}
}

func equalU64(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
