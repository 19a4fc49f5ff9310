package sim

import (
	"testing"

	commandpb "go.temporal.io/api/command/v1"
	enumspb "go.temporal.io/api/enums/v1"
	failurepb "go.temporal.io/api/failure/v1"
)

func TestCanonicalStacks(t *testing.T) {
	stack := func(g, p string) *failurepb.Failure {
		return &failurepb.Failure{Message: "boom", StackTrace: "goroutine " + g + " [running]:\nmain.work(" + p + ", {0x1a, 0x2})\n\t/src/main.go:12 +0x1d"}
	}
	const want = "goroutine ? [running]:\nmain.work(0x?, {0x?, 0x?})\n\t/src/main.go:12 +0x?"
	a, b := stack("17", "0xc000123456"), stack("9", "0xc0009abcde")
	a.Cause = stack("3", "0xc0000000ff")
	canonicalFailure(a)
	canonicalFailure(b)
	if a.StackTrace != want || b.StackTrace != want || a.Cause.StackTrace != want {
		t.Fatalf("stacks %q, %q, cause %q; want %q", a.StackTrace, b.StackTrace, a.Cause.StackTrace, want)
	}
	// A local activity's failure sits in its marker command.
	f := stack("5", "0xc000000001")
	c := &commandpb.Command{CommandType: enumspb.COMMAND_TYPE_RECORD_MARKER, Attributes: &commandpb.Command_RecordMarkerCommandAttributes{
		RecordMarkerCommandAttributes: &commandpb.RecordMarkerCommandAttributes{MarkerName: "LocalActivity", Failure: f}}}
	canonicalFailures(c)
	if f.StackTrace != want {
		t.Fatalf("marker failure's stack %q, want %q", f.StackTrace, want)
	}
}
