package harness

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"strings"
	"testing"

	"github.com/temporalsim/temporalsim/fakes"
)

// TestMethodConstNames: the declarations that violation messages suggest
// name the right fakes constant for every probed method.
func TestMethodConstNames(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "../fakes/intercept_record_method.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	consts := map[fakes.Method]string{}
	ast.Inspect(f, func(n ast.Node) bool {
		vs, ok := n.(*ast.ValueSpec)
		if !ok || len(vs.Values) != 1 {
			return true
		}
		if id, ok := vs.Type.(*ast.Ident); ok && id.Name == "Method" {
			lit := vs.Values[0].(*ast.BasicLit)
			v, _ := strconv.Unquote(lit.Value)
			consts[fakes.Method(v)] = vs.Names[0].Name
		}
		return true
	})
	if len(consts) != len(fakes.Methods()) {
		t.Fatalf("found %d Method constants, fakes.Methods lists %d", len(consts), len(fakes.Methods()))
	}
	for _, m := range fakes.Methods() {
		if got, want := methodConst(m), consts[m]; got != want {
			t.Errorf("methodConst(%s) = %s, the constant is %s", m, got, want)
		}
	}
}

func TestStackSpecErrors(t *testing.T) {
	for _, tc := range []struct {
		names []string
		decls []Declaration
		want  string
	}{
		{nil, nil, "no interceptors"},
		{[]string{"A", "A"}, nil, `"A" used twice`},
		{[]string{"A"}, []Declaration{{Interceptor: "B"}}, `declaration for "B", which is not in the stack (A)`},
		{[]string{"A"}, []Declaration{{Interceptor: "A", Transforms: []fakes.Method{"Nope.Nope"}}}, "not a probed method"},
	} {
		_, err := newStackSpec(tc.names, tc.decls)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("newStackSpec(%v, %v) = %v, want an error containing %q", tc.names, tc.decls, err, tc.want)
		}
	}
	s, err := newStackSpec([]string{"A", "B", "C"}, []Declaration{
		{Interceptor: "B", ShortCircuits: []fakes.Method{fakes.ActivityExecute}},
		{Interceptor: "B", Transforms: []fakes.Method{fakes.WorkflowSleep}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !s.shortCircuits("B", fakes.ActivityExecute) || !s.transforms("B", fakes.WorkflowSleep) || s.shortCircuits("A", fakes.ActivityExecute) {
		t.Error("declarations for one interceptor do not add up")
	}
	if s.pos("A", fakes.ActivityExecute) != 0 || s.pos("A", fakes.ActivityRecordHeartbeat) != 2 || s.at(0, fakes.WorkflowExecuteActivity) != "C" {
		t.Error("inbound calls reach the first interceptor first, outbound calls the last")
	}
}
