package mail

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/charset"
)

// htmlToText derives readable text from an HTML body: the contents of
// script, style, title, head-only and template elements are dropped; block
// elements and <br> become line breaks, paragraphs and headings blank
// lines, list items "- " lines, table cells are separated by a tab;
// character references are decoded; white space outside <pre> is
// collapsed; link texts are kept (the URLs are not).
func htmlToText(s string) string {
	z := html.NewTokenizer(strings.NewReader(s))
	var w textWriter
	skip := 0 // inside elements whose text is not shown
	pre := 0
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return w.String()
		case html.TextToken:
			if skip > 0 {
				continue
			}
			w.text(string(z.Text()), pre > 0)
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			name, _ := z.TagName()
			tag := string(name)
			start := tt != html.EndTagToken
			selfClosing := tt == html.SelfClosingTagToken
			switch tag {
			case "script", "style", "title", "template", "xml", "head":
				if selfClosing {
					continue
				}
				if start {
					skip++
				} else if skip > 0 {
					skip--
				}
				if tag == "head" && !start {
					skip = 0
				}
			case "body":
				skip = 0 // a head without its end tag
			case "pre":
				if start {
					pre++
				} else if pre > 0 {
					pre--
				}
				w.paragraph()
			case "br":
				w.lineBreak()
			case "p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "ul", "ol", "dl", "hr", "address", "figure":
				w.paragraph()
			case "li":
				if start {
					w.newline()
					w.raw("- ")
				} else {
					w.newline()
				}
			case "tr", "div", "section", "article", "header", "footer", "nav", "aside", "main", "center",
				"form", "fieldset", "dt", "dd", "caption", "tbody", "thead", "tfoot", "option", "details", "summary":
				w.newline()
			case "td", "th":
				if start {
					w.cell()
				}
			}
		}
	}
}

// textWriter builds text with collapsed white space and at most one blank
// line between blocks.
type textWriter struct {
	b        strings.Builder
	newlines int  // line breaks owed before the next text (2 = blank line)
	space    bool // a space owed before the next text
	lineHas  bool // the current line has text
}

func (w *textWriter) text(s string, pre bool) {
	if pre {
		w.flush()
		s = strings.ReplaceAll(s, "\r\n", "\n")
		w.b.WriteString(s)
		w.lineHas = !strings.HasSuffix(s, "\n")
		return
	}
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if isHTMLSpace(r) {
			if w.lineHas {
				w.space = true
			}
			i += size
			continue
		}
		j := i
		for j < len(s) {
			r, size := utf8.DecodeRuneInString(s[j:])
			if isHTMLSpace(r) {
				break
			}
			j += size
		}
		w.flush()
		w.b.WriteString(s[i:j])
		w.lineHas = true
		i = j
	}
}

func (w *textWriter) raw(s string) {
	w.flush()
	w.b.WriteString(s)
	w.lineHas = true
}

func (w *textWriter) flush() {
	if w.b.Len() > 0 {
		switch {
		case w.newlines > 0:
			w.b.WriteString(strings.Repeat("\n", w.newlines))
		case w.space:
			w.b.WriteByte(' ')
		}
	}
	w.newlines, w.space = 0, false
}

func (w *textWriter) lineBreak() {
	if w.b.Len() == 0 {
		return
	}
	if w.newlines < 2 {
		w.newlines++
	}
	w.space = false
	w.lineHas = false
}

func (w *textWriter) newline() {
	if w.lineHas && w.newlines < 1 {
		w.newlines = 1
	}
	w.space = false
	w.lineHas = false
}

func (w *textWriter) paragraph() {
	if w.b.Len() > 0 {
		w.newlines = 2
	}
	w.space = false
	w.lineHas = false
}

func (w *textWriter) cell() {
	if w.lineHas {
		w.flush()
		w.b.WriteByte('\t')
	}
}

func (w *textWriter) String() string {
	lines := strings.Split(w.b.String(), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t")
	}
	return strings.Trim(strings.Join(lines, "\n"), "\n")
}

// isHTMLSpace is HTML's white space plus the no-break space, which Outlook
// uses for empty paragraphs.
func isHTMLSpace(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\r', '\f', '\u00a0':
		return true
	}
	return false
}

// sniffHTMLCharset finds the charset an HTML body declares in a <meta> tag
// (the HTML5 prescan), for HTML parts whose Content-Type names none.
func sniffHTMLCharset(b []byte) string {
	_, name, _ := charset.DetermineEncoding(b, "text/html")
	if name == "windows-1252" || name == "utf-8" {
		return "" // decodeCharset reads these, and unlabelled text, the same way
	}
	return name
}
