package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ErrUnsupportedObject is returned (wrapped) by [Decode] for a delivery
// whose "object" is not "page", such as "instagram" or "user". The handler
// answers those with 200 so Facebook does not retry them for hours.
var ErrUnsupportedObject = errors.New("unsupported webhook object")

// Kinds of [Change]. Kinds not listed here are reported too (a Messenger
// "delivery" or "read", a feed "like" on a page, a field other than feed)
// so the caller can count them; only message, message_echo, comment and
// post carry something to register.
const (
	KindMessage     = "message"      // Messenger message from a user to the page
	KindMessageEcho = "message_echo" // Messenger message sent by the page itself
	KindComment     = "comment"      // feed comment or reply
	KindPost        = "post"         // feed post (status, photo, video, share, link...)
	KindReaction    = "reaction"     // feed reaction or like; Messenger reaction
)

// Change is one item of a webhook delivery: one element of an entry's
// "messaging" (or "standby") array, or one element of its "changes" array.
type Change struct {
	// Kind says what the item is; never empty. See the Kind constants.
	Kind   string
	PageID string // the entry's id: the page the delivery is about

	// Messenger
	MessageID   string // mid
	SenderID    string // page-scoped id of the sender; the page id for echoes
	RecipientID string
	Text        string // message text; the comment or post message for feed items
	Attachments []Attachment
	Timestamp   time.Time // when the event happened (entry time if the item has none)

	// Feed
	PostID, CommentID, ParentID string
	Item                        string // the feed "item" as received: status, photo, comment...
	Verb                        string // add, edited, remove, hide, unhide...
	FromID, FromName            string
	CreatedTime                 time.Time

	// Raw is the messaging or changes element as received, for keeping the
	// original.
	Raw json.RawMessage
}

// Attachment is a file or link that came with a message or feed item.
type Attachment struct {
	Type string // image, video, audio, file, fallback, template, sticker...
	URL  string // may be empty (templates) and expires after a while
}

// Decode parses a webhook delivery body. It returns an error wrapping
// [ErrUnsupportedObject] when the object is not "page", and another error
// when the body is not the JSON it should be.
func Decode(body []byte) ([]Change, error) {
	var d struct {
		Object string `json:"object"`
		Entry  []struct {
			ID        flexString        `json:"id"`
			Time      flexInt           `json:"time"`
			Messaging []json.RawMessage `json:"messaging"`
			Standby   []json.RawMessage `json:"standby"`
			Changes   []json.RawMessage `json:"changes"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(body, &d); err != nil {
		return nil, fmt.Errorf("decode webhook delivery: %w", err)
	}
	if d.Object != "page" {
		return nil, fmt.Errorf("decode webhook delivery: object %q: %w", d.Object, ErrUnsupportedObject)
	}
	var changes []Change
	for i, e := range d.Entry {
		entryTime := entryTime(int64(e.Time))
		// Standby carries the same events while another app owns the
		// conversation (handover protocol): they are still the citizen's
		// messages.
		for j, raw := range append(e.Messaging, e.Standby...) {
			if isNull(raw) {
				continue
			}
			c, err := decodeMessaging(raw)
			if err != nil {
				return nil, fmt.Errorf("decode entry %d messaging %d: %w", i, j, err)
			}
			c.PageID = string(e.ID)
			if c.Timestamp.IsZero() {
				c.Timestamp = entryTime
			}
			changes = append(changes, c)
		}
		for j, raw := range e.Changes {
			if isNull(raw) {
				continue
			}
			c, err := decodeChange(raw)
			if err != nil {
				return nil, fmt.Errorf("decode entry %d change %d: %w", i, j, err)
			}
			c.PageID = string(e.ID)
			c.Timestamp = entryTime
			changes = append(changes, c)
		}
	}
	return changes, nil
}

type messagingEvent struct {
	Sender    struct{ ID flexString } `json:"sender"`
	Recipient struct{ ID flexString } `json:"recipient"`
	Timestamp flexInt                 `json:"timestamp"`
	Message   *struct {
		MID         string       `json:"mid"`
		Text        string       `json:"text"`
		IsEcho      bool         `json:"is_echo"`
		Attachments []attachment `json:"attachments"`
	} `json:"message"`
	MessageEdit *struct {
		MID  string `json:"mid"`
		Text string `json:"text"`
	} `json:"message_edit"`
	Postback *struct {
		MID   string `json:"mid"`
		Title string `json:"title"`
	} `json:"postback"`
	Reaction *struct {
		MID string `json:"mid"`
	} `json:"reaction"`
	Delivery json.RawMessage `json:"delivery"`
	Read     json.RawMessage `json:"read"`
	Referral json.RawMessage `json:"referral"`
	Optin    json.RawMessage `json:"optin"`
}

type attachment struct {
	Type string `json:"type"`
	// Fallback attachments once carried the link at the top level.
	URL     string `json:"url"`
	Payload *struct {
		URL string `json:"url"`
	} `json:"payload"`
}

// decodeMessaging decodes one element of entry[].messaging.
// https://developers.facebook.com/docs/messenger-platform/reference/webhook-events/messages
func decodeMessaging(raw json.RawMessage) (Change, error) {
	var ev messagingEvent
	if err := json.Unmarshal(raw, &ev); err != nil {
		return Change{}, err
	}
	c := Change{
		Kind:        "messaging",
		SenderID:    string(ev.Sender.ID),
		RecipientID: string(ev.Recipient.ID),
		Timestamp:   fromMillis(int64(ev.Timestamp)),
		Raw:         raw,
	}
	switch {
	case ev.Message != nil:
		c.Kind = KindMessage
		if ev.Message.IsEcho {
			c.Kind = KindMessageEcho
		}
		c.MessageID = ev.Message.MID
		c.Text = ev.Message.Text
		for _, a := range ev.Message.Attachments {
			url := a.URL
			if a.Payload != nil && a.Payload.URL != "" {
				url = a.Payload.URL
			}
			c.Attachments = append(c.Attachments, Attachment{Type: a.Type, URL: url})
		}
	case ev.MessageEdit != nil:
		c.Kind = "message_edit"
		c.MessageID = ev.MessageEdit.MID
		c.Text = ev.MessageEdit.Text
	case ev.Postback != nil:
		c.Kind = "postback"
		c.MessageID = ev.Postback.MID
		c.Text = ev.Postback.Title
	case ev.Reaction != nil:
		c.Kind = KindReaction
		c.MessageID = ev.Reaction.MID
	case ev.Delivery != nil:
		c.Kind = "delivery"
	case ev.Read != nil:
		c.Kind = "read"
	case ev.Referral != nil:
		c.Kind = "referral"
	case ev.Optin != nil:
		c.Kind = "optin"
	}
	return c, nil
}

type feedValue struct {
	Item      string     `json:"item"`
	Verb      string     `json:"verb"`
	PostID    flexString `json:"post_id"`
	CommentID flexString `json:"comment_id"`
	ParentID  flexString `json:"parent_id"`
	From      *struct {
		ID   flexString `json:"id"`
		Name string     `json:"name"`
	} `json:"from"`
	Message     string        `json:"message"`
	CreatedTime fbTime        `json:"created_time"`
	Link        looseString   `json:"link"`
	Photo       looseString   `json:"photo"`
	Photos      []looseString `json:"photos"`
	Video       looseString   `json:"video"`
	SenderID    flexString    `json:"sender_id"`
}

// decodeChange decodes one element of entry[].changes.
// https://developers.facebook.com/docs/graph-api/webhooks/reference/page/#feed
func decodeChange(raw json.RawMessage) (Change, error) {
	var ch struct {
		Field string          `json:"field"`
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(raw, &ch); err != nil {
		return Change{}, err
	}
	c := Change{Kind: ch.Field, Raw: raw}
	if c.Kind == "" {
		c.Kind = "change"
	}
	if ch.Field != "feed" {
		return c, nil
	}
	var v feedValue
	if ch.Value != nil {
		if err := json.Unmarshal(ch.Value, &v); err != nil {
			return Change{}, fmt.Errorf("feed value: %w", err)
		}
	}
	c.Kind = feedKind(v.Item)
	c.Item = v.Item
	c.Verb = v.Verb
	c.PostID = string(v.PostID)
	c.CommentID = string(v.CommentID)
	c.ParentID = string(v.ParentID)
	c.Text = v.Message
	c.CreatedTime = time.Time(v.CreatedTime)
	if v.From != nil {
		c.FromID = string(v.From.ID)
		c.FromName = v.From.Name
	} else if v.SenderID != "" {
		c.FromID = string(v.SenderID)
	}
	switch v.Item {
	case "photo":
		c.Attachments = appendURL(c.Attachments, "image", firstNonEmpty(string(v.Photo), string(v.Link)))
	case "video":
		c.Attachments = appendURL(c.Attachments, "video", firstNonEmpty(string(v.Video), string(v.Link)))
	case "comment":
		// A comment can carry a photo, in "photo".
		c.Attachments = appendURL(c.Attachments, "image", string(v.Photo))
	}
	for _, u := range v.Photos {
		c.Attachments = appendURL(c.Attachments, "image", string(u))
	}
	return c, nil
}

// feedKind maps a feed "item" to a Kind. Everything a visitor can publish
// on the page's timeline is a post, whatever it contains.
func feedKind(item string) string {
	switch item {
	case "comment":
		return KindComment
	case "post", "status", "photo", "video", "share", "link", "note":
		return KindPost
	case "reaction", "like":
		return KindReaction
	case "":
		return "feed"
	}
	return item
}

func appendURL(as []Attachment, typ, url string) []Attachment {
	if url == "" {
		return as
	}
	return append(as, Attachment{Type: typ, URL: url})
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

func isNull(raw json.RawMessage) bool {
	return bytes.Equal(bytes.TrimSpace(raw), []byte("null"))
}

// entryTime reads an entry's "time", which Messenger deliveries send in
// milliseconds and feed deliveries in seconds. Below 1e11 a value cannot be
// milliseconds of any time we see (1973) and is taken as seconds.
func entryTime(v int64) time.Time {
	if v < 1e11 {
		return fromSeconds(v)
	}
	return fromMillis(v)
}

func fromMillis(ms int64) time.Time {
	if ms <= 0 || ms > maxSeconds*1000 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// flexString is an id that Facebook documents as a string but that some
// deliveries (and test tools) send as a number.
type flexString string

func (s *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case string(b) == "null":
		return nil
	case len(b) > 0 && b[0] == '"':
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = flexString(v)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("id: want string or number, got %.20s", b)
	}
	*s = flexString(n.String())
	return nil
}

// flexInt is an epoch number that may arrive quoted.
type flexInt int64

func (n *flexInt) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		b = []byte(s)
	}
	v, err := parseEpoch(string(b))
	if err != nil {
		return err
	}
	*n = flexInt(v)
	return nil
}

// parseEpoch accepts an integer, or a float as JSON numbers may be written.
func parseEpoch(s string) (int64, error) {
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		return v, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || f > 1<<62 || f < -(1<<62) {
		return 0, fmt.Errorf("epoch: not a number: %.20q", s)
	}
	return int64(f), nil
}

// fbTime is a feed created_time: documented as unix seconds, but the
// Graph API's own "2006-01-02T15:04:05-0700" is accepted as well. A string
// in neither form leaves the time zero rather than failing the delivery,
// which Facebook would then retry for hours.
type fbTime time.Time

const graphTimeLayout = "2006-01-02T15:04:05-0700"

func (t *fbTime) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		s = strings.TrimSpace(s)
		if v, err := parseEpoch(s); err == nil {
			*t = fbTime(fromSeconds(v))
			return nil
		}
		for _, layout := range []string{graphTimeLayout, time.RFC3339} {
			if v, err := time.Parse(layout, s); err == nil {
				*t = fbTime(v.UTC())
				return nil
			}
		}
		return nil
	}
	v, err := parseEpoch(string(b))
	if err != nil {
		return fmt.Errorf("created_time: %w", err)
	}
	*t = fbTime(fromSeconds(v))
	return nil
}

func fromSeconds(s int64) time.Time {
	if s <= 0 || s > maxSeconds {
		return time.Time{}
	}
	return time.Unix(s, 0).UTC()
}

// maxSeconds is the end of year 9999: later times no longer marshal, and
// such a value is garbage anyway.
const maxSeconds = 253402300799

// looseString is an optional link that is used when it is a string and
// ignored when Facebook sends something else, so that an unexpected shape
// in a field we barely need does not reject the whole delivery.
type looseString string

func (s *looseString) UnmarshalJSON(b []byte) error {
	var v string
	if json.Unmarshal(b, &v) == nil {
		*s = looseString(v)
	}
	return nil
}
