package realserver

import (
	"bytes"
	"context"
	"debug/buildinfo"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
)

// InstallHint is what to do when no temporal CLI can be found.
const InstallHint = "run scripts/install-temporal-cli.sh and set TEMPORAL_CLI to the path it prints (or put temporal on PATH)"

// ErrNoCLI is returned (wrapped) by FindCLI when no temporal CLI binary is
// given, set in TEMPORAL_CLI or on PATH.
var ErrNoCLI = errors.New("no temporal CLI found: " + InstallHint)

// FindCLI returns the temporal CLI binary to start a dev server with: path
// if it is not empty, else $TEMPORAL_CLI, else temporal on PATH. The file
// must exist and be executable.
func FindCLI(path string) (string, error) {
	if path == "" {
		path = os.Getenv("TEMPORAL_CLI")
	}
	if path == "" {
		p, err := exec.LookPath("temporal")
		if err != nil {
			return "", ErrNoCLI
		}
		return p, nil
	}
	info, err := os.Stat(path)
	if err != nil || info.IsDir() || info.Mode()&0o111 == 0 {
		return "", fmt.Errorf("temporal CLI %s is not an executable file (%w)", path, ErrNoCLI)
	}
	return path, nil
}

// ServerOptions say which server to use: a dev server started from the
// temporal CLI (the default), or an existing server at Address.
type ServerOptions struct {
	// Address, when set, is an existing server's frontend (HOST:PORT);
	// nothing is started and Stop leaves the server running.
	Address string
	// CLI is the temporal CLI binary; empty means FindCLI("").
	CLI string
	// Namespace is the namespace workflows run in; empty means "default".
	Namespace string
	// Log receives the dev server's output; nil discards it. The last
	// lines are kept either way, for the error when the server dies.
	Log io.Writer
	// ExtraArgs are appended to `temporal server start-dev`.
	ExtraArgs []string
	// StartTimeout bounds the wait for the dev server to answer; zero
	// means one minute.
	StartTimeout time.Duration
}

// Server is a Temporal server to run scenarios against: a dev server this
// package started, or an existing one.
type Server struct {
	addr, ns string
	version  string
	cmd      *exec.Cmd
	exited   chan struct{} // closed when the dev server process has exited
	exitErr  error         // its Wait error, set before exited closes
	out      *tailBuffer
	stopOnce sync.Once
	stopErr  error
}

// Start starts a dev server on a free loopback port (or connects to
// opts.Address) and waits until its frontend answers. The dev server keeps
// its state in memory and has no UI.
func Start(ctx context.Context, opts ServerOptions) (*Server, error) {
	s := &Server{ns: opts.Namespace, out: &tailBuffer{max: 16 << 10}}
	if s.ns == "" {
		s.ns = "default"
	}
	timeout := opts.StartTimeout
	if timeout == 0 {
		timeout = time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if opts.Address != "" {
		s.addr = opts.Address
		v, err := s.systemVersion(ctx)
		if err != nil {
			return nil, fmt.Errorf("server at %s: %w", s.addr, err)
		}
		s.version = v
		return s, nil
	}
	bin, err := FindCLI(opts.CLI)
	if err != nil {
		return nil, err
	}
	if s.version, err = CLIVersion(bin); err != nil {
		return nil, err
	}
	if err := s.startDev(ctx, bin, opts); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Server) startDev(ctx context.Context, bin string, opts ServerOptions) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	s.addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	args := []string{"server", "start-dev", "--ip", "127.0.0.1", "--port", strconv.Itoa(port),
		"--headless", "--db-filename", "", "--namespace", s.ns, "--log-level", "error",
	}
	args = append(args, devServerTuning...)
	s.cmd = exec.Command(bin, append(args, opts.ExtraArgs...)...)
	var w io.Writer = s.out
	if opts.Log != nil {
		w = io.MultiWriter(s.out, opts.Log)
	}
	s.cmd.Stdout, s.cmd.Stderr = w, w
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", bin, err)
	}
	s.exited = make(chan struct{})
	go func() {
		s.exitErr = s.cmd.Wait()
		close(s.exited)
	}()
	if err := s.waitReady(ctx); err != nil {
		_ = s.Stop()
		return fmt.Errorf("dev server (%s %s): %w\n%s", bin, strings.Join(s.cmd.Args[1:], " "), err, s.out.String())
	}
	return nil
}

// waitReady polls the frontend until it answers, the process exits or ctx
// ends.
func (s *Server) waitReady(ctx context.Context) error {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		cctx, cancel := context.WithTimeout(ctx, time.Second)
		_, err := s.systemVersion(cctx)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-s.exited:
			return fmt.Errorf("exited before it was ready (%v)", s.exitErr)
		case <-ctx.Done():
			return fmt.Errorf("not ready: %w (last error: %v)", ctx.Err(), err)
		case <-tick.C:
		}
	}
}

// systemVersion asks the frontend for its version, which also proves that
// it serves the namespace.
func (s *Server) systemVersion(ctx context.Context) (string, error) {
	c, err := client.DialContext(ctx, client.Options{HostPort: s.addr, Namespace: s.ns, Logger: quietLogger(nil)})
	if err != nil {
		return "", err
	}
	defer c.Close()
	info, err := c.WorkflowService().GetSystemInfo(ctx, &workflowservice.GetSystemInfoRequest{})
	if err != nil {
		return "", err
	}
	if _, err := c.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: s.ns}); err != nil {
		return "", err
	}
	return "Temporal server " + info.GetServerVersion(), nil
}

// Check reports whether the server answers, as Start's readiness check
// does (its version, then its namespace), within ctx. For a dev server
// this package started, a process that has exited is reported with its
// exit status, and an error carries the server's last lines of output.
func (s *Server) Check(ctx context.Context) error {
	if s.cmd != nil {
		select {
		case <-s.exited:
			return fmt.Errorf("the dev server at %s exited (%v); its last output:\n%s", s.addr, s.exitErr, s.lastLines())
		default:
		}
	}
	if _, err := s.systemVersion(ctx); err != nil {
		if s.cmd != nil {
			return fmt.Errorf("the dev server at %s does not answer: %w; its last output:\n%s", s.addr, err, s.lastLines())
		}
		return fmt.Errorf("the server at %s does not answer: %w", s.addr, err)
	}
	return nil
}

// lastLines is the end of the dev server's output, at most 20 lines.
func (s *Server) lastLines() string {
	lines := strings.Split(strings.TrimRight(s.out.String(), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-20):], "\n")
}

// Address is the server's frontend, HOST:PORT.
func (s *Server) Address() string { return s.addr }

// Namespace is the namespace scenarios run in.
func (s *Server) Namespace() string { return s.ns }

// Version says what the server is, for a corpus manifest: the CLI's module
// version and the server it embeds for a dev server ("temporal CLI v1.5.1
// (Server 1.29.1, UI 2.42.1) dev server"), or the version an existing
// server reports.
func (s *Server) Version() string { return s.version }

// Started reports whether this package started the server (and Stop will
// stop it).
func (s *Server) Started() bool { return s.cmd != nil }

// Dial connects a client to the server; opts' HostPort and Namespace are
// filled in.
func (s *Server) Dial(ctx context.Context, opts client.Options) (client.Client, error) {
	opts.HostPort, opts.Namespace = s.addr, s.ns
	if opts.Logger == nil {
		opts.Logger = quietLogger(nil)
	}
	return client.DialContext(ctx, opts)
}

// Stop stops a dev server this package started: an interrupt, then a kill
// if it has not exited after ten seconds. It does nothing for a server
// given by address. It is safe to call more than once.
func (s *Server) Stop() error {
	if s.cmd == nil {
		return nil
	}
	s.stopOnce.Do(func() {
		select {
		case <-s.exited:
		default:
			_ = s.cmd.Process.Signal(os.Interrupt)
			select {
			case <-s.exited:
			case <-time.After(10 * time.Second):
				_ = s.cmd.Process.Kill()
				<-s.exited
				s.stopErr = errors.New("dev server did not exit on interrupt within 10s; killed")
			}
		}
	})
	return s.stopErr
}

// CLIVersion describes a temporal CLI binary: the module version it was
// built from (go install leaves `temporal --version` at 0.0.0-DEV) and
// the server and UI versions `temporal --version` reports, as in
// "temporal CLI v1.5.1 (Server 1.29.1, UI 2.42.1) dev server".
func CLIVersion(bin string) (string, error) {
	out, err := exec.Command(bin, "--version").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("%s --version: %v: %s", bin, err, bytes.TrimSpace(out))
	}
	m := versionLine.FindStringSubmatch(string(out))
	if m == nil {
		return "", fmt.Errorf("%s --version printed %q, not `temporal version V (Server S, ...)`", bin, bytes.TrimSpace(out))
	}
	v := m[1]
	if info, err := buildinfo.ReadFile(bin); err == nil && info.Main.Path == "github.com/temporalio/cli" &&
		info.Main.Version != "" && info.Main.Version != "(devel)" {
		v = info.Main.Version
	}
	return fmt.Sprintf("temporal CLI %s (%s) dev server", v, m[2]), nil
}

var versionLine = regexp.MustCompile(`temporal version (\S+) \(([^)]*)\)`)

// devServerTuning makes the dev server's task queues react within
// milliseconds rather than tens of them (measured on one workflow that
// sleeps 1ms twenty times: 1.0s per sleep with the defaults, 25ms with
// these). Scaled-down runs need it: their timers are milliseconds long.
var devServerTuning = []string{
	// A new timer fires no earlier than this after now (default 1s).
	"--dynamic-config-value", `history.timerProcessorMaxTimeShift="10ms"`,
	// The timer and transfer queues are read at most this often per
	// second (default 20).
	"--dynamic-config-value", "history.timerProcessorMaxPollRPS=10000",
	"--dynamic-config-value", "history.transferProcessorMaxPollRPS=10000",
}

// freePort asks the kernel for a free loopback port. Another process may
// take it before the dev server binds it; Start then fails with the
// server's own message.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if over := len(t.b) - t.max; over > 0 {
		t.b = append(t.b[:0], t.b[over:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}
