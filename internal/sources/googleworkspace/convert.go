// Package googleworkspace maps Google Workspace Reports API activities of the
// user_accounts, login, admin, token and saml applications
// (docs/schema.md#google-workspace) to the authtrail schema. Pure
// functions, no I/O: Convert takes the pages the official client
// (google.golang.org/api/admin/reports/v1) returns; DecodeJSON takes the same
// activities as JSON, for records that reached the pipeline another way.
//
// One activity can hold several events: each becomes its own record
// (docs/schema.md#d3-one-record-per-event).
package googleworkspace // import "github.com/authtrail/authtrail/internal/sources/googleworkspace"

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	reports "google.golang.org/api/admin/reports/v1"

	"github.com/authtrail/authtrail/internal/schema"
	"github.com/authtrail/authtrail/internal/sources"
	"github.com/authtrail/authtrail/internal/sources/vjson"
)

const (
	// Vendor is the service.name and event.provider of Google Workspace records.
	Vendor    = "google-workspace"
	namespace = "google_workspace"
)

// Convert writes one record per event of every activity of a page.
func Convert(items []*reports.Activity, opts sources.Options) (plog.Logs, error) {
	b := schema.NewBuilder(Vendor, opts.Scope, opts.Observed)
	if err := writeActivities(b, items, opts.IncludeOriginal); err != nil {
		return plog.Logs{}, err
	}
	return b.Logs(), nil
}

func writeActivities(b *schema.Builder, items []*reports.Activity, includeOriginal bool) error {
	for i, a := range items {
		if err := convertActivity(b, a, includeOriginal); err != nil {
			return fmt.Errorf("items[%d]: %w", i, err)
		}
	}
	return nil
}

// DecodeJSON converts an Activities page ({"items": [...]}) or one activity.
func DecodeJSON(raw []byte, opts sources.Options) (plog.Logs, error) {
	items, err := activities(raw)
	if err != nil {
		return plog.Logs{}, err
	}
	return Convert(items, opts)
}

func activities(raw []byte) ([]*reports.Activity, error) {
	var page reports.Activities
	if err := json.Unmarshal(raw, &page); err != nil {
		return nil, fmt.Errorf("malformed JSON: %w", err)
	}
	if len(page.Items) == 0 {
		var one reports.Activity
		if err := json.Unmarshal(raw, &one); err != nil || one.Id == nil {
			return nil, errors.New(`expected an Activities page ("items") or an activity ("id", "events")`)
		}
		page.Items = []*reports.Activity{&one}
	}
	return page.Items, nil
}

// Write writes an activity or Activities page, given as a JSON node, into b.
// The Reports API types decode with encoding/json, so the tree is written out
// as JSON first. A non-empty original asks for event.original, which is each
// activity as JSON.
func Write(b *schema.Builder, root vjson.Node, original string) error {
	items, err := activities(root.AppendJSON(nil))
	if err != nil {
		return err
	}
	return writeActivities(b, items, original != "")
}

func convertActivity(b *schema.Builder, a *reports.Activity, includeOriginal bool) error {
	if a == nil || a.Id == nil {
		return errors.New(`activity has no "id"`)
	}
	t, err := time.Parse(time.RFC3339Nano, a.Id.Time)
	if err != nil {
		return fmt.Errorf(`field "id.time": %w`, err)
	}
	var original string
	if includeOriginal {
		raw, _ := json.Marshal(a)
		original = string(raw)
	}
	tenant := schema.Tenant{ID: a.Id.CustomerId, Name: a.OwnerDomain}
	app := a.Id.ApplicationName
	table := applications[app]
	actor := schema.Identity{}
	actorType := schema.ActorUnknown
	if a.Actor != nil {
		actor = schema.Identity{ID: a.Actor.ProfileId, Email: a.Actor.Email, Name: a.Actor.Email}
		if ct, ok := callerTypes[a.Actor.CallerType]; ok {
			actorType = ct
		}
	}
	for i, ev := range a.Events {
		if ev == nil {
			continue
		}
		e := schema.Event{
			Code: ev.Name, ID: EventID(a, i), Time: t, Dataset: namespace + "." + app,
			ClientAddress: a.IpAddress, Original: original, ActorType: actorType,
		}
		params := paramMap(ev.Parameters)
		m, ok := table.rows[ev.Name]
		if !ok {
			e.Unmapped()
			e.Actor = actor
		} else {
			e.Apply(m)
			table.fill(&e, actor, params)
			if e.ActorType == schema.ActorUnknown && !e.Actor.IsZero() {
				e.ActorType = schema.ActorUser
			}
		}
		e.Summary = render(table.messages[ev.Name], actor.Email, params)
		lr := b.Write(tenant, &e)
		putLeftovers(lr.Attributes(), a, ev, app)
	}
	return nil
}

// EventID is the event.id of the index-th event of activity a. Google gives
// ids to activities, not to their events, so it is a hash of the activity id
// with the event's index and name. An account change that user_accounts and
// login both report (accountChanges) is identified instead by what its two
// copies share: customer, actor, event name, time, and the event's rank among
// the activity's events of that name
// (docs/schema.md#d18-one-record-per-google-account-change).
func EventID(a *reports.Activity, index int) string {
	name := eventName(a.Events, index)
	if actor := actorKey(a.Actor); actor != "" {
		if _, ok := applications[a.Id.ApplicationName].shared[name]; ok {
			return hashParts("account_change", a.Id.CustomerId, actor, name, canonicalTime(a.Id.Time),
				strconv.Itoa(occurrence(a.Events, index)))
		}
	}
	return hashParts(a.Id.Time, strconv.FormatInt(a.Id.UniqueQualifier, 10), a.Id.ApplicationName,
		a.Id.CustomerId, strconv.Itoa(index), name)
}

func hashParts(parts ...string) string {
	h := sha256.New()
	for _, part := range parts {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	var sum [sha256.Size]byte
	return hex.EncodeToString(h.Sum(sum[:0])[:16])
}

func eventName(events []*reports.ActivityEvents, index int) string {
	if index < 0 || index >= len(events) || events[index] == nil {
		return ""
	}
	return events[index].Name
}

// actorKey is the actor's profile id, else its email; "" when neither is
// known (then two users' changes could not be told apart).
func actorKey(actor *reports.ActivityActor) string {
	switch {
	case actor == nil:
		return ""
	case actor.ProfileId != "":
		return "profile:" + actor.ProfileId
	case actor.Email != "":
		return "email:" + actor.Email
	}
	return ""
}

// canonicalTime writes id.time one way, however Google formats it.
func canonicalTime(s string) string {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return s
	}
	return strconv.FormatInt(t.UnixNano(), 10)
}

// occurrence counts the events named as the index-th that come before it.
func occurrence(events []*reports.ActivityEvents, index int) int {
	n := 0
	for _, ev := range events[:index] {
		if ev != nil && ev.Name == events[index].Name {
			n++
		}
	}
	return n
}

// SharedAccountChange reports whether lr is a copy of an account change that
// another application reports too (see EventID). A receiver reading both
// applications dedupes these across their streams, in the stream of
// DedupedBy.
func SharedAccountChange(lr plog.LogRecord) bool {
	dataset, _ := lr.Attributes().Get(schema.AttrEventDataset)
	code, _ := lr.Attributes().Get(schema.AttrEventCode)
	app, ok := strings.CutPrefix(dataset.Str(), namespace+".")
	_, shared := applications[app].shared[code.Str()]
	return ok && shared
}

// DedupedBy names the application whose stream settles app's copies of the
// account changes both report, or "" (see SharedAccountChange).
func DedupedBy(app string) string { return dedupedBy[app] }

func paramMap(ps []*reports.ActivityEventsParameters) parameters {
	m := make(parameters, len(ps))
	for _, p := range ps {
		if p != nil {
			m[p.Name] = p
		}
	}
	return m
}

func paramString(p *reports.ActivityEventsParameters) string {
	if p == nil {
		return ""
	}
	return p.Value
}

// paramValues is a parameter's multiValue, or its value alone.
func paramValues(p *reports.ActivityEventsParameters) []string {
	switch {
	case p == nil:
		return nil
	case len(p.MultiValue) > 0:
		return p.MultiValue
	case p.Value != "":
		return []string{p.Value}
	}
	return nil
}

// putLeftovers keeps what the mapping does not: the event type, every parameter
// (google_workspace.<application>.<parameter>), the caller type, network info.
func putLeftovers(a pcommon.Map, act *reports.Activity, ev *reports.ActivityEvents, app string) {
	if ev.Type != "" {
		a.PutStr(namespace+".event.type", ev.Type)
	}
	if act.Actor != nil {
		if act.Actor.CallerType != "" {
			a.PutStr(namespace+".actor.caller_type", act.Actor.CallerType)
		}
		if act.Actor.Key != "" {
			a.PutStr(namespace+".actor.key", act.Actor.Key)
		}
		if ai := act.Actor.ApplicationInfo; ai != nil && ai.OauthClientId != "" {
			a.PutStr(namespace+".actor.application_info.oauth_client_id", ai.OauthClientId)
		}
	}
	if act.Id.UniqueQualifier != 0 {
		a.PutInt(namespace+".id.unique_qualifier", act.Id.UniqueQualifier)
	}
	if ni := act.NetworkInfo; ni != nil {
		if ni.RegionCode != "" {
			a.PutStr(namespace+".network_info.region_code", ni.RegionCode)
		}
		if ni.SubdivisionCode != "" {
			a.PutStr(namespace+".network_info.subdivision_code", ni.SubdivisionCode)
		}
	}
	prefix := namespace + "." + app + "."
	for _, p := range ev.Parameters {
		if p == nil || p.Name == "" {
			continue
		}
		k := prefix + vjson.SnakeCase(p.Name)
		switch {
		case p.Value != "":
			a.PutStr(k, p.Value)
		case len(p.MultiValue) > 0:
			s := a.PutEmptySlice(k)
			for _, v := range p.MultiValue {
				s.AppendEmpty().SetStr(v)
			}
		case len(p.MultiIntValue) > 0:
			s := a.PutEmptySlice(k)
			for _, v := range p.MultiIntValue {
				s.AppendEmpty().SetStr(strconv.FormatInt(v, 10))
			}
		case p.MessageValue != nil || len(p.MultiMessageValue) > 0:
			raw, _ := json.Marshal(p)
			a.PutStr(k, string(raw))
		case p.IntValue != 0:
			a.PutInt(k, p.IntValue)
		default:
			a.PutBool(k, p.BoolValue)
		}
	}
}

// render fills an Admin console message format; "" when there is none or a
// placeholder has no value.
func render(format, actor string, params parameters) string {
	if format == "" || actor == "" {
		return ""
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(format, '{')
		if i < 0 {
			b.WriteString(format)
			return b.String()
		}
		j := strings.IndexByte(format[i:], '}')
		if j < 0 {
			return ""
		}
		b.WriteString(format[:i])
		name := format[i+1 : i+j]
		v := actor
		if name != "actor" {
			v = strings.Join(paramValues(params[name]), " ")
		}
		if v == "" {
			return ""
		}
		b.WriteString(v)
		format = format[i+j+1:]
	}
}
