package webhook // import "github.com/authtrail/authtrail/internal/webhook"

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/receiverhelper"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"
	"golang.org/x/net/netutil"

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
	ReasonEncoding            = "content_encoding_unsupported"
	ReasonBusy                = "too_many_requests"
	ReasonInFlight            = "duplicate_in_flight"
	ReasonAuthenticator       = "authenticator_refused"
	ReasonPath                = "path_not_found"
)

// MaxChallengeBytes caps a verification answer: it echoes what the caller
// sent, so the intake refuses to reflect more than a challenge needs.
const MaxChallengeBytes = 256

// maxPooledBuffer is the largest body buffer kept for reuse; a bigger one
// (an oversized or hostile body) is left to the garbage collector.
const maxPooledBuffer = 64 << 10

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
	// DeliveryKey names a delivery for dedupe; nil turns dedupe off.
	DeliveryKey KeyFunc
	// AcknowledgePermanentErrors answers a permanent pipeline error with 200
	// (the events are dropped, counted and logged at error) instead of 400,
	// for senders that drop the subscription on a 4xx for a fault of ours.
	AcknowledgePermanentErrors bool
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
	slots    chan struct{}
	dedupe   *deduper
	reasons  map[string]metric.MeasurementOption
	rcvAttr  metric.MeasurementOption

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
		slots:    make(chan struct{}, max(cfg.MaxConcurrentRequests, 1)),
		reasons:  map[string]metric.MeasurementOption{},
		rcvAttr:  metric.WithAttributeSet(attribute.NewSet(attribute.String("receiver", set.Receiver.ID.String()))),
	}
	if cfg.Dedupe.Window > 0 && set.DeliveryKey != nil {
		s.dedupe = newDeduper(cfg.Dedupe)
	}
	for _, r := range []string{
		ReasonMethod, ReasonTooLarge, ReasonReadFailed, ReasonSignatureMissing, ReasonSignatureInvalid,
		ReasonRequiredHeader, ReasonMalformed, ReasonConsumerPermanent, ReasonConsumerUnavailable, ReasonVerification,
		ReasonEncoding, ReasonBusy, ReasonInFlight, ReasonAuthenticator, ReasonPath,
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
	if s.cfg.Path != "/" && s.cfg.HealthPath != "/" {
		// A vendor pointed at the wrong URL loses every delivery: say so in
		// the metrics.
		mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
			s.reject(w, http.StatusNotFound, ReasonPath, "no webhook endpoint at this path; POST events to "+s.cfg.Path)
		})
	}
	return mux
}

// Start opens the dedupe storage, if any, and listens on the configured endpoint.
func (s *Server) Start(ctx context.Context, host component.Host) error {
	for _, w := range s.cfg.Warnings() {
		s.logger.Warn(w)
	}
	if err := s.openDedupeStorage(ctx, host); err != nil {
		return err
	}
	ln, err := s.cfg.ServerConfig.ToListener(ctx)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", s.cfg.ServerConfig.NetAddr.Endpoint, err)
	}
	server := s.cfg.serverConfig()
	s.server, err = server.ToServer(ctx, host.GetExtensions(), s.set.Receiver.TelemetrySettings, s.Handler(),
		confighttp.WithErrorHandler(s.refusedByServer))
	if err != nil {
		_ = ln.Close()
		return fmt.Errorf("creating HTTP server: %w", err)
	}
	s.server.MaxHeaderBytes = s.cfg.MaxHeaderBytes
	s.server.Handler = fixedHost(s.server.Handler, s.cfg.ServerConfig.NetAddr.Endpoint)
	ln = netutil.LimitListener(ln, s.cfg.MaxConnections)
	s.listener = ln
	s.logger.Info("Webhook intake listening",
		zap.String("endpoint", ln.Addr().String()), zap.String("path", s.cfg.Path),
		zap.Bool("tls", s.cfg.ServerConfig.TLS.HasValue()))
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := s.server.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			componentstatus.ReportStatus(host, componentstatus.NewFatalErrorEvent(err))
		}
	}()
	return nil
}

// fixedHost hands next every request with Host set to the endpoint: the Host
// header is the sender's to choose, and confighttp's HTTP metrics would take
// it as server.address, one series per value. The intake does not route by host.
func fixedHost(next http.Handler, endpoint string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = r.WithContext(r.Context())
		r.Host = endpoint
		next.ServeHTTP(w, r)
	})
}

// Addr is the address the intake listens on once started (useful with port 0).
func (s *Server) Addr() string {
	if s.listener == nil {
		return ""
	}
	return s.listener.Addr().String()
}

// Shutdown stops accepting requests, waits for those in flight, and closes
// the dedupe storage.
func (s *Server) Shutdown(ctx context.Context) error {
	var errs []error
	if s.server != nil {
		errs = append(errs, s.server.Shutdown(ctx))
		s.wg.Wait()
	}
	if s.dedupe != nil && s.dedupe.client != nil {
		errs = append(errs, s.dedupe.client.Close(ctx))
	}
	s.tb.Shutdown()
	return errors.Join(errs...)
}

func (s *Server) openDedupeStorage(ctx context.Context, host component.Host) error {
	id := s.cfg.Dedupe.Storage
	if s.dedupe == nil || id == nil {
		return nil
	}
	ext, ok := host.GetExtensions()[*id]
	if !ok {
		return fmt.Errorf("dedupe.storage: extension %q not found; add it to service.extensions", id)
	}
	se, ok := ext.(storage.Extension)
	if !ok {
		return fmt.Errorf("dedupe.storage: extension %q is not a storage extension", id)
	}
	client, err := se.GetClient(ctx, component.KindReceiver, s.set.Receiver.ID, "webhook_dedupe")
	if err != nil {
		return fmt.Errorf("dedupe.storage: opening %q: %w", id, err)
	}
	if err := s.dedupe.load(ctx, client); err != nil {
		_ = client.Close(ctx)
		return fmt.Errorf("dedupe.storage: %w", err)
	}
	return nil
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

// handleEvents runs the order the receiver contract fixes, cheapest first and
// reading the body only once the headers passed: method (405) → encoding (415)
// → declared size (413) → token/signature header present (401) → a free
// request slot (503) → body within the limit (413; 503 if it could not be read
// whole) → signature (401) → decode
// (400) → dedupe (200 for a repeat) → ConsumeLogs with a deadline → 200 only
// once the pipeline accepted; a permanent pipeline error is 400 (or 200 with
// AcknowledgePermanentErrors), any other error 503 with Retry-After. Never
// 500, never 410.
func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		s.handleOtherMethod(w, r)
		return
	}
	if !s.checkHeaders(w, r) {
		return
	}
	select {
	case s.slots <- struct{}{}:
		defer func() { <-s.slots }()
	default:
		s.retryLater(w)
		s.refuse(w, http.StatusServiceUnavailable, ReasonBusy, "too many requests in progress, retry later")
		return
	}

	buf := s.bodies.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= maxPooledBuffer {
			s.bodies.Put(buf)
		}
	}()
	if !s.readBody(w, r, buf) {
		return
	}
	raw := buf.Bytes()
	if err := s.verifier.verifyBody(r.Header, raw); err != nil {
		s.reject(w, http.StatusUnauthorized, authReason(err), err.Error())
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
	s.forward(r.Context(), w, raw, ld)
}

// handleOtherMethod answers GET with the verification function, if any, and
// every other method with 405.
func (s *Server) handleOtherMethod(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet && s.set.Verify != nil {
		status, body := s.set.Verify(r)
		switch {
		case status >= 300:
			s.reject(w, status, ReasonVerification, body[:min(len(body), MaxChallengeBytes)])
		case len(body) > MaxChallengeBytes:
			s.reject(w, http.StatusBadRequest, ReasonVerification,
				"challenge longer than "+strconv.Itoa(MaxChallengeBytes)+" bytes")
		default:
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Header().Set("X-Content-Type-Options", "nosniff")
			w.WriteHeader(status)
			_, _ = io.WriteString(w, body)
		}
		return
	}
	if s.set.Verify != nil {
		w.Header().Set("Allow", "GET, POST")
	} else {
		w.Header().Set("Allow", "POST")
	}
	s.refuse(w, http.StatusMethodNotAllowed, ReasonMethod, "method "+r.Method+" not allowed; POST events")
}

// checkHeaders runs the checks that need no body; false means it answered.
func (s *Server) checkHeaders(w http.ResponseWriter, r *http.Request) bool {
	// confighttp removes Content-Encoding once it decompressed the body, so
	// one left here was not configured in compression_algorithms.
	if enc := r.Header.Get("Content-Encoding"); enc != "" && !strings.EqualFold(enc, "identity") {
		s.refuseEncoding(w, enc)
		return false
	}
	if limit := s.cfg.ServerConfig.MaxRequestBodySize; r.ContentLength > limit {
		s.refuse(w, http.StatusRequestEntityTooLarge, ReasonTooLarge, tooLarge(limit))
		return false
	}
	if err := s.verifier.precheck(r.Header); err != nil {
		s.refuse(w, http.StatusUnauthorized, authReason(err), err.Error())
		return false
	}
	return true
}

// refusedByServer counts and answers what confighttp refuses before the
// intake sees the request: an encoding outside compression_algorithms (415),
// a compressed body whose header cannot be read (503, as any unreadable body),
// and an auth extension's refusal.
func (s *Server) refusedByServer(w http.ResponseWriter, r *http.Request, msg string, status int) {
	switch enc := r.Header.Get("Content-Encoding"); {
	case status != http.StatusBadRequest:
		s.reject(w, status, ReasonAuthenticator, msg)
	case !slices.Contains(s.cfg.ServerConfig.CompressionAlgorithms, enc):
		s.refuseEncoding(w, enc)
	default:
		s.unreadable(w, "reading compressed body: "+msg)
	}
}

func (s *Server) refuseEncoding(w http.ResponseWriter, enc string) {
	s.refuse(w, http.StatusUnsupportedMediaType, ReasonEncoding,
		"Content-Encoding "+enc+" not accepted; see compression_algorithms")
}

// readBody reads the body into buf within max_request_body_size; false means
// it answered. A body over the limit is cut off and its connection closed.
// Any other read failure (read_timeout, a dropped connection, a compressed
// stream cut short) is a fault a retry can fix: 503, never a 4xx that a hub
// could hold against the subscription.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request, buf *bytes.Buffer) bool {
	limit := s.cfg.ServerConfig.MaxRequestBodySize
	over, err := readAtMost(buf, r.Body, limit)
	switch {
	case over || err != nil && bodyTooLarge(err):
		s.refuse(w, http.StatusRequestEntityTooLarge, ReasonTooLarge, tooLarge(limit))
		return false
	case err != nil:
		s.unreadable(w, "reading body: "+err.Error())
		return false
	}
	return true
}

// unreadable answers a body that could not be read whole.
func (s *Server) unreadable(w http.ResponseWriter, msg string) {
	s.retryLater(w)
	s.refuse(w, http.StatusServiceUnavailable, ReasonReadFailed, msg+"; retry later")
}

// bodyTooLarge reports confighttp's MaxBytesReader refusing the rest of a body.
func bodyTooLarge(err error) bool {
	var tooBig *http.MaxBytesError
	return errors.As(err, &tooBig)
}

// readAtMost appends r to buf until EOF or until buf holds more than limit
// bytes (then over is true). It reads straight into buf's spare capacity, so
// it needs no reader wrapper of its own.
func readAtMost(buf *bytes.Buffer, r io.Reader, limit int64) (over bool, err error) {
	for int64(buf.Len()) <= limit {
		buf.Grow(bytes.MinRead)
		spare := buf.AvailableBuffer()
		spare = spare[:min(int64(cap(spare)), limit+1-int64(buf.Len()))]
		n, err := r.Read(spare)
		buf.Write(spare[:n])
		if err == io.EOF {
			break
		}
		if err != nil {
			return false, err
		}
	}
	return int64(buf.Len()) > limit, nil
}

// forward drops a repeat of an accepted delivery and hands anything else to
// the pipeline, answering as the contract says.
func (s *Server) forward(reqCtx context.Context, w http.ResponseWriter, raw []byte, ld plog.Logs) {
	var key dedupeKey
	named := false
	if s.dedupe != nil {
		if k := s.set.DeliveryKey(raw, ld); k != nil {
			key, named = hashKey(k), true
			switch s.dedupe.begin(key) {
			case duplicate:
				s.tb.AuthtrailWebhookDuplicatesDropped.Add(context.Background(), 1, s.rcvAttr)
				w.Header()["Content-Type"] = jsonContentType
				_, _ = w.Write(okBody)
				return
			case inFlight:
				s.retryLater(w)
				s.reject(w, http.StatusServiceUnavailable, ReasonInFlight, "the same delivery is being processed, retry later")
				return
			}
		}
	}

	committed := false
	if named {
		// Deferred, so that a panic in the pipeline (net/http recovers it)
		// does not leave the key in flight and every retry answered 503.
		defer func() {
			if !committed {
				s.dedupe.abort(key)
			}
		}()
	}

	ctx, cancel := context.WithTimeout(reqCtx, s.cfg.ConsumeTimeout)
	defer cancel()
	ctx = s.obsrecv.StartLogsOp(ctx)
	n := ld.LogRecordCount()
	err := s.next.ConsumeLogs(ctx, ld)
	s.obsrecv.EndLogsOp(ctx, format, n, err)
	if named && err == nil {
		committed = true
		if serr := s.dedupe.commit(context.Background(), key); serr != nil {
			s.logger.Warn("dedupe: the delivery was accepted but its key was not stored; a retry after a restart would be forwarded again", zap.Error(serr))
		}
	}
	switch {
	case err == nil:
		w.Header()["Content-Type"] = jsonContentType
		_, _ = w.Write(okBody)
	case consumererror.IsPermanent(err) && s.set.AcknowledgePermanentErrors:
		s.tb.AuthtrailWebhookRequestsRejected.Add(context.Background(), 1, s.reasons[ReasonConsumerPermanent])
		s.logger.Error("pipeline refused the events permanently; answered 200 so that the sender keeps the subscription, the events are dropped",
			zap.Int("records", n), zap.Error(err))
		w.Header()["Content-Type"] = jsonContentType
		_, _ = w.Write(okBody)
	case consumererror.IsPermanent(err):
		s.reject(w, http.StatusBadRequest, ReasonConsumerPermanent, "pipeline refused the events: "+err.Error())
	default:
		s.retryLater(w)
		s.reject(w, http.StatusServiceUnavailable, ReasonConsumerUnavailable, "pipeline unavailable, retry later: "+err.Error())
	}
}

func (s *Server) retryLater(w http.ResponseWriter) {
	w.Header().Set("Retry-After", strconv.Itoa(int((s.cfg.RetryAfter+time.Second-1)/time.Second)))
}

func authReason(err error) string {
	switch {
	case errors.Is(err, errSignatureMissing):
		return ReasonSignatureMissing
	case errors.Is(err, errTokenInvalid):
		return ReasonRequiredHeader
	}
	return ReasonSignatureInvalid
}

func tooLarge(limit int64) string {
	return "body exceeds max_request_body_size of " + strconv.FormatInt(limit, 10) + " bytes"
}

// refuse rejects a request whose body was not read and closes the connection,
// so that the server does not read the body to reuse it.
func (s *Server) refuse(w http.ResponseWriter, status int, reason, msg string) {
	w.Header().Set("Connection", "close")
	s.reject(w, status, reason, msg)
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
