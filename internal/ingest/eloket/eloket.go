// Package eloket captures the e-loket: submissions of the town's web form,
// polled from an Open311 (GeoReport v2) server or any JSON API, or posted to
// a signed webhook. Every submission becomes a case event whose id follows
// from the submission id alone, so overlaps, re-polls and a submission seen
// again with changes register once.
//
// It imports bus, caseevent, ingest and the profile packages
// (eloket/open311, eloket/jsonapi); it knows nothing of the registry.
package eloket

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/meldpunt/meldpunt/internal/bus"
	"github.com/meldpunt/meldpunt/internal/caseevent"
	"github.com/meldpunt/meldpunt/internal/ingest"
	"github.com/meldpunt/meldpunt/internal/ingest/eloket/jsonapi"
	"github.com/meldpunt/meldpunt/internal/ingest/eloket/open311"
)

// buildWorkers is how many events are built at once.
const buildWorkers = 16

// Source is one e-loket.
type Source struct {
	Inbox        string
	Domain       caseevent.Domain
	PollInterval time.Duration
	Overlap      time.Duration
	// Since is where a first run starts.
	Since time.Time
	// One of the two pollers; neither for a webhook-only source.
	Open311 *open311.Client
	JSON    *jsonapi.Client
}

// Runner polls sources and receives webhooks.
type Runner struct {
	bus     *bus.Bus
	cps     *ingest.Checkpoints
	health  *ingest.Health
	metrics *ingest.Metrics
	log     *slog.Logger
	limit   int64
	http    *http.Client

	mu           sync.Mutex
	serviceNames map[string]serviceNames // by inbox
}

// NewRunner returns a runner publishing through b; attachments over limit
// bytes keep only their link.
func NewRunner(b *bus.Bus, h *ingest.Health, m *ingest.Metrics, limit int64, log *slog.Logger) *Runner {
	if limit <= 0 {
		limit = 25 << 20
	}
	return &Runner{bus: b, cps: ingest.NewCheckpoints(b), health: h, metrics: m, log: log, limit: limit,
		http: &http.Client{Timeout: 2 * time.Minute}, serviceNames: map[string]serviceNames{}}
}

// Run polls every source that has a poller until ctx ends.
func (r *Runner) Run(ctx context.Context, sources []Source) {
	var wg sync.WaitGroup
	for _, s := range sources {
		if s.Open311 == nil && s.JSON == nil {
			continue
		}
		r.health.Register(s.Inbox)
		wg.Go(func() { r.runSource(ctx, s) })
	}
	wg.Wait()
}

func (r *Runner) runSource(ctx context.Context, s Source) {
	log := r.log.With("inbox", s.Inbox)
	failures := 0
	for {
		var err error
		if s.Open311 != nil {
			err = r.pollOpen311(ctx, s)
		} else {
			err = r.pollJSON(ctx, s)
		}
		if ctx.Err() != nil {
			return
		}
		wait := s.PollInterval
		if err != nil {
			failures++
			wait = ingest.Backoff(failures, time.Second, 2*time.Minute)
			log.Warn("e-loket poll failed, will retry", "error", err, "wait", wait.Round(time.Millisecond))
			r.health.Failure(s.Inbox, err, false)
			r.metrics.Errors.WithLabelValues(s.Inbox).Inc()
		} else {
			failures = 0
			r.health.Success(s.Inbox)
			r.metrics.LastSuccess.WithLabelValues(s.Inbox).SetToCurrentTime()
			r.metrics.Healthy.WithLabelValues(s.Inbox).Set(1)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// servicesMaxAge is how long a source's services.json is used before it is
// read again: the list of services changes rarely, polls come every minute.
const servicesMaxAge = time.Hour

type serviceNames struct {
	names map[string]string
	at    time.Time
}

// services returns the names of an Open311 source's services by code,
// read from services.json at most once per servicesMaxAge.
func (r *Runner) services(ctx context.Context, s Source) map[string]string {
	r.mu.Lock()
	cached, ok := r.serviceNames[s.Inbox]
	r.mu.Unlock()
	if ok && time.Since(cached.at) < servicesMaxAge {
		return cached.names
	}
	list, err := s.Open311.Services(ctx)
	if err != nil {
		r.log.Warn("services.json not readable; service names come from the requests", "inbox", s.Inbox, "error", err)
		return cached.names // the last list read, if any
	}
	names := make(map[string]string, len(list))
	for _, sv := range list {
		names[sv.Code] = sv.Name
	}
	r.mu.Lock()
	r.serviceNames[s.Inbox] = serviceNames{names: names, at: time.Now()}
	r.mu.Unlock()
	return names
}

// open311Cursor is where an Open311 source stands: every request with
// requested_datetime up to Last is acknowledged.
type open311Cursor struct {
	Last      time.Time `json:"last"`
	UpdatedAt time.Time `json:"updated_at"`
}

func (r *Runner) pollOpen311(ctx context.Context, s Source) error {
	key := bus.CheckpointKey("eloket", s.Inbox)
	var cur open311Cursor
	rev, err := r.cps.Load(ctx, key, &cur)
	if err != nil {
		return fmt.Errorf("load cursor: %w", err)
	}
	start := s.Since
	if !cur.Last.IsZero() {
		start = cur.Last.Add(-s.Overlap)
	}
	services := r.services(ctx, s)
	newest := cur.Last
	err = s.Open311.Requests(ctx, start, time.Now().Add(time.Hour), func(reqs []open311.Request) error {
		subs := make([]submission, 0, len(reqs))
		for _, q := range reqs {
			sub := fromOpen311(q, services)
			subs = append(subs, sub)
			if q.RequestedAt.After(newest) {
				newest = q.RequestedAt
			}
		}
		return r.publish(ctx, s, subs)
	})
	if err != nil {
		return fmt.Errorf("list requests: %w", err)
	}
	if newest.After(cur.Last) {
		cur.Last, cur.UpdatedAt = newest, time.Now().UTC()
		if _, err := r.cps.Save(context.WithoutCancel(ctx), key, cur, rev); err != nil {
			return fmt.Errorf("save cursor: %w", err)
		}
		r.metrics.Checkpoint.WithLabelValues(s.Inbox).Set(float64(newest.Unix()))
	}
	return nil
}

// jsonCursor is where a JSON source stands, as the API's own cursor value.
type jsonCursor struct {
	After     string    `json:"after"`
	UpdatedAt time.Time `json:"updated_at"`
}

func (r *Runner) pollJSON(ctx context.Context, s Source) error {
	key := bus.CheckpointKey("eloket", s.Inbox)
	var cur jsonCursor
	rev, err := r.cps.Load(ctx, key, &cur)
	if err != nil {
		return fmt.Errorf("load cursor: %w", err)
	}
	return s.JSON.Fetch(ctx, cur.After, func(items []jsonapi.Item, next string) error {
		subs := make([]submission, 0, len(items))
		for _, it := range items {
			subs = append(subs, fromJSON(it))
		}
		if err := r.publish(ctx, s, subs); err != nil {
			return err
		}
		if next == "" || next == cur.After {
			return nil
		}
		cur.After, cur.UpdatedAt = next, time.Now().UTC()
		nrev, err := r.cps.Save(context.WithoutCancel(ctx), key, cur, rev)
		if err != nil {
			return fmt.Errorf("save cursor: %w", err)
		}
		rev = nrev
		return nil
	})
}

// Webhook returns the publisher for a webhook source: the items posted are
// published, and the handler answers 2xx only after JetStream acknowledged.
func (r *Runner) Webhook(s Source) jsonapi.Publisher {
	r.health.Register(s.Inbox)
	return func(ctx context.Context, items []jsonapi.Item) error {
		subs := make([]submission, 0, len(items))
		for _, it := range items {
			subs = append(subs, fromJSON(it))
		}
		if err := r.publish(ctx, s, subs); err != nil {
			r.health.Failure(s.Inbox, err, false)
			return err
		}
		r.health.Success(s.Inbox)
		return nil
	}
}

// submission is what every profile delivers.
type submission struct {
	id                                      string
	at                                      time.Time
	subject, text, serviceCode, serviceName string
	name, email, phone, address             string
	lat, lon                                float64
	hasLocation                             bool
	files                                   []file
	fields                                  map[string]string
	raw                                     []byte
	parseError                              string
}

type file struct{ url, name string }

func fromOpen311(q open311.Request, services map[string]string) submission {
	name := q.ServiceName
	if name == "" {
		name = services[q.ServiceCode]
	}
	s := submission{
		id: q.ID, at: q.RequestedAt, subject: name, text: q.Description, serviceCode: q.ServiceCode, serviceName: name,
		name: strings.TrimSpace(q.FirstName + " " + q.LastName), email: q.Email, phone: q.Phone, address: q.Address,
		lat: q.Lat, lon: q.Long, hasLocation: q.HasLocation, raw: q.Raw, parseError: q.ParseError,
		fields: map[string]string{},
	}
	for k, v := range map[string]string{"status": q.Status, "status_notes": q.StatusNotes, "zipcode": q.ZipCode,
		"device_id": q.DeviceID, "account_id": q.AccountID} {
		if v != "" {
			s.fields[k] = v
		}
	}
	if !q.UpdatedAt.IsZero() {
		s.fields["updated_datetime"] = q.UpdatedAt.UTC().Format(time.RFC3339)
	}
	if q.MediaURL != "" {
		s.files = append(s.files, file{url: q.MediaURL})
	}
	return s
}

func fromJSON(it jsonapi.Item) submission {
	s := submission{
		id: it.ID, at: it.Timestamp, subject: it.Subject, text: it.Text, serviceCode: it.ServiceCode, serviceName: it.ServiceName,
		name: it.SenderName, email: it.SenderEmail, phone: it.SenderPhone, address: it.Address,
		lat: it.Lat, lon: it.Lon, hasLocation: it.HasLocation, fields: it.Fields, raw: it.Raw, parseError: it.ParseError,
	}
	for _, a := range it.Attachments {
		s.files = append(s.files, file{url: a.URL, name: a.Name})
	}
	return s
}

// EventID is the id of a submission's event: the inbox and the
// submission id, nothing that changes when the submission is edited.
func EventID(inbox, submissionID string) string {
	return caseevent.NewID(caseevent.ChannelEloket, inbox, "submission", submissionID)
}

// publish builds the events of subs and waits for every acknowledgement.
func (r *Runner) publish(ctx context.Context, s Source, subs []submission) error {
	if len(subs) == 0 {
		return nil
	}
	evs, errs := ingest.BuildAll(len(subs), buildWorkers, func(i int) (caseevent.Event, error) {
		return r.build(ctx, s, subs[i])
	})
	if err := errors.Join(errs...); err != nil {
		return err
	}
	r.metrics.Captured.WithLabelValues(s.Inbox).Add(float64(len(evs)))
	if err := ingest.Publish(ctx, r.bus, r.metrics, s.Inbox, evs); err != nil {
		return err
	}
	return nil
}

func (r *Runner) build(ctx context.Context, s Source, sub submission) (caseevent.Event, error) {
	m := caseevent.Message{
		Channel: caseevent.ChannelEloket, Direction: caseevent.DirectionIncoming, Inbox: s.Inbox, Domain: s.Domain,
		ExternalID: sub.id,
		Thread:     caseevent.Thread{ConversationID: sub.id},
		Sender:     caseevent.Party{Name: sub.name, Email: sub.email, Phone: sub.phone, Address: sub.address},
		Subject:    clip(sub.subject, caseevent.MaxStringLength),
		Text:       sub.text,
		ParseError: sub.parseError,
	}
	if m.ExternalID == "" {
		// A malformed item without an id: named by its bytes, so that it
		// is registered once and can be found.
		m.ExternalID = "raw-" + caseevent.NewID(caseevent.ChannelEloket, s.Inbox, string(sub.raw))[4:20]
	}
	if !sub.at.IsZero() {
		t := sub.at.UTC()
		m.SentAt, m.ReceivedAt = &t, &t
	}
	if sub.hasLocation && sub.lat >= -90 && sub.lat <= 90 && sub.lon >= -180 && sub.lon <= 180 {
		m.Location = &caseevent.Location{Lat: sub.lat, Lon: sub.lon, Address: sub.address}
	}
	fields := map[string]string{}
	for k, v := range sub.fields {
		if len(fields) < caseevent.MaxListLength-1 {
			fields[clip(k, caseevent.MaxStringLength)] = clip(v, caseevent.MaxFormValueLength)
		}
	}
	m.Form = &caseevent.Form{ServiceCode: sub.serviceCode, ServiceName: clip(sub.serviceName, caseevent.MaxStringLength), Fields: fields}
	var notes, problems []string
	if sub.parseError != "" {
		problems = append(problems, sub.parseError)
	}
	for i, f := range sub.files {
		data, ctype, truncated, err := r.download(ctx, f.url)
		name := f.name
		if name == "" {
			name = fmt.Sprintf("bijlage-%d", i+1)
		}
		switch {
		case err != nil:
			problems = append(problems, fmt.Sprintf("attachment %s could not be downloaded: %v", f.url, err))
			notes = append(notes, "[Bijlage niet opgehaald: "+f.url+"]")
		case truncated:
			problems = append(problems, fmt.Sprintf("attachment %s is larger than %d bytes: only its link is kept", f.url, r.limit))
			notes = append(notes, fmt.Sprintf("[Bijlage groter dan %d MB, niet opgehaald: %s]", r.limit>>20, f.url))
		default:
			ref, err := r.bus.PutObject(ctx, data, ctype)
			if err != nil {
				return caseevent.Event{}, fmt.Errorf("store attachment: %w", err)
			}
			m.Attachments = append(m.Attachments, caseevent.Attachment{Name: clip(name, caseevent.MaxStringLength), ContentType: ctype,
				Size: ref.Size, SHA256: ref.SHA256, Object: ref.Object})
		}
	}
	if len(notes) > 0 {
		m.Text = strings.TrimSpace(m.Text + "\n\n" + strings.Join(notes, "\n"))
	}
	m.ParseError = clip(strings.Join(problems, "; "), caseevent.MaxStringLength)
	if len(sub.raw) > 0 {
		ref, err := r.bus.PutObject(ctx, sub.raw, "application/json")
		if err != nil {
			return caseevent.Event{}, fmt.Errorf("store raw original: %w", err)
		}
		m.Raw = &ref
	}
	at := time.Now().UTC()
	if m.ReceivedAt != nil {
		at = *m.ReceivedAt
	}
	return caseevent.NewEvent(EventID(s.Inbox, m.ExternalID), "meldpunt/ingest-eloket/"+s.Inbox, at, m), nil
}

// download fetches a file within the limit.
func (r *Runner) download(ctx context.Context, url string) ([]byte, string, bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, "", false, err
	}
	resp, err := r.http.Do(req)
	if err != nil {
		return nil, "", false, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, "", false, fmt.Errorf("http %d", resp.StatusCode)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, r.limit+1))
	if err != nil {
		return nil, "", false, err
	}
	if int64(len(data)) > r.limit {
		return nil, "", true, nil
	}
	ctype := resp.Header.Get("Content-Type")
	if i := strings.IndexByte(ctype, ';'); i >= 0 {
		ctype = ctype[:i]
	}
	if ctype == "" {
		ctype = http.DetectContentType(data)
	}
	return data, strings.TrimSpace(ctype), false, nil
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}
