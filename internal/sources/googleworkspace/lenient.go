package googleworkspace

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"strconv"

	reports "google.golang.org/api/admin/reports/v1"
)

// DecodeLeniently decodes an Activities page that the Reports API client
// refused because a field does not have the type Google documents: a
// parameter's value as a number, list or object, an int64 (intValue,
// multiIntValue, id.uniqueQualifier) unquoted or not a number, a boolValue
// as a string. Such parameter values are kept as text (in value or
// multiValue), and any other field of a wrong type is left out, so that the
// page's activities are delivered rather than the page refused for ever.
func DecodeLeniently(raw []byte) (*reports.Activities, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var page map[string]any
	if err := dec.Decode(&page); err != nil {
		return nil, err
	}
	if err := fixPage(page); err != nil {
		return nil, err
	}
	fixed, err := json.Marshal(page)
	if err != nil {
		return nil, err
	}
	res := &reports.Activities{}
	err = json.Unmarshal(fixed, res)
	var typeErr *json.UnmarshalTypeError
	if err != nil && !errors.As(err, &typeErr) {
		return nil, err
	}
	return res, nil
}

var errShape = errors.New("items, their events and parameters must be lists of objects")

// fixPage fixes the values the client would refuse. The page's shape is
// not guessed at: a list or object where the other is expected is an error,
// as is a nextPageToken that is not a string (dropped, the pass would end
// before the window's last pages).
func fixPage(page map[string]any) error {
	if tok, ok := page["nextPageToken"]; ok {
		if _, isStr := tok.(string); !isStr {
			return errors.New("nextPageToken: expected a string")
		}
	}
	items, err := objects(page["items"])
	if err != nil {
		return err
	}
	for _, a := range items {
		if id, ok := a["id"].(map[string]any); ok {
			fixQualifier(id)
		}
		events, err := objects(a["events"])
		if err != nil {
			return err
		}
		for _, e := range events {
			if err := fixParameters(e["parameters"]); err != nil {
				return err
			}
		}
	}
	return nil
}

// fixQualifier quotes a numeric uniqueQualifier; another value becomes a
// number derived from its text, so that activities it told apart keep
// distinct event ids.
func fixQualifier(id map[string]any) {
	q, ok := id["uniqueQualifier"]
	if !ok {
		return
	}
	if n := intText(q); n != nil {
		id["uniqueQualifier"] = n
		return
	}
	sum := sha256.Sum256([]byte(text(q)))
	id["uniqueQualifier"] = strconv.FormatInt(int64(binary.BigEndian.Uint64(sum[:8])), 10)
}

// objects is v as a list of objects: nil when absent, an error for another shape.
func objects(v any) ([]map[string]any, error) {
	if v == nil {
		return nil, nil
	}
	l, ok := v.([]any)
	if !ok {
		return nil, errShape
	}
	out := make([]map[string]any, 0, len(l))
	for _, x := range l {
		m, ok := x.(map[string]any)
		if !ok {
			return nil, errShape
		}
		out = append(out, m)
	}
	return out, nil
}

// fixParameters gives each parameter's values the types the client expects,
// moving a value that cannot have them into value (or multiValue) as text.
func fixParameters(params any) error {
	ps, err := objects(params)
	if err != nil {
		return err
	}
	for _, p := range ps {
		if v, ok := p["value"]; ok {
			p["value"] = text(v)
		}
		if v, ok := p["intValue"]; ok {
			if n := intText(v); n != nil {
				p["intValue"] = n
			} else {
				moveTo(p, "intValue", "value", text(v))
			}
		}
		if v, ok := p["boolValue"]; ok {
			if b, err := strconv.ParseBool(text(v)); err == nil {
				p["boolValue"] = b
			} else {
				moveTo(p, "boolValue", "value", text(v))
			}
		}
		if v, ok := p["multiValue"]; ok {
			p["multiValue"] = texts(v)
		}
		if v, ok := p["multiIntValue"]; ok {
			fixMultiInt(p, v)
		}
		if m, ok := p["messageValue"].(map[string]any); ok {
			if err := fixParameters(m["parameter"]); err != nil {
				return err
			}
		}
		for _, m := range list(p["multiMessageValue"]) {
			if m, ok := m.(map[string]any); ok {
				if err := fixParameters(m["parameter"]); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// fixMultiInt quotes multiIntValue's numbers, or moves the whole list to
// multiValue as text when one is not an integer.
func fixMultiInt(p map[string]any, v any) {
	var quoted []any
	for _, x := range list(v) {
		n := intText(x)
		if n == nil {
			moveTo(p, "multiIntValue", "multiValue", texts(v))
			return
		}
		quoted = append(quoted, n)
	}
	if _, isList := v.([]any); !isList {
		moveTo(p, "multiIntValue", "multiValue", texts(v))
		return
	}
	p["multiIntValue"] = quoted
}

// moveTo replaces field from by field to, unless to holds a value already.
func moveTo(p map[string]any, from, to string, v any) {
	delete(p, from)
	if _, ok := p[to]; !ok {
		p[to] = v
	}
}

// intText is v as the quoted int64 the client expects, or nil.
func intText(v any) any {
	s := text(v)
	if _, err := strconv.ParseInt(s, 10, 64); err != nil {
		return nil
	}
	return s
}

// text is a string as is, any other JSON value as its JSON text.
func text(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	}
	raw, _ := json.Marshal(v) // decoded JSON always marshals
	return string(raw)
}

// texts is a list's items as text, a single value as a list of one.
func texts(v any) []string {
	items, ok := v.([]any)
	if !ok {
		return []string{text(v)}
	}
	out := make([]string, 0, len(items))
	for _, x := range items {
		out = append(out, text(x))
	}
	return out
}

func list(v any) []any {
	l, _ := v.([]any)
	return l
}
