package cli

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// progress shows a swarm's progress on standard error: a bar redrawn in
// place on a terminal, or a plain line every tenth of the way when
// standard error is a file or a pipe (CI logs). It reads the wall clock,
// which is fine: nothing it shows feeds a trace or the report.
type progress struct {
	w     io.Writer
	tty   bool
	total int           // units to run; 0 when time-boxed
	box   time.Duration // the time box, when there is one

	mu       sync.Mutex
	began    time.Time
	done     int
	failures int
	tenths   int // plain lines printed so far
	quit     chan struct{}
	stopped  chan struct{}
}

func (a *app) newProgress(o swarmOpts) *progress {
	return &progress{w: a.stderr, tty: a.stderrTTY, total: int(o.seedsInShard()) * len(o.scenarios), box: o.duration}
}

func (p *progress) start() {
	p.began = time.Now()
	p.quit, p.stopped = make(chan struct{}), make(chan struct{})
	period := 200 * time.Millisecond
	if !p.tty {
		if p.box == 0 {
			close(p.stopped)
			return // plain lines come from step
		}
		period = p.box / 10
	}
	go func() {
		defer close(p.stopped)
		tick := time.NewTicker(period)
		defer tick.Stop()
		for {
			select {
			case <-p.quit:
				return
			case <-tick.C:
				p.mu.Lock()
				if p.tty {
					p.redraw()
				} else {
					p.line()
				}
				p.mu.Unlock()
			}
		}
	}()
}

// step counts one finished unit.
func (p *progress) step(failed bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done++
	if failed {
		p.failures++
	}
	if !p.tty && p.total > 0 {
		for p.tenths < 10 && p.done*10 >= (p.tenths+1)*p.total {
			p.tenths++
			p.line()
		}
	}
}

// note prints a line (a failure as it is found) without garbling the bar.
func (p *progress) note(s string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty {
		fmt.Fprint(p.w, "\r\033[K")
	}
	fmt.Fprintln(p.w, s)
	if p.tty {
		p.redraw()
	}
}

func (p *progress) finish() {
	close(p.quit)
	<-p.stopped
	if p.tty {
		p.mu.Lock()
		p.redraw()
		fmt.Fprintln(p.w)
		p.mu.Unlock()
	}
}

func (p *progress) rate() float64 {
	if s := time.Since(p.began).Seconds(); s > 0 {
		return float64(p.done) / s
	}
	return 0
}

func (p *progress) redraw() {
	const width = 30
	frac := 0.0
	switch {
	case p.total > 0:
		frac = float64(p.done) / float64(p.total)
	case p.box > 0:
		frac = min(time.Since(p.began).Seconds()/p.box.Seconds(), 1)
	}
	n := int(frac * width)
	bar := strings.Repeat("#", n) + strings.Repeat(".", width-n)
	fmt.Fprintf(p.w, "\r\033[K[%s] %s  %d failures  %.0f seeds/s  %s", bar, p.count(), p.failures, p.rate(), time.Since(p.began).Round(time.Second))
}

func (p *progress) line() {
	fmt.Fprintf(p.w, "swarm: %s, %d failures, %.0f seeds/s\n", p.count(), p.failures, p.rate())
}

func (p *progress) count() string {
	if p.total > 0 {
		return fmt.Sprintf("%d/%d seeds", p.done, p.total)
	}
	return fmt.Sprintf("%d seeds", p.done)
}
