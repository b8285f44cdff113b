package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/authtrail/authtrail/internal/vendorsim"
)

type serveOptions struct {
	googleAddr   string
	googleKey    string
	customer     string
	authgearAddr string
	keyOut       string
	project      string
	keyID        string
	backlog      int
	span         time.Duration
	rate         float64
	googleRate   float64
	late         vendorsim.LateMix
	faults       vendorsim.Faults
	seed         uint64
}

func parseServe(args []string) (serveOptions, error) {
	var o serveOptions
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.StringVar(&o.authgearAddr, "authgear", "127.0.0.1:8470", "address of the mock Authgear Admin API")
	fs.StringVar(&o.keyOut, "authgear-key", "tmp/authgear-admin-key.pem", "the Admin API private key the collector signs with; created if missing")
	fs.StringVar(&o.project, "authgear-project", "simapp", "Authgear project id (the JWT audience)")
	fs.StringVar(&o.keyID, "authgear-key-id", "sim-key", "Admin API key id (the JWT kid)")
	fs.StringVar(&o.googleAddr, "google", "", "address of the mock Google Reports API and token endpoint (off when empty)")
	fs.StringVar(&o.googleKey, "google-key", "tmp/google-service-account.json", "the service-account key file the collector uses; created if missing")
	fs.StringVar(&o.customer, "google-customer", "C0sim", "Workspace customer id")
	fs.IntVar(&o.backlog, "backlog", 2000, "audit rows (per Google application) already in the log when the sim starts")
	fs.DurationVar(&o.span, "backlog-span", 12*time.Hour, "the backlog spreads over this much time before now")
	fs.Float64Var(&o.rate, "rate", 2, "new Authgear audit rows per second while serving")
	fs.Float64Var(&o.googleRate, "google-rate", 0, "new activities per second per Google application while serving")
	mix := fs.String("late-mix", "", "how late the rows generated while serving show up in the APIs, as fraction:min-max parts "+
		"(uniform within; the rest at once), e.g. 0.9:0s-1m,0.07:10m-40m,0.025:1h-2h,0.005:5h-7h")
	fs.Float64Var(&o.late.Scale, "time-scale", 1, "divides every -late-mix delay, for a run compressed in time")
	fs.IntVar(&o.faults.RateLimitEvery, "fault-429-every", 0, "answer every Nth request with 429 + Retry-After")
	fs.IntVar(&o.faults.UnavailableEvery, "fault-503-every", 0, "answer every Nth request with 503")
	fs.IntVar(&o.faults.TruncateEvery, "fault-truncate-every", 0, "cut every Nth response body in half")
	fs.IntVar(&o.faults.SlowEvery, "fault-slow-every", 0, "delay every Nth response by -fault-slow")
	fs.DurationVar(&o.faults.Slow, "fault-slow", 2*time.Second, "delay of slow responses")
	fs.Uint64Var(&o.seed, "seed", 1, "random seed")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	parts, err := vendorsim.ParseLateMix(*mix)
	switch {
	case err != nil:
		return o, fmt.Errorf("-late-mix: %w", err)
	case !(o.late.Scale > 0):
		return o, fmt.Errorf("-time-scale: must be positive, got %g", o.late.Scale)
	case o.rate < 0 || o.googleRate < 0:
		return o, errors.New("-rate, -google-rate: must not be negative")
	}
	o.late.Parts = parts.Parts
	return o, nil
}

// runServe serves mock vendor APIs until interrupted. Besides the vendor paths it
// answers, for tests and demos:
//
//	GET  /sim/authgear/ids?before=<unix>  ids of every row created before that time
//	POST /sim/authgear/late?ago=<dur>     insert a row created <dur> ago; returns its id
//	POST /sim/google/late?app=<a>&ago=<d> insert a Google activity <d> ago; returns it
//	GET  /sim/google/truth                every Google activity generated while serving
//	                                      (-google-rate), with its publication time and
//	                                      how often it was read; for measurements, kept
//	                                      up to maxTruth of them
//	GET  /sim/stats                       requests served
//
// Rows generated while serving (-rate, -google-rate) show up in the APIs after a
// delay drawn from -late-mix; the backlog is published at once.
func runServe(args []string, out io.Writer) error {
	o, err := parseServe(args)
	if err != nil {
		return err
	}
	key, err := loadOrCreateKey(o.keyOut)
	if err != nil {
		return err
	}
	r := mrand.New(mrand.NewPCG(o.seed, o.seed+1))
	api := vendorsim.NewAuthgearAPI(o.project, o.keyID, &key.PublicKey)
	api.Faults = o.faults
	now := time.Now()
	api.Generate(r, o.backlog, now.Add(-o.span), now)
	api.Late = o.late

	mux := http.NewServeMux()
	mux.Handle("/_api/admin/graphql", api)
	var google *vendorsim.ReportsAPI
	truth := &truthLog{}
	if o.googleAddr != "" {
		if google, err = startGoogle(o, r, now, truth); err != nil {
			return err
		}
		mux.HandleFunc("POST /sim/google/late", func(w http.ResponseWriter, req *http.Request) {
			ago, err := time.ParseDuration(req.URL.Query().Get("ago"))
			app := req.URL.Query().Get("app")
			if err != nil || !slices.Contains(vendorsim.GoogleApplications(), app) {
				http.Error(w, "want app="+strings.Join(vendorsim.GoogleApplications(), "|")+" and ago=<duration>", http.StatusBadRequest)
				return
			}
			writeJSONReply(w, google.Insert(app, time.Now().Add(-ago)))
		})
		mux.HandleFunc("GET /sim/stats/google", func(w http.ResponseWriter, _ *http.Request) {
			writeJSONReply(w, map[string]int64{"google_requests": google.Requests(), "google_activities_served": google.Served()})
		})
		mux.HandleFunc("GET /sim/google/truth", truth.ServeHTTP)
	}
	mux.HandleFunc("GET /sim/authgear/ids", func(w http.ResponseWriter, req *http.Request) {
		before := time.Now()
		if s := req.URL.Query().Get("before"); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				http.Error(w, "before: unix seconds", http.StatusBadRequest)
				return
			}
			before = time.Unix(n, 0)
		}
		writeJSONReply(w, api.IDs(before))
	})
	mux.HandleFunc("POST /sim/authgear/late", func(w http.ResponseWriter, req *http.Request) {
		ago, err := time.ParseDuration(req.URL.Query().Get("ago"))
		if err != nil {
			http.Error(w, "ago: a duration such as 90s", http.StatusBadRequest)
			return
		}
		writeJSONReply(w, map[string]string{"id": api.Insert(time.Now().Add(-ago))})
	})
	mux.HandleFunc("GET /sim/stats", func(w http.ResponseWriter, _ *http.Request) {
		writeJSONReply(w, map[string]int64{"authgear_requests": api.Requests(), "authgear_rows_served": api.Served()})
	})
	srv := &http.Server{Addr: o.authgearAddr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	if google != nil {
		gsrv := &http.Server{Addr: o.googleAddr, Handler: google, ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = gsrv.ListenAndServe() }()
		defer gsrv.Close()
		fmt.Fprintf(out, "mock Google Reports API on http://%s (customer %s, service account key in %s)\n", o.googleAddr, o.customer, o.googleKey)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if o.rate > 0 {
		go func() {
			tick := time.NewTicker(time.Duration(float64(time.Second) / o.rate))
			defer tick.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case t := <-tick.C:
					api.Generate(r, 1, t, t.Add(time.Millisecond))
				}
			}
		}()
	}
	if google != nil && o.googleRate > 0 {
		// A source of its own: r belongs to the Authgear goroutine.
		gr := mrand.New(mrand.NewPCG(o.seed+2, o.seed+3))
		go generateGoogle(ctx, google, gr, o.googleRate, truth)
	}
	fmt.Fprintf(out, "mock Authgear Admin API on http://%s (project %q, key id %q, private key in %s, %d rows)\n",
		o.authgearAddr, o.project, o.keyID, o.keyOut, o.backlog)
	return serveUntilDone(ctx, srv)
}

// serveUntilDone serves srv until it fails or ctx ends, then shuts it down,
// letting requests in flight finish for up to 5 s.
func serveUntilDone(ctx context.Context, srv *http.Server) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// startGoogle prepares the mock Reports API: its service-account key (created
// if missing, token_uri pointing at the mock), a backlog per application, and
// the reads it counts into truth.
func startGoogle(o serveOptions, r *mrand.Rand, now time.Time, truth *truthLog) (*vendorsim.ReportsAPI, error) {
	key, err := loadOrCreateGoogleKey(o.googleKey, "http://"+o.googleAddr+"/token")
	if err != nil {
		return nil, err
	}
	g := vendorsim.NewReportsAPI(o.customer, &key.PublicKey)
	g.Faults = o.faults
	for _, app := range vendorsim.GoogleApplications() {
		g.Generate(r, app, o.backlog, now.Add(-o.span), now)
	}
	g.Late = o.late
	g.OnServe = truth.served
	return g, nil
}

// generateGoogle adds rate activities a second to every application until ctx
// ends, their times evenly spaced, and records each in truth.
func generateGoogle(ctx context.Context, g *vendorsim.ReportsAPI, r *mrand.Rand, rate float64, truth *truthLog) {
	every := max(min(time.Duration(float64(time.Second)/rate), 100*time.Millisecond), time.Millisecond)
	tick := time.NewTicker(every)
	defer tick.Stop()
	start, made := time.Now(), 0
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			for due := int(rate * now.Sub(start).Seconds()); made < due; made++ {
				t := start.Add(time.Duration(float64(made+1) / rate * float64(time.Second)))
				for _, app := range vendorsim.GoogleApplications() {
					for _, a := range g.Add(r, app, t) { // with its twin, if any
						truth.add(a)
					}
				}
			}
		}
	}
}

// maxTruth bounds the truth log: a benchmark's worth of activities.
const maxTruth = 1_000_000

// truthLog keeps the activities generated while serving and how often the API
// returned each, for measurements that compare what a collector delivered with
// what the sim published, and what it read to do so.
type truthLog struct {
	mu      sync.Mutex
	entries []truthEntry
	byQual  map[int64]int // index into entries
	dropped int
}

type truthEntry struct {
	vendorsim.Arrival
	Reads int // times activities.list returned it
}

func (l *truthLog) add(a vendorsim.Arrival) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.entries) == maxTruth {
		l.dropped++
		return
	}
	if l.byQual == nil {
		l.byQual = map[int64]int{}
	}
	l.byQual[a.UniqueQualifier] = len(l.entries)
	l.entries = append(l.entries, truthEntry{Arrival: a})
}

// served counts a read of an activity (ReportsAPI.OnServe).
func (l *truthLog) served(_ string, qual int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if i, ok := l.byQual[qual]; ok {
		l.entries[i].Reads++
	}
}

func (l *truthLog) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	writeJSONReply(w, map[string]any{"activities": l.entries, "dropped": l.dropped})
}

func loadOrCreateGoogleKey(path, tokenURL string) (*rsa.PrivateKey, error) {
	if b, err := os.ReadFile(path); err == nil {
		var f struct {
			PrivateKey string `json:"private_key"`
			TokenURI   string `json:"token_uri"`
		}
		if err := json.Unmarshal(b, &f); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		key, err := parseRSAKey([]byte(f.PrivateKey), path)
		if err != nil {
			return nil, err
		}
		if f.TokenURI == tokenURL {
			return key, nil
		}
		return key, vendorsim.WriteServiceAccountKey(path, key, tokenURL)
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dirOf(path), 0o755); err != nil {
		return nil, err
	}
	return key, vendorsim.WriteServiceAccountKey(path, key, tokenURL)
}

// loadOrCreateKey reads the PEM key at path, or writes a new RSA key there.
func loadOrCreateKey(path string) (*rsa.PrivateKey, error) {
	if b, err := os.ReadFile(path); err == nil {
		return parseRSAKey(b, path)
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	return key, writeKey(path, key)
}

// runKeygen makes sure an Admin API key exists at -out (for `make run`).
func runKeygen(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("keygen", flag.ContinueOnError)
	path := fs.String("out", "tmp/authgear-admin-key.pem", "where the Authgear key is (created if missing)")
	google := fs.String("google-out", "", "where the Google service-account key is (created if missing; off when empty)")
	tokenURL := fs.String("google-token-url", "http://127.0.0.1:8471/token", "token_uri written into the Google key")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if _, err := loadOrCreateKey(*path); err != nil {
		return err
	}
	fmt.Fprintln(out, "Authgear Admin API key:", *path)
	if *google != "" {
		if _, err := loadOrCreateGoogleKey(*google, *tokenURL); err != nil {
			return err
		}
		fmt.Fprintln(out, "Google service-account key:", *google)
	}
	return nil
}

// parseRSAKey reads a PKCS #8 RSA private key in PEM; from names it in errors.
func parseRSAKey(pemBytes []byte, from string) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, fmt.Errorf("%s: not a PEM key", from)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", from, err)
	}
	key, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%s: not an RSA key", from)
	}
	return key, nil
}

func writeKey(path string, key *rsa.PrivateKey) error {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dirOf(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600)
}

func dirOf(path string) string {
	for i := len(path) - 1; i >= 0; i-- {
		if path[i] == '/' {
			return path[:i]
		}
	}
	return "."
}

func writeJSONReply(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
