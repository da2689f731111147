package frontdesk

import (
	"bytes"
	"fmt"
	"net/http"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxNameLength is the longest file name kept, in characters.
const maxNameLength = 200

// Allowed file types: what a scanner or a phone camera makes. The type is
// read from the content, never taken from the client.
var allowedTypes = map[string]string{
	"application/pdf": ".pdf",
	"image/jpeg":      ".jpg",
	"image/png":       ".png",
	"image/tiff":      ".tif",
	"image/gif":       ".gif",
	"image/webp":      ".webp",
	"image/bmp":       ".bmp",
	"image/heic":      ".heic",
}

// checkedFile is a file that may be registered.
type checkedFile struct {
	name, contentType string
	data              []byte
}

// checkFiles checks files against l, finds their types and cleans their
// names. Problems name the file by its position, not its name.
func checkFiles(files []File, l Limits) ([]checkedFile, []string) {
	var (
		out      []checkedFile
		problems []string
		total    int64
	)
	if len(files) > l.MaxFiles {
		problems = append(problems, fmt.Sprintf("attachments: at most %d", l.MaxFiles))
	}
	for i, f := range files {
		where := fmt.Sprintf("attachments[%d]", i)
		size := int64(len(f.Data))
		total += size
		switch {
		case size == 0:
			problems = append(problems, where+": empty file")
			continue
		case size > l.MaxFileSize:
			problems = append(problems, fmt.Sprintf("%s: larger than %d MiB", where, l.MaxFileSize>>20))
			continue
		}
		ct := DetectType(f.Data)
		ext, ok := allowedTypes[ct]
		if !ok {
			problems = append(problems, where+": not a PDF or an image (JPEG, PNG, TIFF, GIF, WebP, BMP, HEIC)")
			continue
		}
		out = append(out, checkedFile{name: CleanName(f.Name, fmt.Sprintf("bijlage-%d%s", i+1, ext)), contentType: ct, data: f.Data})
	}
	if total > l.MaxTotalSize {
		problems = append(problems, fmt.Sprintf("attachments: larger than %d MiB together", l.MaxTotalSize>>20))
	}
	return out, problems
}

// DetectType is the content type of data as its first bytes show it
// (http.DetectContentType, which knows neither TIFF nor HEIC), without
// parameters.
func DetectType(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte("II*\x00")), bytes.HasPrefix(data, []byte("MM\x00*")):
		return "image/tiff"
	case len(data) >= 12 && string(data[4:8]) == "ftyp" && isHEIFBrand(string(data[8:12])):
		return "image/heic"
	}
	ct, _, _ := strings.Cut(http.DetectContentType(data), ";")
	return strings.TrimSpace(ct)
}

func isHEIFBrand(b string) bool {
	switch b {
	case "heic", "heix", "hevc", "hevx", "heim", "heis", "mif1", "msf1":
		return true
	}
	return false
}

// CleanName is the last element of a file name as a browser or scanner
// sends it (with / or \ as separators), as valid UTF-8 without control
// characters, at most maxNameLength characters; fallback when nothing is
// left.
func CleanName(name, fallback string) string {
	name = strings.ToValidUTF8(name, "")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if name == "." || name == ".." || strings.Trim(name, ".") == "" {
		return fallback
	}
	if utf8.RuneCountInString(name) > maxNameLength {
		ext := path.Ext(name)
		if utf8.RuneCountInString(ext) > 16 {
			ext = ""
		}
		runes := []rune(strings.TrimSuffix(name, ext))
		name = string(runes[:maxNameLength-utf8.RuneCountInString(ext)]) + ext
	}
	return name
}
