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
	numFields
)

// fieldKeys maps attribute keys to the fields the policy reads.
var fieldKeys = map[string]fieldIndex{
	schema.AttrEventAction:    fieldAction,
	schema.AttrEventProvider:  fieldProvider,
	schema.AttrSeverity:       fieldSeverity,
	schema.AttrOCSFSeverityID: fieldOCSFSeverity,
	schema.ChangesKeys.Roles:  fieldChangedRoles,
	schema.AttrClientAddress:  fieldClientAddress,
	schema.ActorKeys.ID:       fieldUserID,
	schema.ActorKeys.Email:    fieldUserEmail,
	schema.ActorKeys.Name:     fieldUserName,
}

// fields are the policy's attributes of one record, found in one pass over
// the map instead of one scan per key. The values point into the map and are
// valid until it grows.
type fields struct {
	vals  [numFields]pcommon.Value
	found uint16
}

func readFields(a pcommon.Map) fields {
	var f fields
	for k, v := range a.All() {
		if i, ok := fieldKeys[k]; ok {
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
