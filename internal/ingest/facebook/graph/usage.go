package graph

import (
	"encoding/json"
	"math"
	"net/http"
	"time"
)

// Counters are the usage percentages of one rate-limit bucket
// (https://developers.facebook.com/docs/graph-api/overview/rate-limiting).
type Counters struct {
	CallCount    float64 `json:"call_count"`
	TotalCPUTime float64 `json:"total_cputime"`
	TotalTime    float64 `json:"total_time"`
}

func (c Counters) max() float64 {
	return math.Max(c.CallCount, math.Max(c.TotalCPUTime, c.TotalTime))
}

// BusinessUseCase is one entry of X-Business-Use-Case-Usage.
type BusinessUseCase struct {
	Type string // e.g. "pages", "messenger"
	Counters
	// RegainAccess is estimated_time_to_regain_access: while it is above
	// zero, Facebook refuses the calls of this use case.
	RegainAccess time.Duration
}

// Usage is what the last answer's headers said about the rate limits.
type Usage struct {
	App             Counters                     // X-App-Usage
	Page            Counters                     // X-Page-Usage
	BusinessUseCase map[string][]BusinessUseCase // X-Business-Use-Case-Usage, keyed by business (page) id
	At              time.Time                    // when the answer arrived; zero before the first answer
}

// ParseUsage reads the usage headers; headers that are missing or not the
// documented JSON count as zero usage.
func ParseUsage(h http.Header) Usage {
	var u Usage
	parseCounters(h.Get("X-App-Usage"), &u.App)
	parseCounters(h.Get("X-Page-Usage"), &u.Page)
	if v := h.Get("X-Business-Use-Case-Usage"); v != "" {
		var raw map[string][]struct {
			Type string `json:"type"`
			Counters
			RegainAccess float64 `json:"estimated_time_to_regain_access"`
		}
		if json.Unmarshal([]byte(v), &raw) == nil && len(raw) > 0 {
			u.BusinessUseCase = make(map[string][]BusinessUseCase, len(raw))
			for id, list := range raw {
				for _, b := range list {
					u.BusinessUseCase[id] = append(u.BusinessUseCase[id], BusinessUseCase{
						Type:         b.Type,
						Counters:     clean(b.Counters),
						RegainAccess: minutes(b.RegainAccess),
					})
				}
			}
		}
	}
	return u
}

func parseCounters(v string, c *Counters) {
	if v == "" {
		return
	}
	var raw Counters
	if json.Unmarshal([]byte(v), &raw) == nil {
		*c = clean(raw)
	}
}

// clean keeps percentages in 0..1000 so arithmetic on them stays sane.
func clean(c Counters) Counters {
	f := func(v float64) float64 {
		if math.IsNaN(v) || v < 0 {
			return 0
		}
		return math.Min(v, 1000)
	}
	return Counters{CallCount: f(c.CallCount), TotalCPUTime: f(c.TotalCPUTime), TotalTime: f(c.TotalTime)}
}

// minutes converts estimated_time_to_regain_access, capped at a day.
func minutes(m float64) time.Duration {
	if math.IsNaN(m) || m <= 0 {
		return 0
	}
	return time.Duration(math.Min(m, 24*60) * float64(time.Minute))
}

// Backoff thresholds (percent of any counter).
const (
	backoffFrom = 75.0
	backoffHigh = 90.0
)

// Backoff is how long to pause before the next call: 0 while every counter
// is below 75%, growing from 10s at 75% to 2m at 90%, 5m from 90% and 10m
// from 100%; at least the largest estimated_time_to_regain_access.
func (u Usage) Backoff() time.Duration {
	m := math.Max(u.App.max(), u.Page.max())
	var regain time.Duration
	for _, list := range u.BusinessUseCase {
		for _, b := range list {
			m = math.Max(m, b.max())
			regain = max(regain, b.RegainAccess)
		}
	}
	var d time.Duration
	switch {
	case m >= 100:
		d = 10 * time.Minute
	case m >= backoffHigh:
		d = 5 * time.Minute
	case m >= backoffFrom:
		frac := (m - backoffFrom) / (backoffHigh - backoffFrom)
		d = 10*time.Second + time.Duration(frac*float64(110*time.Second))
	}
	return max(d, regain)
}

// Usage returns what the last answer (also an error answer) said about the
// rate limits.
func (c *Client) Usage() Usage {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.usage
}
