package sim

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	failurepb "go.temporal.io/api/failure/v1"
	"go.temporal.io/sdk/temporal"
)

// retryPolicy is a retry policy with the server's defaults filled in. The
// SDK test environment uses other defaults (ten attempts, a maximum
// interval equal to the initial one); the engine follows the server.
type retryPolicy struct {
	initial     time.Duration
	coefficient float64
	maxInterval time.Duration
	maxAttempts int
	nonRetry    []string
}

func serverRetryPolicy(p *temporal.RetryPolicy) retryPolicy {
	rp := retryPolicy{initial: time.Second, coefficient: 2}
	if p != nil {
		if p.InitialInterval > 0 {
			rp.initial = p.InitialInterval
		}
		if p.BackoffCoefficient > 0 {
			rp.coefficient = p.BackoffCoefficient
		}
		rp.maxInterval = p.MaximumInterval
		rp.maxAttempts = int(p.MaximumAttempts)
		rp.nonRetry = p.NonRetryableErrorTypes
	}
	if rp.maxInterval <= 0 {
		rp.maxInterval = 100 * rp.initial
	}
	return rp
}

// backoff is the wait before attempt+1 after attempt failed.
func (rp retryPolicy) backoff(attempt int) time.Duration {
	d := float64(rp.initial) * math.Pow(rp.coefficient, float64(attempt-1))
	if d > float64(rp.maxInterval) || math.IsInf(d, 0) || math.IsNaN(d) {
		return rp.maxInterval
	}
	return time.Duration(d)
}

// failureOf converts an error the way the SDK does before it reaches the
// server, so retry decisions see what a server would see.
func failureOf(err error) *failurepb.Failure {
	return temporal.GetDefaultFailureConverter().ErrorToFailure(err)
}

// retryable reports whether the server would retry after this failure
// under rp (attempt counts aside), and the delay an application error
// asked for, if any.
func (rp retryPolicy) retryable(f *failurepb.Failure) (bool, time.Duration) {
	if info := f.GetApplicationFailureInfo(); info != nil {
		if info.GetNonRetryable() || slices.Contains(rp.nonRetry, info.GetType()) {
			return false, 0
		}
		return true, info.GetNextRetryDelay().AsDuration()
	}
	if info := f.GetTimeoutFailureInfo(); info != nil {
		t := info.GetTimeoutType()
		if slices.Contains(rp.nonRetry, "TimeoutError") {
			return false, 0
		}
		return t == enumspb.TIMEOUT_TYPE_START_TO_CLOSE || t == enumspb.TIMEOUT_TYPE_HEARTBEAT, 0
	}
	if f.GetCanceledFailureInfo() != nil || f.GetTerminatedFailureInfo() != nil {
		return false, 0
	}
	return true, 0
}

// ErrorType names an error by its Temporal failure chain, outermost first,
// for example "ActivityError>ApplicationError:InjectedFault" or
// "ActivityError>TimeoutError:HEARTBEAT". It is what traces and results
// record instead of messages, which may hold anything.
func ErrorType(err error) string {
	if err == nil {
		return ""
	}
	var parts []string
	for f := failureOf(err); f != nil; f = f.GetCause() {
		parts = append(parts, failureName(f))
	}
	return strings.Join(parts, ">")
}

func failureName(f *failurepb.Failure) string {
	switch {
	case f.GetApplicationFailureInfo() != nil:
		if t := f.GetApplicationFailureInfo().GetType(); t != "" {
			return "ApplicationError:" + t
		}
		return "ApplicationError"
	case f.GetTimeoutFailureInfo() != nil:
		return "TimeoutError:" + timeoutName(f.GetTimeoutFailureInfo().GetTimeoutType())
	case f.GetCanceledFailureInfo() != nil:
		return "CanceledError"
	case f.GetTerminatedFailureInfo() != nil:
		return "TerminatedError"
	case f.GetServerFailureInfo() != nil:
		return "ServerError"
	case f.GetActivityFailureInfo() != nil:
		return "ActivityError"
	case f.GetChildWorkflowExecutionFailureInfo() != nil:
		return "ChildWorkflowExecutionError"
	case f.GetResetWorkflowFailureInfo() != nil:
		return "ResetWorkflowError"
	}
	return "Error"
}

// errWorkerShutdown is the cancellation cause activities see when the
// worker they run on is stopped.
var errWorkerShutdown = errors.New("sim: worker shut down")

// timeoutName is the timeout type's proto name without its prefix, such
// as START_TO_CLOSE (the enum's String method gives CamelCase).
func timeoutName(t enumspb.TimeoutType) string {
	return strings.TrimPrefix(enumspb.TimeoutType_name[int32(t)], "TIMEOUT_TYPE_")
}

func injectedError(f Fault) error {
	msg := f.Value
	if msg == "" {
		msg = fmt.Sprintf("injected fault f%d", f.ID)
	}
	return temporal.NewApplicationErrorWithOptions(msg, "InjectedFault", temporal.ApplicationErrorOptions{NonRetryable: f.NonRetryable})
}
