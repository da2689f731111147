package store

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// ErrNoDomains is returned by a search without domains. Elsewhere an empty
// domain list means every domain; a search refuses it, so that forgetting
// to pass a user's domains can never show another domain's messages.
var ErrNoDomains = errors.New("search needs the domains to search in")

// Search limits.
const (
	// SearchMaxMatches is how many matches a search ranks, pages through
	// and counts: the newest by event time. A search that matches more
	// reports TotalCapped; narrow it (words, filters, period) to reach
	// older matches. The cap keeps every search equally fast, whatever
	// the number of stored messages.
	SearchMaxMatches = 1000
	// SearchDefaultLimit and SearchMaxLimit bound SearchQuery.Limit.
	SearchDefaultLimit = 20
	SearchMaxLimit     = 100
	// ContactDefaultLimit and ContactMaxLimit bound ContactQuery.Limit.
	ContactDefaultLimit = 20
	ContactMaxLimit     = 100
)

// Search finds messages by their words and citizens by their details. The
// methods that search take the domains to look in, and refuse an empty list
// (ErrNoDomains). GetContact and ListCasesByContact take an id: the caller
// checks the contact's Domain before it shows anything.
type Search interface {
	// SearchMessages finds the messages that match q.Text in q.Domains,
	// with q's filters. Text is matched in the subject, the text, the
	// sender's name, e-mail address and phone number, the reference of
	// the message's case and the names of its attachments: words in Dutch
	// (PostgreSQL stems them, "straatlampen" finds "straatlamp"; SQLite
	// matches words that begin with the word's stem), case and accents
	// ignored. The syntax is a web search's: every word must match,
	// "a phrase" in quotes, -word excludes, "or" between words allows
	// either. Of the matches, the newest SearchMaxMatches by event time
	// are ranked (subject and reference weigh most, then sender, then
	// attachment names, then text) and paged. An empty Text lists the
	// messages that pass the filters, newest first.
	SearchMessages(ctx context.Context, q SearchQuery) (SearchResult, error)
	// ListContacts finds contacts in q.Domains whose name, e-mail address,
	// phone number or Facebook id matches q.Text: every word of Text
	// begins a word of one of them (case and accents ignored), or Text is
	// a phone number that matches one (NormalizePhone; a Belgian number
	// matches in national and international form). Of the newest 200
	// matching contacts, those most recently in contact come first.
	ListContacts(ctx context.Context, q ContactQuery) ([]ContactSummary, error)
	// GetContact returns one contact with its counts. ErrNotFound when
	// there is none. The caller checks its Domain.
	GetContact(ctx context.Context, id int64) (ContactSummary, error)
	// ListCasesByContact returns the cases of a contact, across channels:
	// the cases opened for the contact and the cases that hold a message
	// of the contact, most recently updated first, with MessageCount.
	// They are in the contact's domain.
	ListCasesByContact(ctx context.Context, contactID int64) ([]Case, error)
	// UpdateSearchIndex indexes, for drivers that index later than they
	// store (PostgreSQL: computing the words of a message costs as much
	// as storing it, so registering never waits for it), up to max
	// stored changes, and reports how many remain. SearchMessages and
	// ListContacts call it themselves; calling it when idle keeps them
	// fast after a burst. Drivers that index as they store return 0.
	UpdateSearchIndex(ctx context.Context, max int) (pending int, err error)
}

// SearchQuery asks for messages. Zero filters mean "any".
type SearchQuery struct {
	// Text is what to look for (see Search.SearchMessages); empty: every
	// message that passes the filters.
	Text string
	// Domains to search in: required (ErrNoDomains).
	Domains []string
	// Channel of the message (email, facebook, ...).
	Channel string
	// Status, Department and Type of the message's case. A message
	// without a case passes none of them.
	Status, Department, Type string
	// From and To bound the message's event time: From <= t < To. Zero:
	// open.
	From, To time.Time
	// Limit is the page size: 0 is SearchDefaultLimit, at most
	// SearchMaxLimit. Offset skips that many ranked matches.
	Limit, Offset int
}

// Normalized returns q with Limit and Offset in range, or ErrNoDomains.
func (q SearchQuery) Normalized() (SearchQuery, error) {
	if len(q.Domains) == 0 {
		return q, ErrNoDomains
	}
	if q.Limit <= 0 {
		q.Limit = SearchDefaultLimit
	}
	q.Limit = min(q.Limit, SearchMaxLimit)
	q.Offset = max(q.Offset, 0)
	q.Text = strings.TrimSpace(cleanText(q.Text))
	q.Channel, q.Status, q.Department, q.Type = cleanText(q.Channel), cleanText(q.Status), cleanText(q.Department), cleanText(q.Type)
	q.Domains = cleanTexts(q.Domains)
	return q, nil
}

// cleanText is s as stored text is: valid UTF-8 without NUL bytes (see Tx),
// so that what a user types never fails a query.
func cleanText(s string) string {
	return strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", ""), "\uFFFD")
}

func cleanTexts(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = cleanText(s)
	}
	return out
}

// SearchResult is one page of a search.
type SearchResult struct {
	Hits []SearchHit
	// Total is the number of matches, counted up to SearchMaxMatches;
	// TotalCapped says that there are more.
	Total       int
	TotalCapped bool
	// Pending counts stored changes that are not searchable yet (see
	// UpdateSearchIndex); normally 0.
	Pending int
}

// SearchHit is a message found, with its case.
type SearchHit struct {
	// Message is the message with its attachments, without HTML and
	// Event.
	Message Message
	// CaseRef, CaseStatus, CaseType and CaseDepartment describe the
	// message's case (empty: the message has none). The case is in the
	// message's Domain.
	CaseRef, CaseStatus, CaseType, CaseDepartment string
	// Rank orders the hits, higher first; 0 when listing without Text.
	Rank float64
	// Snippet is a short part of the text around what matched, and
	// Subject the whole subject, both cut into parts that say whether
	// they matched. The parts are plain text, never HTML: show them
	// escaped, the matching ones marked.
	Snippet, Subject []SnippetPart
}

// SnippetPart is a piece of a snippet.
type SnippetPart struct {
	Text  string
	Match bool
}

// Highlight markers: drivers ask the database to put them around the words
// that matched, and SplitMarked turns the result into SnippetParts. They are
// control characters that stored text does not keep (drivers remove them
// from the text they mark).
const (
	MarkStart = "\x02"
	MarkStop  = "\x03"
)

// SplitMarked cuts text marked with MarkStart and MarkStop into parts, with
// runs of white space made one space (never at the ends, never at the edge
// of a match) and the marks gone. Unbalanced marks are tolerated: a start
// mark inside a match and a stop mark outside one are ignored.
func SplitMarked(marked string) []SnippetPart {
	var (
		raw   []SnippetPart
		cur   strings.Builder
		match bool
	)
	flush := func() {
		raw = append(raw, SnippetPart{Text: cur.String(), Match: match})
		cur.Reset()
	}
	space := false
	for _, r := range marked {
		switch {
		case string(r) == MarkStart || string(r) == MarkStop:
			if (string(r) == MarkStart) != match {
				flush()
				match = !match
				space = false
			}
			continue
		case unicode.IsSpace(r):
			if !space {
				cur.WriteByte(' ')
			}
			space = true
			continue
		default:
			cur.WriteRune(r)
		}
		space = false
	}
	flush()
	// White space at the edge of a match goes outside it; then empty
	// parts go, and neighbours alike in Match become one.
	for i := range raw {
		p := &raw[i]
		if !p.Match {
			continue
		}
		if t, ok := strings.CutPrefix(p.Text, " "); ok {
			p.Text = t
			if i > 0 && !strings.HasSuffix(raw[i-1].Text, " ") {
				raw[i-1].Text += " "
			}
		}
		if t, ok := strings.CutSuffix(p.Text, " "); ok {
			p.Text = t
			if i+1 < len(raw) && !strings.HasPrefix(raw[i+1].Text, " ") {
				raw[i+1].Text = " " + raw[i+1].Text
			}
		}
	}
	var parts []SnippetPart
	for _, p := range raw {
		if p.Text == "" {
			continue
		}
		if n := len(parts); n > 0 && parts[n-1].Match == p.Match {
			t := parts[n-1].Text + p.Text
			parts[n-1].Text = strings.ReplaceAll(t, "  ", " ")
			continue
		}
		if n := len(parts); n > 0 && strings.HasSuffix(parts[n-1].Text, " ") {
			p.Text = strings.TrimPrefix(p.Text, " ")
		}
		parts = append(parts, p)
	}
	if len(parts) > 0 {
		parts[0].Text = strings.TrimLeft(parts[0].Text, " ")
		last := &parts[len(parts)-1]
		last.Text = strings.TrimRight(last.Text, " ")
		if last.Text == "" {
			parts = parts[:len(parts)-1]
		}
		if len(parts) > 0 && parts[0].Text == "" {
			parts = parts[1:]
		}
	}
	return parts
}

// ContactQuery asks for contacts.
type ContactQuery struct {
	// Text is a name (or part of one), an e-mail address, a phone number
	// or a Facebook id. Empty: nothing is found.
	Text string
	// Domains to look in: required (ErrNoDomains).
	Domains []string
	// Limit: 0 is ContactDefaultLimit, at most ContactMaxLimit.
	Limit int
}

// Normalized returns q with Limit in range, or ErrNoDomains.
func (q ContactQuery) Normalized() (ContactQuery, error) {
	if len(q.Domains) == 0 {
		return q, ErrNoDomains
	}
	if q.Limit <= 0 {
		q.Limit = ContactDefaultLimit
	}
	q.Limit = min(q.Limit, ContactMaxLimit)
	q.Text = strings.TrimSpace(cleanText(q.Text))
	q.Domains = cleanTexts(q.Domains)
	return q, nil
}

// ContactSummary is a stored contact: a citizen as known in one domain (the
// same person writing to both domains is two contacts).
type ContactSummary struct {
	ID     int64
	Domain string
	Contact
	CreatedAt, UpdatedAt time.Time
	// CaseCount counts the contact's cases as ListCasesByContact lists
	// them.
	CaseCount int
	// LastContactAt is the event time of the contact's newest message
	// (nil: none).
	LastContactAt *time.Time
}

// PhoneQuery reports whether text is a phone number rather than words
// (only digits and the signs people write numbers with, at least six
// digits), and returns it as NormalizePhone makes it.
func PhoneQuery(text string) (string, bool) {
	digits := 0
	for _, r := range text {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune(" +-./()", r):
		default:
			return "", false
		}
	}
	if digits < 6 {
		return "", false
	}
	return NormalizePhone(text), true
}

// LeadingWords is the beginning of text, up to about n bytes and cut
// after a whole word, with "…" when something was cut: the snippet of a
// message listed without words to look for.
func LeadingWords(text string, n int) string {
	text = strings.TrimSpace(text)
	if len(text) <= n {
		return text
	}
	cut := strings.LastIndexAny(text[:n+1], " \t\n\r")
	if cut <= 0 {
		cut = n
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
	}
	return strings.TrimSpace(text[:cut]) + " …"
}
