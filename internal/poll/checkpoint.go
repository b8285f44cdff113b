package poll // import "github.com/authtrail/authtrail/internal/poll"

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.uber.org/zap"
)

const checkpointKey = "checkpoint"

// checkpoint is what survives a restart. Its size does not grow with the
// backlog nor the horizon: the delivered ids are written apart, in chunks
// (see seenIDs), and it holds only their index.
type checkpoint struct {
	Version     int    `json:"version"`
	Fingerprint string `json:"fingerprint"`
	// laneState is the main pass's progress.
	laneState
	// Rereads is the progress of each re-read (see Schedule).
	Rereads []*rereadState `json:"rereads,omitempty"`
	// Seen indexes the delivered ids that a lane may still read.
	Seen seenIDs `json:"seen"`
	// Recent held the delivered ids in version 1; they move into Seen.
	Recent map[string]int64 `json:"recent,omitempty"`
}

type passState struct {
	Start  time.Time `json:"start"`
	End    time.Time `json:"end"`
	Cursor string    `json:"cursor"`
	// Previous holds the ids of the page before Cursor that Seen does not
	// (their event time is below the floor, or they were evicted): offset
	// cursors shift when rows are inserted, and the shifted rows must not be
	// sent twice.
	Previous []string `json:"previous,omitempty"`
}

const checkpointVersion = 2

// checkpointV1 kept the delivered ids in the checkpoint itself (Recent).
const checkpointV1 = 1

// loadCheckpoint reads the stream's checkpoint. One that cannot be used (not
// decodable, another version, another fingerprint) starts a new stream, and
// says so at warn with the reason: the new stream reads initial_lookback
// again, which may deliver events twice. A store that cannot be read fails the
// start instead: guessing could skip events.
func (p *Poller) loadCheckpoint(ctx context.Context) (*checkpoint, error) {
	fresh := &checkpoint{Fingerprint: p.set.Fingerprint}
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
	case cp.Version != checkpointVersion && cp.Version != checkpointV1:
		p.logger.Warn("the checkpoint was written by another version of authtrail; "+next,
			zap.Int("checkpoint_version", cp.Version), zap.Int("version", checkpointVersion))
		return fresh, nil
	case cp.Fingerprint != p.set.Fingerprint:
		p.logger.Warn("the configuration that defines the stream (endpoint, tenant, filters) changed; " + next)
		return fresh, nil
	}
	missing, err := cp.Seen.load(ctx, p.client)
	if err != nil {
		return nil, err
	}
	if missing > 0 {
		// Storage lost chunks the index names (or an older version wrote the
		// index after a failed write). Their ids only dedupe: without them an
		// event re-read in their time is delivered twice, none is lost, so the
		// stream goes on rather than stop until someone deletes its checkpoint.
		p.logger.Warn("chunks of delivered ids are missing from storage; events re-read in their time may be delivered twice",
			zap.Int("missing_chunks", missing), zap.Int("ids_loaded", cp.Seen.total))
	}
	now := p.set.Now()
	for id, t := range cp.Recent {
		cp.Seen.add(id, t, now, p.bucketWidth(), p.cfg.MaxRecentIDs)
	}
	cp.Recent = nil
	return &cp, nil
}

// encode serialises the checkpoint and returns the batch that saves it with
// the delivered ids' writes since the last save, and those writes (see
// seenIDs.written); the caller holds the lock that guards it. The chunks come
// first and the deletes last, so that a store that applies a batch only in
// part (file_storage's is one transaction) at worst keeps chunks no index
// names, never an index naming chunks it lacks.
func (cp *checkpoint) encode() ([]*storage.Operation, seenWrite, error) {
	w := cp.Seen.flush()
	cp.Version = checkpointVersion
	raw, err := json.Marshal(cp)
	if err != nil {
		return nil, w, fmt.Errorf("encoding checkpoint: %w", err)
	}
	ops := append(slices.Clip(w.chunks), storage.SetOperation(checkpointKey, raw))
	return append(ops, w.deletes...), w, nil
}

// save writes what encode returned in one batch (a restart never sees the
// checkpoint without its ids) and then counts the ids stored. After a failed
// write the ids stay pending and the checkpoint in memory is ahead: the next
// commit writes both, and a restart before it resumes from the last
// checkpoint written, delivering again what was delivered since (never
// skipping it).
func (p *Poller) save(ctx context.Context, ops []*storage.Operation, w seenWrite) error {
	if err := p.client.Batch(ctx, ops...); err != nil {
		return fmt.Errorf("writing checkpoint: %w", err)
	}
	p.mu.Lock()
	p.cp.Seen.written(w)
	p.mu.Unlock()
	return nil
}

func (p *Poller) bucketWidth() time.Duration { return bucketWidth(p.cfg.LateArrivals.Horizon) }

// remember adds a delivered id; the caller holds p.mu. Beyond max_recent_ids
// the oldest bucket of ids is forgotten, so the set never exceeds the bound
// however long passes fail while webhooks keep arriving. An evicted id read
// again is delivered again.
func (p *Poller) remember(id string, t int64) {
	p.cp.Seen.add(id, t, p.set.Now(), p.bucketWidth(), p.cfg.MaxRecentIDs)
	if p.cp.Seen.total <= p.cfg.MaxRecentIDs {
		return
	}
	evicted := p.cp.Seen.prune(time.Time{}, p.cfg.MaxRecentIDs)
	p.tb.AuthtrailPollRecentIdsEvicted.Add(context.Background(), int64(evicted), p.measure())
	p.logger.Warn("max_recent_ids reached: the oldest delivered ids are forgotten; raise max_recent_ids if events are delivered twice",
		zap.Int("max_recent_ids", p.cfg.MaxRecentIDs))
}
