package identityprocessor // import "github.com/authtrail/authtrail/processor/identityprocessor"

import (
	"net/netip"
	"strings"
	"unicode/utf8"

	"github.com/valyala/fastjson"

	"github.com/authtrail/authtrail/internal/schema"
)

// looksLikeJSON reports whether s may be a JSON object or array.
func looksLikeJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\r', '\n':
		case '{', '[':
			return true
		default:
			return false
		}
	}
	return false
}

// jsonText walks JSON text; in the scrub pass it returns the text with its
// personal fields replaced, unchanged (same formatting) when none was. ok is
// false when s is not JSON.
func (p *personal) jsonText(s string, ps pass) (out string, ok bool) {
	parser := p.s.parsers.Get()
	defer p.s.parsers.Put(parser)
	root, err := parser.Parse(s)
	if err != nil {
		if ps == collectPass {
			lenientFields(s, p.add) // the scrub pass replaces them as known values
		}
		return s, false
	}
	var arena *fastjson.Arena
	if ps == scrubPass {
		arena = p.s.arenas.Get()
		defer p.s.arenas.Put(arena)
	}
	w := jsonWalk{p: p, ps: ps, arena: arena}
	if w.value(root, "", nil) == nil && !w.changed {
		return s, true
	}
	return string(root.MarshalTo(nil)), true
}

// jsonWalk is one pass over a parsed JSON document.
type jsonWalk struct {
	p       *personal
	ps      pass
	arena   *fastjson.Arena // scrub pass only
	changed bool
}

// value walks v, found under key; it returns v's replacement when v is a
// string that changed, else nil.
func (w *jsonWalk) value(v *fastjson.Value, key string, whole func(*fastjson.Value) *fastjson.Value) *fastjson.Value {
	if whole != nil {
		return whole(v)
	}
	switch v.Type() {
	case fastjson.TypeString:
		s := string(v.GetStringBytes())
		if w.ps == collectPass {
			w.p.collectText(s)
			return nil
		}
		if out := w.p.text(s); out != s {
			return w.arena.NewString(out)
		}
	case fastjson.TypeObject:
		w.object(v, key)
	case fastjson.TypeArray:
		for i, e := range v.GetArray() {
			if r := w.value(e, key, nil); r != nil {
				v.SetArrayItem(i, r)
				w.changed = true
			}
		}
	}
	return nil
}

func (w *jsonWalk) object(v *fastjson.Value, key string) {
	o := v.GetObject()
	typ := string(o.Get("type").GetStringBytes())
	person := schema.PersonObject(key, typ)
	claim := personalClaim(string(o.Get("uri").GetStringBytes()), string(o.Get("name").GetStringBytes()),
		string(o.Get("key").GetStringBytes()), typ)
	o.Visit(func(kb []byte, e *fastjson.Value) {
		k := string(kb)
		var whole func(*fastjson.Value) *fastjson.Value
		if schema.PersonalKey(k) || (person && schema.NameKey(k)) || (claim && k == "value") {
			whole = w.whole
		}
		if r := w.value(e, k, whole); r != nil {
			o.Set(k, r) // replaces the value in place
			w.changed = true
		}
	})
}

// whole collects, or replaces whole, a value under a personal key.
func (w *jsonWalk) whole(v *fastjson.Value) *fastjson.Value {
	switch v.Type() {
	case fastjson.TypeObject:
		v.GetObject().Visit(func(kb []byte, e *fastjson.Value) {
			if r := w.whole(e); r != nil {
				v.GetObject().Set(string(kb), r)
				w.changed = true
			}
		})
	case fastjson.TypeArray:
		for i, e := range v.GetArray() {
			if r := w.whole(e); r != nil {
				v.SetArrayItem(i, r)
				w.changed = true
			}
		}
	case fastjson.TypeString, fastjson.TypeNumber:
		s := string(v.GetStringBytes())
		if v.Type() == fastjson.TypeNumber {
			s = v.String()
		}
		if w.ps == collectPass {
			w.p.add(s)
		} else if s != "" {
			return w.arena.NewString(w.p.replacementOf(s))
		}
	}
	return nil
}

// lenientFields calls fn with the text of each string under a personal key
// in JSON the parser refused (a trailing comma, a cut), by the same rules as
// for parsed JSON, read from the string literals and the brackets around them.
func lenientFields(s string, fn func(string)) {
	type frame struct {
		key                  string // the key the object or array is under
		array, person, claim bool
	}
	stack := []frame{{}}
	key := "" // the key read last in the current object
	for i := 0; i < len(s); i++ {
		top := &stack[len(stack)-1]
		under := key
		if top.array {
			under = top.key
		}
		switch s[i] {
		case '{', '[':
			stack = append(stack, frame{key: under, array: s[i] == '[', person: s[i] == '{' && schema.PersonObject(under, "")})
			key = ""
		case '}', ']':
			if len(stack) > 1 {
				stack = stack[:len(stack)-1]
			}
			key = ""
		case '"':
			end := i + 1
			for end < len(s) && s[end] != '"' {
				if s[end] == '\\' {
					end++
				}
				end++
			}
			lit := s[i+1 : min(end, len(s))]
			i = end
			colon := end + 1
			for colon < len(s) && (s[colon] == ' ' || s[colon] == '\t' || s[colon] == '\r' || s[colon] == '\n') {
				colon++
			}
			if !top.array && colon < len(s) && s[colon] == ':' {
				key, i = lit, colon
				continue
			}
			if schema.PersonalKey(under) || (top.person && schema.NameKey(under)) || (top.claim && under == "value") {
				fn(lit)
			}
			if (under == "uri" || under == "name" || under == "key" || under == "type") && personalClaim(lit) {
				top.claim = true
			}
		}
	}
}

// scanText replaces the email addresses, phone numbers (a "+" and 7 to 15
// digits) and IP addresses in s.
func (p *personal) scanText(s string) string {
	if !mayHoldPersonal(s) {
		return s
	}
	var out []byte // nil until the first replacement
	last := 0
	replace := func(start, end int, with string) {
		if s[start:end] == with {
			return
		}
		out = append(append(out, s[last:start]...), with...)
		last = end
	}
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '@':
			if start, end, ok := emailAt(s, i, last); ok {
				replace(start, end, p.replacementOf(s[start:end]))
				i = end
				continue
			}
		case c == '+' && (i == 0 || !isWordByte(s[i-1])):
			if end, ok := phoneAt(s, i); ok {
				replace(i, end, p.replacementOf(s[i:end]))
				i = end
				continue
			}
		case (isHexByte(c) || c == ':') && (i == 0 || !isTokenByte(s[i-1]) || (c == ':' && isWordByte(s[i-1]))):
			end := i
			for end < len(s) && (isHexByte(s[end]) || s[end] == '.' || s[end] == ':') {
				end++
			}
			if end < len(s) && isWordByte(s[end]) {
				for end < len(s) && isWordByte(s[end]) {
					end++
				}
				i = end
				continue
			}
			if ipStart, ipEnd, addr, ok := ipAfterLabel(s[i:end]); ok {
				replace(i+ipStart, i+ipEnd, p.ipReplacement(addr))
			}
			i = end
			continue
		}
		i++
	}
	if out == nil {
		return s
	}
	return string(append(out, s[last:]...))
}

func (p *personal) ipReplacement(addr netip.Addr) string {
	if p.s.mode == PIIHash {
		return truncateAddr(addr)
	}
	return redacted
}

// Bytes that email addresses, phone numbers and IP addresses need.
const (
	hasAt byte = 1 << iota
	hasPlus
	hasColon
	hasDot
	hasDigit
)

var textBytes = func() (t [256]byte) {
	t['@'], t['+'], t[':'], t['.'] = hasAt, hasPlus, hasColon, hasDot
	for c := '0'; c <= '9'; c++ {
		t[c] = hasDigit
	}
	return t
}()

// mayHoldPersonal rules out most text in one pass: an email address needs an
// '@', a phone number a '+', an IPv6 address two colons, an IPv4 address
// three dots and digits (so URLs and versions are ruled out too).
func mayHoldPersonal(s string) bool {
	colons, dots, digits := 0, 0, false
	for i := 0; i < len(s); i++ {
		switch textBytes[s[i]] {
		case 0:
		case hasAt, hasPlus:
			return true
		case hasColon:
			colons++
		case hasDot:
			dots++
		case hasDigit:
			digits = true
		}
	}
	return colons >= 2 || (dots >= 3 && digits)
}

// emailAt finds the email address around the '@' at i, not before from.
func emailAt(s string, at, from int) (start, end int, ok bool) {
	start = at
	for start > from && isLocalByte(s[start-1]) {
		start--
	}
	end = at + 1
	for end < len(s) && (isAlnum(s[end]) || s[end] >= utf8.RuneSelf || s[end] == '-' || s[end] == '.') {
		end++
	}
	for end > at+1 && (s[end-1] == '.' || s[end-1] == '-') {
		end-- // a full stop ends the sentence, not the domain
	}
	dot := at + 1 + strings.LastIndexByte(s[at+1:end], '.') // within the domain: text before it may be long
	if start == at || dot <= at || dot >= end-2 {
		return 0, 0, false
	}
	for _, c := range []byte(s[dot+1 : end]) {
		if !isLetter(c) && c < utf8.RuneSelf { // an internationalized top-level domain too
			return 0, 0, false
		}
	}
	return start, end, true
}

// phoneAt finds a phone number starting with the '+' at i. A number longer
// than any phone number ends before its group of digits that makes it so
// ("+447700900123 - 2026-11-30").
func phoneAt(s string, i int) (end int, ok bool) {
	digits := 0
	groupDigits, groupEnd := 0, 0 // the number up to the last separator
	for j := i + 1; j < len(s); j++ {
		c := s[j]
		if c >= '0' && c <= '9' {
			if digits == 15 {
				return groupEnd, groupDigits >= 7
			}
			digits++
			end = j + 1
			continue
		}
		if c != ' ' && c != '-' && c != '(' && c != ')' && c != '.' {
			break
		}
		groupDigits, groupEnd = digits, end
	}
	if end < len(s) && isWordByte(s[end]) {
		return 0, false
	}
	return end, digits >= 7 && digits <= 15
}

// ipIn reports whether the token (hex digits, dots and colons) is an IP
// address, possibly followed by a port or a full stop; end is where it ends.
func ipIn(tok string) (end int, addr netip.Addr, ok bool) {
	dots, colons := strings.Count(tok, "."), strings.Count(tok, ":")
	if dots < 3 && colons < 2 {
		return 0, netip.Addr{}, false
	}
	t := strings.TrimRight(tok, ".")
	if addr, err := netip.ParseAddr(t); err == nil {
		return len(t), addr, true
	}
	if host, _, found := strings.Cut(t, ":"); found && colons == 1 {
		if addr, err := netip.ParseAddr(host); err == nil && addr.Is4() {
			return len(host), addr, true
		}
	}
	return 0, netip.Addr{}, false
}

// ipAfterLabel is ipIn of tok, else of what follows its first colon when a
// label precedes it ("IP:203.0.113.77", "client_ip:…" reach here as
// ":203.0.113.77"); the address is tok[start:end].
func ipAfterLabel(tok string) (start, end int, addr netip.Addr, ok bool) {
	if end, addr, ok = ipIn(tok); ok {
		return 0, end, addr, true
	}
	colon := strings.IndexByte(tok, ':')
	if colon < 0 || strings.IndexByte(tok[:colon], '.') >= 0 {
		return 0, 0, netip.Addr{}, false
	}
	end, addr, ok = ipIn(tok[colon+1:])
	return colon + 1, colon + 1 + end, addr, ok
}

func truncateIP(s string) string {
	addr, err := netip.ParseAddr(s)
	if err != nil {
		return redacted
	}
	return truncateAddr(addr)
}

// truncateAddr keeps an address's /24 (IPv4) or /48 (IPv6).
func truncateAddr(addr netip.Addr) string {
	bits := 24
	if addr.Is6() && !addr.Is4In6() {
		bits = 48
	}
	prefix, err := addr.Unmap().WithZone("").Prefix(bits)
	if err != nil {
		return redacted
	}
	return prefix.Addr().String()
}

func isLetter(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }
func isAlnum(c byte) bool  { return isLetter(c) || (c >= '0' && c <= '9') }
func isHexByte(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}
func isWordByte(c byte) bool  { return isAlnum(c) || c == '_' }
func isTokenByte(c byte) bool { return isWordByte(c) || c == '.' || c == ':' }
func isLocalByte(c byte) bool {
	return isAlnum(c) || c >= utf8.RuneSelf || c == '.' || c == '_' || c == '%' || c == '+' || c == '-'
}
