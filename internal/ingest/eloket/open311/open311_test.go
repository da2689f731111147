package open311_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/meldpunt/meldpunt/internal/ingest/eloket/open311"
	"github.com/meldpunt/meldpunt/internal/testutil/open311fake"
)

var (
	from = time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	to   = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
)

func newClient(t *testing.T, cfg open311.Config) *open311.Client {
	t.Helper()
	c, err := open311.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// listAll lists [from, to) and fails the test on duplicates.
func listAll(t *testing.T, c *open311.Client) (map[string]open311.Request, error) {
	t.Helper()
	got := map[string]open311.Request{}
	err := c.Requests(context.Background(), from, to, func(batch []open311.Request) error {
		for _, r := range batch {
			if _, dup := got[r.ID]; dup {
				t.Errorf("request %s passed on twice", r.ID)
			}
			got[r.ID] = r
		}
		return nil
	})
	return got, err
}

func wantAll(t *testing.T, s *open311fake.Server, got map[string]open311.Request) {
	t.Helper()
	all := s.All()
	if len(got) != len(all) {
		t.Errorf("listed %d requests, server has %d", len(got), len(all))
	}
	for _, r := range all {
		if _, ok := got[r.ID]; !ok {
			t.Errorf("request %s (%s) missing", r.ID, r.Requested)
		}
	}
}

func TestRequestsTwoYears(t *testing.T) {
	t.Parallel()
	s := open311fake.Start(t)
	s.Generate(300, from, to, 1)
	got, err := listAll(t, newClient(t, open311.Config{BaseURL: s.URL()}))
	if err != nil {
		t.Fatal(err)
	}
	wantAll(t, s, got)
	if n, windows := s.Requests(), 9; n != windows {
		t.Errorf("%d listings, want one per 90-day window (%d)", n, windows)
	}
	var media, contact, located int
	for _, want := range s.All() {
		r := got[want.ID]
		if r.ParseError != "" {
			t.Errorf("request %s: parse error %s", r.ID, r.ParseError)
		}
		if !r.RequestedAt.Equal(want.Requested) || !r.UpdatedAt.Equal(want.Updated) ||
			r.ServiceCode != want.ServiceCode || r.ServiceName != want.ServiceName ||
			r.Description != want.Description || r.Address != want.Address || r.ZipCode != want.ZipCode ||
			r.Status != want.Status || r.MediaURL != want.MediaURL || r.Email != want.Email ||
			r.Phone != want.Phone || r.FirstName != want.FirstName || r.LastName != want.LastName ||
			r.HasLocation != want.HasLocation || r.Lat != want.Lat && !near(r.Lat, want.Lat) ||
			r.Long != want.Long && !near(r.Long, want.Long) {
			t.Errorf("request %s:\n got %+v\nwant %+v", r.ID, r, want)
		}
		if len(r.Raw) == 0 || r.Raw[0] != '{' {
			t.Errorf("request %s: raw %q", r.ID, r.Raw)
		}
		if r.MediaURL != "" {
			media++
		}
		if r.Email != "" {
			contact++
		}
		if r.HasLocation {
			located++
		}
	}
	if media == 0 || contact == 0 || located == 0 || located == len(got) {
		t.Errorf("dataset not varied: %d with media, %d with contact, %d located", media, contact, located)
	}
}

func near(a, b float64) bool { return a-b < 1e-6 && b-a < 1e-6 }

// maxIn90Days is the most requests any 90-day window of the dataset holds.
func maxIn90Days(s *open311fake.Server) int {
	all := s.All() // newest first
	best := 0
	for i := range all {
		n := 0
		for j := i; j < len(all) && all[i].Requested.Sub(all[j].Requested) < open311.MaxWindow; j++ {
			n++
		}
		best = max(best, n)
	}
	return best
}

func TestRequestsOverflowingWindows(t *testing.T) {
	t.Parallel()
	s := open311fake.Start(t)
	s.Generate(5000, from, to, 2)
	if n := maxIn90Days(s); n <= open311.MaxResults {
		t.Fatalf("dataset has at most %d requests in 90 days, want a window over %d", n, open311.MaxResults)
	}
	got, err := listAll(t, newClient(t, open311.Config{BaseURL: s.URL()}))
	if err != nil {
		t.Fatal(err)
	}
	wantAll(t, s, got)
	if s.Requests() <= 9 {
		t.Errorf("%d listings: windows were not split", s.Requests())
	}
}

func TestRequestsLowServerCap(t *testing.T) {
	t.Parallel()
	s := open311fake.Start(t)
	s.Generate(600, from, to, 3)
	s.SetMaxResults(50)
	got, err := listAll(t, newClient(t, open311.Config{BaseURL: s.URL(), MaxResults: 50}))
	if err != nil {
		t.Fatal(err)
	}
	wantAll(t, s, got)
}

func TestRequestsPaging(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		paging bool
	}{
		{"server pages", true},
		{"server ignores page", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := open311fake.Start(t)
			s.Generate(3000, from, to, 4)
			s.SetPaging(tc.paging)
			got, err := listAll(t, newClient(t, open311.Config{BaseURL: s.URL(), PageSize: 200}))
			if err != nil {
				t.Fatal(err)
			}
			wantAll(t, s, got)
		})
	}
}

func TestRequestsSameSecondFull(t *testing.T) {
	t.Parallel()
	s := open311fake.Start(t)
	at := from.Add(time.Hour)
	for range 5 {
		s.Add(open311fake.Request{Requested: at, ServiceCode: "SLUIK", Description: "x"})
	}
	s.SetMaxResults(3)
	got, err := listAll(t, newClient(t, open311.Config{BaseURL: s.URL(), MaxResults: 3}))
	if !errors.Is(err, open311.ErrWindowFull) {
		t.Fatalf("err = %v, want ErrWindowFull", err)
	}
	if len(got) != 3 {
		t.Errorf("got %d requests, want the 3 the server gave", len(got))
	}
}

func TestRequestsUpdatedSeenAgain(t *testing.T) {
	t.Parallel()
	s := open311fake.Start(t)
	s.Generate(20, from, to, 5)
	id := s.All()[3].ID
	c := newClient(t, open311.Config{BaseURL: s.URL()})
	if _, err := listAll(t, c); err != nil {
		t.Fatal(err)
	}
	s.Update(id, "closed")
	got, err := listAll(t, c)
	if err != nil {
		t.Fatal(err)
	}
	if r := got[id]; r.Status != "closed" || r.StatusNotes == "" || !r.UpdatedAt.After(r.RequestedAt) {
		t.Errorf("updated request listed as %+v", r)
	}
}

func TestRequestsMalformedItem(t *testing.T) {
	t.Parallel()
	for _, format := range []string{"json", "xml"} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			s := open311fake.Start(t)
			s.Generate(50, from, from.Add(30*24*time.Hour), 6)
			bad := s.All()[10].ID // newest first: items after it follow in the same answer
			s.InjectMalformed(bad)
			got, err := listAll(t, newClient(t, open311.Config{BaseURL: s.URL(), Format: format}))
			if err != nil {
				t.Fatal(err)
			}
			wantAll(t, s, got)
			r := got[bad]
			if !strings.Contains(r.ParseError, "requested_datetime") || !strings.Contains(r.ParseError, "lat") {
				t.Errorf("parse error %q, want requested_datetime and lat", r.ParseError)
			}
			if r.HasLocation || !r.RequestedAt.IsZero() || r.Description == "" || len(r.Raw) == 0 {
				t.Errorf("malformed request decoded as %+v", r)
			}
			for id, r := range got {
				if id != bad && r.ParseError != "" {
					t.Errorf("request %s: parse error %s", id, r.ParseError)
				}
			}
		})
	}
}

func TestRequestsXMLSameAsJSON(t *testing.T) {
	t.Parallel()
	s := open311fake.Start(t)
	s.Generate(300, from, to, 7)
	j, err := listAll(t, newClient(t, open311.Config{BaseURL: s.URL()}))
	if err != nil {
		t.Fatal(err)
	}
	x, err := listAll(t, newClient(t, open311.Config{BaseURL: s.URL(), Format: "xml"}))
	if err != nil {
		t.Fatal(err)
	}
	if len(j) != len(x) || len(j) != 300 {
		t.Fatalf("json %d requests, xml %d", len(j), len(x))
	}
	for id, a := range j {
		b := x[id]
		if len(b.Raw) == 0 || b.Raw[0] != '{' {
			t.Errorf("xml raw %q", b.Raw)
		}
		a.Raw, b.Raw = nil, nil
		a.Lat, a.Long, b.Lat, b.Long = round(a.Lat), round(a.Long), round(b.Lat), round(b.Long)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("request %s:\njson %+v\n xml %+v", id, a, b)
		}
	}
}

func round(f float64) float64 { return float64(int64(f*1e6+0.5)) / 1e6 }

func TestCredentialsSent(t *testing.T) {
	t.Parallel()
	s := open311fake.Start(t)
	s.Generate(10, from, to, 8)
	s.RequireAPIKey("sleutel-123")
	s.RequireJurisdiction("meldegem.be")
	good := newClient(t, open311.Config{BaseURL: s.URL(), APIKey: "sleutel-123", JurisdictionID: "meldegem.be"})
	got, err := listAll(t, good)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 10 {
		t.Errorf("got %d requests, want 10", len(got))
	}
	if svcs, err := good.Services(context.Background()); err != nil || len(svcs) == 0 {
		t.Errorf("services: %v, %v", svcs, err)
	}
	for _, tc := range []struct {
		name string
		cfg  open311.Config
		code int
	}{
		{"no key", open311.Config{BaseURL: s.URL(), JurisdictionID: "meldegem.be"}, 403},
		{"wrong key", open311.Config{BaseURL: s.URL(), JurisdictionID: "meldegem.be", APIKey: "fout"}, 403},
		{"no jurisdiction", open311.Config{BaseURL: s.URL(), APIKey: "sleutel-123"}, 404},
	} {
		_, err := listAll(t, newClient(t, tc.cfg))
		var he *open311.Error
		if !errors.As(err, &he) || he.HTTPStatus != tc.code || open311.IsTransient(err) {
			t.Errorf("%s: err = %v, want a permanent http %d", tc.name, err, tc.code)
		}
	}
}

func TestTransientErrors(t *testing.T) {
	t.Parallel()
	s := open311fake.Start(t)
	s.Generate(30, from, to, 9)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(2 * time.Second):
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(slow.Close)
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()

	for _, tc := range []struct {
		name      string
		url       string
		fail      func()
		transient bool
		garbage   bool
	}{
		{"503", s.URL(), func() { s.FailNext(1, 503, "Service Unavailable") }, true, false},
		{"429", s.URL(), func() { s.FailNext(1, 429, "") }, true, false},
		{"500 open311 error", s.URL(), func() { s.FailNext(1, 500, open311fake.ErrorBody(500, "database down")) }, true, false},
		{"garbage 200", s.URL(), func() { s.FailNext(1, 200, "<html><body>Onderhoud</body></html>") }, true, true},
		{"truncated 200", s.URL(), func() { s.FailNext(1, 200, `[{"service_request_id":"1",`) }, true, true},
		{"400", s.URL(), func() { s.FailNext(1, 400, open311fake.ErrorBody(400, "bad")) }, false, false},
		{"timeout", slow.URL, func() {}, true, false},
		{"connection refused", closed.URL, func() {}, true, false},
	} {
		tc.fail()
		c := newClient(t, open311.Config{BaseURL: tc.url, Timeout: 200 * time.Millisecond, APIKey: "geheim"})
		_, err := listAll(t, c)
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if open311.IsTransient(err) != tc.transient || errors.Is(err, open311.ErrGarbage) != tc.garbage {
			t.Errorf("%s: err %v: transient %v, garbage %v", tc.name, err, open311.IsTransient(err), errors.Is(err, open311.ErrGarbage))
		}
		if strings.Contains(err.Error(), "geheim") {
			t.Errorf("%s: api key in error %v", tc.name, err)
		}
	}
	// The server recovers; the next listing is complete.
	got, err := listAll(t, newClient(t, open311.Config{BaseURL: s.URL()}))
	if err != nil || len(got) != 30 {
		t.Errorf("after failures: %d requests, %v", len(got), err)
	}
	if open311.IsTransient(context.Canceled) || open311.IsTransient(nil) {
		t.Error("cancel or nil is transient")
	}
}

func TestFnErrorStops(t *testing.T) {
	t.Parallel()
	s := open311fake.Start(t)
	s.Generate(300, from, to, 10)
	c := newClient(t, open311.Config{BaseURL: s.URL()})
	stop := errors.New("stop")
	calls := 0
	err := c.Requests(context.Background(), from, to, func([]open311.Request) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("err %v after %d calls", err, calls)
	}
}

func TestServices(t *testing.T) {
	t.Parallel()
	s := open311fake.Start(t)
	for _, format := range []string{"json", "xml"} {
		svcs, err := newClient(t, open311.Config{BaseURL: s.URL(), Format: format}).Services(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(svcs) < 10 {
			t.Fatalf("%s: %d services", format, len(svcs))
		}
		want := open311.Service{Code: "SLUIK", Name: "Sluikstort", Description: "Afval dat illegaal is achtergelaten", Group: "Netheid"}
		if svcs[0] != want {
			t.Errorf("%s: first service %+v, want %+v", format, svcs[0], want)
		}
	}
}

func TestDownload(t *testing.T) {
	t.Parallel()
	s := open311fake.Start(t)
	photo := append([]byte{0xFF, 0xD8, 0xFF, 0xE0}, make([]byte, 5000)...)
	u := s.AddMedia("foto.jpg", photo)
	c := newClient(t, open311.Config{BaseURL: s.URL()})
	ctx := context.Background()
	for _, tc := range []struct {
		name      string
		limit     int64
		size      int
		truncated bool
	}{
		{"within", 10000, len(photo), false},
		{"exact", int64(len(photo)), len(photo), false},
		{"over", 1000, 1000, true},
		{"default", 0, len(photo), false},
	} {
		data, ct, truncated, err := c.Download(ctx, u, tc.limit)
		if err != nil || len(data) != tc.size || truncated != tc.truncated || ct != "image/jpeg" {
			t.Errorf("%s: %d bytes, %q, truncated %v, %v", tc.name, len(data), ct, truncated, err)
		}
	}
	var he *open311.Error
	if _, _, _, err := c.Download(ctx, s.URL()+"/media/weg.jpg", 0); !errors.As(err, &he) || he.HTTPStatus != 404 {
		t.Errorf("missing media: %v", err)
	}
	if _, _, _, err := c.Download(ctx, "file:///etc/passwd", 0); err == nil {
		t.Error("file url downloaded")
	}
}

func TestGeneratedMediaDownloads(t *testing.T) {
	t.Parallel()
	s := open311fake.Start(t)
	s.Generate(40, from, to, 11)
	c := newClient(t, open311.Config{BaseURL: s.URL()})
	n := 0
	for _, r := range s.All() {
		if r.MediaURL == "" {
			continue
		}
		data, _, _, err := c.Download(context.Background(), r.MediaURL, 0)
		if err != nil || len(data) < 4 || data[0] != 0xFF || data[1] != 0xD8 {
			t.Errorf("media %s: %d bytes, %v", r.MediaURL, len(data), err)
		}
		n++
	}
	if n == 0 {
		t.Error("no media in dataset")
	}
}

func TestNewRejects(t *testing.T) {
	t.Parallel()
	for _, cfg := range []open311.Config{
		{BaseURL: ""},
		{BaseURL: "ftp://x"},
		{BaseURL: "https://x", Format: "csv"},
		{BaseURL: "https://x", PageSize: -1},
	} {
		if _, err := open311.New(cfg); err == nil {
			t.Errorf("New(%+v) accepted", cfg)
		}
	}
}
