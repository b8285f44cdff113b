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

	// The other families of the same channel (the "Webhook Notifications" and
	// "Account Updater" / "Network Token Events" / CMP "Notifications" pages of
	// docs.verygoodsecurity.com): changes to the organization's vaults and routes
	// (which decide what the proxy reveals), and to the cards and network tokens
	// it holds. A route change alters what data leaves the vault: medium.
	"route.created":                         config(schema.ActionConfigCreate, "route", schema.SeverityMedium),
	"route.updated":                         config(schema.ActionConfigUpdate, "route", schema.SeverityMedium),
	"route.delete":                          config(schema.ActionConfigDelete, "route", schema.SeverityMedium), // the docs' spelling
	"route.deleted":                         config(schema.ActionConfigDelete, "route", schema.SeverityMedium),
	"vault.created":                         config(schema.ActionConfigCreate, "vault", schema.SeverityUnset),
	"au_card.enrolled":                      card(schema.ActionConfigCreate, ""),
	"au_card.updated":                       card(schema.ActionConfigUpdate, ""),
	"au_card.expired":                       card(schema.ActionConfigUpdate, ""),
	"au_card.closed":                        card(schema.ActionConfigUpdate, ""),
	"au_card.non_participating":             card(schema.ActionConfigUpdate, ""),
	"au_card.contact_cardholder_advice":     card(schema.ActionConfigUpdate, ""),
	"au_card.unknown":                       card(schema.ActionConfigUpdate, ""),
	"au_card.opt_out":                       card(schema.ActionConfigUpdate, ""),
	"cmp_au_card.enrolled":                  card(schema.ActionConfigCreate, ""),
	"cmp_au_card.enrollment_failed":         card(schema.ActionConfigCreate, schema.OutcomeFailure),
	"cmp_au_card.updated":                   card(schema.ActionConfigUpdate, ""),
	"cmp_au_card.expired":                   card(schema.ActionConfigUpdate, ""),
	"cmp_au_card.closed":                    card(schema.ActionConfigUpdate, ""),
	"cmp_au_card.non_participating":         card(schema.ActionConfigUpdate, ""),
	"cmp_au_card.contact_cardholder_advice": card(schema.ActionConfigUpdate, ""),
	"cmp_au_card.unknown":                   card(schema.ActionConfigUpdate, ""),
	"cmp_au_card.opt_out":                   card(schema.ActionConfigUpdate, ""),
	"network_token.updated":                 networkToken(schema.ActionConfigUpdate),
	"network_token.used":                    networkToken(schema.ActionConfigUpdate),
	"network_token.suspended":               networkToken(schema.ActionConfigUpdate),
	"network_token.activated":               networkToken(schema.ActionConfigUpdate),
	"network_token.deleted":                 networkToken(schema.ActionConfigDelete),
	"cmp_network_token.updated":             networkToken(schema.ActionConfigUpdate),
	// 3-D Secure: a cardholder's device fingerprinting or challenge, whose
	// details.success says how it ended (unknown when absent).
	"cmp_threeds.device_fingerprint":       threeDS(schema.OutcomeUnknown, "Device Fingerprint"),
	"cmp_threeds.device_fingerprint/true":  threeDS(schema.OutcomeSuccess, "Device Fingerprint"),
	"cmp_threeds.device_fingerprint/false": threeDS(schema.OutcomeFailure, "Device Fingerprint"),
	"cmp_threeds.challenge_result":         threeDS(schema.OutcomeUnknown, "3DS Challenge"),
	"cmp_threeds.challenge_result/true":    threeDS(schema.OutcomeSuccess, "3DS Challenge"),
	"cmp_threeds.challenge_result/false":   threeDS(schema.OutcomeFailure, "3DS Challenge"),
}

// configActivity is the OCSF Entity Management activity of a configuration action.
var configActivity = map[schema.Action]int64{
	schema.ActionConfigCreate: 1, schema.ActionConfigUpdate: 3, schema.ActionConfigDelete: 4,
}

func config(a schema.Action, target string, sev schema.Severity) schema.Mapping {
	return schema.Mapping{Action: a, TargetType: target, Severity: sev,
		OCSF: schema.OCSF{Class: schema.OCSFEntityManagement, Activity: configActivity[a]}}
}

// card is an Account Updater notice: the card network changed a stored card.
func card(a schema.Action, outcome schema.Outcome) schema.Mapping {
	m := config(a, "card", schema.SeverityInformational)
	m.Outcome = outcome
	return m
}

func networkToken(a schema.Action) schema.Mapping {
	return config(a, "network_token", schema.SeverityInformational)
}

func threeDS(outcome schema.Outcome, name string) schema.Mapping {
	return schema.Mapping{Action: schema.ActionVerify, Outcome: outcome, AuthMethod: "3ds", TargetType: "card",
		OCSF: schema.OCSF{Class: schema.OCSFAuthentication, Activity: schema.OCSFActivityOther, ActivityName: name}}
}

// targets says where the details of a non-user notification name its target:
// the id field and the name field, by target type.
var targets = map[string][2]string{
	"route":         {"route_id", "route_name"},
	"vault":         {"vault_id", "vault_name"},
	"card":          {"card_id", "card_last4"},
	"network_token": {"network_token_id", "pan_alias"},
}

// Mappings returns the VGS mapping table (for documentation and coverage tests).
func Mappings() map[string]schema.Mapping { return mappings }
