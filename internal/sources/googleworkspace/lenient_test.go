package googleworkspace

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDecodeLenientlyKeepsOddValuesAsText(t *testing.T) {
	res, err := DecodeLeniently([]byte(`{"nextPageToken":"t2","items":[
	  {"id":{"time":"2026-11-30T12:00:00Z","uniqueQualifier":"not a number","applicationName":"login","customerId":"C1"},
	   "actor":{"email":7},
	   "events":[{"name":"login_success","parameters":[
	     {"name":"a","value":[1,"x"]},{"name":"b","intValue":"12"},{"name":"c","boolValue":"false"},
	     {"name":"d","multiValue":[true,null]},{"name":"e","multiIntValue":"9"},
	     {"name":"f","messageValue":{"parameter":[{"name":"g","intValue":1.5}]}}]}]},
	  {"id":{"time":"2026-11-30T12:00:00Z","uniqueQualifier":"also not","applicationName":"login","customerId":"C1"},
	   "events":[{"name":"login_success"}]}]}`))
	require.NoError(t, err)
	assert.Equal(t, "t2", res.NextPageToken)
	require.Len(t, res.Items, 2)
	a := res.Items[0]
	assert.Empty(t, a.Actor.Email, "a field of another type that has no text form is left out")
	ps := a.Events[0].Parameters
	assert.Equal(t, `[1,"x"]`, ps[0].Value)
	assert.Equal(t, int64(12), ps[1].IntValue)
	assert.False(t, ps[2].BoolValue)
	assert.Equal(t, []string{"true", "null"}, ps[3].MultiValue)
	assert.Equal(t, []string{"9"}, ps[4].MultiValue)
	assert.Equal(t, "1.5", ps[5].MessageValue.Parameter[0].Value)
	assert.NotZero(t, a.Id.UniqueQualifier)
	assert.NotEqual(t, a.Id.UniqueQualifier, res.Items[1].Id.UniqueQualifier, "odd qualifiers still tell activities apart")
	assert.NotEqual(t, EventID(a, 0), EventID(res.Items[1], 0))
}

// What the page's shape does not say is not guessed: such a page stays refused.
func TestDecodeLenientlyRefusesAnotherShape(t *testing.T) {
	for name, in := range map[string]string{
		"token":      `{"nextPageToken":5,"items":[]}`,
		"items":      `{"items":{"id":{}}}`,
		"item":       `{"items":["x"]}`,
		"events":     `{"items":[{"events":{"name":"x"}}]}`,
		"parameters": `{"items":[{"events":[{"name":"x","parameters":[1]}]}]}`,
		"truncated":  `{"items":[{"events":[`,
	} {
		_, err := DecodeLeniently([]byte(in))
		assert.Error(t, err, name)
	}
}
