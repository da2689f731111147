package mail

import (
	"maps"
	"testing"
)

func TestParseParams(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		in         string
		wantValue  string
		wantParams map[string]string
	}{
		{"simple", `text/plain; charset=utf-8`, "text/plain", map[string]string{"charset": "utf-8"}},
		{"quoted with escapes", `attachment; filename="a \"b\".pdf"`, "attachment", map[string]string{"filename": `a "b".pdf`}},
		{"upper case, spaces", `Text/HTML ;  CHARSET = "UTF-8" `, "text/html", map[string]string{"charset": "UTF-8"}},
		{"folded", "multipart/mixed;\r\n\tboundary=\"=_abc\"", "multipart/mixed", map[string]string{"boundary": "=_abc"}},
		{"RFC 2231 extended", `attachment; filename*=iso-8859-1''Aanvraag%20%E9nergie%20%96%20renovatie.pdf`, "attachment",
			map[string]string{"filename": "Aanvraag énergie – renovatie.pdf"}},
		{"RFC 2231 continuations", "attachment; filename*0*=UTF-8''Verslag%20; filename*1*=%E2%80%93%20d%C3%A9c.docx", "attachment",
			map[string]string{"filename": "Verslag – déc.docx"}},
		{"RFC 2231 plain continuations", `attachment; filename*0="a very long "; filename*1="name.pdf"`, "attachment",
			map[string]string{"filename": "a very long name.pdf"}},
		{"RFC 2231 out of order", "attachment; filename*1=b.pdf; filename*0=a", "attachment", map[string]string{"filename": "ab.pdf"}},
		{"RFC 2231 wins over simple", `attachment; filename="fallback.pdf"; filename*=utf-8''r%C3%A9el.pdf`, "attachment",
			map[string]string{"filename": "réel.pdf"}},
		{"RFC 2231 quoted (broken)", `attachment; filename*="UTF-8''foto%20lamp.jpg"`, "attachment", map[string]string{"filename": "foto lamp.jpg"}},
		{"encoded word in quotes (Outlook)", `application/pdf; name="=?utf-8?Q?Fiche_de_paie_d=C3=A9cembre.pdf?="`, "application/pdf",
			map[string]string{"name": "Fiche de paie décembre.pdf"}},
		{"unquoted with spaces", `attachment; filename=foto lamp.jpg`, "attachment", map[string]string{"filename": "foto lamp.jpg"}},
		{"missing semicolon", `image/jpeg name=foto.jpg`, "image/jpeg", map[string]string{"name": "foto.jpg"}},
		{"trailing semicolon", `text/plain; charset=utf-8;`, "text/plain", map[string]string{"charset": "utf-8"}},
		{"double semicolon", `text/plain;; charset=utf-8`, "text/plain", map[string]string{"charset": "utf-8"}},
		{"unterminated quote", `attachment; filename="brief.pdf`, "attachment", map[string]string{"filename": "brief.pdf"}},
		{"raw latin-1 byte", "attachment; filename=\"caf\xe9.pdf\"", "attachment", map[string]string{"filename": "café.pdf"}},
		{"raw UTF-8", "attachment; filename=\"caf\xc3\xa9.pdf\"", "attachment", map[string]string{"filename": "café.pdf"}},
		{"duplicate keeps first", `text/plain; charset=utf-8; charset=iso-8859-1`, "text/plain", map[string]string{"charset": "utf-8"}},
		{"bare word ignored", `text/plain; flowed; charset=utf-8`, "text/plain", map[string]string{"charset": "utf-8"}},
		{"windows path kept", `attachment; filename="C:\Users\els\foto.jpg"`, "attachment", map[string]string{"filename": `C:\Users\els\foto.jpg`}},
		{"empty", ``, "", map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			value, params, _ := parseParams([]byte(tt.in))
			if value != tt.wantValue {
				t.Errorf("value = %q, want %q", value, tt.wantValue)
			}
			if !maps.Equal(params, tt.wantParams) {
				t.Errorf("params = %q, want %q", params, tt.wantParams)
			}
		})
	}
}

func TestCleanFileName(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"plain", "brief.pdf", "brief.pdf"},
		{"windows path", `C:\Users\els\foto.jpg`, "foto.jpg"},
		{"unix path", "../../etc/passwd", "passwd"},
		{"control characters", "a\tb\x01.pdf", "ab.pdf"},
		{"decomposed", "vo\u0308o\u0308r.jpg", "vöör.jpg"},
		{"spaces", "  brief.pdf ", "brief.pdf"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cleanFileName(tt.in); got != tt.want {
				t.Errorf("cleanFileName(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
