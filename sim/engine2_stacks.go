package sim

import (
	"context"
	"regexp"

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
// files and lines stay.
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
			f.StackTrace = stackNumbers.ReplaceAllStringFunc(f.GetStackTrace(), func(s string) string {
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
