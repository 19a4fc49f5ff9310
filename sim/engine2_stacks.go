package sim

import (
	"context"
	"regexp"
	"strings"

	commandpb "go.temporal.io/api/command/v1"
	enumspb "go.temporal.io/api/enums/v1"
	failurepb "go.temporal.io/api/failure/v1"
	"go.temporal.io/api/workflowservice/v1"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// A panic's failure carries the stack the SDK captured, with argument
// values, pointers and goroutine numbers that change from run to run;
// the server would write it into the history (an attempt's last failure,
// a workflow's failure, a local activity's marker). canonicalStacks
// blanks those numbers in the worker's reports before the server sees
// them, so the same seed keeps giving the same histories; function names,
// files and lines stay. It also leaves out the frames below the lowest
// frame of code outside the SDK: they are the SDK's task dispatch, and
// they vary between runs of the same seed (under parallel load the SDK
// runs an activity's first attempt on its eager-dispatch goroutine in one
// run and on its poll-dispatch goroutine in the next).
func canonicalStacks(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	switch r := req.(type) {
	case *workflowservice.RespondActivityTaskFailedRequest:
		canonicalFailure(r.GetFailure())
	case *workflowservice.RespondActivityTaskFailedByIdRequest:
		canonicalFailure(r.GetFailure())
	case *workflowservice.RespondWorkflowTaskFailedRequest:
		canonicalFailure(r.GetFailure())
	case *workflowservice.RespondWorkflowTaskCompletedRequest:
		for _, c := range r.GetCommands() {
			if failureCommands[c.GetCommandType()] {
				canonicalFailures(c)
			}
		}
	}
	return invoker(ctx, method, req, reply, cc, opts...)
}

// failureCommands are the commands that can carry a failure.
var failureCommands = map[enumspb.CommandType]bool{
	enumspb.COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION:            true,
	enumspb.COMMAND_TYPE_RECORD_MARKER:                      true, // a local activity's failure
	enumspb.COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION: true,
}

var stackNumbers = regexp.MustCompile(`0x[0-9a-f]+|goroutine [0-9]+`)

// canonicalFailure blanks the run-specific numbers in f's stack trace and
// its causes'.
func canonicalFailure(f *failurepb.Failure) {
	for ; f != nil; f = f.GetCause() {
		if f.GetStackTrace() != "" {
			f.StackTrace = stackNumbers.ReplaceAllStringFunc(trimDispatch(f.GetStackTrace()), func(s string) string {
				if s[0] == 'g' {
					return "goroutine ?"
				}
				return "0x?"
			})
		}
	}
}

// canonicalFailures applies canonicalFailure to every failure in c.
func canonicalFailures(c *commandpb.Command) {
	var walk func(m protoreflect.Message)
	walk = func(m protoreflect.Message) {
		if f, ok := m.Interface().(*failurepb.Failure); ok {
			canonicalFailure(f)
			return
		}
		m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
			switch {
			case fd.Kind() != protoreflect.MessageKind:
			case fd.IsList():
				for i := range v.List().Len() {
					walk(v.List().Get(i).Message())
				}
			case fd.IsMap():
				v.Map().Range(func(_ protoreflect.MapKey, mv protoreflect.Value) bool {
					if fd.MapValue().Kind() == protoreflect.MessageKind {
						walk(mv.Message())
					}
					return true
				})
			default:
				walk(v.Message())
			}
			return true
		})
	}
	walk(c.ProtoReflect())
}

// dispatchTrimmed ends a stack whose SDK dispatch frames were left out.
const dispatchTrimmed = "\t(the SDK's task dispatch frames are left out)"

// trimDispatch cuts a Go stack trace after the lowest frame whose function
// lies outside the SDK, the runtime and package sync; a stack with no such
// frame is kept whole. A frame is a function line followed by its file
// line, which starts with a tab.
func trimDispatch(stack string) string {
	lines := strings.Split(stack, "\n")
	last := -1
	for i := 0; i+1 < len(lines); i++ {
		fn, file := lines[i], lines[i+1]
		if fn == "" || strings.HasPrefix(fn, "\t") || !strings.HasPrefix(file, "\t") {
			continue
		}
		if !dispatchFrame(fn) {
			last = i + 1
		}
	}
	if last < 0 || last == len(lines)-1 {
		return stack
	}
	return strings.Join(lines[:last+1], "\n") + "\n" + dispatchTrimmed
}

// dispatchFrame tells the frames that may belong to the SDK's dispatch.
func dispatchFrame(fn string) bool {
	fn = strings.TrimPrefix(fn, "created by ")
	for _, p := range []string{"go.temporal.io/sdk/", "runtime.", "sync.", "panic("} {
		if strings.HasPrefix(fn, p) {
			return true
		}
	}
	return false
}
