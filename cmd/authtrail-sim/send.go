package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/authtrail/authtrail/internal/vendorsim"
)

var defaultURLs = map[string]string{
	"vgs":      "http://127.0.0.1:8461/events",
	"asgardeo": "http://127.0.0.1:8462/events",
}

type sendOptions struct {
	vendor      string
	url         string
	creds       vendorsim.Credentials
	samples     string
	count       int
	duration    time.Duration
	rate        float64
	concurrency int
	seed        uint64
	quiet       bool
	summaryJSON bool
	expect      int
	timeout     time.Duration
	netHTTP     bool
}

func parseSend(args []string) (sendOptions, error) {
	var o sendOptions
	fs := flag.NewFlagSet("send", flag.ContinueOnError)
	fs.StringVar(&o.vendor, "vendor", "", "vendor to simulate: vgs or asgardeo (required)")
	fs.StringVar(&o.url, "url", "", "receiver URL (default: the vendor's receiver on 127.0.0.1)")
	fs.StringVar(&o.creds.Secret, "secret", "", "HMAC secret the vendor signs with (asgardeo)")
	fs.StringVar(&o.creds.TokenHeader, "token-header", "", "static token header to send (vgs)")
	fs.StringVar(&o.creds.Token, "token", "", "value of -token-header")
	fs.StringVar(&o.samples, "samples", "", "directory of *.json vendor payloads to send first, verbatim")
	fs.IntVar(&o.count, "count", 10, "generated events to send (after the samples)")
	fs.DurationVar(&o.duration, "duration", 0, "send generated events for this long instead of -count")
	fs.Float64Var(&o.rate, "rate", 0, "events per second (0: as fast as the receiver answers)")
	fs.IntVar(&o.concurrency, "concurrency", 1, "requests in flight")
	fs.Uint64Var(&o.seed, "seed", 0, "random seed for generated events (0: time-based)")
	fs.BoolVar(&o.quiet, "quiet", false, "print only the summary")
	fs.BoolVar(&o.summaryJSON, "summary-json", false, "print the summary as one JSON object")
	fs.IntVar(&o.expect, "expect", http.StatusOK, "status every response must have; otherwise exit 1")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Second, "per-request timeout")
	fs.BoolVar(&o.netHTTP, "net-http", false, "use Go's net/http client for http:// too (default: a lean keep-alive client)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	v, ok := vendorsim.Vendors[o.vendor]
	if !ok {
		return o, fmt.Errorf("-vendor must be one of vgs, asgardeo; got %q", o.vendor)
	}
	if o.url == "" {
		o.url = defaultURLs[v.Name()]
	}
	if o.concurrency < 1 || o.count < 0 || o.rate < 0 {
		return o, errors.New("-concurrency must be ≥ 1, -count and -rate ≥ 0")
	}
	if o.seed == 0 {
		o.seed = uint64(time.Now().UnixNano())
	}
	return o, nil
}

// result is the outcome of one request.
type result struct {
	label   string
	status  int
	err     error
	latency time.Duration
	reply   string
}

func runSend(args []string, out io.Writer) error {
	o, err := parseSend(args)
	if err != nil {
		return err
	}
	v := vendorsim.Vendors[o.vendor]
	payloads, err := loadSamples(o.samples)
	if err != nil {
		return err
	}
	for _, p := range payloads {
		v.Sign(p, o.creds)
	}
	r := rand.New(rand.NewPCG(o.seed, o.seed>>1|1))
	gen := func() *vendorsim.Payload {
		label, body := v.Generate(r, time.Now())
		p := &vendorsim.Payload{Label: label, Body: body, Header: http.Header{}}
		v.Sign(p, o.creds)
		return p
	}
	// Generated events are prepared up front so that the client measures the
	// receiver, not its own JSON encoding; a long run cycles through a ring.
	ring := o.count
	if o.duration > 0 {
		ring = 2000
	}
	ring = min(ring, 20000)
	generated := make([]*vendorsim.Payload, ring)
	for i := range generated {
		generated[i] = gen()
	}

	newWorker, err := workers(o)
	if err != nil {
		return err
	}
	jobs := make(chan *vendorsim.Payload, o.concurrency)
	results := make(chan result, o.concurrency)
	var wg sync.WaitGroup
	for range o.concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			post, done := newWorker()
			defer done()
			for p := range jobs {
				results <- post(p)
			}
		}()
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if o.duration > 0 {
		ctx, cancel = context.WithTimeout(ctx, o.duration)
		defer cancel()
	}
	start := time.Now()
	go func() {
		defer close(jobs)
		i := 0
		next := func() *vendorsim.Payload {
			defer func() { i++ }()
			if i < len(payloads) {
				return payloads[i]
			}
			k := i - len(payloads)
			if o.duration == 0 && k >= o.count {
				return nil
			}
			return generated[k%len(generated)]
		}
		for p := next(); p != nil; p = next() {
			if o.rate > 0 {
				if d := time.Until(start.Add(time.Duration(float64(i-1) / o.rate * float64(time.Second)))); d > 0 {
					time.Sleep(d)
				}
			}
			select {
			case jobs <- p:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(results) }()

	s := summary{Vendor: o.vendor, Statuses: map[string]int{}}
	var lat []time.Duration
	for res := range results {
		s.Sent++
		key := statusKey(res)
		s.Statuses[key]++
		if res.status != o.expect {
			s.Unexpected++
		}
		lat = append(lat, res.latency)
		if !o.quiet {
			line := fmt.Sprintf("%s %-10s %-26s %8s", key, o.vendor, res.label, res.latency.Round(time.Microsecond))
			if res.err != nil {
				line += " " + res.err.Error()
			} else if res.status != http.StatusOK {
				line += " " + strings.TrimSpace(res.reply)
			}
			fmt.Fprintln(out, line)
		}
	}
	s.finish(time.Since(start), lat)
	if o.summaryJSON {
		b, _ := json.Marshal(s)
		fmt.Fprintln(out, string(b))
	} else {
		fmt.Fprintln(out, s.String())
	}
	if s.Unexpected > 0 {
		return fmt.Errorf("%d of %d responses were not %d", s.Unexpected, s.Sent, o.expect)
	}
	return nil
}

// workers returns a constructor of per-worker senders: the raw keep-alive
// client for http:// URLs, net/http otherwise.
func workers(o sendOptions) (func() (post func(*vendorsim.Payload) result, done func()), error) {
	if strings.HasPrefix(o.url, "http://") && !o.netHTTP {
		rc, err := newRawClient(o.url, o.timeout)
		if err != nil {
			return nil, err
		}
		return func() (func(*vendorsim.Payload) result, func()) {
			w := rc.worker()
			return w.post, w.close
		}, nil
	}
	client := &http.Client{
		Timeout:   o.timeout,
		Transport: &http.Transport{MaxIdleConnsPerHost: o.concurrency, MaxConnsPerHost: o.concurrency},
	}
	return func() (func(*vendorsim.Payload) result, func()) {
		return func(p *vendorsim.Payload) result { return post(client, o.url, p) }, func() {}
	}, nil
}

func post(c *http.Client, url string, p *vendorsim.Payload) result {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(p.Body))
	if err != nil {
		return result{label: p.Label, err: err}
	}
	req.Header = p.Header.Clone()
	t0 := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		return result{label: p.Label, err: err, latency: time.Since(t0)}
	}
	reply, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	_ = resp.Body.Close()
	return result{label: p.Label, status: resp.StatusCode, latency: time.Since(t0), reply: string(reply)}
}

// loadSamples reads dir/*.json (sorted) as payloads to send verbatim.
func loadSamples(dir string) ([]*vendorsim.Payload, error) {
	if dir == "" {
		return nil, nil
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("-samples %s: no *.json files", dir)
	}
	sort.Strings(files)
	out := make([]*vendorsim.Payload, 0, len(files))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		out = append(out, &vendorsim.Payload{Label: strings.TrimSuffix(filepath.Base(f), ".json"), Body: b, Header: http.Header{}})
	}
	return out, nil
}

// summary is what a run reports.
type summary struct {
	Vendor       string         `json:"vendor"`
	Sent         int            `json:"sent"`
	Unexpected   int            `json:"unexpected"`
	Statuses     map[string]int `json:"statuses"`
	Seconds      float64        `json:"seconds"`
	EventsPerSec float64        `json:"events_per_second"`
	P50Millis    float64        `json:"p50_ms"`
	P99Millis    float64        `json:"p99_ms"`
}

func (s *summary) finish(elapsed time.Duration, lat []time.Duration) {
	s.Seconds = elapsed.Seconds()
	if s.Seconds > 0 {
		s.EventsPerSec = float64(s.Sent) / s.Seconds
	}
	if len(lat) > 0 {
		slices.Sort(lat)
		q := func(p float64) float64 {
			return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))]) / float64(time.Millisecond)
		}
		s.P50Millis, s.P99Millis = q(0.50), q(0.99)
	}
}

func (s summary) String() string {
	keys := make([]string, 0, len(s.Statuses))
	for k := range s.Statuses {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var st []string
	for _, k := range keys {
		st = append(st, fmt.Sprintf("%s×%d", k, s.Statuses[k]))
	}
	return fmt.Sprintf("%s: sent %d in %.2fs (%.0f events/s), statuses %s, latency p50 %.2fms p99 %.2fms",
		s.Vendor, s.Sent, s.Seconds, s.EventsPerSec, strings.Join(st, " "), s.P50Millis, s.P99Millis)
}
