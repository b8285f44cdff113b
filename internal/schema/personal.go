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
func PersonalKey(key string) bool {
	var buf [64]byte
	seg := normalizeSegment(buf[:0], key)
	for _, s := range personalSuffixes {
		if len(seg) >= len(s) && string(seg[len(seg)-len(s):]) == s {
			return true
		}
	}
	return false
}

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
	start := strings.LastIndexAny(key, "./:#") + 1
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
