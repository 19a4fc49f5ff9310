package sim

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// genFault draws any valid fault, with awkward strings in its text fields.
func genFault(t *rapid.T, id int) Fault {
	k := rapid.SampledFrom(Kinds()).Draw(t, "kind")
	fs := kindSpecs[k].fields
	f := Fault{ID: id, Kind: k}
	text := rapid.OneOf(rapid.StringMatching(`[A-Za-z][A-Za-z0-9_.-]{0,12}`), rapid.String())
	dur := rapid.Custom(func(t *rapid.T) time.Duration {
		return time.Duration(rapid.Int64Range(0, int64(1000*time.Hour)).Draw(t, "ns"))
	})
	if fs&fAt != 0 {
		f.At = dur.Draw(t, "at")
	}
	if fs&fTarget != 0 {
		f.Target = text.Draw(t, "target")
	}
	if fs&fCall != 0 {
		f.Call = rapid.IntRange(0, 50).Draw(t, "call")
	}
	if fs&fAttempt != 0 {
		f.Attempt = rapid.IntRange(0, 50).Draw(t, "attempt")
	}
	if fs&fDur != 0 {
		f.Dur = dur.Draw(t, "dur")
	}
	if fs&fValue != 0 {
		f.Value = text.Draw(t, "value")
	}
	if fs&fNonRetryable != 0 {
		f.NonRetryable = rapid.Bool().Draw(t, "nonretryable")
	}
	// Required fields the draw left empty get a value.
	req := kindSpecs[k].required
	if req&fTarget != 0 && f.Target == "" {
		f.Target = "T"
	}
	if req&fDur != 0 && f.Dur == 0 {
		f.Dur = time.Second
	}
	return f
}

// TestPlanTextRoundTrips: generate -> format -> parse -> equal, and
// format(parse(format(p))) == format(p).
func TestPlanTextRoundTrips(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(0, 8).Draw(t, "n")
		var p Plan
		for i := 1; i <= n; i++ {
			p.Faults = append(p.Faults, genFault(t, i))
		}
		require.NoError(t, p.Validate())
		text := p.String()
		q, err := ParsePlan(text)
		if err != nil {
			t.Fatalf("parse of formatted plan failed: %v\n%s", err, text)
		}
		if len(p.Faults) == 0 {
			p.Faults = nil
		}
		require.Equal(t, p, q, "plan text:\n%s", text)
		require.Equal(t, text, q.String())
	})
}

// TestGeneratedPlansAreValid: every plan a profile generates parses back
// and fits the profile.
func TestGeneratedPlansAreValid(t *testing.T) {
	pr := probeScenario(defaultProbe).Profile
	for s := Seed(1); s <= 2000; s++ {
		_, p := pr.SwarmPlan(s)
		require.NoError(t, pr.Check(p), "seed %d:\n%s", s, p)
		q, err := ParsePlan(p.String())
		require.NoError(t, err)
		require.Equal(t, p.String(), q.String())
	}
}

func TestSwarmPlanIsAFunctionOfTheSeed(t *testing.T) {
	pr := probeScenario(defaultProbe).Profile
	for s := Seed(1); s <= 200; s++ {
		c1, p1 := pr.SwarmPlan(s)
		c2, p2 := pr.SwarmPlan(s)
		require.Equal(t, c1, c2)
		require.Equal(t, p1, p2)
	}
}

func TestParsePlanRejectsBadInput(t *testing.T) {
	cases := []struct{ name, text, want string }{
		{"unknown kind", "f1 explode target=Work", `unknown fault kind "explode"`},
		{"bad id", "x1 latency target=Work dur=1s", `fault id "x1"`},
		{"zero id", "f0 latency target=Work dur=1s", `fault id "f0"`},
		{"negative duration", "f1 latency target=Work dur=-5s", "negative duration"},
		{"not a duration", "f1 latency target=Work dur=soon", "not a duration"},
		{"negative attempt", "f1 activity-error target=Work attempt=-1", "not a non-negative"},
		{"unknown key", "f1 activity-error target=Work colour=red", `unknown key "colour"`},
		{"key twice", "f1 activity-error target=Work target=X", "target given twice"},
		{"missing target", "f1 activity-error attempt=1", "needs target"},
		{"field the kind does not take", "f1 workflow-cancel at=1s target=Work", "does not take target"},
		{"duplicate id", "f1 workflow-cancel at=1s\nf1 workflow-cancel at=2s", "duplicate id"},
		{"unterminated quote", `f1 signal target=ping value="abc`, "unterminated"},
		{"no kind", "f1", "want"},
		{"value on flag", "f1 activity-error target=Work nonretryable=yes", "takes no value"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParsePlan(c.text)
			require.Error(t, err)
			require.Contains(t, err.Error(), c.want)
			require.NotContains(t, err.Error(), "\n", "errors are one line")
		})
	}
}

func TestProfileCheckNamesUnknownTargets(t *testing.T) {
	pr := probeScenario(defaultProbe).Profile
	p, err := ParsePlan("f1 activity-error target=Charge")
	require.NoError(t, err)
	err = pr.Check(p)
	require.ErrorContains(t, err, `unknown target "Charge" (known: Work)`)

	narrow := Profile{Kinds: []Kind{Latency}, Activities: []string{"Work"}}
	p, _ = ParsePlan("f1 worker-shutdown at=1s")
	require.ErrorContains(t, narrow.Check(p), "kind worker-shutdown does not apply")
}

func TestRunRejectsBadInput(t *testing.T) {
	sc := probeScenario(defaultProbe)
	p, _ := ParsePlan("f1 activity-error target=Nope")
	_, err := Run(t, sc, 1, p, nil)
	require.ErrorContains(t, err, `unknown target "Nope"`)

	_, err = Run(t, &Scenario{Name: "empty"}, 1, Plan{}, nil)
	require.ErrorContains(t, err, "no Setup")

	_, err = Run(t, &Scenario{Name: "noworkflow", Setup: func(*World) Case { return Case{} }}, 1, Plan{}, nil)
	require.ErrorContains(t, err, "Setup returned no workflow")

	_, err = Run(t, &Scenario{Name: "unregistered", Setup: func(*World) Case { return Case{Workflow: "Nope"} }}, 1, Plan{}, nil)
	require.ErrorContains(t, err, "could not run the workflow")
	require.ErrorContains(t, err, "Nope")

	bad := probeScenario(defaultProbe)
	p, _ = ParsePlan("f1 update at=1m target=set value=seven")
	_, err = Run(t, bad, 1, p, nil)
	require.ErrorContains(t, err, `decoding value "seven" for set`)
}

func FuzzParsePlan(f *testing.F) {
	for _, s := range []string{
		PlanHeader + "\nf1 activity-error target=Charge call=1 attempt=2 value=\"card declined\" nonretryable\n",
		"f2 worker-shutdown at=1m30s dur=10s",
		"f3 signal at=5m target=approve value=yes\nf4 codec-failure at=1s dur=1s target=encode",
		"# comment only",
		`f1 update at=1ms target="a b" value="x=\"y\""`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		p, err := ParsePlan(text)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error: %q", err)
			}
			return
		}
		q, err := ParsePlan(p.String())
		if err != nil {
			t.Fatalf("formatted plan does not parse: %v\n%s", err, p)
		}
		if p.String() != q.String() {
			t.Fatalf("round trip changed the plan:\n%s\nvs\n%s", p, q)
		}
	})
}
