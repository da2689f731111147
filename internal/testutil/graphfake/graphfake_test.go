package graphfake

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"testing"
)

func get(t *testing.T, u string) (int, map[string]any, http.Header) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v: %s", u, err, b)
	}
	return resp.StatusCode, m, resp.Header
}

func (s *Server) query(token string, extra url.Values) string {
	q := url.Values{"access_token": {token}, "appsecret_proof": {Proof(token, s.AppSecret())}}
	for k, v := range extra {
		q[k] = v
	}
	return q.Encode()
}

func TestPagingWireFormat(t *testing.T) {
	t.Parallel()
	s := Start(t)
	s.Generate(5, 2, 1)
	s.SetUsage(10, 20, map[string]any{s.PageID(): []any{map[string]any{"type": "pages", "call_count": 1}}})
	u := s.URL() + "v21.0/" + s.PageID() + "/conversations?" + s.query(s.Token(), url.Values{"limit": {"3"}})
	status, body, h := get(t, u)
	if status != 200 || len(body["data"].([]any)) != 3 {
		t.Fatalf("%d %v", status, body)
	}
	if h.Get("X-App-Usage") == "" || h.Get("X-Page-Usage") == "" || h.Get("X-Business-Use-Case-Usage") == "" {
		t.Errorf("usage headers missing: %v", h)
	}
	paging := body["paging"].(map[string]any)
	next, _ := paging["next"].(string)
	if next == "" || paging["cursors"] == nil {
		t.Fatalf("paging = %v", paging)
	}
	// Facebook's next URLs carry the token but not the proof.
	nu, _ := url.Parse(next)
	nq := nu.Query()
	nq.Set("appsecret_proof", Proof(s.Token(), s.AppSecret()))
	nu.RawQuery = nq.Encode()
	_, body, _ = get(t, nu.String())
	if len(body["data"].([]any)) != 2 {
		t.Fatalf("second page %v", body)
	}
	if p, ok := body["paging"].(map[string]any); ok && p["next"] != nil {
		t.Errorf("last page has next: %v", p)
	}
	if n := s.Requests("/" + s.PageID() + "/conversations"); n != 2 {
		t.Errorf("requests %d", n)
	}
}

func TestAuthErrors(t *testing.T) {
	t.Parallel()
	s := Start(t)
	status, body, _ := get(t, s.URL()+"v21.0/"+s.PageID()+"/conversations?"+s.query("EAAGexpired", nil))
	e := body["error"].(map[string]any)
	if status != 400 || e["code"] != 190.0 || e["error_subcode"] != 463.0 || e["type"] != "OAuthException" || e["fbtrace_id"] == "" {
		t.Errorf("expired token: %d %v", status, body)
	}
	q := url.Values{"access_token": {s.Token()}, "appsecret_proof": {"00"}}
	status, body, _ = get(t, s.URL()+"v21.0/"+s.PageID()+"/conversations?"+q.Encode())
	if e := body["error"].(map[string]any); status != 400 || e["code"] != 100.0 {
		t.Errorf("bad proof: %d %v", status, body)
	}
	status, body, _ = get(t, s.URL()+"v21.0/t_unknown/messages?"+s.query(s.Token(), nil))
	if e := body["error"].(map[string]any); status != 400 || e["code"] != 100.0 {
		t.Errorf("unknown object: %d %v", status, body)
	}
}

func TestGenerate(t *testing.T) {
	t.Parallel()
	a, b := Start(t), Start(t)
	a.Generate(50, 10, 42)
	b.Generate(50, 10, 42)
	if len(a.convs) != 50 || len(a.files) == 0 {
		t.Fatalf("%d conversations, %d files", len(a.convs), len(a.files))
	}
	for id, c := range a.convs {
		d := b.convs[id]
		if d == nil || len(c.messages) != 10 || c.messages[3].ID != d.messages[3].ID || c.messages[3].Text != d.messages[3].Text {
			t.Fatalf("conversation %s differs between equal seeds", id)
		}
	}
	for id, f := range a.files {
		resp, err := http.Get(a.URL() + "files/" + id)
		if err != nil {
			t.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if n != f.Size || resp.Header.Get("Content-Type") != f.MimeType {
			t.Errorf("file %s: %d bytes of %s, want %d of %s", id, n, resp.Header.Get("Content-Type"), f.Size, f.MimeType)
		}
		break
	}
}
