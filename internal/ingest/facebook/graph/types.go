package graph

import "time"

// Person is a sender or recipient: a citizen (page-scoped id) or the page.
type Person struct {
	ID    string
	Name  string
	Email string // Messenger gives a relay address like 1234@facebook.com
}

// Attachment kinds.
const (
	KindImage   = "image"
	KindFile    = "file"
	KindAudio   = "audio"
	KindVideo   = "video"
	KindShare   = "share"
	KindSticker = "sticker"
)

// Attachment is a file, image, audio, video or link on a message, post or
// comment. URL is where Download fetches it; it expires after a while.
type Attachment struct {
	ID       string
	Name     string
	MimeType string
	Size     int64 // 0 when Graph does not tell
	URL      string
	Kind     string // one of the Kind constants
}

// Conversation is a Messenger thread between the page and one person.
type Conversation struct {
	ID           string // "t_..."; the thread hint
	UpdatedTime  time.Time
	MessageCount int
	Participants []Person
}

// Message is one Messenger message. A message from the page itself is an
// answer staff gave.
type Message struct {
	ID          string // "m_..."
	CreatedTime time.Time
	Text        string
	From        Person
	To          []Person
	Attachments []Attachment
	Sticker     string   // URL of the sticker image, "" if none
	Shares      []string // links shared in the message
}

// Post is a post on the page's feed (by the page or a visitor).
type Post struct {
	ID           string // "{page-id}_{post-id}"
	Text         string
	PermalinkURL string
	From         Person
	CreatedTime  time.Time
	UpdatedTime  time.Time
	Attachments  []Attachment
}

// Comment is a comment on a post, or a reply to a comment (ParentID set).
type Comment struct {
	ID           string
	Text         string
	PermalinkURL string
	ParentID     string // the comment this one replies to; "" for a top-level comment
	From         Person
	CreatedTime  time.Time
	Attachments  []Attachment
}

// ParseTime parses Graph's timestamps: "2026-12-04T10:15:00+0000" (the
// default), RFC 3339 (date_format=c) or unix seconds (date_format=U).
func ParseTime(s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02T15:04:05-0700", time.RFC3339Nano} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	var sec int64
	if s != "" && len(s) <= 12 {
		for _, c := range s {
			if c < '0' || c > '9' {
				sec = -1
				break
			}
			sec = sec*10 + int64(c-'0')
		}
		if sec >= 0 {
			return time.Unix(sec, 0).UTC(), nil
		}
	}
	return time.Time{}, &Error{Type: typeDecode, Message: "bad timestamp " + snippet([]byte(s))}
}
