package identityprocessor // import "github.com/authtrail/authtrail/processor/identityprocessor"

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/authtrail/authtrail/internal/schema"
	"github.com/authtrail/authtrail/internal/sources/registry"
)

// OCSF versions the ocsf profile writes.
const (
	OCSF18 = "1.8"
	OCSF19 = "1.9"
)

var (
	ocsfStatus   = map[int64]string{0: "Unknown", 1: "Success", 2: "Failure"}
	ocsfSeverity = map[int64]string{1: "Informational", 2: "Low", 3: "Medium", 4: "High", 5: "Critical"}
)

// toOCSF replaces the body of a record that has OCSF ids with the complete OCSF
// event (docs/schema.md#d1-actor-and-target: user.* → actor.user, user.target.* → user,
// user.effective.* → user with account_switch_type_id 2). Records without a
// class keep their body.
func toOCSF(lr plog.LogRecord, res pcommon.Resource, version string) {
	a := lr.Attributes()
	class := intAttr(a, schema.AttrOCSFClassUID)
	if class == 0 {
		return
	}
	ids := schema.OCSF{Class: class, Activity: intAttr(a, schema.AttrOCSFActivityID)}
	ids.ActivityName = strAttr(a, schema.AttrOCSFActivityName)
	semver := schema.OCSFVersion
	if version == OCSF19 {
		semver = "1.9.0"
		vendor, code := strAttr(a, schema.AttrEventProvider), strAttr(a, schema.AttrEventCode)
		if row, ok := registry.OCSF(vendor, code, schema.Action(strAttr(a, schema.AttrEventAction))); ok && row.Class19 != 0 {
			ids = row.V19()
		}
	}
	message := lr.Body().AsString()
	body := lr.Body().SetEmptyMap()
	body.EnsureCapacity(20)
	body.PutInt("class_uid", ids.Class)
	body.PutInt("category_uid", ids.CategoryUID())
	body.PutInt("activity_id", ids.Activity)
	if ids.ActivityName != "" {
		body.PutStr("activity_name", ids.ActivityName)
	}
	body.PutInt("type_uid", ids.TypeUID())
	sev := intAttr(a, schema.AttrOCSFSeverityID)
	body.PutInt("severity_id", sev)
	body.PutStr("severity", ocsfSeverity[sev])
	status := intAttr(a, schema.AttrOCSFStatusID)
	body.PutInt("status_id", status)
	body.PutStr("status", ocsfStatus[status])
	body.PutInt("time", lr.Timestamp().AsTime().UnixMilli())
	body.PutStr("message", message)
	copyStr(a, schema.AttrEventReason, body, "status_detail")

	meta := body.PutEmptyMap("metadata")
	meta.PutStr("version", semver)
	product := meta.PutEmptyMap("product")
	if v := strAttr(a, schema.AttrEventProvider); v != "" {
		product.PutStr("name", v)
		product.PutStr("vendor_name", v)
	}
	copyStr(a, schema.AttrEventID, meta, "uid")
	copyStr(a, schema.AttrEventCode, meta, "event_code")
	copyStr(a, schema.AttrCorrelationID, meta, "correlation_uid")
	copyStr(res.Attributes(), schema.AttrOrganizationID, meta, "tenant_uid")

	actor := ocsfUser(a, schema.ActorKeys)
	target := ocsfUser(a, schema.TargetKeys)
	effective := ocsfUser(a, schema.EffectiveKeys)
	if actor.Len() > 0 {
		actor.MoveTo(body.PutEmptyMap("actor").PutEmptyMap("user"))
	}
	switch {
	case effective.Len() > 0:
		effective.MoveTo(body.PutEmptyMap("user"))
		body.PutInt("account_switch_type_id", 2) // impersonation
	case target.Len() > 0:
		target.MoveTo(body.PutEmptyMap("user"))
	case ids.Class == schema.OCSFAuthentication || ids.Class == schema.OCSFAccountChange || ids.Class == schema.OCSFUserAccessMgmt ||
		ids.Class == schema.OCSFUserAccess19:
		// The authenticating user is the event's user too.
		ocsfUser(a, schema.ActorKeys).MoveTo(body.PutEmptyMap("user"))
	}
	if ip := strAttr(a, schema.AttrClientAddress); ip != "" {
		body.PutEmptyMap("src_endpoint").PutStr("ip", ip)
	}
	if ua := strAttr(a, schema.AttrUserAgentOriginal); ua != "" {
		body.PutEmptyMap("http_request").PutStr("user_agent", ua)
	}
	switch ids.Class {
	case schema.OCSFEntityManagement:
		entity := body.PutEmptyMap("entity")
		copyStr(a, schema.AttrTargetID, entity, "uid")
		copyStr(a, schema.AttrTargetName, entity, "name")
		copyStr(a, schema.AttrTargetType, entity, "type")
	case schema.OCSFUserAccessMgmt:
		privileges := body.PutEmptySlice("privileges")
		if roles, ok := a.Get(schema.ChangesKeys.Roles); ok && roles.Type() == pcommon.ValueTypeSlice {
			roles.Slice().CopyTo(privileges)
		} else if code := strAttr(a, schema.AttrEventCode); code != "" {
			privileges.AppendEmpty().SetStr(code)
		}
	case schema.OCSFGroupManagement:
		group := body.PutEmptyMap("group")
		copyStr(a, schema.AttrGroupID, group, "uid")
		copyStr(a, schema.AttrGroupName, group, "name")
	case schema.OCSFEmailActivity:
		body.PutInt("direction_id", 2) // outbound
		body.PutEmptyMap("email")
	}
}

func ocsfUser(a pcommon.Map, k schema.IdentityKeys) pcommon.Map {
	u := pcommon.NewMap()
	copyStr(a, k.ID, u, "uid")
	copyStr(a, k.Email, u, "email_addr")
	copyStr(a, k.Name, u, "name")
	copyStr(a, k.FullName, u, "full_name")
	return u
}

func copyStr(from pcommon.Map, key string, to pcommon.Map, as string) {
	if v := strAttr(from, key); v != "" {
		to.PutStr(as, v)
	}
}
