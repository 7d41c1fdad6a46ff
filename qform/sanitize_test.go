package qform

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// xssCorpus holds hostile FormattedContent: classic XSS vectors (after the
// OWASP filter evasion cheat sheet), mutation tricks, CDATA and entity
// tricks, uppercase and nested tags, and markup that tries to escape the
// surrounding page.
var xssCorpus = []string{
	`<script>alert(1)</script>`,
	`<SCRIPT SRC=http://xss.rocks/xss.js></SCRIPT>`,
	`<ScRiPt>alert(1)</sCrIpT>after`,
	`<script/xss src="http://xss.rocks/xss.js"></script>`,
	`<img src=x onerror=alert(1)>`,
	`<IMG SRC="javascript:alert('XSS');">`,
	`<IMG SRC=JaVaScRiPt:alert('XSS')>`,
	`<img src=javascript:alert(&quot;XSS&quot;)>`,
	`<img src="jav&#x09;ascript:alert(1)">`,
	`<img src="jav&#x0A;ascript:alert(1)">`,
	`<img src="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">`,
	`<img src="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058alert(1)">`,
	`<img src="https://ok.example/a.png" onerror="alert(1)"/>`,
	`<img src="https://ok.example/a.png" srcset="javascript:alert(1)" dynsrc="javascript:alert(1)" lowsrc="javascript:alert(1)">`,
	`<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">`,
	`<a href="javascript:alert(1)">x</a>`,
	`<a href="JaVaScRiPt:alert(1)">x</a>`,
	`<a href=" javascript:alert(1)">x</a>`,
	`<a href="java&#0;script:alert(1)">x</a>`,
	`<a href="&#x6A;avascript:alert(1)">x</a>`,
	`<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>`,
	`<a href="vbscript:msgbox(1)">x</a>`,
	`<a href="//evil.example/">x</a>`,
	`<a href="/logout">x</a>`,
	`<a href="https://mturk.com@evil.example/">x</a>`,
	`<a href="https://ok.example" onclick="alert(1)" onmouseover=alert(1) ONFOCUS=alert(1)>x</a>`,
	`<a xlink:href="javascript:alert(1)">x</a>`,
	`<a href="https://a.example"><a href="https://b.example">x</a></a>`,
	`<svg onload=alert(1)>`,
	`<svg><script>alert(1)</script></svg>`,
	`<svg:script xmlns:svg="http://www.w3.org/2000/svg">alert(1)</svg:script>`,
	`<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>`,
	`<math><mtext><script>alert(1)</script></mtext></math>`,
	`<style>body{background:url(javascript:alert(1))}</style>`,
	`<div style="background-image: url(javascript:alert(1))">x</div>`,
	`<p style="x:expression(alert(1))">x</p>`,
	`<TABLE BACKGROUND="javascript:alert('XSS')"><TD BACKGROUND="javascript:alert('XSS')">x</TD></TABLE>`,
	`<![CDATA[<script>alert(1)</script>]]>`,
	`<p><![CDATA[</p><script>alert(1)</script>]]></p>`,
	`<!--<script>alert(1)</script>-->`,
	`<!--[if gte IE 4]><script>alert(1)</script><![endif]-->`,
	`&lt;script&gt;alert(1)&lt;/script&gt;`,
	`&amp;lt;script&amp;gt;`,
	`<!DOCTYPE x [<!ENTITY e "<script>alert(1)</script>">]><p>&e;</p>`,
	`<?xml-stylesheet href="javascript:alert(1)"?><p>x</p>`,
	`<scr<script>ipt>alert(1)</script>`,
	`<<script>script>alert(1)<</script>/script>`,
	`<iframe src="https://evil.example"></iframe>`,
	`<object data="x.swf"></object><embed src="x.swf"><applet code="x"></applet>`,
	`<form action="https://evil.example"><input name=x><button>go</button><textarea>t</textarea></form>`,
	`<body onload=alert(1)>x</body>`,
	`<meta http-equiv="refresh" content="0;url=javascript:alert(1)">`,
	`<base href="https://evil.example/">`,
	`<link rel=stylesheet href=https://evil.example/x.css>`,
	`<b id="qf-1-input" name="age" class="qf-error">spoof</b>`,
	`<p title="&quot; onmouseover=&quot;alert(1)">x</p>`,
	`<p title='" onmouseover="alert(1)'>x</p>`,
	`<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>`,
	`<xmp><p title="</xmp><img src=x onerror=alert(1)>"></xmp>`,
	`<template><script>alert(1)</script></template>`,
	`</div></fieldset></form><script>alert(1)</script>`,
	`</p></td></table></body></html><img src=x onerror=alert(1)>`,
	`<BR SIZE="&{alert('XSS')}">`,
	`<p>unclosed <b>bold <i>italic`,
	`<p onclick`,
	`<a href="https://ok.example/?q=<script>">x</a>`,
	`<img src="https://ok.example/a.png" alt="<script>alert(1)</script>">`,
	"<a href=\"java\x00script:alert(1)\">x</a>",
	"<scr\x00ipt>alert(1)</script>",
	`<video><source onerror="alert(1)"></video><audio src=x onerror=alert(1)>`,
	`<details open ontoggle=alert(1)>`,
	`<marquee onstart=alert(1)>x</marquee>`,
	strings.Repeat("<b>", 500) + "deep" + strings.Repeat("</b>", 500),
	strings.Repeat("<div>", 500),
}

var (
	// A tag as the sanitizer writes it: lowercase name, double-quoted values
	// without raw quotes or angle brackets.
	tagRe  = regexp.MustCompile(`^<(/?)([a-z0-9]+)((?: [a-z]+="[^"<>]*")*)>`)
	attrRe = regexp.MustCompile(` ([a-z]+)="([^"<>]*)"`)
)

// unsafeMarkup describes what is wrong with sanitizer output, or returns
// "" if every '<' in out starts a tag of the allow-list with allowed
// attributes and safe URLs, tags are balanced, and no '>' is left in text.
func unsafeMarkup(out string) string {
	var stack []string
	for i := 0; i < len(out); i++ {
		switch out[i] {
		case '>':
			return fmt.Sprintf("stray '>' at %d", i) // text escapes '>' too
		case '<':
		default:
			continue
		}
		m := tagRe.FindStringSubmatch(out[i:])
		if m == nil {
			return fmt.Sprintf("unexpected markup at %d", i)
		}
		closing, name, attrs := m[1] == "/", m[2], m[3]
		if !allowedElements[name] {
			return "element <" + name + ">"
		}
		for _, a := range attrRe.FindAllStringSubmatch(attrs, -1) {
			an, av := a[1], a[2]
			switch {
			case an == "href" && name == "a", an == "src" && name == "img":
				if !strings.HasPrefix(av, "https://") && !strings.HasPrefix(av, "http://") && !(an == "href" && strings.HasPrefix(av, "mailto:")) {
					return fmt.Sprintf("%s=%q", an, av)
				}
			case (an == "target" || an == "rel") && name == "a":
			case !allowedAttrs[an]:
				return "attribute " + an
			}
		}
		switch {
		case closing:
			if len(stack) == 0 || stack[len(stack)-1] != name {
				return "unbalanced </" + name + ">"
			}
			stack = stack[:len(stack)-1]
		case !voidElements[name]:
			stack = append(stack, name)
		}
		i += len(m[0]) - 1
	}
	if len(stack) > 0 {
		return fmt.Sprintf("unclosed %v", stack)
	}
	return ""
}

func TestSanitizeXSSCorpus(t *testing.T) {
	for _, in := range xssCorpus {
		out := string(SanitizeFormattedContent(in))
		if msg := unsafeMarkup(out); msg != "" {
			t.Errorf("SanitizeFormattedContent(%q) = %q: %s", in, out, msg)
		}
	}
}

// TestUnsafeMarkup checks the checker.
func TestUnsafeMarkup(t *testing.T) {
	for _, bad := range []string{
		`<script>alert(1)</script>`, `<a href="javascript:alert(1)">x</a>`, `<b onclick="x">y</b>`,
		`<p style="color:red">x</p>`, `<img src="data:image/png;base64,AA">`, `<b>open`, `</b>`,
		`<b id="x">y</b>`, `<svg></svg>`, `x > y`, `<a href=x>y</a>`, `<B>x</B>`,
	} {
		if unsafeMarkup(bad) == "" {
			t.Errorf("unsafeMarkup(%q) found nothing wrong", bad)
		}
	}
	if msg := unsafeMarkup(`<p align="center">a &lt; b <a href="https://x.example/" target="_blank" rel="noopener">l</a><br></p>`); msg != "" {
		t.Errorf("good markup rejected: %s", msg)
	}
}

func TestSanitizeKeepsPresentation(t *testing.T) {
	tests := []struct{ in, want string }{
		{`<p>Hello <b>world</b>&nbsp;&amp; <i>friends</i><br/>bye</p>`, "<p>Hello <b>world</b>\u00a0&amp; <i>friends</i><br>bye</p>"},
		{`<P ALIGN="center">x</P>`, `<p align="center">x</p>`},
		{`<a href="https://example.com/a?b=1&amp;c=2" title="t">link</a>`, `<a href="https://example.com/a?b=1&amp;c=2" title="t" target="_blank" rel="noopener noreferrer nofollow">link</a>`},
		{`<a href="mailto:help@example.com">mail</a>`, `<a href="mailto:help@example.com" target="_blank" rel="noopener noreferrer nofollow">mail</a>`},
		{`<img src="HTTPS://example.com/a.png" alt="A" width="10" onerror="x">`, `<img src="https://example.com/a.png" alt="A" width="10">`},
		{`<table border="1"><tr><td>a</td><td>b</td></tr></table>`, `<table border="1"><tr><td>a</td><td>b</td></tr></table>`},
		{`<ul><li>one<li>two</ul>`, `<ul><li>one</li><li>two</li></ul>`},
		{`<p>one<p>two`, `<p>one</p><p>two</p>`},
		{`<div><span>kept</span></div>`, `<span>kept</span>`},
		{`before<script>alert(1)</script>after`, `beforeafter`},
		{`<![CDATA[<b>not bold</b>]]>`, `&lt;b&gt;not bold&lt;/b&gt;`},
		{`<a href="javascript:alert(1)">text stays</a>`, `<a>text stays</a>`},
		{`<img src="javascript:alert(1)" alt="gone">`, ``},
		{`plain & simple < text`, `plain &amp; simple &lt; text`}, // from the bad '<' on, the rest is escaped text
		{`<p>a</b>b</p>`, `<p>ab</p>`},
		{`</p>stray end`, `stray end`},
	}
	for _, tt := range tests {
		if got := string(SanitizeFormattedContent(tt.in)); got != tt.want {
			t.Errorf("SanitizeFormattedContent(%q)\n = %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

func TestFormattedText(t *testing.T) {
	if got := formattedText(`<b>Green</b>  <i>leaf</i><script>x</script>`); got != "Green leaf" {
		t.Errorf("formattedText = %q", got)
	}
}
