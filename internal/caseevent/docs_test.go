package caseevent

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

const docFile = "../../docs/case-event.md"

// jsonBlocks returns the ```json fenced blocks of a Markdown file.
func jsonBlocks(t *testing.T, file string) [][]byte {
	t.Helper()
	doc, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var blocks [][]byte
	rest := string(doc)
	for {
		_, after, found := strings.Cut(rest, "\n```json\n")
		if !found {
			return blocks
		}
		block, after, found := strings.Cut(after, "\n```\n")
		if !found {
			t.Fatalf("%s: unterminated json block", file)
		}
		blocks = append(blocks, []byte(block+"\n"))
		rest = after
	}
}

// TestDocIDVectors checks the test vectors in docs/case-event.md, so another
// team can trust them to test its own NewID.
func TestDocIDVectors(t *testing.T) {
	t.Parallel()
	var checked int
	for _, block := range jsonBlocks(t, docFile) {
		if !bytes.Contains(block, []byte(`"preimage_hex"`)) {
			continue
		}
		var vectors []struct {
			Channel     Channel  `json:"channel"`
			Inbox       string   `json:"inbox"`
			Parts       []string `json:"parts"`
			PreimageHex string   `json:"preimage_hex"`
			ID          string   `json:"id"`
		}
		if err := json.Unmarshal(block, &vectors); err != nil {
			t.Fatalf("id vectors: %v", err)
		}
		for _, v := range vectors {
			if got := NewID(v.Channel, v.Inbox, v.Parts...); got != v.ID {
				t.Errorf("NewID(%q, %q, %q) = %s, the doc says %s", v.Channel, v.Inbox, v.Parts, got, v.ID)
			}
			var preimage []byte
			for _, s := range append([]string{idVersion, string(v.Channel), v.Inbox}, v.Parts...) {
				preimage = binary.BigEndian.AppendUint64(preimage, uint64(len(s)))
				preimage = append(preimage, s...)
			}
			if got := hex.EncodeToString(preimage); got != v.PreimageHex {
				t.Errorf("preimage of %q %q %q:\n got %s\ndoc %s", v.Channel, v.Inbox, v.Parts, got, v.PreimageHex)
			}
			checked++
		}
	}
	if checked == 0 {
		t.Fatal("no id vectors found in " + docFile)
	}
}

// TestDocExample checks that the complete example in the doc is the e-mail
// golden file, which the golden test keeps equal to what Marshal writes.
func TestDocExample(t *testing.T) {
	t.Parallel()
	golden := readFile(t, "email.json")
	for _, block := range jsonBlocks(t, docFile) {
		if !bytes.Contains(block, []byte(`"specversion"`)) {
			continue
		}
		if !bytes.Equal(block, golden) {
			t.Errorf("the example in %s is not testdata/email.json:\n%s", docFile, firstDiff(block, golden))
		}
		if _, err := Parse(block); err != nil {
			t.Errorf("the example in %s does not parse: %v", docFile, err)
		}
		return
	}
	t.Fatal("no example event found in " + docFile)
}

// TestDocLimits checks that the doc states the limits the code enforces.
func TestDocLimits(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile(docFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"| the whole event, as published | 921600 bytes",
		"| `id` | 256 bytes |",
		"| `inbox` | 64 characters |",
		"| `text`, `html` | 524288 bytes",
		"| a form field value | 65536 characters |",
		"| every other string | 1000 characters |",
		"| 1000 entries each |",
	} {
		if !bytes.Contains(doc, []byte(want)) {
			t.Errorf("%s does not contain %q", docFile, want)
		}
	}
	if MaxEventSize != 921600 || MaxIDLength != 256 || MaxInboxLength != 64 || MaxBodySize != 524288 ||
		MaxFormValueLength != 65536 || MaxStringLength != 1000 || MaxListLength != 1000 {
		t.Error("a limit changed: update docs/case-event.md, the schema and this test (and mind versioning)")
	}
}
