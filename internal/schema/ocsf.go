package schema // import "github.com/authtrail/authtrail/internal/schema"

// OCSF classes authtrail maps to (OCSF 1.8.0 unless noted).
const (
	OCSFAccountChange          = 3001
	OCSFAuthentication         = 3002
	OCSFAuthorizeSession       = 3003
	OCSFEntityManagement       = 3004
	OCSFUserAccessMgmt         = 3005
	OCSFGroupManagement        = 3006
	OCSFUserAccess19           = 3007 // 1.9 "User Access" style class that replaces 3001/3005
	OCSFEmailActivity          = 4009
	OCSFActivityOther          = 99
	OCSFStatusUnknown    int64 = 0
	OCSFStatusSuccess    int64 = 1
	OCSFStatusFailure    int64 = 2
)

// OCSF is the OCSF class and activity of one vendor event. A zero Class means
// the event has no OCSF mapping and carries no ocsf.* attributes.
type OCSF struct {
	Class        int64
	Activity     int64
	ActivityName string // set when Activity is 99 (Other)
	// Class19 and Activity19 are the OCSF 1.9 ids where docs/schema.md#vendor-mappings gives them;
	// zero means "same as 1.8".
	Class19    int64
	Activity19 int64
}

// CategoryUID is the OCSF category of the class (3 IAM, 4 network/email …).
func (o OCSF) CategoryUID() int64 { return o.Class / 1000 }

// TypeUID is class_uid*100 + activity_id.
func (o OCSF) TypeUID() int64 { return o.Class*100 + o.Activity }

// V19 returns the ids to use when OCSF 1.9 output is selected.
func (o OCSF) V19() OCSF {
	if o.Class19 == 0 {
		return o
	}
	return OCSF{Class: o.Class19, Activity: o.Activity19}
}

// StatusID maps an outcome to OCSF status_id.
func (o Outcome) StatusID() int64 {
	switch o {
	case OutcomeSuccess:
		return OCSFStatusSuccess
	case OutcomeFailure:
		return OCSFStatusFailure
	}
	return OCSFStatusUnknown
}
