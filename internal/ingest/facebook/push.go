package facebook

import (
	"context"
	"fmt"

	"github.com/meldpunt/meldpunt/internal/ingest/facebook/graph"
	"github.com/meldpunt/meldpunt/internal/ingest/facebook/webhook"
)

// Pushed returns the webhook publisher: the messages, posts and comments a
// webhook carries are published at once (with the ids polling would give
// them, so the poll that follows finds them known), and the page is polled
// soon after as the backfill. It returns only after JetStream acknowledged.
func (p *Poller) Pushed(sources []Source) webhook.Publisher {
	byPage := map[string]Source{}
	for _, s := range sources {
		byPage[s.Page.ID] = s
	}
	return func(ctx context.Context, changes []webhook.Change) error {
		items := map[string][]item{}
		for _, c := range changes {
			s, ok := byPage[c.PageID]
			if !ok {
				p.log.Warn("webhook for a page that is not configured; ignored", "page", c.PageID)
				continue
			}
			if it, ok := pushedItem(s.Page, c); ok {
				items[c.PageID] = append(items[c.PageID], it)
			}
		}
		for pageID, its := range items {
			if err := p.publish(ctx, byPage[pageID], its); err != nil {
				return fmt.Errorf("publish pushed changes of page %s: %w", pageID, err)
			}
			p.Wake(pageID)
		}
		return nil
	}
}

// pushedItem maps a webhook change to the item polling would find.
func pushedItem(page Page, c webhook.Change) (item, bool) {
	var atts []graph.Attachment
	for _, a := range c.Attachments {
		atts = append(atts, graph.Attachment{Kind: a.Type, URL: a.URL})
	}
	switch c.Kind {
	case webhook.KindMessage, webhook.KindMessageEcho:
		if c.MessageID == "" {
			return item{}, false
		}
		return item{kind: kindMessage, id: c.MessageID, from: graph.Person{ID: c.SenderID},
			to: []graph.Person{{ID: c.RecipientID}}, text: c.Text, created: c.Timestamp, attachments: atts, original: c.Raw}, true
	case webhook.KindComment:
		if c.CommentID == "" || c.Verb == "remove" {
			return item{}, false
		}
		parent := c.ParentID
		if parent == "" {
			parent = c.PostID
		}
		return item{kind: kindComment, id: c.CommentID, thread: c.PostID, parent: parent, from: graph.Person{ID: c.FromID, Name: c.FromName},
			text: c.Text, created: c.CreatedTime, attachments: atts, original: c.Raw}, true
	case webhook.KindPost:
		if c.PostID == "" || c.Verb == "remove" || c.FromID == page.ID {
			return item{}, false // the page's own posts are context
		}
		return item{kind: kindPost, id: c.PostID, thread: c.PostID, from: graph.Person{ID: c.FromID, Name: c.FromName},
			text: c.Text, created: c.CreatedTime, attachments: atts, original: c.Raw}, true
	}
	return item{}, false
}
