package webhook // import "github.com/authtrail/authtrail/internal/webhook"

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/receiverhelper"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/authtrail/authtrail/internal/sources"
	"github.com/authtrail/authtrail/internal/webhook/internal/metadata"
)

// Reasons a request is rejected (attribute "reason" of the rejected counter).
const (
	ReasonMethod              = "method_not_allowed"
	ReasonTooLarge            = "body_too_large"
	ReasonReadFailed          = "body_read_failed"
	ReasonSignatureMissing    = "signature_missing"
	ReasonSignatureInvalid    = "signature_invalid"
	ReasonRequiredHeader      = "required_header_invalid"
	ReasonMalformed           = "malformed_payload"
	ReasonConsumerPermanent   = "consumer_refused"
	ReasonConsumerUnavailable = "consumer_unavailable"
	ReasonVerification        = "verification_invalid"
)

const format = "json"

var (
	jsonContentType = []string{"application/json"}
	okBody          = []byte(`{"status":"ok"}`)
)

// Settings is what a receiver hands the intake besides its configuration.
type Settings struct {
	Receiver receiver.Settings
	// Decode converts one request body into records; it holds the vendor knowledge.
	Decode sources.Decoder
	// Options carries the scope written on every record; the intake sets the
	// receipt time and include_original per request.
	Options sources.Options
	// Verify, when set, answers GET requests on the events path (for example a
	// WebSub subscription challenge). It returns the status and the body.
	Verify func(r *http.Request) (status int, body string)
}

// Server is a running webhook intake.
type Server struct {
	cfg      *Config
	set      Settings
	next     consumer.Logs
	obsrecv  *receiverhelper.ObsReport
	tb       *metadata.TelemetryBuilder
	verifier *verifier
	logger   *zap.Logger
	bodies   sync.Pool
	reasons  map[string]metric.MeasurementOption

	server   *http.Server
	listener net.Listener
	wg       sync.WaitGroup
}

// NewServer prepares an intake; nothing listens until Start.
func NewServer(cfg *Config, set Settings, next consumer.Logs) (*Server, error) {
	obsrecv, err := receiverhelper.NewObsReport(receiverhelper.ObsReportSettings{
		ReceiverID:             set.Receiver.ID,
		Transport:              "http",
		ReceiverCreateSettings: set.Receiver,
	})
	if err != nil {
		return nil, fmt.Errorf("creating receiver telemetry: %w", err)
	}
	tb, err := metadata.NewTelemetryBuilder(set.Receiver.TelemetrySettings)
	if err != nil {
		return nil, fmt.Errorf("creating webhook telemetry: %w", err)
	}
	s := &Server{
		cfg: cfg, set: set, next: next, obsrecv: obsrecv, tb: tb,
		verifier: newVerifier(cfg.Signature, cfg.RequiredHeader),
		logger:   set.Receiver.Logger,
		bodies:   sync.Pool{New: func() any { return new(bytes.Buffer) }},
		reasons:  map[string]metric.MeasurementOption{},
	}
	for _, r := range []string{
		ReasonMethod, ReasonTooLarge, ReasonReadFailed, ReasonSignatureMissing, ReasonSignatureInvalid,
		ReasonRequiredHeader, ReasonMalformed, ReasonConsumerPermanent, ReasonConsumerUnavailable, ReasonVerification,
	} {
		s.reasons[r] = metric.WithAttributeSet(attribute.NewSet(
			attribute.String("receiver", set.Receiver.ID.String()), attribute.String("reason", r)))
	}
	return s, nil
}

// Handler returns the intake's HTTP handler (events and health paths).
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc(s.cfg.Path, s.handleEvents)
	if s.cfg.HealthPath != "" {
		mux.HandleFunc(s.cfg.HealthPath, handleHealth)
	}
	return mux
}

// Start listens on the configured endpoint.
func (s *Server) Start(ctx context.Context, host component.Host) error {
	ln, err := s.cfg.ServerConfig.ToListener(ctx)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", s.cfg.ServerConfig.NetAddr.Endpoint, err)
	}
	s.server, err = s.cfg.ServerConfig.ToServer(ctx, host.GetExtensions(), s.set.Receiver.TelemetrySettings, s.Handler())
	if err != nil {
		_ = ln.Close()
		return fmt.Errorf("creating HTTP server: %w", err)
	}
	s.listener = ln
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := s.server.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			componentstatus.ReportStatus(host, componentstatus.NewFatalErrorEvent(err))
		}
	}()
	return nil
}

// Addr is the address the intake listens on once started (useful with port 0).
func (s *Server) Addr() string {
	if s.listener == nil {
		return ""
	}
	return s.listener.Addr().String()
}

// Shutdown stops accepting requests and waits for those in flight.
func (s *Server) Shutdown(ctx context.Context) error {
	var err error
	if s.server != nil {
		err = s.server.Shutdown(ctx)
		s.wg.Wait()
	}
	s.tb.Shutdown()
	return err
}

func handleHealth(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"status":"ok"}`)
}

// handleEvents runs the order the receiver contract fixes: method (405) → size
// (413) → signature/token (401) → decode (400) → ConsumeLogs with a deadline →
// 200 only once the pipeline accepted; a permanent pipeline error is 400, any
// other error 503 with Retry-After. Never 500, never 410.
func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodPost:
	case http.MethodGet:
		if s.set.Verify != nil {
			status, body := s.set.Verify(r)
			if status >= 300 {
				s.reject(w, status, ReasonVerification, body)
				return
			}
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(status)
			_, _ = io.WriteString(w, body)
			return
		}
		fallthrough
	default:
		if s.set.Verify != nil {
			w.Header().Set("Allow", "GET, POST")
		} else {
			w.Header().Set("Allow", "POST")
		}
		s.reject(w, http.StatusMethodNotAllowed, ReasonMethod, "method "+r.Method+" not allowed; POST events")
		return
	}

	limit := s.cfg.ServerConfig.MaxRequestBodySize
	if limit > 0 && r.ContentLength > limit {
		s.reject(w, http.StatusRequestEntityTooLarge, ReasonTooLarge, tooLarge(limit))
		return
	}
	buf := s.bodies.Get().(*bytes.Buffer)
	buf.Reset()
	defer s.bodies.Put(buf)
	body := io.Reader(r.Body)
	if limit > 0 {
		body = http.MaxBytesReader(w, r.Body, limit)
	}
	if _, err := buf.ReadFrom(body); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.reject(w, http.StatusRequestEntityTooLarge, ReasonTooLarge, tooLarge(limit))
			return
		}
		s.reject(w, http.StatusBadRequest, ReasonReadFailed, "reading body: "+err.Error())
		return
	}
	raw := buf.Bytes()

	if err := s.verifier.verify(r.Header, raw); err != nil {
		reason := ReasonSignatureInvalid
		switch {
		case errors.Is(err, errSignatureMissing):
			reason = ReasonSignatureMissing
		case errors.Is(err, errTokenInvalid):
			reason = ReasonRequiredHeader
		}
		s.reject(w, http.StatusUnauthorized, reason, err.Error())
		return
	}

	opts := s.set.Options
	opts.Observed = time.Now()
	opts.IncludeOriginal = s.cfg.IncludeOriginal
	ld, err := s.set.Decode(raw, opts)
	if err != nil {
		s.reject(w, http.StatusBadRequest, ReasonMalformed, "invalid payload: "+err.Error())
		return
	}

	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.ConsumeTimeout)
	defer cancel()
	ctx = s.obsrecv.StartLogsOp(ctx)
	n := ld.LogRecordCount()
	err = s.next.ConsumeLogs(ctx, ld)
	s.obsrecv.EndLogsOp(ctx, format, n, err)
	switch {
	case err == nil:
		w.Header()["Content-Type"] = jsonContentType
		_, _ = w.Write(okBody)
	case consumererror.IsPermanent(err):
		s.reject(w, http.StatusBadRequest, ReasonConsumerPermanent, "pipeline refused the events: "+err.Error())
	default:
		w.Header().Set("Retry-After", strconv.Itoa(int((s.cfg.RetryAfter+time.Second-1)/time.Second)))
		s.reject(w, http.StatusServiceUnavailable, ReasonConsumerUnavailable, "pipeline unavailable, retry later: "+err.Error())
	}
}

func tooLarge(limit int64) string {
	return "body exceeds max_request_body_size of " + strconv.FormatInt(limit, 10) + " bytes"
}

// reject answers with a plain-text error, counts it, and logs at debug level only.
func (s *Server) reject(w http.ResponseWriter, status int, reason, msg string) {
	s.tb.AuthtrailWebhookRequestsRejected.Add(context.Background(), 1, s.reasons[reason])
	if ce := s.logger.Check(zap.DebugLevel, "webhook request rejected"); ce != nil {
		ce.Write(zap.Int("status", status), zap.String("reason", reason), zap.String("error", msg))
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, msg+"\n")
}
