package mail

import (
	"bytes"
	"strings"

	"github.com/meldpunt/meldpunt/internal/caseevent"
)

// addresses reads every field of the given name as an address list.
func (p *parser) addresses(h header, name, path string) []caseevent.Party {
	var out []caseevent.Party
	for _, v := range h.values(name) {
		ps, bad, probs := parseAddressList(v)
		if bad > 0 {
			p.problem(path, "%s: %d address(es) could not be read", fieldName(name), bad)
		}
		for _, pr := range probs {
			p.problem(path, "%s: %s", fieldName(name), pr)
		}
		out = append(out, ps...)
	}
	return out
}

// parseAddressList reads an address list (RFC 5322 section 3.4) the way
// mail clients do, not the way the grammar says: display names may be
// unquoted and hold dots, commas inside quotes or comments, encoded words
// anywhere in them, raw 8-bit bytes; ";" separates like ","; groups are
// flattened; "addr (Name)" gives the comment as the name; a bare address
// among words is found by its "@". It returns the number of entries that
// held no address, and the problems of decoding the names.
func parseAddressList(v []byte) ([]caseevent.Party, int, []string) {
	var out []caseevent.Party
	var probs []string
	bad := 0
	var words [][]byte // atoms and quoted strings of the current mailbox
	var comment []byte
	var angle []byte
	hasAngle := false

	finish := func() {
		party, ok, ps := makeParty(words, comment, angle, hasAngle)
		probs = append(probs, ps...)
		if ok {
			out = append(out, party)
		} else if len(words) > 0 || hasAngle {
			bad++
		}
		words, comment, angle, hasAngle = nil, nil, nil, false
	}

	for i := 0; i < len(v); {
		c := v[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			i++
		case c == '"':
			if hasAngle {
				finish() // words after an angle address: a missing comma
			}
			q, n := scanQuoted(v[i+1:])
			words = append(words, q)
			i += 1 + n
		case c == '(':
			cm, n := scanComment(v[i+1:])
			if len(bytes.TrimSpace(cm)) > 0 {
				comment = cm
			}
			i += 1 + n
		case c == '<':
			end := bytes.IndexByte(v[i+1:], '>')
			if end < 0 {
				end = len(v) - i - 1
			}
			if hasAngle {
				// A second angle address in one entry: a missing comma.
				finish()
			}
			angle = v[i+1 : i+1+end]
			hasAngle = true
			i += 1 + end + 1
		case c == ',' || c == ';':
			finish()
			i++
		case c == ':':
			// Group "name: a, b;": the phrase so far names the group.
			if !hasAngle && !containsAt(words) {
				words, comment = nil, nil
			}
			i++
		case c == '>':
			i++
		default:
			if hasAngle {
				finish()
			}
			j := i
			for j < len(v) && bytes.IndexByte([]byte(" \t\r\n\"(<>,;:"), v[j]) < 0 {
				j++
			}
			words = append(words, v[i:j])
			i = j
		}
	}
	finish()
	return out, bad, probs
}

func containsAt(words [][]byte) bool {
	for _, w := range words {
		if bytes.IndexByte(w, '@') >= 0 {
			return true
		}
	}
	return false
}

// makeParty turns the pieces of one entry into a party.
func makeParty(words [][]byte, comment, angle []byte, hasAngle bool) (caseevent.Party, bool, []string) {
	var email string
	var nameWords [][]byte
	switch {
	case hasAngle:
		email = cleanEmail(angle)
		nameWords = words
	default:
		at := -1
		for i, w := range words {
			if bytes.IndexByte(w, '@') >= 0 {
				at = i
				break
			}
		}
		if at < 0 {
			return caseevent.Party{}, false, nil
		}
		email = cleanEmail(words[at])
		nameWords = append(append([][]byte(nil), words[:at]...), words[at+1:]...)
		if len(nameWords) == 0 {
			nameWords = [][]byte{comment}
		}
	}
	if email == "" && !hasAngle {
		return caseevent.Party{}, false, nil
	}
	name, probs := cleanName(bytes.Join(nameWords, []byte(" ")))
	if name == "" && hasAngle && comment != nil {
		name, probs = cleanName(comment)
	}
	if strings.EqualFold(name, email) {
		name = ""
	}
	if email == "" && name == "" {
		return caseevent.Party{}, false, probs
	}
	return caseevent.Party{Name: name, Email: email}, true, probs
}

// cleanEmail lower-cases an address and removes white space, a route
// ("@a,@b:") and a "mailto:" prefix.
func cleanEmail(b []byte) string {
	s, _ := decodeMixed(b)
	s = strings.Join(strings.Fields(s), "")
	if i := strings.LastIndexByte(s, ':'); i >= 0 && (strings.HasPrefix(s, "@") || strings.HasPrefix(strings.ToLower(s), "mailto:")) {
		s = s[i+1:]
	}
	s = strings.Trim(s, `"'.`)
	return strings.ToLower(s)
}

// cleanName decodes a display name and removes the quotes Outlook and
// others wrap around it.
func cleanName(b []byte) (string, []string) {
	s, probs := decodeWords(b)
	for range 3 {
		t := strings.TrimSpace(s)
		if len(t) >= 2 && (t[0] == '\'' && t[len(t)-1] == '\'' || t[0] == '"' && t[len(t)-1] == '"') {
			t = t[1 : len(t)-1]
		}
		if t == s {
			break
		}
		s = t
	}
	return strings.TrimSpace(s), probs
}

// scanQuoted reads a quoted string after its opening quote and returns its
// content (escapes undone) and the bytes consumed, closing quote included.
func scanQuoted(b []byte) ([]byte, int) {
	var out []byte
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '\\':
			if i+1 < len(b) {
				i++
			}
			out = append(out, b[i])
		case '"':
			return out, i + 1
		default:
			out = append(out, b[i])
		}
	}
	return out, len(b)
}

// scanComment reads a comment after its "(", with nesting and escapes.
func scanComment(b []byte) ([]byte, int) {
	depth := 1
	var out []byte
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '\\':
			if i+1 < len(b) {
				i++
			}
			out = append(out, b[i])
		case '(':
			depth++
			out = append(out, b[i])
		case ')':
			depth--
			if depth == 0 {
				return out, i + 1
			}
			out = append(out, b[i])
		default:
			out = append(out, b[i])
		}
	}
	return out, len(b)
}

// formatParties writes parties as "Name <email>, ..." for display.
func formatParties(ps []caseevent.Party) string {
	var parts []string
	for _, p := range ps {
		switch {
		case p.Name != "" && p.Email != "":
			parts = append(parts, p.Name+" <"+p.Email+">")
		case p.Email != "":
			parts = append(parts, p.Email)
		default:
			parts = append(parts, p.Name)
		}
	}
	return strings.Join(parts, ", ")
}
