package asgardeo

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestChallenge(t *testing.T) {
	for q, want := range map[string]struct {
		status int
		body   string
	}{
		"hub.mode=subscribe&hub.topic=myorg.x.schema.wso2.v1.event.login&hub.challenge=c1&hub.lease_seconds=864000": {200, "c1"},
		"hub.mode=unsubscribe&hub.challenge=c2": {200, "c2"},
		"hub.mode=subscribe":                    {400, "missing hub.challenge"},
		"hub.challenge=c3":                      {400, "missing hub.mode: GET on this path is for WebSub verification only"},
		"hub.mode=denied&hub.challenge=c4":      {400, "unsupported hub.mode denied"},
	} {
		v, err := url.ParseQuery(q)
		assert.NoError(t, err)
		status, body := Challenge(v)
		assert.Equal(t, want.status, status, q)
		assert.Equal(t, want.body, body, q)
	}
}
