package identityprocessor // import "github.com/authtrail/authtrail/processor/identityprocessor"

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/valyala/fastjson"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/authtrail/authtrail/internal/schema"
)

// scrubber applies pii: hash or drop (docs/schema.md#d11-pii-modes) to a record. The
// schema's identities become their hashes (hash) or go (drop), the client IPs
// are truncated (hash) or go (drop); then every other value, at any depth of
// the attributes and the body, loses the personal data it holds: the values
// under personal keys (schema.PersonalKey; "name" in an object that describes
// a person; the "value" of a personal claim), and inside any text the
// record's personal values, email addresses, phone numbers and IP addresses.
// Text holding JSON (event.original, a JSON body) is scrubbed field by field.
type scrubber struct {
	mode    string
	macs    sync.Pool // *macState; Reset between uses
	parsers fastjson.ParserPool
	arenas  fastjson.ArenaPool
}

// macState is an HMAC-SHA256 keyed with the salt, with room for its input
// and sum, so that a hash allocates only its text.
type macState struct {
	mac hash.Hash
	in  []byte
	sum [sha256.Size]byte
}

func newScrubber(mode, salt string) *scrubber {
	s := &scrubber{mode: mode}
	key := []byte(salt)
	s.macs.New = func() any { return &macState{mac: hmac.New(sha256.New, key)} }
	return s
}

// identityRoles are the identities of a record, with the key of their hash.
var identityRoles = [...]struct {
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
	m := s.macs.Get().(*macState)
	m.in = appendLower(m.in[:0], v)
	m.mac.Reset()
	m.mac.Write(m.in)
	var text [32]byte
	hex.Encode(text[:], m.mac.Sum(m.sum[:0])[:16])
	if cap(m.in) > 1<<10 {
		m.in = nil // no pooled buffer keeps a long value
	}
	s.macs.Put(m)
	return string(text[:])
}

// appendLower appends strings.ToLower(v) to dst, without a copy of v for
// ASCII text.
func appendLower(dst []byte, v string) []byte {
	for i := 0; i < len(v); i++ {
		if v[i] >= utf8.RuneSelf {
			return append(dst, strings.ToLower(v)...)
		}
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

// scrubState is what the scrub of a batch keeps from one record to the
// next: the last hashes computed, since the same people recur in a batch,
// and the buffers of the known personal values.
type scrubState struct {
	hashes [16]struct{ value, hash string }
	next   int // the entry of hashes written next
	values []string
	repl   []string
	keys   keyMemo
}

// keyMemo remembers what the keys of the batch's last record said, by
// attribute index: the records of a batch mostly share their keys, in the
// same order, and a key's class depends on the key alone.
type keyMemo struct {
	key          [64]string
	class        [64]schema.KeyClass
	personPrefix [64]bool // a name key whose object's key names a person
}

// classify is schema.ClassifyKey of the key at index i, and whether it is a
// name key under a key that names a person (schema.PersonObject).
func (m *keyMemo) classify(i int, k string) (class schema.KeyClass, personPrefix bool) {
	if i < len(m.key) && m.key[i] == k {
		return m.class[i], m.personPrefix[i]
	}
	class = schema.ClassifyKey(k)
	if class&schema.KeyName != 0 {
		dot := strings.LastIndexByte(k, '.')
		personPrefix = dot > 0 && schema.PersonObject(k[:dot], "")
	}
	if i < len(m.key) {
		m.key[i], m.class[i], m.personPrefix[i] = k, class, personPrefix
	}
	return class, personPrefix
}

// replacement is what a personal value becomes.
func (s *scrubber) replacement(v string, st *scrubState) string {
	if s.mode != PIIHash {
		return redacted
	}
	for _, e := range st.hashes {
		if e.hash != "" && e.value == v {
			return e.hash
		}
	}
	h := s.hash(v)
	st.hashes[st.next].value, st.hashes[st.next].hash = v, h
	st.next = (st.next + 1) % len(st.hashes)
	return h
}

// scrub applies the mode to a record, whether or not the processor decoded
// it. st is the batch's state, shared by the records of one batch only.
func (s *scrubber) scrub(lr plog.LogRecord, st *scrubState) {
	if s.mode == PIIKeep {
		return
	}
	a := lr.Attributes()
	known := personal{s: s, st: st, values: st.values[:0], repl: st.repl[:0]}
	s.scrubIdentities(a, &known)
	s.scrubIPs(a)
	if v, ok := a.Get(schema.AttrRelatedUser); ok && v.Type() != pcommon.ValueTypeSlice {
		a.Remove(schema.AttrRelatedUser) // malformed: an identity we cannot read
	}
	// No attribute is removed from here on: the scrub pass reuses the
	// collect pass's classes by index.
	var classes attrClasses
	known.walkAttributes(a, collectPass, &classes)
	known.walkValue(lr.Body(), "", collectPass)
	s.scrubRelatedUsers(a, &known)
	known.walkAttributes(a, scrubPass, &classes)
	known.walkValue(lr.Body(), "", scrubPass)
	st.values, st.repl = known.values, known.repl // grown buffers serve the next record
}

// scrubIdentities hashes (hash) the schema's identity roles and removes their
// emails and names; the values become known personal values of the record.
// One pass over the attributes finds every role's fields.
func (s *scrubber) scrubIdentities(a pcommon.Map, known *personal) {
	var roles [len(identityRoles)]struct{ id, email, name, full string }
	a.RemoveIf(func(k string, v pcommon.Value) bool {
		if !strings.HasPrefix(k, "user.") {
			return false
		}
		str := ""
		if v.Type() == pcommon.ValueTypeStr {
			str = v.Str()
		}
		for i, role := range identityRoles {
			switch k {
			case role.keys.ID:
				roles[i].id = str
				return false
			case role.keys.Email:
				roles[i].email = str
			case role.keys.Name:
				roles[i].name = str
			case role.keys.FullName:
				roles[i].full = str
			default:
				continue
			}
			if v.Type() != pcommon.ValueTypeStr {
				known.whole(v, collectPass) // malformed (an array, bytes): its copies elsewhere go too
			}
			return true // an email or a name, of any type
		}
		return false
	})
	for i, r := range roles {
		known.add(r.email)
		known.add(r.name)
		known.add(r.full)
		if subject := first(r.email, r.id, r.name); subject != "" && s.mode == PIIHash {
			a.PutStr(identityRoles[i].hash, known.replacementOf(subject))
		}
	}
}

// scrubRelatedUsers hashes (hash) or removes (drop) the identities in
// related.user that hold personal data; opaque vendor ids stay. A
// related.user that is not an array of strings is removed.
func (s *scrubber) scrubRelatedUsers(a pcommon.Map, known *personal) {
	related, ok := a.Get(schema.AttrRelatedUser)
	if !ok || related.Type() != pcommon.ValueTypeSlice {
		return
	}
	related.Slice().RemoveIf(func(v pcommon.Value) bool {
		if v.Type() != pcommon.ValueTypeStr {
			return true
		}
		if !known.has(v.Str()) && known.text(v.Str()) == v.Str() {
			return false
		}
		if s.mode == PIIHash {
			v.SetStr(known.replacementOf(v.Str()))
			return false
		}
		return true
	})
}

// scrubIPs truncates client IPs to /24 and /48 (hash) or removes them (drop).
// Values of another type than the schema's are removed.
func (s *scrubber) scrubIPs(a pcommon.Map) {
	if s.mode == PIIDrop {
		a.Remove(schema.AttrClientAddress)
		a.Remove(schema.AttrRelatedIP)
		return
	}
	if v, ok := a.Get(schema.AttrClientAddress); ok {
		if v.Type() != pcommon.ValueTypeStr {
			a.Remove(schema.AttrClientAddress)
		} else {
			v.SetStr(truncateIP(v.Str()))
		}
	}
	if v, ok := a.Get(schema.AttrRelatedIP); ok {
		if v.Type() != pcommon.ValueTypeSlice {
			a.Remove(schema.AttrRelatedIP)
			return
		}
		v.Slice().RemoveIf(func(e pcommon.Value) bool {
			if e.Type() != pcommon.ValueTypeStr {
				return true
			}
			e.SetStr(truncateIP(e.Str()))
			return false
		})
	}
}

// pass is one of the two walks over a record: the first collects the values
// under personal keys, the second replaces them, and those values wherever
// else they appear.
type pass uint8

const (
	collectPass pass = iota
	scrubPass
)

// handledAttr reports whether k is scrubbed by its own rules before the walk.
func handledAttr(k string, v pcommon.Value) bool {
	switch k {
	case schema.AttrRelatedUser, schema.AttrRelatedIP, schema.AttrClientAddress:
		return true
	case "user.hash", "user.target.hash", "user.changes.hash", "user.effective.hash": // identityRoles' hashes
		return isHash(v)
	}
	return false
}

// isHash reports whether v looks like a hash this scrubber wrote (32 hex digits).
func isHash(v pcommon.Value) bool {
	if v.Type() != pcommon.ValueTypeStr || len(v.Str()) != 32 {
		return false
	}
	for _, c := range []byte(v.Str()) {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// An attribute's class says how the scrub pass handles it.
const (
	attrOther    uint8 = iota // walked: text scanned, maps and arrays entered
	attrPersonal              // under a personal key: replaced whole
	attrHandled               // scrubbed by its own rule before the walk
)

// attrClasses are the classes the collect pass found, by attribute index;
// attributes past its size are classified again.
type attrClasses struct {
	class            [64]uint8
	n                int
	changeIsPersonal bool              // authtrail.change.field names personal data
	types            map[string]string // objectType's index; nil until needed
}

// objectType is the type of the object prefix names: the attribute
// prefix+".type". A record with many attributes has it read from an index
// built once, since a scan of the map per attribute would cost time
// quadratic in their number.
func (c *attrClasses) objectType(a pcommon.Map, prefix string) string {
	if a.Len() <= len(c.class) {
		return strAttr(a, prefix+".type")
	}
	if c.types == nil {
		c.types = map[string]string{}
		for k, v := range a.All() {
			if p, ok := strings.CutSuffix(k, ".type"); ok && v.Type() == pcommon.ValueTypeStr {
				if _, seen := c.types[p]; !seen { // the first, as Get finds it
					c.types[p] = v.Str()
				}
			}
		}
	}
	return c.types[prefix]
}

// walkAttributes walks a record's attributes. Their keys are flattened paths
// ("fillout.actor.name"): the object of an entry is the key's prefix, and the
// object's type is the prefix's "type" entry.
func (p *personal) walkAttributes(a pcommon.Map, ps pass, classes *attrClasses) {
	if ps == collectPass {
		field := strAttr(a, schema.AttrChangeField)
		classes.changeIsPersonal = field != "" && schema.ClassifyKey(field) != 0
	}
	i := 0
	for k, v := range a.All() {
		var c uint8
		switch {
		case ps == scrubPass && i < classes.n:
			c = classes.class[i]
		default:
			class, personPrefix := p.st.keys.classify(i, k)
			c = classifyAttr(a, k, v, class, personPrefix, classes)
			if i < len(classes.class) {
				classes.class[i], classes.n = c, i+1
			}
		}
		i++
		switch c {
		case attrPersonal:
			p.whole(v, ps)
		case attrOther:
			p.walkValue(v, k, ps)
		}
	}
}

// classifyAttr classifies the attribute k, whose key's class (keyMemo) is
// given.
func classifyAttr(a pcommon.Map, k string, v pcommon.Value, class schema.KeyClass, personPrefix bool, classes *attrClasses) uint8 {
	if handledAttr(k, v) {
		return attrHandled
	}
	if class&schema.KeyPersonal != 0 || (classes.changeIsPersonal && (k == schema.AttrChangeFrom || k == schema.AttrChangeTo)) {
		return attrPersonal
	}
	if personPrefix {
		// The name of a person: the prefix names a person object whose type
		// (a sibling attribute) does not say otherwise.
		prefix := k[:strings.LastIndexByte(k, '.')]
		if schema.PersonObject(prefix, classes.objectType(a, prefix)) {
			return attrPersonal
		}
	}
	return attrOther
}

// walkValue walks v, found under key.
func (p *personal) walkValue(v pcommon.Value, key string, ps pass) {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		if ps == collectPass {
			p.collectText(v.Str())
		} else if out := p.text(v.Str()); out != v.Str() {
			v.SetStr(out)
		}
	case pcommon.ValueTypeBytes:
		if ps == scrubPass {
			in := string(v.Bytes().AsRaw())
			if out := p.text(in); out != in {
				v.SetEmptyBytes().FromRaw([]byte(out))
			}
		}
	case pcommon.ValueTypeMap:
		p.walkMap(v.Map(), key, ps)
	case pcommon.ValueTypeSlice:
		s := v.Slice()
		for i := 0; i < s.Len(); i++ {
			p.walkValue(s.At(i), key, ps) // an array's elements are under its key
		}
	}
}

// walkMap walks an object found under key.
func (p *personal) walkMap(m pcommon.Map, key string, ps pass) {
	person := schema.PersonObject(key, strAttr(m, "type"))
	claim := personalClaim(strAttr(m, "uri"), strAttr(m, "name"), strAttr(m, "key"), strAttr(m, "type"))
	for k, v := range m.All() {
		class := schema.ClassifyKey(k)
		if class&schema.KeyPersonal != 0 || (person && class&schema.KeyName != 0) || (claim && k == "value") {
			p.whole(v, ps)
			continue
		}
		p.walkValue(v, k, ps)
	}
}

// personalClaim reports whether an object naming a claim ({"uri":
// ".../givenname", "value": "John"}, {"type": "email", "value": …}) holds a
// personal value.
func personalClaim(names ...string) bool {
	for _, n := range names {
		if n != "" && (schema.PersonalKey(n) || schema.NameKey(n)) {
			return true
		}
	}
	return false
}

// whole handles a value under a personal key: collected, or replaced whole
// (every leaf of a map or an array).
func (p *personal) whole(v pcommon.Value, ps pass) {
	switch v.Type() {
	case pcommon.ValueTypeMap:
		for _, e := range v.Map().All() {
			p.whole(e, ps)
		}
	case pcommon.ValueTypeSlice:
		for i := 0; i < v.Slice().Len(); i++ {
			p.whole(v.Slice().At(i), ps)
		}
	case pcommon.ValueTypeStr, pcommon.ValueTypeInt, pcommon.ValueTypeDouble, pcommon.ValueTypeBytes:
		s := v.AsString()
		if v.Type() == pcommon.ValueTypeBytes {
			s = string(v.Bytes().AsRaw()) // the text its copies elsewhere hold, not base64
		}
		if ps == collectPass {
			p.add(s)
		} else if s != "" {
			v.SetStr(p.replacementOf(s))
		}
	}
}

// maxKnownValues bounds the known personal values a record's text is
// searched for (the longest are kept): the search costs their number times
// the text's length, so a record crafted with thousands would cost time
// quadratic in its size. Values past it are still replaced where they stand
// and in related.user.
const maxKnownValues = 64

// personal is a record's known personal values, longest first, so that an
// email address is replaced whole before a name inside it. Each value's
// replacement is computed once per record.
type personal struct {
	s      *scrubber
	st     *scrubState
	values []string
	repl   []string            // "" until computed
	more   map[string]struct{} // values past maxKnownValues; nil until there are some
}

func (p *personal) add(v string) {
	if v == "" || p.has(v) {
		return
	}
	i := 0
	for i < len(p.values) && len(p.values[i]) >= len(v) {
		i++
	}
	if i == maxKnownValues {
		p.addMore(v)
		return
	}
	p.values = slices.Insert(p.values, i, v)
	p.repl = slices.Insert(p.repl, i, "")
	if len(p.values) > maxKnownValues { // the shortest makes room
		p.addMore(p.values[maxKnownValues])
		p.values, p.repl = p.values[:maxKnownValues], p.repl[:maxKnownValues]
	}
}

func (p *personal) addMore(v string) {
	if p.more == nil {
		p.more = map[string]struct{}{}
	}
	p.more[v] = struct{}{}
}

func (p *personal) has(v string) bool {
	if slices.Contains(p.values, v) {
		return true
	}
	_, ok := p.more[v]
	return ok
}

// replacementOf is the hash or redaction of v, memoized for known values.
func (p *personal) replacementOf(v string) string {
	if i := slices.Index(p.values, v); i >= 0 {
		return p.replacementAt(i)
	}
	return p.s.replacement(v, p.st)
}

func (p *personal) replacementAt(i int) string {
	if p.repl[i] == "" {
		p.repl[i] = p.s.replacement(p.values[i], p.st)
	}
	return p.repl[i]
}

// text is s with the record's known personal values (longest first), email
// addresses, phone numbers and IP addresses replaced; JSON text is scrubbed
// field by field.
func (p *personal) text(s string) string {
	if looksLikeJSON(s) {
		if out, ok := p.jsonText(s, scrubPass); ok {
			return out
		}
	}
	out := s
	for i, pv := range p.values {
		if len(pv) > 2 && strings.Contains(out, pv) {
			out = strings.ReplaceAll(out, pv, p.replacementAt(i))
		}
	}
	return p.scanText(out)
}

// collectText collects the personal values of JSON text.
func (p *personal) collectText(s string) {
	if looksLikeJSON(s) {
		p.jsonText(s, collectPass)
	}
}

func first(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
