package harness

import (
	"strings"
	"testing"
)

func env(kv ...string) func(string) (string, bool) {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

// setFlags sets the -sim.* flag values for one test, as go test would
// after parsing, and restores them after.
func setFlags(t *testing.T, args map[string]string) {
	old := flags
	t.Cleanup(func() { flags = old })
	for name, v := range args {
		var err error
		switch name {
		case "sim.seed":
			err = flags.seed.Set(v)
		case "sim.checks":
			err = flags.checks.Set(v)
		case "sim.checkdeterminism":
			err = flags.determinism.Set(v)
		}
		if err != nil {
			t.Fatalf("-%s=%s: %v", name, v, err)
		}
	}
}

func TestResolvePrecedence(t *testing.T) {
	defChecks := 100
	if testing.Short() {
		defChecks = 20
	}
	tests := []struct {
		name  string
		opts  []Option
		env   []string
		flags map[string]string
		want  config
	}{
		{"defaults", nil, nil, nil, config{checks: defChecks, planDir: DefaultPlanDir}},
		{"options", []Option{Checks(7), CheckDeterminism(true), PlanDir(""), SearchSeed(9)}, nil, nil,
			config{checks: 7, determinism: true, searchSeed: 9}},
		{"environment over options", []Option{Checks(7)}, []string{"SIM_CHECKS", "30", "SIM_CHECK_DETERMINISM", "1", "SIM_SEED", "12"}, nil,
			config{checks: 30, determinism: true, planDir: DefaultPlanDir, simSeed: 12, hasSimSeed: true}},
		{"flags over environment", []Option{Checks(7)}, []string{"SIM_CHECKS", "30", "SIM_SEED", "12", "SIM_CHECK_DETERMINISM", "true"},
			map[string]string{"sim.checks": "500", "sim.seed": "4", "sim.checkdeterminism": "false"},
			config{checks: 500, planDir: DefaultPlanDir, simSeed: 4, hasSimSeed: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setFlags(t, tt.flags)
			got, err := resolve(tt.opts, env(tt.env...))
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("resolve = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestBadSettings: every bad value is rejected with a message that names
// the setting and says what it wants.
func TestBadSettings(t *testing.T) {
	tests := []struct {
		name string
		opts []Option
		env  []string
		want string
	}{
		{"seed not a number", nil, []string{"SIM_SEED", "abc"}, `SIM_SEED="abc": not a seed: want a whole number such as 42`},
		{"negative seed", nil, []string{"SIM_SEED", "-3"}, `SIM_SEED="-3": not a seed`},
		{"checks not a number", nil, []string{"SIM_CHECKS", "lots"}, `SIM_CHECKS="lots": want a whole number of plans`},
		{"determinism not a bool", nil, []string{"SIM_CHECK_DETERMINISM", "maybe"}, `SIM_CHECK_DETERMINISM="maybe": want true or false`},
		{"zero checks", []Option{Checks(0)}, nil, "0 checks: want at least 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := resolve(tt.opts, env(tt.env...))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("resolve: %v; want an error containing %q", err, tt.want)
			}
		})
	}
	for flag, v := range map[string]string{"seed": "abc", "checks": "0", "checkdeterminism": "maybe"} {
		var err error
		switch flag {
		case "seed":
			err = new(seedFlag).Set(v)
		case "checks":
			err = new(intFlag).Set(v)
		default:
			err = new(boolFlag).Set(v)
		}
		if err == nil || !strings.Contains(err.Error(), "want") {
			t.Errorf("-sim.%s=%s: %v; want an error saying what is wanted", flag, v, err)
		}
	}
}
