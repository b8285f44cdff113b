package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
)

func logsWith(bodies ...string) plog.Logs {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", "sink-test")
	sl := rl.ScopeLogs().AppendEmpty()
	for _, b := range bodies {
		sl.LogRecords().AppendEmpty().Body().SetStr(b)
	}
	return ld
}

func postLogs(t *testing.T, url string, ld plog.Logs, contentType, encoding string) *http.Response {
	t.Helper()
	req := plogotlp.NewExportRequestFromLogs(ld)
	var body []byte
	var err error
	if contentType == "application/json" {
		body, err = req.MarshalJSON()
	} else {
		body, err = req.MarshalProto()
	}
	require.NoError(t, err)
	if encoding == "gzip" {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		_, err = zw.Write(body)
		require.NoError(t, err)
		require.NoError(t, zw.Close())
		body = buf.Bytes()
	}
	hr, err := http.NewRequest(http.MethodPost, url+"/v1/logs", bytes.NewReader(body))
	require.NoError(t, err)
	hr.Header.Set("Content-Type", contentType)
	if encoding != "" {
		hr.Header.Set("Content-Encoding", encoding)
	}
	resp, err := http.DefaultClient.Do(hr)
	require.NoError(t, err)
	_ = resp.Body.Close()
	return resp
}

func startSink(t *testing.T, path string) *httptest.Server {
	t.Helper()
	sink, err := openJSONLSink(path)
	require.NoError(t, err)
	srv := httptest.NewServer(sink)
	t.Cleanup(func() {
		srv.Close()
		_ = sink.Close()
	})
	return srv
}

// readLines decodes every line of the file as OTLP/JSON and returns the bodies.
func readLines(t *testing.T, path string) [][]string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var lines [][]string
	for _, line := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		ld, err := (&plog.JSONUnmarshaler{}).UnmarshalLogs([]byte(line))
		require.NoError(t, err, line)
		var bodies []string
		recs := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
		for i := 0; i < recs.Len(); i++ {
			bodies = append(bodies, recs.At(i).Body().Str())
		}
		lines = append(lines, bodies)
	}
	return lines
}

func TestSinkAppendsOneLinePerRequestInEveryEncoding(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.jsonl")
	srv := startSink(t, path)
	for _, tc := range []struct{ contentType, encoding, body string }{
		{"application/x-protobuf", "gzip", "proto gzip"},
		{"application/x-protobuf", "", "proto"},
		{"application/json", "", "json"},
		{"application/json", "gzip", "json gzip"},
	} {
		resp := postLogs(t, srv.URL, logsWith(tc.body, tc.body+" 2"), tc.contentType, tc.encoding)
		assert.Equal(t, http.StatusOK, resp.StatusCode, tc.body)
		assert.Equal(t, tc.contentType, resp.Header.Get("Content-Type"), tc.body)
	}
	assert.Equal(t, [][]string{
		{"proto gzip", "proto gzip 2"}, {"proto", "proto 2"}, {"json", "json 2"}, {"json gzip", "json gzip 2"},
	}, readLines(t, path))
}

func TestSinkKeepsTheFileAcrossRestarts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.jsonl")
	first := startSink(t, path)
	require.Equal(t, http.StatusOK, postLogs(t, first.URL, logsWith("before"), "application/x-protobuf", "").StatusCode)
	first.Close()
	second := startSink(t, path)
	require.Equal(t, http.StatusOK, postLogs(t, second.URL, logsWith("after"), "application/x-protobuf", "").StatusCode)
	assert.Equal(t, [][]string{{"before"}, {"after"}}, readLines(t, path))
}

func TestSinkRefusesWhatItCannotDecode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.jsonl")
	srv := startSink(t, path)
	for name, req := range map[string]func() *http.Request{
		"not protobuf": func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, srv.URL+"/v1/logs", strings.NewReader("\xff\xff\xff"))
			r.Header.Set("Content-Type", "application/x-protobuf")
			return r
		},
		"not gzip": func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, srv.URL+"/v1/logs", strings.NewReader("plain"))
			r.Header.Set("Content-Encoding", "gzip")
			return r
		},
		"unknown encoding": func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, srv.URL+"/v1/logs", strings.NewReader("x"))
			r.Header.Set("Content-Encoding", "br")
			return r
		},
		"too large": func() *http.Request {
			return httptest.NewRequest(http.MethodPost, srv.URL+"/v1/logs", bytes.NewReader(make([]byte, maxSinkBody+1)))
		},
	} {
		r := req()
		r.RequestURI = ""
		resp, err := http.DefaultClient.Do(r)
		require.NoError(t, err, name)
		_ = resp.Body.Close()
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, name)
	}
	resp, err := http.Get(srv.URL + "/v1/logs")
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Empty(t, b, "nothing refused reaches the file")
}

func TestSinkWritesAReceiptPerRecord(t *testing.T) {
	dir := t.TempDir()
	sink, err := openJSONLSink(filepath.Join(dir, "events.jsonl"))
	require.NoError(t, err)
	require.NoError(t, sink.writeReceipts(filepath.Join(dir, "receipts.jsonl"), []string{"event.id", "google_workspace.id.unique_qualifier"}))
	srv := httptest.NewServer(sink)
	t.Cleanup(func() {
		srv.Close()
		_ = sink.Close()
	})
	ld := logsWith("a", "b")
	recs := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	eventTime := time.UnixMilli(1_700_000_000_123)
	recs.At(0).SetTimestamp(pcommon.NewTimestampFromTime(eventTime))
	recs.At(0).Attributes().PutStr("event.id", "e1")
	recs.At(0).Attributes().PutInt("google_workspace.id.unique_qualifier", 42)
	recs.At(1).SetObservedTimestamp(pcommon.NewTimestampFromTime(eventTime.Add(time.Second)))
	before := time.Now().UnixMilli()
	require.Equal(t, http.StatusOK, postLogs(t, srv.URL, ld, "application/x-protobuf", "gzip").StatusCode)
	after := time.Now().UnixMilli()

	b, err := os.ReadFile(filepath.Join(dir, "receipts.jsonl"))
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	require.Len(t, lines, 2)
	var got []map[string]any
	for _, l := range lines {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &m), l)
		assert.InDelta(t, float64(before), m["received_ms"], float64(after-before))
		delete(m, "received_ms")
		got = append(got, m)
	}
	assert.Equal(t, []map[string]any{
		{"time_ms": 1_700_000_000_123.0, "event.id": "e1", "google_workspace.id.unique_qualifier": "42"},
		{"time_ms": 1_700_000_001_123.0}, // no timestamp: the observed one; no attributes
	}, got)
	assert.Equal(t, int64(2), sink.records.Load())
}
