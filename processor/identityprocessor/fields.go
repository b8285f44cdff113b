package identityprocessor // import "github.com/authtrail/authtrail/processor/identityprocessor"

import (
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/authtrail/authtrail/internal/schema"
)

// fieldIndex names an attribute the policy reads.
type fieldIndex uint8

const (
	fieldAction fieldIndex = iota
	fieldProvider
	fieldSeverity
	fieldOCSFSeverity
	fieldChangedRoles
	fieldClientAddress
	fieldUserID
	fieldUserEmail
	fieldUserName
	fieldRelatedUser
	fieldRelatedIP
	fieldOCSFClass
	numFields
)

// fieldKeys are the attribute keys of the fields, by index.
var fieldKeys = [numFields]string{
	fieldAction:        schema.AttrEventAction,
	fieldProvider:      schema.AttrEventProvider,
	fieldSeverity:      schema.AttrSeverity,
	fieldOCSFSeverity:  schema.AttrOCSFSeverityID,
	fieldChangedRoles:  schema.ChangesKeys.Roles,
	fieldClientAddress: schema.AttrClientAddress,
	fieldUserID:        schema.ActorKeys.ID,
	fieldUserEmail:     schema.ActorKeys.Email,
	fieldUserName:      schema.ActorKeys.Name,
	fieldRelatedUser:   schema.AttrRelatedUser,
	fieldRelatedIP:     schema.AttrRelatedIP,
	fieldOCSFClass:     schema.AttrOCSFClassUID,
}

// fieldTypes are the types the schema gives the fields; a value of another
// type is malformed and reads as absent.
var fieldTypes = [numFields]pcommon.ValueType{
	fieldAction:        pcommon.ValueTypeStr,
	fieldProvider:      pcommon.ValueTypeStr,
	fieldSeverity:      pcommon.ValueTypeStr,
	fieldOCSFSeverity:  pcommon.ValueTypeInt,
	fieldChangedRoles:  pcommon.ValueTypeSlice,
	fieldClientAddress: pcommon.ValueTypeStr,
	fieldUserID:        pcommon.ValueTypeStr,
	fieldUserEmail:     pcommon.ValueTypeStr,
	fieldUserName:      pcommon.ValueTypeStr,
	fieldRelatedUser:   pcommon.ValueTypeSlice,
	fieldRelatedIP:     pcommon.ValueTypeSlice,
	fieldOCSFClass:     pcommon.ValueTypeInt,
}

// fieldsByLength are the fields by the length of their key: most attribute
// keys are ruled out by their length alone, the rest compared with one or two.
var fieldsByLength = func() (l [64][]fieldIndex) {
	for i, k := range fieldKeys {
		l[len(k)] = append(l[len(k)], fieldIndex(i))
	}
	return l
}()

func fieldOf(k string) (fieldIndex, bool) {
	if len(k) >= len(fieldsByLength) {
		return 0, false
	}
	for _, i := range fieldsByLength[len(k)] {
		if k == fieldKeys[i] {
			return i, true
		}
	}
	return 0, false
}

// fields are the policy's attributes of one record, found in one pass over
// the map instead of one scan per key. The values point into the map and are
// valid until it grows. A field of the wrong type is not found, and marked
// malformed.
type fields struct {
	vals      [numFields]pcommon.Value
	found     uint16
	malformed uint16
}

func readFields(a pcommon.Map) fields {
	var f fields
	for k, v := range a.All() {
		if i, ok := fieldOf(k); ok {
			if v.Type() != fieldTypes[i] {
				f.malformed |= 1 << i
				continue
			}
			f.vals[i] = v
			f.found |= 1 << i
		}
	}
	return f
}

func (f *fields) has(i fieldIndex) bool { return f.found&(1<<i) != 0 }

// str is the field as a string, or "" when absent.
func (f *fields) str(i fieldIndex) string {
	if !f.has(i) {
		return ""
	}
	return f.vals[i].Str()
}

// strAttr is m[k] when it is a string, else "": a value of another type is
// malformed and reads as absent.
func strAttr(m pcommon.Map, k string) string {
	if v, ok := m.Get(k); ok && v.Type() == pcommon.ValueTypeStr {
		return v.Str()
	}
	return ""
}

// intAttr is m[k] when it is an integer, else 0.
func intAttr(m pcommon.Map, k string) int64 {
	if v, ok := m.Get(k); ok && v.Type() == pcommon.ValueTypeInt {
		return v.Int()
	}
	return 0
}
