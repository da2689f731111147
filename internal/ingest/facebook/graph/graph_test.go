package graph_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/meldpunt/meldpunt/internal/ingest/facebook/graph"
	"github.com/meldpunt/meldpunt/internal/testutil/graphfake"
)

// newClient starts a fake and a client for it with the fake's token.
func newClient(t *testing.T) (*graphfake.Server, *graph.Client) {
	t.Helper()
	fake := graphfake.Start(t)
	c, err := graph.New(graph.Config{
		BaseURL:           fake.URL(),
		Version:           "v21.0",
		AppID:             "1234567890",
		AppSecret:         fake.AppSecret(),
		Timeout:           5 * time.Second,
		ConversationsRate: -1, // the limiter has its own test
	})
	if err != nil {
		t.Fatal(err)
	}
	c.SetToken(fake.Token())
	return fake, c
}

func allConversations(t *testing.T, c *graph.Client, pageID string) ([]graph.Conversation, int, error) {
	t.Helper()
	var got []graph.Conversation
	pages := 0
	err := c.Conversations(context.Background(), pageID, func(cs []graph.Conversation) (bool, error) {
		pages++
		got = append(got, cs...)
		return true, nil
	})
	return got, pages, err
}

func TestConversationsPagingThroughEmptyPages(t *testing.T) {
	t.Parallel()
	fake, c := newClient(t)
	fake.Generate(23, 1, 7)
	fake.SetPageSize(5)
	fake.EmptyPageEvery(1) // data, empty, data, empty, ...

	got, pages, err := allConversations(t, c, fake.PageID())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 23 || pages != 5 {
		t.Fatalf("got %d conversations in %d pages, want 23 in 5", len(got), pages)
	}
	// 5 data pages and 4 empty ones between them.
	if n := fake.Requests("/" + fake.PageID() + "/conversations"); n != 9 {
		t.Errorf("requests = %d, want 9", n)
	}
	seen := map[string]bool{}
	for i, cv := range got {
		if seen[cv.ID] {
			t.Errorf("conversation %s twice", cv.ID)
		}
		seen[cv.ID] = true
		if !strings.HasPrefix(cv.ID, "t_") || cv.MessageCount != 1 || len(cv.Participants) != 2 {
			t.Errorf("conversation %d = %+v", i, cv)
		}
		if i > 0 && cv.UpdatedTime.After(got[i-1].UpdatedTime) {
			t.Errorf("conversation %d is newer than %d", i, i-1)
		}
	}
	q := fake.LastQuery("/" + fake.PageID() + "/conversations")
	if q.Get("platform") != "messenger" || !strings.Contains(q.Get("fields"), "updated_time") {
		t.Errorf("query = %v", q)
	}
}

func TestEarlyStop(t *testing.T) {
	t.Parallel()
	fake, c := newClient(t)
	fake.Generate(20, 1, 1)
	fake.SetPageSize(5)
	calls := 0
	err := c.Conversations(context.Background(), fake.PageID(), func(cs []graph.Conversation) (bool, error) {
		calls++
		return calls < 2, nil
	})
	if err != nil || calls != 2 {
		t.Fatalf("err %v, calls %d", err, calls)
	}
	if n := fake.Requests("/" + fake.PageID() + "/conversations"); n != 2 {
		t.Errorf("requests = %d, want 2", n)
	}

	stop := errors.New("stop")
	err = c.Conversations(context.Background(), fake.PageID(), func([]graph.Conversation) (bool, error) { return true, stop })
	if err != stop {
		t.Errorf("fn's error came back as %v", err)
	}
}

func TestMessages(t *testing.T) {
	t.Parallel()
	fake, c := newClient(t)
	fake.SetPageSize(2)
	fake.EmptyPageEvery(2)
	citizen := graphfake.Person{ID: "24000000000000001", Name: "Noor Jansen"}
	fake.AddConversation("t_100", citizen)
	at := time.Date(2026, 12, 4, 10, 15, 0, 0, time.UTC)
	first := fake.AddMessage("t_100", graphfake.Message{CreatedTime: at, From: citizen, Text: "De lantaarnpaal is kapot."})
	fake.AddMessage("t_100", graphfake.Message{CreatedTime: at.Add(time.Minute), From: citizen,
		Attachments: []graphfake.Attachment{{Name: "foto.jpg", MimeType: "image/jpeg", Data: []byte("jpeg")}}})
	fake.AddMessage("t_100", graphfake.Message{CreatedTime: at.Add(2 * time.Minute), From: citizen,
		Attachments: []graphfake.Attachment{{Name: "brief.pdf", MimeType: "application/pdf", Size: 3000}}})
	gone := fake.AddMessage("t_100", graphfake.Message{CreatedTime: at.Add(3 * time.Minute), From: citizen, Text: "oeps"})
	fake.AddMessage("t_100", graphfake.Message{CreatedTime: at.Add(4 * time.Minute), From: citizen, Sticker: "https://cdn.example/sticker.png"})
	fake.AddMessage("t_100", graphfake.Message{CreatedTime: at.Add(5 * time.Minute), From: fake.Page(), Text: "Dank u, we gaan het maken.",
		Shares: []string{"https://www.voorbeeld.nl/melding"}})
	if !fake.DeleteMessage("t_100", gone) {
		t.Fatal("delete failed")
	}

	var got []graph.Message
	err := c.Messages(context.Background(), "t_100", func(ms []graph.Message) (bool, error) {
		got = append(got, ms...)
		return true, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 5 {
		t.Fatalf("got %d messages, want 5", len(got))
	}
	for _, m := range got {
		if m.ID == gone {
			t.Error("deleted message returned")
		}
		if !strings.HasPrefix(m.ID, "m_") {
			t.Errorf("id %q", m.ID)
		}
	}
	newest, oldest := got[0], got[4]
	if newest.From.ID != fake.PageID() || len(newest.To) != 1 || newest.To[0].ID != citizen.ID ||
		len(newest.Shares) != 1 || newest.Shares[0] != "https://www.voorbeeld.nl/melding" {
		t.Errorf("newest = %+v", newest)
	}
	if oldest.ID != first || !oldest.CreatedTime.Equal(at) || oldest.Text != "De lantaarnpaal is kapot." || oldest.From != (graph.Person{ID: citizen.ID, Name: citizen.Name, Email: citizen.ID + "@facebook.com"}) {
		t.Errorf("oldest = %+v", oldest)
	}
	if got[1].Sticker != "https://cdn.example/sticker.png" {
		t.Errorf("sticker = %q", got[1].Sticker)
	}
	pdf, img := got[2].Attachments, got[3].Attachments
	if len(pdf) != 1 || pdf[0].Kind != graph.KindFile || pdf[0].Size != 3000 || pdf[0].Name != "brief.pdf" || pdf[0].MimeType != "application/pdf" || pdf[0].URL == "" {
		t.Errorf("pdf = %+v", pdf)
	}
	if len(img) != 1 || img[0].Kind != graph.KindImage || img[0].URL == "" || img[0].ID == "" {
		t.Errorf("image = %+v", img)
	}

	data, ct, truncated, err := c.Download(context.Background(), img[0].URL, 100)
	if err != nil || truncated || ct != "image/jpeg" || string(data) != "jpeg" {
		t.Errorf("download = %q %q %v %v", data, ct, truncated, err)
	}
	data, _, truncated, err = c.Download(context.Background(), pdf[0].URL, 2999)
	if err != nil || !truncated || data != nil {
		t.Errorf("download over the limit = %d bytes, truncated %v, %v", len(data), truncated, err)
	}
	data, _, truncated, err = c.Download(context.Background(), pdf[0].URL, 3000)
	if err != nil || truncated || len(data) != 3000 {
		t.Errorf("download at the limit = %d bytes, truncated %v, %v", len(data), truncated, err)
	}
	_, _, _, err = c.Download(context.Background(), fake.URL()+"files/nope", 10)
	if graph.Classify(err) != graph.Permanent {
		t.Errorf("download of a missing file: %v is %v", err, graph.Classify(err))
	}
}

func TestFeedAndComments(t *testing.T) {
	t.Parallel()
	fake, c := newClient(t)
	fake.SetPageSize(2)
	base := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
	old := fake.AddPost(graphfake.Post{Text: "Oud bericht", CreatedTime: base})
	visitor := graphfake.Person{ID: "24000000000000002", Name: "Bram Visser"}
	p1 := fake.AddPost(graphfake.Post{Text: "Werkzaamheden Lindelaan", CreatedTime: base.Add(48 * time.Hour),
		Attachments: []graphfake.Attachment{{Name: "kaart.png", MimeType: "image/png", Size: 10}}})
	p2 := fake.AddPost(graphfake.Post{Text: "Bij ons is de stoep kapot", From: visitor, CreatedTime: base.Add(72 * time.Hour)})

	var posts []graph.Post
	err := c.Feed(context.Background(), fake.PageID(), base.Add(24*time.Hour), func(ps []graph.Post) (bool, error) {
		posts = append(posts, ps...)
		return true, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(posts) != 2 || posts[0].ID != p2 || posts[1].ID != p1 {
		t.Fatalf("posts = %+v (old %s)", posts, old)
	}
	if posts[0].From.ID != visitor.ID || posts[0].PermalinkURL == "" || !posts[0].CreatedTime.Equal(base.Add(72*time.Hour)) {
		t.Errorf("visitor post = %+v", posts[0])
	}
	if a := posts[1].Attachments; len(a) != 1 || a[0].Kind != graph.KindImage || a[0].URL == "" {
		t.Errorf("attachments = %+v", a)
	}

	c1 := fake.AddComment(p1, graphfake.Comment{Text: "Hoe lang gaat dat duren?", From: visitor, CreatedTime: base.Add(49 * time.Hour)})
	fake.AddComment(p1, graphfake.Comment{Text: "Twee weken.", From: fake.Page(), ParentID: c1, CreatedTime: base.Add(50 * time.Hour)})
	fake.AddComment(p1, graphfake.Comment{Text: "Zie foto", From: visitor, CreatedTime: base.Add(51 * time.Hour),
		Attachment: &graphfake.Attachment{Name: "foto.jpg", MimeType: "image/jpeg", Size: 5}})
	var comments []graph.Comment
	err = c.Comments(context.Background(), p1, time.Time{}, func(cs []graph.Comment) (bool, error) {
		comments = append(comments, cs...)
		return true, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(comments) != 3 || comments[0].ID != c1 || comments[1].ParentID != c1 || len(comments[2].Attachments) != 1 {
		t.Fatalf("comments = %+v", comments)
	}
	if q := fake.LastQuery("/" + p1 + "/comments"); q.Get("filter") != "stream" {
		t.Errorf("query = %v", q)
	}
	comments = nil
	err = c.Comments(context.Background(), p1, base.Add(50*time.Hour), func(cs []graph.Comment) (bool, error) {
		comments = append(comments, cs...)
		return true, nil
	})
	if err != nil || len(comments) != 2 {
		t.Errorf("comments since = %d, %v", len(comments), err)
	}
}

func TestErrorClasses(t *testing.T) {
	t.Parallel()
	json := func(code, sub int) string {
		return graphfake.ErrorBody(code, sub, "OAuthException", fmt.Sprintf("error %d", code))
	}
	tests := []struct {
		name   string
		status int
		body   string
		want   graph.Class
	}{
		{"unknown error 1", 500, json(1, 0), graph.Transient},
		{"service 2", 503, json(2, 0), graph.Transient},
		{"proxy 502 page", 502, "<html><body><h1>502 Bad Gateway</h1></body></html>", graph.Transient},
		{"200 but not json", 200, "<html>hallo</html>", graph.Transient},
		{"app limit 4", 403, json(4, 0), graph.Throttled},
		{"user limit 17", 403, json(17, 0), graph.Throttled},
		{"page limit 32", 403, json(32, 0), graph.Throttled},
		{"custom limit 613", 403, json(613, 0), graph.Throttled},
		{"page buc 80001", 403, json(80001, 0), graph.Throttled},
		{"messenger buc 80006", 403, json(80006, 0), graph.Throttled},
		{"token 190", 400, json(190, 460), graph.TokenInvalid},
		{"session 102", 400, json(102, 0), graph.TokenInvalid},
		{"permission 10", 403, json(10, 0), graph.Permission},
		{"permission 200", 403, json(200, 0), graph.Permission},
		{"permission 230", 403, json(230, 0), graph.Permission},
		{"bad parameter 100", 400, json(100, 0), graph.Permanent},
	}
	fake, c := newClient(t)
	fake.AddConversation("t_1")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake.FailNext("/"+fake.PageID()+"/conversations", 1, tt.status, tt.body)
			_, _, err := allConversations(t, c, fake.PageID())
			if got := graph.Classify(err); got != tt.want {
				t.Fatalf("Classify(%v) = %v, want %v", err, got, tt.want)
			}
			var ge *graph.Error
			if !errors.As(err, &ge) || ge.HTTPStatus != tt.status {
				t.Errorf("error %#v has no status %d", err, tt.status)
			}
			if _, _, err := allConversations(t, c, fake.PageID()); err != nil {
				t.Errorf("after the failure: %v", err)
			}
		})
	}
}

func TestFailureMidPaging(t *testing.T) {
	t.Parallel()
	fake, c := newClient(t)
	fake.Generate(6, 1, 3)
	fake.SetPageSize(2)
	var got []graph.Conversation
	path := "/" + fake.PageID() + "/conversations"
	err := c.Conversations(context.Background(), fake.PageID(), func(cs []graph.Conversation) (bool, error) {
		got = append(got, cs...)
		if len(got) == 2 {
			fake.FailNext(path, 1, 500, graphfake.ErrorBody(2, 0, "OAuthException", "Service temporarily unavailable"))
		}
		return true, nil
	})
	if graph.Classify(err) != graph.Transient || len(got) != 2 {
		t.Fatalf("err %v after %d conversations", err, len(got))
	}
	if !strings.Contains(err.Error(), "Service temporarily unavailable") {
		t.Errorf("error text %q", err)
	}
}

func TestConnectionErrorAndTimeout(t *testing.T) {
	t.Parallel()
	fake, c := newClient(t)
	fake.Close()
	_, _, err := allConversations(t, c, fake.PageID())
	if err == nil || graph.Classify(err) != graph.Transient {
		t.Errorf("closed server: %v is %v", err, graph.Classify(err))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = c.Conversations(ctx, "1", func([]graph.Conversation) (bool, error) { return true, nil })
	if !errors.Is(err, context.Canceled) || graph.Classify(err) != graph.Transient {
		t.Errorf("cancelled: %v", err)
	}
}

func TestTokenReplaced(t *testing.T) {
	t.Parallel()
	fake, c := newClient(t)
	fake.AddConversation("t_1")
	fake.SetToken("EAAGnewToken")
	_, _, err := allConversations(t, c, fake.PageID())
	var ge *graph.Error
	if graph.Classify(err) != graph.TokenInvalid || !errors.As(err, &ge) || ge.Code != 190 || ge.Subcode != 463 || ge.FBTraceID == "" {
		t.Fatalf("old token: %v", err)
	}
	c.SetToken("EAAGnewToken")
	if got, _, err := allConversations(t, c, fake.PageID()); err != nil || len(got) != 1 {
		t.Fatalf("new token: %d, %v", len(got), err)
	}
}

func TestAppsecretProof(t *testing.T) {
	t.Parallel()
	fake := graphfake.Start(t)
	c, err := graph.New(graph.Config{BaseURL: fake.URL(), AppSecret: "not-the-secret"})
	if err != nil {
		t.Fatal(err)
	}
	c.SetToken(fake.Token())
	_, _, err = allConversations(t, c, fake.PageID())
	var ge *graph.Error
	if !errors.As(err, &ge) || ge.Code != 100 || !strings.Contains(ge.Message, "appsecret_proof") {
		t.Fatalf("wrong secret: %v", err)
	}
	q := fake.LastQuery("/" + fake.PageID() + "/conversations")
	if q.Get("appsecret_proof") != graphfake.Proof(fake.Token(), "not-the-secret") {
		t.Errorf("proof sent = %q", q.Get("appsecret_proof"))
	}
	if _, err := graph.New(graph.Config{BaseURL: fake.URL()}); err == nil {
		t.Error("New without an app secret succeeded")
	}
}

func TestUsageBackoff(t *testing.T) {
	t.Parallel()
	fake, c := newClient(t)
	fake.AddConversation("t_1")
	run := func() {
		t.Helper()
		if _, _, err := allConversations(t, c, fake.PageID()); err != nil {
			t.Fatal(err)
		}
	}
	run()
	if u := c.Usage(); u.Backoff() != 0 || u.At.IsZero() {
		t.Errorf("no headers: %+v backoff %v", u, u.Backoff())
	}
	fake.SetUsage(40, 20, nil)
	run()
	if u := c.Usage(); u.App.CallCount != 40 || u.Page.TotalTime != 20 || u.Backoff() != 0 {
		t.Errorf("low usage: %+v backoff %v", u, u.Backoff())
	}
	fake.SetUsage(10, 97, nil)
	run()
	if b := c.Usage().Backoff(); b < time.Minute {
		t.Errorf("page at 97%%: backoff %v", b)
	}
	fake.SetUsage(10, 10, map[string]any{fake.PageID(): []map[string]any{{
		"type": "messenger", "call_count": 100, "total_cputime": 30, "total_time": 40, "estimated_time_to_regain_access": 42,
	}}})
	fake.FailNext("*", 1, 403, graphfake.ErrorBody(80006, 0, "OAuthException", "There have been too many messenger api calls"))
	_, _, err := allConversations(t, c, fake.PageID())
	if graph.Classify(err) != graph.Throttled {
		t.Fatalf("throttle: %v", err)
	}
	u := c.Usage()
	if b := u.Backoff(); b != 42*time.Minute {
		t.Errorf("backoff %v, want 42m", b)
	}
	if buc := u.BusinessUseCase[fake.PageID()]; len(buc) != 1 || buc[0].Type != "messenger" || buc[0].CallCount != 100 {
		t.Errorf("buc = %+v", u.BusinessUseCase)
	}
}

func TestUsageBackoffCurve(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		app      string
		min, max time.Duration
	}{
		{"idle", `{"call_count":0,"total_cputime":0,"total_time":0}`, 0, 0},
		{"74", `{"call_count":74,"total_cputime":1,"total_time":1}`, 0, 0},
		{"75", `{"call_count":1,"total_cputime":75,"total_time":1}`, time.Second, 30 * time.Second},
		{"89", `{"call_count":1,"total_cputime":1,"total_time":89}`, time.Minute, 2 * time.Minute},
		{"95", `{"call_count":95}`, 2 * time.Minute, 10 * time.Minute},
		{"100", `{"call_count":100}`, 5 * time.Minute, 15 * time.Minute},
		{"garbage", `{"call_count":"x"`, 0, 0},
	}
	prev := time.Duration(0)
	for _, tt := range tests {
		h := http.Header{}
		h.Set("X-App-Usage", tt.app)
		b := graph.ParseUsage(h).Backoff()
		if b < tt.min || b > tt.max {
			t.Errorf("%s: backoff %v not in [%v, %v]", tt.name, b, tt.min, tt.max)
		}
		if tt.name != "garbage" && b < prev {
			t.Errorf("%s: backoff %v shrank from %v", tt.name, b, prev)
		}
		prev = b
	}
}

func TestParseTime(t *testing.T) {
	t.Parallel()
	want := time.Date(2026, 12, 4, 10, 15, 0, 0, time.UTC)
	for _, s := range []string{"2026-12-04T10:15:00+0000", "2026-12-04T11:15:00+0100", "2026-12-04T10:15:00Z", "2026-12-04T10:15:00+00:00", "1796379300"} {
		got, err := graph.ParseTime(s)
		if err != nil || !got.Equal(want) {
			t.Errorf("ParseTime(%q) = %v, %v", s, got, err)
		}
	}
	if _, err := graph.ParseTime("4 december"); graph.Classify(err) != graph.Permanent {
		t.Errorf("bad time: %v", err)
	}
}

func TestDecodeTolerance(t *testing.T) {
	t.Parallel()
	// Numbers where strings are documented, and a stray page without paging.
	body := []byte(`{"data":[{"id":123,"created_time":"2026-12-04T10:15:00+0000","from":{"id":456},` +
		`"attachments":{"data":[{"id":7,"size":"12","mime_type":"audio/mpeg","file_url":"https://x/y"}]}}]}`)
	ms, next, err := graph.DecodeMessages(body)
	if err != nil || next != "" || len(ms) != 1 || ms[0].ID != "123" || ms[0].From.ID != "456" ||
		ms[0].Attachments[0].Size != 12 || ms[0].Attachments[0].Kind != graph.KindAudio {
		t.Fatalf("%+v %q %v", ms, next, err)
	}
	if _, _, err := graph.DecodeMessages([]byte(`{"error":{}}`)); graph.Classify(err) != graph.Permanent {
		t.Errorf("no data: %v", err)
	}
	if _, _, err := graph.DecodeMessages(bytes.Repeat([]byte("["), 10)); err == nil {
		t.Error("garbage decoded")
	}
}
