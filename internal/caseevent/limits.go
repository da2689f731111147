package caseevent

// Limits of version 1 of the contract. A length in characters counts Unicode
// code points, as JSON Schema's maxLength does; a size counts bytes.
const (
	// MaxEventSize is the largest event in bytes, both as published and as
	// Marshal writes it. It stays well below NATS's default max_payload of
	// 1 MiB so headers and future fields still fit.
	MaxEventSize = 900 * 1024

	// MaxIDLength is the longest id in bytes (an id is ASCII).
	MaxIDLength = 256

	// MaxInboxLength is the longest inbox name in characters.
	MaxInboxLength = 64

	// MaxStringLength is the longest string in characters, for every string
	// field without a limit of its own.
	MaxStringLength = 1000

	// MaxBodySize is the largest text and the largest html in bytes, each.
	MaxBodySize = 512 * 1024

	// MaxFormValueLength is the longest value of a form field in characters.
	MaxFormValueLength = 64 * 1024

	// MaxListLength is the most entries in recipients, thread.references,
	// attachments and form.fields, each.
	MaxListLength = 1000
)
