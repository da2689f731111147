package privacy

import (
	"archive/zip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"path"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/meldpunt/meldpunt/internal/registry/store"
)

// ExportFormat names the layout of export.json; a change that breaks
// readers gets a new version.
const ExportFormat = "meldpunt-export-v1"

// BlobSource gives the bytes of raw originals and attachments (a
// store.Store is one).
type BlobSource interface {
	Blob(ctx context.Context, sha256 string) (store.Blob, error)
}

// Export is export.json: everything stored about a citizen.
type Export struct {
	Format     string          `json:"format"`
	ExportedAt time.Time       `json:"exported_at"`
	Citizen    ExportCitizen   `json:"citizen"`
	Cases      []ExportCase    `json:"cases"`
	Messages   []ExportMessage `json:"messages"`
}

// ExportCitizen is the citizen's contact details as stored.
type ExportCitizen struct {
	ID         int64     `json:"id"`
	Domain     string    `json:"domain"`
	Name       string    `json:"name,omitempty"`
	Email      string    `json:"email,omitempty"`
	Phone      string    `json:"phone,omitempty"`
	FacebookID string    `json:"facebook_id,omitempty"`
	Address    string    `json:"address,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// ExportCase is a case of the citizen with its timeline and forwards.
type ExportCase struct {
	Ref                string           `json:"ref"`
	Domain             string           `json:"domain"`
	Type               string           `json:"type,omitempty"`
	Status             string           `json:"status"`
	Department         string           `json:"department,omitempty"`
	Priority           string           `json:"priority,omitempty"`
	Assignee           string           `json:"assignee,omitempty"`
	Subject            string           `json:"subject,omitempty"`
	Channel            string           `json:"channel,omitempty"`
	OpenedAt           time.Time        `json:"opened_at"`
	UpdatedAt          time.Time        `json:"updated_at"`
	AckDue             *time.Time       `json:"ack_due,omitempty"`
	AnswerDue          *time.Time       `json:"answer_due,omitempty"`
	AnsweredAt         *time.Time       `json:"answered_at,omitempty"`
	ClosedAt           *time.Time       `json:"closed_at,omitempty"`
	Admissible         *bool            `json:"admissible,omitempty"`
	InadmissibleReason string           `json:"inadmissible_reason,omitempty"`
	Timeline           []ExportTimeline `json:"timeline"`
	Forwards           []ExportForward  `json:"forwards"`
}

// ExportTimeline is one entry of a case's timeline.
type ExportTimeline struct {
	At        time.Time `json:"at"`
	Kind      string    `json:"kind"`
	Actor     string    `json:"actor,omitempty"`
	MessageID int64     `json:"message_id,omitempty"`
	Detail    string    `json:"detail,omitempty"`
}

// ExportForward is a case forwarded to an outside organisation.
type ExportForward struct {
	Organisation string     `json:"organisation"`
	Question     string     `json:"question,omitempty"`
	At           time.Time  `json:"at"`
	ExpectedBy   *time.Time `json:"expected_by,omitempty"`
	AnsweredAt   *time.Time `json:"answered_at,omitempty"`
	Answer       string     `json:"answer,omitempty"`
}

// ExportMessage is a message of (or to) the citizen.
type ExportMessage struct {
	ID             int64           `json:"id"`
	CaseRef        string          `json:"case_ref,omitempty"`
	Channel        string          `json:"channel"`
	Direction      string          `json:"direction,omitempty"`
	Inbox          string          `json:"inbox,omitempty"`
	ExternalID     string          `json:"external_id,omitempty"`
	InReplyTo      string          `json:"in_reply_to,omitempty"`
	References     []string        `json:"references,omitempty"`
	ConversationID string          `json:"conversation_id,omitempty"`
	Sender         ExportSender    `json:"sender"`
	Subject        string          `json:"subject,omitempty"`
	Text           string          `json:"text,omitempty"`
	HTML           string          `json:"html,omitempty"`
	SentAt         *time.Time      `json:"sent_at,omitempty"`
	ReceivedAt     *time.Time      `json:"received_at,omitempty"`
	StoredAt       time.Time       `json:"stored_at"`
	AutoSubmitted  string          `json:"auto_submitted,omitempty"`
	Attachments    []ExportFile    `json:"attachments,omitempty"`
	Original       *ExportFile     `json:"original,omitempty"`
	Event          json.RawMessage `json:"event,omitempty"`
}

// ExportSender is who wrote a message.
type ExportSender struct {
	Name       string `json:"name,omitempty"`
	Email      string `json:"email,omitempty"`
	Phone      string `json:"phone,omitempty"`
	FacebookID string `json:"facebook_id,omitempty"`
	Address    string `json:"address,omitempty"`
}

// ExportFile is an attachment or raw original: File is its path in the
// zip, empty when its bytes are no longer stored (Missing).
type ExportFile struct {
	Name        string `json:"name,omitempty"`
	ContentType string `json:"content_type,omitempty"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	File        string `json:"file,omitempty"`
	Missing     bool   `json:"missing,omitempty"`
}

// readme is the zip's LEESMIJ.txt, for the citizen who receives it.
const readme = `Uitvoer van uw gegevens bij het meldpunt van de gemeente
=========================================================

export.json    alles wat over u bewaard is: uw contactgegevens, uw dossiers
               (met hun verloop en doorverwijzingen) en uw berichten
attachments/   de bijlagen van uw berichten
originals/     de berichten zoals ze ontvangen zijn (e-mail: .eml)

Een bijlage of origineel dat niet meer bewaard wordt, staat in export.json
met "missing": true.
`

// WriteZip writes the export of exp as a zip file to w: export.json, the
// attachments under attachments/ and the raw originals under originals/,
// with safe file names, and LEESMIJ.txt. A blob that is no longer stored
// is marked missing in export.json.
func WriteZip(ctx context.Context, w io.Writer, blobs BlobSource, exp store.ContactExport, now time.Time) error {
	zw := zip.NewWriter(w)
	doc := newExport(exp, now)
	// The files first: export.json says which were missing.
	for i := range doc.Messages {
		m := &doc.Messages[i]
		for j := range m.Attachments {
			a := &m.Attachments[j]
			name := fmt.Sprintf("attachments/%d-%d-%s", m.ID, j+1, SafeFileName(a.Name, "bijlage"))
			if err := writeBlob(ctx, zw, blobs, a, name, now); err != nil {
				return err
			}
		}
		if o := m.Original; o != nil {
			name := fmt.Sprintf("originals/%d%s", m.ID, extension(o.ContentType))
			if err := writeBlob(ctx, zw, blobs, o, name, now); err != nil {
				return err
			}
		}
	}
	f, err := zw.CreateHeader(&zip.FileHeader{Name: "export.json", Method: zip.Deflate, Modified: now})
	if err != nil {
		return fmt.Errorf("write export.json: %w", err)
	}
	enc := json.NewEncoder(f)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write export.json: %w", err)
	}
	f, err = zw.CreateHeader(&zip.FileHeader{Name: "LEESMIJ.txt", Method: zip.Deflate, Modified: now})
	if err != nil {
		return fmt.Errorf("write LEESMIJ.txt: %w", err)
	}
	if _, err := io.WriteString(f, readme); err != nil {
		return fmt.Errorf("write LEESMIJ.txt: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("finish zip: %w", err)
	}
	return nil
}

// writeBlob copies the blob of f into the zip as name, or marks f missing.
func writeBlob(ctx context.Context, zw *zip.Writer, blobs BlobSource, f *ExportFile, name string, now time.Time) error {
	b, err := blobs.Blob(ctx, f.SHA256)
	if errors.Is(err, store.ErrNotFound) {
		f.Missing = true
		return nil
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}
	w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: now})
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	if _, err := w.Write(b.Data); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	f.File = name
	return nil
}

func newExport(exp store.ContactExport, now time.Time) Export {
	c := exp.Contact
	doc := Export{
		Format: ExportFormat, ExportedAt: now.UTC(),
		Citizen: ExportCitizen{ID: c.ID, Domain: c.Domain, Name: c.Name, Email: c.Email, Phone: c.Phone,
			FacebookID: c.FacebookID, Address: c.Address, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt},
		Cases: []ExportCase{}, Messages: []ExportMessage{},
	}
	refs := map[int64]string{}
	for _, d := range exp.Cases {
		refs[d.ID] = d.Ref
		ec := ExportCase{Ref: d.Ref, Domain: d.Domain, Type: d.Type, Status: d.Status, Department: d.Department,
			Priority: d.Priority, Assignee: d.Assignee, Subject: d.Subject, Channel: d.Channel, OpenedAt: d.OpenedAt,
			UpdatedAt: d.UpdatedAt, AckDue: d.AckDue, AnswerDue: d.AnswerDue, AnsweredAt: d.AnsweredAt,
			ClosedAt: d.ClosedAt, Admissible: d.Admissible, InadmissibleReason: d.InadmissibleReason,
			Timeline: []ExportTimeline{}, Forwards: []ExportForward{}}
		for _, e := range d.Timeline {
			ec.Timeline = append(ec.Timeline, ExportTimeline{At: e.At, Kind: e.Kind, Actor: e.Actor, MessageID: e.MessageID, Detail: e.Detail})
		}
		for _, f := range d.Forwards {
			ec.Forwards = append(ec.Forwards, ExportForward{Organisation: f.Organisation, Question: f.Question, At: f.At,
				ExpectedBy: f.ExpectedBy, AnsweredAt: f.AnsweredAt, Answer: f.Answer})
		}
		doc.Cases = append(doc.Cases, ec)
	}
	for _, m := range exp.Messages {
		em := ExportMessage{ID: m.ID, CaseRef: refs[m.CaseID], Channel: m.Channel, Direction: m.Direction, Inbox: m.Inbox,
			ExternalID: m.ExternalID, InReplyTo: m.InReplyTo, References: m.References, ConversationID: m.ConversationID,
			Sender: ExportSender{Name: m.SenderName, Email: m.SenderEmail, Phone: m.SenderPhone,
				FacebookID: m.SenderFacebookID, Address: m.SenderAddress},
			Subject: m.Subject, Text: m.Text, HTML: m.HTML, SentAt: m.SentAt, ReceivedAt: m.ReceivedAt,
			StoredAt: m.StoredAt, AutoSubmitted: m.AutoSubmitted}
		if json.Valid(m.Event) {
			em.Event = json.RawMessage(m.Event)
		}
		for _, a := range m.Attachments {
			em.Attachments = append(em.Attachments, ExportFile{Name: a.Name, ContentType: a.ContentType, Size: a.Size, SHA256: a.SHA256})
		}
		if m.RawSHA256 != "" {
			em.Original = &ExportFile{ContentType: m.RawContentType, Size: m.RawSize, SHA256: m.RawSHA256}
		}
		doc.Messages = append(doc.Messages, em)
	}
	return doc
}

// extension is the file name extension of a raw original.
func extension(contentType string) string {
	mt, _, _ := mime.ParseMediaType(contentType)
	switch mt {
	case "message/rfc822":
		return ".eml"
	case "application/json":
		return ".json"
	case "text/plain":
		return ".txt"
	case "text/html":
		return ".html"
	}
	return ".bin"
}

// maxFileName bounds a file name in the zip, in bytes.
const maxFileName = 100

// SafeFileName makes a file name a citizen or a sender chose safe to put
// in a zip: the last path element only, letters, digits, '.', '-' and '_'
// (anything else becomes '_'), no leading dot, at most maxFileName bytes
// with the extension kept, and fallback when nothing is left.
func SafeFileName(name, fallback string) string {
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	var b strings.Builder
	for _, r := range name {
		switch {
		case unicode.IsLetter(r), unicode.IsDigit(r), r == '.', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	s := strings.TrimLeft(b.String(), "._")
	if len(s) > maxFileName {
		ext := path.Ext(s)
		if len(ext) > 16 {
			ext = ""
		}
		stem := s[:maxFileName-len(ext)]
		for !utf8.ValidString(stem) { // do not cut a rune in two
			stem = stem[:len(stem)-1]
		}
		s = stem + ext
	}
	if s == "" || strings.Trim(s, "_") == "" {
		return fallback
	}
	return s
}
