package poll // import "github.com/authtrail/authtrail/internal/poll"

import (
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

// streamHealth is what a stream tells its receiver's status: the status only
// changes when the stream's health does, and a permanent error is final.
type streamHealth struct {
	report func(*componentstatus.Event)
	state  componentstatus.Status
}

func (h *streamHealth) set(ev *componentstatus.Event) {
	if h.state == ev.Status() || h.state == componentstatus.StatusPermanentError {
		return
	}
	if h.state == componentstatus.StatusNone && ev.Status() == componentstatus.StatusOK {
		h.state = ev.Status() // the collector reports OK after Start
		return
	}
	h.state = ev.Status()
	h.report(ev)
}
