package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/authtrail/authtrail/internal/vendorsim"
)

// rawClient posts over one keep-alive HTTP/1.1 connection per worker, writing
// request bytes built once per payload. Like wrk, it keeps the load generator's
// own CPU small so that a benchmark on the collector's machine measures the
// collector. It is used for plain http:// URLs; https goes through net/http.
type rawClient struct {
	addr, host, path string
	timeout          time.Duration
	wire             sync.Map // *vendorsim.Payload → []byte
}

func newRawClient(target string, timeout time.Duration) (*rawClient, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, fmt.Errorf("-url: %w", err)
	}
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), "80")
	}
	path := u.RequestURI()
	return &rawClient{addr: addr, host: u.Host, path: path, timeout: timeout}, nil
}

func (c *rawClient) request(p *vendorsim.Payload) []byte {
	if b, ok := c.wire.Load(p); ok {
		return b.([]byte)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n", c.path, c.host, len(p.Body))
	_ = p.Header.Write(&b)
	b.WriteString("\r\n")
	b.Write(p.Body)
	c.wire.Store(p, b.Bytes())
	return b.Bytes()
}

// rawConn is one worker's connection.
type rawConn struct {
	c    *rawClient
	conn net.Conn
	br   *bufio.Reader
}

func (c *rawClient) worker() *rawConn { return &rawConn{c: c} }

func (w *rawConn) post(p *vendorsim.Payload) result {
	t0 := time.Now()
	status, reply, err := w.roundTrip(w.c.request(p))
	if err != nil && w.conn != nil {
		// A kept-alive connection may have been closed by the server: retry once.
		w.close()
		status, reply, err = w.roundTrip(w.c.request(p))
	}
	if err != nil {
		w.close()
	}
	return result{label: p.Label, status: status, err: err, latency: time.Since(t0), reply: reply}
}

func (w *rawConn) roundTrip(req []byte) (int, string, error) {
	if w.conn == nil {
		conn, err := net.DialTimeout("tcp", w.c.addr, w.c.timeout)
		if err != nil {
			return 0, "", err
		}
		w.conn, w.br = conn, bufio.NewReaderSize(conn, 4096)
	}
	_ = w.conn.SetDeadline(time.Now().Add(w.c.timeout))
	if _, err := w.conn.Write(req); err != nil {
		return 0, "", err
	}
	return w.readResponse()
}

// readResponse parses the status line and headers without allocating and reads
// a Content-Length body; anything unusual (chunked bodies) goes to net/http.
func (w *rawConn) readResponse() (int, string, error) {
	line, err := w.br.ReadSlice('\n')
	if err != nil {
		return 0, "", err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return 0, "", fmt.Errorf("bad status line %q", line)
	}
	status, err := strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, "", fmt.Errorf("bad status line %q", line)
	}
	length, closeConn := -1, false
	for {
		h, err := w.br.ReadSlice('\n')
		if err != nil {
			return 0, "", err
		}
		h = bytes.TrimRight(h, "\r\n")
		if len(h) == 0 {
			break
		}
		name, value, ok := bytes.Cut(h, []byte(":"))
		if !ok {
			continue
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if length, err = strconv.Atoi(string(value)); err != nil {
				return 0, "", fmt.Errorf("bad Content-Length %q", value)
			}
		case bytes.EqualFold(name, []byte("Connection")):
			closeConn = bytes.EqualFold(value, []byte("close"))
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			return 0, "", fmt.Errorf("unexpected Transfer-Encoding %q; use -net-http", value)
		}
	}
	if length < 0 {
		return 0, "", errors.New("response without Content-Length; use -net-http")
	}
	var reply string
	if status == http.StatusOK {
		_, err = w.br.Discard(length)
	} else {
		b := make([]byte, length)
		_, err = io.ReadFull(w.br, b)
		reply = string(b)
	}
	if closeConn {
		w.close()
	}
	return status, reply, err
}

func (w *rawConn) close() {
	if w.conn != nil {
		_ = w.conn.Close()
		w.conn = nil
	}
}

// status text for printing, e.g. "200".
func statusKey(r result) string {
	if r.err != nil {
		return "error"
	}
	return strconv.Itoa(r.status)
}
