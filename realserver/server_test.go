package realserver

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// One dev server for the package's tests, started by the first test that
// needs it and stopped after all of them.
var shared struct {
	once sync.Once
	srv  *Server
	err  error
}

// server returns the shared dev server. Without a temporal CLI the test
// fails: the runner is for real servers, and CI installs the CLI.
func server(t *testing.T) *Server {
	t.Helper()
	if _, err := FindCLI(""); err != nil {
		t.Fatalf("%v\n(these tests run a dev server: TEMPORAL_CLI=\"$(scripts/install-temporal-cli.sh)\" go test ./realserver)", err)
	}
	shared.once.Do(func() { shared.srv, shared.err = Start(context.Background(), ServerOptions{}) })
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.srv
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.srv != nil {
		if err := shared.srv.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "stopping the dev server:", err)
			code = 1
		}
	}
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goroutines left running after the tests:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// script writes an executable shell script standing in for the CLI.
func script(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "temporal")
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestFindCLI(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	t.Setenv("TEMPORAL_CLI", "")
	if _, err := FindCLI(""); !errors.Is(err, ErrNoCLI) || !strings.Contains(err.Error(), "scripts/install-temporal-cli.sh") {
		t.Errorf("no CLI anywhere: %v, want ErrNoCLI naming the install script", err)
	}
	notExec := filepath.Join(t.TempDir(), "temporal")
	if err := os.WriteFile(notExec, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{notExec, t.TempDir(), filepath.Join(t.TempDir(), "missing")} {
		if _, err := FindCLI(bad); !errors.Is(err, ErrNoCLI) {
			t.Errorf("FindCLI(%s) = %v, want ErrNoCLI", bad, err)
		}
	}
	good := script(t, "exit 0")
	if got, err := FindCLI(good); err != nil || got != good {
		t.Errorf("FindCLI(%s) = %s, %v", good, got, err)
	}
	t.Setenv("TEMPORAL_CLI", good)
	if got, err := FindCLI(""); err != nil || got != good {
		t.Errorf("FindCLI with TEMPORAL_CLI set = %s, %v", got, err)
	}
	t.Setenv("TEMPORAL_CLI", "")
	t.Setenv("PATH", filepath.Dir(good))
	if got, err := FindCLI(""); err != nil || got != good {
		t.Errorf("FindCLI with temporal on PATH = %s, %v", got, err)
	}
}

func TestCLIVersion(t *testing.T) {
	fake := script(t, `echo "temporal version 0.0.0-DEV (Server 1.29.1, UI 2.42.1)"`)
	if got, err := CLIVersion(fake); err != nil || got != "temporal CLI 0.0.0-DEV (Server 1.29.1, UI 2.42.1) dev server" {
		t.Errorf("CLIVersion = %q, %v", got, err)
	}
	for _, body := range []string{`echo "something else"`, `echo oops >&2; exit 3`} {
		if got, err := CLIVersion(script(t, body)); err == nil {
			t.Errorf("CLIVersion of a CLI that runs %q = %q, want an error", body, got)
		}
	}
}

func TestStartFailsWithTheServersWords(t *testing.T) {
	fake := script(t, `case "$1" in --version) echo "temporal version 1.0.0 (Server 1.0.0, UI 1.0.0)";; *) echo "cannot bind: address in use" >&2; exit 1;; esac`)
	_, err := Start(context.Background(), ServerOptions{CLI: fake})
	if err == nil || !strings.Contains(err.Error(), "exited before it was ready") || !strings.Contains(err.Error(), "cannot bind") {
		t.Errorf("Start with a CLI that exits at once: %v, want the exit and the server's output", err)
	}
}

func TestServer(t *testing.T) {
	srv := server(t)
	if !regexp.MustCompile(`^temporal CLI \S+ \(Server \d+\.\d+\.\d+.*\) dev server$`).MatchString(srv.Version()) {
		t.Errorf("Version = %q", srv.Version())
	}
	if !srv.Started() || srv.Namespace() != "default" || !strings.HasPrefix(srv.Address(), "127.0.0.1:") {
		t.Errorf("started %v, namespace %q, address %q", srv.Started(), srv.Namespace(), srv.Address())
	}
	existing, err := Start(context.Background(), ServerOptions{Address: srv.Address()})
	if err != nil {
		t.Fatal(err)
	}
	if existing.Started() || !regexp.MustCompile(`^Temporal server \d+\.\d+`).MatchString(existing.Version()) {
		t.Errorf("server by address: started %v, version %q", existing.Started(), existing.Version())
	}
	if err := existing.Stop(); err != nil {
		t.Errorf("Stop of a server given by address: %v", err)
	}
	c, err := existing.Dial(context.Background(), clientOptions())
	if err != nil {
		t.Fatalf("the server must still run after Stop of its address: %v", err)
	}
	c.Close()
}

// TestCheck shows Check telling an answering server from one that has
// exited and from an address where nothing answers.
func TestCheck(t *testing.T) {
	if _, err := FindCLI(""); err != nil {
		t.Fatalf("%v\n(this test runs a dev server)", err)
	}
	ctx := context.Background()
	srv, err := Start(ctx, ServerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Check(ctx); err != nil {
		t.Errorf("Check of a running dev server: %v", err)
	}
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := srv.Check(ctx); err == nil || !strings.Contains(err.Error(), "exited") {
		t.Errorf("Check of a stopped dev server: %v, want an error saying it exited", err)
	}
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	nobody := &Server{addr: fmt.Sprintf("127.0.0.1:%d", port), ns: "default"}
	cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := nobody.Check(cctx); err == nil || !strings.Contains(err.Error(), "does not answer") {
		t.Errorf("Check of an address where nothing listens: %v, want an error saying it does not answer", err)
	}
}
