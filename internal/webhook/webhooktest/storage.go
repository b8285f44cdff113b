package webhooktest // import "github.com/authtrail/authtrail/internal/webhook/webhooktest"

import (
	"context"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/filestorage"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/extension"
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
