package asgardeo

import (
	"strings"

	"github.com/authtrail/authtrail/internal/schema"
	"github.com/authtrail/authtrail/internal/sources/vjson"
)

// readers read what the role, consent and purpose events add to their row
// (payloads of the "Webhook events and payloads" page of the Asgardeo and WSO2
// Identity Server documentation).
var readers = map[string]func(e *schema.Event, data vjson.Node){
	"roleCreated":     roleTarget,
	"roleMetaUpdated": roleTarget,
	"roleDeleted":     roleTarget,
	"rolePermissionsUpdated": func(e *schema.Event, data vjson.Node) {
		roleTarget(e, data)
		e.ChangeTo = strings.Join(data.Get("role", "addedPermissions").Strings(), ",")
		e.ChangeFrom = strings.Join(data.Get("role", "removedPermissions").Strings(), ",")
	},
	"roleUsersUpdated": func(e *schema.Event, data vjson.Node) {
		roleTarget(e, data)
		added, removed := data.Get("role", "addedUsers"), data.Get("role", "removedUsers")
		if added.Len()+removed.Len() == 1 { // one user: the target
			e.Target = identity(added.At(0))
			if removed.Len() == 1 {
				e.Target = identity(removed.At(0))
			}
		}
		roleChange(e, added.Len() > 0, removed.Len() > 0)
	},
	"roleGroupsUpdated":    roleGroups("Groups", "id"),
	"roleIdpGroupsUpdated": roleGroups("IdpGroups", "groupId"),
	"consentAdded":         consent,
	"consentRevoked":       consent,
	"purposeVersionAdded": func(e *schema.Event, data vjson.Node) {
		e.TargetID, e.TargetName = data.Str("purpose", "id"), data.Str("purpose", "name")
		e.ChangeTo = data.Str("purpose", "version", "version")
	},
}

func roleTarget(e *schema.Event, data vjson.Node) {
	e.TargetID, e.TargetName = data.Str("role", "id"), data.Str("role", "name")
}

// roleChange records the role granted (as the new roles, so that a privileged
// name is high severity) or taken away.
func roleChange(e *schema.Event, granted, revoked bool) {
	if granted {
		e.ChangeTo = e.TargetName
		e.Changes.Roles = []string{e.TargetName}
	}
	if revoked {
		e.ChangeFrom = e.TargetName
	}
}

// roleGroups reads the one group assigned to or unassigned from a role, from
// the role's added<list> and removed<list> (local groups carry "id", IdP
// groups "groupId").
func roleGroups(list, idField string) func(e *schema.Event, data vjson.Node) {
	return func(e *schema.Event, data vjson.Node) {
		roleTarget(e, data)
		added, removed := data.Get("role", "added"+list), data.Get("role", "removed"+list)
		if added.Len()+removed.Len() == 1 {
			g := added.At(0)
			if removed.Len() == 1 {
				g = removed.At(0)
			}
			e.GroupID, e.GroupName = g.Str(idField), g.Str("groupName")
		}
		roleChange(e, added.Len() > 0, removed.Len() > 0)
	}
}

func consent(e *schema.Event, data vjson.Node) {
	c := data.Get("consent")
	e.TargetID, e.TargetName = c.Str("purpose", "id"), c.Str("purpose", "name")
	e.ChangeTo = c.Str("state")
	e.AppName = c.Str("serviceId")
}
