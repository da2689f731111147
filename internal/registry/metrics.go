package registry

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the registry's Prometheus metrics. Create them with
// NewMetrics and register them on a registry of your own.
type Metrics struct {
	Events         *prometheus.CounterVec // by outcome: stored, duplicate, quarantined
	BatchSeconds   prometheus.Histogram
	EventLatency   prometheus.Histogram
	Retries        prometheus.Counter
	AckErrors      prometheus.Counter
	Backlog        prometheus.Gauge
	AckPending     prometheus.Gauge
	BlobsFetched   prometheus.Counter
	BlobBytes      prometheus.Counter
	LastCommitUnix prometheus.Gauge
}

// Outcomes of one event, the label values of meldpunt_registry_events_total.
const (
	OutcomeStored      = "stored"
	OutcomeDuplicate   = "duplicate"
	OutcomeQuarantined = "quarantined"
)

// NewMetrics creates the metrics and registers them on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "meldpunt_registry_events_total",
			Help: "Events consumed from JetStream, by outcome (stored, duplicate, quarantined).",
		}, []string{"outcome"}),
		BatchSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "meldpunt_registry_batch_seconds",
			Help:    "Time to process one batch: fetch objects, commit, acknowledge.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 16),
		}),
		EventLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "meldpunt_registry_event_latency_seconds",
			Help:    "Time from an event's arrival in the stream to its commit in the store.",
			Buckets: prometheus.ExponentialBuckets(0.005, 2, 16),
		}),
		Retries: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "meldpunt_registry_retries_total",
			Help: "Batches retried after a transient error (database or NATS unavailable).",
		}),
		AckErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "meldpunt_registry_ack_errors_total",
			Help: "Acknowledgements that failed after commit; the event is redelivered and skipped as a duplicate.",
		}),
		Backlog: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "meldpunt_registry_consumer_pending",
			Help: "Events in the stream not yet delivered to the registry consumer.",
		}),
		AckPending: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "meldpunt_registry_consumer_ack_pending",
			Help: "Events delivered to a registry but not yet acknowledged.",
		}),
		BlobsFetched: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "meldpunt_registry_objects_fetched_total",
			Help: "Raw originals and attachments copied from the object store.",
		}),
		BlobBytes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "meldpunt_registry_object_bytes_total",
			Help: "Bytes copied from the object store.",
		}),
		LastCommitUnix: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "meldpunt_registry_last_commit_timestamp_seconds",
			Help: "Unix time of the last committed batch.",
		}),
	}
	for _, o := range []string{OutcomeStored, OutcomeDuplicate, OutcomeQuarantined} {
		m.Events.WithLabelValues(o)
	}
	reg.MustRegister(m.Events, m.BatchSeconds, m.EventLatency, m.Retries, m.AckErrors,
		m.Backlog, m.AckPending, m.BlobsFetched, m.BlobBytes, m.LastCommitUnix)
	return m
}
