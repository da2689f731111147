package imap_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/oauth2"

	"github.com/meldpunt/meldpunt/internal/ingest/imap"
)

func memConfig(t *testing.T, m *memServer) imap.Config {
	t.Helper()
	host, port := splitAddr(t, m.addr)
	return imap.Config{Host: host, Port: port, Security: imap.SecurityNone, Timeout: 5 * time.Second,
		Auth: imap.Auth{Method: imap.AuthPlain, Username: m.username, Password: m.password}}
}

func TestXOAUTH2Client(t *testing.T) {
	c := imap.NewXOAUTH2Client("gemeentebestuur@example.gov", "ya29.token")
	mech, ir, err := c.Start()
	if err != nil {
		t.Fatal(err)
	}
	if mech != "XOAUTH2" || string(ir) != "user=gemeentebestuur@example.gov\x01auth=Bearer ya29.token\x01\x01" {
		t.Fatalf("start: %q %q", mech, ir)
	}
	// The error challenge is answered with an empty response.
	resp, err := c.Next([]byte(`{"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}`))
	if err != nil || resp == nil || len(resp) != 0 {
		t.Fatalf("next: %q, %v; want an empty response", resp, err)
	}
	for _, bad := range [][2]string{{"", "t"}, {"u", ""}, {"u\x01x", "t"}, {"u", "t\x01"}} {
		if _, _, err := imap.NewXOAUTH2Client(bad[0], bad[1]).Start(); err == nil {
			t.Errorf("start with user %q token %q succeeded", bad[0], bad[1])
		}
	}
}

func TestXOAUTH2Login(t *testing.T) {
	t.Parallel()
	m := startMemServer(t, memOptions{})
	m.acceptToken("goed")
	m.append(t, "INBOX", message(1))

	cfg := memConfig(t, m)
	cfg.Auth = imap.Auth{Method: imap.AuthXOAUTH2, Username: m.username, TokenSource: oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "goed"})}
	c := dial(t, cfg)
	f := selectFolder(t, c, "INBOX", true)
	if f.Messages != 1 {
		t.Fatalf("%d messages; want 1", f.Messages)
	}
	got := fetchAll(t, c, []uint32{1}, 0)
	if len(got) != 1 || string(got[0].Raw) != string(message(1)) {
		t.Fatalf("fetched %v", got)
	}

	// A rejected token: the JSON challenge is answered, the server says
	// NO, and the error tells why.
	cfg.Auth.TokenSource = oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "verlopen"})
	_, err := imap.Dial(t.Context(), cfg, nil)
	if !errors.Is(err, imap.ErrAuthFailed) || imap.IsConnectionError(err) {
		t.Fatalf("dial with a bad token: %v; want ErrAuthFailed", err)
	}
	var challenge *imap.XOAUTH2Error
	if !errors.As(err, &challenge) || challenge.Status != "401" || challenge.Scope != imap.MicrosoftIMAPScope {
		t.Fatalf("error %v does not carry the challenge", err)
	}
	if !strings.Contains(err.Error(), "status 401") {
		t.Errorf("error %q does not say status 401", err)
	}
}

func TestXOAUTH2TokenSourceError(t *testing.T) {
	t.Parallel()
	m := startMemServer(t, memOptions{})
	cfg := memConfig(t, m)
	cfg.Auth = imap.Auth{Method: imap.AuthXOAUTH2, Username: m.username, TokenSource: failingSource{}}
	_, err := imap.Dial(t.Context(), cfg, nil)
	if err == nil || !strings.Contains(err.Error(), "get token") {
		t.Fatalf("dial: %v", err)
	}
	cfg.Auth.TokenSource = nil
	if _, err := imap.Dial(t.Context(), cfg, nil); err == nil {
		t.Fatal("xoauth2 without a token source accepted")
	}
}

type failingSource struct{}

func (failingSource) Token() (*oauth2.Token, error) { return nil, errors.New("tenant unknown") }

// tokenEndpoint is a fake Microsoft identity platform.
type tokenEndpoint struct {
	*httptest.Server
	expiresIn int
	mu        sync.Mutex
	requests  []url.Values
}

func startTokenEndpoint(t *testing.T, expiresIn int) *tokenEndpoint {
	e := &tokenEndpoint{expiresIn: expiresIn}
	e.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/tenant-id/oauth2/v2.0/token" {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		e.mu.Lock()
		e.requests = append(e.requests, r.PostForm)
		n := len(e.requests)
		e.mu.Unlock()
		if r.PostForm.Get("client_secret") != "geheim" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided."}`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"token_type":"Bearer","expires_in":%d,"ext_expires_in":%d,"access_token":"token-%d"}`, e.expiresIn, e.expiresIn, n)
	}))
	t.Cleanup(e.Close)
	return e
}

func (e *tokenEndpoint) count() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.requests)
}

func TestClientCredentials(t *testing.T) {
	t.Parallel()
	e := startTokenEndpoint(t, 3600)
	ts := imap.ClientCredentialsTokenSource(t.Context(), e.URL+"/tenant-id/oauth2/v2.0/token", "app-id", "geheim", imap.MicrosoftIMAPScope)
	for range 3 {
		tok, err := ts.Token()
		if err != nil {
			t.Fatal(err)
		}
		if tok.AccessToken != "token-1" {
			t.Fatalf("token %q; want token-1 (reused)", tok.AccessToken)
		}
	}
	if n := e.count(); n != 1 {
		t.Fatalf("%d token requests; want 1", n)
	}
	form := e.requests[0]
	for k, want := range map[string]string{
		"grant_type":    "client_credentials",
		"scope":         "https://outlook.office365.com/.default",
		"client_id":     "app-id",
		"client_secret": "geheim",
	} {
		if got := form.Get(k); got != want {
			t.Errorf("%s = %q; want %q", k, got, want)
		}
	}
}

// A token that expires within TokenExpiryDelta is replaced before use.
func TestClientCredentialsRefreshBeforeExpiry(t *testing.T) {
	t.Parallel()
	e := startTokenEndpoint(t, int((imap.TokenExpiryDelta - time.Minute).Seconds()))
	ts := imap.ClientCredentialsTokenSource(t.Context(), e.URL+"/tenant-id/oauth2/v2.0/token", "app-id", "geheim", imap.MicrosoftIMAPScope)
	var got []string
	for range 2 {
		tok, err := ts.Token()
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, tok.AccessToken)
	}
	if !slices.Equal(got, []string{"token-1", "token-2"}) {
		t.Fatalf("tokens %q; want a fresh one each time", got)
	}
}

func TestClientCredentialsRejected(t *testing.T) {
	t.Parallel()
	e := startTokenEndpoint(t, 3600)
	ts := imap.ClientCredentialsTokenSource(t.Context(), e.URL+"/tenant-id/oauth2/v2.0/token", "app-id", "fout", imap.MicrosoftIMAPScope)
	_, err := ts.Token()
	if err == nil || !strings.Contains(err.Error(), "invalid_client") {
		t.Fatalf("token with a wrong secret: %v", err)
	}
}

// The whole way: client credentials from the fake endpoint, then XOAUTH2.
func TestXOAUTH2WithClientCredentials(t *testing.T) {
	t.Parallel()
	e := startTokenEndpoint(t, 3600)
	m := startMemServer(t, memOptions{})
	m.acceptToken("token-1")
	cfg := memConfig(t, m)
	cfg.Auth = imap.Auth{
		Method:      imap.AuthXOAUTH2,
		Username:    m.username,
		TokenSource: imap.ClientCredentialsTokenSource(t.Context(), e.URL+"/tenant-id/oauth2/v2.0/token", "app-id", "geheim", imap.MicrosoftIMAPScope),
	}
	for range 2 {
		c := dial(t, cfg)
		selectFolder(t, c, "INBOX", true)
		c.Close()
	}
	if n := e.count(); n != 1 {
		t.Errorf("%d token requests for two connections; want 1", n)
	}
	if got := m.presented(); !slices.Equal(got, []string{"token-1", "token-1"}) {
		t.Errorf("tokens presented: %q", got)
	}
}

func TestMicrosoftTokenURL(t *testing.T) {
	for tenant, want := range map[string]string{
		"contoso.onmicrosoft.com":              "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token",
		"72f988bf-86f1-41af-91ab-2d7cd011db47": "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/oauth2/v2.0/token",
		"a/b":                                  "https://login.microsoftonline.com/a%2Fb/oauth2/v2.0/token",
	} {
		if got := imap.MicrosoftTokenURL(tenant); got != want {
			t.Errorf("MicrosoftTokenURL(%q) = %q; want %q", tenant, got, want)
		}
	}
	if imap.MicrosoftTokenSource(context.Background(), "t", "id", "secret") == nil {
		t.Fatal("nil token source")
	}
}

func FuzzXOAUTH2Challenge(f *testing.F) {
	f.Add([]byte(`{"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}`))
	f.Add([]byte(`{"status":"400","schemes":"Bearer","scope":"https://outlook.office365.com/.default"}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(``))
	f.Add([]byte("not json \x00\xff\r\n"))
	f.Add([]byte(`{"status":401}`))
	f.Fuzz(func(t *testing.T, challenge []byte) {
		c := imap.NewXOAUTH2Client("user@example.org", "token")
		if _, _, err := c.Start(); err != nil {
			t.Fatal(err)
		}
		resp, err := c.Next(challenge)
		if err != nil || resp == nil || len(resp) != 0 {
			t.Fatalf("next(%q) = %q, %v; want an empty response", challenge, resp, err)
		}
		if _, err := c.Next(challenge); err == nil {
			t.Fatal("second challenge accepted")
		}
		// What the server sent ends up in an error message: it must be
		// printable, valid UTF-8 and short.
		msg := imap.ParseXOAUTH2ErrorForTest(challenge).Error()
		if !utf8.ValidString(msg) || len(msg) > 4*300+100 {
			t.Fatalf("error message %q", msg)
		}
		for _, r := range msg {
			if r < ' ' || r == 0x7f {
				t.Fatalf("control character in %q", msg)
			}
		}
	})
}
