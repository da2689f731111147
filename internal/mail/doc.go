// Package mail turns the bytes of one e-mail message (RFC 5322, MIME) into
// a normalised Message: thread hints, addresses, subject, dates, readable
// text, the HTML, attachments and whether the message is automatic. It is
// pure: no network, no files, no clock, no logging; the same bytes always
// give the same Message. It owns the reading of untrusted mail and must not
// import any meldpunt package other than internal/caseevent.
//
// Parse reads a whole message; Headers reads only the header, for messages
// over the size limit. Neither panics; both return an error only when
// nothing useful could be read (ErrEmpty, ErrNoHeader), and list every
// other defect in Message.Problems.
//
// # Normalisation rules
//
// Structure. The header ends at the first empty line (or line of only white
// space); CRLF and bare LF are both accepted, mixed too. A leading mbox
// "From " line is skipped. A line that is neither a field nor a
// continuation ends the header, as if the blank line were there (a
// problem). Multipart bodies are split on their boundary (RFC 2046 5.1);
// without a boundary parameter, or when it never occurs, the boundary is
// guessed from the first "--" line that repeats. A missing closing boundary
// keeps everything read up to the end (a problem). Transfer encodings are
// decoded leniently (white space and stray bytes in base64, lower-case hex
// and bare "=" in quoted-printable). Nesting is limited to 20 levels and
// 5000 parts; attachments to 1000 (caseevent.MaxListLength).
//
// The MIME tree is walked by this package on sub-slices of the input rather
// than by go-message's entity reader, whose streaming multipart reader gives
// up at a missing closing boundary and whose charset step would read
// iso-8859-1 as Latin-1; go-message provides the charset table.
//
// Charsets. Every charset of golang.org/x/text is known (through
// github.com/emersion/go-message/charset). iso-8859-1 and its aliases are
// read as windows-1252, as senders mean and WHATWG does, so “quotes” and
// € in 0x80-0x9F survive; text so labelled that is valid UTF-8 with
// non-ASCII characters is UTF-8 mislabelled and read as such (a problem). Text without a charset, labelled us-ascii or
// utf-8, or labelled with an unknown charset is read as UTF-8 where the
// bytes are valid UTF-8 and as windows-1252 byte by byte where they are not
// (a problem when that happens). HTML without a charset parameter is
// sniffed for <meta charset>. Every string is valid UTF-8 without NUL.
//
// Header text. RFC 2047 encoded words are decoded, leniently: words glued to
// text, spaces inside Q words, a last word without "?=", a character split
// over two words of the same charset. Raw 8-bit header bytes are UTF-8
// where valid (RFC 6532), windows-1252 otherwise. Subject and names are
// unfolded with white space runs (no-break spaces included) made one space,
// and put in Unicode NFC, as file names are, so a name macOS wrote
// decomposed equals the same name written composed. Content-Type and
// Content-Disposition parameters follow RFC 2231 (continuations, charset
// and %XX), and also accept encoded words in quoted file names, unquoted
// names with spaces, and missing semicolons.
//
// Thread hints. MessageID, InReplyTo and References are written
// "<left@right>": angle brackets kept, white space and comments removed;
// an id without brackets gets them. The same form is used everywhere, so a
// reply's In-Reply-To equals the original's MessageID byte for byte.
// References keeps its order (oldest first) without duplicates. CaseRef is
// the leftmost match of Options.CaseRef in the decoded subject, white space
// removed and upper-cased (CaseRefPattern accepts "MP - 2026 - 000123").
//
// Addresses. From is the first address of From:; Sender only when its
// address differs. Addresses are lower-cased; display names are decoded,
// unquoted ('Els Peeters' and "Els Peeters" both give Els Peeters) and
// dropped when equal to the address. Mailer mistakes are tolerated: ";"
// between addresses, unquoted dots and commas in comments, a bare address
// among words, "addr (Name)". Groups are flattened.
//
// Dates. Date is read with its own offset; besides RFC 5322 it accepts ISO
// 8601, Dutch, French and German day and month names, two-digit years,
// zone names (CET, CEST, ...), "GMT+0100", "+01:00", day-first numeric
// dates, and no seconds. A date without a zone is read as UTC (a problem);
// an unreadable one leaves Date nil (a problem). ReceivedAt is the date of
// the topmost Received: field.
//
// Body. Parts are walked in order. A text/plain or text/html part is body
// text unless it is marked attachment or has a file name. In
// multipart/alternative the text/plain alternative gives Text and the last
// HTML alternative gives HTML; in multipart/mixed the body parts are
// joined (Apple Mail's text, image, text); in multipart/related the root
// (start parameter, else the first part) is the body and the other parts
// are inline attachments. Text is text/plain when the sender wrote one,
// with format=flowed undone (RFC 3676) and line ends made "\n"; otherwise
// it is derived from the HTML: script, style and title dropped, paragraphs
// and line breaks kept, list items as "- ", entities decoded, link texts
// kept. HTML is kept as received (decoded to UTF-8; a <meta charset> in it
// is then stale), never sanitised: that is the UI's job. Text and HTML are
// each cut to Options.MaxBodyBytes on a character boundary (a problem).
//
// Attached messages. A message/rfc822 part (forwarded as attachment, or
// returned in a bounce) is kept as an attachment (named after its subject,
// "<subject>.eml", when it has no file name) and parsed recursively: its
// files become attachments with FromMessage set to that name, and its text
// is appended to Text under a block "---------- Attached message ----------"
// with its From, Date, Subject, To and Cc. Its HTML is not merged.
//
// Special parts.
//   - winmail.dat (application/ms-tnef, [MS-OXTNEF]) is kept as an
//     attachment, because staff may need the original and the unpacking is
//     not complete (RTF bodies, OLE objects), and its files are unpacked
//     after it with FromTNEF set. A plain or HTML body inside it is used
//     when the message has no other text.
//   - multipart/signed (RFC 1847, S/MIME or PGP): the first part is read
//     as the message, the signature is kept as an attachment (smime.p7s).
//     Signatures are not verified.
//   - application/pkcs7-mime (S/MIME encrypted or opaque-signed) and
//     multipart/encrypted are kept as attachments, not unpacked (a
//     problem).
//   - text/calendar invitations are kept as attachments (invite.ics); when
//     the message has no text at all, Text is a short summary of the event.
//   - multipart/report: the first part is body text, the delivery status
//     is an attachment (delivery-status.txt), a returned message is read as
//     an attached message.
//
// Parts without a file name get one from their type: "part-<number><ext>"
// (IMAP part numbers: 1, 2.1, ...), "invite.ics", "smime.p7s",
// "delivery-status.txt". Content-ID is kept without angle brackets, as
// "cid:" URLs name it.
//
// # Automatic messages
//
// AutoSubmitted marks automatic mail; such mail is never dropped. Values,
// from the most specific sign to the least:
//
//	bounce           multipart/report of a delivery failure or delay (RFC 3464),
//	                 X-Failed-Recipients, or From MAILER-DAEMON
//	delivery-report  multipart/report whose every Action is delivered, relayed or expanded
//	read-receipt     multipart/report of type disposition-notification (RFC 8098)
//	auto-replied     Auto-Submitted: auto-replied (RFC 3834), X-Autoreply, X-Autorespond,
//	                 Precedence: auto_reply (out of office, vacation, acknowledgements)
//	auto-generated   any other Auto-Submitted value than "no" (auto-generated, auto-notified)
//	bulk             Precedence: bulk or junk; List-Unsubscribe without list headers
//	list             Precedence: list, List-Id or List-Post (RFC 2919, RFC 2369)
//	(empty)          a person's message
//
// X-Auto-Response-Suppress is ignored on purpose: it asks others not to
// answer automatically, and is set on much mail that people send.
// Subjects ("Automatisch antwoord:", "Absence") are not used: a person may
// write them too.
//
// # Memory
//
// Parse keeps no copy of raw: unencoded parts (7bit, 8bit, binary) are
// sub-slices of it, and Attachment.Data may share its memory. Each
// base64 or quoted-printable attachment is decoded once, into a buffer of
// its decoded size (about 3/4 of its encoded size); files in a winmail.dat
// are sub-slices of the decoded winmail.dat. An attached message that is
// itself base64-encoded is decoded once more, so its attachments are held
// twice. Text and HTML decoding is bounded by 4 * MaxBodyBytes in total.
// For a 40 MB message that is mostly one base64 attachment, Parse holds
// the 40 MB input plus about 30 MB of decoded data.
package mail
