package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/meldpunt/meldpunt/internal/auth"
	"github.com/meldpunt/meldpunt/internal/registry/api"
	"github.com/meldpunt/meldpunt/internal/registry/casework"
	"github.com/meldpunt/meldpunt/internal/registry/store"
	"github.com/meldpunt/meldpunt/internal/registry/store/postgres"
	"github.com/meldpunt/meldpunt/internal/registry/store/sqlite"
	"github.com/meldpunt/meldpunt/internal/testutil/pgtest"
)

// storeKinds are the stores the API tests that change cases run against.
var storeKinds = []string{"postgres", "sqlite"}

// openStore opens a migrated SQLite store for one test.
func openStore(t *testing.T) (store.Store, *slog.Logger) {
	return openStoreKind(t, "sqlite")
}

// openStoreKind opens a migrated store of the given kind for one test.
func openStoreKind(t *testing.T, kind string) (store.Store, *slog.Logger) {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	var (
		st  store.Store
		err error
	)
	switch kind {
	case "sqlite":
		st, err = sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "api.db"), log)
	case "postgres":
		st, err = postgres.Open(t.Context(), pgtest.DSN(t), log)
	default:
		t.Fatalf("unknown store kind %q", kind)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return st, log
}

// testServer is the API behind the real authentication middleware.
type testServer struct {
	*httptest.Server
	svc *auth.Service
	api *api.Handler
}

func newServer(t *testing.T, st store.Store, log *slog.Logger, opts casework.Options) *testServer {
	t.Helper()
	// Cheap password hashing: the tests sign in many times.
	svc, err := auth.New(st, auth.Options{Password: auth.Params{Memory: 8 * 1024, Time: 1, Threads: 1}, InsecureCookie: true})
	if err != nil {
		t.Fatal(err)
	}
	h := api.New(st, casework.New(st, opts), log)
	mux := http.NewServeMux()
	h.Register(mux)
	srv := httptest.NewServer(auth.Middleware(svc)(mux))
	t.Cleanup(srv.Close)
	return &testServer{Server: srv, svc: svc, api: h}
}

// token makes an integration token with role in domains and returns its
// secret.
func (s *testServer) token(t *testing.T, role string, domains ...string) string {
	t.Helper()
	secret, _, err := s.svc.CreateToken(t.Context(), auth.NewToken{Name: role + "-" + strings.Join(domains, "-"),
		Roles: []string{role}, Domains: domains})
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

// user adds a user with role in domains and returns a session for them.
func (s *testServer) session(t *testing.T, username, role string, domains ...string) auth.Session {
	t.Helper()
	if _, err := s.svc.AddUser(t.Context(), store.User{Username: username, DisplayName: username,
		Roles: []string{role}, Domains: domains}, "een-lang-genoeg-wachtwoord-"+username); err != nil {
		t.Fatal(err)
	}
	ns, err := s.svc.NewSession(t.Context(), username)
	if err != nil {
		t.Fatal(err)
	}
	return ns
}

// client returns an HTTP client that sends the bearer token (none when
// empty).
func (s *testServer) client(token string) *http.Client {
	return &http.Client{Transport: bearer{token}}
}

type bearer struct{ token string }

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	if b.token != "" {
		r = r.Clone(r.Context())
		r.Header.Set("Authorization", "Bearer "+b.token)
	}
	return http.DefaultTransport.RoundTrip(r)
}

// do sends a request with a JSON body (nil: none) and returns the status
// and body.
func do(t *testing.T, c *http.Client, method, url string, body any) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}
