package mail

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"unicode/utf8"
)

// Every reader of untrusted input has a fuzz target, seeded with the
// corpus. Run one with, e.g.:
//
//	go test ./internal/mail -run '^$' -fuzz '^FuzzParse$' -fuzztime 30s

func addCorpus(f *testing.F, add func([]byte)) {
	for _, file := range corpusFiles(f) {
		raw, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		add(raw)
	}
}

// FuzzParse: Parse never panics, returns a message or an error (never both,
// never neither), and the message keeps every invariant, size caps included.
func FuzzParse(f *testing.F) {
	addCorpus(f, func(raw []byte) { f.Add(raw, uint16(0)) })
	f.Add([]byte("Subject: a\n\nb"), uint16(1))
	f.Add([]byte("Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: message/rfc822\n\n"), uint16(3))
	f.Fuzz(func(t *testing.T, raw []byte, max uint16) {
		opts := Options{CaseRef: CaseRefPattern(), MaxBodyBytes: int(max)}
		m, err := parse(raw, opts) // not Parse: a panic must fail the fuzz run, not be recovered
		if (m == nil) == (err == nil) {
			t.Fatalf("Parse returned message %v and error %v", m != nil, err)
		}
		if m != nil {
			checkInvariants(t, m, opts)
		}
	})
}

// FuzzHeaders: as FuzzParse, for the header-only reader; it agrees with
// Parse on whether the input is a message.
func FuzzHeaders(f *testing.F) {
	addCorpus(f, func(raw []byte) { f.Add(raw) })
	f.Fuzz(func(t *testing.T, raw []byte) {
		opts := Options{CaseRef: CaseRefPattern()}
		h, err := headersOnly(raw, opts)
		if (h == nil) == (err == nil) {
			t.Fatalf("Headers returned message %v and error %v", h != nil, err)
		}
		if h != nil {
			checkInvariants(t, h, opts)
			if h.Text != "" || h.HTML != "" || len(h.Attachments) > 0 {
				t.Fatal("Headers returned a body")
			}
		}
		m, perr := parse(raw, opts)
		if (perr == nil) != (err == nil) {
			t.Fatalf("Headers error %v, Parse error %v", err, perr)
		}
		if m != nil && h != nil && (m.MessageID != h.MessageID || m.Subject != h.Subject || m.From != h.From) {
			t.Fatalf("Headers and Parse disagree on the header")
		}
	})
}

// FuzzTNEF: the winmail.dat reader never panics and only returns bytes of
// its input.
func FuzzTNEF(f *testing.F) {
	f.Add(newTNEF().bytes())
	f.Add(newTNEF().
		attr(1, attOemCodepage, []byte{0xE4, 0x04, 0, 0}).
		attr(1, attBody, []byte("tekst\x00")).
		attr(2, attAttachRendData, make([]byte, 14)).
		attr(2, attAttachTitle, []byte("a.txt\x00")).
		attr(2, attAttachData, []byte("inhoud")).
		attr(2, attAttachment, (&mapi{}).unicode(prAttachLongFilename, "lang.txt").string8(prAttachMimeTag, "text/plain").boolean(prAttachmentHidden, true).bytes()).
		attr(1, attMsgProps, (&mapi{}).long(prInternetCPID, 65001).variable(ptypBinary, prBodyHTML, []byte("<p>x</p>")).bytes()).
		bytes())
	if raw, err := os.ReadFile("testdata/corpus/24-winmail-dat.eml"); err == nil {
		if m, err := Parse(raw, Options{}); err == nil {
			for _, a := range m.Attachments {
				if a.Name == "winmail.dat" {
					f.Add(a.Data)
				}
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := readTNEF(data, 0)
		if err != nil {
			return
		}
		total := 0
		for _, file := range res.files {
			total += len(file.data)
			if !utf8.ValidString(file.name) || !utf8.ValidString(file.mimeType) {
				t.Fatalf("invalid UTF-8 in %q %q", file.name, file.mimeType)
			}
		}
		// Files are sub-slices of the input; nested TNEF can only repeat
		// bytes up to maxTNEFDepth times.
		if total > (maxTNEFDepth+1)*len(data) {
			t.Fatalf("%d bytes of files from %d bytes of input", total, len(data))
		}
		if !utf8.ValidString(res.body) || !utf8.ValidString(res.html) {
			t.Fatal("invalid UTF-8 body")
		}
	})
}

// FuzzDecodeWords: RFC 2047 decoding always gives clean display text.
func FuzzDecodeWords(f *testing.F) {
	for _, s := range []string{
		"=?UTF-8?Q?Re=3A_=5BMP=2D2026=2D000123=5D?=", "=?utf-8?B?4oA=?= =?utf-8?B?kw==?=", "Re:=?utf-8?q?a b",
		"=?iso-8859-1?Q?=93x=94?=", "=?x?q?=?=", "=?utf-16?b?//5oAOkA?=", "caf\xe9",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, v []byte) {
		s, _ := decodeWords(v)
		if !utf8.ValidString(s) || strings.ContainsAny(s, "\x00\r\n\t") {
			t.Fatalf("decodeWords(%q) = %q", v, s)
		}
		if s != strings.TrimSpace(s) || strings.Contains(s, "  ") {
			t.Fatalf("decodeWords(%q) = %q: white space not normalised", v, s)
		}
	})
}

// FuzzParseParams: Content-Type and Content-Disposition parameters.
func FuzzParseParams(f *testing.F) {
	for _, s := range []string{
		`text/plain; charset="utf-8"; format=flowed`, "attachment; filename*0*=UTF-8''a%20; filename*1*=%E2%80%93.pdf",
		`application/pdf; name="=?utf-8?Q?d=C3=A9c.pdf?="`, `a; b="c\"d`, "image/jpeg name=x.jpg",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, v []byte) {
		value, params, _ := parseParams(v)
		if !utf8.ValidString(value) && utf8.Valid(v) {
			t.Fatalf("value %q", value)
		}
		for k, p := range params {
			if !utf8.ValidString(p) || strings.IndexByte(p, 0) >= 0 {
				t.Fatalf("param %q = %q", k, p)
			}
		}
	})
}

// FuzzParseDate: any date found can be written in the case event.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{
		"Thu, 3 Dec 2026 08:47:12 +0100", "do, 03 dec 2026 16:20:00 CET", "2026-12-03T08:47:12Z", "03.12.2026 08:47",
		"Thu Dec  3 08:47:12 2026", "31 Feb 2026", "Wed, 31 Dec 2025 23:59:60 +0000",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, _, ok := parseDate(s)
		if !ok {
			return
		}
		if d.Year() < 1970 || d.Year() > 9999 || d.Second() == 60 {
			t.Fatalf("parseDate(%q) = %v", s, d)
		}
		if _, err := json.Marshal(d); err != nil {
			t.Fatalf("parseDate(%q) = %v cannot be marshalled: %v", s, d, err)
		}
	})
}

// FuzzAddressList: address lists.
func FuzzAddressList(f *testing.F) {
	for _, s := range []string{
		`"Wouters, Kevin" <k@example.com>, j@example.org`, "Famille: a@x, b@x;", "=?utf-8?Q?a?= <a@x> (c)",
		"<@r,@s:e@x>", "a@x (b (c) d)", `"unterminated`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, v []byte) {
		ps, _, _ := parseAddressList(v)
		for _, p := range ps {
			if !utf8.ValidString(p.Name) || !utf8.ValidString(p.Email) || strings.IndexByte(p.Name+p.Email, 0) >= 0 {
				t.Fatalf("party %+v", p)
			}
			if p.Name == "" && p.Email == "" {
				t.Fatalf("empty party from %q", v)
			}
		}
	})
}
