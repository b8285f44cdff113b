// Command factsgen writes the facts the tests carry about the schemas authtrail
// targets, in the project's own compact form, from the published schemas:
//
//	go run ./internal/factsgen -ocsf DIR -authgear FILE -out testdata/facts
//
// -ocsf is a checkout of the OCSF schema at tag 1.8.0 (categories.json,
// events/…); -authgear is the Admin API SDL of authgear-server
// (portal/src/graphql/adminapi/schema.graphql), from which it writes the
// auditLogs facts and the AuditLogActivityType list. Either may be left out. The
// schemas themselves stay outside the repository; make test reads only the
// facts. It lives in the root module because it parses GraphQL with the
// parser the tests already use.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	ocsfDir := flag.String("ocsf", "", "OCSF 1.8.0 schema directory")
	ocsfClasses := flag.String("ocsf-classes", "4009", "comma-separated class uids to include besides the IAM and Application Activity categories")
	authgearSDL := flag.String("authgear", "", "Authgear Admin API schema (SDL)")
	authgearCommit := flag.String("authgear-commit", "fa7a7d551dda (2026-08-21)", "the authgear-server commit the SDL comes from")
	out := flag.String("out", "testdata/facts", "directory the facts files are written to")
	flag.Parse()
	if *ocsfDir == "" && *authgearSDL == "" {
		fmt.Fprintln(os.Stderr, "factsgen: give -ocsf, -authgear or both")
		flag.Usage()
		os.Exit(2)
	}
	if *ocsfDir != "" {
		must(writeOCSF(*ocsfDir, *ocsfClasses, filepath.Join(*out, "ocsf-1.8.0.json")))
	}
	if *authgearSDL != "" {
		must(writeAuthgear(*authgearSDL, *authgearCommit, filepath.Join(*out, "authgear-auditlogs.json")))
	}
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "factsgen:", err)
		os.Exit(1)
	}
}
