package open311fake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

var (
	from = time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	to   = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
)

func get(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func list(t *testing.T, s *Server, q url.Values) []map[string]any {
	t.Helper()
	code, body := get(t, s.URL()+"/requests.json?"+q.Encode())
	if code != 200 {
		t.Fatalf("http %d: %s", code, body)
	}
	var items []map[string]any
	d := json.NewDecoder(strings.NewReader(body))
	d.UseNumber()
	if err := d.Decode(&items); err != nil {
		t.Fatal(err)
	}
	return items
}

func TestGenerate(t *testing.T) {
	t.Parallel()
	a, b := Start(t), Start(t)
	a.Generate(300, from, to, 42)
	b.Generate(300, from, to, 42)
	if a.Total() != 300 {
		t.Fatalf("total %d", a.Total())
	}
	ra, rb := a.All(), b.All()
	for i := range ra {
		ra[i].MediaURL, rb[i].MediaURL = "", ""
		if ra[i] != rb[i] {
			t.Fatalf("not reproducible: %+v != %+v", ra[i], rb[i])
		}
		if ra[i].Requested.Before(from) || !ra[i].Requested.Before(to) {
			t.Errorf("request at %v outside the period", ra[i].Requested)
		}
		if i > 0 && ra[i].Requested.After(ra[i-1].Requested) {
			t.Error("All is not newest first")
		}
	}
}

func TestListing(t *testing.T) {
	t.Parallel()
	s := Start(t)
	s.Generate(2000, from, to, 1)
	q := url.Values{"start_date": {"2023-01-01T00:00:00Z"}, "end_date": {"2024-01-01T00:00:00Z"}}
	if code, body := get(t, s.URL()+"/requests.json?"+q.Encode()); code != 400 || !strings.Contains(body, "90 days") {
		t.Errorf("a year's window: http %d %s", code, body)
	}
	all := s.All()
	newest := all[0].Requested
	q = url.Values{"start_date": {newest.Add(-MaxWindow).Format(time.RFC3339)}, "end_date": {newest.Format(time.RFC3339)}}
	s.SetMaxResults(10)
	items := list(t, s, q)
	if len(items) != 10 {
		t.Fatalf("%d items, want the cap of 10", len(items))
	}
	if id := fmt.Sprint(items[0]["service_request_id"]); id != all[0].ID {
		t.Errorf("first item %s, want the newest %s", id, all[0].ID)
	}
	s.SetPaging(true)
	q.Set("page", "2")
	q.Set("page_size", "4")
	if items := list(t, s, q); len(items) != 4 {
		t.Errorf("page 2: %d items", len(items))
	}
	if n := s.Requests(); n != 3 {
		t.Errorf("Requests() = %d, want 3", n)
	}
}

func TestFailuresAndChecks(t *testing.T) {
	t.Parallel()
	s := Start(t)
	s.FailNext(2, 503, "Service Unavailable")
	for range 2 {
		if code, _ := get(t, s.URL()+"/services.json"); code != 503 {
			t.Errorf("http %d, want 503", code)
		}
	}
	if code, body := get(t, s.URL()+"/services.xml"); code != 200 || !strings.Contains(body, "<service_code>SLUIK</service_code>") {
		t.Errorf("services.xml: %d %s", code, body)
	}
	s.RequireAPIKey("k")
	if code, _ := get(t, s.URL()+"/requests.json"); code != 403 {
		t.Errorf("no key: http %d", code)
	}
	if code, _ := get(t, s.URL()+"/requests.xml?api_key=k"); code != 200 {
		t.Errorf("key: http %d", code)
	}
}

func TestMalformedAndXML(t *testing.T) {
	t.Parallel()
	s := Start(t)
	id := s.Add(Request{Requested: time.Now().Add(-time.Hour), Description: "Graffiti", HasLocation: true, Lat: 51, Long: 3.7})
	s.InjectMalformed(id)
	items := list(t, s, nil)
	if len(items) != 1 || items[0]["requested_datetime"] != json.Number("12") || items[0]["lat"] != "north" {
		t.Errorf("malformed item %v", items)
	}
	_, body := get(t, s.URL()+"/requests.xml")
	if !strings.Contains(body, "<lat>north</lat>") || !strings.Contains(body, "<service_requests>") {
		t.Errorf("xml %s", body)
	}
}
