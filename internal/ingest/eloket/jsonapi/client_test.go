package jsonapi

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/meldpunt/meldpunt/internal/testutil/jsonapifake"
)

func fakeConfig(s *jsonapifake.Server, cursor Cursor) Config {
	return Config{
		URL:     s.ListURL(),
		Auth:    Auth{Kind: "bearer", Token: jsonapifake.DefaultToken},
		Cursor:  cursor,
		Mapping: fakeMapping,
		Timeout: 5 * time.Second,
	}
}

var cursors = []struct {
	name   string
	cursor Cursor
}{
	{"timestamp", Cursor{Kind: CursorTimestamp, Param: "since", PageSizeParam: "per_page", PageSize: 20}},
	{"id", Cursor{Kind: CursorID, Param: "after_id", PageSizeParam: "per_page", PageSize: 20}},
	{"page", Cursor{Kind: CursorPage, Param: "page", PageSizeParam: "per_page", PageSize: 20}},
	{"page without size", Cursor{Kind: CursorPage, Param: "page"}},
	{"timestamp without size", Cursor{Kind: CursorTimestamp, Param: "since"}},
}

// collect runs Fetch from cursor `after`, storing the cursor only when fn
// returns nil, as the connector does after JetStream acknowledged.
func collect(t *testing.T, c *Client, after string, seen map[string]int) string {
	t.Helper()
	err := c.Fetch(t.Context(), after, func(items []Item, next string) error {
		for _, it := range items {
			if it.ParseError != "" {
				t.Errorf("item %s: %s", it.ID, it.ParseError)
			}
			seen[it.ID]++
		}
		after = next
		return nil
	})
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	return after
}

func TestFetchEveryCursorKind(t *testing.T) {
	t.Parallel()
	for _, tt := range cursors {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := jsonapifake.Start(t)
			s.Generate(137, 7)
			c, err := NewClient(fakeConfig(s, tt.cursor))
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]int{}
			cur := collect(t, c, "", seen)
			checkOnce(t, s.IDs(), seen, tt.cursor.Kind == CursorPage)

			// New submissions arrive; a second run picks them up from the cursor.
			s.Generate(23, 8)
			cur = collect(t, c, cur, seen)
			checkOnce(t, s.IDs(), seen, tt.cursor.Kind == CursorPage)

			// Nothing new: nothing delivered beyond a re-read short page.
			before := sum(seen)
			collect(t, c, cur, seen)
			if tt.cursor.Kind != CursorPage && sum(seen) != before {
				t.Errorf("an idle poll delivered %d items", sum(seen)-before)
			}
		})
	}
}

// checkOnce wants every id seen; exactly once, unless re-reading the last
// short page is allowed (the page cursor does that on purpose).
func checkOnce(t *testing.T, ids []string, seen map[string]int, rereadAllowed bool) {
	t.Helper()
	for _, id := range ids {
		if seen[id] == 0 {
			t.Errorf("id %s lost", id)
		} else if seen[id] > 1 && !rereadAllowed {
			t.Errorf("id %s seen %d times", id, seen[id])
		}
	}
	if len(seen) != len(ids) {
		t.Errorf("seen %d distinct ids, server has %d", len(seen), len(ids))
	}
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func TestFetchStopsWhenFnFails(t *testing.T) {
	t.Parallel()
	s := jsonapifake.Start(t)
	s.Generate(50, 1)
	c, err := NewClient(fakeConfig(s, cursors[0].cursor))
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("nats down")
	stored, pages := "", 0
	err = c.Fetch(t.Context(), "", func(items []Item, next string) error {
		pages++
		if pages == 2 {
			return boom
		}
		stored = next
		return nil
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Fetch = %v, want the fn error", err)
	}
	// Resuming from the stored cursor delivers the rest, nothing lost.
	seen := map[string]int{}
	collect(t, c, stored, seen)
	if len(seen) != 30 {
		t.Errorf("resumed run saw %d items, want 30", len(seen))
	}
}

func TestFetchMalformedItemFlows(t *testing.T) {
	t.Parallel()
	s := jsonapifake.Start(t)
	s.Generate(10, 2)
	s.InjectMalformed()
	s.Generate(10, 3)
	c, err := NewClient(fakeConfig(s, cursors[0].cursor))
	if err != nil {
		t.Fatal(err)
	}
	var good, bad int
	err = c.Fetch(t.Context(), "", func(items []Item, next string) error {
		for _, it := range items {
			if it.ParseError != "" {
				bad++
				if !strings.Contains(string(it.Raw), "kapot") {
					t.Errorf("malformed item lost its raw JSON: %s", it.Raw)
				}
			} else {
				good++
			}
		}
		return nil
	})
	if err != nil || good != 20 || bad != 1 {
		t.Errorf("good %d, bad %d, err %v", good, bad, err)
	}
}

func TestFetchAuthKinds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		require func(*jsonapifake.Server)
		auth    Auth
		wantErr int
	}{
		{"bearer", func(s *jsonapifake.Server) { s.RequireBearer("tok") }, Auth{Kind: "bearer", Token: "tok"}, 0},
		{"wrong bearer", func(s *jsonapifake.Server) { s.RequireBearer("tok") }, Auth{Kind: "bearer", Token: "nope"}, 401},
		{"basic", func(s *jsonapifake.Server) { s.RequireBasic("u", "p") }, Auth{Kind: "basic", User: "u", Password: "p"}, 0},
		{"wrong basic", func(s *jsonapifake.Server) { s.RequireBasic("u", "p") }, Auth{Kind: "basic", User: "u", Password: "x"}, 401},
		{"header", func(s *jsonapifake.Server) { s.RequireHeader("X-Api-Key", "k") }, Auth{Kind: "header", Header: "X-Api-Key", Value: "k"}, 0},
		{"missing", func(s *jsonapifake.Server) { s.RequireHeader("X-Api-Key", "k") }, Auth{}, 401},
		{"none", func(s *jsonapifake.Server) { s.RequireNothing() }, Auth{}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := jsonapifake.Start(t)
			s.Generate(3, 1)
			tt.require(s)
			cfg := fakeConfig(s, cursors[0].cursor)
			cfg.Auth = tt.auth
			c, err := NewClient(cfg)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			err = c.Fetch(t.Context(), "", func(items []Item, _ string) error { n += len(items); return nil })
			var he *Error
			switch {
			case tt.wantErr == 0 && (err != nil || n != 3):
				t.Errorf("Fetch = %d items, %v", n, err)
			case tt.wantErr != 0 && (!errors.As(err, &he) || he.HTTPStatus != tt.wantErr):
				t.Errorf("Fetch = %v, want status %d", err, tt.wantErr)
			case tt.wantErr != 0 && IsTransient(err):
				t.Errorf("%v counted as transient", err)
			}
		})
	}
}

func TestFetchTransientErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		status    int
		body      string
		transient bool
	}{
		{"500", 500, "oops", true},
		{"503", 503, "", true},
		{"429", 429, "slow down", true},
		{"garbage 200", 200, "<html>maintenance</html>", true},
		{"connection closed", 0, "", true},
		{"404", 404, "not found", false},
		{"400", 400, "bad", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := jsonapifake.Start(t)
			s.Generate(30, 4)
			c, err := NewClient(fakeConfig(s, cursors[0].cursor))
			if err != nil {
				t.Fatal(err)
			}
			s.FailNext(1, tt.status, tt.body)
			err = c.Fetch(t.Context(), "", func([]Item, string) error { return nil })
			if err == nil {
				t.Fatal("no error")
			}
			if IsTransient(err) != tt.transient {
				t.Errorf("IsTransient(%v) = %v", err, !tt.transient)
			}
			// The retry after the failure gets everything.
			seen := map[string]int{}
			collect(t, c, "", seen)
			checkOnce(t, s.IDs(), seen, false)
		})
	}
}

func TestFetchTimeout(t *testing.T) {
	t.Parallel()
	block := make(chan struct{})
	s := jsonapifake.Start(t)
	cfg := fakeConfig(s, cursors[0].cursor)
	cfg.Timeout = 50 * time.Millisecond
	cfg.HTTPClient = &http.Client{Transport: roundTripperFunc(func(r *http.Request) (*http.Response, error) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
		return nil, r.Context().Err()
	})}
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	err = c.Fetch(context.Background(), "", func([]Item, string) error { return nil })
	if err == nil || !IsTransient(err) {
		t.Errorf("Fetch = %v, want a transient timeout", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := c.Fetch(ctx, "", func([]Item, string) error { return nil }); IsTransient(err) {
		t.Errorf("a cancelled fetch counted as transient: %v", err)
	}
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestNewClientReportsEverything(t *testing.T) {
	t.Parallel()
	_, err := NewClient(Config{URL: "ftp://x", Auth: Auth{Kind: "magic"}, Cursor: Cursor{Kind: "fish", PageSize: 10}})
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"url", "auth kind", "cursor kind", "cursor param", "page_size_param", "mapping id", "mapping timestamp"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %q:\n%v", want, err)
		}
	}
}
