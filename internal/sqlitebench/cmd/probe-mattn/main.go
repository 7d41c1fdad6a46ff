// Command probe-mattn links only github.com/mattn/go-sqlite3, opens a
// database the way hitd does and runs one CreateHIT. It exists to measure the
// driver's build cost (binary size, cgo, static linking); see
// docs/performance.md.
package main

import (
	"fmt"
	"os"

	"github.com/hitd/hitd/internal/sqlitebench"
	_ "github.com/mattn/go-sqlite3"
)

func main() {
	d, _ := sqlitebench.Lookup("mattn")
	v, err := d.Probe()
	if err != nil {
		fmt.Fprintln(os.Stderr, "probe-mattn:", err)
		os.Exit(1)
	}
	fmt.Println("mattn: SQLite", v, "ok")
}
