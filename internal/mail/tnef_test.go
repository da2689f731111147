package mail

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"
)

// tnefBuilder writes TNEF streams for tests, after [MS-OXTNEF] 2.1.3.
type tnefBuilder struct{ b bytes.Buffer }

func newTNEF() *tnefBuilder {
	t := &tnefBuilder{}
	binary.Write(&t.b, binary.LittleEndian, uint32(tnefSignature))
	binary.Write(&t.b, binary.LittleEndian, uint16(0x0001)) // legacy key
	return t
}

func (t *tnefBuilder) attr(level byte, id uint32, data []byte) *tnefBuilder {
	t.b.WriteByte(level)
	binary.Write(&t.b, binary.LittleEndian, id)
	binary.Write(&t.b, binary.LittleEndian, uint32(len(data)))
	t.b.Write(data)
	var sum uint16
	for _, c := range data {
		sum += uint16(c)
	}
	binary.Write(&t.b, binary.LittleEndian, sum)
	return t
}

func (t *tnefBuilder) bytes() []byte { return t.b.Bytes() }

// mapi builds a MAPI property list.
type mapi struct {
	n int
	b bytes.Buffer
}

func (m *mapi) tag(typ, id uint16) {
	m.n++
	binary.Write(&m.b, binary.LittleEndian, typ)
	binary.Write(&m.b, binary.LittleEndian, id)
}

func (m *mapi) variable(typ, id uint16, v []byte) *mapi {
	m.tag(typ, id)
	binary.Write(&m.b, binary.LittleEndian, uint32(1))
	binary.Write(&m.b, binary.LittleEndian, uint32(len(v)))
	m.b.Write(v)
	m.b.Write(make([]byte, pad4(uint64(len(v)))-uint64(len(v))))
	return m
}

func (m *mapi) unicode(id uint16, s string) *mapi {
	var v []byte
	for _, u := range utf16.Encode([]rune(s + "\x00")) {
		v = binary.LittleEndian.AppendUint16(v, u)
	}
	return m.variable(ptypUnicode, id, v)
}

func (m *mapi) string8(id uint16, s string) *mapi {
	return m.variable(ptypString8, id, append([]byte(s), 0))
}

func (m *mapi) long(id uint16, v uint32) *mapi {
	m.tag(0x0003, id)
	binary.Write(&m.b, binary.LittleEndian, v)
	return m
}

func (m *mapi) boolean(id uint16, v bool) *mapi {
	m.tag(0x000B, id)
	var x uint32
	if v {
		x = 1
	}
	binary.Write(&m.b, binary.LittleEndian, x)
	return m
}

func (m *mapi) bytes() []byte {
	return append(binary.LittleEndian.AppendUint32(nil, uint32(m.n)), m.b.Bytes()...)
}

func TestReadTNEF(t *testing.T) {
	t.Parallel()
	pdf := []byte("%PDF-1.4 plan")
	jpg := []byte("\xff\xd8\xff\xe0 foto")
	embedded := newTNEF().
		attr(2, attAttachRendData, make([]byte, 14)).
		attr(2, attAttachTitle, []byte("binnen.txt\x00")).
		attr(2, attAttachData, []byte("in een bijgevoegd bericht")).
		bytes()
	stream := newTNEF().
		attr(1, attOemCodepage, []byte{0xE4, 0x04, 0, 0, 0, 0, 0, 0}). // 1252
		attr(1, attBody, []byte("Tekst van het bericht \x80 5\x00")).
		attr(1, attMsgProps, (&mapi{}).long(prInternetCPID, 1252).bytes()).
		attr(2, attAttachRendData, make([]byte, 14)).
		attr(2, attAttachTitle, []byte("PLAN~1.PDF\x00")).
		attr(2, attAttachData, pdf).
		attr(2, attAttachment, (&mapi{}).unicode(prAttachLongFilename, "Plan – tuinhuis.pdf").string8(prAttachMimeTag, "application/pdf").bytes()).
		attr(2, attAttachRendData, make([]byte, 14)).
		attr(2, attAttachTitle, []byte("Gevel \xe9t\xe9.jpg\x00")).
		attr(2, attAttachData, jpg).
		attr(2, attAttachment, (&mapi{}).string8(prAttachContentID, "<gevel@x>").boolean(prAttachmentHidden, true).bytes()).
		attr(2, attAttachRendData, make([]byte, 14)).
		attr(2, attAttachment, (&mapi{}).long(0x3705, 5).variable(ptypObject, prAttachDataBin, append(make([]byte, 16), embedded...)).bytes()).
		bytes()

	res, err := readTNEF(stream, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.problems) > 0 {
		t.Errorf("problems %q", res.problems)
	}
	if res.body != "Tekst van het bericht € 5" {
		t.Errorf("body %q", res.body)
	}
	want := []tnefFile{
		{name: "Plan – tuinhuis.pdf", mimeType: "application/pdf", data: pdf},
		{name: "Gevel été.jpg", contentID: "<gevel@x>", hidden: true, data: jpg},
		{name: "binnen.txt", data: []byte("in een bijgevoegd bericht")},
	}
	if len(res.files) != len(want) {
		t.Fatalf("%d files, want %d: %+v", len(res.files), len(want), res.files)
	}
	for i, w := range want {
		g := res.files[i]
		if g.name != w.name || g.mimeType != w.mimeType || g.contentID != w.contentID || g.hidden != w.hidden || !bytes.Equal(g.data, w.data) {
			t.Errorf("file %d = {%q %q %q %v %q}, want {%q %q %q %v %q}", i,
				g.name, g.mimeType, g.contentID, g.hidden, g.data, w.name, w.mimeType, w.contentID, w.hidden, w.data)
		}
	}
}

func TestReadTNEFDamaged(t *testing.T) {
	t.Parallel()
	good := newTNEF().
		attr(2, attAttachRendData, make([]byte, 14)).
		attr(2, attAttachTitle, []byte("a.txt\x00")).
		attr(2, attAttachData, []byte("inhoud")).
		bytes()
	badSum := bytes.Clone(good)
	badSum[len(badSum)-1] ^= 0xFF
	tests := []struct {
		name        string
		in          []byte
		wantErr     bool
		wantFiles   int
		wantProblem string
	}{
		{"not TNEF", []byte("PK\x03\x04 a zip"), true, 0, ""},
		{"too short", []byte{0x78, 0x9f}, true, 0, ""},
		{"signature only", good[:6], false, 0, ""},
		{"cut inside a value", good[:len(good)-5], false, 1, "attribute longer than the stream"},
		{"cut inside an attribute header", good[:10], false, 0, "ends inside an attribute header"},
		{"bad checksum", badSum, false, 1, "checksum"},
		{"huge length", append(bytes.Clone(good[:6]), 2, 0x0F, 0x80, 0x06, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 'x'), false, 1, "longer than the stream"},
		{"bad property list", newTNEF().attr(2, attAttachment, []byte{0xFF, 0xFF, 0xFF, 0xFF, 0x03, 0x00}).bytes(), false, 0, "attachment properties"},
		{"unknown property type", newTNEF().attr(2, attAttachment, []byte{1, 0, 0, 0, 0x99, 0x09, 0x01, 0x37}).bytes(), false, 0, "unknown property type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := readTNEF(tt.in, 0)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err %v, want error: %v", err, tt.wantErr)
			}
			if len(res.files) != tt.wantFiles {
				t.Errorf("%d files, want %d", len(res.files), tt.wantFiles)
			}
			if tt.wantProblem != "" && !strings.Contains(strings.Join(res.problems, "; "), tt.wantProblem) {
				t.Errorf("problems %q, want %q", res.problems, tt.wantProblem)
			}
		})
	}
}

func TestReadMAPIPropsNamed(t *testing.T) {
	t.Parallel()
	var m mapi
	// A named property by id, one by name, then the file name.
	m.tag(0x0003, 0x8001)
	m.b.Write(make([]byte, 16))
	binary.Write(&m.b, binary.LittleEndian, uint32(0))
	binary.Write(&m.b, binary.LittleEndian, uint32(0x8501))
	binary.Write(&m.b, binary.LittleEndian, uint32(15))
	m.tag(ptypUnicode, 0x8002)
	m.b.Write(make([]byte, 16))
	binary.Write(&m.b, binary.LittleEndian, uint32(1))
	binary.Write(&m.b, binary.LittleEndian, uint32(6)) // "ab\0" in UTF-16
	m.b.Write([]byte{'a', 0, 'b', 0, 0, 0, 0, 0})
	binary.Write(&m.b, binary.LittleEndian, uint32(1))
	binary.Write(&m.b, binary.LittleEndian, uint32(4))
	m.b.Write([]byte{'x', 0, 0, 0})
	m.unicode(prAttachLongFilename, "naam.pdf")
	// A multi-valued fixed property.
	m.tag(0x1003, 0x6000)
	binary.Write(&m.b, binary.LittleEndian, uint32(2))
	binary.Write(&m.b, binary.LittleEndian, uint64(0x0000000200000001))

	props, err := readMAPIProps(m.bytes())
	if err != nil {
		t.Fatal(err)
	}
	if len(props) != 4 {
		t.Fatalf("%d properties, want 4", len(props))
	}
	if got := propString(props[2], "windows-1252"); got != "naam.pdf" {
		t.Errorf("file name %q", got)
	}
	if len(props[3].values) != 2 {
		t.Errorf("multi-valued property has %d values", len(props[3].values))
	}
}

// TestCorpusWinmail checks the winmail.dat of the corpus, whose TNEF was
// written by a separate implementation of [MS-OXTNEF].
func TestCorpusWinmail(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(filepath.Join("testdata", "corpus", "24-winmail-dat.eml"))
	if err != nil {
		t.Fatal(err)
	}
	m := mustParse(t, raw, Options{})
	var fromTNEF []string
	for _, a := range m.Attachments {
		if a.FromTNEF {
			fromTNEF = append(fromTNEF, a.Name+" "+a.ContentType)
		}
	}
	want := []string{"Plan tuinhuis – achtergevel.pdf application/pdf", "Gevel zijkant (été).jpg image/jpeg"}
	if strings.Join(fromTNEF, "|") != strings.Join(want, "|") {
		t.Errorf("from winmail.dat: %q, want %q", fromTNEF, want)
	}
	for _, a := range m.Attachments {
		if a.FromTNEF && strings.HasSuffix(a.Name, ".pdf") && !bytes.HasPrefix(a.Data, []byte("%PDF-")) {
			t.Errorf("%s does not start like a PDF", a.Name)
		}
	}
}
