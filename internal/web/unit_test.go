package web

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/meldpunt/meldpunt/internal/auth"
	"github.com/meldpunt/meldpunt/internal/registry/casework"
	"github.com/meldpunt/meldpunt/internal/registry/store"
	"github.com/meldpunt/meldpunt/internal/registry/store/sqlite"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func TestContentDisposition(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, in, want string }{
		{"plain", "foto.jpg", `attachment; filename="foto.jpg"; filename*=UTF-8''foto.jpg`},
		{"space", "mijn foto.jpg", `attachment; filename="mijn foto.jpg"; filename*=UTF-8''mijn%20foto.jpg`},
		{"accents", "één café.pdf", `attachment; filename="__n caf_.pdf"; filename*=UTF-8''%C3%A9%C3%A9n%20caf%C3%A9.pdf`},
		{"quotes and backslash", `a"b\c.txt`, `attachment; filename="c.txt"; filename*=UTF-8''c.txt`},
		{"quote", `a"b.txt`, `attachment; filename="a_b.txt"; filename*=UTF-8''a%22b.txt`},
		{"header injection", "a\r\nSet-Cookie: x=y.txt", `attachment; filename="a__Set-Cookie: x=y.txt"; filename*=UTF-8''a%0D%0ASet-Cookie%3A%20x%3Dy.txt`},
		{"path", "../../etc/passwd", `attachment; filename="passwd"; filename*=UTF-8''passwd`},
		{"semicolon and percent", "a;b%20.txt", `attachment; filename="a_b_20.txt"; filename*=UTF-8''a%3Bb%2520.txt`},
		{"empty", "  ", `attachment; filename="bijlage"; filename*=UTF-8''bijlage`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := contentDisposition(tc.in); got != tc.want {
				t.Errorf("contentDisposition(%q)\n got %s\nwant %s", tc.in, got, tc.want)
			}
		})
	}
}

func TestDownloadType(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, in, want string }{
		{"pdf", "application/pdf", "application/pdf"},
		{"jpeg", "image/jpeg", "image/jpeg"},
		{"text with charset", "text/plain; charset=ISO-8859-1; name=x.txt", "text/plain; charset=ISO-8859-1"},
		{"missing", "", "application/octet-stream"},
		{"malformed", "not a type", "application/octet-stream"},
		{"html", "text/html; charset=utf-8", "application/octet-stream"},
		{"html upper case", "TEXT/HTML", "application/octet-stream"},
		{"xhtml", "application/xhtml+xml", "application/octet-stream"},
		{"svg", "image/svg+xml", "application/octet-stream"},
		{"xml", "text/xml", "application/octet-stream"},
		{"javascript", "application/javascript", "application/octet-stream"},
		{"css", "text/css", "application/octet-stream"},
		{"multipart", "multipart/related; boundary=x", "application/octet-stream"},
		{"message", "message/rfc822", "application/octet-stream"},
		{"word", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := downloadType(tc.in); got != tc.want {
				t.Errorf("downloadType(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// TestMailPolicy sanitises the mails in testdata/mail and compares the
// result with the golden files (go test -run MailPolicy -update rewrites
// them). Besides, nothing that runs or fetches may survive in any of them.
func TestMailPolicy(t *testing.T) {
	t.Parallel()
	p := mailPolicy()
	inputs, err := filepath.Glob("testdata/mail/*.html")
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no test mails: %v", err)
	}
	for _, in := range inputs {
		t.Run(filepath.Base(in), func(t *testing.T) {
			t.Parallel()
			raw, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			got := p.Sanitize(string(raw))
			lower := strings.ToLower(got)
			for _, bad := range []string{"<script", "javascript:", "onerror", "onload", "onclick", "style=", "<style", "<iframe",
				"<object", "<embed", "<form", "<meta", "<link", "<base", "srcset", "background", "poster", "url(", "<svg",
				"remote.example", "http://tracker", "cid:"} {
				if strings.Contains(lower, bad) {
					t.Errorf("sanitised mail contains %q", bad)
				}
			}
			if problem := unsafeMarkup(got); problem != "" {
				t.Errorf("sanitised mail keeps %s", problem)
			}
			golden := strings.TrimSuffix(in, ".html") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if got != string(want) {
				t.Errorf("sanitised %s differs from %s:\n%s", in, golden, got)
			}
		})
	}
}

func FuzzMailPolicy(f *testing.F) {
	for _, s := range []string{`<img src="http://tracker.example/p.gif">`, `<a href="javascript:x()">a</a>`,
		`<p style="background:url(http://tracker.example/x)">x</p>`, `<svg><image href="http://tracker.example/x"/></svg>`} {
		f.Add(s)
	}
	p := mailPolicy()
	f.Fuzz(func(t *testing.T, s string) {
		if problem := unsafeMarkup(p.Sanitize(s)); problem != "" {
			t.Fatalf("sanitised %q: %s", s, problem)
		}
	})
}

// unsafeMarkup parses sanitised HTML as a browser would and names the
// first element or attribute in it that could run or fetch something.
func unsafeMarkup(sanitised string) string {
	z := html.NewTokenizer(strings.NewReader(sanitised))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return ""
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			switch tok.Data {
			case "script", "style", "iframe", "frame", "object", "embed", "link", "meta", "base", "form", "input",
				"svg", "math", "video", "audio", "source", "picture", "image", "use":
				return "element " + tok.Data
			}
			for _, a := range tok.Attr {
				key, val := strings.ToLower(a.Key), strings.ToLower(strings.TrimSpace(a.Val))
				switch {
				case strings.HasPrefix(key, "on"), key == "style", key == "srcset", key == "background", key == "poster",
					key == "action", key == "formaction", key == "xlink:href", key == "data":
					return "attribute " + key + " on " + tok.Data
				case key == "src" && !strings.HasPrefix(val, "data:image/"):
					return "src " + val + " on " + tok.Data
				case key == "href" && !(strings.HasPrefix(val, "http://") || strings.HasPrefix(val, "https://") ||
					strings.HasPrefix(val, "mailto:") || strings.HasPrefix(val, "tel:")):
					return "href " + val + " on " + tok.Data
				}
			}
		}
	}
}

// TestRefusals makes casework refuse every way the forms can be refused
// and checks that staff read each reason in Dutch, not the fallback: when
// casework's wording changes, this test says which message to follow.
func TestRefusals(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "web.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	tx, err := st.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	refs, err := tx.CreateCases(ctx, []store.NewCase{
		{Prefix: "MP", Year: 2026, Domain: "gemeente", Type: "vraag", Subject: "a", OpenedAt: now},
		{Prefix: "MP", Year: 2026, Domain: "gemeente", Type: "klacht", Subject: "b", OpenedAt: now},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.InsertMessages(ctx, []*store.Message{{EventID: "e1", CaseID: refs[0].ID, Channel: "email", Direction: "incoming",
		Domain: "gemeente", StoredAt: now, EventTime: now, Event: []byte(`{}`)}}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	cw := casework.New(st, casework.Options{Now: func() time.Time { return now }})
	p := auth.Principal{Username: "els", Kind: auth.KindUser, Roles: []auth.Role{auth.RoleBehandelaar}, Domains: []string{"gemeente"}}
	a, b := refs[0].Ref, refs[1].Ref
	no := false
	for _, tc := range []struct {
		name string
		run  func() error
	}{
		{"empty note", func() error { _, err := cw.Note(ctx, p, a, " "); return err }},
		{"long note", func() error { _, err := cw.Note(ctx, p, a, strings.Repeat("x", casework.MaxText+1)); return err }},
		{"assign nothing", func() error { _, err := cw.Assign(ctx, p, a, casework.Assignment{}); return err }},
		{"assign and clear", func() error {
			_, err := cw.Assign(ctx, p, a, casework.Assignment{Assignee: "x", ClearAssignee: true})
			return err
		}},
		{"long assignee", func() error {
			_, err := cw.Assign(ctx, p, a, casework.Assignment{Assignee: strings.Repeat("x", 201)})
			return err
		}},
		{"unknown status", func() error { _, err := cw.SetStatus(ctx, p, a, "weg", ""); return err }},
		{"same status", func() error { _, err := cw.SetStatus(ctx, p, a, store.StatusNew, ""); return err }},
		{"unknown type", func() error { _, err := cw.SetType(ctx, p, a, "weg", ""); return err }},
		{"same type", func() error { _, err := cw.SetType(ctx, p, a, "vraag", ""); return err }},
		{"no suggestion", func() error { _, err := cw.DismissSuggestion(ctx, p, a, ""); return err }},
		{"admissibility missing", func() error { _, err := cw.SetAdmissibility(ctx, p, b, casework.Admissibility{}); return err }},
		{"admissible with reason", func() error {
			_, err := cw.SetAdmissibility(ctx, p, b, casework.Admissibility{Admissible: new(true), Reason: "anoniem"})
			return err
		}},
		{"unknown reason", func() error {
			_, err := cw.SetAdmissibility(ctx, p, b, casework.Admissibility{Admissible: &no, Reason: "weg"})
			return err
		}},
		{"other without detail", func() error {
			_, err := cw.SetAdmissibility(ctx, p, b, casework.Admissibility{Admissible: &no, Reason: "andere"})
			return err
		}},
		{"admissibility of a question", func() error {
			_, err := cw.SetAdmissibility(ctx, p, a, casework.Admissibility{Admissible: &no, Reason: "anoniem"})
			return err
		}},
		{"forward without organisation", func() error { _, err := cw.Forward(ctx, p, a, casework.Forward{Question: "q"}); return err }},
		{"forward without question", func() error { _, err := cw.Forward(ctx, p, a, casework.Forward{Organisation: "o"}); return err }},
		{"forward bad date", func() error {
			_, err := cw.Forward(ctx, p, a, casework.Forward{Organisation: "o", Question: "q", ExpectedBy: "morgen"})
			return err
		}},
		{"forward past date", func() error {
			_, err := cw.Forward(ctx, p, a, casework.Forward{Organisation: "o", Question: "q", ExpectedBy: "2020-01-01"})
			return err
		}},
		{"empty answer", func() error { _, err := cw.AnswerForward(ctx, p, a, 1, ""); return err }},
		{"merge without target", func() error { _, err := cw.Merge(ctx, p, a, "", ""); return err }},
		{"merge into itself", func() error { _, err := cw.Merge(ctx, p, a, a, ""); return err }},
		{"split nothing", func() error { _, err := cw.Split(ctx, p, a, nil, "", ""); return err }},
		{"split everything", func() error {
			d, err := cw.Case(ctx, p, a)
			if err != nil {
				return err
			}
			_, err = cw.Split(ctx, p, a, []int64{d.Messages[0].ID}, "", "")
			return err
		}},
		{"split another message", func() error { _, err := cw.Split(ctx, p, a, []int64{999}, "", ""); return err }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.run()
			if err == nil {
				t.Fatal("no error")
			}
			msg, ok := refusal(err)
			if !ok {
				t.Fatalf("refusal(%v) is not a refusal", err)
			}
			for _, fallback := range []string{"Dat kan niet in de huidige toestand van het dossier.", "Dat kan niet met dit dossier.", "is ongeldig."} {
				if strings.HasSuffix(msg, fallback) {
					t.Errorf("refusal(%q) = %q: the fallback; name it in labels.go", err, msg)
				}
			}
		})
	}
	if _, ok := refusal(casework.ErrForbidden); ok {
		t.Error("ErrForbidden is a refusal")
	}
	if _, ok := refusal(errors.New("disk full")); ok {
		t.Error("a store failure is a refusal")
	}
}
