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
	"sync"
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
}

// openJSONLSink opens path for appending: restarting the sink keeps what is there.
func openJSONLSink(path string) (*jsonlSink, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return &jsonlSink{f: f}, nil
}

func (s *jsonlSink) Close() error { return s.f.Close() }

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
	if err := s.append(req.Logs()); err != nil {
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

func (s *jsonlSink) append(ld plog.Logs) error {
	line, err := (&plog.JSONMarshaler{}).MarshalLogs(ld)
	if err != nil {
		return fmt.Errorf("encode OTLP/JSON: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.f.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("append: %w", err)
	}
	return nil
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
// request to a JSON-lines file, until interrupted.
func runSink(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("sink", flag.ContinueOnError)
	addr := fs.String("listen", "127.0.0.1:8472", "address of the OTLP/HTTP logs endpoint")
	path := fs.String("out", "tmp/authtrail-events.jsonl", "JSON-lines file to append to (one OTLP/JSON request per line)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	sink, err := openJSONLSink(*path)
	if err != nil {
		return err
	}
	defer sink.Close()
	mux := http.NewServeMux()
	mux.Handle("/v1/logs", sink)
	srv := &http.Server{Addr: *addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fmt.Fprintf(out, "OTLP/HTTP logs sink on http://%s/v1/logs, appending to %s\n", *addr, *path)
	return serveUntilDone(ctx, srv)
}
