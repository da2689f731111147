package mail

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"unicode/utf16"
)

// This file reads TNEF, the "winmail.dat" that Outlook and Exchange attach
// instead of MIME parts ([MS-OXTNEF]). Only what meldpunt shows is read:
// the attached files (name, MIME type, content id, bytes) and the plain
// text or HTML body. Everything is bounds-checked; file bytes are
// sub-slices of the input, never copies.

const tnefSignature = 0x223E9F78 // [MS-OXTNEF] 2.1.3.1

// TNEF attribute ids: type in the high word, id in the low word
// ([MS-OXTNEF] 2.1.3.3).
const (
	attBody           = 0x0002800C // message text, in the OEM code page
	attMsgProps       = 0x00069003 // message MAPI properties
	attAttachRendData = 0x00069002 // starts a new attachment
	attAttachment     = 0x00069005 // attachment MAPI properties
	attOemCodepage    = 0x00069007
	attAttachTitle    = 0x00018010
	attAttachData     = 0x0006800F
)

// MAPI property ids ([MS-OXPROPS]).
const (
	prBody               = 0x1000
	prRTFCompressed      = 0x1009
	prBodyHTML           = 0x1013
	prDisplayName        = 0x3001
	prAttachDataBin      = 0x3701 // PtypBinary, or PtypObject for embedded messages
	prAttachFilename     = 0x3704
	prAttachLongFilename = 0x3707
	prAttachMimeTag      = 0x370E
	prAttachContentID    = 0x3712
	prInternetCPID       = 0x3FDE
	prAttachmentHidden   = 0x7FFE
)

// MAPI property types ([MS-OXCDATA] 2.11.1).
const (
	ptypMultiple = 0x1000
	ptypString8  = 0x001E
	ptypUnicode  = 0x001F
	ptypBinary   = 0x0102
	ptypObject   = 0x000D
)

const maxTNEFDepth = 3 // embedded messages inside winmail.dat

var errNotTNEF = errors.New("not a TNEF stream (wrong signature)")

type tnefFile struct {
	name, longName, title, shortName, displayName string
	mimeType, contentID                           string
	hidden                                        bool
	data                                          []byte
}

type tnefResult struct {
	files    []tnefFile
	body     string // plain text body
	html     string // HTML body
	rtfOnly  bool   // the body is only there as compressed RTF
	problems []string
}

// isTNEF reports whether a part is a winmail.dat.
func isTNEF(mediaType, name string, data []byte) bool {
	if mediaType == "application/ms-tnef" || mediaType == "application/vnd.ms-tnef" {
		return true
	}
	return strings.EqualFold(name, "winmail.dat") && len(data) >= 4 && binary.LittleEndian.Uint32(data) == tnefSignature
}

// unpackTNEF adds the files of a winmail.dat as attachments.
func (p *parser) unpackTNEF(data []byte, path string, ctx walkCtx) {
	res, err := readTNEF(data, 0)
	if err != nil {
		p.problem(path, "winmail.dat: %v; kept as it is", err)
		return
	}
	for _, pr := range res.problems {
		p.problem(path, "winmail.dat: %s", pr)
	}
	for i, f := range res.files {
		name := f.name
		if name == "" {
			name = fmt.Sprintf("winmail-%d%s", i+1, extensionOf(f.mimeType))
		}
		mt := strings.ToLower(strings.TrimSpace(f.mimeType))
		if typ, sub, ok := strings.Cut(mt, "/"); !ok || !isToken(typ) || !isToken(sub) || typ == "" || sub == "" {
			mt = typeByName(name)
		}
		p.add(Attachment{
			Name:        cleanFileName(name),
			ContentType: mt,
			ContentID:   strings.Trim(f.contentID, "<> "),
			Inline:      f.hidden,
			Data:        f.data,
			FromTNEF:    true,
			FromMessage: ctx.fromMessage,
		})
	}
	if p.tnefText == "" {
		switch {
		case res.body != "":
			p.tnefText = normaliseNewlines(res.body)
		case res.html != "":
			p.tnefText = htmlToText(res.html)
		}
	}
	p.tnefRTFOnly = p.tnefRTFOnly || res.rtfOnly && res.body == "" && res.html == ""
}

// readTNEF reads a TNEF stream. It fails only on a wrong signature;
// damage further on ends the reading with a problem, keeping what was read.
func readTNEF(data []byte, depth int) (tnefResult, error) {
	var res tnefResult
	if len(data) < 6 || binary.LittleEndian.Uint32(data) != tnefSignature {
		return res, errNotTNEF
	}
	problem := func(s string) {
		for _, q := range res.problems {
			if q == s {
				return
			}
		}
		res.problems = append(res.problems, s)
	}
	codepage := "windows-1252"
	var cur *tnefFile
	finish := func() {
		if cur == nil {
			return
		}
		f := *cur
		cur = nil
		for _, n := range []string{f.longName, f.title, f.shortName, f.displayName} {
			if strings.TrimSpace(n) != "" {
				f.name = strings.TrimSpace(n)
				break
			}
		}
		// An embedded Outlook message is itself TNEF: take its files.
		if len(f.data) >= 4 && binary.LittleEndian.Uint32(f.data) == tnefSignature && depth < maxTNEFDepth {
			if inner, err := readTNEF(f.data, depth+1); err == nil {
				res.files = append(res.files, inner.files...)
				res.problems = append(res.problems, inner.problems...)
				return
			}
		}
		if f.data == nil && f.name == "" {
			return
		}
		res.files = append(res.files, f)
	}
	attrCodepage := func(v []byte) {
		if len(v) >= 4 {
			codepage = codepageName(binary.LittleEndian.Uint32(v))
		}
	}

	pos := 6 // signature and legacy key
	for pos < len(data) {
		if len(data)-pos < 9 {
			problem("stream ends inside an attribute header")
			break
		}
		level := data[pos]
		id := binary.LittleEndian.Uint32(data[pos+1:])
		length := uint64(binary.LittleEndian.Uint32(data[pos+5:]))
		pos += 9
		var value []byte
		if length > uint64(len(data)-pos) {
			problem("attribute longer than the stream; cut")
			value = data[pos:]
			pos = len(data)
		} else {
			value = data[pos : pos+int(length)]
			pos += int(length)
			if len(data)-pos >= 2 {
				want := binary.LittleEndian.Uint16(data[pos:])
				var sum uint16
				for _, c := range value {
					sum += uint16(c)
				}
				if sum != want {
					problem("attribute checksum does not match")
				}
				pos += 2
			} else {
				problem("stream ends before an attribute checksum")
			}
		}

		switch id {
		case attOemCodepage:
			attrCodepage(value)
		case attAttachRendData:
			finish()
			cur = &tnefFile{}
		case attAttachTitle:
			if cur == nil {
				cur = &tnefFile{}
			}
			cur.title = tnefString8(value, codepage)
		case attAttachData:
			if cur == nil {
				cur = &tnefFile{}
			}
			cur.data = value
		case attAttachment:
			if cur == nil {
				cur = &tnefFile{}
			}
			props, err := readMAPIProps(value)
			if err != nil {
				problem("attachment properties: " + err.Error())
			}
			applyAttachmentProps(cur, props, codepage)
		case attBody:
			if level == 1 && res.body == "" {
				res.body = tnefString8(value, codepage)
			}
		case attMsgProps:
			props, err := readMAPIProps(value)
			if err != nil {
				problem("message properties: " + err.Error())
			}
			applyMessageProps(&res, props, codepage)
		}
	}
	finish()
	return res, nil
}

type mapiProp struct {
	id, typ uint16
	values  [][]byte
}

// readMAPIProps reads a property list ([MS-OXTNEF] 2.1.3.4): a count, then
// for each property its tag, a name for named properties (id >= 0x8000),
// and its values, each padded to 4 bytes. Variable-length and multi-valued
// properties carry a value count; variable-length values a byte count.
func readMAPIProps(b []byte) ([]mapiProp, error) {
	if len(b) < 4 {
		return nil, errors.New("too short")
	}
	count := binary.LittleEndian.Uint32(b)
	pos := 4
	var props []mapiProp
	need := func(n uint64) bool { return uint64(len(b)-pos) >= n }
	u32 := func() uint32 {
		v := binary.LittleEndian.Uint32(b[pos:])
		pos += 4
		return v
	}
	for i := uint32(0); i < count; i++ {
		if !need(4) {
			return props, errors.New("list ends early")
		}
		typ := binary.LittleEndian.Uint16(b[pos:])
		id := binary.LittleEndian.Uint16(b[pos+2:])
		pos += 4
		if id >= 0x8000 {
			if !need(20) {
				return props, errors.New("list ends inside a property name")
			}
			pos += 16 // property set GUID
			switch u32() {
			case 0: // MNID_ID
				if !need(4) {
					return props, errors.New("list ends inside a property name")
				}
				pos += 4
			case 1: // MNID_STRING
				if !need(4) {
					return props, errors.New("list ends inside a property name")
				}
				n := uint64(u32())
				if !need(pad4(n)) {
					return props, errors.New("property name longer than the list")
				}
				pos += int(pad4(n))
			default:
				return props, errors.New("unknown property name kind")
			}
		}
		base := typ &^ ptypMultiple
		variable := base == ptypString8 || base == ptypUnicode || base == ptypBinary || base == ptypObject
		size := fixedPropSize(base)
		if !variable && size < 0 {
			return props, fmt.Errorf("unknown property type 0x%04x", typ)
		}
		nvals := uint64(1)
		if variable || typ&ptypMultiple != 0 {
			if !need(4) {
				return props, errors.New("list ends early")
			}
			nvals = uint64(u32())
			// Every value takes at least 4 bytes (a fixed-size zero-length
			// type has no values worth counting).
			if nvals > uint64(len(b)-pos)/4+1 {
				return props, errors.New("value count larger than the list")
			}
		}
		prop := mapiProp{id: id, typ: typ}
		if !variable && size == 0 {
			props = append(props, prop) // PtypNull: no value bytes
			continue
		}
		for j := uint64(0); j < nvals; j++ {
			if variable {
				if !need(4) {
					return props, errors.New("list ends inside a value")
				}
				n := uint64(u32())
				if !need(n) {
					return props, errors.New("value longer than the list")
				}
				prop.values = append(prop.values, b[pos:pos+int(n)])
				if need(pad4(n)) {
					pos += int(pad4(n))
				} else {
					pos = len(b)
				}
				continue
			}
			if !need(uint64(size)) {
				return props, errors.New("list ends inside a value")
			}
			prop.values = append(prop.values, b[pos:pos+size])
			if need(pad4(uint64(size))) {
				pos += int(pad4(uint64(size)))
			} else {
				pos = len(b)
			}
		}
		props = append(props, prop)
	}
	return props, nil
}

func pad4(n uint64) uint64 { return (n + 3) &^ 3 }

// fixedPropSize is the size of a fixed-length MAPI type, -1 if unknown.
func fixedPropSize(t uint16) int {
	switch t {
	case 0x0000, 0x0001: // PtypUnspecified, PtypNull
		return 0
	case 0x0002, 0x000B: // PtypInteger16, PtypBoolean (padded to 4)
		return 2
	case 0x0003, 0x0004, 0x000A: // PtypInteger32, PtypFloating32, PtypErrorCode
		return 4
	case 0x0005, 0x0006, 0x0007, 0x0014, 0x0040: // Floating64, Currency, FloatingTime, Integer64, Time
		return 8
	case 0x0048: // PtypGuid
		return 16
	}
	return -1
}

// propString reads a string property in whichever type it came.
func propString(p mapiProp, codepage string) string {
	if len(p.values) == 0 {
		return ""
	}
	switch p.typ &^ ptypMultiple {
	case ptypUnicode:
		return utf16String(p.values[0])
	case ptypString8, ptypBinary:
		return tnefString8(p.values[0], codepage)
	}
	return ""
}

func applyAttachmentProps(f *tnefFile, props []mapiProp, codepage string) {
	for _, p := range props {
		switch p.id {
		case prAttachLongFilename:
			f.longName = propString(p, codepage)
		case prAttachFilename:
			f.shortName = propString(p, codepage)
		case prDisplayName:
			f.displayName = propString(p, codepage)
		case prAttachMimeTag:
			f.mimeType = propString(p, codepage)
		case prAttachContentID:
			f.contentID = propString(p, codepage)
		case prAttachmentHidden:
			f.hidden = len(p.values) > 0 && len(p.values[0]) > 0 && p.values[0][0] != 0
		case prAttachDataBin:
			if f.data == nil && len(p.values) > 0 {
				v := p.values[0]
				if p.typ == ptypObject && len(v) >= 16 {
					v = v[16:] // interface id of the object
				}
				f.data = v
			}
		}
	}
}

func applyMessageProps(res *tnefResult, props []mapiProp, codepage string) {
	for _, p := range props {
		if p.id == prInternetCPID && len(p.values) > 0 && len(p.values[0]) >= 4 {
			codepage = codepageName(binary.LittleEndian.Uint32(p.values[0]))
		}
	}
	for _, p := range props {
		switch p.id {
		case prBody:
			if s := propString(p, codepage); s != "" {
				res.body = s
			}
		case prBodyHTML:
			res.html = propString(p, codepage)
		case prRTFCompressed:
			res.rtfOnly = true
		}
	}
}

// tnefString8 decodes an 8-bit string in the stream's code page, without
// its terminating NUL.
func tnefString8(b []byte, codepage string) string {
	if i := indexByte0(b); i >= 0 {
		b = b[:i]
	}
	s, _ := decodeCharset(codepage, b)
	return s
}

func indexByte0(b []byte) int {
	for i, c := range b {
		if c == 0 {
			return i
		}
	}
	return -1
}

func utf16String(b []byte) string {
	u := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		c := binary.LittleEndian.Uint16(b[i:])
		if c == 0 {
			break
		}
		u = append(u, c)
	}
	return sanitize(string(utf16.Decode(u)))
}

// codepageName names a Windows code page for decodeCharset.
func codepageName(cp uint32) string {
	switch {
	case cp >= 1250 && cp <= 1258:
		return fmt.Sprintf("windows-%d", cp)
	case cp >= 28591 && cp <= 28606:
		return fmt.Sprintf("iso-8859-%d", cp-28590)
	}
	switch cp {
	case 65001:
		return "utf-8"
	case 20127:
		return "us-ascii"
	case 437, 850, 852, 855, 857, 860, 861, 862, 863, 865, 866:
		return fmt.Sprintf("ibm%d", cp)
	case 874:
		return "windows-874"
	case 932:
		return "shift_jis"
	case 936:
		return "gbk"
	case 949:
		return "euc-kr"
	case 950:
		return "big5"
	case 1200:
		return "utf-16le"
	case 20866:
		return "koi8-r"
	}
	return "windows-1252"
}
