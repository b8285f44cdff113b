package ottl

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/authtrail/authtrail/internal/schema"
	"github.com/authtrail/authtrail/internal/sources/asgardeo"
)

// completeProgram is the identity processor's Asgardeo normalization for every
// event type as transform processor statement groups, generated from the
// source's own tables: one group per mapping-table row (conditioned on the
// event-type URI and, for payload-dependent rows, on action and initiator),
// after one group that extracts what every event type shares. Claims are
// found by URI over the first maxClaims indexes, authenticators and failure
// reasons by their tables. Left out: severity modifiers and the flattening of
// unknown vendor fields, so it is still a lower bound.
func completeProgram(uris map[string]string) []any {
	const e = `log.cache["e"]`
	common := []string{
		`set(log.cache["e"], Values(log.body["events"])[0])`,
		`set(log.attributes["event.code"], ExtractPatterns(Keys(log.body["events"])[0], "(?P<code>[^/]+)$")["code"])`,
		`set(log.attributes["event.kind"], "event")`,
		`set(log.attributes["event.id"], log.body["jti"])`,
		`set(log.attributes["event.provider"], "asgardeo")`,
		`set(log.attributes["event.dataset"], "asgardeo.webhook")`,
		`set(log.attributes["authtrail.correlation.id"], log.body["rci"])`,
		`set(log.time_unix_nano, Int(log.body["iat"]) * 1000000)`,
		`set(log.attributes["asgardeo.iss"], log.body["iss"])`,
		`set(log.attributes["user.id"], ` + e + `["user"]["id"])`,
		`set(log.attributes["authtrail.application.id"], ` + e + `["application"]["id"])`,
		`set(log.attributes["authtrail.application.name"], ` + e + `["application"]["name"])`,
		`set(log.attributes["authtrail.auth.provider"], ` + e + `["authenticationMethods"][0]) where ` + e + `["authenticationMethods"] != nil and Len(` + e + `["authenticationMethods"]) > 0`,
		`set(log.attributes["authtrail.auth.provider"], ` + e + `["reason"]["context"]["failedStep"]["authenticator"]) where ` + e + `["reason"]["context"]["failedStep"]["authenticator"] != nil`,
		`set(log.attributes["authtrail.auth.factor"], "primary") where ` + e + `["reason"]["context"]["failedStep"]["step"] == 1`,
		`set(log.attributes["authtrail.auth.factor"], "secondary") where ` + e + `["reason"]["context"]["failedStep"]["step"] != nil and ` + e + `["reason"]["context"]["failedStep"]["step"] > 1`,
		`set(log.attributes["event.reason"], ` + e + `["reason"]["description"])`,
		`set(log.attributes["asgardeo.organization.id"], ` + e + `["organization"]["id"])`,
		`set(log.attributes["asgardeo.organization.name"], ` + e + `["organization"]["name"])`,
		`set(log.attributes["asgardeo.organization.org_handle"], ` + e + `["organization"]["orgHandle"])`,
		`set(log.attributes["asgardeo.organization.depth"], ` + e + `["organization"]["depth"])`,
		`set(log.attributes["asgardeo.user_store.id"], ` + e + `["userStore"]["id"])`,
		`set(log.attributes["asgardeo.user_store.name"], ` + e + `["userStore"]["name"])`,
		`set(log.attributes["asgardeo.action"], ` + e + `["action"])`,
		`set(log.attributes["ocsf.version"], "1.8.0")`,
	}
	claims := map[string]string{"username": "c.username", "emailaddress": "c.email", "givenname": "c.given", "lastname": "c.last"}
	for _, claim := range sortedKeys(claims) {
		for i := range maxClaims {
			c := fmt.Sprintf(`%s["user"]["claims"][%d]`, e, i)
			common = append(common, fmt.Sprintf(`set(log.cache[%q], %s["value"]) where %s["user"]["claims"] != nil and Len(%s["user"]["claims"]) > %d and %s["uri"] == "http://wso2.org/claims/%s"`,
				claims[claim], c, e, e, i, c, claim))
		}
	}
	common = append(common,
		`set(log.attributes["user.email"], log.cache["c.email"])`,
		`set(log.attributes["user.name"], log.cache["c.username"])`,
		`set(log.attributes["user.name"], log.cache["c.email"]) where log.cache["c.username"] == nil`,
		`set(log.attributes["user.full_name"], Concat([log.cache["c.given"], log.cache["c.last"]], " ")) where log.cache["c.given"] != nil and log.cache["c.last"] != nil`,
		`set(log.attributes["related.user"], [log.attributes["user.id"], log.attributes["user.name"]])`,
	)
	auth := asgardeo.Authenticators()
	for _, name := range sortedKeys(auth) {
		common = append(common, fmt.Sprintf(`set(log.attributes["authtrail.auth.method"], %q) where log.attributes["authtrail.auth.provider"] != nil and ConvertCase(log.attributes["authtrail.auth.provider"], "lower") == %q`, auth[name], name))
	}
	groups := []any{statementGroup(nil, common)}

	rows := asgardeo.Mappings()
	keys := sortedKeys(rows)
	// General rows first: a later, more specific group overwrites them.
	sort.SliceStable(keys, func(i, j int) bool { return strings.Count(keys[i], "/") < strings.Count(keys[j], "/") })
	for _, key := range keys {
		m := rows[key]
		parts := strings.Split(key, "/")
		uri, ok := uris[parts[0]]
		if !ok {
			continue
		}
		ev := fmt.Sprintf(`log.body["events"][%q]`, uri)
		cond := ev + ` != nil`
		if len(parts) > 1 {
			cond += fmt.Sprintf(` and %s["action"] == %q`, ev, parts[1])
		}
		if len(parts) > 2 {
			cond += fmt.Sprintf(` and %s["initiatorType"] == %q`, ev, parts[2])
		}
		spec, _ := schema.Spec(m.Action)
		outcome := m.Outcome
		if outcome == "" {
			outcome = schema.OutcomeSuccess
		}
		sev := spec.Severity
		if m.Severity != 0 {
			sev = m.Severity
		}
		st := []string{
			fmt.Sprintf(`set(log.attributes["event.action"], %q)`, m.Action),
			fmt.Sprintf(`set(log.attributes["event.category"], %s)`, list(spec.Category)),
			fmt.Sprintf(`set(log.attributes["event.type"], %s)`, list(spec.Type)),
			fmt.Sprintf(`set(log.attributes["event.outcome"], %q)`, outcome),
			fmt.Sprintf(`set(log.attributes["authtrail.severity"], %q)`, sev.String()),
			fmt.Sprintf(`set(log.attributes["ocsf.category_uid"], %d)`, m.OCSF.CategoryUID()),
			fmt.Sprintf(`set(log.attributes["ocsf.class_uid"], %d)`, m.OCSF.Class),
			fmt.Sprintf(`set(log.attributes["ocsf.activity_id"], %d)`, m.OCSF.Activity),
			fmt.Sprintf(`set(log.attributes["ocsf.type_uid"], %d)`, m.OCSF.TypeUID()),
			fmt.Sprintf(`set(log.attributes["ocsf.severity_id"], %d)`, sev.OCSFID()),
			fmt.Sprintf(`set(log.attributes["ocsf.status_id"], %d)`, outcome.StatusID()),
			fmt.Sprintf(`set(log.severity_number, %d)`, schema.DefaultSeverityMapping[sev].Number),
			fmt.Sprintf(`set(log.severity_text, %q)`, schema.DefaultSeverityMapping[sev].Text),
		}
		if outcome == schema.OutcomeFailure {
			for _, r := range asgardeo.FailureReasons() {
				st = append(st, fmt.Sprintf(`set(log.attributes["error.type"], %q) where log.attributes["error.type"] == nil and log.attributes["event.reason"] != nil and IsMatch(ConvertCase(log.attributes["event.reason"], "lower"), %q)`, r[1], r[0]))
			}
			st = append(st, `set(log.attributes["error.type"], "other") where log.attributes["error.type"] == nil`)
		}
		if !m.Action.IsAuthentication() {
			// IAM events: the user is the target, and the actor only when
			// the user acted (schema.md 6.6).
			for _, k := range []string{"id", "email", "name", "full_name"} {
				st = append(st, fmt.Sprintf(`set(log.attributes["user.target.%s"], log.attributes["user.%s"]) where log.attributes["user.%s"] != nil`, k, k, k),
					fmt.Sprintf(`delete_key(log.attributes, "user.%s") where %s["initiatorType"] != "USER"`, k, ev))
			}
		}
		groups = append(groups, statementGroup([]string{cond}, st))
	}
	// The body last: the groups above read the vendor event from it.
	return append(groups, statementGroup(nil, []string{
		`set(log.body, Concat(["Event ", log.attributes["event.code"], " for ", log.attributes["user.name"]], ""))`,
	}))
}

const maxClaims = 6

func statementGroup(conditions, statements []string) map[string]any {
	g := map[string]any{"context": "log", "statements": toAny(statements)}
	if len(conditions) > 0 {
		g["conditions"] = toAny(conditions)
	}
	return g
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

func list(vs []string) string {
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = fmt.Sprintf("%q", v)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// sampleURIs maps each Asgardeo event name to its event-type URI, read from
// the samples; a sample file holds one event.
func sampleURIs() (map[string]string, map[string][]byte, error) {
	files, err := filepath.Glob(filepath.Join("..", "..", "testdata", "asgardeo", "*.json"))
	if err != nil {
		return nil, nil, err
	}
	uris, raws := map[string]string{}, map[string][]byte{}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return nil, nil, err
		}
		var p struct{ Events map[string]json.RawMessage }
		if err := json.Unmarshal(raw, &p); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", f, err)
		}
		for uri := range p.Events {
			name := uri[strings.LastIndexByte(uri, '/')+1:]
			uris[name], raws[name] = uri, raw
		}
	}
	return uris, raws, nil
}
