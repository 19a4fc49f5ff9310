package fakes_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/temporalsim/temporalsim/fakes"
)

func TestUniformRepeatsPerSeed(t *testing.T) {
	lat := fakes.Uniform(10*time.Millisecond, 20*time.Millisecond)
	draw := func(seed uint64) []time.Duration {
		r := seeded(seed)
		out := make([]time.Duration, 50)
		for i := range out {
			out[i] = lat(r)
		}
		return out
	}
	a := draw(5)
	assert.Equal(t, a, draw(5))
	assert.NotEqual(t, a, draw(6))
	for _, d := range a {
		assert.GreaterOrEqual(t, d, 10*time.Millisecond)
		assert.Less(t, d, 20*time.Millisecond)
	}
}

func TestUniformMisuse(t *testing.T) {
	assert.Panics(t, func() { fakes.Uniform(time.Second, time.Second) }, "an empty range")
	assert.Panics(t, func() { fakes.Uniform(0, time.Second)(nil) }, "no rand to draw from")
	assert.Equal(t, time.Second, fakes.Fixed(time.Second)(nil), "Fixed never draws, so nil is fine")
}
