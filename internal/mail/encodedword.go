package mail

import (
	"bytes"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// decodeWords decodes a header value for display (RFC 2047). It is lenient
// where mailers are sloppy:
//   - encoded words not separated from text by white space are decoded;
//   - white space and '?' inside the encoded text (Q) are accepted, and a
//     last word without its closing "?=" is decoded to the end;
//   - adjacent encoded words in the same charset are joined before their
//     bytes are decoded, so a character split over two words survives;
//   - charset labels go through decodeCharset (iso-8859-1 read as
//     windows-1252, unknown charsets read as UTF-8 or windows-1252);
//   - 8-bit bytes outside encoded words (RFC 6532 UTF-8, or raw latin-1)
//     are read as UTF-8 where valid, windows-1252 otherwise.
//
// Control characters become spaces, runs of white space one space, and the
// result is trimmed. name is the header field, for problem messages.
func (p *parser) decodeWords(v []byte, path, name string) string {
	s, probs := decodeWords(v)
	for _, pr := range probs {
		p.problem(path, "%s: %s", fieldName(name), pr)
	}
	return s
}

// fieldName returns the header name in its usual capitalisation for
// problem messages.
func fieldName(name string) string {
	switch name {
	case "message-id":
		return "Message-ID"
	case "":
		return "header"
	}
	b := []byte(name)
	up := true
	for i, c := range b {
		if up && c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
		up = c == '-'
	}
	return string(b)
}

// encodedWord is one "=?charset?enc?text?=" found in a header.
type encodedWord struct {
	start, end int // byte span in the value, end after "?="
	charset    string
	data       []byte // decoded bytes, still in charset
}

func decodeWords(v []byte) (string, []string) {
	var out strings.Builder
	var probs []string
	addProblem := func(s string) {
		for _, q := range probs {
			if q == s {
				return
			}
		}
		probs = append(probs, s)
	}

	// pending holds the bytes of adjacent encoded words in one charset.
	var pendingCharset string
	var pending []byte
	flush := func() {
		if pending == nil {
			return
		}
		s, problem := decodeCharset(pendingCharset, pending)
		if problem != "" {
			addProblem(problem)
		}
		out.WriteString(s)
		pending, pendingCharset = nil, ""
	}

	plain := func(b []byte) {
		s, n := decodeMixed(b)
		if n > 0 {
			addProblem("8-bit bytes that are not UTF-8; read as windows-1252")
		}
		out.WriteString(s)
	}

	pos := 0
	lastWasWord := false
	lastClose := bytes.LastIndex(v, []byte("?="))
	for pos < len(v) {
		w, ok := nextEncodedWord(v, pos, lastClose)
		if !ok {
			flush()
			plain(v[pos:])
			break
		}
		between := v[pos:w.start]
		if lastWasWord && isSpaceOnly(between) {
			// RFC 2047 section 6.2: white space between encoded words is
			// not displayed.
		} else {
			flush()
			plain(between)
		}
		if pending != nil && !strings.EqualFold(pendingCharset, w.charset) {
			flush()
		}
		if pending == nil {
			pending = []byte{}
			pendingCharset = w.charset
		}
		pending = append(pending, w.data...)
		lastWasWord = true
		pos = w.end
	}
	flush()
	// NFC, so that a name written decomposed (macOS) equals the same name
	// written composed.
	return norm.NFC.String(cleanSpaces(out.String())), probs
}

func isSpaceOnly(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			return false
		}
	}
	return true
}

// nextEncodedWord finds the next well-enough-formed encoded word at or after
// pos: "=?" charset "?" (B|Q) "?" text "?=". The charset may carry an RFC 2231
// language ("utf-8*nl"), which is dropped.
// lastClose is the position of the last "?=" in v (-1 if none), so that a
// word without its end costs no search: without it, a long header of
// unterminated words would take quadratic time.
func nextEncodedWord(v []byte, pos, lastClose int) (encodedWord, bool) {
	for {
		i := bytes.Index(v[pos:], []byte("=?"))
		if i < 0 {
			return encodedWord{}, false
		}
		start := pos + i
		w, ok := parseEncodedWord(v, start, lastClose)
		if ok {
			return w, true
		}
		pos = start + 2
	}
}

func parseEncodedWord(v []byte, start, lastClose int) (encodedWord, bool) {
	rest := v[start+2:]
	q1 := bytes.IndexByte(rest, '?')
	if q1 <= 0 || q1 > 64 {
		return encodedWord{}, false
	}
	cs := string(rest[:q1])
	if strings.ContainsAny(cs, " \t\r\n=") {
		return encodedWord{}, false
	}
	if i := strings.IndexByte(cs, '*'); i >= 0 {
		cs = cs[:i]
	}
	rest = rest[q1+1:]
	if len(rest) < 2 || rest[1] != '?' {
		return encodedWord{}, false
	}
	enc := rest[0] | 0x20
	if enc != 'b' && enc != 'q' {
		return encodedWord{}, false
	}
	textStart := start + 2 + q1 + 1 + 2
	text := v[textStart:]
	end := -1
	if textStart <= lastClose {
		end = bytes.Index(text, []byte("?="))
	}
	var wordEnd int
	if end < 0 {
		// Unterminated last word: decode to the end of the value, but only
		// if nothing there looks like the start of another word.
		if bytes.Contains(text, []byte("=?")) {
			return encodedWord{}, false
		}
		end = len(text)
		wordEnd = len(v)
	} else {
		wordEnd = textStart + end + 2
	}
	text = text[:end]
	var data []byte
	if enc == 'b' {
		data, _ = decodeBase64(text, -1)
	} else {
		data = decodeQ(text)
	}
	return encodedWord{start: start, end: wordEnd, charset: cs, data: data}, true
}

// decodeQ decodes the Q encoding of RFC 2047 section 4.2: "_" is a space,
// "=XX" a byte; anything else, even if not allowed there, stands for itself.
func decodeQ(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case c == '_':
			out = append(out, ' ')
		case c == '=' && i+2 < len(b) && isHex(b[i+1]) && isHex(b[i+2]):
			out = append(out, unhex(b[i+1])<<4|unhex(b[i+2]))
			i += 2
		case c == '\r' || c == '\n':
			// folding inside a broken word
		default:
			out = append(out, c)
		}
	}
	return out
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// cleanSpaces turns control characters and Unicode white space (no-break
// space included) into spaces, makes runs of them one space and trims the
// ends.
func cleanSpaces(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		if r < 0x20 || r == 0x7f || unicode.IsSpace(r) {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}
