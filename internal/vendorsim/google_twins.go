package vendorsim // import "github.com/authtrail/authtrail/internal/vendorsim"

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"time"
)

// Google's login application reports users' own account changes (2-step
// verification, password, recovery info, ...) that user_accounts reports, each
// application as its own activity: the same id.time, actor, event type and
// name, another uniqueQualifier. The mock adds such a twin in login for every
// user_accounts activity it generates or inserts (all its user_accounts events
// are account changes).

// googleTwins maps an application to the one that reports each of its
// activities again.
var googleTwins = map[string]string{"user_accounts": "login"}

// twinned returns the application whose activities app reports again.
func twinned(app string) (string, bool) {
	for from, to := range googleTwins {
		if to == app {
			return from, true
		}
	}
	return "", false
}

// eventRow returns the row of an activity's event in tables (googleEvents): a
// twin's event numbers past its application's own rows, into the rows of the
// application it twins.
func eventRow[R any](tables map[string][]R, app string, event uint8) R {
	own := tables[app]
	if int(event) < len(own) {
		return own[event]
	}
	from, _ := twinned(app)
	return tables[from][int(event)-len(own)]
}

// twinEvent numbers in app the twin of the other application's event.
func twinEvent(app string, event uint8) uint8 {
	if _, ok := twinned(app); ok {
		return event + uint8(len(googleEvents[app]))
	}
	return event - uint8(len(googleEvents[googleTwins[app]]))
}

// otherCopy names the application reporting app's account changes again.
func otherCopy(app string) (string, bool) {
	if to, ok := googleTwins[app]; ok {
		return to, true
	}
	return twinned(app)
}

// addTwins adds the twins of app's new activities; the caller holds g.mu.
func (g *ReportsAPI) addTwins(r *rand.Rand, app string, added []gActivity) {
	to, ok := googleTwins[app]
	if !ok || len(added) == 0 {
		return
	}
	rows := g.apps[to]
	for _, a := range added {
		rows = append(rows, g.twin(r, to, a))
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].ms < rows[j].ms })
	g.apps[to] = rows
}

// twin is a's copy in the application to, published after a delay of its own
// from Late (r nil: when a is); the caller holds g.mu.
func (g *ReportsAPI) twin(r *rand.Rand, to string, a gActivity) gActivity {
	g.qual++
	a.qual, a.event = g.qual, twinEvent(to, a.event)
	if r != nil {
		a.delay = delayMillis(g.Late.Delay(r))
	}
	return a
}

// InsertAlone adds app's copy of an account change at t without the other
// application's copy, as when Google shows one copy before the other;
// InsertTwin adds the other later.
func (g *ReportsAPI) InsertAlone(app string, t time.Time) (Activity, error) {
	if _, ok := otherCopy(app); !ok {
		return Activity{}, fmt.Errorf("%s reports no account changes", app)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.qual++
	a := gActivity{ms: t.UnixMilli(), qual: g.qual}
	if _, ok := twinned(app); ok {
		a.event = twinEvent(app, 0)
	}
	g.insert(app, a)
	return a.describe(app), nil
}

// InsertTwin adds the other application's copy of the account change a and
// returns it.
func (g *ReportsAPI) InsertTwin(a Activity) (Activity, error) {
	to, ok := otherCopy(a.Application)
	if !ok {
		return Activity{}, fmt.Errorf("%s reports no account changes", a.Application)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, row := range g.apps[a.Application] {
		if row.qual == a.UniqueQualifier {
			t := g.twin(nil, to, row)
			g.insert(to, t)
			return t.describe(to), nil
		}
	}
	return Activity{}, fmt.Errorf("no %s activity %d", a.Application, a.UniqueQualifier)
}

// insert adds a to app's rows, oldest first, after those of its millisecond;
// the caller holds g.mu.
func (g *ReportsAPI) insert(app string, a gActivity) {
	rows := g.apps[app]
	i := sort.Search(len(rows), func(i int) bool { return rows[i].ms > a.ms })
	g.apps[app] = slices.Insert(rows, i, a)
}
