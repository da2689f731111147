package mail

import (
	"bytes"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-message/charset"
	"golang.org/x/text/encoding/charmap"
)

// charsetKind sorts charset labels by how their bytes are read.
type charsetKind int

const (
	kindOther   charsetKind = iota // a real charset, decoded by its decoder
	kindUnknown                    // a label no decoder knows
	kindNone                       // no label
	kindASCII                      // us-ascii and aliases
	kindUTF8                       // utf-8 and aliases
	kindLatin1                     // iso-8859-1 and aliases, read as windows-1252
)

// normaliseLabel lower-cases a charset label and removes quotes and white
// space that broken mailers leave around it.
func normaliseLabel(label string) string {
	label = strings.ToLower(strings.TrimSpace(label))
	label = strings.Trim(label, "\"' \t;")
	return label
}

func classify(label string) charsetKind {
	switch label {
	case "":
		return kindNone
	case "us-ascii", "ascii", "us", "ansi_x3.4-1968", "ansi_x3.4-1986", "iso646-us", "iso_646.irv:1991",
		"cp367", "ibm367", "iso-ir-6", "csascii", "646", "default":
		return kindASCII
	case "utf-8", "utf8", "unicode-1-1-utf-8", "unicode-2-0-utf-8", "x-unicode20utf8", "x-utf_8j":
		return kindUTF8
	case "iso-8859-1", "iso8859-1", "iso_8859-1", "iso_8859-1:1987", "iso88591", "8859-1", "latin1", "latin-1",
		"l1", "cp819", "ibm819", "iso-ir-100", "csisolatin1", "windows-1252", "cp1252", "x-cp1252", "cp-1252",
		"win-1252", "ansi_x3.110-1983":
		// RFC 2046 says ISO-8859-1, senders mean windows-1252 (the quotes,
		// dashes and the euro sign at 0x80-0x9F): WHATWG decodes the same way.
		return kindLatin1
	case "unknown-8bit", "x-unknown", "unknown", "x-user-defined":
		return kindUnknown
	}
	return kindOther
}

// decodeCharset decodes text in the named charset to UTF-8. Labels that say
// nothing reliable (none, us-ascii, utf-8, an unknown name) are read as UTF-8
// where the bytes are valid UTF-8 and as windows-1252 byte by byte where they
// are not, so a mislabelled message still reads right. problem, when not
// empty, says what was wrong with the label.
func decodeCharset(label string, b []byte) (s string, problem string) {
	label = normaliseLabel(label)
	switch classify(label) {
	case kindLatin1:
		// Text that is valid UTF-8 with non-ASCII characters is UTF-8
		// mislabelled: windows-1252 text is almost never valid UTF-8
		// ("Ã©" and the like).
		if !isASCII(b) && utf8.Valid(b) {
			return sanitize(string(b)), "text labelled " + quoteLabel(label) + " is UTF-8; read as UTF-8"
		}
		return decode1252(b), ""
	case kindNone:
		s, n := decodeMixed(b)
		if n > 0 {
			problem = "8-bit text without a charset; read as windows-1252 where it is not UTF-8"
		}
		return s, problem
	case kindASCII:
		s, n := decodeMixed(b)
		if n > 0 || !isASCII(b) {
			problem = "text labelled us-ascii has 8-bit bytes; read as UTF-8 or windows-1252"
		}
		return s, problem
	case kindUTF8:
		s, n := decodeMixed(b)
		if n > 0 {
			problem = "text labelled utf-8 is not valid UTF-8; invalid bytes read as windows-1252"
		}
		return s, problem
	case kindUnknown:
		s, _ := decodeMixed(b)
		return s, "charset " + quoteLabel(label) + " says nothing; read as UTF-8 or windows-1252"
	}
	r, err := charset.Reader(label, bytes.NewReader(b))
	if err != nil {
		s, _ := decodeMixed(b)
		return s, "unknown charset " + quoteLabel(label) + "; read as UTF-8 or windows-1252"
	}
	out, err := io.ReadAll(r)
	if err != nil {
		s, _ := decodeMixed(b)
		return s, "cannot decode charset " + quoteLabel(label) + "; read as UTF-8 or windows-1252"
	}
	return sanitize(string(out)), ""
}

// quoteLabel quotes a charset label for a problem message, cut so a
// hostile label cannot fill the problem list.
func quoteLabel(label string) string {
	if len(label) > 40 {
		label = label[:40] + "…"
	}
	return `"` + sanitize(label) + `"`
}

// decodeMixed reads valid UTF-8 sequences as UTF-8 and every other byte as
// windows-1252. It returns how many bytes were not UTF-8.
func decodeMixed(b []byte) (string, int) {
	if utf8.Valid(b) {
		return sanitize(string(b)), 0
	}
	var sb strings.Builder
	sb.Grow(len(b) + len(b)/4)
	n := 0
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size <= 1 {
			sb.WriteRune(cp1252(b[0]))
			b = b[1:]
			n++
			continue
		}
		sb.Write(b[:size])
		b = b[size:]
	}
	return sanitize(sb.String()), n
}

func decode1252(b []byte) string {
	if isASCII(b) {
		return sanitize(string(b))
	}
	var sb strings.Builder
	sb.Grow(len(b) + len(b)/4)
	for _, c := range b {
		sb.WriteRune(cp1252(c))
	}
	return sanitize(sb.String())
}

// cp1252 maps one windows-1252 byte to its character. The five bytes
// windows-1252 leaves undefined map to the C1 controls, as WHATWG does.
func cp1252(c byte) rune {
	if c < 0x80 || c >= 0xA0 {
		return rune(c)
	}
	if r := charmap.Windows1252.DecodeByte(c); r != utf8.RuneError {
		return r
	}
	return rune(c)
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// sanitize makes s fit the case event: valid UTF-8, no NUL, no byte order
// mark at the start.
func sanitize(s string) string {
	s = strings.TrimPrefix(s, "\uFEFF")
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "")
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return s
}

// truncateUTF8 cuts s to at most max bytes on a character boundary.
func truncateUTF8(s string, max int) (string, bool) {
	if len(s) <= max {
		return s, false
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut], true
}
