package vgs // import "github.com/authtrail/authtrail/internal/sources/vgs"

import "github.com/authtrail/authtrail/internal/schema"

// mappings is the VGS table of docs/schema.md#vgs, keyed by the notification "event".
var mappings = map[string]schema.Mapping{
	"user.logged_in": {
		Action: schema.ActionLogin,
		OCSF:   schema.OCSF{Class: schema.OCSFAuthentication, Activity: 1},
	},
	"user.permissions_updated": {
		Action: schema.ActionUserPermissionUpdate,
		OCSF:   schema.OCSF{Class: schema.OCSFUserAccessMgmt, Activity: 1, Class19: schema.OCSFUserAccess19, Activity19: 14},
	},
	"user.permissions_deleted": {
		Action: schema.ActionUserPermissionRemove,
		OCSF:   schema.OCSF{Class: schema.OCSFUserAccessMgmt, Activity: 2, Class19: schema.OCSFUserAccess19, Activity19: 15},
	},
	"user.password_updated": {
		Action: schema.ActionPasswordChange,
		OCSF:   schema.OCSF{Class: schema.OCSFAccountChange, Activity: 3, Class19: schema.OCSFUserAccess19, Activity19: 8},
	},
	"user.mfa_created": {
		Action: schema.ActionMFAEnable,
		OCSF:   schema.OCSF{Class: schema.OCSFAccountChange, Activity: 10, Class19: schema.OCSFUserAccess19, Activity19: 12},
	},
	"user.mfa_deleted": {
		Action: schema.ActionMFADisable,
		OCSF:   schema.OCSF{Class: schema.OCSFAccountChange, Activity: 11, Class19: schema.OCSFUserAccess19, Activity19: 13},
	},
}

// Mappings returns the VGS mapping table (for documentation and coverage tests).
func Mappings() map[string]schema.Mapping { return mappings }
