package qform

import (
	"fmt"
	"regexp"
	"strings"
)

// posixClasses maps Java's \p{…} POSIX class names (US-ASCII, as in Java)
// to Go's [:…:] classes.
var posixClasses = map[string]string{
	"Lower": "lower", "Upper": "upper", "ASCII": "ascii", "Alpha": "alpha",
	"Digit": "digit", "Alnum": "alnum", "Punct": "punct", "Graph": "graph",
	"Print": "print", "Blank": "blank", "Cntrl": "cntrl", "XDigit": "xdigit",
	"Space": "space",
}

// javaCategories maps Java-only \p{…} names to Go Unicode classes.
var javaCategories = map[string]string{
	"javaLowerCase": "Ll", "javaUpperCase": "Lu", "javaTitleCase": "Lt",
	"javaDigit": "Nd", "javaLetter": "L",
}

// compileRegex compiles an AnswerFormatRegex with Go's regexp package (RE2
// syntax). Requesters wrote these for MTurk, whose engines were Java's and
// the browser's, so the Java-only spellings that have an RE2 equivalent are
// translated first: \p{Alpha} and the other POSIX classes, \p{IsLatin} and
// \p{IsL}, \p{javaLowerCase} and friends, and \Z. Constructs RE2 lacks
// (lookaround, backreferences, possessive quantifiers, class intersection)
// are reported as errors. flags may contain i (case-insensitive), m
// (multi-line) and s (dot matches newline); g and u are accepted and
// ignored, as they change nothing for a yes/no match.
func compileRegex(pattern, flags string) (*regexp.Regexp, error) {
	var prefix strings.Builder
	for _, f := range flags {
		switch f {
		case 'i', 'm', 's':
			if !strings.ContainsRune(prefix.String(), f) {
				prefix.WriteRune(f)
			}
		case 'g', 'u', ' ', ',':
		default:
			return nil, fmt.Errorf("flags %s contains %q; the supported flags are i (ignore case), m (multi-line) and s (dot matches newline)", quote(flags), f)
		}
	}
	expr := translateJavaRegex(pattern)
	if prefix.Len() > 0 {
		expr = "(?" + prefix.String() + ")" + expr
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		msg := strings.TrimPrefix(err.Error(), "error parsing regexp: ")
		return nil, fmt.Errorf("regex %s cannot be used: %s (answers are checked with RE2 syntax, which has no lookaround, backreferences or possessive quantifiers)", quote(pattern), msg)
	}
	return re, nil
}

// translateJavaRegex rewrites the Java-only spellings that RE2 can express
// differently; everything else is copied unchanged.
func translateJavaRegex(p string) string {
	var b strings.Builder
	inClass := false
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\' && i+1 < len(p):
			next := p[i+1]
			if next == 'Q' { // \Q…\E quotes literally: copy it whole
				end := strings.Index(p[i+2:], `\E`)
				if end < 0 {
					b.WriteString(p[i:])
					return b.String()
				}
				b.WriteString(p[i : i+2+end+2])
				i += 1 + end + 2
				continue
			}
			if (next == 'p' || next == 'P') && i+2 < len(p) && p[i+2] == '{' {
				if end := strings.IndexByte(p[i+3:], '}'); end >= 0 {
					name := p[i+3 : i+3+end]
					if repl, ok := translateProperty(name, next == 'P', inClass); ok {
						b.WriteString(repl)
						i += 3 + end
						continue
					}
				}
			}
			if next == 'Z' && !inClass {
				b.WriteString(`(?:\n?\z)`)
				i++
				continue
			}
			b.WriteByte(c)
			b.WriteByte(next)
			i++
		case c == '[' && !inClass:
			inClass = true
			b.WriteByte(c)
			// A ] right after [ or [^ is a literal.
			if i+1 < len(p) && p[i+1] == '^' {
				b.WriteByte('^')
				i++
			}
			if i+1 < len(p) && p[i+1] == ']' {
				b.WriteByte(']')
				i++
			}
		case c == '[' && inClass && i+1 < len(p) && p[i+1] == ':':
			// A POSIX class inside a class: copy through its closing :].
			if end := strings.Index(p[i:], ":]"); end >= 0 {
				b.WriteString(p[i : i+end+2])
				i += end + 1
				continue
			}
			b.WriteByte(c)
		case c == ']' && inClass:
			inClass = false
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func translateProperty(name string, negated, inClass bool) (string, bool) {
	if posix, ok := posixClasses[name]; ok {
		switch {
		case inClass && negated:
			return "[:^" + posix + ":]", true
		case inClass:
			return "[:" + posix + ":]", true
		case negated:
			return "[^[:" + posix + ":]]", true
		default:
			return "[[:" + posix + ":]]", true
		}
	}
	cat, ok := javaCategories[name]
	if !ok && strings.HasPrefix(name, "Is") && len(name) > 2 {
		cat, ok = name[2:], true // \p{IsLatin}, \p{IsLu}: Go spells them \p{Latin}, \p{Lu}
	}
	if !ok {
		return "", false
	}
	if negated {
		return `\P{` + cat + `}`, true
	}
	return `\p{` + cat + `}`, true
}
