package server

import (
	commandpb "go.temporal.io/api/command/v1"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
)

// userTimer is a workflow timer (StartTimer) on the server's clock.
type userTimer struct {
	id        string
	startedID int64
	t         *timer
}

func (ex *execution) startTimer(a *commandpb.StartTimerCommandAttributes, done int64) {
	id := ex.writeWith(enumspb.EVENT_TYPE_TIMER_STARTED, func(e *historypb.HistoryEvent) {
		e.Attributes = &historypb.HistoryEvent_TimerStartedEventAttributes{TimerStartedEventAttributes: &historypb.TimerStartedEventAttributes{
			TimerId: a.GetTimerId(), StartToFireTimeout: a.GetStartToFireTimeout(), WorkflowTaskCompletedEventId: done,
		}}
	})
	ut := &userTimer{id: a.GetTimerId(), startedID: id}
	ut.t = ex.s.after(a.GetStartToFireTimeout().AsDuration(), func() { ex.timerFired(ut) })
	ex.timers[ut.id] = ut
}

func (ex *execution) timerFired(ut *userTimer) {
	if !ex.open() || ex.timers[ut.id] != ut {
		return
	}
	delete(ex.timers, ut.id)
	e := ex.newEvent(enumspb.EVENT_TYPE_TIMER_FIRED)
	e.Attributes = &historypb.HistoryEvent_TimerFiredEventAttributes{TimerFiredEventAttributes: &historypb.TimerFiredEventAttributes{
		TimerId: ut.id, StartedEventId: ut.startedID,
	}}
	ex.record(nil, e)
}

func (ex *execution) cancelTimer(id string, done int64, identity string) {
	ut := ex.timers[id]
	if ut == nil {
		return
	}
	delete(ex.timers, id)
	ut.t.cancel()
	ex.writeWith(enumspb.EVENT_TYPE_TIMER_CANCELED, func(e *historypb.HistoryEvent) {
		e.Attributes = &historypb.HistoryEvent_TimerCanceledEventAttributes{TimerCanceledEventAttributes: &historypb.TimerCanceledEventAttributes{
			TimerId: id, StartedEventId: ut.startedID, WorkflowTaskCompletedEventId: done, Identity: identity,
		}}
	})
}
