package facebook_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	promtest "github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/meldpunt/meldpunt/internal/bus"
	"github.com/meldpunt/meldpunt/internal/caseevent"
	"github.com/meldpunt/meldpunt/internal/ingest"
	"github.com/meldpunt/meldpunt/internal/ingest/facebook"
	"github.com/meldpunt/meldpunt/internal/ingest/facebook/graph"
	"github.com/meldpunt/meldpunt/internal/ingest/facebook/webhook"
	"github.com/meldpunt/meldpunt/internal/testutil/graphfake"
	"github.com/meldpunt/meldpunt/internal/testutil/natstest"
)

type rig struct {
	t       *testing.T
	fb      *graphfake.Server
	bus     *bus.Bus
	health  *ingest.Health
	metrics *ingest.Metrics
	poller  *facebook.Poller
	source  facebook.Source
	token   string // path of the token file
}

func newRig(t *testing.T) *rig { return newRigLimit(t, 0) }

func newRigLimit(t *testing.T, attachmentLimit int64) *rig {
	t.Helper()
	fb := graphfake.Start(t)
	srv := natstest.Start(t)
	r := &rig{t: t, fb: fb, bus: natstest.Connect(t, srv), health: ingest.NewHealth(), metrics: ingest.NewMetrics("facebook")}
	client, err := graph.New(graph.Config{BaseURL: fb.URL(), AppID: "42", AppSecret: fb.AppSecret(), ConversationsRate: -1})
	if err != nil {
		t.Fatal(err)
	}
	r.token = filepath.Join(t.TempDir(), "page-token")
	r.writeToken(fb.Token())
	r.source = facebook.Source{
		Page:  facebook.Page{ID: fb.PageID(), Inbox: "facebook", Domain: caseevent.DomainGemeente},
		Graph: client,
		Token: func() (string, error) {
			b, err := os.ReadFile(r.token)
			return strings.TrimSpace(string(b)), err
		},
		TokenOrigin: r.token,
	}
	r.poller = facebook.NewPoller(r.bus, r.health, r.metrics, facebook.Options{
		PollInterval: 100 * time.Millisecond, Overlap: time.Minute, ThrottleWait: 100 * time.Millisecond,
		AttachmentLimit: attachmentLimit,
	}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	return r
}

func (r *rig) writeToken(tok string) {
	r.t.Helper()
	if err := os.WriteFile(r.token, []byte(tok+"\n"), 0o600); err != nil {
		r.t.Fatal(err)
	}
}

func (r *rig) run() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); r.poller.Run(ctx, []facebook.Source{r.source}) }()
	r.t.Cleanup(func() { cancel(); <-done })
}

// events reads the stream and returns its events by id, failing on a
// repeated id (the stream should have dropped it).
func (r *rig) events() map[string]caseevent.Event { return natstest.StreamEvents(r.t, r.bus) }

func (r *rig) count() uint64 { return natstest.StreamCount(r.t, r.bus) }

func (r *rig) waitCount(n uint64) {
	r.t.Helper()
	natstest.WaitStream(r.t, r.bus, n, func() string { return fmt.Sprintf("health %+v", r.health.Snapshot()) })
}

func (r *rig) waitHealthy(want bool) ingest.SourceHealth {
	r.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		snap := r.health.Snapshot()
		if len(snap) == 1 && snap[0].Healthy == want && (want || snap[0].LastError != "") {
			return snap[0]
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("health never became %v: %+v", want, snap)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestPollExactlyOnce: conversations over many pages with empty pages in
// between, the page's answers, a visitor post, comments and attachments,
// then new activity: every item once, with the page's answers outgoing.
func TestPollExactlyOnce(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.fb.SetPageSize(7)
	r.fb.EmptyPageEvery(3)
	r.fb.Generate(40, 6, 1)
	page := r.fb.Page()
	citizen := graphfake.Person{ID: "2400000000000001", Name: "An Peeters"}
	visitor := r.fb.AddPost(graphfake.Post{Text: "Wanneer wordt de Kerkstraat heraangelegd?", From: citizen})
	own := r.fb.AddPost(graphfake.Post{Text: "Het containerpark is zaterdag gesloten.", From: page})
	r.fb.AddComment(own, graphfake.Comment{Text: "En op zondag?", From: citizen})
	r.fb.AddComment(own, graphfake.Comment{Text: "Ook gesloten.", From: page})
	// a deleted message never shows
	r.fb.AddConversation("t_99", citizen)
	gone := r.fb.AddMessage("t_99", graphfake.Message{Text: "oeps", From: citizen})
	r.fb.AddMessage("t_99", graphfake.Message{Text: "Mijn vuilniszak werd niet opgehaald.", From: citizen,
		Attachments: []graphfake.Attachment{{Name: "zak.jpg", MimeType: "image/jpeg", Size: 2048, Kind: "image"}}})
	r.fb.DeleteMessage("t_99", gone)

	want := uint64(40*6 + 1 + 1 + 2) // messages, t_99's message, visitor post, comments
	r.run()
	r.waitCount(want)
	// New activity after the first pass.
	r.fb.Advance(time.Hour)
	r.fb.AddMessage("t_99", graphfake.Message{Text: "Nog altijd niet opgehaald!", From: citizen})
	r.fb.AddComment(visitor, graphfake.Comment{Text: "Dat vraag ik me ook af.", From: graphfake.Person{ID: "2400000000000002", Name: "Bart"}})
	want += 2
	r.waitCount(want)
	time.Sleep(500 * time.Millisecond) // more polls over the overlap: nothing new may appear
	evs := r.events()
	if uint64(len(evs)) != want {
		t.Fatalf("stream holds %d events, want %d", len(evs), want)
	}
	var outgoing, withAttachment, posts int
	for _, ev := range evs {
		d := ev.Data
		if d.Text == "oeps" {
			t.Error("a deleted message was captured")
		}
		if d.Direction == caseevent.DirectionOutgoing {
			outgoing++
			if d.Sender.FacebookID != page.ID {
				t.Errorf("outgoing message from %+v", d.Sender)
			}
		}
		if len(d.Attachments) > 0 {
			withAttachment++
		}
		if d.Thread.ConversationID == "" || d.Raw == nil {
			t.Errorf("event %s lacks its thread or raw original", ev.ID)
		}
		if d.ExternalID == visitor {
			posts++
		}
	}
	if outgoing == 0 || withAttachment == 0 || posts != 1 {
		t.Errorf("outgoing %d, with attachments %d, visitor posts %d", outgoing, withAttachment, posts)
	}
	if r.fb.Requests("/"+r.fb.PageID()+"/conversations") < 2 {
		t.Error("conversations were not paged")
	}
}

// TestTokenInvalid: an expired token shows on /healthz and in the metric
// within one poll; polling resumes by itself when the token file changes.
func TestTokenInvalid(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.fb.Generate(3, 2, 2)
	r.fb.SetToken("a-new-token")
	r.run()
	h := r.waitHealthy(false)
	if !strings.Contains(h.LastError, "page token invalid since") || !strings.Contains(h.LastError, r.token) {
		t.Errorf("the error does not say what to do: %q", h.LastError)
	}
	src := "facebook/" + r.fb.PageID()
	if got := promtest.ToFloat64(r.metrics.Healthy.WithLabelValues(src)); got != 0 {
		t.Errorf("healthy metric = %v", got)
	}
	rec := httptest.NewRecorder()
	ingest.HealthHandler(r.health)(rec, httptest.NewRequest("GET", "/healthz", nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("/healthz = %d", rec.Code)
	}
	before := r.fb.Requests("*")
	time.Sleep(300 * time.Millisecond)
	if after := r.fb.Requests("*"); after != before {
		t.Errorf("%d requests with the refused token", after-before)
	}
	r.writeToken("a-new-token")
	r.waitCount(6)
	r.waitHealthy(true)
}

// TestTransientAndThrottled: a proxy's 502 page, Graph's transient code and
// throttling with usage headers near 100% delay the capture but lose
// nothing.
func TestTransientAndThrottled(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.fb.Generate(5, 3, 3)
	r.fb.FailNext("*", 1, 502, "<html><body><h1>502 Bad Gateway</h1></body></html>")
	r.fb.FailNext("*", 1, 500, graphfake.ErrorBody(2, 0, "OAuthException", "An unexpected error has occurred."))
	r.fb.FailNext("*", 1, 400, graphfake.ErrorBody(4, 0, "OAuthException", "Application request limit reached"))
	r.fb.SetUsage(95, 40, nil)
	r.run()
	// Close to the limit, the poller holds back...
	deadline := time.Now().Add(time.Minute)
	for r.source.Graph.Usage().Backoff() == 0 || r.health.Snapshot()[0].LastError == "" {
		if time.Now().After(deadline) {
			t.Fatalf("usage %+v, health %+v", r.source.Graph.Usage(), r.health.Snapshot())
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(time.Second) // past the transient backoffs
	before := r.fb.Requests("*")
	time.Sleep(300 * time.Millisecond)
	if after := r.fb.Requests("*"); after != before {
		t.Errorf("%d requests while usage is at 95%%", after-before)
	}
	// ...until Facebook says there is room again (a webhook wakes it).
	r.fb.SetUsage(10, 10, nil)
	r.poller.Wake(r.fb.PageID())
	r.waitCount(15)
}

// TestWebhookAndPoll: a message pushed by the webhook and then found by
// polling is one event; a forged delivery publishes nothing.
func TestWebhookAndPoll(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	citizen := graphfake.Person{ID: "2400000000000009", Name: "Els"}
	r.fb.AddConversation("t_1", citizen)
	mid := r.fb.AddMessage("t_1", graphfake.Message{Text: "Is het stadhuis open op 11 november?", From: citizen})
	h := webhook.New(webhook.Config{VerifyToken: func() string { return "v" }, AppSecret: r.fb.AppSecret},
		r.poller.Pushed([]facebook.Source{r.source}), slog.New(slog.NewTextHandler(io.Discard, nil)))
	body, _ := json.Marshal(map[string]any{"object": "page", "entry": []any{map[string]any{
		"id": r.fb.PageID(), "time": time.Now().UnixMilli(),
		"messaging": []any{map[string]any{"sender": map[string]any{"id": citizen.ID}, "recipient": map[string]any{"id": r.fb.PageID()},
			"timestamp": time.Now().UnixMilli(), "message": map[string]any{"mid": mid, "text": "Is het stadhuis open op 11 november?"}}},
	}}})
	post := func(sig string) int {
		req := httptest.NewRequest("POST", "/webhook", bytes.NewReader(body))
		req.Header.Set(webhook.SignatureHeader, sig)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	if code := post("sha256=" + strings.Repeat("0", 64)); code != http.StatusForbidden || r.count() != 0 {
		t.Fatalf("forged delivery: %d, stream %d", code, r.count())
	}
	if code := post(webhook.Sign(body, r.fb.AppSecret())); code != http.StatusOK || r.count() != 1 {
		t.Fatalf("signed delivery: %d, stream %d (the answer must come after the ack)", code, r.count())
	}
	r.run()
	deadline := time.Now().Add(time.Minute)
	for r.fb.Requests("/t_1/messages") == 0 || r.health.Snapshot()[0].LastSuccess.IsZero() {
		if time.Now().After(deadline) {
			t.Fatal("no poll happened")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n := len(r.events()); n != 1 {
		t.Errorf("stream holds %d events for one message", n)
	}
}

// TestAttachmentLimit: an attachment over the limit is not downloaded; the
// message keeps its link and says so.
func TestAttachmentLimit(t *testing.T) {
	t.Parallel()
	r := newRigLimit(t, 4096)
	citizen := graphfake.Person{ID: "2400000000000005", Name: "Wim"}
	r.fb.AddConversation("t_5", citizen)
	r.fb.AddMessage("t_5", graphfake.Message{Text: "Foto's van de schade", From: citizen, Attachments: []graphfake.Attachment{
		{Name: "klein.jpg", MimeType: "image/jpeg", Size: 1000, Kind: "image"},
		{Name: "groot.mp4", MimeType: "video/mp4", Size: 100000, Kind: "video"},
	}})
	r.run()
	r.waitCount(1)
	for _, ev := range r.events() {
		d := ev.Data
		if len(d.Attachments) != 1 || d.Attachments[0].Name != "klein.jpg" || d.Attachments[0].Size != 1000 {
			t.Errorf("attachments %+v", d.Attachments)
		}
		if !strings.Contains(d.Text, "groot.mp4") || !strings.Contains(d.Text, "niet opgehaald") || !strings.Contains(d.ParseError, "groot.mp4") {
			t.Errorf("text %q, parse_error %q", d.Text, d.ParseError)
		}
		data, err := r.bus.GetObject(context.Background(), d.Attachments[0].Object)
		if err != nil || len(data) != 1000 {
			t.Errorf("stored attachment: %d bytes, %v", len(data), err)
		}
	}
}

// TestPermissionMissing: a token without the needed permission stops the
// page's polling with the reason, until a new token arrives.
func TestPermissionMissing(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.fb.Generate(2, 2, 4)
	r.fb.FailNext("*", 1, 403, graphfake.ErrorBody(200, 0, "OAuthException", "(#200) Requires pages_messaging permission"))
	r.run()
	h := r.waitHealthy(false)
	if !strings.Contains(h.LastError, "permission") {
		t.Errorf("reason %q", h.LastError)
	}
	before := r.fb.Requests("*")
	time.Sleep(300 * time.Millisecond)
	if after := r.fb.Requests("*"); after != before {
		t.Errorf("%d requests with a token Facebook refused", after-before)
	}
	r.fb.SetToken("granted")
	r.writeToken("granted")
	r.waitCount(4)
	r.waitHealthy(true)
}
