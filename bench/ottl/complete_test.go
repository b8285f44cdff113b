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
// event type as transform processor statement groups. It gives the processor's
// whole record on every vendor sample (TestCompleteProgramMatchesTheProcessor):
// every attribute, the body, the severity and the event name.
//
// The tables come from the source and the schema, so the two cannot drift:
// one group per mapping-table row, conditioned on the event-type URI and, for
// payload-dependent rows, on action and initiator; the severity of each
// initiator, factor and email-change case computed by the schema's own
// policy. Claims and sessions are found by index over the first maxItems.
// Vendor fields the mapping does not use are named one by one (leftovers):
// OTTL has no loop to flatten fields it does not know, so unlike the
// processor the program drops undocumented fields.
func completeProgram(uris map[string]string) []any {
	groups := []any{statementGroup(nil, commonStatements())}
	rows := asgardeo.Mappings()
	keys := sortedKeys(rows)
	// General rows first: a later, more specific group overwrites them.
	sort.SliceStable(keys, func(i, j int) bool { return strings.Count(keys[i], "/") < strings.Count(keys[j], "/") })
	for _, key := range keys {
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
		st := append([]string{setAttr("event.code", fmt.Sprintf("%q", parts[0]))}, rowStatements(rows[key], parts, ev)...)
		groups = append(groups, statementGroup([]string{cond}, st))
	}
	return append(groups, statementGroup(nil, finalStatements()))
}

const (
	e        = `log.cache["e"]`
	maxItems = 6
	// titleKey carries the action title from a row's group to the body's;
	// it is deleted with the body written.
	titleKey = "tmp.title"
)

// get is the path of a field of the event data, in the common group.
func get(path ...string) string { return field(e, path...) }

// field is the path of a field under base.
func field(base string, path ...string) string {
	var b strings.Builder
	b.WriteString(base)
	for _, p := range path {
		if strings.HasPrefix(p, "[") {
			b.WriteString(p)
			continue
		}
		fmt.Fprintf(&b, "[%q]", p)
	}
	return b.String()
}

func attr(k string) string { return fmt.Sprintf("log.attributes[%q]", k) }

func setAttr(k, v string) string { return fmt.Sprintf("set(%s, %s)", attr(k), v) }

// setOpt sets k only when v is there: set() with a missing value would write
// an empty attribute.
func setOpt(k, v string) string { return setAttr(k, v) + " where " + v + " != nil" }

// has is the condition that the list at path has an element i.
func has(i int, path ...string) string { return hasIn(e, i, path...) }

func hasIn(base string, i int, path ...string) string {
	return fmt.Sprintf("%s != nil and Len(%s) > %d", field(base, path...), field(base, path...), i)
}

// leftovers are the documented vendor fields the mapping does not use, kept
// under asgardeo.* as the processor keeps every field it does not map.
var leftovers = []struct {
	key  string
	path []string
	conv string // "Int", "String" (a list of objects as JSON text) or ""
}{
	{"asgardeo.organization.id", []string{"organization", "id"}, ""},
	{"asgardeo.organization.name", []string{"organization", "name"}, ""},
	{"asgardeo.organization.org_handle", []string{"organization", "orgHandle"}, ""},
	{"asgardeo.organization.depth", []string{"organization", "depth"}, "Int"},
	{"asgardeo.user.organization.id", []string{"user", "organization", "id"}, ""},
	{"asgardeo.user.organization.name", []string{"user", "organization", "name"}, ""},
	{"asgardeo.user.organization.org_handle", []string{"user", "organization", "orgHandle"}, ""},
	{"asgardeo.user.organization.depth", []string{"user", "organization", "depth"}, "Int"},
	{"asgardeo.user.ref", []string{"user", "ref"}, ""},
	{"asgardeo.user_store.id", []string{"userStore", "id"}, ""},
	{"asgardeo.user_store.name", []string{"userStore", "name"}, ""},
	{"asgardeo.action", []string{"action"}, ""},
	{"asgardeo.credential_type", []string{"credentialType"}, ""},
	{"asgardeo.authentication_methods", []string{"authenticationMethods"}, ""},
	{"asgardeo.reason.context.failed_step.idp", []string{"reason", "context", "failedStep", "idp"}, ""},
	{"asgardeo.access_token.iat", []string{"accessToken", "iat"}, ""}, // a string on the wire
	{"asgardeo.application.consumer_key", []string{"application", "consumerKey"}, ""},
	{"asgardeo.applications", []string{"applications"}, "String"},
	{"asgardeo.session.login_time", []string{"session", "loginTime"}, "Int"},
	{"asgardeo.session.applications", []string{"session", "applications"}, "String"},
	{"asgardeo.sessions", []string{"sessions"}, "String"},
}

// identityClaims are the claims the identity is read from; the rest are kept.
const identityClaims = `/(username|emailaddress|givenname|lastname)$`

// commonStatements extract what every event type shares.
func commonStatements() []string {
	st := []string{
		`set(log.cache["e"], Values(log.body["events"])[0])`,
		setAttr("event.kind", `"event"`),
		setOpt("event.id", `log.body["jti"]`),
		setAttr("event.provider", `"asgardeo"`),
		setAttr("event.dataset", `"asgardeo.webhook"`),
		setOpt("authtrail.correlation.id", `log.body["rci"]`),
		`set(log.time_unix_nano, Int(log.body["iat"]) * 1000000)`,
		setOpt("asgardeo.iss", `log.body["iss"]`),
		setOpt("user.id", get("user", "id")),
		setOpt("authtrail.application.id", get("application", "id")),
		setOpt("authtrail.application.name", get("application", "name")),
		setAttr("authtrail.application.id", get("applications", "[0]", "id")) + " where " + has(0, "applications") + " and Len(" + get("applications") + ") == 1",
		setAttr("authtrail.application.name", get("applications", "[0]", "name")) + " where " + has(0, "applications") + " and Len(" + get("applications") + ") == 1",
		setOpt("authtrail.token.type", get("accessToken", "tokenType")),
		setOpt("authtrail.token.grant_type", get("accessToken", "grantType")),
		setOpt("session.id", get("session", "id")),
		setAttr("authtrail.auth.provider", get("authenticationMethods", "[0]")) + " where " + has(0, "authenticationMethods"),
		setAttr("authtrail.auth.provider", get("reason", "context", "failedStep", "authenticator")) + " where " + get("reason", "context", "failedStep", "authenticator") + " != nil",
		setAttr("authtrail.auth.factor", `"primary"`) + " where " + get("reason", "context", "failedStep", "step") + " == 1",
		setAttr("authtrail.auth.factor", `"secondary"`) + " where " + get("reason", "context", "failedStep", "step") + " != nil and " + get("reason", "context", "failedStep", "step") + " > 1",
		setOpt("event.reason", get("reason", "description")),
		setAttr("ocsf.version", fmt.Sprintf("%q", schema.OCSFVersion)),
	}
	for i := range maxItems {
		s := get("sessions", fmt.Sprintf("[%d]", i), "id")
		st = append(st, fmt.Sprintf(`append(%s, %s) where %s and %s != nil`, attr("authtrail.session.ids"), s, has(i, "sessions"), s))
	}
	st = append(st, setAttr("session.id", get("sessions", "[0]", "id"))+" where "+has(0, "sessions")+" and Len("+attr("authtrail.session.ids")+") == 1")

	// The identity, from the claims found by URI.
	claims := map[string]string{"username": "c.username", "emailaddress": "c.email", "givenname": "c.given", "lastname": "c.last"}
	for _, claim := range sortedKeys(claims) {
		for i := range maxItems {
			c := get("user", "claims", fmt.Sprintf("[%d]", i))
			st = append(st, fmt.Sprintf(`set(log.cache[%q], %s["value"]) where %s and %s["uri"] == "http://wso2.org/claims/%s"`,
				claims[claim], c, has(i, "user", "claims"), c, claim))
		}
	}
	st = append(st,
		setOpt("user.email", `log.cache["c.email"]`),
		setOpt("user.name", `log.cache["c.username"]`),
		setAttr("user.name", `log.cache["c.email"]`)+` where log.cache["c.username"] == nil`,
		setAttr("user.full_name", `Concat([log.cache["c.given"], log.cache["c.last"]], " ")`)+` where log.cache["c.given"] != nil and log.cache["c.last"] != nil`,
		setAttr("user.full_name", `log.cache["c.given"]`)+` where log.cache["c.given"] != nil and log.cache["c.last"] == nil`,
		setAttr("user.full_name", `log.cache["c.last"]`)+` where log.cache["c.given"] == nil and log.cache["c.last"] != nil`,
	)
	auth := asgardeo.Authenticators()
	provider := attr("authtrail.auth.provider")
	st = append(st, fmt.Sprintf(`set(log.cache["p"], ConvertCase(%s, "lower")) where %s != nil`, provider, provider))
	for _, name := range sortedKeys(auth) {
		st = append(st, setAttr("authtrail.auth.method", fmt.Sprintf("%q", auth[name]))+fmt.Sprintf(` where log.cache["p"] == %q`, name))
	}

	// Vendor fields: the documented leftovers, and every claim the identity
	// does not use, named after the claim.
	for _, l := range leftovers {
		v := get(l.path...)
		if l.conv != "" {
			v = l.conv + "(" + v + ")"
		}
		st = append(st, setAttr(l.key, v)+" where "+get(l.path...)+` != nil and `+get(l.path...)+` != ""`)
	}
	for _, list := range []struct{ field, prefix, except string }{
		{"claims", "asgardeo.user.claims.", " and not IsMatch(%s, " + fmt.Sprintf("%q", identityClaims) + ")"},
		{"addedClaims", "asgardeo.user.added_claims.", ""},
		{"updatedClaims", "asgardeo.user.updated_claims.", ""},
	} {
		for i := range maxItems {
			c := get("user", list.field, fmt.Sprintf("[%d]", i))
			uri := c + `["uri"]`
			cond := has(i, "user", list.field) + fmt.Sprintf(` and %s["value"] != nil and %s["value"] != ""`, c, c)
			if list.except != "" {
				cond += fmt.Sprintf(list.except, uri)
			}
			st = append(st, fmt.Sprintf(`set(log.attributes[Concat([%q, ToSnakeCase(ExtractPatterns(%s, "(?P<n>[^/]+)$")["n"])], "")], %s["value"]) where %s`,
				list.prefix, uri, c, cond))
		}
	}
	return st
}

// initiators are Asgardeo's initiatorType values and their actor types.
var initiators = map[string]string{"USER": schema.ActorUser, "ADMIN": schema.ActorAdmin, "APPLICATION": schema.ActorApplication}

// rowStatements are one mapping-table row: its classification, actor and
// target, severity and title. ev is the path of the row's event data (a
// group's cache is its own, so the common group's is gone).
func rowStatements(m schema.Mapping, key []string, ev string) []string {
	spec, _ := schema.Spec(m.Action)
	outcome := m.Outcome
	if outcome == "" {
		outcome = schema.OutcomeSuccess
	}
	st := []string{
		setAttr("event.action", fmt.Sprintf("%q", m.Action)),
		fmt.Sprintf(`set(log.event_name, %q)`, schema.EventNamePrefix+string(m.Action)),
		setAttr("event.category", list(spec.Category)),
		setAttr("event.type", list(spec.Type)),
		setAttr("event.outcome", fmt.Sprintf("%q", outcome)),
		setAttr("ocsf.category_uid", fmt.Sprint(m.OCSF.CategoryUID())),
		setAttr("ocsf.class_uid", fmt.Sprint(m.OCSF.Class)),
		setAttr("ocsf.activity_id", fmt.Sprint(m.OCSF.Activity)),
		setAttr("ocsf.type_uid", fmt.Sprint(m.OCSF.TypeUID())),
		setAttr("ocsf.status_id", fmt.Sprint(outcome.StatusID())),
		setAttr(titleKey, fmt.Sprintf("%q", spec.Title)),
	}
	if m.OCSF.ActivityName != "" {
		st = append(st, setAttr("ocsf.activity_name", fmt.Sprintf("%q", m.OCSF.ActivityName)))
	}
	if outcome == schema.OutcomeFailure {
		for _, r := range asgardeo.FailureReasons() {
			st = append(st, setAttr("error.type", fmt.Sprintf("%q", r[1]))+fmt.Sprintf(` where %s == nil and %s != nil and IsMatch(ConvertCase(%s, "lower"), %q)`,
				attr("error.type"), attr("event.reason"), attr("event.reason"), r[0]))
		}
		st = append(st, setAttr("error.type", `"other"`)+" where "+attr("error.type")+" == nil")
	}
	if m.Action.IsAuthentication() {
		st = append(st, setAttr("authtrail.actor.type", fmt.Sprintf("%q", schema.ActorUser)))
	} else {
		// IAM events: the user is the target, and the actor only when the
		// user acted (docs/schema.md#d1-actor-and-target).
		for _, k := range []string{"id", "email", "name", "full_name"} {
			st = append(st, setAttr("user.target."+k, attr("user."+k))+" where "+attr("user."+k)+" != nil",
				fmt.Sprintf(`delete_key(log.attributes, "user.%s") where %s["initiatorType"] != "USER"`, k, ev))
		}
		st = append(st, setAttr("authtrail.actor.type", fmt.Sprintf("%q", schema.ActorUnknown)))
		for _, in := range sortedKeys(initiators) {
			st = append(st, setAttr("authtrail.actor.type", fmt.Sprintf("%q", initiators[in]))+fmt.Sprintf(` where %s["initiatorType"] == %q`, ev, in))
		}
	}
	if m.Action == schema.ActionUserUpdate {
		for _, list := range []string{"addedClaims", "updatedClaims"} {
			for i := range maxItems {
				c := field(ev, "user", list, fmt.Sprintf("[%d]", i))
				st = append(st,
					setAttr("user.changes.name", c+`["value"]`)+" where "+hasIn(ev, i, "user", list)+fmt.Sprintf(` and IsMatch(%s["uri"], "/username$")`, c),
					setAttr("user.changes.email", c+`["value"]`)+" where "+hasIn(ev, i, "user", list)+fmt.Sprintf(` and IsMatch(%s["uri"], "/(emailaddress|emailAddresses)$")`, c))
			}
		}
	}
	return append(st, severityStatements(m, key, ev)...)
}

// severityStatements set the severity of each case the payload decides, as
// the schema's policy computes it: the initiator (actor type, and whether
// the actor is the user), the failed factor and a changed email address.
func severityStatements(m schema.Mapping, key []string, ev string) []string {
	action := ""
	if len(key) > 1 {
		action = key[1]
	}
	step := field(ev, "reason", "context", "failedStep", "step")
	factors := map[string]string{"": step + " == nil", schema.FactorPrimary: step + " == 1", schema.FactorSecondary: step + " != nil and " + step + " > 1"}
	emails := map[bool]string{false: attr("user.changes.email") + " == nil", true: attr("user.changes.email") + " != nil"}
	var st []string
	var base schema.Severity
	for _, in := range []string{"", "ADMIN", "APPLICATION", "USER"} {
		for _, factor := range []string{"", schema.FactorPrimary, schema.FactorSecondary} {
			for _, email := range []bool{false, true} {
				var c schema.Event
				c.Apply(m)
				c.AuthFactor = factor
				c.ActorType = schema.ActorUnknown
				if t, ok := initiators[in]; ok {
					c.ActorType = t
				}
				if !m.Action.IsAuthentication() {
					switch {
					case c.ActorType == schema.ActorUser:
						c.Performer = schema.PerformerSelf
					case c.ActorType != schema.ActorUnknown && (action == "RESET" || action == "INVITE"):
						c.Performer = schema.PerformerSelf
					case c.ActorType != schema.ActorUnknown:
						c.Performer = schema.PerformerOther
					}
				}
				if email && m.Action == schema.ActionUserUpdate {
					c.Changes.Email, c.Severity = "x", schema.SeverityMedium
				}
				sev := schema.DefaultPolicy.SeverityOf(&c)
				first := in == "" && factor == "" && !email
				if first {
					base = sev
				} else if sev == base {
					continue
				}
				var cond []string
				if !first {
					if in == "" {
						cond = append(cond, fmt.Sprintf(`(%s["initiatorType"] == nil or not IsMatch(%s["initiatorType"], "^(ADMIN|APPLICATION|USER)$"))`, ev, ev))
					} else {
						cond = append(cond, fmt.Sprintf(`%s["initiatorType"] == %q`, ev, in))
					}
					cond = append(cond, factors[factor], emails[email])
				}
				st = append(st, setSeverity(sev, cond)...)
			}
		}
	}
	return st
}

func setSeverity(sev schema.Severity, cond []string) []string {
	where := ""
	if len(cond) > 0 {
		where = " where " + strings.Join(cond, " and ")
	}
	n := schema.DefaultSeverityMapping[sev]
	return []string{
		setAttr("authtrail.severity", fmt.Sprintf("%q", sev.String())) + where,
		setAttr("ocsf.severity_id", fmt.Sprint(sev.OCSFID())) + where,
		fmt.Sprintf(`set(log.severity_number, %d)`, n.Number) + where,
		fmt.Sprintf(`set(log.severity_text, %q)`, n.Text) + where,
	}
}

// finalStatements build what depends on the whole record: related.user and
// the body sentence.
func finalStatements() []string {
	var st []string
	for _, k := range []string{"user.id", "user.email", "user.name", "user.target.id", "user.target.email", "user.target.name", "user.changes.email", "user.changes.name"} {
		st = append(st, fmt.Sprintf(`append(log.cache["rel"], %s) where %s != nil and (log.cache["rel"] == nil or not ContainsValue(log.cache["rel"], %s))`, attr(k), attr(k), attr(k)))
	}
	st = append(st, setAttr("related.user", `log.cache["rel"]`))
	// An identity's label: its email, else name, full name or id.
	for _, role := range []struct{ cache, prefix string }{{"al", "user."}, {"tl", "user.target."}} {
		for _, k := range []string{"id", "full_name", "name", "email"} {
			st = append(st, fmt.Sprintf(`set(log.cache[%q], %s) where %s != nil`, role.cache, attr(role.prefix+k), attr(role.prefix+k)))
		}
	}
	same := fmt.Sprintf(`((%s != nil and %s == %s) or (%s != nil and %s != nil and ConvertCase(%s, "lower") == ConvertCase(%s, "lower")) or (%s != nil and %s == %s))`,
		attr("user.id"), attr("user.id"), attr("user.target.id"),
		attr("user.email"), attr("user.target.email"), attr("user.email"), attr("user.target.email"),
		attr("user.name"), attr("user.name"), attr("user.target.name"))
	b := attr(titleKey)
	st = append(st,
		fmt.Sprintf(`set(%s, Concat([%s, " for ", log.cache["tl"]], "")) where log.cache["tl"] != nil and (log.cache["al"] == nil or not %s)`, b, b, same),
		fmt.Sprintf(`set(%s, Concat([%s, " by ", log.cache["al"]], "")) where log.cache["al"] != nil`, b, b),
		fmt.Sprintf(`set(%s, Concat([%s, " by ", %s], "")) where log.cache["al"] == nil and %s != nil and %s != "unknown" and %s != "user"`,
			b, b, attr("authtrail.actor.type"), attr("authtrail.actor.type"), attr("authtrail.actor.type"), attr("authtrail.actor.type")),
		fmt.Sprintf(`set(%s, Concat([%s, " (failed)"], "")) where %s == "failure"`, b, b, attr("event.outcome")),
		fmt.Sprintf(`set(%s, Concat([%s, ": ", %s], "")) where %s != nil`, b, b, attr("event.reason"), attr("event.reason")),
		// The body last: the groups above read the vendor event from it.
		fmt.Sprintf(`set(log.body, %s)`, b),
		fmt.Sprintf(`delete_key(log.attributes, %q)`, titleKey),
	)
	return st
}

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
