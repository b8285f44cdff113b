//go:build e2e

package e2e

import (
	"bytes"
	"compress/gzip"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authtrail/authtrail/internal/sources/sourcetest"
)

// Bounds the default webhook config must keep under attack. The collector
// idles at a few tens of MiB; before the limits, 60 compression bombs took it
// past 2 GiB.
const (
	maxRSSGrowth       = 160 << 20
	maxConnections     = 512 // the intake's default max_connections
	descriptorSlack    = 64  // the other receiver, exporters, logs, the runtime
	slowConnections    = 700 // more than max_connections
	oversizedHeaders   = 40
	compressionBombs   = 60
	bombSize           = 19 << 20
	attackConcurrency  = 16
	signedEventTimeout = 45 * time.Second
)

// proc samples a process's resident memory and open descriptors from /proc.
type proc struct {
	pid     int
	peakRSS atomic.Int64
	peakFDs atomic.Int64
	stop    chan struct{}
	done    chan struct{}
}

func watch(t *testing.T, pid int) *proc {
	p := &proc{pid: pid, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			p.sample(t)
			select {
			case <-p.stop:
				return
			case <-tick.C:
			}
		}
	}()
	t.Cleanup(p.close)
	return p
}

func (p *proc) close() {
	select {
	case <-p.stop:
	default:
		close(p.stop)
	}
	<-p.done
}

func (p *proc) sample(t *testing.T) {
	if rss := rssBytes(t, p.pid); rss > p.peakRSS.Load() {
		p.peakRSS.Store(rss)
	}
	if fds := fdCount(p.pid); int64(fds) > p.peakFDs.Load() {
		p.peakFDs.Store(int64(fds))
	}
}

func rssBytes(t *testing.T, pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			require.NoError(t, err, line)
			return kb << 10
		}
	}
	return 0
}

func fdCount(pid int) int {
	entries, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		return 0
	}
	return len(entries)
}

// parallel runs n calls of f, at most attackConcurrency at a time.
func parallel(n int, f func(i int)) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, attackConcurrency)
	for i := range n {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			f(i)
		}()
	}
	wg.Wait()
}

func bomb(t *testing.T) []byte {
	var b bytes.Buffer
	zw, err := gzip.NewWriterLevel(&b, gzip.BestCompression)
	require.NoError(t, err)
	_, err = zw.Write(make([]byte, bombSize))
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return b.Bytes()
}

func hostileClient() *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
}

// post sends body and returns the status, or 0 when the server cut the connection.
func post(client *http.Client, url string, body []byte, hdr map[string]string) int {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return -1
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode
}

// tally counts answers by status; nothing hostile may be a 2xx or a 5xx
// other than 503.
type tally struct {
	mu sync.Mutex
	n  map[int]int
}

func (c *tally) add(status int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[int]int{}
	}
	c.n[status]++
}

func (c *tally) check(t *testing.T, what string) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	t.Logf("%s: answers %v", what, c.n)
	for status := range c.n {
		assert.False(t, status >= 200 && status < 300, "%s answered %d", what, status)
		assert.False(t, status >= 500 && status != http.StatusServiceUnavailable, "%s answered %d", what, status)
	}
}

// holdSlow opens a connection that sends part of a request and then one byte
// a second, until stop; it returns once the connection is open.
func holdSlow(addr, start string, stop <-chan struct{}, wg *sync.WaitGroup) bool {
	conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return false
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer conn.Close()
		if _, err := io.WriteString(conn, start); err != nil {
			return
		}
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				if _, err := conn.Write([]byte("a")); err != nil {
					return
				}
			}
		}
	}()
	return true
}

func TestHostileInputAtDefaultConfig(t *testing.T) {
	otelcol, sim := binary(t, "AUTHTRAIL_OTELCOL"), binary(t, "AUTHTRAIL_SIM")
	capt := newCapture(t)
	col := startCollector(t, otelcol, sim, capt.srv.URL)
	pid := col.cmd.Process.Pid
	time.Sleep(time.Second)
	baseRSS, baseFDs := rssBytes(t, pid), fdCount(pid)
	t.Logf("at rest: RSS %d MiB, %d descriptors", baseRSS>>20, baseFDs)
	p := watch(t, pid)
	client := hostileClient()
	asgardeo, vgs := col.asgardeoURL+"/events", col.vgsURL+"/events"

	t.Run("compression bombs", func(t *testing.T) {
		b := bomb(t)
		t.Logf("a bomb: %d KiB expanding to %d MiB", len(b)>>10, bombSize>>20)
		var answers tally
		parallel(compressionBombs, func(i int) {
			url, hdr := asgardeo, map[string]string{"Content-Encoding": "gzip", "X-Hub-Signature": "sha256=00"}
			switch i % 3 {
			case 1:
				url, hdr = vgs, map[string]string{"Content-Encoding": "gzip"}
			case 2: // no Content-Encoding: the bytes are read as they are
				hdr = map[string]string{"X-Hub-Signature": "sha256=" + strings.Repeat("00", 32)}
			}
			answers.add(post(client, url, b, hdr))
		})
		answers.check(t, "bombs")
	})

	t.Run("oversized bodies and headers", func(t *testing.T) {
		var answers tally
		big := bytes.Repeat([]byte("x"), 4<<20)
		parallel(oversizedHeaders, func(i int) {
			switch i % 2 {
			case 0:
				answers.add(post(client, asgardeo, big, map[string]string{"X-Hub-Signature": "sha256=" + strings.Repeat("00", 32)}))
			case 1:
				answers.add(post(client, vgs, []byte("{}"), map[string]string{"X-Pad": strings.Repeat("p", 1<<20)}))
			}
		})
		answers.check(t, "oversized")
	})

	// Slow bodies and incomplete headers, more than max_connections, at the
	// receiver a signed event is then delivered to.
	stop := make(chan struct{})
	var slow sync.WaitGroup
	defer func() { close(stop); slow.Wait() }()
	addr := strings.TrimPrefix(col.asgardeoURL, "http://")
	slowBody := "POST /events HTTP/1.1\r\nHost: x\r\nX-Hub-Signature: sha256=" + strings.Repeat("00", 32) + "\r\nContent-Length: 4096\r\n\r\n"
	slowHeader := "POST /events HTTP/1.1\r\nHost: x\r\nX-Pad: " + strings.Repeat("p", 16<<10)
	opened := 0
	for i := range slowConnections {
		start := slowHeader
		if i%4 == 0 {
			start = slowBody
		}
		if holdSlow(addr, start, stop, &slow) {
			opened++
		}
	}
	t.Logf("%d slow connections open", opened)
	require.Greater(t, opened, maxConnections, "the attack must exceed max_connections")
	time.Sleep(2 * time.Second)

	t.Run("a signed event still gets through", func(t *testing.T) {
		body, err := os.ReadFile(filepath.Join(sourcetest.RepoRoot(t), "testdata", "asgardeo", "loginSuccess.json"))
		require.NoError(t, err)
		m := hmac.New(sha256.New, []byte(asgardeoSecret))
		m.Write(body)
		sig := map[string]string{"Content-Type": "application/json", "X-Hub-Signature": "sha256=" + hex.EncodeToString(m.Sum(nil))}
		// As the hub does: retry on 503 (and here on a cut connection).
		deadline := time.Now().Add(signedEventTimeout)
		status, tries := 0, 0
		for status != http.StatusOK && time.Now().Before(deadline) {
			status = post(client, asgardeo, body, sig)
			tries++
			if status != http.StatusOK {
				time.Sleep(500 * time.Millisecond)
			}
		}
		t.Logf("answered %d after %d tries", status, tries)
		require.Equal(t, http.StatusOK, status)
		assert.Equal(t, 1, capt.count(), "exported once")
	})

	p.sample(t)
	p.close()
	rss, fds := p.peakRSS.Load(), p.peakFDs.Load()
	t.Logf("peak under attack: RSS %d MiB (+%d MiB), %d descriptors (+%d)", rss>>20, (rss-baseRSS)>>20, fds, fds-int64(baseFDs))
	assert.Less(t, rss-baseRSS, int64(maxRSSGrowth), "memory bounded")
	assert.LessOrEqual(t, fds, int64(baseFDs+maxConnections+descriptorSlack), "descriptors bounded by max_connections")

	// Check that the collector is still serving after the attack ends.
	close(stop)
	slow.Wait()
	stop = make(chan struct{})
	require.Eventually(t, func() bool { return healthy(col.asgardeoURL) && healthy(col.vgsURL) }, 30*time.Second, 200*time.Millisecond)
}
