package poll // import "github.com/authtrail/authtrail/internal/poll"

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.uber.org/zap"
)

const checkpointKey = "checkpoint"

// checkpoint is what survives a restart. Its size does not grow with the
// backlog: Recent holds only ids that can reappear (those in the overlap).
type checkpoint struct {
	Version     int    `json:"version"`
	Fingerprint string `json:"fingerprint"`
	// Watermark is the end of the last completed pass.
	Watermark time.Time `json:"watermark"`
	// Pass is the pass in progress: resumed at Cursor after a restart.
	Pass *passState `json:"pass,omitempty"`
	// Recent maps event ids to their event time (Unix ns).
	Recent map[string]int64 `json:"recent,omitempty"`
}

type passState struct {
	Start  time.Time `json:"start"`
	End    time.Time `json:"end"`
	Cursor string    `json:"cursor"`
	// Previous holds the ids of the page before Cursor: offset cursors shift
	// when rows are inserted, and the shifted rows must not be sent twice.
	Previous []string `json:"previous,omitempty"`
}

const checkpointVersion = 1

// loadCheckpoint reads the stream's checkpoint. One that cannot be used (not
// decodable, another version, another fingerprint) starts a new stream, and
// says so at warn with the reason: the new stream reads initial_lookback
// again, which may deliver events twice. A store that cannot be read fails the
// start instead: guessing could skip events.
func (p *Poller) loadCheckpoint(ctx context.Context) (*checkpoint, error) {
	fresh := &checkpoint{Fingerprint: p.set.Fingerprint, Recent: map[string]int64{}}
	raw, err := p.client.Get(ctx, checkpointKey)
	if err != nil {
		return nil, fmt.Errorf("reading checkpoint: %w", err)
	}
	if raw == nil {
		return fresh, nil
	}
	const next = "starting a new stream from initial_lookback; events in it that were delivered before are delivered again"
	var cp checkpoint
	switch err := json.Unmarshal(raw, &cp); {
	case err != nil:
		p.logger.Warn("the checkpoint is unreadable; "+next, zap.Error(err))
		return fresh, nil
	case cp.Version != checkpointVersion:
		p.logger.Warn("the checkpoint was written by another version of authtrail; "+next,
			zap.Int("checkpoint_version", cp.Version), zap.Int("version", checkpointVersion))
		return fresh, nil
	case cp.Fingerprint != p.set.Fingerprint:
		p.logger.Warn("the configuration that defines the stream (endpoint, tenant, filters) changed; " + next)
		return fresh, nil
	}
	if cp.Recent == nil {
		cp.Recent = map[string]int64{}
	}
	return &cp, nil
}

// encode serialises the checkpoint; the caller holds the lock that guards it.
func (cp *checkpoint) encode() ([]byte, error) {
	cp.Version = checkpointVersion
	raw, err := json.Marshal(cp)
	if err != nil {
		return nil, fmt.Errorf("encoding checkpoint: %w", err)
	}
	return raw, nil
}

func saveCheckpoint(ctx context.Context, c storage.Client, raw []byte) error {
	if err := c.Set(ctx, checkpointKey, raw); err != nil {
		return fmt.Errorf("writing checkpoint: %w", err)
	}
	return nil
}

// remember adds a delivered id; the caller holds p.mu. At max_recent_ids the
// oldest tenth is evicted first, so the set never exceeds the bound however
// long passes fail while webhooks keep arriving (evicting in bulk keeps the
// sort rare). An evicted id read again in an overlap is delivered again.
func (p *Poller) remember(id string, t int64) {
	cp, max := p.cp, p.cfg.MaxRecentIDs
	if _, ok := cp.Recent[id]; !ok && len(cp.Recent) >= max {
		before := len(cp.Recent)
		cp.prune(time.Time{}, max-max/10-1)
		p.tb.AuthtrailPollRecentIdsEvicted.Add(context.Background(), int64(before-len(cp.Recent)), p.measure())
		p.logger.Warn("max_recent_ids reached: the oldest tenth of the delivered ids is forgotten; raise max_recent_ids if events in the overlap are delivered twice",
			zap.Int("max_recent_ids", max))
	}
	cp.Recent[id] = t
}

// prune drops ids older than keepFrom (unless zero), then the oldest beyond max.
func (cp *checkpoint) prune(keepFrom time.Time, max int) {
	if !keepFrom.IsZero() {
		from := keepFrom.UnixNano()
		for id, t := range cp.Recent {
			if t < from {
				delete(cp.Recent, id)
			}
		}
	}
	if len(cp.Recent) <= max {
		return
	}
	type entry struct {
		id string
		t  int64
	}
	all := make([]entry, 0, len(cp.Recent))
	for id, t := range cp.Recent {
		all = append(all, entry{id, t})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].t < all[j].t })
	for _, e := range all[:len(all)-max] {
		delete(cp.Recent, e.id)
	}
}
