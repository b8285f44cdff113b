package schema // import "github.com/authtrail/authtrail/internal/schema"

import (
	"strings"
	"sync"
	"sync/atomic"
)

// Which keys hold personal data, for the PII modes of docs/schema.md. A key is
// judged by its last segment (after '.', '/', ':' or '#'), lower-cased and
// without '_', '-' and spaces, so "user_email", "givenName",
// "standard_attributes.family_name" and the claim URI
// "http://wso2.org/claims/lastname" read alike.

// personalSuffixes end the segments whose values are personal data wherever
// they appear: email addresses, phone numbers, personal names, login names.
var personalSuffixes = [...]string{
	"email", "emails", "emailaddress", "emailaddresses",
	"phone", "phones", "phonenumber", "phonenumbers", "mobile", "mobilenumber", "recipient",
	"givenname", "familyname", "firstname", "lastname", "middlename", "surname",
	"fullname", "displayname", "nickname", "username", "loginid",
}

// personObjects are the segments naming an object that describes a person:
// its "name" is a personal name.
var personObjects = [...]string{
	"user", "actor", "target", "member", "owner", "producer", "person", "subject", "principal",
	"initiator", "requester", "impersonator", "inviter", "invitee", "standardattributes", "profile",
}

// personTypes are the values of an object's "type" that keep it a person; an
// object of another type ("group", "api_key", "system") is not one.
var personTypes = [...]string{"user", "member", "admin", "person", "human", "owner"}

// PersonalKey reports whether the values under key are personal data.
func PersonalKey(key string) bool {
	var buf [64]byte
	seg := normalizeSegment(buf[:0], key)
	if len(seg) == 0 || !personalLastBytes[seg[len(seg)-1]] {
		return false // most keys are ruled out by their last letter
	}
	for _, s := range personalSuffixes {
		if len(seg) >= len(s) && string(seg[len(seg)-len(s):]) == s {
			return true
		}
	}
	return false
}

// personalLastBytes marks the last bytes of personalSuffixes.
var personalLastBytes = func() (m [256]bool) {
	for _, s := range personalSuffixes {
		m[s[len(s)-1]] = true
	}
	return m
}()

// NameKey reports whether key's last segment is "name", a personal name when
// its object is a person (PersonObject).
func NameKey(key string) bool {
	var buf [64]byte
	return string(normalizeSegment(buf[:0], key)) == "name"
}

// PersonObject reports whether the object under key describes a person, given
// the object's "type" ("" when it has none).
func PersonObject(key, objectType string) bool {
	var buf [64]byte
	seg := normalizeSegment(buf[:0], key)
	found := false
	for _, s := range personObjects {
		if string(seg) == s {
			found = true
			break
		}
	}
	if !found {
		return false
	}
	if objectType == "" {
		return true
	}
	for _, t := range personTypes {
		if strings.EqualFold(objectType, t) {
			return true
		}
	}
	return false
}

// normalizeSegment appends key's last segment to dst, lower-cased, without
// separators. Segments longer than dst's capacity are cut: no suffix above
// matches a cut segment by accident, since the end is kept.
func normalizeSegment(dst []byte, key string) []byte {
	start := len(key)
	for start > 0 && key[start-1] != '.' && key[start-1] != '/' && key[start-1] != ':' && key[start-1] != '#' {
		start--
	}
	seg := key[start:]
	if room := cap(dst) - len(dst); len(seg) > room {
		seg = seg[len(seg)-room:]
	}
	for i := 0; i < len(seg); i++ {
		c := seg[i]
		switch {
		case c == '_' || c == '-' || c == ' ':
		case c >= 'A' && c <= 'Z':
			dst = append(dst, c+('a'-'A'))
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// KeyClass is what a key says about its values: PersonalKey, NameKey.
type KeyClass uint8

// The classes of a key.
const (
	KeyPersonal KeyClass = 1 << iota
	KeyName
)

// ClassifyKey is PersonalKey and NameKey of key at once, memoized: records
// carry the same keys over and over. Reads are lock-free (copy-on-write); the
// memo is bounded against records with many distinct keys.
func ClassifyKey(key string) KeyClass {
	if c, ok := (*keyClasses.Load())[key]; ok {
		return c
	}
	var c KeyClass
	if PersonalKey(key) {
		c |= KeyPersonal
	}
	if NameKey(key) {
		c |= KeyName
	}
	keyClassesMu.Lock()
	defer keyClassesMu.Unlock()
	if old := *keyClasses.Load(); len(old) < keyClassesMax {
		next := make(map[string]KeyClass, len(old)+1)
		for k, v := range old {
			next[k] = v
		}
		next[strings.Clone(key)] = c
		keyClasses.Store(&next)
	}
	return c
}

const keyClassesMax = 4096

var (
	keyClasses   atomic.Pointer[map[string]KeyClass]
	keyClassesMu sync.Mutex
)

func init() { keyClasses.Store(&map[string]KeyClass{}) }
