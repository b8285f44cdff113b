package asgardeo // import "github.com/authtrail/authtrail/internal/sources/asgardeo"

import (
	"net/http"
	"net/url"
)

// Challenge answers a WebSub intent verification (a GET with hub.mode,
// hub.topic, hub.challenge): Asgardeo sends one per subscribed event group when a
// webhook is activated (subscribe) or deactivated (unsubscribe), and expects the
// exact challenge back as the body of a 2xx answer. Anything else is a 400.
func Challenge(query url.Values) (status int, body string) {
	switch query.Get("hub.mode") {
	case "subscribe", "unsubscribe":
	case "":
		return http.StatusBadRequest, "missing hub.mode: GET on this path is for WebSub verification only"
	default:
		return http.StatusBadRequest, "unsupported hub.mode " + query.Get("hub.mode")
	}
	challenge := query.Get("hub.challenge")
	if challenge == "" {
		return http.StatusBadRequest, "missing hub.challenge"
	}
	return http.StatusOK, challenge
}
