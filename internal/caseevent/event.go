// Package caseevent owns the contract between the connectors and the registry:
// the CloudEvents 1.0 structured JSON "case event", its validation, its
// deterministic ids and the NATS subjects it travels on.
//
// It must not import any other meldpunt package.
package caseevent

import "time"

// Fixed values of the envelope.
const (
	SpecVersion     = "1.0"
	TypeMessageV1   = "meldpunt.intake.message.v1"
	DataContentType = "application/json"
	SubjectPrefix   = "meldpunt.intake"
)

// Channel is the way a message reached the municipality.
type Channel string

// Channels known to version 1 of the contract.
const (
	ChannelEmail    Channel = "email"
	ChannelFacebook Channel = "facebook"
	ChannelEloket   Channel = "eloket"
	ChannelCounter  Channel = "counter"
	ChannelPhone    Channel = "phone"
	ChannelLetter   Channel = "letter"
)

// Channels lists every valid channel, in documentation order.
func Channels() []Channel {
	return []Channel{ChannelEmail, ChannelFacebook, ChannelEloket, ChannelCounter, ChannelPhone, ChannelLetter}
}

// Direction says whether a citizen wrote to the municipality or staff answered.
type Direction string

// Directions.
const (
	DirectionIncoming Direction = "incoming"
	DirectionOutgoing Direction = "outgoing"
)

// Domain decides who may see a message (GDPR separation).
type Domain string

// Domains.
const (
	DomainGemeente    Domain = "gemeente"
	DomainSociaalhuis Domain = "sociaalhuis"
)

// Event is one CloudEvents 1.0 event in structured JSON mode.
type Event struct {
	SpecVersion     string    `json:"specversion"`
	ID              string    `json:"id"`
	Source          string    `json:"source"`
	Type            string    `json:"type"`
	Time            time.Time `json:"time"`
	DataContentType string    `json:"datacontenttype"`
	Data            Message   `json:"data"`
}

// Message is the normalised message a connector captured.
type Message struct {
	Channel       Channel      `json:"channel"`
	Direction     Direction    `json:"direction"`
	Inbox         string       `json:"inbox"`
	Domain        Domain       `json:"domain"`
	ExternalID    string       `json:"external_id"`
	Thread        Thread       `json:"thread"`
	Sender        Party        `json:"sender"`
	Recipients    []Party      `json:"recipients,omitempty"`
	Subject       string       `json:"subject,omitempty"`
	Text          string       `json:"text,omitempty"`
	HTML          string       `json:"html,omitempty"`
	SentAt        *time.Time   `json:"sent_at,omitempty"`
	ReceivedAt    *time.Time   `json:"received_at,omitempty"`
	AutoSubmitted string       `json:"auto_submitted,omitempty"`
	Location      *Location    `json:"location,omitempty"`
	Form          *Form        `json:"form,omitempty"`
	Attachments   []Attachment `json:"attachments,omitempty"`
	Raw           *ObjectRef   `json:"raw,omitempty"`
	ParseError    string       `json:"parse_error,omitempty"`
}

// Thread carries the hints that tie a message to earlier ones.
type Thread struct {
	InReplyTo      string   `json:"in_reply_to,omitempty"`
	References     []string `json:"references,omitempty"`
	ConversationID string   `json:"conversation_id,omitempty"`
	CaseRef        string   `json:"case_ref,omitempty"`
}

// Party is a sender or recipient. Any field may be empty.
type Party struct {
	Name       string `json:"name,omitempty"`
	Email      string `json:"email,omitempty"`
	Phone      string `json:"phone,omitempty"`
	FacebookID string `json:"facebook_id,omitempty"`
	Address    string `json:"address,omitempty"`
}

// Location is where a report is about.
type Location struct {
	Lat     float64 `json:"lat"`
	Lon     float64 `json:"lon"`
	Address string  `json:"address,omitempty"`
}

// Form carries the fields of a web form submission.
type Form struct {
	ServiceCode string            `json:"service_code,omitempty"`
	ServiceName string            `json:"service_name,omitempty"`
	Fields      map[string]string `json:"fields,omitempty"`
}

// Attachment is a file that came with the message; its bytes sit in the
// object store under Object (by convention the lower-case hex SHA-256).
type Attachment struct {
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	Object      string `json:"object"`
}

// ObjectRef points at the original bytes of the message in the object store.
type ObjectRef struct {
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	Object      string `json:"object"`
}
