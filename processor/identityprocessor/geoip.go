package identityprocessor // import "github.com/authtrail/authtrail/processor/identityprocessor"

import (
	"fmt"
	"net/netip"

	"github.com/oschwald/maxminddb-golang/v2"
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/authtrail/authtrail/internal/schema"
)

// GeoIPConfig enables IP geolocation of client.address from a MaxMind database.
type GeoIPConfig struct {
	// Database is the path of a GeoIP2/GeoLite2 City or Country .mmdb file.
	Database string `mapstructure:"database"`
}

// Geo attribute keys: semconv's geo.* on the record, describing client.address
// (the contrib geoip processor writes the same names).
const (
	attrGeoCountryName   = "geo.country.name"
	attrGeoContinentCode = "geo.continent.code"
	attrGeoRegionISOCode = "geo.region.iso_code"
	attrGeoLocalityName  = "geo.locality.name"
	attrGeoPostalCode    = "geo.postal_code"
	attrGeoLat           = "geo.location.lat"
	attrGeoLon           = "geo.location.lon"
)

type geoRecord struct {
	Country struct {
		ISOCode string            `maxminddb:"iso_code"`
		Names   map[string]string `maxminddb:"names"`
	} `maxminddb:"country"`
	Continent struct {
		Code string `maxminddb:"code"`
	} `maxminddb:"continent"`
	Subdivisions []struct {
		ISOCode string `maxminddb:"iso_code"`
	} `maxminddb:"subdivisions"`
	City struct {
		Names map[string]string `maxminddb:"names"`
	} `maxminddb:"city"`
	Postal struct {
		Code string `maxminddb:"code"`
	} `maxminddb:"postal"`
	Location struct {
		Latitude  *float64 `maxminddb:"latitude"`
		Longitude *float64 `maxminddb:"longitude"`
	} `maxminddb:"location"`
}

type geoIP struct{ db *maxminddb.Reader }

func openGeoIP(path string) (*geoIP, error) {
	db, err := maxminddb.Open(path)
	if err != nil {
		return nil, fmt.Errorf("geoip.database: %w", err)
	}
	return &geoIP{db: db}, nil
}

func (g *geoIP) close() error { return g.db.Close() }

// enrich adds geo.* for client.address; values the vendor supplied are kept.
func (g *geoIP) enrich(a pcommon.Map) {
	addr, err := netip.ParseAddr(strAttr(a, schema.AttrClientAddress))
	if err != nil {
		return
	}
	var rec geoRecord
	if err := g.db.Lookup(addr.Unmap()).Decode(&rec); err != nil {
		return
	}
	put := func(k, v string) {
		if _, exists := a.Get(k); !exists && v != "" {
			a.PutStr(k, v)
		}
	}
	put(schema.AttrGeoCountryISOCode, rec.Country.ISOCode)
	put(attrGeoCountryName, rec.Country.Names["en"])
	put(attrGeoContinentCode, rec.Continent.Code)
	if len(rec.Subdivisions) > 0 && rec.Country.ISOCode != "" && rec.Subdivisions[0].ISOCode != "" {
		put(attrGeoRegionISOCode, rec.Country.ISOCode+"-"+rec.Subdivisions[0].ISOCode)
	}
	put(attrGeoLocalityName, rec.City.Names["en"])
	put(attrGeoPostalCode, rec.Postal.Code)
	if rec.Location.Latitude != nil && rec.Location.Longitude != nil {
		if _, exists := a.Get(attrGeoLat); !exists {
			a.PutDouble(attrGeoLat, *rec.Location.Latitude)
			a.PutDouble(attrGeoLon, *rec.Location.Longitude)
		}
	}
}
