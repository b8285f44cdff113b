package poll // import "github.com/authtrail/authtrail/internal/poll"

import (
	"fmt"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component/componentstatus"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// repeatEvery bounds how often a stream that keeps failing logs it.
const repeatEvery = time.Minute

// failureLog makes a run of failures loud without flooding: the first is
// logged at once, then at most once a minute with a count, and the recovery
// at info. One per stream and kind of failure.
type failureLog struct {
	logger *zap.Logger
	now    func() time.Time
	what   string // "polling", "delivering to the pipeline"

	count   int
	since   time.Time
	lastLog time.Time
}

func (f *failureLog) failed(level zapcore.Level, err error, next string) {
	now := f.now()
	f.count++
	if f.count == 1 {
		f.since, f.lastLog = now, now
		f.logger.Log(level, f.what+" failed; "+next, zap.Error(err))
		return
	}
	if now.Sub(f.lastLog) >= repeatEvery {
		f.lastLog = now
		f.logger.Log(level, f.what+" still failing; "+next, zap.Error(err),
			zap.Int("failures", f.count), zap.Duration("failing_for", now.Sub(f.since)))
	}
}

func (f *failureLog) recovered() {
	if f.count == 0 {
		return
	}
	f.logger.Info(f.what+" recovered", zap.Int("failures", f.count), zap.Duration("failed_for", f.now().Sub(f.since)))
	f.count = 0
}

// levelOf logs credentials, query and configuration problems at error: they
// need a person; transient failures at warn.
func levelOf(err *APIError) zapcore.Level {
	if err.Class == ClassAuth || err.Class == ClassQueryError || err.Class == ClassRejected {
		return zapcore.ErrorLevel
	}
	return zapcore.WarnLevel
}

// streamHealth is what a stream tells its receiver's status: the worse of its
// last API call and its checkpoint writes (a stream that cannot save delivers
// again after a restart), reported only when it changes; a permanent error is
// final. Fetches and commits run on different goroutines.
type streamHealth struct {
	report func(*componentstatus.Event)

	mu      sync.Mutex
	state   componentstatus.Status
	api     *componentstatus.Event // the last call's outcome
	saveErr error                  // the last checkpoint write's failure; nil once one succeeds
}

func (h *streamHealth) apiResult(ev *componentstatus.Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.api = ev
	h.publish()
}

func (h *streamHealth) saveResult(err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err == nil && h.saveErr == nil {
		return
	}
	h.saveErr = err
	h.publish()
}

func (h *streamHealth) publish() {
	ev := h.api
	if h.saveErr != nil && (ev == nil || ev.Status() == componentstatus.StatusOK) {
		ev = componentstatus.NewRecoverableErrorEvent(fmt.Errorf("saving the checkpoint: %w", h.saveErr))
	}
	if ev == nil || h.state == ev.Status() || h.state == componentstatus.StatusPermanentError {
		return
	}
	if h.state == componentstatus.StatusNone && ev.Status() == componentstatus.StatusOK {
		h.state = ev.Status() // the collector reports OK after Start
		return
	}
	h.state = ev.Status()
	h.report(ev)
}
