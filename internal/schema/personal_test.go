package schema

import "testing"

func TestClassifyKey(t *testing.T) {
	for key, want := range map[string]KeyClass{
		"user.email": KeyPersonal, "user_email": KeyPersonal, "givenName": KeyPersonal,
		"authgear.payload.user.standard_attributes.family_name": KeyPersonal,
		"http://wso2.org/claims/lastname":                       KeyPersonal,
		"phone_number":                                          KeyPersonal, "recipient": KeyPersonal, "login_id": KeyPersonal,
		"preferred_username": KeyPersonal, "emailAddresses": KeyPersonal, "Mobile": KeyPersonal,
		"name": KeyName, "fillout.actor.name": KeyName, "_name": KeyName,
		"event.id": 0, "event.provider": 0, "user.id": 0, "email_verified": 0, "org_name": 0,
		"organization.name": KeyName, "email.forwarding": 0, "": 0, "e": 0, "names": 0,
	} {
		if got := ClassifyKey(key); got != want {
			t.Errorf("ClassifyKey(%q) = %d, want %d", key, got, want)
		}
	}
}

func TestPersonObject(t *testing.T) {
	for _, c := range []struct {
		key, typ string
		want     bool
	}{
		{"user", "", true}, {"fillout.actor", "member", true}, {"payload.target", "user", true},
		{"payload.target", "group", false}, {"actor", "system", false}, {"standard_attributes", "", true},
		{"organization", "", false}, {"userStore", "", false},
		// An array's elements are under its key: each of "users" is a user.
		{"role.users", "", true}, {"members", "user", true}, {"members", "group", false}, {"groups", "", false},
		{"s", "", false},
	} {
		if got := PersonObject(c.key, c.typ); got != c.want {
			t.Errorf("PersonObject(%q, %q) = %v", c.key, c.typ, got)
		}
	}
}
