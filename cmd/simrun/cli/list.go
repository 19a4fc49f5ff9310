package cli

import (
	"errors"
	"fmt"
	"text/tabwriter"
)

// list prints one scenario a line: its name, then its description; with
// -bugs, the planted-bug variants follow with the property each must
// break, "logic" for a bug that needs no fault ("fault" for one that
// does), and what the bug is.
func (a *app) list(args []string) (job, error) {
	fs := a.flags("list", "[-bugs]", `
List the scenarios, one a line: the name, then what it does.
With -bugs, also list the planted-bug variants, which the checks must catch:
the property each must break, then "logic" for a bug no fault is needed to
show or "fault" for one that needs one, then what the bug is.`)
	withBugs := fs.Bool("bugs", false, "also list planted-bug variants, with the property each breaks and their bug")
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
			breaks, kind := sc.Breaks, "fault"
			if breaks == "" {
				breaks, kind = "-", "-" // a catalogue of the user's own that does not say
			} else if sc.Logic != "" {
				kind = "logic"
			}
			fmt.Fprintf(w, "%s\tbreaks %s\t%s\tbug: %s\n", sc.Name, breaks, kind, sc.Bug)
		}
	}
	return nil, w.Flush()
}
