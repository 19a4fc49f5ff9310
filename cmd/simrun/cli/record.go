package cli

import (
	"errors"
	"fmt"
	"net"
	"strconv"

	"github.com/temporalsim/temporalsim/realserver"
)

// record is `record SCENARIO... -out DIR`: run scenarios against a real
// Temporal server and write their histories as a replay corpus. The flags
// are checked here; the recorder itself belongs to replaycorpus and is not
// in this build yet.
func (a *app) record(args []string) (job, error) {
	fs := a.flags("record", "SCENARIO... [-server PATH | -address HOST:PORT] -out DIR", `
Run each scenario against a real Temporal server and write its history to
DIR, as temporal workflow show -o json does, with a manifest.json entry per
file. The server is the temporal CLI's dev server, started from -server PATH
(or TEMPORAL_CLI, or temporal on PATH), or an existing server at -address.`)
	server := fs.String("server", "", "the temporal CLI binary that starts a dev server")
	address := fs.String("address", "", "an existing Temporal server's frontend, as `HOST:PORT`")
	out := fs.String("out", "", "directory to write histories and manifest.json into (required)")
	names, err := fs.parse(args)
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("want at least one scenario name (%s list shows them)", a.cfg.Command)
	}
	for _, n := range names {
		if _, err := a.scenario(n); err != nil {
			return nil, err
		}
	}
	switch {
	case *out == "":
		return nil, errors.New("-out DIR is required")
	case *server != "" && *address != "":
		return nil, errors.New("give -server or -address, not both")
	case *address != "":
		if err := checkAddress(*address); err != nil {
			return nil, err
		}
	default:
		if _, err := realserver.FindCLI(*server); err != nil {
			return nil, err
		}
	}
	return nil, errors.New("recorder not available in this build (the replaycorpus package has no recorder yet)")
}

func checkAddress(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || host == "" {
		return fmt.Errorf("-address %q: want HOST:PORT, as in localhost:7233", addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("-address %q: port must be a number from 1 to 65535", addr)
	}
	return nil
}
