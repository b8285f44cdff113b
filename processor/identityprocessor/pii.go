package identityprocessor // import "github.com/authtrail/authtrail/processor/identityprocessor"

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/netip"
	"regexp"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/authtrail/authtrail/internal/schema"
)

// scrubber applies pii: hash or drop (decision 6.10.11) to a record.
type scrubber struct {
	mode string
	salt []byte
}

func newScrubber(mode, salt string) *scrubber { return &scrubber{mode: mode, salt: []byte(salt)} }

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
	m := hmac.New(sha256.New, s.salt)
	m.Write([]byte(strings.ToLower(v)))
	return hex.EncodeToString(m.Sum(nil))[:32]
}

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
	personal := map[string]bool{}
	for _, role := range identityRoles {
		email, _ := a.Get(role.keys.Email)
		name, _ := a.Get(role.keys.Name)
		full, _ := a.Get(role.keys.FullName)
		id, _ := a.Get(role.keys.ID)
		subject := first(email.Str(), id.Str(), name.Str())
		for _, v := range []string{email.Str(), name.Str(), full.Str()} {
			if v != "" {
				personal[v] = true
			}
		}
		if subject != "" && s.mode == PIIHash {
			a.PutStr(role.hash, s.hash(subject))
		}
		a.Remove(role.keys.Email)
		a.Remove(role.keys.Name)
		a.Remove(role.keys.FullName)
	}
	if related, ok := a.Get(schema.AttrRelatedUser); ok {
		related.Slice().RemoveIf(func(v pcommon.Value) bool {
			if !personal[v.Str()] && !emailPattern.MatchString(v.Str()) {
				return false
			}
			if s.mode == PIIHash {
				v.SetStr(s.hash(v.Str()))
				return false
			}
			return true
		})
	}
	s.scrubIPs(a)
	// Personal values elsewhere: vendor namespaces, and the body sentence.
	a.Range(func(k string, v pcommon.Value) bool {
		switch {
		case k == schema.AttrRelatedUser || strings.HasSuffix(k, ".hash"):
		case v.Type() == pcommon.ValueTypeStr:
			v.SetStr(s.replaceIn(v.Str(), personal))
		case v.Type() == pcommon.ValueTypeSlice:
			for i := 0; i < v.Slice().Len(); i++ {
				if e := v.Slice().At(i); e.Type() == pcommon.ValueTypeStr {
					e.SetStr(s.replaceIn(e.Str(), personal))
				}
			}
		}
		return true
	})
	if lr.Body().Type() == pcommon.ValueTypeStr {
		lr.Body().SetStr(s.replaceIn(lr.Body().Str(), personal))
	}
}

// replaceIn replaces known personal values and any email address in text.
func (s *scrubber) replaceIn(text string, personal map[string]bool) string {
	for v := range personal {
		if len(v) > 2 && strings.Contains(text, v) {
			text = strings.ReplaceAll(text, v, s.replacement(v))
		}
	}
	if strings.IndexByte(text, '@') >= 0 {
		text = emailPattern.ReplaceAllStringFunc(text, s.replacement)
	}
	return text
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
