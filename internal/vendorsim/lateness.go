package vendorsim // import "github.com/authtrail/authtrail/internal/vendorsim"

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// MaxLateness bounds a publication delay: rows keep it in milliseconds in 32
// bits, so that a million-row backlog stays as small as it was without one.
const MaxLateness = 1000 * time.Hour

// LateMix is how late a vendor publishes its events: each part's fraction of
// the events shows up between Min and Max (uniformly) after its event time, the
// rest at once. Scale divides every delay, so that a realistic mix runs
// compressed in time.
type LateMix struct {
	Parts []LatePart
	Scale float64 // 0 or 1: real time
}

// LatePart is one band of a LateMix.
type LatePart struct {
	Fraction float64
	Min, Max time.Duration
}

// ParseLateMix reads a mix written as comma-separated fraction:min-max parts,
// e.g. "0.9:0s-1m,0.07:10m-40m,0.025:1h-2h,0.005:5h-7h"; the remainder (here
// 1 %) is published at once. An empty string is no lateness. Errors name the
// part at fault.
func ParseLateMix(s string) (LateMix, error) {
	var m LateMix
	if strings.TrimSpace(s) == "" {
		return m, nil
	}
	sum := 0.0
	for i, raw := range strings.Split(s, ",") {
		p, err := parseLatePart(strings.TrimSpace(raw))
		if err != nil {
			return LateMix{}, fmt.Errorf("late mix part %d %q: %w", i+1, raw, err)
		}
		if sum += p.Fraction; sum > 1+1e-9 {
			return LateMix{}, fmt.Errorf("late mix part %d %q: fractions add up to %.4g, more than 1", i+1, raw, sum)
		}
		m.Parts = append(m.Parts, p)
	}
	return m, nil
}

func parseLatePart(s string) (LatePart, error) {
	frac, span, ok := strings.Cut(s, ":")
	lo, hi, ok2 := strings.Cut(span, "-")
	if !ok || !ok2 {
		return LatePart{}, fmt.Errorf("want fraction:min-max, e.g. 0.07:10m-40m")
	}
	var p LatePart
	var err error
	if p.Fraction, err = strconv.ParseFloat(frac, 64); err != nil || !(p.Fraction > 0 && p.Fraction <= 1) {
		return LatePart{}, fmt.Errorf("fraction %q: want a number in (0, 1]", frac)
	}
	if p.Min, err = time.ParseDuration(lo); err != nil || p.Min < 0 {
		return LatePart{}, fmt.Errorf("min %q: want a duration of at least 0s", lo)
	}
	if p.Max, err = time.ParseDuration(hi); err != nil || p.Max < p.Min || p.Max > MaxLateness {
		return LatePart{}, fmt.Errorf("max %q: want a duration from min (%s) to %s", hi, p.Min, MaxLateness)
	}
	return p, nil
}

// Delay draws one event's publication delay, divided by the scale.
func (m LateMix) Delay(r *rand.Rand) time.Duration {
	if len(m.Parts) == 0 {
		return 0
	}
	x := r.Float64()
	for _, p := range m.Parts {
		if x -= p.Fraction; x < 0 {
			d := p.Min + time.Duration(r.Int64N(int64(p.Max-p.Min)+1))
			if m.Scale > 0 {
				d = time.Duration(float64(d) / m.Scale)
			}
			return d
		}
	}
	return 0
}

// delayMillis is d in the 32-bit milliseconds a row keeps, saturated.
func delayMillis(d time.Duration) uint32 {
	return uint32(min(max(d.Milliseconds(), 0), math.MaxUint32))
}

// visibility freezes the rows a paginated read serves: rows published by the
// time of its first page (asOf) and added before it (sequence up to maxSeq).
// Pages after the first carry both in their token, so rows that appear while a
// client pages neither shift the offsets (a row served twice) nor hide one (a
// row skipped) within the pass; the next pass sees them.
type visibility struct {
	asOf   int64 // unix milliseconds
	maxSeq int64
}

func (v visibility) shows(publishedMs, seq int64) bool {
	return publishedMs <= v.asOf && seq <= v.maxSeq
}

// token renders an offset with the frozen view, as "<offset>.<asOf>.<maxSeq>".
func (v visibility) token(offset int) string {
	return fmt.Sprintf("%d.%d.%d", offset, v.asOf, v.maxSeq)
}

// parseOffsetToken reads a token written by visibility.token; a bare offset
// (the mocks' earlier tokens) reads with the current view.
func parseOffsetToken(s string, current visibility) (int, visibility, error) {
	parts := strings.Split(s, ".")
	off, err := strconv.Atoi(parts[0])
	if err != nil || off < 0 {
		return 0, current, fmt.Errorf("offset %q", parts[0])
	}
	switch len(parts) {
	case 1:
		return off, current, nil
	case 3:
		var v visibility
		var err1, err2 error
		v.asOf, err1 = strconv.ParseInt(parts[1], 10, 64)
		v.maxSeq, err2 = strconv.ParseInt(parts[2], 10, 64)
		if err1 != nil || err2 != nil {
			return 0, current, fmt.Errorf("view %q", s)
		}
		return off, v, nil
	}
	return 0, current, fmt.Errorf("token %q", s)
}
