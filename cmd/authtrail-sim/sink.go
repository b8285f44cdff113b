package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
)

// maxSinkBody bounds one decompressed OTLP request.
const maxSinkBody = 64 << 20

// jsonlSink receives OTLP/HTTP logs and appends each request's logs to a file
// as one line of OTLP/JSON. A request is answered 200 only after its line is
// written, so the collector's exporter sees a failed write as an error.
type jsonlSink struct {
	mu sync.Mutex
	f  *os.File
	// receipts, when set, gets a JSON line per record: when the sink received
	// it (received_ms), the record's time (time_ms) and receiptAttrs' values,
	// so that a benchmark can measure event time → export.
	receipts     *os.File
	receiptAttrs []string
	records      atomic.Int64
}

// openJSONLSink opens path for appending: restarting the sink keeps what is there.
func openJSONLSink(path string) (*jsonlSink, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return &jsonlSink{f: f}, nil
}

// writeReceipts appends per-record receipts to path, with attrs' values.
func (s *jsonlSink) writeReceipts(path string, attrs []string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	s.receipts, s.receiptAttrs = f, attrs
	return nil
}

func (s *jsonlSink) Close() error {
	if s.receipts != nil {
		_ = s.receipts.Close()
	}
	return s.f.Close()
}

func (s *jsonlSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST OTLP logs", http.StatusMethodNotAllowed)
		return
	}
	body, err := readOTLPBody(w, r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	req := plogotlp.NewExportRequest()
	isJSON := r.Header.Get("Content-Type") == "application/json"
	if isJSON {
		err = req.UnmarshalJSON(body)
	} else {
		err = req.UnmarshalProto(body)
	}
	if err != nil {
		http.Error(w, "decode OTLP logs: "+err.Error(), http.StatusBadRequest)
		return
	}
	if err := s.append(req.Logs(), time.Now()); err != nil {
		w.Header().Set("Retry-After", "5")
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	resp := plogotlp.NewExportResponse()
	var out []byte
	if isJSON {
		w.Header().Set("Content-Type", "application/json")
		out, _ = resp.MarshalJSON()
	} else {
		w.Header().Set("Content-Type", "application/x-protobuf")
		out, _ = resp.MarshalProto()
	}
	_, _ = w.Write(out)
}

func (s *jsonlSink) append(ld plog.Logs, received time.Time) error {
	line, err := (&plog.JSONMarshaler{}).MarshalLogs(ld)
	if err != nil {
		return fmt.Errorf("encode OTLP/JSON: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.f.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("append: %w", err)
	}
	if s.receipts != nil {
		if _, err := s.receipts.Write(s.receiptLines(ld, received)); err != nil {
			return fmt.Errorf("append receipts: %w", err)
		}
	}
	s.records.Add(int64(ld.LogRecordCount()))
	return nil
}

func (s *jsonlSink) receiptLines(ld plog.Logs, received time.Time) []byte {
	var b []byte
	for _, rl := range ld.ResourceLogs().All() {
		for _, sl := range rl.ScopeLogs().All() {
			for _, lr := range sl.LogRecords().All() {
				t := lr.Timestamp()
				if t == 0 {
					t = lr.ObservedTimestamp()
				}
				b = fmt.Appendf(b, `{"received_ms":%d,"time_ms":%d`, received.UnixMilli(), t.AsTime().UnixMilli())
				for _, k := range s.receiptAttrs {
					if v, ok := lr.Attributes().Get(k); ok {
						b = fmt.Appendf(b, `,%q:%q`, k, v.AsString())
					}
				}
				b = append(b, "}\n"...)
			}
		}
	}
	return b
}

// readOTLPBody reads the request body, gunzipping it when the exporter
// compressed it, and refuses more than maxSinkBody bytes either way.
func readOTLPBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	var src io.Reader = http.MaxBytesReader(w, r.Body, maxSinkBody)
	switch enc := r.Header.Get("Content-Encoding"); enc {
	case "", "identity":
	case "gzip":
		zr, err := gzip.NewReader(src)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		defer zr.Close()
		src = zr
	default:
		return nil, fmt.Errorf("content encoding %q: send gzip or none", enc)
	}
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(src, maxSinkBody+1))
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	if n > maxSinkBody {
		return nil, fmt.Errorf("body over %d bytes", maxSinkBody)
	}
	return buf.Bytes(), nil
}

// runSink serves an OTLP/HTTP logs endpoint (POST /v1/logs) that appends every
// request to a JSON-lines file, until interrupted; GET /stats counts the records
// received.
func runSink(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("sink", flag.ContinueOnError)
	addr := fs.String("listen", "127.0.0.1:8472", "address of the OTLP/HTTP logs endpoint")
	path := fs.String("out", "tmp/authtrail-events.jsonl", "JSON-lines file to append to (one OTLP/JSON request per line)")
	receipts := fs.String("receipts", "", "also append a JSON line per record to this file: receive time, record time and -receipt-attrs (off when empty)")
	attrs := fs.String("receipt-attrs", "event.id", "comma-separated record attributes a receipt carries")
	if err := fs.Parse(args); err != nil {
		return err
	}
	sink, err := openJSONLSink(*path)
	if err != nil {
		return err
	}
	defer sink.Close()
	if *receipts != "" {
		if err := sink.writeReceipts(*receipts, strings.Split(*attrs, ",")); err != nil {
			return err
		}
	}
	mux := http.NewServeMux()
	mux.Handle("/v1/logs", sink)
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, _ *http.Request) {
		writeJSONReply(w, map[string]int64{"records": sink.records.Load()})
	})
	srv := &http.Server{Addr: *addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fmt.Fprintf(out, "OTLP/HTTP logs sink on http://%s/v1/logs, appending to %s\n", *addr, *path)
	return serveUntilDone(ctx, srv)
}
