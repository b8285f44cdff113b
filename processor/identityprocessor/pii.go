package identityprocessor // import "github.com/authtrail/authtrail/processor/identityprocessor"

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"sync"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/authtrail/authtrail/internal/schema"
)

// scrubber applies pii: hash or drop (docs/schema.md#d11-pii-modes) to a record.
type scrubber struct {
	mode string
	macs sync.Pool // HMAC-SHA256 keyed with the salt; Reset between uses
}

func newScrubber(mode, salt string) *scrubber {
	s := &scrubber{mode: mode}
	key := []byte(salt)
	s.macs.New = func() any { return hmac.New(sha256.New, key) }
	return s
}

var emailPattern = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}`)

// identityRoles are the identities of a record, with the key of their hash.
var identityRoles = []struct {
	keys schema.IdentityKeys
	hash string
}{
	{schema.ActorKeys, "user.hash"},
	{schema.TargetKeys, "user.target.hash"},
	{schema.ChangesKeys, "user.changes.hash"},
	{schema.EffectiveKeys, "user.effective.hash"},
}

const redacted = "[redacted]"

func (s *scrubber) hash(v string) string {
	m := s.macs.Get().(hash.Hash)
	defer s.macs.Put(m)
	m.Reset()
	m.Write([]byte(strings.ToLower(v)))
	var sum [sha256.Size]byte
	return hex.EncodeToString(m.Sum(sum[:0])[:16])
}

func isEmail(v string) bool { return strings.IndexByte(v, '@') >= 0 && emailPattern.MatchString(v) }

// replacement is what a personal value becomes.
func (s *scrubber) replacement(v string) string {
	if s.mode == PIIHash {
		return s.hash(v)
	}
	return redacted
}

func (s *scrubber) scrub(lr plog.LogRecord) {
	if s.mode == PIIKeep {
		return
	}
	a := lr.Attributes()
	known := personal{s: s}
	for _, role := range identityRoles {
		email, _ := a.Get(role.keys.Email)
		name, _ := a.Get(role.keys.Name)
		full, _ := a.Get(role.keys.FullName)
		id, _ := a.Get(role.keys.ID)
		subject := first(email.Str(), id.Str(), name.Str())
		known.add(email.Str())
		known.add(name.Str())
		known.add(full.Str())
		a.Remove(role.keys.Email)
		a.Remove(role.keys.Name)
		a.Remove(role.keys.FullName)
		if subject != "" && s.mode == PIIHash {
			a.PutStr(role.hash, known.replacementOf(subject)) // after Remove: reuses the room
		}
	}
	if related, ok := a.Get(schema.AttrRelatedUser); ok {
		related.Slice().RemoveIf(func(v pcommon.Value) bool {
			if !known.has(v.Str()) && !isEmail(v.Str()) {
				return false
			}
			if s.mode == PIIHash {
				v.SetStr(known.replacementOf(v.Str()))
				return false
			}
			return true
		})
	}
	s.scrubIPs(a)
	// Personal values elsewhere: vendor namespaces, and the body sentence.
	for k, v := range a.All() {
		switch {
		case k == schema.AttrRelatedUser || strings.HasSuffix(k, ".hash"):
		case v.Type() == pcommon.ValueTypeStr:
			known.scrubValue(v)
		case v.Type() == pcommon.ValueTypeSlice:
			for i := 0; i < v.Slice().Len(); i++ {
				if e := v.Slice().At(i); e.Type() == pcommon.ValueTypeStr {
					known.scrubValue(e)
				}
			}
		}
	}
	if lr.Body().Type() == pcommon.ValueTypeStr {
		known.scrubValue(lr.Body())
	}
}

// personal is a record's known personal values, longest first, so that an
// email address is replaced whole before a name inside it. Each value's
// replacement is computed once per record.
type personal struct {
	s      *scrubber
	values []string
	repl   []string // "" until computed
}

func (p *personal) add(v string) {
	if v == "" || p.has(v) {
		return
	}
	i := 0
	for i < len(p.values) && len(p.values[i]) >= len(v) {
		i++
	}
	p.values = slices.Insert(p.values, i, v)
	p.repl = slices.Insert(p.repl, i, "")
}

func (p *personal) has(v string) bool { return slices.Contains(p.values, v) }

// replacementOf is the hash or redaction of v, memoized for known values.
func (p *personal) replacementOf(v string) string {
	if i := slices.Index(p.values, v); i >= 0 {
		return p.replacementAt(i)
	}
	return p.s.replacement(v)
}

func (p *personal) replacementAt(i int) string {
	if p.repl[i] == "" {
		p.repl[i] = p.s.replacement(p.values[i])
	}
	return p.repl[i]
}

// scrubValue replaces known personal values and any email address in a
// string value, and writes it back only when it changed.
func (p *personal) scrubValue(v pcommon.Value) {
	text := v.Str()
	out := text
	for i, pv := range p.values {
		if len(pv) > 2 && strings.Contains(out, pv) {
			out = strings.ReplaceAll(out, pv, p.replacementAt(i))
		}
	}
	if strings.IndexByte(out, '@') >= 0 {
		out = emailPattern.ReplaceAllStringFunc(out, p.replacementOf)
	}
	if out != text {
		v.SetStr(out)
	}
}

// scrubIPs truncates client IPs to /24 and /48 (hash) or removes them (drop).
func (s *scrubber) scrubIPs(a pcommon.Map) {
	if s.mode == PIIDrop {
		a.Remove(schema.AttrClientAddress)
		a.Remove(schema.AttrRelatedIP)
		return
	}
	if v, ok := a.Get(schema.AttrClientAddress); ok {
		v.SetStr(truncateIP(v.Str()))
	}
	if v, ok := a.Get(schema.AttrRelatedIP); ok {
		for i := 0; i < v.Slice().Len(); i++ {
			e := v.Slice().At(i)
			e.SetStr(truncateIP(e.Str()))
		}
	}
}

func truncateIP(s string) string {
	addr, err := netip.ParseAddr(s)
	if err != nil {
		return redacted
	}
	bits := 24
	if addr.Is6() && !addr.Is4In6() {
		bits = 48
	}
	prefix, err := addr.Unmap().Prefix(bits)
	if err != nil {
		return redacted
	}
	return prefix.Addr().String()
}

func first(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
