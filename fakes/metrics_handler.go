package fakes

import (
	"maps"
	"time"

	"go.temporal.io/sdk/client"
)

// Handler returns a client.MetricsHandler that writes into m, so the SDK's
// own metrics and those of a metrics interceptor land where a test can read
// them. Counters map to IncCounter, gauges to SetGauge and timers to
// ObserveDuration.
func (m *MetricsSink) Handler() client.MetricsHandler {
	return &metricsHandler{sink: m}
}

type metricsHandler struct {
	sink *MetricsSink
	tags map[string]string // never mutated once the handler exists
}

// WithTags copies rather than shares the tag map, because the SDK hands out
// handlers to many goroutines and the caller may reuse its map.
func (h *metricsHandler) WithTags(tags map[string]string) client.MetricsHandler {
	merged := make(map[string]string, len(h.tags)+len(tags))
	maps.Copy(merged, h.tags)
	maps.Copy(merged, tags)
	return &metricsHandler{sink: h.sink, tags: merged}
}

func (h *metricsHandler) Counter(name string) client.MetricsCounter {
	return counterFunc(func(d int64) { h.sink.IncCounter(name, h.tags, d) })
}

func (h *metricsHandler) Gauge(name string) client.MetricsGauge {
	return gaugeFunc(func(v float64) { h.sink.SetGauge(name, h.tags, v) })
}

func (h *metricsHandler) Timer(name string) client.MetricsTimer {
	return timerFunc(func(d time.Duration) { h.sink.ObserveDuration(name, h.tags, d) })
}

type counterFunc func(int64)

func (f counterFunc) Inc(d int64) { f(d) }

type gaugeFunc func(float64)

func (f gaugeFunc) Update(v float64) { f(v) }

type timerFunc func(time.Duration)

func (f timerFunc) Record(d time.Duration) { f(d) }
