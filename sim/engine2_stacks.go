package sim

import (
	"context"
	"fmt"
	"path"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/workflow"

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
// a workflow's failure, a local activity's marker). The e2stacks
// interceptor rewrites the worker's reports before the server sees them,
// so the same seed keeps giving the same histories:
//
//   - The SDK (v1.50) captures every panic's stack into one package-level
//     buffer without a lock (getStackTraceRaw), so two panics at the same
//     moment in one process (engine 2 runs bubbles in parallel) can garble
//     each other's text. Engine 2 therefore captures the stacks that reach
//     histories itself, on the panicking goroutine, in a buffer of its
//     own: an activity's or a local activity's in the attempt observer's
//     deferred recover, workflow code's in the e2stack interceptors'
//     (each re-panics with the same value, so the SDK handles the panic
//     as before). It shapes each as the SDK would have, and puts it in
//     place of the SDK's text, after the SDK's own top line.
//   - canonicalFailure then blanks the run-specific numbers; function
//     names, files and lines stay. It also leaves out the frames below the
//     lowest frame of code outside the SDK: they are the SDK's task
//     dispatch, and they vary between runs of the same seed (under parallel
//     load the SDK runs an activity's first attempt on its eager-dispatch
//     goroutine in one run and on its poll-dispatch goroutine in the next).
//
// The SDK's own workflow-task panics (its event handling, e.g. a
// nondeterminism panic), a potential-deadlock report and an ambiguous
// local activity keep the SDK's text (docs/architecture.md says which
// stacks can still be garbled, and why).

// e2stacks holds the panic stacks engine 2 captured in one run until the
// worker's report of the panic passes its client interceptor.
type e2stacks struct {
	mu     sync.Mutex
	acts   map[string]string      // activity task token -> stack, shaped as the SDK shapes it
	locals map[string][]heldStack // run id + "/" + activity type -> local activity panics
	coros  map[string]heldStack   // run id -> its workflow code's latest panic
	runs   map[string]string      // workflow task token -> run id
}

// heldStack is a local activity's latest panic: its stack, and its
// message (the failure's message: the panic value as %v prints it).
type heldStack struct{ id, msg, stack string }

func newE2Stacks() *e2stacks {
	return &e2stacks{acts: map[string]string{}, locals: map[string][]heldStack{}, coros: map[string]heldStack{}, runs: map[string]string{}}
}

// ownStacks off makes engine 2 leave the SDK's stacks as they were before
// it captured its own (no substitution, no deferred recover around
// workflow code), for tests that compare with the SDK's own text;
// stacksReplaced counts substitutions, for tests.
var (
	ownStacks      atomic.Bool
	stacksReplaced atomic.Int64
)

func init() { ownStacks.Store(true) }

// maxStack is the size of the SDK's stack buffer: a longer stack is cut
// there, as the SDK cuts it.
const maxStack = 1024 * 1024

// callerOf is the function that called the caller of callerOf's caller.
func callerOf() string {
	var pc [1]uintptr
	if runtime.Callers(3, pc[:]) == 0 {
		return ""
	}
	fn, _ := runtime.CallersFrames(pc[:]).Next()
	return fn.Function
}

// activityPanic captures the stack of an activity attempt's panic p and
// returns p. It must be called straight from the deferred function that
// recovered p, on the panicking goroutine, in the re-panic's expression:
// the SDK's text starts at that function's frame, at that line.
func (s *e2stacks) activityPanic(info activity.Info, p any) any {
	stack, ok := sdkShaped(ownStack(), callerOf())
	if !ok {
		return p
	}
	msg := fmt.Sprintf("%v", p)
	s.mu.Lock()
	defer s.mu.Unlock()
	if info.IsLocalActivity {
		// A later attempt's panic is the one its marker will carry.
		k := info.WorkflowExecution.RunID + "/" + info.ActivityType.Name
		h := heldStack{id: info.ActivityID, msg: msg, stack: stack}
		i := slices.IndexFunc(s.locals[k], func(o heldStack) bool { return o.id == h.id })
		if i < 0 {
			s.locals[k] = append(s.locals[k], h)
		} else {
			s.locals[k][i] = h
		}
	} else {
		s.acts[string(info.TaskToken)] = stack
	}
	return p
}

// workflowPanic captures the stack of a panic p of run's workflow code,
// on its coroutine, and returns p. It must be called straight from the
// deferred function that recovered p, in the re-panic's expression; that
// function is a literal in the e2stack interceptor's method that called
// the workflow code (or in the function literal it wraps a coroutine's
// function in). A panic that a capture further in already took is left
// to it.
func (s *e2stacks) workflowPanic(run string, p any) any {
	stack, ok := sdkCoroutineShaped(ownStack(), callerOf())
	if !ok {
		return p
	}
	// The first panic in a workflow task ends it: the latest is the one
	// the task's report carries.
	msg := fmt.Sprintf("%v", p)
	s.mu.Lock()
	s.coros[run] = heldStack{msg: msg, stack: stack}
	s.mu.Unlock()
	return p
}

// sdkCoroutineShaped is stack as the SDK's getStackTrace(name, "panic",
// 4) would have written it, without the top line, had the engine's
// deferred function fn and the function that deferred it not been
// there: the frames below fn's panic, without the frame of the function
// fn is a literal in and the two bottom frames (the coroutine's start).
func sdkCoroutineShaped(stack, fn string) (string, bool) {
	lines := strings.Split(strings.TrimRightFunc(stack, unicode.IsSpace), "\n")
	i := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, fn+"(") })
	dot := strings.LastIndex(fn, ".")
	if i < 0 || i+4 > len(lines) || !strings.HasPrefix(lines[i+2], "panic(") || dot < 0 {
		return "", false
	}
	lines = lines[i+4:]
	if pkg, _, ok := strings.Cut(fn, ".(*e2stack"); ok {
		for k := 0; k+2 < len(lines); k++ {
			if strings.HasPrefix(lines[k], pkg+".(*e2stack") && strings.HasPrefix(lines[k+2], "panic(") {
				return "", false // a capture further in took this panic's stack
			}
		}
	}
	j := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, fn[:dot]+"(") })
	if j < 0 || j+2+4 > len(lines) {
		return "", false
	}
	lines = append(lines[:j:j], lines[j+2:]...)
	return strings.Join(lines[:len(lines)-4], "\n"), true
}

// e2stackWorkflow and e2stackOutbound capture the stacks of workflow
// code's panics: the outbound Go wraps the function of every coroutine the
// workflow starts, its root coroutine's too (the SDK starts that one
// through Go); an update handler runs in a coroutine of its own that the
// SDK starts directly. With ownStacks off they are not installed, so
// the SDK's stacks have no frame of theirs.
type e2stackWorkflow struct{ *observerWorkflow }

type e2stackOutbound struct{ *observerOutbound }

func stackWorkflow(w *observerWorkflow) interceptor.WorkflowInboundInterceptor {
	if !ownStacks.Load() {
		return w
	}
	return &e2stackWorkflow{w}
}

func stackOutbound(w *observerOutbound) interceptor.WorkflowOutboundInterceptor {
	if !ownStacks.Load() {
		return w
	}
	return &e2stackOutbound{w}
}

func (w *e2stackWorkflow) ExecuteUpdate(ctx workflow.Context, in *interceptor.UpdateInput) (any, error) {
	run := workflow.GetInfo(ctx).WorkflowExecution.RunID
	defer func() {
		if p := recover(); p != nil {
			panic(w.o.stacks.workflowPanic(run, p))
		}
	}()
	return w.Next.ExecuteUpdate(ctx, in)
}

func (w *e2stackOutbound) Go(ctx workflow.Context, name string, f func(ctx workflow.Context)) workflow.Context {
	run := workflow.GetInfo(ctx).WorkflowExecution.RunID
	return w.Next.Go(ctx, name, func(ctx workflow.Context) {
		defer func() {
			if p := recover(); p != nil {
				panic(w.o.stacks.workflowPanic(run, p))
			}
		}()
		f(ctx)
	})
}

// ownStack is the calling goroutine's stack, in a buffer of its own.
func ownStack() string {
	for n := 64 * 1024; ; n *= 2 {
		buf := make([]byte, n)
		if m := runtime.Stack(buf, false); m < n || n >= maxStack {
			return string(buf[:m])
		}
	}
}

// sdkShaped is stack as the SDK's getStackTraceRaw(top, 7, 0) would have
// written it, without the top line, had it been called in a deferred
// function one panic below fn: the frames from fn's down.
func sdkShaped(stack, fn string) (string, bool) {
	lines := strings.Split(strings.TrimRightFunc(stack, unicode.IsSpace), "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, fn+"(") {
			return strings.Join(lines[i:], "\n"), true
		}
	}
	return "", false
}

// intercept is the run's client interceptor on the worker's calls: it
// puts the captured stacks in place of the SDK's, canonicalises every
// stack in a report, and notes which run each workflow task is for (a
// local activity's marker travels in its workflow task's completion).
func (s *e2stacks) intercept(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	switch r := req.(type) {
	case *workflowservice.RespondActivityTaskFailedRequest:
		s.activityReport(r.GetTaskToken(), r.GetFailure())
		canonicalFailure(r.GetFailure())
	case *workflowservice.RespondActivityTaskFailedByIdRequest:
		canonicalFailure(r.GetFailure())
	case *workflowservice.RespondWorkflowTaskFailedRequest:
		s.coroutineReport(s.forget(r.GetTaskToken()), r.GetFailure())
		canonicalFailure(r.GetFailure())
	case *workflowservice.RespondWorkflowTaskCompletedRequest:
		run := s.forget(r.GetTaskToken())
		for _, c := range r.GetCommands() {
			switch c.GetCommandType() {
			case enumspb.COMMAND_TYPE_RECORD_MARKER:
				s.localReport(run, c.GetRecordMarkerCommandAttributes().GetFailure())
			case enumspb.COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION:
				s.coroutineReport(run, c.GetFailWorkflowExecutionCommandAttributes().GetFailure())
			}
			if failureCommands[c.GetCommandType()] {
				canonicalFailures(c)
			}
		}
		s.coroutineReport(run, nil) // whatever the task's commands, its held panic goes
	}
	err := invoker(ctx, method, req, reply, cc, opts...)
	if err == nil {
		switch r := reply.(type) {
		case *workflowservice.PollWorkflowTaskQueueResponse:
			s.note(r.GetTaskToken(), r.GetWorkflowExecution().GetRunId())
		case *workflowservice.RespondWorkflowTaskCompletedResponse:
			s.note(r.GetWorkflowTask().GetTaskToken(), r.GetWorkflowTask().GetWorkflowExecution().GetRunId())
		}
	}
	return err
}

// coroutineReport puts the stack captured for run's workflow code panic
// in place of the SDK's in the workflow task's failure f (the panic
// policy BlockWorkflow) or the workflow's (FailWorkflow); the panic
// belongs to this task, so it is dropped either way.
func (s *e2stacks) coroutineReport(run string, f *failurepb.Failure) {
	s.mu.Lock()
	h, ok := s.coros[run]
	delete(s.coros, run)
	s.mu.Unlock()
	top, panicked := sdkTop(f, "coroutine ")
	if ok && panicked && h.msg == f.GetMessage() && ownStacks.Load() {
		f.StackTrace = top + "\n" + h.stack
		stacksReplaced.Add(1)
	}
}

func (s *e2stacks) note(token []byte, run string) {
	if len(token) == 0 || run == "" {
		return
	}
	s.mu.Lock()
	s.runs[string(token)] = run
	s.mu.Unlock()
}

// forget is the run of a workflow task the worker reports on.
func (s *e2stacks) forget(token []byte) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	run := s.runs[string(token)]
	delete(s.runs, string(token))
	return run
}

// sdkTop is the top line of a stack the SDK captured on a panic, if
// it starts with prefix; the rest of the text is what a concurrent panic
// can garble (the top line is formatted apart).
func sdkTop(f *failurepb.Failure, prefix string) (string, bool) {
	if f.GetApplicationFailureInfo().GetType() != "PanicError" {
		return "", false
	}
	top, _, _ := strings.Cut(f.GetStackTrace(), "\n")
	return top, strings.HasPrefix(top, prefix) && strings.HasSuffix(top, " [panic]:")
}

// activityReport puts the stack captured for the attempt with token in
// place of the SDK's.
func (s *e2stacks) activityReport(token []byte, f *failurepb.Failure) {
	s.mu.Lock()
	stack, ok := s.acts[string(token)]
	delete(s.acts, string(token))
	s.mu.Unlock()
	top, panicked := sdkTop(f, "activity for ")
	if ok && panicked && ownStacks.Load() {
		f.StackTrace = top + "\n" + stack
		stacksReplaced.Add(1)
	}
}

// localReport puts the stack captured for a local activity's panic in
// place of the SDK's in its marker's failure f. Local panics are told
// apart by run, activity type and message; when two held ones match and
// their stacks differ after canonicalisation, the SDK's text stays.
func (s *e2stacks) localReport(run string, f *failurepb.Failure) {
	top, panicked := sdkTop(f, "local activity for ")
	if !panicked || run == "" {
		return
	}
	typ := strings.TrimSuffix(strings.TrimPrefix(top, "local activity for "), " [panic]:")
	k := run + "/" + typ
	s.mu.Lock()
	held := s.locals[k]
	var match []int
	for i, h := range held {
		if h.msg == f.GetMessage() {
			match = append(match, i)
		}
	}
	if len(match) == 0 {
		s.mu.Unlock()
		return
	}
	stack := held[match[0]].stack
	s.locals[k] = append(held[:match[0]:match[0]], held[match[0]+1:]...)
	if len(s.locals[k]) == 0 {
		delete(s.locals, k)
	}
	s.mu.Unlock()
	for _, i := range match[1:] {
		if canonicalText(held[i].stack) != canonicalText(stack) {
			return
		}
	}
	if ownStacks.Load() {
		f.StackTrace = top + "\n" + stack
		stacksReplaced.Add(1)
	}
}

// canonicalText is stack as canonicalFailure leaves it.
func canonicalText(stack string) string {
	f := &failurepb.Failure{StackTrace: stack}
	canonicalFailure(f)
	return f.StackTrace
}

// failureCommands are the commands that can carry a failure.
var failureCommands = map[enumspb.CommandType]bool{
	enumspb.COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION:            true,
	enumspb.COMMAND_TYPE_RECORD_MARKER:                      true, // a local activity's failure
	enumspb.COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION: true,
}

var stackNumbers = regexp.MustCompile(`0x[0-9a-f]+|goroutine [0-9]+`)

// canonicalFailure blanks the run-specific numbers in f's stack trace and
// its causes', and names each frame's file by its package's import path
// rather than where the machine keeps it.
func canonicalFailure(f *failurepb.Failure) {
	for ; f != nil; f = f.GetCause() {
		if f.GetStackTrace() != "" {
			f.StackTrace = stackNumbers.ReplaceAllStringFunc(trimPaths(trimDispatch(f.GetStackTrace())), func(s string) string {
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
		if fn := lines[i]; isFrame(fn, lines[i+1]) && !dispatchFrame(fn) {
			last = i + 1
		}
	}
	if last < 0 || last == len(lines)-1 {
		return stack
	}
	return strings.Join(lines[:last+1], "\n") + "\n" + dispatchTrimmed
}

// trimPaths rewrites the file line of each frame of a Go stack trace,
// "\t/home/me/src/payments/charge.go:42 +0x1d", to name the file by its
// package's import path, "\tgithub.com/acme/payments/charge.go:42 +0x1d",
// as go build -trimpath does: the checkout's directory, the module cache's
// and GOROOT's differ between machines, and a history must not (the same
// seed gives the same bytes on every machine). A frame whose function
// names no package (panic) keeps the file's base name.
func trimPaths(stack string) string {
	lines := strings.Split(stack, "\n")
	for i := 1; i < len(lines); i++ {
		fn, file := lines[i-1], lines[i]
		if !isFrame(fn, file) {
			continue
		}
		where, _, _ := strings.Cut(file[1:], " ") // the path and line, before " +0x1d"
		colon := strings.LastIndex(where, ":")
		if colon < 0 {
			continue
		}
		name := path.Base(where[:colon])
		if pkg := framePackage(fn); pkg != "" {
			name = pkg + "/" + name
		}
		lines[i] = "\t" + name + file[1+colon:]
	}
	return strings.Join(lines, "\n")
}

// isFrame tells whether fn and file, two consecutive lines of a Go stack
// trace, are a frame: a function line and its file line, which starts with
// a tab.
func isFrame(fn, file string) bool {
	return fn != "" && !strings.HasPrefix(fn, "\t") && strings.HasPrefix(file, "\t")
}

// framePackage is the import path of the function a stack frame's
// function line names, "" when it names none: the path ends at the first
// dot after its last slash, before any receiver, type argument or argument
// list.
func framePackage(fn string) string {
	fn = strings.TrimPrefix(fn, "created by ")
	if i := strings.IndexAny(fn, "([ "); i >= 0 {
		fn = fn[:i]
	}
	slash := strings.LastIndex(fn, "/")
	dot := strings.Index(fn[slash+1:], ".")
	if dot < 0 {
		return ""
	}
	return fn[:slash+1+dot]
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
