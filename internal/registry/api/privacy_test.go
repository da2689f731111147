package api_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/meldpunt/meldpunt/internal/registry/api"
	"github.com/meldpunt/meldpunt/internal/registry/casework"
	"github.com/meldpunt/meldpunt/internal/registry/privacy"
	"github.com/meldpunt/meldpunt/internal/registry/store"
)

// privacySeed is a gemeente citizen (An) and a sociaalhuis citizen
// (Sofie), each with a case, a message, its raw original and an
// attachment.
type privacySeed struct {
	an, sofie         int64
	anCase, sofieCase string
}

func seedPrivacy(t *testing.T, st store.Store) privacySeed {
	t.Helper()
	ctx := t.Context()
	opened := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	tx, err := st.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck
	var s privacySeed
	people := []struct {
		domain, name, email, subject string
		id                           *int64
		ref                          *string
	}{
		{"gemeente", "An Vermeulen", "an.vermeulen@voorbeeld.be", "Kapotte verlichting Dorpsplein", &s.an, &s.anCase},
		{"sociaalhuis", "Sofie Brouckaert", "sofie.brouckaert@voorbeeld.be", "Aanvraag leefloon", &s.sofie, &s.sofieCase},
	}
	var blobs []store.Blob
	for i, p := range people {
		if *p.id, err = tx.UpsertContact(ctx, p.domain, store.Contact{Name: p.name, Email: p.email}); err != nil {
			t.Fatal(err)
		}
		refs, err := tx.CreateCases(ctx, []store.NewCase{{Prefix: "MP", Year: 2026, Domain: p.domain, Type: "vraag",
			Subject: p.subject, Channel: "email", ContactID: *p.id, OpenedAt: opened}})
		if err != nil {
			t.Fatal(err)
		}
		*p.ref = refs[0].Ref
		raw := privacyBlob("From: " + p.name + " <" + p.email + ">\r\n\r\n" + p.subject)
		att := privacyBlob("scan van " + p.name)
		blobs = append(blobs, raw, att)
		if err := tx.InsertMessages(ctx, []*store.Message{{EventID: fmt.Sprint("pa-", i), CaseID: refs[0].ID, ContactID: *p.id,
			Channel: "email", Direction: "incoming", Inbox: "gemeentebestuur", Domain: p.domain, SenderName: p.name,
			SenderEmail: p.email, Subject: p.subject, Text: "Beste, " + p.subject, EventTime: opened, StoredAt: opened,
			Event: []byte(`{"sender":"` + p.name + `"}`), RawSHA256: raw.SHA256, RawContentType: "message/rfc822",
			RawSize: int64(len(raw.Data)), Attachments: []store.Attachment{{Name: "scan.pdf", ContentType: "application/pdf",
				Size: int64(len(att.Data)), SHA256: att.SHA256}}}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.PutBlobs(ctx, blobs); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

func privacyBlob(data string) store.Blob {
	sum := sha256.Sum256([]byte(data))
	return store.Blob{SHA256: hex.EncodeToString(sum[:]), Data: []byte(data)}
}

// get sends a GET with the reason header (none when empty).
func getWithReason(t *testing.T, c *http.Client, url, reason string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if reason != "" {
		req.Header.Set(api.ReasonHeader, reason)
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
	return resp.StatusCode, resp.Header, b
}

func accessLog(t *testing.T, c *http.Client, url string) api.AccessLog {
	t.Helper()
	code, b := do(t, c, http.MethodGet, url, nil)
	if code != http.StatusOK {
		t.Fatalf("GET %s = %d %s", url, code, b)
	}
	var l api.AccessLog
	mustJSON(t, b, &l)
	return l
}

// TestPrivacyAPI: views of cases are logged with their reason (required
// for the sociaalhuis), a citizen is exported as a zip and erased, and the
// access log shows each user only their domains; on both stores.
func TestPrivacyAPI(t *testing.T) {
	t.Parallel()
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			st, log := openStoreKind(t, kind)
			s := seedPrivacy(t, st)
			srv := newServer(t, st, log, casework.Options{})
			admin := srv.client(srv.token(t, "beheerder", "gemeente", "sociaalhuis"))
			gemAdmin := srv.client(srv.token(t, "beheerder", "gemeente"))
			handler := srv.client(srv.token(t, "behandelaar", "gemeente", "sociaalhuis"))
			caseURL := func(ref string) string { return srv.URL + "/api/v1/cases/" + ref }
			citizenURL := func(id int64, what string) string { return fmt.Sprintf("%s/api/v1/citizens/%d/%s", srv.URL, id, what) }

			// Views: the sociaalhuis needs a reason, the gemeente not.
			code, _, b := getWithReason(t, admin, caseURL(s.sofieCase), "")
			if code != http.StatusBadRequest || !strings.Contains(string(b), api.ReasonHeader) || !strings.Contains(string(b), "reden") {
				t.Errorf("sociaalhuis case without a reason = %d %s, want 400", code, b)
			}
			if code, _, b := getWithReason(t, admin, caseURL(s.sofieCase), "   "); code != http.StatusBadRequest {
				t.Errorf("sociaalhuis case with a blank reason = %d %s, want 400", code, b)
			}
			if code, _, b := getWithReason(t, admin, caseURL(s.sofieCase)+"?reason="+strings.Repeat("x", privacy.MaxReason+1), ""); code != http.StatusBadRequest {
				t.Errorf("sociaalhuis case with a long reason = %d %s, want 400", code, b)
			}
			if code, _, b := getWithReason(t, admin, caseURL(s.sofieCase), "budgetbegeleiding"); code != http.StatusOK {
				t.Errorf("sociaalhuis case with a reason = %d %s", code, b)
			}
			if code, _, b := getWithReason(t, admin, caseURL(s.sofieCase)+"?reason=huisbezoek%20voorbereiden", ""); code != http.StatusOK {
				t.Errorf("sociaalhuis case with ?reason= = %d %s", code, b)
			}
			if code, _, b := getWithReason(t, handler, caseURL(s.anCase), ""); code != http.StatusOK {
				t.Errorf("gemeente case without a reason = %d %s", code, b)
			}
			// A view refused, or of a case the user may not see, is no view.
			if code, _, b := getWithReason(t, gemAdmin, caseURL(s.sofieCase), "nieuwsgierig"); code != http.StatusNotFound || strings.Contains(string(b), "leefloon") {
				t.Errorf("sociaalhuis case for a gemeente user = %d %s, want 404", code, b)
			}

			// Export: beheerder only, always with a reason, only of a visible domain.
			if code, b := do(t, handler, http.MethodGet, citizenURL(s.an, "export")+"?reason=x", nil); code != http.StatusForbidden {
				t.Errorf("export as behandelaar = %d %s, want 403", code, b)
			}
			if code, b := do(t, admin, http.MethodGet, citizenURL(s.an, "export"), nil); code != http.StatusBadRequest {
				t.Errorf("export without a reason = %d %s, want 400", code, b)
			}
			for _, url := range []string{citizenURL(s.sofie, "export") + "?reason=inzage", citizenURL(s.an+s.sofie+10, "export") + "?reason=inzage"} {
				if code, b := do(t, gemAdmin, http.MethodGet, url, nil); code != http.StatusNotFound || strings.Contains(string(b), "Sofie") {
					t.Errorf("GET %s as a gemeente user = %d %s, want 404", url, code, b)
				}
			}
			if code, b := do(t, admin, http.MethodGet, srv.URL+"/api/v1/citizens/x/export?reason=inzage", nil); code != http.StatusBadRequest {
				t.Errorf("export of citizen x = %d %s, want 400", code, b)
			}
			code, hdr, zipped := getWithReason(t, admin, citizenURL(s.an, "export"), "inzageverzoek van de burger")
			if code != http.StatusOK || hdr.Get("Content-Type") != "application/zip" ||
				!strings.Contains(hdr.Get("Content-Disposition"), fmt.Sprintf("burger-%d.zip", s.an)) {
				t.Fatalf("export = %d %v %s", code, hdr, zipped)
			}
			zr, err := zip.NewReader(bytes.NewReader(zipped), int64(len(zipped)))
			if err != nil {
				t.Fatal(err)
			}
			files := map[string]string{}
			for _, f := range zr.File {
				rc, err := f.Open()
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(rc)
				rc.Close()
				files[f.Name] = string(b)
			}
			var doc privacy.Export
			mustJSON(t, []byte(files["export.json"]), &doc)
			if doc.Citizen.Name != "An Vermeulen" || len(doc.Cases) != 1 || doc.Cases[0].Ref != s.anCase || len(doc.Messages) != 1 ||
				doc.Messages[0].Original == nil || files[doc.Messages[0].Original.File] == "" ||
				files[doc.Messages[0].Attachments[0].File] != "scan van An Vermeulen" || strings.Contains(string(zipped), "Sofie") {
				t.Errorf("export = %+v, files %v", doc, len(files))
			}

			// Searches and citizen lookups are logged per domain searched; a
			// result of the sociaalhuis needs a reason.
			search := func(path, reason string, want int) string {
				t.Helper()
				code, _, b := getWithReason(t, admin, srv.URL+path, reason)
				if code != want {
					t.Errorf("GET %s (reason %q) = %d %s, want %d", path, reason, code, b, want)
				}
				return string(b)
			}
			search("/api/v1/search?q=leefloon", "", http.StatusBadRequest)
			if b := search("/api/v1/search?q=leefloon", "dossieronderzoek", http.StatusOK); !strings.Contains(b, s.sofieCase) {
				t.Errorf("search with a reason: %s", b)
			}
			search("/api/v1/search?q=verlichting", "", http.StatusOK) // gemeente results only
			search("/api/v1/citizens?q=Brouckaert", "", http.StatusBadRequest)
			search("/api/v1/citizens?q=Brouckaert", "dossieronderzoek", http.StatusOK)
			search(fmt.Sprintf("/api/v1/citizens/%d", s.sofie), "", http.StatusBadRequest)
			search(fmt.Sprintf("/api/v1/citizens/%d", s.sofie), "huisbezoek", http.StatusOK)
			search(fmt.Sprintf("/api/v1/citizens/%d", s.an), "", http.StatusOK)
			var searches []string
			for _, e := range accessLog(t, admin, srv.URL+"/api/v1/access-log?action=search").Entries {
				searches = append(searches, e.Domain+"|"+e.Reason+"|"+e.Detail)
			}
			// The query and reason of a search with sociaalhuis results stay
			// in the sociaalhuis entries; a refused one is logged there too.
			wantSearches := []string{
				"gemeente||berichten zoeken: q=verlichting (1 resultaten)",
				"gemeente||zoekopdracht over meerdere domeinen (0 resultaten)",
				"gemeente||zoekopdracht over meerdere domeinen (0 resultaten)",
				"sociaalhuis||berichten zoeken: q=leefloon (geweigerd: geen reden opgegeven)",
				"sociaalhuis||berichten zoeken: q=verlichting (0 resultaten)",
				"sociaalhuis||burgers zoeken: q=Brouckaert (geweigerd: geen reden opgegeven)",
				"sociaalhuis|dossieronderzoek|berichten zoeken: q=leefloon (1 resultaten)",
				"sociaalhuis|dossieronderzoek|burgers zoeken: q=Brouckaert (1 resultaten)",
			}
			slices.Sort(searches)
			slices.Sort(wantSearches)
			if strings.Join(searches, "\n") != strings.Join(wantSearches, "\n") {
				t.Errorf("searches logged:\n%s\nwant\n%s", strings.Join(searches, "\n"), strings.Join(wantSearches, "\n"))
			}
			var views []string
			for _, e := range accessLog(t, admin, srv.URL+"/api/v1/access-log?action=view_citizen").Entries {
				views = append(views, fmt.Sprint(e.CitizenID, "|", e.Domain, "|", e.Reason))
			}
			if want := []string{fmt.Sprint(s.an, "|gemeente|"), fmt.Sprint(s.sofie, "|sociaalhuis|huisbezoek")}; !slices.Equal(views, want) {
				t.Errorf("citizen views logged = %q, want %q", views, want)
			}

			// The access log: views, the export, and who may read it.
			if code, b := do(t, handler, http.MethodGet, srv.URL+"/api/v1/access-log", nil); code != http.StatusForbidden {
				t.Errorf("access log as behandelaar = %d %s, want 403", code, b)
			}
			l := accessLog(t, admin, srv.URL+"/api/v1/access-log?action=view_case")
			var got []string
			for _, e := range l.Entries {
				got = append(got, e.Actor+"|"+e.CaseRef+"|"+e.Domain+"|"+e.Reason)
			}
			want := []string{
				"integratie:behandelaar-gemeente-sociaalhuis|" + s.anCase + "|gemeente|",
				"integratie:beheerder-gemeente-sociaalhuis|" + s.sofieCase + "|sociaalhuis|huisbezoek voorbereiden",
				"integratie:beheerder-gemeente-sociaalhuis|" + s.sofieCase + "|sociaalhuis|budgetbegeleiding",
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("views logged:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			l = accessLog(t, admin, fmt.Sprintf("%s/api/v1/access-log?action=export&citizen=%d", srv.URL, s.an))
			if len(l.Entries) != 1 || l.Entries[0].Reason != "inzageverzoek van de burger" || l.Entries[0].Domain != "gemeente" ||
				!strings.Contains(l.Entries[0].Detail, s.anCase) {
				t.Errorf("export logged = %+v", l.Entries)
			}
			tomorrow := time.Now().AddDate(0, 0, 1).Format(time.DateOnly)
			if l := accessLog(t, admin, srv.URL+"/api/v1/access-log?limit=2&to="+tomorrow); len(l.Entries) != 2 || l.Next == "" {
				t.Errorf("page of 2 = %+v", l)
			}
			if l := accessLog(t, admin, srv.URL+"/api/v1/access-log?from=2000-01-01&to=2000-01-02"); len(l.Entries) != 0 {
				t.Errorf("the year 2000 = %+v", l)
			}
			if code, b := do(t, admin, http.MethodGet, srv.URL+"/api/v1/access-log?from=gisteren", nil); code != http.StatusBadRequest {
				t.Errorf("bad from = %d %s", code, b)
			}
			code, b = do(t, gemAdmin, http.MethodGet, srv.URL+"/api/v1/access-log", nil)
			if code != http.StatusOK || strings.Contains(string(b), `"domain": "sociaalhuis"`) || strings.Contains(string(b), s.sofieCase) ||
				!strings.Contains(string(b), s.anCase) {
				t.Errorf("access log for a gemeente user = %d %s; want no sociaalhuis entry", code, b)
			}
			if l := accessLog(t, gemAdmin, srv.URL+"/api/v1/access-log?domain=sociaalhuis"); len(l.Entries) != 0 {
				t.Errorf("?domain=sociaalhuis for a gemeente user = %+v", l.Entries)
			}
			// Reading the log is logged.
			if l := accessLog(t, admin, srv.URL+"/api/v1/access-log?action=view_access_log"); len(l.Entries) < 5 {
				t.Errorf("reads of the log logged = %+v", l.Entries)
			}

			// Erasure: beheerder, a reason, a visible domain.
			if code, b := do(t, admin, http.MethodPost, citizenURL(s.an, "erase"), map[string]string{}); code != http.StatusBadRequest {
				t.Errorf("erase without a reason = %d %s, want 400", code, b)
			}
			if code, b := do(t, admin, http.MethodPost, citizenURL(s.an, "erase"), map[string]string{"reden": "x"}); code != http.StatusBadRequest {
				t.Errorf("erase with an unknown field = %d %s, want 400", code, b)
			}
			if code, b := do(t, handler, http.MethodPost, citizenURL(s.an, "erase"), map[string]string{"reason": "x"}); code != http.StatusForbidden {
				t.Errorf("erase as behandelaar = %d %s, want 403", code, b)
			}
			if code, b := do(t, gemAdmin, http.MethodPost, citizenURL(s.sofie, "erase"), map[string]string{"reason": "verzoek"}); code != http.StatusNotFound ||
				strings.Contains(string(b), "Sofie") {
				t.Errorf("erase a sociaalhuis citizen as a gemeente user = %d %s, want 404", code, b)
			}
			if code, _, _ := getWithReason(t, admin, citizenURL(s.sofie, "export"), "controle"); code != http.StatusOK {
				t.Errorf("Sofie after a refused erasure: export = %d", code)
			}
			code, b = do(t, gemAdmin, http.MethodPost, citizenURL(s.an, "erase"), map[string]string{"reason": "recht op vergetelheid"})
			if code != http.StatusOK {
				t.Fatalf("erase = %d %s", code, b)
			}
			var res store.ErasureResult
			mustJSON(t, b, &res)
			if res.ContactID != s.an || res.Messages != 1 || res.Cases != 1 || res.Blobs != 2 || res.Contacts != 1 {
				t.Errorf("erase = %+v", res)
			}
			if code, b := do(t, admin, http.MethodGet, citizenURL(s.an, "export")+"?reason=x", nil); code != http.StatusNotFound {
				t.Errorf("export after erasure = %d %s, want 404", code, b)
			}
			code, _, b = getWithReason(t, admin, caseURL(s.anCase), "")
			var c api.CaseDetail
			mustJSON(t, b, &c)
			if code != http.StatusOK || c.Subject != store.Erased || c.Type != "vraag" || c.MessageCount != 1 ||
				strings.Contains(string(b), "Vermeulen") || strings.Contains(string(b), "Dorpsplein") {
				t.Errorf("case after erasure = %d %s", code, b)
			}
			l = accessLog(t, gemAdmin, srv.URL+"/api/v1/access-log?action=erase")
			if len(l.Entries) != 1 || l.Entries[0].Actor != "integratie:beheerder-gemeente" || l.Entries[0].Reason != "recht op vergetelheid" ||
				l.Entries[0].CitizenID != s.an {
				t.Errorf("erasure logged = %+v", l.Entries)
			}
		})
	}
}

// failingLog is a store whose access log cannot be written (a full disk,
// a lost connection): everything else works.
type failingLog struct{ store.Store }

func (failingLog) LogAccess(context.Context, []store.AccessEntry) error {
	return errors.New("access log unavailable")
}

// TestPrivacyAPIUnloggedViewFails: what cannot be logged is not shown.
func TestPrivacyAPIUnloggedViewFails(t *testing.T) {
	t.Parallel()
	st, log := openStore(t)
	s := seedPrivacy(t, st)
	srv := newServer(t, failingLog{st}, log, casework.Options{})
	admin := srv.client(srv.token(t, "beheerder", "gemeente", "sociaalhuis"))
	for _, url := range []string{
		srv.URL + "/api/v1/cases/" + s.anCase,
		srv.URL + "/api/v1/cases/" + s.sofieCase,
		fmt.Sprintf("%s/api/v1/citizens/%d/export", srv.URL, s.an),
		srv.URL + "/api/v1/access-log",
		srv.URL + "/api/v1/search?q=verlichting",
		srv.URL + "/api/v1/citizens?q=Vermeulen",
		fmt.Sprintf("%s/api/v1/citizens/%d", srv.URL, s.an),
	} {
		code, _, b := getWithReason(t, admin, url, "controle")
		if code != http.StatusServiceUnavailable || strings.Contains(string(b), "Vermeulen") || strings.Contains(string(b), "Brouckaert") {
			t.Errorf("GET %s with a failing access log = %d %s, want 503", url, code, b)
		}
	}
}
