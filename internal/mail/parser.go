package mail

import (
	"fmt"
	"strings"
)

// Limits that keep hostile input from costing more than a normal message.
const (
	maxDepth       = 20   // nested multiparts and attached messages
	maxParts       = 5000 // MIME entities visited in one message
	maxAttachments = 1000 // caseevent.MaxListLength
	maxProblems    = 50
)

// parser holds the state of one Parse call.
type parser struct {
	opts  Options
	probs problems

	attachments    []Attachment
	attachmentsCut bool
	parts          int

	// bodyBudget bounds the bytes of text and HTML decoded in total, so a
	// message of a thousand text parts cannot take a thousand times
	// MaxBodyBytes of memory.
	bodyBudget  int
	bodySkipped bool

	tnefText    string   // body found in a winmail.dat, used when there is no other
	tnefRTFOnly bool     // a winmail.dat had its body only as compressed RTF
	calendars   []string // summaries of calendar invitations, used when there is no text

	reportType string   // report-type of the top-level multipart/report
	dsnActions []string // Action: fields of its delivery-status part
}

func newParser(opts Options) *parser {
	return &parser{opts: opts, bodyBudget: 4 * opts.maxBody()}
}

// problem records a non-fatal problem of the part at path ("" for the
// message itself).
func (p *parser) problem(path, format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	if path != "" {
		s = "part " + path + ": " + s
	}
	p.probs.add(s)
}

// problems is an ordered set of messages, capped at maxProblems.
type problems struct {
	items   []string
	seen    map[string]bool
	dropped int
}

func (ps *problems) add(s string) {
	s = sanitize(s)
	if ps.seen[s] {
		return
	}
	if len(ps.items) >= maxProblems {
		ps.dropped++
		return
	}
	if ps.seen == nil {
		ps.seen = map[string]bool{}
	}
	ps.seen[s] = true
	ps.items = append(ps.items, s)
}

func (ps *problems) list() []string {
	if ps.dropped == 0 {
		return ps.items
	}
	return append(ps.items, fmt.Sprintf("%d more problems not listed", ps.dropped))
}

// childPath numbers parts as IMAP does: 1, 2, 2.1, ...
func childPath(parent string, i int) string {
	if parent == "" {
		return fmt.Sprint(i + 1)
	}
	return fmt.Sprintf("%s.%d", parent, i+1)
}

// joinParagraphs joins non-empty texts with a blank line between them.
func joinParagraphs(texts []string) string {
	var b strings.Builder
	for _, t := range texts {
		t = strings.Trim(t, "\n")
		if t == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("\n\n")
		}
		b.WriteString(t)
	}
	return b.String()
}
