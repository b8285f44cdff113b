package poll // import "github.com/authtrail/authtrail/internal/poll"

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"go.opentelemetry.io/collector/extension/xextension/storage"
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

func loadCheckpoint(ctx context.Context, c storage.Client) (*checkpoint, error) {
	raw, err := c.Get(ctx, checkpointKey)
	if err != nil {
		return nil, fmt.Errorf("reading checkpoint: %w", err)
	}
	if raw == nil {
		return nil, nil
	}
	var cp checkpoint
	if err := json.Unmarshal(raw, &cp); err != nil {
		return nil, fmt.Errorf("decoding checkpoint: %w", err)
	}
	if cp.Version != checkpointVersion {
		return nil, nil
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

// prune drops ids older than keepFrom, then the oldest beyond max.
func (cp *checkpoint) prune(keepFrom time.Time, max int) {
	from := keepFrom.UnixNano()
	for id, t := range cp.Recent {
		if t < from {
			delete(cp.Recent, id)
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
