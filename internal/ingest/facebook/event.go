// Package facebook captures a Facebook page: Messenger conversations,
// visitor posts and citizens' comments, polled through the Graph API (and
// pushed by webhooks), each turned into a case event whose id follows from
// the Facebook id alone, so overlaps and double deliveries register once.
//
// It imports bus, caseevent, ingest and ingest/facebook/graph; it knows
// nothing of the registry.
package facebook

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/meldpunt/meldpunt/internal/caseevent"
	"github.com/meldpunt/meldpunt/internal/ingest/facebook/graph"
)

// Page is one page to capture, with its token source.
type Page struct {
	ID     string
	Inbox  string
	Domain caseevent.Domain
}

// Objects stores bytes by SHA-256.
type Objects interface {
	PutObject(ctx context.Context, data []byte, contentType string) (caseevent.ObjectRef, error)
}

// Downloader fetches an attachment within a size limit.
type Downloader interface {
	Download(ctx context.Context, url string, limit int64) (data []byte, contentType string, truncated bool, err error)
}

// Item kinds, part of the event id.
const (
	kindMessage = "message"
	kindPost    = "post"
	kindComment = "comment"
)

// EventID is the id of a Facebook item's event: the page's inbox, the
// kind and the Facebook id. The same item polled twice, or polled and
// pushed by a webhook, has one id.
func EventID(inbox, kind, facebookID string) string {
	return caseevent.NewID(caseevent.ChannelFacebook, inbox, kind, facebookID)
}

// item is what messages, posts and comments have in common.
type item struct {
	kind        string
	id          string
	thread      string // conversation or post id
	parent      string // for a comment: the comment it replies to, or its post
	from        graph.Person
	to          []graph.Person
	text        string
	created     time.Time
	attachments []graph.Attachment
	permalink   string
	original    any // the decoded item, kept as the raw original
}

// build makes the event of one item: attachments within the limit are
// downloaded into the object store, larger ones keep their link.
func build(ctx context.Context, objs Objects, dl Downloader, limit int64, page Page, it item) (caseevent.Event, error) {
	dir := caseevent.DirectionIncoming
	if it.from.ID == page.ID {
		dir = caseevent.DirectionOutgoing // the answers staff gave as the page
	}
	m := caseevent.Message{
		Channel:    caseevent.ChannelFacebook,
		Direction:  dir,
		Inbox:      page.Inbox,
		Domain:     page.Domain,
		ExternalID: it.id,
		Thread:     caseevent.Thread{ConversationID: it.thread},
		Sender:     caseevent.Party{Name: it.from.Name, FacebookID: it.from.ID, Email: it.from.Email},
		Text:       it.text,
	}
	if dir == caseevent.DirectionOutgoing && it.kind == kindComment && it.parent != "" {
		// The page's answer under a citizen's comment belongs with that
		// comment: several people may comment under one post, each with a
		// case of their own.
		m.Thread.InReplyTo = it.parent
	}
	for _, p := range it.to {
		if p.ID != it.from.ID {
			m.Recipients = append(m.Recipients, caseevent.Party{Name: p.Name, FacebookID: p.ID})
		}
	}
	if !it.created.IsZero() {
		t := it.created.UTC()
		m.SentAt, m.ReceivedAt = &t, &t
	}
	var notes, problems []string
	for _, a := range it.attachments {
		if a.URL == "" {
			notes = append(notes, fmt.Sprintf("[%s: %s]", attachmentLabel(a), a.Name))
			continue
		}
		data, ctype, truncated, err := dl.Download(ctx, a.URL, limit)
		if err != nil {
			// The link is kept; a temporary failure would otherwise hold
			// the whole page back.
			problems = append(problems, fmt.Sprintf("attachment %q could not be downloaded: %v", a.Name, err))
			notes = append(notes, fmt.Sprintf("[%s niet opgehaald: %s %s]", attachmentLabel(a), a.Name, a.URL))
			continue
		}
		if truncated {
			problems = append(problems, fmt.Sprintf("attachment %q is larger than %d bytes: only its link is kept", a.Name, limit))
			notes = append(notes, fmt.Sprintf("[%s groter dan %d MB, niet opgehaald: %s (%d bytes) %s]",
				attachmentLabel(a), limit>>20, a.Name, a.Size, a.URL))
			continue
		}
		if ctype == "" {
			ctype = a.MimeType
		}
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		ref, err := objs.PutObject(ctx, data, ctype)
		if err != nil {
			return caseevent.Event{}, fmt.Errorf("store attachment: %w", err)
		}
		name := a.Name
		if name == "" {
			name = a.Kind + "-" + a.ID
		}
		m.Attachments = append(m.Attachments, caseevent.Attachment{
			Name: name, ContentType: ctype, Size: ref.Size, SHA256: ref.SHA256, Object: ref.Object,
		})
	}
	if len(notes) > 0 {
		m.Text = strings.TrimSpace(m.Text + "\n\n" + strings.Join(notes, "\n"))
	}
	if it.permalink != "" {
		m.Form = &caseevent.Form{Fields: map[string]string{"permalink_url": it.permalink}}
	}
	m.ParseError = strings.Join(problems, "; ")
	if raw, err := json.Marshal(it.original); err == nil {
		ref, err := objs.PutObject(ctx, raw, "application/json")
		if err != nil {
			return caseevent.Event{}, fmt.Errorf("store raw original: %w", err)
		}
		m.Raw = &ref
	}
	at := time.Now().UTC()
	if m.ReceivedAt != nil {
		at = *m.ReceivedAt
	}
	return caseevent.NewEvent(EventID(page.Inbox, it.kind, it.id), "meldpunt/ingest-facebook/"+page.Inbox, at, m), nil
}

func attachmentLabel(a graph.Attachment) string {
	switch a.Kind {
	case "image":
		return "Afbeelding"
	case "video":
		return "Video"
	case "audio":
		return "Geluidsbestand"
	case "sticker":
		return "Sticker"
	case "share":
		return "Gedeelde link"
	}
	return "Bijlage"
}

func messageItem(convID string, m graph.Message) item {
	text := m.Text
	if m.Sticker != "" {
		text = strings.TrimSpace(text + "\n[Sticker]")
	}
	for _, s := range m.Shares {
		text = strings.TrimSpace(text + "\n[Gedeeld: " + s + "]")
	}
	return item{kind: kindMessage, id: m.ID, thread: convID, from: m.From, to: m.To, text: text,
		created: m.CreatedTime, attachments: m.Attachments, original: m}
}

func postItem(p graph.Post) item {
	return item{kind: kindPost, id: p.ID, thread: p.ID, from: p.From, text: p.Text, created: p.CreatedTime,
		attachments: p.Attachments, permalink: p.PermalinkURL, original: p}
}

func commentItem(postID string, c graph.Comment) item {
	parent := c.ParentID
	if parent == "" {
		parent = postID // a top-level comment answers the post
	}
	return item{kind: kindComment, id: c.ID, thread: postID, parent: parent, from: c.From, text: c.Text, created: c.CreatedTime,
		attachments: c.Attachments, permalink: c.PermalinkURL, original: c}
}
