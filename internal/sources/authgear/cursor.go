package authgear

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/authtrail/authtrail/internal/schema"
)

// Cursor is where the next page of a window starts. Authgear orders the audit
// log by created_at alone and its cursors are offsets: rows sharing a
// created_at may come in another order for another offset, so a blind offset
// can skip a tied row at a page boundary. The next page starts instead at the
// page's last created_at (rangeFrom is inclusive), and drops the rows at that
// instant the page already returned (Seen). Only a run of rows at one instant
// that fills a whole page is paged by Authgear's offset within it (After): the
// API offers nothing finer.
type Cursor struct {
	From  time.Time `json:"from"`            // rangeFrom of the page
	After string    `json:"after,omitempty"` // Authgear's cursor, within the rows at From
	Seen  []string  `json:"seen,omitempty"`  // keys (seenKey) of rows at From already returned
}

// ParseCursor reads the poll cursor of a window starting at start: "" is the
// window's first page, and a cursor that is not ours (an Authgear offset
// cursor an earlier version saved) is followed as it was. One that does not
// decode starts the window again: the rows delivered are dropped by event id.
func ParseCursor(s string, start time.Time) Cursor {
	if !strings.HasPrefix(s, "{") {
		return Cursor{From: start, After: s}
	}
	var c Cursor
	if err := json.Unmarshal([]byte(s), &c); err != nil || c.From.Before(start) {
		return Cursor{From: start}
	}
	return c
}

// RangeFrom is the rangeFrom variable of the cursor's page.
func (c Cursor) RangeFrom() string { return c.From.UTC().Format(time.RFC3339Nano) }

var (
	errEmptyPageWithNext = errors.New("hasNextPage on a page without rows")
	errNoProgress        = errors.New("the page does not advance: every row is at or before rangeFrom and endCursor is the one sent")
)

// Continue drops from p the rows c says were returned already, and returns
// the cursor of the page after p ("" after the last page) in a window ending
// at end. A page that would lead back to itself is an error, so that a broken
// answer cannot loop; a row claiming a time at or after end cannot move the
// next page past the rows before it.
func Continue(c Cursor, end time.Time, p *Page) (string, error) {
	last, n := lastCreated(p.Logs, end)
	dropSeen(p.Logs, c.Seen)
	if !p.HasNext {
		return "", nil
	}
	var next Cursor
	switch {
	case n == 0:
		return "", errEmptyPageWithNext
	case last.After(c.From):
		next = Cursor{From: last, Seen: keysAt(p.Logs, last)}
	case p.Cursor == "" || p.Cursor == c.After:
		return "", errNoProgress
	default: // a run of rows at From longer than a page
		next = Cursor{From: c.From, After: p.Cursor, Seen: c.Seen}
	}
	raw, err := json.Marshal(next)
	return string(raw), err
}

// lastCreated is the latest created_at before end of the page's rows
// (records carry it as their time), and how many rows the page has.
func lastCreated(ld plog.Logs, end time.Time) (last time.Time, n int) {
	schema.EachRecord(ld, func(lr plog.LogRecord) bool {
		if t := lr.Timestamp().AsTime(); t.After(last) && t.Before(end) {
			last = t
		}
		n++
		return true
	})
	return last, n
}

// keysAt lists the keys of the rows of ld created at t, at most a page's
// worth: a broken answer with more rows does not grow the cursor, and the
// poll loop drops by event id the rows a key would have.
func keysAt(ld plog.Logs, t time.Time) []string {
	var keys []string
	schema.EachRecord(ld, func(lr plog.LogRecord) bool {
		if id := eventID(lr); id != "" && lr.Timestamp().AsTime().Equal(t) {
			keys = append(keys, seenKey(id))
		}
		return len(keys) < PageSize
	})
	return keys
}

// dropSeen removes the records whose event id has a key in seen.
func dropSeen(ld plog.Logs, seen []string) {
	if len(seen) == 0 {
		return
	}
	set := make(map[string]struct{}, len(seen))
	for _, k := range seen {
		set[k] = struct{}{}
	}
	schema.RemoveRecords(ld, func(lr plog.LogRecord) bool {
		id := eventID(lr)
		_, ok := set[seenKey(id)]
		return id != "" && ok
	})
}

func eventID(lr plog.LogRecord) string {
	v, _ := lr.Attributes().Get(schema.AttrEventID)
	return v.Str()
}

// seenKey is a short, fixed-size stand-in for an event id (12 bytes of its
// SHA-256), so that a cursor stays small whatever ids the vendor sends.
func seenKey(id string) string {
	sum := sha256.Sum256([]byte(id))
	return base64.RawURLEncoding.EncodeToString(sum[:12])
}
