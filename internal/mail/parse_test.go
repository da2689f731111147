package mail

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// lines joins message lines with CRLF.
func lines(ls ...string) []byte {
	return []byte(strings.Join(ls, "\r\n"))
}

func mustParse(t *testing.T, raw []byte, opts Options) *Message {
	t.Helper()
	m, err := Parse(raw, opts)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	checkInvariants(t, m, opts)
	return m
}

func hasProblem(m *Message, substr string) bool {
	for _, p := range m.Problems {
		if strings.Contains(p, substr) {
			return true
		}
	}
	return false
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"empty", "", ErrEmpty},
		{"white space", " \r\n\t\n", ErrEmpty},
		{"no header", "Dit is geen e-mail, alleen tekst.\n", ErrNoHeader},
		{"binary", "\x89PNG\r\n\x1a\n\x00\x00", ErrNoHeader},
		{"continuation first", " folded: value\n\nbody", ErrNoHeader},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, read := range []func([]byte, Options) (*Message, error){Parse, Headers} {
				m, err := read([]byte(tt.in), Options{})
				if !errors.Is(err, tt.want) || m != nil {
					t.Errorf("got %v, %v; want nil, %v", m, err, tt.want)
				}
			}
		})
	}
}

func TestParseLenientHeader(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		in          string
		wantSubject string
		wantText    string
		wantProblem string
	}{
		{"leading blank lines", "\r\n\r\nSubject: a\r\n\r\nbody", "a", "body", ""},
		{"mbox From line", "From a@b Thu Dec  3 09:12:44 2026\nSubject: a\n\nbody", "a", "body", ""},
		{"header only", "Subject: a\r\n", "a", "", ""},
		{"no blank line", "Subject: a\nDit is de tekst.\n", "a", "Dit is de tekst.", "not followed by a blank line"},
		{"blank line of spaces", "Subject: a\n   \nbody", "a", "body", ""},
		{"space before colon", "Subject : a\n\nbody", "a", "body", ""},
		{"folded subject", "Subject: een\r\n  lang\r\n\tonderwerp\r\n\r\nbody", "een lang onderwerp", "body", ""},
		{"mixed line ends", "Subject: a\r\nFrom: b@example.org\n\r\nbody", "a", "body", ""},
		{"empty field", "Subject:\nFrom: b@example.org\n\nbody", "", "body", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mustParse(t, []byte(tt.in), Options{})
			if m.Subject != tt.wantSubject || m.Text != tt.wantText {
				t.Errorf("subject %q text %q; want %q %q", m.Subject, m.Text, tt.wantSubject, tt.wantText)
			}
			if tt.wantProblem != "" && !hasProblem(m, tt.wantProblem) {
				t.Errorf("problems %q, want one with %q", m.Problems, tt.wantProblem)
			}
			if tt.wantProblem == "" && len(m.Problems) > 0 {
				t.Errorf("unexpected problems %q", m.Problems)
			}
		})
	}
}

func TestParseBody(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		raw         []byte
		wantText    string
		wantHTML    string
		wantNames   []string
		wantProblem string
	}{
		{
			name: "text/plain preferred over HTML",
			raw: lines("Content-Type: multipart/alternative; boundary=b", "", "--b",
				"Content-Type: text/plain", "", "plain text", "--b",
				"Content-Type: text/html", "", "<p>html text</p>", "--b--", ""),
			wantText: "plain text", wantHTML: "<p>html text</p>",
		},
		{
			name: "HTML first, text second",
			raw: lines("Content-Type: multipart/alternative; boundary=b", "", "--b",
				"Content-Type: text/html", "", "<p>html</p>", "--b",
				"Content-Type: text/plain", "", "plain", "--b--", ""),
			wantText: "plain", wantHTML: "<p>html</p>",
		},
		{
			name:     "HTML only gives derived text",
			raw:      lines("Content-Type: text/html; charset=utf-8", "", "<p>Beste,</p><p>De lamp is <b>stuk</b>.<br>Groeten</p>"),
			wantText: "Beste,\n\nDe lamp is stuk.\nGroeten", wantHTML: "<p>Beste,</p><p>De lamp is <b>stuk</b>.<br>Groeten</p>",
		},
		{
			name: "mixed joins body parts (Apple Mail)",
			raw: lines("Content-Type: multipart/mixed; boundary=b", "", "--b",
				"Content-Type: text/plain", "", "eerste deel", "--b",
				"Content-Type: image/png", "Content-Disposition: inline; filename=a.png", "", "PNG", "--b",
				"Content-Type: text/plain", "", "tweede deel", "--b--", ""),
			wantText: "eerste deel\n\ntweede deel", wantNames: []string{"a.png"},
		},
		{
			name: "text with a file name is an attachment",
			raw: lines("Content-Type: multipart/mixed; boundary=b", "", "--b",
				"Content-Type: text/plain", "", "body", "--b",
				"Content-Type: text/plain; name=notes.txt", "", "notes", "--b",
				"Content-Type: text/html", "Content-Disposition: attachment", "", "<p>x</p>", "--b--", ""),
			wantText: "body", wantNames: []string{"notes.txt", "part-3.html"},
		},
		{
			name: "related: root by start parameter",
			raw: lines(`Content-Type: multipart/related; boundary=b; start="<root@x>"`, "", "--b",
				"Content-Type: image/png", "Content-ID: <logo@x>", "", "PNG", "--b",
				"Content-Type: text/html", "Content-ID: <root@x>", "", `<p>tekst <img src="cid:logo@x"></p>`, "--b--", ""),
			wantText: "tekst", wantHTML: `<p>tekst <img src="cid:logo@x"></p>`, wantNames: []string{"part-1.png"},
		},
		{
			name: "signed: content read, signature kept",
			raw: lines(`Content-Type: multipart/signed; protocol="application/pgp-signature"; boundary=b`, "", "--b",
				"Content-Type: text/plain", "", "ondertekend", "--b",
				"Content-Type: application/pgp-signature", "", "-----BEGIN PGP SIGNATURE-----", "--b--", ""),
			wantText: "ondertekend", wantNames: []string{"signature.asc"},
		},
		{
			name: "encrypted: kept, problem",
			raw: lines(`Content-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary=b`, "", "--b",
				"Content-Type: application/pgp-encrypted", "", "Version: 1", "--b",
				"Content-Type: application/octet-stream", "", "-----BEGIN PGP MESSAGE-----", "--b--", ""),
			wantNames: []string{"pgp-version.txt", "part-2.bin"}, wantProblem: "encrypted",
		},
		{
			name:     "format=flowed",
			raw:      lines("Content-Type: text/plain; format=flowed", "", "Een lange ", "regel.", "> geciteerd ", "> verder", "-- ", "Els"),
			wantText: "Een lange regel.\n> geciteerd verder\n-- \nEls",
		},
		{
			name:     "format=flowed delsp",
			raw:      lines("Content-Type: text/plain; format=flowed; delsp=yes", "", "Een lan ", "ge regel."),
			wantText: "Een lange regel.",
		},
		{
			name:     "CRLF and bare CR made LF",
			raw:      []byte("Content-Type: text/plain\r\n\r\na\r\nb\rc\n"),
			wantText: "a\nb\nc",
		},
		{
			name:        "missing closing boundary",
			raw:         lines("Content-Type: multipart/mixed; boundary=b", "", "--b", "Content-Type: text/plain", "", "alles wat er is"),
			wantText:    "alles wat er is",
			wantProblem: "closing boundary",
		},
		{
			name:        "no boundary parameter",
			raw:         lines("Content-Type: multipart/mixed", "", "--x1", "Content-Type: text/plain", "", "geraden", "--x1--"),
			wantText:    "geraden",
			wantProblem: "boundary guessed",
		},
		{
			name:        "multipart without any part",
			raw:         lines("Content-Type: multipart/mixed; boundary=b", "", "gewoon tekst"),
			wantText:    "gewoon tekst",
			wantProblem: "no parts",
		},
		{
			name: "boundary prefix of another",
			raw: lines("Content-Type: multipart/mixed; boundary=b", "", "--b",
				"Content-Type: multipart/alternative; boundary=b2", "", "--b2", "Content-Type: text/plain", "", "binnen", "--b2--", "--b--", ""),
			wantText: "binnen",
		},
		{
			name: "bare LF boundaries and trailing white space",
			raw: []byte("Content-Type: multipart/mixed; boundary=b\n\n--b  \nContent-Type: text/plain\n\neen\n--b\t\n" +
				"Content-Type: text/plain\n\ntwee\n--b-- \n"),
			wantText: "een\n\ntwee",
		},
		{
			name:      "digest parts default to message/rfc822",
			raw:       lines("Content-Type: multipart/digest; boundary=b", "", "--b", "", "Subject: een", "", "eerste bericht", "--b--", ""),
			wantText:  "---------- Attached message ----------\nSubject: een\n\neerste bericht",
			wantNames: []string{"een.eml"},
		},
		{
			name:        "unknown transfer encoding",
			raw:         lines("Content-Type: text/plain", "Content-Transfer-Encoding: x-foo", "", "tekst"),
			wantText:    "tekst",
			wantProblem: "unknown Content-Transfer-Encoding",
		},
		{
			name:        "bad base64",
			raw:         lines("Content-Type: text/plain", "Content-Transfer-Encoding: base64", "", "SGFs!!bG8="),
			wantText:    "Hallo",
			wantProblem: "not base64",
		},
		{
			name:        "quoted-printable soft breaks and lower-case hex",
			raw:         lines("Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: quoted-printable", "", "caf=c3=a9 en =", "th=C3=A9   ", "1+1=2"),
			wantText:    "café en thé\n1+1=2",
			wantProblem: "1 malformed escapes",
		},
		{
			name:     "HTML charset from meta",
			raw:      []byte("Content-Type: text/html\n\n<meta charset=\"iso-8859-15\"><p>\xa4 5</p>"),
			wantText: "€ 5", wantHTML: "<meta charset=\"iso-8859-15\"><p>€ 5</p>",
		},
		{
			name: "calendar alone gives a summary",
			raw: lines("Content-Type: text/calendar; method=REQUEST", "", "BEGIN:VCALENDAR", "METHOD:REQUEST", "BEGIN:VEVENT",
				"SUMMARY:Overleg\\, dringend", "DTSTART;TZID=Europe/Brussels:20261215T140000", "LOCATION:Zaal 2",
				"ORGANIZER;CN=Ann:mailto:ann@gemeente.example", "END:VEVENT", "END:VCALENDAR"),
			wantText:  "Calendar invitation (REQUEST): Overleg, dringend\nStart: 2026-12-15 14:00 (Europe/Brussels)\nLocation: Zaal 2\nOrganizer: Ann <ann@gemeente.example>",
			wantNames: []string{"invite.ics"},
		},
		{
			name:        "opaque S/MIME",
			raw:         lines("Content-Type: application/pkcs7-mime; smime-type=signed-data; name=smime.p7m", "Content-Transfer-Encoding: base64", "", "MIAGCSqGSIb3DQEHAqCAMIACAQEx"),
			wantNames:   []string{"smime.p7m"},
			wantProblem: "signed-data",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mustParse(t, append([]byte("From: a@example.org\r\n"), tt.raw...), Options{})
			if m.Text != tt.wantText {
				t.Errorf("Text = %q, want %q", m.Text, tt.wantText)
			}
			if m.HTML != tt.wantHTML {
				t.Errorf("HTML = %q, want %q", m.HTML, tt.wantHTML)
			}
			var names []string
			for _, a := range m.Attachments {
				names = append(names, a.Name)
			}
			if fmt.Sprint(names) != fmt.Sprint(tt.wantNames) {
				t.Errorf("attachments %q, want %q", names, tt.wantNames)
			}
			if tt.wantProblem != "" && !hasProblem(m, tt.wantProblem) {
				t.Errorf("problems %q, want one with %q", m.Problems, tt.wantProblem)
			}
			if tt.wantProblem == "" && len(m.Problems) > 0 {
				t.Errorf("unexpected problems %q", m.Problems)
			}
		})
	}
}

func TestMaxBodyBytes(t *testing.T) {
	t.Parallel()
	text := strings.Repeat("é", 100) // 200 bytes
	raw := lines("Content-Type: multipart/alternative; boundary=b", "", "--b",
		"Content-Type: text/plain; charset=utf-8", "", text, "--b",
		"Content-Type: text/html; charset=utf-8", "", "<p>"+text+"</p>", "--b--", "")
	m := mustParse(t, raw, Options{MaxBodyBytes: 51})
	if len(m.Text) != 50 || m.Text != strings.Repeat("é", 25) {
		t.Errorf("Text has %d bytes: %q", len(m.Text), m.Text)
	}
	if len(m.HTML) > 51 {
		t.Errorf("HTML has %d bytes", len(m.HTML))
	}
	if !hasProblem(m, "text cut to 51 bytes") || !hasProblem(m, "html cut to 51 bytes") {
		t.Errorf("problems %q", m.Problems)
	}
	if d := (Options{}).maxBody(); d != 512*1024 {
		t.Errorf("default MaxBodyBytes %d", d)
	}
}

// TestManyTextParts checks that a message of many large text parts does
// not decode more than the body budget.
func TestManyTextParts(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("Content-Type: multipart/mixed; boundary=b\r\n\r\n")
	part := strings.Repeat("x", 1000)
	for range 50 {
		b.WriteString("--b\r\nContent-Type: text/plain\r\n\r\n" + part + "\r\n")
	}
	b.WriteString("--b--\r\n")
	m := mustParse(t, []byte(b.String()), Options{MaxBodyBytes: 2000})
	if len(m.Text) > 2000 || !hasProblem(m, "text cut") {
		t.Errorf("Text %d bytes, problems %q", len(m.Text), m.Problems)
	}
	if !hasProblem(m, "more text parts than fit") {
		t.Errorf("problems %q, want the body budget to run out", m.Problems)
	}
}

func TestLimits(t *testing.T) {
	t.Parallel()
	t.Run("deep nesting", func(t *testing.T) {
		var b strings.Builder
		for i := range 100 {
			fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n", i, i)
		}
		b.WriteString("Content-Type: text/plain\r\n\r\ndiep")
		m := mustParse(t, []byte(b.String()), Options{})
		if !hasProblem(m, "nested too deep") {
			t.Errorf("problems %q", m.Problems)
		}
	})
	t.Run("deep attached messages", func(t *testing.T) {
		var b strings.Builder
		for range 100 {
			b.WriteString("Content-Type: message/rfc822\r\n\r\n")
		}
		b.WriteString("Subject: binnenste\r\n\r\ndiep")
		m := mustParse(t, []byte(b.String()), Options{})
		if !hasProblem(m, "too deep") {
			t.Errorf("problems %q", m.Problems)
		}
	})
	t.Run("many attachments", func(t *testing.T) {
		var b strings.Builder
		b.WriteString("Content-Type: multipart/mixed; boundary=b\r\n\r\n")
		for range maxAttachments + 10 {
			b.WriteString("--b\r\nContent-Type: image/png\r\n\r\nx\r\n")
		}
		b.WriteString("--b--\r\n")
		m := mustParse(t, []byte(b.String()), Options{})
		if len(m.Attachments) != maxAttachments || !hasProblem(m, "more than 1000 attachments") {
			t.Errorf("%d attachments, problems %q", len(m.Attachments), m.Problems)
		}
	})
	t.Run("many parts", func(t *testing.T) {
		var b strings.Builder
		b.WriteString("Content-Type: multipart/mixed; boundary=b\r\n\r\n")
		for range maxParts + 10 {
			b.WriteString("--b\r\nContent-Type: text/plain\r\n\r\n\r\n")
		}
		b.WriteString("--b--\r\n")
		m := mustParse(t, []byte(b.String()), Options{})
		if !hasProblem(m, "more than 5000 parts") {
			t.Errorf("problems %q", m.Problems)
		}
	})
	t.Run("many problems", func(t *testing.T) {
		var b strings.Builder
		b.WriteString("Content-Type: multipart/mixed; boundary=b\r\n\r\n")
		for i := range 200 {
			fmt.Fprintf(&b, "--b\r\nContent-Type: text/plain; charset=x-bad-%d\r\n\r\nx\r\n", i)
		}
		b.WriteString("--b--\r\n")
		m := mustParse(t, []byte(b.String()), Options{})
		if len(m.Problems) != maxProblems+1 || !strings.Contains(m.Problems[maxProblems], "more problems") {
			t.Errorf("%d problems, last %q", len(m.Problems), m.Problems[len(m.Problems)-1])
		}
	})
}

// TestAttachmentDataSharesInput documents that unencoded attachments are
// not copied.
func TestAttachmentDataSharesInput(t *testing.T) {
	t.Parallel()
	raw := lines("Content-Type: multipart/mixed; boundary=b", "", "--b",
		"Content-Type: application/octet-stream; name=a.bin", "Content-Transfer-Encoding: binary", "", "RAWDATA", "--b--", "")
	m := mustParse(t, raw, Options{})
	if len(m.Attachments) != 1 || string(m.Attachments[0].Data) != "RAWDATA" {
		t.Fatalf("attachments %+v", m.Attachments)
	}
	i := strings.Index(string(raw), "RAWDATA")
	if &m.Attachments[0].Data[0] != &raw[i] {
		t.Errorf("attachment data was copied")
	}
}

func TestSenderOnlyWhenDifferent(t *testing.T) {
	t.Parallel()
	m := mustParse(t, lines("From: Els <Els@Example.org>", "Sender: els@example.org", "", "x"), Options{})
	if m.Sender.Email != "" {
		t.Errorf("Sender %+v, want zero", m.Sender)
	}
	m = mustParse(t, lines("From: Els <els@example.org>", "Sender: Secretariaat <sec@example.org>", "", "x"), Options{})
	if m.Sender.Email != "sec@example.org" {
		t.Errorf("Sender %+v", m.Sender)
	}
}

func TestBadDate(t *testing.T) {
	t.Parallel()
	m := mustParse(t, lines("From: a@example.org", "Date: gisteren", "", "x"), Options{})
	if m.Date != nil || !hasProblem(m, "Date: cannot read") {
		t.Errorf("date %v, problems %q", m.Date, m.Problems)
	}
	m = mustParse(t, lines("From: a@example.org", "Date: 03.12.2026 08:47", "", "x"), Options{})
	if m.Date == nil || !hasProblem(m, "no time zone") {
		t.Errorf("date %v, problems %q", m.Date, m.Problems)
	}
}

// TestHostileInputsAreFast feeds inputs built to hit quadratic corners.
// Each parses in a fraction of a second (seconds under the race detector);
// a quadratic path would take minutes at these sizes.
func TestHostileInputsAreFast(t *testing.T) {
	t.Parallel()
	many := func(s string, n int) string { return strings.Repeat(s, n) }
	var lines100k strings.Builder
	for i := range 100000 {
		fmt.Fprintf(&lines100k, "--x%d\r\n", i)
	}
	tests := []struct{ name, raw string }{
		{"unterminated encoded words", "Subject: " + many("=?utf-8?q?a", 200000) + "\r\n\r\nx"},
		{"encoded words then one end", "Subject: " + many("=?utf-8?q?a ", 100000) + "?=\r\n\r\nx"},
		{"unterminated angle brackets", "To: " + many("<", 1<<20) + "\r\n\r\nx"},
		{"many addresses", "To: " + many("a@example.org, ", 100000) + "\r\n\r\nx"},
		{"many references", "References: " + many("<a@x> <b@y> ", 100000) + "\r\n\r\nx"},
		{"nested brackets", "In-Reply-To: " + many("<", 1<<20) + "a>\r\n\r\nx"},
		{"comments", "In-Reply-To: " + many("(", 1<<20) + "\r\n\r\nx"},
		{"boundary guessing", "Content-Type: multipart/mixed\r\n\r\n" + lines100k.String()},
		{"nested guessing", many("Content-Type: multipart/mixed\r\n\r\n--a\r\n", 30) + lines100k.String()},
		{"RFC 2231 segments", "Content-Type: text/plain; " + many("name*1*=a; ", 100000) + "\r\n\r\nx"},
		{"HTML tags", "Content-Type: text/html\r\n\r\n" + many("<p><li><td>", 100000)},
		{"header lines", many("X-A: b\r\n", 200000) + "\r\nx"},
		{"continuation lines", "Subject: a\r\n" + many(" b\r\n", 200000) + "\r\nx"},
		{"boundary delimiters", "Content-Type: multipart/mixed; boundary=b\r\n\r\n" + many("--b\r\n", 200000)},
		{"boundary prefixes", "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\n" + many("--bx\r\n", 200000)},
		{"dates", "Date: " + many("1 ", 200000) + "\r\n\r\nx"},
		{"quoted-printable", "Content-Transfer-Encoding: quoted-printable\r\n\r\n" + many("=", 1<<20)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			m, err := Parse([]byte(tt.raw), Options{CaseRef: CaseRefPattern()})
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("took %v", d)
			}
			if err == nil {
				checkInvariants(t, m, Options{})
			}
		})
	}
}
