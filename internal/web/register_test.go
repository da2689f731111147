package web_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/meldpunt/meldpunt/internal/auth"
	"github.com/meldpunt/meldpunt/internal/registry/store"
	"github.com/meldpunt/meldpunt/internal/testutil/natstest"
)

// postMultipart posts a multipart form (fields and files by name), with
// the session's CSRF token when csrf is true.
func (c *client) postMultipart(t testing.TB, path string, fields map[string]string, files map[string][]byte, csrf bool) response {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if csrf {
		fields2 := map[string]string{auth.CSRFFormField: c.csrf}
		for k, v := range fields {
			fields2[k] = v
		}
		fields = fields2
	}
	for k, v := range fields {
		if err := mw.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	for name, data := range files {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="attachments"; filename=%q`, name))
		h.Set("Content-Type", "application/octet-stream")
		pw, err := mw.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pw.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, c.base+path, &buf)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.do(t, req)
}

// streamCount is the number of events on the intake stream.
func streamCount(t testing.TB, e *busEnv) uint64 {
	t.Helper()
	return natstest.StreamCount(t, e.bus)
}

var keyPattern = regexp.MustCompile(`name="idempotency_key" value="([^"]+)"`)

// formKey is the idempotency key of the registration form on page.
func formKey(t testing.TB, page string) string {
	t.Helper()
	m := keyPattern.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no idempotency key in the form:\n%s", page)
	}
	return m[1]
}

var caseLink = regexp.MustCompile(`in dossier <a href="/dossiers/([^"#]+)#bericht-\d+"`)

// registered polls the status page of a registration until it says it is
// registered, and returns the reference of its case.
func registered(t testing.TB, c *client, status string) string {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		r := c.get(t, status)
		if r.status != http.StatusOK {
			t.Fatalf("GET %s = %d\n%s", status, r.status, r.body)
		}
		if strings.Contains(r.body, "<h1>Geregistreerd</h1>") {
			if strings.Contains(r.body, `http-equiv="refresh"`) {
				t.Errorf("the page of a registered registration still reloads itself")
			}
			m := caseLink.FindStringSubmatch(r.body)
			if m == nil {
				t.Fatalf("registered without a case link:\n%s", r.body)
			}
			return m[1]
		}
		if !strings.Contains(r.body, `<meta http-equiv="refresh" content="2">`) || !strings.Contains(r.body, `href="`+status+`">Vernieuwen</a>`) {
			t.Fatalf("the page of a registration not stored yet neither reloads nor offers to:\n%s", r.body)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never said registered:\n%s", status, r.body)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestRegister registers a letter with its scan through the form, as the
// front desk does, posts the same form again, and sees it registered
// once, in a case; a form with mistakes comes back with them in Dutch.
func TestRegister(t *testing.T) {
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := newEnvWith(t, kind, uiOptions{bus: true})
			c := e.login(t, "mieke", auth.RoleOnthaal, "burgerzaken", "gemeente")

			form := c.get(t, "/registreren")
			if form.status != http.StatusOK || !strings.Contains(form.body, `enctype="multipart/form-data"`) ||
				strings.Contains(form.body, `name="domain"`) {
				t.Fatalf("registration form = %d\n%s", form.status, form.body)
			}
			key := formKey(t, form.body)
			if again := formKey(t, c.get(t, "/registreren").body); again == key {
				t.Errorf("two forms got the same key %q", key)
			}
			scan := []byte("%PDF-1.4 een gescande brief")
			fields := map[string]string{"channel": "letter", "direction": "incoming", "citizen_name": "Karel Verstraeten",
				"citizen_address": "Molenstraat 4", "subject": "Brief over de parkeerkaart", "text": "Vraagt een nieuwe bewonerskaart.",
				"letter_date": "2026-12-01", "idempotency_key": key}
			r := c.postMultipart(t, "/registreren", fields, map[string][]byte{"brief.pdf": scan}, true)
			status := r.header.Get("Location")
			if r.status != http.StatusSeeOther || !strings.HasPrefix(status, "/registreren/mp1-") {
				t.Fatalf("POST /registreren = %d to %q\n%s", r.status, status, r.body)
			}
			if page := c.get(t, status); !strings.Contains(page.body, "De registratie is verstuurd.") {
				t.Errorf("the status page lacks the flash:\n%s", page.body)
			}
			ref := registered(t, c, status)
			d, err := e.st.GetCase(t.Context(), ref)
			if err != nil {
				t.Fatal(err)
			}
			if len(d.Messages) != 1 || d.Messages[0].Channel != "letter" || d.Messages[0].SenderName != "Karel Verstraeten" ||
				len(d.Messages[0].Attachments) != 1 || d.Messages[0].Attachments[0].Name != "brief.pdf" ||
				d.Messages[0].SentAt == nil || d.Messages[0].SentAt.In(e.cw.Location()).Format("2006-01-02") != "2026-12-01" {
				t.Errorf("registered case %s: %+v", ref, d.Messages)
			}
			if page := c.get(t, caseURL(ref)); !strings.Contains(page.body, "Brief over de parkeerkaart") || !strings.Contains(page.body, "brief.pdf") {
				t.Errorf("the case page lacks the letter:\n%s", page.body)
			}

			// The same form posted again (a double click, a reload): one
			// registration.
			before := streamCount(t, e)
			r = c.postMultipart(t, "/registreren", fields, map[string][]byte{"brief.pdf": scan}, true)
			if r.status != http.StatusSeeOther || r.header.Get("Location") != status {
				t.Fatalf("second POST = %d to %q, want 303 to %q", r.status, r.header.Get("Location"), status)
			}
			if page := c.get(t, status); !strings.Contains(page.body, "maar één keer geregistreerd") {
				t.Errorf("the second post does not say it registers once:\n%s", page.body)
			}
			if n := streamCount(t, e); n != before {
				t.Errorf("the second post published again: %d → %d events", before, n)
			}
			cases, err := e.st.ListCases(t.Context(), store.CaseFilter{Domains: []string{"gemeente"}})
			if err != nil {
				t.Fatal(err)
			}
			letters := 0
			for _, cs := range cases {
				if cs.Subject == "Brief over de parkeerkaart" {
					letters++
				}
			}
			if letters != 1 {
				t.Errorf("%d cases for the letter, want 1", letters)
			}

			// A status page of another domain's registration says no more
			// than "not yet".
			other := e.login(t, "sofie", auth.RoleOnthaal, "sociale-dienst", "sociaalhuis").get(t, status)
			if strings.Contains(other.body, ref) || strings.Contains(other.body, "Geregistreerd") {
				t.Errorf("sociaalhuis staff see the gemeente registration:\n%s", other.body)
			}
		})
	}
}

// TestRegisterProblems: a form with mistakes comes back with every
// problem in Dutch and what was typed, and nothing is published.
func TestRegisterProblems(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, "sqlite", uiOptions{bus: true})
	c := e.login(t, "mieke", auth.RoleOnthaal, "burgerzaken", "gemeente", "sociaalhuis")
	key := formKey(t, c.get(t, "/registreren").body)
	for _, tc := range []struct {
		name   string
		fields map[string]string
		files  map[string][]byte
		status int
		want   []string
	}{
		{"nothing registered", map[string]string{"channel": "phone", "domain": "gemeente"}, nil, http.StatusBadRequest,
			[]string{"Vul een onderwerp of een tekst in, of voeg een bijlage toe."}},
		{"no domain chosen", map[string]string{"channel": "phone", "subject": "Vraag"}, nil, http.StatusBadRequest,
			[]string{"Domein: kies gemeente of sociaalhuis."}},
		{"wrong details", map[string]string{"channel": "phone", "domain": "gemeente", "subject": "Vraag <over> de kaart",
			"citizen_email": "geen-adres", "citizen_phone": "nul vier", "received_at": "2099-01-01T10:00"}, nil, http.StatusBadRequest,
			[]string{"E-mailadres: dit is geen e-mailadres.", "Telefoon: alleen cijfers", "Ontvangen op: dit ligt in de toekomst.",
				`value="Vraag &lt;over&gt; de kaart"`, `value="geen-adres"`}},
		{"not a scan", map[string]string{"channel": "letter", "domain": "gemeente"}, map[string][]byte{"virus.exe": []byte("MZ\x90\x00")},
			http.StatusBadRequest, []string{"Bijlage 1: dit is geen PDF of afbeelding", "Kies de bijlagen opnieuw"}},
		{"no key", map[string]string{"channel": "phone", "domain": "gemeente", "subject": "x", "idempotency_key": ""}, nil,
			http.StatusBadRequest, []string{"Dit formulier is niet (meer) geldig. Laad de pagina opnieuw."}},
		{"a domain the user may not see", map[string]string{"channel": "phone", "domain": "andere", "subject": "x"}, nil,
			http.StatusBadRequest, []string{"Domein: kies gemeente of sociaalhuis."}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fields := map[string]string{"idempotency_key": key}
			for k, v := range tc.fields {
				fields[k] = v
			}
			r := c.postMultipart(t, "/registreren", fields, tc.files, true)
			if r.status != tc.status {
				t.Fatalf("POST = %d, want %d\n%s", r.status, tc.status, r.body)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.body, w) {
					t.Errorf("the form lacks %q:\n%s", w, r.body)
				}
			}
			if !strings.Contains(r.body, `value="`+key+`"`) && tc.name != "no key" {
				t.Errorf("the form came back with another key")
			}
		})
	}
	// Registering in a domain the user may not see is refused.
	g := e.login(t, "els", auth.RoleOnthaal, "burgerzaken", "gemeente")
	r := g.postMultipart(t, "/registreren", map[string]string{"channel": "phone", "domain": "sociaalhuis", "subject": "x",
		"idempotency_key": "k-1"}, nil, true)
	if r.status != http.StatusForbidden || !strings.Contains(r.body, "Je mag niet registreren in het domein sociaalhuis.") {
		t.Errorf("registering in another domain = %d\n%s", r.status, r.body)
	}
	if n := streamCount(t, e); n != 0 {
		t.Errorf("forms with mistakes published %d events", n)
	}
}

// TestRegisterWithoutBus: without a bus the page says registering is not
// possible, and a post is answered 503.
func TestRegisterWithoutBus(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite")
	c := e.login(t, "mieke", auth.RoleOnthaal, "burgerzaken", "gemeente")
	if r := c.get(t, "/registreren"); r.status != http.StatusOK || !strings.Contains(r.body, "Registreren is nu niet mogelijk") ||
		strings.Contains(r.body, `action="/registreren"`) {
		t.Errorf("form without a bus = %d\n%s", r.status, r.body)
	}
	r := c.postMultipart(t, "/registreren", map[string]string{"channel": "phone", "subject": "x", "idempotency_key": "k"}, nil, true)
	if r.status != http.StatusServiceUnavailable {
		t.Errorf("POST without a bus = %d, want 503", r.status)
	}
}

// seedQuarantine quarantines an item as the registry does.
func seedQuarantine(t testing.TB, st store.Store, subject, eventID string, payload []byte) {
	t.Helper()
	tx, err := st.Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(t.Context()) //nolint:errcheck // no-op after commit
	sum := sha256.Sum256(append([]byte(subject), payload...))
	if err := tx.Quarantine(t.Context(), []store.QuarantineItem{{Key: hex.EncodeToString(sum[:]), Subject: subject, EventID: eventID,
		Reason: "invalid case event: <id> must not be empty", Payload: payload, Deliveries: 1}}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(t.Context()); err != nil {
		t.Fatal(err)
	}
}
