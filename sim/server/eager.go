package server

import "go.temporal.io/api/workflowservice/v1"

// Eager activity dispatch: a worker completing a workflow task may ask, per
// ScheduleActivityTask (RequestEagerExecution), to run the activity itself;
// the server then starts the first attempt at once and returns it in the
// RespondWorkflowTaskCompleted response, as the Temporal server does with
// eager activity execution on, instead of through the task queue. The
// worker saves a poll round trip per activity; the history is the same.
// The SDK asks only for activities on its own task queue and only as many
// as it has free slots; retries always go through the queue.

// holdEager keeps an activity scheduled by the completing workflow task
// until the task's commands are all applied: a later command may close
// the run or cancel the activity.
func (ex *execution) holdEager(a *activity) {
	a.attemptScheduled = ex.s.now
	ex.eager = append(ex.eager, a)
}

// startEager starts the held activities that are still wanted, in command
// order, for the worker named identity.
func (ex *execution) startEager(identity string) []*workflowservice.PollActivityTaskQueueResponse {
	var out []*workflowservice.PollActivityTaskQueueResponse
	for _, a := range ex.eager {
		if !a.dead && !a.running && ex.open() {
			out = append(out, a.begin(identity))
			ex.s.stats.EagerActivityTasks++
		}
	}
	ex.eager = nil
	return out
}
