package fakes_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/temporalsim/temporalsim/fakes"
)

func TestLabelString(t *testing.T) {
	tests := []struct {
		name   string
		labels map[string]string
		want   string
	}{
		{"none", nil, "{}"},
		{"sorted by name", map[string]string{"z": "1", "a": "2", "m": "3"}, `{a="2",m="3",z="1"}`},
		{"values are quoted", map[string]string{"q": `say "hi", ok`}, `{q="say \"hi\", ok"}`},
		{"odd names are quoted", map[string]string{"a,b=c": "1", "ok_1": "2"}, `{"a,b=c"="1",ok_1="2"}`},
		{"empty name", map[string]string{"": "x"}, `{""="x"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, fakes.LabelString(tt.labels))
		})
	}
}

func TestMetricsCountersGaugesHistograms(t *testing.T) {
	mock := clock.NewMock()
	m := fakes.NewMetricsSink(mock)
	ok := map[string]string{"activity": "Charge", "outcome": "ok"}
	okReordered := map[string]string{"outcome": "ok", "activity": "Charge"}

	m.IncCounter("attempts", ok, 1)
	m.IncCounter("attempts", okReordered, 2)
	m.IncCounter("attempts", map[string]string{"activity": "Charge", "outcome": "error"}, 1)
	assert.Equal(t, int64(3), m.Counter("attempts", ok), "label order must not split a series")
	assert.Equal(t, int64(0), m.Counter("attempts", nil))

	_, set := m.Gauge("inflight", nil)
	assert.False(t, set)
	m.SetGauge("inflight", nil, 4)
	m.SetGauge("inflight", nil, 2)
	v, set := m.Gauge("inflight", nil)
	assert.True(t, set)
	assert.Equal(t, 2.0, v)

	m.ObserveHistogram("size", ok, 9)
	mock.Add(time.Second)
	m.ObserveHistogram("size", ok, 1)
	m.ObserveDuration("latency", nil, 1500*time.Millisecond)
	assert.Equal(t, []float64{9, 1}, m.Histogram("size", ok), "values at distinct instants keep time order")
	assert.Equal(t, []float64{1.5}, m.Histogram("latency", nil), "durations are recorded in seconds")

	assert.Equal(t, []fakes.Series{
		{Kind: fakes.KindCounter, Name: "attempts", Labels: `{activity="Charge",outcome="error"}`, Value: 1},
		{Kind: fakes.KindCounter, Name: "attempts", Labels: `{activity="Charge",outcome="ok"}`, Value: 3},
		{Kind: fakes.KindGauge, Name: "inflight", Labels: "{}", Value: 2},
		{Kind: fakes.KindHistogram, Name: "latency", Labels: "{}", Observations: []float64{1.5}},
		{Kind: fakes.KindHistogram, Name: "size", Labels: `{activity="Charge",outcome="ok"}`, Observations: []float64{9, 1}},
	}, m.Snapshot())
}

func TestMetricsHandler(t *testing.T) {
	m := fakes.NewMetricsSink(clock.NewMock())
	var h client.MetricsHandler = m.Handler()
	base := h.WithTags(map[string]string{"namespace": "default", "task_queue": "q"})
	tags := map[string]string{"task_queue": "payments"}
	child := base.WithTags(tags)
	tags["task_queue"] = "mutated later"

	child.Counter("requests").Inc(2)
	base.Counter("requests").Inc(1)
	child.Gauge("slots").Update(5)
	child.Timer("latency").Record(250 * time.Millisecond)

	assert.Equal(t, int64(2), m.Counter("requests", map[string]string{"namespace": "default", "task_queue": "payments"}),
		"child tags override the parent's and are copied, not shared")
	assert.Equal(t, int64(1), m.Counter("requests", map[string]string{"namespace": "default", "task_queue": "q"}),
		"WithTags must not change the parent handler")
	v, set := m.Gauge("slots", map[string]string{"namespace": "default", "task_queue": "payments"})
	assert.True(t, set)
	assert.Equal(t, 5.0, v)
	assert.Equal(t, []float64{0.25}, m.Histogram("latency", map[string]string{"namespace": "default", "task_queue": "payments"}))
}

func TestMetricsConcurrentCanonicalOrder(t *testing.T) {
	snap := requireOrderFree(t, func(reverse bool) []fakes.Series {
		m := fakes.NewMetricsSink(clock.NewMock())
		h := m.Handler()
		concurrently(16, reverse, func(i int) {
			labels := map[string]string{"worker": fmt.Sprint(i % 3)}
			m.IncCounter("tasks", labels, 1)
			m.ObserveHistogram("size", labels, float64(i))
			h.WithTags(labels).Timer("latency").Record(time.Duration(i) * time.Millisecond)
		})
		return m.Snapshot()
	})
	require.Len(t, snap, 9)
	assert.Equal(t, []float64{0, 3, 6, 9, 12, 15}, snap[3].Observations, "size{worker=0}, ordered by value within one instant")
}

func TestMetricsRealClock(t *testing.T) {
	clk := clock.New()
	m := fakes.NewMetricsSink(clk)
	start := clk.Now()
	clk.Sleep(time.Millisecond)
	m.ObserveDuration("elapsed", nil, clk.Since(start))
	obs := m.Histogram("elapsed", nil)
	require.Len(t, obs, 1)
	assert.GreaterOrEqual(t, obs[0], time.Millisecond.Seconds())
}
