package web_test

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/meldpunt/meldpunt/internal/auth"
	"github.com/meldpunt/meldpunt/internal/bus"
)

// TestSources: the connectors' reports on the bus, summed up for staff:
// which source waits for a person (an expired Facebook token), which
// fails, which works, and, when they stop reporting, which went silent.
func TestSources(t *testing.T) {
	t.Parallel()
	var ahead atomic.Int64 // how far the UI's clock runs ahead of the bus's
	clock := func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) }
	e := newEnvWith(t, "sqlite", uiOptions{bus: true, clock: clock})
	c := e.login(t, "els", auth.RoleBehandelaar, "", "gemeente")
	if r := c.get(t, "/bronnen"); r.status != http.StatusOK || !strings.Contains(r.body, "Nog geen bron heeft zich gemeld.") {
		t.Errorf("sources before any report = %d\n%s", r.status, r.body)
	}
	reported := time.Now()
	if err := e.bus.PutSourceReports(t.Context(), []bus.SourceReport{
		{Connector: "facebook", Channel: "facebook", Source: "gemeente/1234", LastSuccess: reported.Add(-26 * time.Hour),
			LastError: `token expired <code 190>`, LastErrorAt: reported.Add(-time.Minute), ConsecutiveFailures: 12, NeedsPerson: true,
			ReportedAt: reported, IntervalSeconds: 60},
		{Connector: "mail", Channel: "email", Source: "info/INBOX", LastSuccess: reported.Add(-time.Minute), ReportedAt: reported, IntervalSeconds: 60},
		{Connector: "mail", Channel: "email", Source: "sociaalhuis/INBOX", LastSuccess: reported.Add(-time.Hour),
			LastError: "dial tcp: connection refused", LastErrorAt: reported.Add(-time.Minute), ConsecutiveFailures: 2, ReportedAt: reported,
			IntervalSeconds: 60},
	}); err != nil {
		t.Fatal(err)
	}
	row := func(body, source string) string {
		t.Helper()
		i := strings.Index(body, `<th scope="row">`+source+`</th>`)
		if i < 0 {
			t.Fatalf("no row of %s:\n%s", source, body)
		}
		j := strings.Index(body[i:], "</tr>")
		return body[i : i+j]
	}
	body := c.get(t, "/bronnen").body
	for source, wants := range map[string][]string{
		"gemeente/1234":     {"Actie nodig", "token expired &lt;code 190&gt;", `<strong class="laat">ja</strong>`, ">12<"},
		"info/INBOX":        {"In orde", "<td>nee</td>"},
		"sociaalhuis/INBOX": {"Mislukt, probeert opnieuw", "connection refused", ">2<"},
	} {
		r := row(body, source)
		for _, want := range wants {
			if !strings.Contains(r, want) {
				t.Errorf("row %s lacks %q:\n%s", source, want, r)
			}
		}
		if strings.Contains(r, "stil") {
			t.Errorf("row %s is silent:\n%s", source, r)
		}
	}
	if !strings.Contains(body, "1 bron vraagt aandacht") {
		t.Errorf("the page does not say a source needs attention:\n%s", body)
	}
	// An hour later without reports, every source is silent.
	ahead.Store(int64(time.Hour))
	body = c.get(t, "/bronnen").body
	for _, source := range []string{"info/INBOX", "sociaalhuis/INBOX"} {
		if r := row(body, source); !strings.Contains(r, "<strong class=\"laat\">Stil</strong>") {
			t.Errorf("row %s is not silent an hour later:\n%s", source, r)
		}
	}
	if !strings.Contains(body, "3 bronnen vragen aandacht") {
		t.Errorf("the page does not count the silent sources:\n%s", body)
	}
	// Front-desk staff do not see the sources.
	if r := e.login(t, "mieke", auth.RoleOnthaal, "", "gemeente").get(t, "/bronnen"); r.status != http.StatusForbidden {
		t.Errorf("sources for onthaal = %d, want 403", r.status)
	}
	// Without the bus the page says so.
	plain := newEnv(t, "sqlite")
	if r := plain.login(t, "els", auth.RoleBehandelaar, "", "gemeente").get(t, "/bronnen"); r.status != http.StatusOK ||
		!strings.Contains(r.body, "leest de meldingen van de bronnen niet") {
		t.Errorf("sources without a bus = %d\n%s", r.status, r.body)
	}
}
