// Package ingest holds what every connector shares: the health of its
// sources, its Prometheus metrics, the small HTTP listener for /healthz and
// /metrics, and checkpoints kept as JSON in the NATS KV bucket with
// compare-and-swap.
//
// It imports internal/bus and nothing of the registry.
package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/meldpunt/meldpunt/internal/bus"
)

// Health tracks each source of a connector: when it last synced
// successfully and what went wrong last.
type Health struct {
	mu      sync.Mutex
	sources map[string]*SourceHealth
	now     func() time.Time
}

// SourceHealth is the state of one source (a mailbox folder, a page, a form).
type SourceHealth struct {
	Source      string    `json:"source"`
	LastSuccess time.Time `json:"last_success,omitzero"`
	LastError   string    `json:"last_error,omitempty"`
	LastErrorAt time.Time `json:"last_error_at,omitzero"`
	// Healthy is false after an error that needs a person (a wrong
	// password, an expired token) until a sync succeeds again.
	Healthy bool `json:"healthy"`
}

// NewHealth returns an empty health tracker.
func NewHealth() *Health {
	return &Health{sources: map[string]*SourceHealth{}, now: time.Now}
}

func (h *Health) get(source string) *SourceHealth {
	s, ok := h.sources[source]
	if !ok {
		s = &SourceHealth{Source: source, Healthy: true}
		h.sources[source] = s
	}
	return s
}

// Register makes a source known before its first sync.
func (h *Health) Register(source string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.get(source)
}

// Success records a successful sync.
func (h *Health) Success(source string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.get(source)
	s.LastSuccess = h.now().UTC()
	s.Healthy = true
}

// Failure records an error. needsPerson marks the source unhealthy.
func (h *Health) Failure(source string, err error, needsPerson bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.get(source)
	s.LastError = err.Error()
	s.LastErrorAt = h.now().UTC()
	if needsPerson {
		s.Healthy = false
	}
}

// Snapshot returns every source, sorted by name.
func (h *Health) Snapshot() []SourceHealth {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]SourceHealth, 0, len(h.sources))
	for _, s := range h.sources {
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Source < out[j].Source })
	return out
}

// Metrics are a connector's Prometheus metrics.
type Metrics struct {
	Registry    *prometheus.Registry
	Captured    *prometheus.CounterVec // by source
	Published   *prometheus.CounterVec // by source and result (new, duplicate)
	Errors      *prometheus.CounterVec // by source
	LastSuccess *prometheus.GaugeVec   // by source, unix seconds
	Checkpoint  *prometheus.GaugeVec   // by source: position (e.g. last UID)
	Healthy     *prometheus.GaugeVec   // by source: 1 healthy, 0 needs a person
}

// NewMetrics creates the metrics of connector name (e.g. "mail").
func NewMetrics(name string) *Metrics {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	ns := "meldpunt_ingest_" + name
	m := &Metrics{
		Registry: reg,
		Captured: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: ns + "_captured_total", Help: "Messages read from the source.",
		}, []string{"source"}),
		Published: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: ns + "_published_total", Help: "Events acknowledged by JetStream, by result (new, duplicate).",
		}, []string{"source", "result"}),
		Errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: ns + "_errors_total", Help: "Failed syncs (connection, authentication, publish).",
		}, []string{"source"}),
		LastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: ns + "_last_success_timestamp_seconds", Help: "Unix time of the last successful sync.",
		}, []string{"source"}),
		Checkpoint: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: ns + "_checkpoint", Help: "Checkpoint position (for mail: the highest captured UID).",
		}, []string{"source"}),
		Healthy: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: ns + "_source_healthy", Help: "1 when the source works, 0 when it needs a person (credentials, token).",
		}, []string{"source"}),
	}
	reg.MustRegister(m.Captured, m.Published, m.Errors, m.LastSuccess, m.Checkpoint, m.Healthy)
	return m
}

// Route is one more endpoint of a connector's listener (a webhook).
type Route struct {
	Pattern string
	Handler http.Handler
}

// Serve runs the connector's HTTP listener until ctx ends: /healthz answers
// 503 when a source needs a person, with every source's state as JSON,
// /metrics serves the metrics, and routes add the connector's own
// endpoints. It returns the listening address on ready. Requests in flight
// get a few seconds to finish.
func Serve(ctx context.Context, addr string, h *Health, m *Metrics, log *slog.Logger, ready func(addr string), routes ...Route) error {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", HealthHandler(h))
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{}))
	for _, r := range routes {
		mux.Handle(r.Pattern, r.Handler)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s (set MELDPUNT_HTTP_ADDR to choose another address): %w", addr, err)
	}
	log.Info("http listening", "addr", ln.Addr().String())
	if ready != nil {
		ready(ln.Addr().String())
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(shut) // best effort: the process is ending
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("http: %w", err)
	}
	return nil
}

// HealthHandler answers /healthz: 503 when a source needs a person, with
// every source's state as JSON.
func HealthHandler(h *Health) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		snap := h.Snapshot()
		code := http.StatusOK
		for _, s := range snap {
			if !s.Healthy {
				code = http.StatusServiceUnavailable
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(map[string]any{"sources": snap}) // the client went away
	}
}

// Checkpoints keeps connector state as JSON under keys of the KV bucket.
type Checkpoints struct {
	b *bus.Bus
}

// NewCheckpoints returns checkpoints kept through b.
func NewCheckpoints(b *bus.Bus) *Checkpoints { return &Checkpoints{b: b} }

// Load reads the checkpoint at key into v and returns its revision; 0 and
// no error when there is none yet.
func (c *Checkpoints) Load(ctx context.Context, key string, v any) (uint64, error) {
	data, rev, err := c.b.GetCheckpoint(ctx, key)
	if errors.Is(err, bus.ErrNoCheckpoint) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return 0, fmt.Errorf("decode checkpoint %s: %w", key, err)
	}
	return rev, nil
}

// Save writes v at key if the stored revision is still rev (0: none), and
// returns the new revision. Another writer in between gives
// bus.ErrCheckpointConflict: two connectors must not run for one source.
func (c *Checkpoints) Save(ctx context.Context, key string, v any, rev uint64) (uint64, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return 0, fmt.Errorf("encode checkpoint %s: %w", key, err)
	}
	return c.b.PutCheckpoint(ctx, key, data, rev)
}
