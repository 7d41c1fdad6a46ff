package qform
import ("testing";"fmt")
func TestZZScratch(t *testing.T) {
	for _, in := range []string{`plain & simple < text`, `</p>stray end`, `a <b>b</b> & c`, `x<br>y<hr>z`, `<p>a</b>b</p>`, `<ol start="3"><li>x</li></ol>`, `<font color="red" face="Arial">r</font>`} {
		fmt.Printf("%q\n   => %q\n", in, SanitizeFormattedContent(in))
	}
}
