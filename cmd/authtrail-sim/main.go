// Command authtrail-sim simulates identity vendors for authtrail's demo,
// end-to-end tests and benchmarks: it sends signed webhooks exactly as each
// vendor does, at a chosen rate or count, and prints what it sent and the HTTP
// status it got back.
//
// It writes each vendor's wire format on its own and never imports authtrail's
// decoders, so that a mapping bug shows up as a failed end-to-end check.
//
//	authtrail-sim send -vendor asgardeo -secret s3cret -count 20
//	authtrail-sim send -vendor vgs -samples testdata/vgs -count 0
//	authtrail-sim send -vendor asgardeo -secret s3cret -duration 10s -concurrency 8 -quiet
//	authtrail-sim serve -authgear 127.0.0.1:8470 -backlog 100000
//	authtrail-sim serve -google 127.0.0.1:8471 -google-rate 5 -late-mix 0.9:0s-1m,0.07:10m-40m -time-scale 60
//	authtrail-sim sink -listen 127.0.0.1:8472 -out tmp/authtrail-events.jsonl -receipts tmp/receipts.jsonl
package main

import (
	"fmt"
	"os"
)

const usage = `usage: authtrail-sim <command> [flags]

commands:
  send    send signed vendor webhooks to a running collector
  serve   serve mock vendor APIs (Authgear Admin GraphQL, Google Reports) for the polling receivers
  sink    receive OTLP/HTTP logs from the collector and append them to a JSON-lines file
  keygen  create the Admin API key the collector and "serve" share, if missing
  help    show this help

Run "authtrail-sim <command> -h" for its flags.
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "send":
		err = runSend(os.Args[2:], os.Stdout)
	case "serve":
		err = runServe(os.Args[2:], os.Stdout)
	case "sink":
		err = runSink(os.Args[2:], os.Stdout)
	case "keygen":
		err = runKeygen(os.Args[2:], os.Stdout)
	case "help", "-h", "--help":
		fmt.Print(usage)
		return
	default:
		fmt.Fprintf(os.Stderr, "unknown command %q\n\n%s", os.Args[1], usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "authtrail-sim:", err)
		os.Exit(1)
	}
}
