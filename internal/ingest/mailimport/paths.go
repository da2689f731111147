package mailimport

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

var (
	errNotMail      = errors.New("not an e-mail message (it does not start with a header field): not imported")
	errNotRegular   = errors.New("not a regular file (links to directories are not followed): not imported")
	errEmptyMessage = errors.New("empty message")
)

// importPath imports what one path names. It returns an error only when
// the import must stop.
func (im *importer) importPath(path string, info fs.FileInfo) error {
	switch {
	case info.Mode().IsRegular():
		return im.importFile(path, true)
	case info.IsDir() && isMaildir(path):
		return im.importMaildir(path)
	case info.IsDir():
		return im.walk(path)
	default:
		im.fail(path, errNotRegular)
		return nil
	}
}

// walk imports every regular file under root, as an mbox or a message by
// its content, and every Maildir in it as a Maildir. Hidden files and
// directories are skipped (.DS_Store, .git, Maildir++ subfolders such as
// .Sent, which belong to another direction).
func (im *importer) walk(root string) error {
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			im.fail(path, err) // an unreadable directory: the walk goes on without it
			return nil
		}
		if path == root {
			return nil
		}
		if strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if !isMaildir(path) {
				return nil
			}
			if err := im.importMaildir(path); err != nil {
				return err
			}
			return filepath.SkipDir
		}
		if err := im.ctx.Err(); err != nil {
			return err
		}
		// A symbolic link to a file is followed; one to a directory is not
		// (it could loop).
		if !d.Type().IsRegular() && d.Type()&fs.ModeSymlink == 0 {
			im.fail(path, errNotRegular)
			return nil
		}
		return im.importFile(path, true)
	})
}

// isMaildir reports whether dir has a cur or new subdirectory.
func isMaildir(dir string) bool {
	for _, sub := range []string{"cur", "new"} {
		if info, err := os.Stat(filepath.Join(dir, sub)); err == nil && info.IsDir() {
			return true
		}
	}
	return false
}

// importMaildir imports every file in dir's cur and new, sorted by file
// name (Maildir names start with the delivery time), so that an import is
// deterministic. tmp holds deliveries in progress and is left alone.
func (im *importer) importMaildir(dir string) error {
	var files []string
	for _, sub := range []string{"cur", "new"} {
		entries, err := os.ReadDir(filepath.Join(dir, sub))
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				im.fail(filepath.Join(dir, sub), err)
			}
			continue
		}
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), ".") {
				continue
			}
			files = append(files, filepath.Join(dir, sub, e.Name()))
		}
	}
	slices.SortStableFunc(files, func(a, b string) int { return strings.Compare(filepath.Base(a), filepath.Base(b)) })
	for _, f := range files {
		// A file in a Maildir is a message even when it does not look like
		// one: it is published with a parse error, as the IMAP sync would.
		if err := im.importFile(f, false); err != nil {
			return err
		}
	}
	return nil
}

// importFile imports a file as an mbox when its first line starts with
// "From ", else as one message. An empty file holds no message. With
// sniff, a file that does not start like a message is not imported but
// counted as an error: a directory walked for mail may hold anything.
func (im *importer) importFile(path string, sniff bool) error {
	f, err := os.Open(path)
	if err != nil {
		im.fail(path, err)
		return nil
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		im.fail(path, err)
		return nil
	}
	if !info.Mode().IsRegular() {
		im.fail(path, errNotRegular)
		return nil
	}
	im.file, im.fileSize, im.fileOffset = path, info.Size(), 0
	defer func() { im.file, im.fileSize = "", 0 }()

	r := bufio.NewReaderSize(f, readBufferSize)
	if head, _ := r.Peek(len(fromPrefix)); bytes.Equal(head, fromPrefix) {
		return im.importMbox(path, r)
	}
	im.file = "" // no position within a single message
	msg, err := readMessage(f, r, info.Size(), im.opts.MaxMessageSize)
	if err != nil {
		im.fail(path, fmt.Errorf("read: %w", err))
		return nil
	}
	if isEmpty(msg) {
		return nil
	}
	if sniff && !looksLikeMessage(msg.Raw) {
		im.fail(path, errNotMail)
		return nil
	}
	return im.message(path, msg)
}

// importMbox imports every message of the mbox read by r.
func (im *importer) importMbox(path string, r *bufio.Reader) error {
	mr := newMboxReader(r, im.opts.MaxMessageSize)
	for {
		msg, err := mr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			im.fail(fmt.Sprintf("%s:%d", path, mr.off), fmt.Errorf("read mbox: %w", err))
			return nil
		}
		where := fmt.Sprintf("%s:%d", path, msg.Offset)
		if isEmpty(msg) {
			if err := im.ctx.Err(); err != nil {
				return err
			}
			im.sum.Read++
			im.fail(where, errEmptyMessage)
			continue
		}
		if err := im.message(where, msg); err != nil {
			return err
		}
	}
}

// readMessage reads a file that is one message of size bytes. A message
// over limit is read up to the end of its header only.
func readMessage(f *os.File, r *bufio.Reader, size, limit int64) (message, error) {
	if size > limit {
		header, err := readHeader(r, limit)
		if err != nil {
			return message{}, err
		}
		var last [1]byte
		if _, err := f.ReadAt(last[:], size-1); err != nil {
			return message{}, err
		}
		return canonical(message{Raw: header, Size: size, Truncated: true}, last[0]), nil
	}
	var buf bytes.Buffer
	buf.Grow(int(size) + 2)
	if _, err := buf.ReadFrom(r); err != nil {
		return message{}, err
	}
	raw := buf.Bytes()
	var last byte
	if len(raw) > 0 {
		last = raw[len(raw)-1]
	}
	msg := canonical(message{Raw: raw, Size: int64(len(raw))}, last)
	if msg.Size > limit {
		// It grew while being read, or by its last line ending.
		msg.Raw, msg.Truncated = bytes.Clone(headerOnly(msg.Raw[:limit])), true
	}
	return msg, nil
}

// isEmpty reports whether msg has nothing but white space.
func isEmpty(msg message) bool {
	return msg.Size == 0 || (!msg.Truncated && len(bytes.TrimSpace(msg.Raw)) == 0)
}

// looksLikeMessage reports whether raw starts with a header field: a name
// of printable ASCII other than ':' and then ':' (RFC 5322 2.2; white space
// before the colon is obsolete syntax, RFC 5322 4.5.8, still accepted).
func looksLikeMessage(raw []byte) bool {
	line := raw[:min(len(raw), 1000)]
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	colon := bytes.IndexByte(line, ':')
	if colon < 0 {
		return false
	}
	name := bytes.TrimRight(line[:colon], " \t")
	if len(name) == 0 {
		return false
	}
	for _, c := range name {
		if c < 33 || c > 126 {
			return false
		}
	}
	return true
}
