package jsonapifake

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"
)

func get(t *testing.T, url string, auth bool) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), "GET", url, nil)
	if auth {
		req.Header.Set("Authorization", "Bearer "+DefaultToken)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v map[string]any
	json.NewDecoder(resp.Body).Decode(&v)
	return resp.StatusCode, v
}

func TestServer(t *testing.T) {
	t.Parallel()
	s := Start(t)
	s.Generate(60, 1)
	if code, _ := get(t, s.ListURL(), false); code != 401 {
		t.Errorf("no token: status %d", code)
	}
	code, v := get(t, s.ListURL()+"?per_page=50&page=2", true)
	items := v["data"].(map[string]any)["items"].([]any)
	if code != 200 || len(items) != 10 {
		t.Fatalf("page 2: status %d, %d items", code, len(items))
	}
	first := items[0].(map[string]any)
	if _, ok := first["id"].(float64); !ok {
		t.Errorf("id is not a number: %#v", first["id"])
	}
	since := first["created"].(string)
	_, v = get(t, s.ListURL()+"?since="+since, true)
	if n := len(v["data"].(map[string]any)["items"].([]any)); n != 9 {
		t.Errorf("since %s: %d items, want 9", since, n)
	}
	s.FailNext(2, 503, "busy")
	for range 2 {
		if code, _ := get(t, s.ListURL(), true); code != 503 {
			t.Errorf("FailNext: status %d", code)
		}
	}
	if code, _ := get(t, s.ListURL(), true); code != 200 {
		t.Errorf("after failures: status %d", code)
	}
	files := first["files"].([]any)
	for _, f := range files {
		resp, err := http.Get(f.(map[string]any)["url"].(string))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || len(b) < 100 || b[0] != 0xFF {
			t.Errorf("file: status %d, %d bytes", resp.StatusCode, len(b))
		}
	}
}

func TestGenerateIsDeterministic(t *testing.T) {
	t.Parallel()
	a, b := Start(t), Start(t)
	a.Generate(20, 9)
	b.Generate(20, 9)
	_, va := get(t, a.ListURL()+"?per_page=20", true)
	_, vb := get(t, b.ListURL()+"?per_page=20", true)
	ia, ib := va["data"].(map[string]any)["items"].([]any), vb["data"].(map[string]any)["items"].([]any)
	for i := range ia {
		x, y := ia[i].(map[string]any), ib[i].(map[string]any)
		if x["created"] != y["created"] || x["contact"].(map[string]any)["email"] != y["contact"].(map[string]any)["email"] {
			t.Fatalf("item %d differs", i)
		}
	}
}
