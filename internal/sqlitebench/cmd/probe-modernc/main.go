// Command probe-modernc links only modernc.org/sqlite, opens a database the
// way hitd does and runs one CreateHIT. It exists to measure the driver's
// build cost (binary size, cgo, static linking); see docs/performance.md.
package main

import (
	"fmt"
	"os"

	"github.com/hitd/hitd/internal/sqlitebench"
	_ "modernc.org/sqlite"
)

func main() {
	d, _ := sqlitebench.Lookup("modernc")
	v, err := d.Probe()
	if err != nil {
		fmt.Fprintln(os.Stderr, "probe-modernc:", err)
		os.Exit(1)
	}
	fmt.Println("modernc: SQLite", v, "ok")
}
