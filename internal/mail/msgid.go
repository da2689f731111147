package mail

import (
	"bytes"
	"strings"
)

// parseMsgIDs reads the message ids of a Message-ID, In-Reply-To or
// References field (RFC 5322 section 3.6.4) in the form "<left@right>".
// Comments are skipped (In-Reply-To: <id> (Els's message of ...) is
// common), white space inside an id (from folding) is removed, duplicates
// are dropped, and ids written without angle brackets get them.
func parseMsgIDs(v []byte) []string {
	s, _ := decodeMixed(stripComments(v))
	var ids []string
	seen := map[string]bool{}
	add := func(id string) {
		id = strings.Join(strings.Fields(id), "")
		if id == "" || id == "<>" || seen[id] {
			return
		}
		seen[id] = true
		ids = append(ids, id)
	}
	if strings.IndexByte(s, '<') < 0 {
		for _, w := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '\t' || r == ',' }) {
			w = strings.Trim(w, `"'>`)
			if w != "" {
				add("<" + w + ">")
			}
		}
		return ids
	}
	for {
		open := strings.IndexByte(s, '<')
		if open < 0 {
			break
		}
		s = s[open+1:]
		end := strings.IndexAny(s, "<>")
		if end < 0 {
			add("<" + s + ">") // unterminated last id
			break
		}
		if s[end] == '<' {
			continue // "<<id>": start again at the inner bracket
		}
		add("<" + s[:end] + ">")
		s = s[end+1:]
	}
	return ids
}

// stripComments removes parenthesised comments outside quoted strings and
// angle brackets.
func stripComments(v []byte) []byte {
	if bytes.IndexByte(v, '(') < 0 {
		return v
	}
	out := make([]byte, 0, len(v))
	depth, inQuote, inAngle := 0, false, false
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '\\' && (depth > 0 || inQuote):
			i++
			continue
		case depth > 0:
			if c == '(' {
				depth++
			} else if c == ')' {
				depth--
			}
			continue
		case c == '"' && !inAngle:
			inQuote = !inQuote
		case c == '<' && !inQuote:
			inAngle = true
		case c == '>' && !inQuote:
			inAngle = false
		case c == '(' && !inQuote && !inAngle:
			depth = 1
			out = append(out, ' ')
			continue
		}
		out = append(out, c)
	}
	return out
}
