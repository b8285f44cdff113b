package webhooktest // import "github.com/authtrail/authtrail/internal/webhook/webhooktest"

import (
	"context"
	"net/http"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/filestorage"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/extension"
	"go.opentelemetry.io/collector/receiver"
)

// StorageHost is a component.Host with one running file_storage extension.
type StorageHost struct {
	ID  component.ID
	ext extension.Extension
}

// StartFileStorage starts a file_storage extension keeping its files in dir;
// starting another over the same dir after Shutdown is a collector restart.
func StartFileStorage(t testing.TB, dir string) *StorageHost {
	t.Helper()
	f := filestorage.NewFactory()
	cfg := f.CreateDefaultConfig().(*filestorage.Config)
	cfg.Directory = dir
	cfg.Compaction.Directory = dir
	id := component.NewID(f.Type())
	ext, err := f.Create(context.Background(), extension.Settings{
		ID: id, TelemetrySettings: componenttest.NewNopTelemetrySettings(), BuildInfo: component.NewDefaultBuildInfo(),
	}, cfg)
	require.NoError(t, err)
	require.NoError(t, ext.Start(context.Background(), componenttest.NewNopHost()))
	h := &StorageHost{ID: id, ext: ext}
	t.Cleanup(h.Shutdown)
	return h
}

// Shutdown stops the extension; it may be called more than once.
func (h *StorageHost) Shutdown() {
	if h.ext != nil {
		_ = h.ext.Shutdown(context.Background())
		h.ext = nil
	}
}

// GetExtensions implements component.Host.
func (h *StorageHost) GetExtensions() map[component.ID]component.Component {
	return map[component.ID]component.Component{h.ID: h.ext}
}

// PostAcrossRestart starts a receiver with dedupe kept in a file_storage
// extension, posts body, stops both, and does it all again over the same
// files: a collector restart between two deliveries of one event. It returns
// the records the pipeline got in both runs.
func PostAcrossRestart(t *testing.T, factory receiver.Factory, config func(storage component.ID) component.Config, body []byte, hdr map[string]string) int {
	t.Helper()
	dir := t.TempDir()
	sink := new(consumertest.LogsSink)
	for range 2 {
		host := StartFileStorage(t, dir)
		r := StartWith(t, factory, config(host.ID), Options{Next: sink, Host: host})
		status, msg := r.Post(t, "/events", body, hdr)
		require.Equal(t, http.StatusOK, status, msg)
		require.NoError(t, r.Stop())
		host.Shutdown()
	}
	return sink.LogRecordCount()
}
