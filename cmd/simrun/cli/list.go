package cli

import (
	"errors"
	"fmt"
	"text/tabwriter"
)

// list prints one scenario a line: its name, then its description; with
// -bugs, the planted-bug variants follow with what their bug is.
func (a *app) list(args []string) (job, error) {
	fs := a.flags("list", "[-bugs]", `
List the scenarios, one a line: the name, then what it does.
With -bugs, also list the planted-bug variants, which the checks must catch.`)
	withBugs := fs.Bool("bugs", false, "also list planted-bug variants, with their bug")
	pos, err := fs.parse(args)
	if err != nil {
		return nil, err
	}
	if len(pos) > 0 {
		return nil, errors.New("takes no arguments")
	}
	w := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	for _, sc := range a.correct() {
		fmt.Fprintf(w, "%s\t%s\n", sc.Name, sc.Description)
	}
	if *withBugs {
		for _, sc := range a.bugs() {
			fmt.Fprintf(w, "%s\tbug: %s\n", sc.Name, sc.Bug)
		}
	}
	return nil, w.Flush()
}
