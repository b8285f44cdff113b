package identityprocessor

import (
	"context"
	"encoding/binary"
	"math"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/authtrail/authtrail/internal/schema"
	"github.com/authtrail/authtrail/internal/sources/sourcetest"
)

// fuzzKeys are the keys a fuzzed record's maps draw from before random ones:
// every key the processor reads, the identity roles, and personal vendor keys.
var fuzzKeys = func() []string {
	keys := []string{
		schema.AttrEventAction, schema.AttrEventProvider, schema.AttrSeverity, schema.AttrOCSFSeverityID,
		schema.AttrRelatedUser, schema.AttrRelatedIP, schema.AttrClientAddress, schema.AttrOCSFClassUID,
		schema.AttrOCSFActivityID, schema.AttrOCSFActivityName, schema.AttrOCSFStatusID, schema.AttrEventCode,
		schema.AttrEventID, schema.AttrEventReason, schema.AttrEventOriginal, schema.AttrCorrelationID,
		schema.AttrUserAgentOriginal, schema.AttrTargetID, schema.AttrTargetName, schema.AttrTargetType,
		schema.AttrGroupID, schema.AttrGroupName, schema.AttrChangeField, schema.AttrChangeFrom, schema.AttrChangeTo,
		schema.AttrServiceName, schema.AttrOrganizationID, "user.hash", "user.target.hash",
		"type", "uri", "value", "name", "user", "actor", "claims", "events", "email", "phone_number", "given_name",
		"authgear.payload.recipient", "fillout.actor.name", "fillout.actor.type",
	}
	for _, role := range identityRoles {
		keys = append(keys, role.keys.ID, role.keys.Email, role.keys.Name, role.keys.FullName, role.keys.Roles)
	}
	return keys
}()

// plantedPersonal are personal values the fuzzer may place anywhere; with
// pii: hash or drop none may leave the processor.
var plantedPersonal = []string{"bob@example.com", "+85291234567", "203.0.113.77", "2001:db8:1234:5678::1"}

// fuzzStrings are the strings a fuzzed value draws from before random ones.
var fuzzStrings = append([]string{
	"", " ", "asgardeo", "vgs", "authgear", "google-workspace", "fillout", "okta", "other",
	"authentication.login", "user.role_change", "mfa.disable", "admin", "user", "group", "email", "phone",
	"critical", "informational", "1.9", "203.0.113.0", "not an ip", "Bob Smith",
	`{"user":{"name":"Bob Smith","email":"bob@example.com"}}`, `[{"uri":"x/givenname","value":"Bob"}]`,
	`{"a":`, `{"ip":"203.0.113.77",}`, "contact bob@example.com or +85291234567 from 203.0.113.77.",
}, plantedPersonal...)

// fuzzRecord reads a log record's shape from fuzz bytes: attribute maps with
// keys of the schema and random ones, values of every pdata type nested in
// maps and slices, and a body of any type.
type fuzzRecord struct{ b []byte }

func (r *fuzzRecord) byte() byte {
	if len(r.b) == 0 {
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *fuzzRecord) take(n int) []byte {
	n = min(n, len(r.b))
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

// random is a string of fuzz bytes without '@', so that only planted values
// are email addresses.
func (r *fuzzRecord) random() string {
	return strings.ReplaceAll(string(r.take(int(r.byte()%24))), "@", "_")
}

func (r *fuzzRecord) key() string {
	if c := r.byte(); c < 0xc0 {
		return fuzzKeys[int(c)%len(fuzzKeys)]
	}
	return r.random()
}

func (r *fuzzRecord) str() string {
	if c := r.byte(); c < 0xa0 {
		return fuzzStrings[int(c)%len(fuzzStrings)]
	}
	return r.random()
}

func (r *fuzzRecord) int64() int64 {
	var b [8]byte
	copy(b[:], r.take(8))
	return int64(binary.LittleEndian.Uint64(b[:]))
}

func (r *fuzzRecord) value(v pcommon.Value, depth int) {
	switch r.byte() % 8 {
	case 0: // empty
	case 1, 7:
		v.SetStr(r.str())
	case 2:
		v.SetInt(r.int64() % 4000)
	case 3:
		v.SetDouble(math.Float64frombits(uint64(r.int64())))
	case 4:
		v.SetBool(r.byte()%2 == 0)
	case 5:
		v.SetEmptyBytes().FromRaw([]byte(r.str()))
	case 6:
		if depth > 3 {
			v.SetStr(r.str())
			return
		}
		if r.byte()%2 == 0 {
			r.fill(v.SetEmptyMap(), depth+1)
			return
		}
		s := v.SetEmptySlice()
		for range r.byte() % 5 {
			r.value(s.AppendEmpty(), depth+1)
		}
	}
}

func (r *fuzzRecord) fill(m pcommon.Map, depth int) {
	for range r.byte() % 12 {
		r.value(m.PutEmpty(r.key()), depth)
	}
}

// FuzzRecord sends records of arbitrary shape through the processor in every
// profile and PII mode: every attribute of every type, in every place. The
// processor must neither panic nor fail, every record must leave it, and with
// pii: hash or drop no planted email address, phone number or full IP
// address may leave with it.
func FuzzRecord(f *testing.F) {
	for _, seed := range [][]byte{
		{},
		// One record: event.action "authentication.login" and a string
		// related.user (the record of issue 8), and with ocsf.class_uid 3002.
		{0, 2, 0, 1, 9, 4, 1, 28},
		{0, 3, 0, 1, 9, 4, 1, 28, 7, 2, 0xba, 0x0b, 0, 0, 0, 0, 0, 0},
		{3, 0, 1, 0, 41, 6, 0, 2, 0, 12, 7, 23},
		{4, 7, 6, 1, 2, 3, 1, 26, 4, 1, 24, 6, 0, 2, 29, 1, 35, 31, 1, 36},
		{1, 5, 1, 30, 6, 0, 3, 32, 1, 23, 33, 1, 28, 34, 6, 1, 2, 1, 27, 5, 1},
	} {
		for sel := range uint8(9) {
			f.Add(sel, seed)
		}
	}
	sinks, procs := fuzzProcessors(f)
	f.Fuzz(func(t *testing.T, sel uint8, data []byte) {
		i := int(sel) % len(procs)
		r := &fuzzRecord{b: data}
		ld := plog.NewLogs()
		rl := ld.ResourceLogs().AppendEmpty()
		lrs := rl.ScopeLogs().AppendEmpty().LogRecords()
		records := 1 + int(r.byte()%3)
		for range records {
			lr := lrs.AppendEmpty()
			r.fill(lr.Attributes(), 0)
			r.value(lr.Body(), 0)
		}
		r.fill(rl.Resource().Attributes(), 2)
		sinks[i].Reset()
		if err := procs[i].ConsumeLogs(context.Background(), ld); err != nil {
			t.Fatalf("the processor failed a batch: %v", err)
		}
		var out []plog.LogRecord
		for _, got := range sinks[i].AllLogs() {
			out = append(out, sourcetest.Records(got)...)
		}
		if len(out) < records {
			t.Fatalf("%d records went in, %d came out", records, len(out))
		}
		if i%3 == 0 { // pii: keep
			return
		}
		for _, lr := range out {
			for _, v := range []pcommon.Value{attributesValue(lr.Attributes()), lr.Body()} {
				if s := plantedIn(v); s != "" {
					t.Fatalf("pii mode %d: %q left the processor", i%3, s)
				}
			}
		}
	})
}

func attributesValue(m pcommon.Map) pcommon.Value {
	v := pcommon.NewValueEmpty()
	m.CopyTo(v.SetEmptyMap())
	return v
}

// plantedIn is a planted personal value found in v's values at any depth.
func plantedIn(v pcommon.Value) string {
	switch v.Type() {
	case pcommon.ValueTypeMap:
		for _, e := range v.Map().All() {
			if s := plantedIn(e); s != "" {
				return s
			}
		}
	case pcommon.ValueTypeSlice:
		for i := 0; i < v.Slice().Len(); i++ {
			if s := plantedIn(v.Slice().At(i)); s != "" {
				return s
			}
		}
	default:
		text := v.AsString()
		if v.Type() == pcommon.ValueTypeBytes {
			text = string(v.Bytes().AsRaw())
		}
		for _, p := range plantedPersonal {
			if strings.Contains(text, p) {
				return p
			}
		}
	}
	return ""
}
