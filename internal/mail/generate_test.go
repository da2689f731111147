package mail

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"testing"
)

// generated are corpus messages built at test time, because committing them
// would cost megabytes. Each has a golden file like the .eml files.
var generated = []struct {
	name  string
	build func() []byte
}{
	{"gen-10mb-attachment", bigAttachmentMessage},
}

// pseudoRandom returns n deterministic bytes that do not compress: SHA-256
// in counter mode over a seed, stable across Go versions and machines.
func pseudoRandom(seed string, n int) []byte {
	out := make([]byte, 0, n+sha256.Size)
	var ctr [8]byte
	for i := uint64(0); len(out) < n; i++ {
		binary.BigEndian.PutUint64(ctr[:], i)
		sum := sha256.Sum256(append([]byte(seed), ctr[:]...))
		out = append(out, sum[:]...)
	}
	return out[:n]
}

// bigAttachmentPDF is the 10 MiB attachment of bigAttachmentMessage.
func bigAttachmentPDF() []byte {
	const size = 10 << 20
	head := []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	return append(head, pseudoRandom("meldpunt big attachment", size-len(head))...)
}

// bigAttachmentMessage is a citizen's mail with a 10 MiB scanned PDF, as a
// phone's mail app sends it: base64 in 76-character CRLF lines, about 13.5
// MB of message.
func bigAttachmentMessage() []byte {
	pdf := bigAttachmentPDF()
	var b bytes.Buffer
	b.WriteString("Received: from mail.example.org (mail.example.org [198.51.100.23])\r\n" +
		"\tby mx1.gemeente.example (Postfix) with ESMTPS id 4QzAa11BcD\r\n" +
		"\tfor <omgeving@gemeente.example>; Mon,  7 Dec 2026 15:20:31 +0100 (CET)\r\n" +
		"From: Pieter De Smet <pieter.desmet@example.org>\r\n" +
		"To: Dienst Omgeving <omgeving@gemeente.example>\r\n" +
		"Subject: Bouwaanvraag veranda - plannen en foto's (scan)\r\n" +
		"Date: Mon, 7 Dec 2026 15:20:12 +0100\r\n" +
		"Message-ID: <A1B2C3D4-0E0F-4A4B-8C8D-9E9F0A0B0C0D@example.org>\r\n" +
		"MIME-Version: 1.0\r\n" +
		"X-Mailer: iPhone Mail (22B91)\r\n" +
		"Content-Type: multipart/mixed; boundary=Apple-Mail-7F3E2D1C-0B0A-4998-8776-655443322110\r\n" +
		"Content-Transfer-Encoding: 7bit\r\n\r\n" +
		"--Apple-Mail-7F3E2D1C-0B0A-4998-8776-655443322110\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n" +
		"Content-Transfer-Encoding: quoted-printable\r\n\r\n" +
		"Beste,\r\n\r\nIn bijlage de ingescande plannen voor de veranda (Veldstraat 3). Het =\r\n" +
		"bestand is groot, mijn excuses.\r\n\r\nGroeten,\r\nPieter\r\n\r\n" +
		"--Apple-Mail-7F3E2D1C-0B0A-4998-8776-655443322110\r\n" +
		"Content-Type: application/pdf; name=\"Plannen veranda.pdf\"\r\n" +
		"Content-Disposition: attachment; filename=\"Plannen veranda.pdf\"\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\n")
	enc := base64.StdEncoding.EncodeToString(pdf)
	for len(enc) > 76 {
		b.WriteString(enc[:76])
		b.WriteString("\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc)
	b.WriteString("\r\n--Apple-Mail-7F3E2D1C-0B0A-4998-8776-655443322110--\r\n")
	return b.Bytes()
}

// TestBigAttachmentRoundTrip checks that the 10 MiB attachment comes out
// byte for byte, so its golden file records the right size and hash.
func TestBigAttachmentRoundTrip(t *testing.T) {
	m, err := Parse(bigAttachmentMessage(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Attachments) != 1 {
		t.Fatalf("%d attachments, want 1", len(m.Attachments))
	}
	want := bigAttachmentPDF()
	if len(want) != 10<<20 || !bytes.Equal(m.Attachments[0].Data, want) {
		t.Errorf("attachment differs from what was encoded (%d bytes, want %d)", len(m.Attachments[0].Data), len(want))
	}
	if len(m.Problems) > 0 {
		t.Errorf("problems: %q", m.Problems)
	}
}

// BenchmarkParseBig measures a 13.5 MB message with one 10 MiB base64
// attachment: time and memory allocated per Parse.
func BenchmarkParseBig(b *testing.B) {
	raw := bigAttachmentMessage()
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(raw, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
