package fakes

import (
	"cmp"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/benbjohnson/clock"
)

// MetricKind tells counters, gauges and histograms apart in a Snapshot.
type MetricKind string

// Metric kinds.
const (
	KindCounter   MetricKind = "counter"
	KindGauge     MetricKind = "gauge"
	KindHistogram MetricKind = "histogram"
)

// Series is one metric name with one label set, as Snapshot reports it.
type Series struct {
	Kind MetricKind
	Name string
	// Labels is the canonical label string, for example {a="1",b="2"}:
	// sorted by label name and quoted, so equal label maps always give equal
	// strings and no label value can fake a separator.
	Labels string
	// Value is a counter's total or a gauge's last value.
	Value float64
	// Observations are a histogram's values in canonical order, see Histogram.
	Observations []float64
}

// MetricsSink is a fake metrics backend that keeps every counter, gauge and
// histogram in memory, so a test can assert on what an interceptor or
// activity emitted. Handler adapts it to the Temporal SDK.
type MetricsSink struct {
	clk clock.Clock

	mu       sync.Mutex
	counters map[seriesKey]int64
	gauges   map[seriesKey]float64
	hists    map[seriesKey][]observation
}

type seriesKey struct {
	name   string
	labels string
}

// observation keeps its virtual time so that values recorded concurrently
// can be put in an order that does not depend on the scheduler.
type observation struct {
	at    time.Time
	value float64
}

// NewMetricsSink returns an empty MetricsSink that timestamps histogram
// observations with clk.
func NewMetricsSink(clk clock.Clock) *MetricsSink {
	mustClock("fakes.NewMetricsSink", clk)
	return &MetricsSink{
		clk:      clk,
		counters: map[seriesKey]int64{},
		gauges:   map[seriesKey]float64{},
		hists:    map[seriesKey][]observation{},
	}
}

// LabelString returns the canonical form of labels used in Series.Labels.
func LabelString(labels map[string]string) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range slices.Sorted(maps.Keys(labels)) {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(labelName(k))
		b.WriteByte('=')
		b.WriteString(strconv.Quote(labels[k]))
	}
	b.WriteByte('}')
	return b.String()
}

// labelName quotes only names that are not plain identifiers, keeping the
// usual names readable while no two label maps share one string.
func labelName(k string) string {
	for i, r := range k {
		if r != '_' && !unicode.IsLetter(r) && (i == 0 || !unicode.IsDigit(r)) {
			return strconv.Quote(k)
		}
	}
	if k == "" {
		return `""`
	}
	return k
}

func seriesOf(name string, labels map[string]string) seriesKey {
	return seriesKey{name: name, labels: LabelString(labels)}
}

// IncCounter adds delta to the counter name with labels.
func (m *MetricsSink) IncCounter(name string, labels map[string]string, delta int64) {
	k := seriesOf(name, labels)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.counters[k] += delta
}

// SetGauge sets the gauge name with labels to v.
func (m *MetricsSink) SetGauge(name string, labels map[string]string, v float64) {
	k := seriesOf(name, labels)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.gauges[k] = v
}

// ObserveHistogram records v in the histogram name with labels.
func (m *MetricsSink) ObserveHistogram(name string, labels map[string]string, v float64) {
	k := seriesOf(name, labels)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.hists[k] = append(m.hists[k], observation{at: m.clk.Now(), value: v})
}

// ObserveDuration records d in seconds, the unit Prometheus and the Temporal
// SDK's own timers report in.
func (m *MetricsSink) ObserveDuration(name string, labels map[string]string, d time.Duration) {
	m.ObserveHistogram(name, labels, d.Seconds())
}

// Counter returns the total of a counter, 0 if it was never incremented.
func (m *MetricsSink) Counter(name string, labels map[string]string) int64 {
	k := seriesOf(name, labels)
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.counters[k]
}

// Gauge returns the last value of a gauge and whether it was ever set.
func (m *MetricsSink) Gauge(name string, labels map[string]string) (float64, bool) {
	k := seriesOf(name, labels)
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.gauges[k]
	return v, ok
}

// Histogram returns the observations of a histogram ordered by virtual time
// and, within one instant, by value: sequential observations keep their
// order, and concurrent ones do not depend on which goroutine ran first.
func (m *MetricsSink) Histogram(name string, labels map[string]string) []float64 {
	k := seriesOf(name, labels)
	m.mu.Lock()
	defer m.mu.Unlock()
	return values(m.hists[k])
}

func values(obs []observation) []float64 {
	obs = slices.Clone(obs)
	slices.SortStableFunc(obs, func(a, b observation) int {
		return cmp.Or(a.at.Compare(b.at), cmp.Compare(a.value, b.value))
	})
	out := make([]float64, len(obs))
	for i, o := range obs {
		out[i] = o.value
	}
	return out
}

// Snapshot returns every series sorted by name, labels and kind.
func (m *MetricsSink) Snapshot() []Series {
	m.mu.Lock()
	out := make([]Series, 0, len(m.counters)+len(m.gauges)+len(m.hists))
	for k, v := range m.counters {
		out = append(out, Series{Kind: KindCounter, Name: k.name, Labels: k.labels, Value: float64(v)})
	}
	for k, v := range m.gauges {
		out = append(out, Series{Kind: KindGauge, Name: k.name, Labels: k.labels, Value: v})
	}
	for k, obs := range m.hists {
		out = append(out, Series{Kind: KindHistogram, Name: k.name, Labels: k.labels, Observations: values(obs)})
	}
	m.mu.Unlock()
	slices.SortFunc(out, func(a, b Series) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Labels, b.Labels), cmp.Compare(a.Kind, b.Kind))
	})
	return out
}
