package graph

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// The wire types follow the Graph API reference of the fields we ask for.
// They are lenient where Graph is known to vary (ids and sizes as numbers or
// strings) and strict where a mistake would lose data (timestamps).

// flexString accepts a JSON string or number.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
		return nil
	}
	if string(b) == "null" {
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*f = flexString(n)
	return nil
}

// flexInt accepts a JSON number or a string holding one.
type flexInt int64

func (f *flexInt) UnmarshalJSON(b []byte) error {
	var s flexString
	if err := s.UnmarshalJSON(b); err != nil {
		return err
	}
	if s == "" {
		return nil
	}
	n, err := strconv.ParseFloat(string(s), 64)
	if err != nil {
		return err
	}
	if n < 0 || n > 1<<53 {
		n = 0
	}
	*f = flexInt(n)
	return nil
}

type wirePaging struct {
	Next string `json:"next"`
}

type wirePerson struct {
	ID    flexString `json:"id"`
	Name  string     `json:"name"`
	Email string     `json:"email"`
}

type wirePeople struct {
	Data []wirePerson `json:"data"`
}

type wireMedia struct {
	URL        string `json:"url"`
	PreviewURL string `json:"preview_url"`
}

// wireMessageAttachment is a Messenger attachment.
type wireMessageAttachment struct {
	ID        flexString `json:"id"`
	MimeType  string     `json:"mime_type"`
	Name      string     `json:"name"`
	Size      flexInt    `json:"size"`
	FileURL   string     `json:"file_url"`
	ImageData *wireMedia `json:"image_data"`
	VideoData *wireMedia `json:"video_data"`
}

type wireShare struct {
	Link string `json:"link"`
	Name string `json:"name"`
}

type wireMessage struct {
	ID          flexString `json:"id"`
	Message     string     `json:"message"`
	From        wirePerson `json:"from"`
	To          wirePeople `json:"to"`
	CreatedTime string     `json:"created_time"`
	Attachments struct {
		Data []wireMessageAttachment `json:"data"`
	} `json:"attachments"`
	Sticker string `json:"sticker"`
	Shares  struct {
		Data []wireShare `json:"data"`
	} `json:"shares"`
}

type wireConversation struct {
	ID           flexString `json:"id"`
	UpdatedTime  string     `json:"updated_time"`
	MessageCount flexInt    `json:"message_count"`
	Participants wirePeople `json:"participants"`
}

// wireStoryAttachment is an attachment of a post or comment.
type wireStoryAttachment struct {
	Type        string `json:"type"`
	MediaType   string `json:"media_type"`
	Title       string `json:"title"`
	Description string `json:"description"`
	URL         string `json:"url"`
	Media       *struct {
		Image *struct {
			Src string `json:"src"`
		} `json:"image"`
		Source string `json:"source"`
	} `json:"media"`
	Target *struct {
		ID  flexString `json:"id"`
		URL string     `json:"url"`
	} `json:"target"`
	Subattachments *struct {
		Data []wireStoryAttachment `json:"data"`
	} `json:"subattachments"`
}

type wirePost struct {
	ID           flexString `json:"id"`
	Message      string     `json:"message"`
	From         wirePerson `json:"from"`
	CreatedTime  string     `json:"created_time"`
	UpdatedTime  string     `json:"updated_time"`
	PermalinkURL string     `json:"permalink_url"`
	Attachments  struct {
		Data []wireStoryAttachment `json:"data"`
	} `json:"attachments"`
}

type wireComment struct {
	ID           flexString               `json:"id"`
	Message      string                   `json:"message"`
	From         wirePerson               `json:"from"`
	CreatedTime  string                   `json:"created_time"`
	PermalinkURL string                   `json:"permalink_url"`
	Parent       *struct{ ID flexString } `json:"parent"`
	Attachment   *wireStoryAttachment     `json:"attachment"`
}

func decodePage[W any](body []byte) ([]W, string, error) {
	var page struct {
		Data   *[]W        `json:"data"`
		Paging *wirePaging `json:"paging"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		return nil, "", &Error{Type: typeDecode, Message: err.Error()}
	}
	if page.Data == nil {
		return nil, "", &Error{Type: typeDecode, Message: "answer has no data list"}
	}
	next := ""
	if page.Paging != nil {
		next = page.Paging.Next
	}
	return *page.Data, next, nil
}

func (p wirePerson) person() Person {
	return Person{ID: string(p.ID), Name: p.Name, Email: p.Email}
}

func (p wirePeople) people() []Person {
	if len(p.Data) == 0 {
		return nil
	}
	out := make([]Person, len(p.Data))
	for i, w := range p.Data {
		out[i] = w.person()
	}
	return out
}

// optionalTime parses a timestamp that may be missing.
func optionalTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return ParseTime(s)
}

// DecodeConversations decodes one page of /{page-id}/conversations: the
// conversations and paging.next ("" on the last page).
func DecodeConversations(body []byte) ([]Conversation, string, error) {
	wire, next, err := decodePage[wireConversation](body)
	if err != nil {
		return nil, "", err
	}
	out := make([]Conversation, 0, len(wire))
	for _, w := range wire {
		t, err := optionalTime(w.UpdatedTime)
		if err != nil {
			return nil, "", err
		}
		out = append(out, Conversation{
			ID:           string(w.ID),
			UpdatedTime:  t,
			MessageCount: int(w.MessageCount),
			Participants: w.Participants.people(),
		})
	}
	return out, next, nil
}

// DecodeMessages decodes one page of /{conversation-id}/messages.
func DecodeMessages(body []byte) ([]Message, string, error) {
	wire, next, err := decodePage[wireMessage](body)
	if err != nil {
		return nil, "", err
	}
	out := make([]Message, 0, len(wire))
	for _, w := range wire {
		t, err := optionalTime(w.CreatedTime)
		if err != nil {
			return nil, "", err
		}
		m := Message{
			ID:          string(w.ID),
			CreatedTime: t,
			Text:        w.Message,
			From:        w.From.person(),
			To:          w.To.people(),
			Sticker:     w.Sticker,
		}
		for _, a := range w.Attachments.Data {
			m.Attachments = append(m.Attachments, a.attachment())
		}
		for _, s := range w.Shares.Data {
			if s.Link != "" {
				m.Shares = append(m.Shares, s.Link)
			}
		}
		out = append(out, m)
	}
	return out, next, nil
}

func (a wireMessageAttachment) attachment() Attachment {
	out := Attachment{ID: string(a.ID), Name: a.Name, MimeType: a.MimeType, Size: int64(a.Size), URL: a.FileURL}
	switch {
	case a.ImageData != nil:
		out.Kind = KindImage
		if a.ImageData.URL != "" {
			out.URL = a.ImageData.URL
		}
	case a.VideoData != nil:
		out.Kind = KindVideo
		if a.VideoData.URL != "" {
			out.URL = a.VideoData.URL
		}
	default:
		out.Kind = kindOfMime(a.MimeType)
	}
	return out
}

func kindOfMime(mime string) string {
	switch {
	case strings.HasPrefix(mime, "image/"):
		return KindImage
	case strings.HasPrefix(mime, "audio/"):
		return KindAudio
	case strings.HasPrefix(mime, "video/"):
		return KindVideo
	}
	return KindFile
}

// DecodePosts decodes one page of /{page-id}/feed.
func DecodePosts(body []byte) ([]Post, string, error) {
	wire, next, err := decodePage[wirePost](body)
	if err != nil {
		return nil, "", err
	}
	out := make([]Post, 0, len(wire))
	for _, w := range wire {
		created, err := optionalTime(w.CreatedTime)
		if err != nil {
			return nil, "", err
		}
		updated, err := optionalTime(w.UpdatedTime)
		if err != nil {
			return nil, "", err
		}
		p := Post{
			ID:           string(w.ID),
			Text:         w.Message,
			PermalinkURL: w.PermalinkURL,
			From:         w.From.person(),
			CreatedTime:  created,
			UpdatedTime:  updated,
		}
		for _, a := range w.Attachments.Data {
			p.Attachments = a.appendTo(p.Attachments, 0)
		}
		out = append(out, p)
	}
	return out, next, nil
}

// DecodeComments decodes one page of /{post-id}/comments.
func DecodeComments(body []byte) ([]Comment, string, error) {
	wire, next, err := decodePage[wireComment](body)
	if err != nil {
		return nil, "", err
	}
	out := make([]Comment, 0, len(wire))
	for _, w := range wire {
		t, err := optionalTime(w.CreatedTime)
		if err != nil {
			return nil, "", err
		}
		c := Comment{
			ID:           string(w.ID),
			Text:         w.Message,
			PermalinkURL: w.PermalinkURL,
			From:         w.From.person(),
			CreatedTime:  t,
		}
		if w.Parent != nil {
			c.ParentID = string(w.Parent.ID)
		}
		if w.Attachment != nil {
			c.Attachments = w.Attachment.appendTo(nil, 0)
		}
		out = append(out, c)
	}
	return out, next, nil
}

// appendTo flattens a story attachment and its subattachments (an album).
func (a wireStoryAttachment) appendTo(out []Attachment, depth int) []Attachment {
	if a.Subattachments != nil && len(a.Subattachments.Data) > 0 && depth < 3 {
		for _, s := range a.Subattachments.Data {
			out = s.appendTo(out, depth+1)
		}
		return out
	}
	at := Attachment{Name: a.Title, URL: a.URL}
	if a.Target != nil {
		at.ID = string(a.Target.ID)
		if at.URL == "" {
			at.URL = a.Target.URL
		}
	}
	typ := a.Type
	if typ == "" {
		typ = a.MediaType
	}
	switch {
	case strings.Contains(typ, "photo") || typ == "sticker" || typ == "animated_image_share":
		at.Kind = KindImage
		if typ == "sticker" {
			at.Kind = KindSticker
		}
		if a.Media != nil && a.Media.Image != nil && a.Media.Image.Src != "" {
			at.URL = a.Media.Image.Src
		}
	case strings.Contains(typ, "video"):
		at.Kind = KindVideo
		if a.Media != nil && a.Media.Source != "" {
			at.URL = a.Media.Source
		}
	case strings.Contains(typ, "share") || typ == "link":
		at.Kind = KindShare
	case typ == "file_upload" || typ == "file":
		at.Kind = KindFile
	default:
		at.Kind = KindShare
	}
	return append(out, at)
}
