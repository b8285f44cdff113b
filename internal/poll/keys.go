package poll // import "github.com/authtrail/authtrail/internal/poll"

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"go.opentelemetry.io/collector/confmap"
)

// RejectUnknownKeys fails on keys of conf that no field of cfg decodes. The
// collector checks this itself, except in a struct that squashes one with its
// own Unmarshal (confighttp.ClientConfig): there unknown keys are ignored, and
// a misspelled setting silently keeps its default. Structs that unmarshal
// themselves below the top are left to their own check.
func RejectUnknownKeys(conf *confmap.Conf, cfg any) error {
	var unknown []string
	collectUnknown(conf.ToStringMap(), reflect.TypeOf(cfg), "", &unknown)
	if len(unknown) == 0 {
		return nil
	}
	slices.Sort(unknown)
	return fmt.Errorf("has invalid keys: %s", strings.Join(unknown, ", "))
}

var unmarshalerType = reflect.TypeFor[confmap.Unmarshaler]()

func collectUnknown(m map[string]any, t reflect.Type, prefix string, unknown *[]string) {
	fields := map[string]reflect.Type{}
	if !fieldsOf(t, fields) {
		return // a ",remain" field takes any key
	}
	for key, v := range m {
		ft, ok := fields[key]
		if !ok {
			*unknown = append(*unknown, prefix+key)
			continue
		}
		sub, isMap := v.(map[string]any)
		if st := structOf(ft); isMap && st != nil && !reflect.PointerTo(st).Implements(unmarshalerType) {
			collectUnknown(sub, st, prefix+key+"::", unknown)
		}
	}
}

// fieldsOf adds the keys t decodes, following squashed structs; false when a
// field takes the remaining keys.
func fieldsOf(t reflect.Type, fields map[string]reflect.Type) bool {
	t = structOf(t)
	if t == nil {
		return false
	}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("mapstructure"), ",")
		switch {
		case name == "-":
		case slices.Contains(strings.Split(opts, ","), "remain"):
			return false
		case slices.Contains(strings.Split(opts, ","), "squash"):
			if !fieldsOf(f.Type, fields) {
				return false
			}
		case name == "":
			fields[f.Name] = f.Type
		default:
			fields[name] = f.Type
		}
	}
	return true
}

// structOf is t, or what t points to, if that is a struct.
func structOf(t reflect.Type) reflect.Type {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	return t
}
