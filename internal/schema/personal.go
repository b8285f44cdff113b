package schema // import "github.com/authtrail/authtrail/internal/schema"

import "strings"

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
func PersonalKey(key string) bool { return ClassifyKey(key)&KeyPersonal != 0 }

// NameKey reports whether key's last segment is "name", a personal name when
// its object is a person (PersonObject).
func NameKey(key string) bool { return ClassifyKey(key)&KeyName != 0 }

// PersonObject reports whether the object under key describes a person, given
// the object's "type" ("" when it has none). A plural key ("users",
// "members") names one: an array's elements are under the array's key.
func PersonObject(key, objectType string) bool {
	var buf [64]byte
	seg := normalizeSegment(buf[:0], key)
	singular := seg
	if len(seg) > 1 && seg[len(seg)-1] == 's' {
		singular = seg[:len(seg)-1]
	}
	found := false
	for _, s := range personObjects {
		if string(seg) == s || string(singular) == s {
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
	for start > 0 && !segmentSeparator(key[start-1]) {
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

// ClassifyKey is PersonalKey and NameKey of key at once. It compares from
// the end of the key, skipping separators within the last segment, and rules
// most keys out by the last four letters of that segment.
func ClassifyKey(key string) KeyClass {
	tail, ok := lastFour(key)
	if h := tailHash(tail); !ok || tailSet[h>>6]&(1<<(h&63)) == 0 {
		return 0 // every suffix has four letters or more, and few keys end like one
	}
	var c KeyClass
	for i, t := range suffixTails {
		if t == tail {
			if _, ok := segmentEndsWith(key, personalSuffixes[i]); ok {
				c |= KeyPersonal
				break
			}
		}
	}
	if tail == nameTail {
		if rest, ok := segmentEndsWith(key, "name"); ok && (rest == 0 || segmentSeparator(key[rest-1])) {
			c |= KeyName
		}
	}
	return c
}

// tailOf packs the last four letters of s.
func tailOf(s string) uint32 {
	return uint32(s[len(s)-4])<<24 | uint32(s[len(s)-3])<<16 | uint32(s[len(s)-2])<<8 | uint32(s[len(s)-1])
}

// tailHash spreads tails over the 256 bits of tailSet.
func tailHash(tail uint32) uint32 { return (tail * 0x9e3779b1) >> 24 }

var (
	nameTail = tailOf("name")
	// tailSet marks the hashes of the suffixes' and "name"'s tails.
	tailSet = func() (set [4]uint64) {
		for _, s := range append(personalSuffixes[:], "name") {
			h := tailHash(tailOf(s))
			set[h>>6] |= 1 << (h & 63)
		}
		return set
	}()
	suffixTails = func() (t [len(personalSuffixes)]uint32) {
		for i, s := range personalSuffixes {
			t[i] = tailOf(s)
		}
		return t
	}()
)

// lastFour packs the last four letters of key's last segment, lower-cased,
// without '_', '-' and ' '; ok is false when the segment has fewer.
func lastFour(key string) (uint32, bool) {
	var tail uint32
	n := 0
	for i := len(key) - 1; i >= 0 && n < 4; i-- {
		c := key[i]
		if segmentSeparator(c) {
			break
		}
		if c == '_' || c == '-' || c == ' ' {
			continue
		}
		tail |= uint32(lower(c)) << (8 * n)
		n++
	}
	return tail, n == 4
}

// segmentEndsWith reports whether key's last segment ends with suffix, read
// as normalizeSegment would; rest is where the match starts in key.
func segmentEndsWith(key, suffix string) (rest int, ok bool) {
	i := len(key)
	for j := len(suffix) - 1; j >= 0; {
		if i == 0 {
			return 0, false
		}
		c := key[i-1]
		i--
		switch {
		case segmentSeparator(c):
			return 0, false
		case c == '_' || c == '-' || c == ' ':
		case lower(c) != suffix[j]:
			return 0, false
		default:
			j--
		}
	}
	for i > 0 && (key[i-1] == '_' || key[i-1] == '-' || key[i-1] == ' ') {
		i--
	}
	return i, true
}

func segmentSeparator(c byte) bool { return c == '.' || c == '/' || c == ':' || c == '#' }

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
