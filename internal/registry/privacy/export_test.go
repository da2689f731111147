package privacy_test

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/meldpunt/meldpunt/internal/registry/privacy"
	"github.com/meldpunt/meldpunt/internal/registry/store"
	"github.com/meldpunt/meldpunt/internal/registry/store/sqlite"
)

func openStore(t *testing.T) store.Store {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "privacy.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return st
}

func blob(data, contentType string) store.Blob {
	s := sha256.Sum256([]byte(data))
	return store.Blob{SHA256: hex.EncodeToString(s[:]), ContentType: contentType, Data: []byte(data)}
}

func TestWriteZip(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	st := openStore(t)
	opened := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	photo, raw := blob("JPEG-bytes", "image/jpeg"), blob("From: An <an@voorbeeld.be>\r\n\r\nHallo", "message/rfc822")
	gone := blob("purged long ago", "application/pdf")
	tx, err := st.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck
	contact, err := tx.UpsertContact(ctx, "gemeente", store.Contact{Name: "An Peeters", Email: "an@voorbeeld.be"})
	if err != nil {
		t.Fatal(err)
	}
	refs, err := tx.CreateCases(ctx, []store.NewCase{{Prefix: "MP", Year: 2026, Domain: "gemeente", Type: "vraag",
		Subject: "Parkeerkaart", ContactID: contact, OpenedAt: opened}})
	if err != nil {
		t.Fatal(err)
	}
	m := &store.Message{EventID: "ev-1", CaseID: refs[0].ID, ContactID: contact, Channel: "email", Direction: "incoming",
		Domain: "gemeente", SenderName: "An Peeters", SenderEmail: "an@voorbeeld.be", Subject: "Parkeerkaart",
		Text: "Hallo", EventTime: opened, StoredAt: opened, Event: []byte(`{"id":"ev-1"}`),
		RawSHA256: raw.SHA256, RawContentType: "message/rfc822", RawSize: int64(len(raw.Data)),
		Attachments: []store.Attachment{
			{Name: "../../etc/passwd", ContentType: "image/jpeg", Size: 10, SHA256: photo.SHA256},
			{Name: "reglement.pdf", ContentType: "application/pdf", Size: 15, SHA256: gone.SHA256},
		}}
	if err := tx.InsertMessages(ctx, []*store.Message{m}); err != nil {
		t.Fatal(err)
	}
	if err := tx.PutBlobs(ctx, []store.Blob{photo, raw}); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.AddNote(ctx, store.Note{CaseID: refs[0].ID, Actor: "els", At: opened.Add(time.Hour), Text: "Teruggebeld."}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	exp, err := st.ExportContact(ctx, contact)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	if err := privacy.WriteZip(ctx, &buf, st, exp, now); err != nil {
		t.Fatal(err)
	}

	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		files[f.Name] = b
	}
	wantFiles := map[string][]byte{
		"attachments/1-1-passwd": photo.Data,
		"originals/1.eml":        raw.Data,
	}
	for name, want := range wantFiles {
		if !bytes.Equal(files[name], want) {
			t.Errorf("%s = %q, want %q", name, files[name], want)
		}
	}
	if len(files) != 4 || files["LEESMIJ.txt"] == nil || files["export.json"] == nil {
		names := make([]string, 0, len(files))
		for n := range files {
			names = append(names, n)
		}
		t.Fatalf("zip holds %v", names)
	}
	var doc privacy.Export
	if err := json.Unmarshal(files["export.json"], &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Format != privacy.ExportFormat || !doc.ExportedAt.Equal(now) || doc.Citizen.ID != contact ||
		doc.Citizen.Name != "An Peeters" || doc.Citizen.Email != "an@voorbeeld.be" || doc.Citizen.Domain != "gemeente" {
		t.Errorf("export = %+v", doc)
	}
	if len(doc.Cases) != 1 || doc.Cases[0].Ref != refs[0].Ref || len(doc.Cases[0].Timeline) != 2 ||
		doc.Cases[0].Timeline[1].Detail != "Teruggebeld." {
		t.Errorf("cases = %+v", doc.Cases)
	}
	if len(doc.Messages) != 1 {
		t.Fatalf("messages = %+v", doc.Messages)
	}
	em := doc.Messages[0]
	var event bytes.Buffer
	if err := json.Compact(&event, em.Event); err != nil {
		t.Fatal(err)
	}
	if em.CaseRef != refs[0].Ref || em.Sender.Email != "an@voorbeeld.be" || event.String() != `{"id":"ev-1"}` ||
		em.Original == nil || em.Original.File != "originals/1.eml" || len(em.Attachments) != 2 ||
		em.Attachments[0].File != "attachments/1-1-passwd" || em.Attachments[0].Name != "../../etc/passwd" ||
		!em.Attachments[1].Missing || em.Attachments[1].File != "" {
		t.Errorf("message = %+v", em)
	}
}

func TestSafeFileName(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 150) + ".pdf"
	for _, tc := range []struct {
		name, in, want string
	}{
		{"plain", "brief.pdf", "brief.pdf"},
		{"path", "../../etc/passwd", "passwd"},
		{"windows path", `C:\Users\an\foto.jpg`, "foto.jpg"},
		{"hidden", ".bashrc", "bashrc"},
		{"spaces and accents", "Brief aan Müller (2).pdf", "Brief_aan_Müller__2_.pdf"},
		{"control characters", "a\x00b\u202ec.txt", "a_b_c.txt"},
		{"empty", "", "bijlage"},
		{"only dots", "...", "bijlage"},
		{"only slashes", "///", "bijlage"},
		{"long", long, strings.Repeat("a", 96) + ".pdf"},
		{"long multibyte", strings.Repeat("é", 80), strings.Repeat("é", 50)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := privacy.SafeFileName(tc.in, "bijlage"); got != tc.want {
				t.Errorf("SafeFileName(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// FuzzSafeFileName: whatever a sender calls a file, the name in the zip
// stays in its directory.
func FuzzSafeFileName(f *testing.F) {
	for _, s := range []string{"brief.pdf", "../x", `..\..\x`, ".", "\xff\xfe", strings.Repeat("ü", 200)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		got := privacy.SafeFileName(name, "bijlage")
		if got == "" || strings.ContainsAny(got, `/\`) || strings.HasPrefix(got, ".") || !utf8.ValidString(got) || len(got) > 100 {
			t.Errorf("SafeFileName(%q) = %q", name, got)
		}
	})
}
