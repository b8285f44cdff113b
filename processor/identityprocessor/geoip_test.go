package identityprocessor

import (
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/authtrail/authtrail/internal/sources/sourcetest"
	"github.com/authtrail/authtrail/processor/identityprocessor/internal/metadata"
)

// testDB writes a small City database: 203.0.113.0/24 in Wellington, NZ.
func testDB(t *testing.T) string {
	w, err := mmdbwriter.New(mmdbwriter.Options{DatabaseType: "GeoIP2-City", RecordSize: 24, IncludeReservedNetworks: true})
	require.NoError(t, err)
	_, network, err := net.ParseCIDR("203.0.113.0/24")
	require.NoError(t, err)
	require.NoError(t, w.Insert(network, mmdbtype.Map{
		"country":      mmdbtype.Map{"iso_code": mmdbtype.String("NZ"), "names": mmdbtype.Map{"en": mmdbtype.String("New Zealand")}},
		"continent":    mmdbtype.Map{"code": mmdbtype.String("OC")},
		"subdivisions": mmdbtype.Slice{mmdbtype.Map{"iso_code": mmdbtype.String("WGN")}},
		"city":         mmdbtype.Map{"names": mmdbtype.Map{"en": mmdbtype.String("Wellington")}},
		"postal":       mmdbtype.Map{"code": mmdbtype.String("6011")},
		"location":     mmdbtype.Map{"latitude": mmdbtype.Float64(-41.2866), "longitude": mmdbtype.Float64(174.7756)},
	}))
	path := filepath.Join(t.TempDir(), "city.mmdb")
	f, err := os.Create(path)
	require.NoError(t, err)
	_, err = w.WriteTo(f)
	require.NoError(t, err)
	require.NoError(t, f.Close())
	return path
}

func TestGeoIP(t *testing.T) {
	cfg := defaults()
	cfg.GeoIP.Database = testDB(t)
	require.NoError(t, cfg.Validate())
	out := run(t, cfg, oneRecord("authentication.login", map[string]any{"client.address": "203.0.113.9"}))
	a := sourcetest.Records(out)[0].Attributes().AsRaw()
	for k, v := range map[string]any{
		"geo.country.iso_code": "NZ", "geo.country.name": "New Zealand", "geo.continent.code": "OC",
		"geo.region.iso_code": "NZ-WGN", "geo.locality.name": "Wellington", "geo.postal_code": "6011",
		"geo.location.lat": -41.2866, "geo.location.lon": 174.7756,
	} {
		assert.Equal(t, v, a[k], k)
	}
	// A vendor-supplied country stays; unknown and invalid addresses add nothing.
	out = run(t, cfg, oneRecord("authentication.login", map[string]any{"client.address": "203.0.113.9", "geo.country.iso_code": "HK"}))
	assert.Equal(t, "HK", sourcetest.Records(out)[0].Attributes().AsRaw()["geo.country.iso_code"])
	for _, ip := range []string{"198.51.100.1", "not-an-ip"} {
		out = run(t, cfg, oneRecord("authentication.login", map[string]any{"client.address": ip}))
		assert.NotContains(t, sourcetest.Records(out)[0].Attributes().AsRaw(), "geo.country.iso_code", ip)
	}
	// Looked up before pii: hash truncates the address.
	cfg.PII, cfg.PIISalt = PIIHash, "s"
	out = run(t, cfg, oneRecord("authentication.login", map[string]any{"client.address": "203.0.113.9"}))
	a = sourcetest.Records(out)[0].Attributes().AsRaw()
	assert.Equal(t, "NZ", a["geo.country.iso_code"])
	assert.Equal(t, "203.0.113.0", a["client.address"])
}

func TestGeoIPMissingDatabase(t *testing.T) {
	cfg := defaults()
	cfg.GeoIP.Database = filepath.Join(t.TempDir(), "missing.mmdb")
	_, err := NewFactory().CreateLogs(t.Context(), processortest.NewNopSettings(metadata.Type), cfg, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "geoip.database")
}
