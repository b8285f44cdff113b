package authgear

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authtrail/authtrail/internal/schema"
	"github.com/authtrail/authtrail/internal/sources"
	"github.com/authtrail/authtrail/internal/sources/sourcetest"
)

var (
	t0  = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	end = t0.Add(time.Hour) // the window's end
)

// row is an audit row: its data.id and its createdAt, seconds after t0.
type row struct {
	id  string
	sec int
}

// auditPage renders an auditLogs answer holding rows.
func auditPage(t *testing.T, hasNext bool, endCursor string, rows ...row) Page {
	t.Helper()
	var edges []string
	for _, r := range rows {
		edges = append(edges, fmt.Sprintf(`{"cursor":"c","node":{"id":"n-%s","activityType":"USER_AUTHENTICATED",
			"createdAt":%q,"data":{"id":%q,"type":"user.authenticated","payload":{}}}}`,
			r.id, t0.Add(time.Duration(r.sec)*time.Second).Format(time.RFC3339), r.id))
	}
	raw := fmt.Sprintf(`{"data":{"auditLogs":{"edges":[%s],"pageInfo":{"hasNextPage":%t,"endCursor":%q}}}}`,
		strings.Join(edges, ","), hasNext, endCursor)
	p, err := DecodePage([]byte(raw), "myapp", sources.Options{})
	require.NoError(t, err)
	return p
}

func ids(p Page) []string {
	var out []string
	for _, lr := range sourcetest.Records(p.Logs) {
		out = append(out, sourcetest.Attr(lr, schema.AttrEventID))
	}
	return out
}

// The page after a boundary inside a run of tied rows starts at their
// createdAt and drops the tied rows already returned: whatever order the
// server gives tied rows, none is skipped and none is returned twice.
func TestContinueFromTheLastCreatedAt(t *testing.T) {
	start := ParseCursor("", t0)
	assert.Equal(t, "2026-11-30T12:00:00Z", start.RangeFrom())
	assert.Empty(t, start.After)

	first := auditPage(t, true, "offset-2", row{"a", 0}, row{"b", 1}, row{"c", 1})
	next, err := Continue(start, end, &first)
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b", "c"}, ids(first))
	cur := ParseCursor(next, t0)
	assert.Equal(t, t0.Add(time.Second), cur.From, "inclusive: the rest of the run comes next")
	assert.Empty(t, cur.After, "no offset: an offset would count tied rows in another order")
	assert.Len(t, cur.Seen, 2)

	// The server gives the run in another order, with a row the first page lacked.
	second := auditPage(t, false, "", row{"c", 1}, row{"d", 1}, row{"b", 1}, row{"e", 2})
	next, err = Continue(cur, end, &second)
	require.NoError(t, err)
	assert.Equal(t, []string{"d", "e"}, ids(second))
	assert.Empty(t, next, "the last page")
}

// A run of tied rows that fills a page is paged by Authgear's own cursor
// within it, still dropping the rows the page before returned.
func TestContinueInsideARunLongerThanAPage(t *testing.T) {
	cur := Cursor{From: t0.Add(time.Second), Seen: []string{seenKey("b")}}
	page := auditPage(t, true, "offset-3", row{"b", 1}, row{"x", 1}, row{"y", 1})
	next, err := Continue(cur, end, &page)
	require.NoError(t, err)
	assert.Equal(t, []string{"x", "y"}, ids(page))
	within := ParseCursor(next, t0)
	assert.Equal(t, Cursor{From: cur.From, After: "offset-3", Seen: cur.Seen}, within)

	page = auditPage(t, true, "offset-6", row{"z", 1}, row{"b", 1}, row{"f", 5})
	next, err = Continue(within, end, &page)
	require.NoError(t, err)
	assert.Equal(t, []string{"z", "f"}, ids(page))
	assert.Equal(t, Cursor{From: t0.Add(5 * time.Second), Seen: []string{seenKey("f")}}, ParseCursor(next, t0))
}

// A broken answer that would lead back to the same page is an error, never
// a loop; a cursor that is not ours is followed as Authgear's.
func TestContinueRefusesAPageThatDoesNotAdvance(t *testing.T) {
	cur := Cursor{From: t0, After: "offset-3"}
	page := auditPage(t, true, "offset-3", row{"a", 0})
	_, err := Continue(cur, end, &page)
	assert.ErrorIs(t, err, errNoProgress)

	page = auditPage(t, true, "", row{"a", 0})
	_, err = Continue(Cursor{From: t0}, end, &page)
	assert.ErrorIs(t, err, errNoProgress)

	page = auditPage(t, true, "offset-9")
	_, err = Continue(Cursor{From: t0}, end, &page)
	assert.ErrorIs(t, err, errEmptyPageWithNext)

	// A row past the window's end (a broken clock or rendering) is delivered
	// but leaves the next page to Authgear's cursor, skipping nothing.
	page = auditPage(t, true, "offset-1", row{"a", 0}, row{"late", 7200})
	next, err := Continue(Cursor{From: t0}, end, &page)
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "late"}, ids(page))
	assert.Equal(t, Cursor{From: t0, After: "offset-1"}, ParseCursor(next, t0))

	assert.Equal(t, Cursor{From: t0, After: "b2Zmc2V0Ojk5"}, ParseCursor("b2Zmc2V0Ojk5", t0), "an earlier version's offset cursor")
	assert.Equal(t, Cursor{From: t0}, ParseCursor("{not json", t0), "unreadable: the window again")
}

// A page with more rows than Authgear sends does not grow the cursor past a
// page's worth of keys.
func TestCursorStaysSmall(t *testing.T) {
	var rows []row
	for i := range 3 * PageSize {
		rows = append(rows, row{fmt.Sprintf("r%d", i), 0}, row{fmt.Sprintf("s%d", i), 1})
	}
	page := auditPage(t, true, "offset", rows...)
	next, err := Continue(Cursor{From: t0}, end, &page)
	require.NoError(t, err)
	assert.Equal(t, PageSize, len(ParseCursor(next, t0).Seen))
	assert.Less(t, len(next), 2200)
}
