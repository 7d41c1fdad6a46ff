package sqlite_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hitd/hitd"
	"github.com/hitd/hitd/sqlite"
)

// TestCrashWriter is the child half of TestAcknowledgedWritesSurviveSIGKILL:
// HITD_CRASH_CLIENTS goroutines (default 1) write requesters, one Write
// each at a time, and print an ack after each Write returns; with several,
// the Writes share group commits. It does nothing unless started by that
// test.
func TestCrashWriter(t *testing.T) {
	path := os.Getenv("HITD_CRASH_DB")
	if path == "" {
		t.Skip("child process of TestAcknowledgedWritesSurviveSIGKILL")
	}
	clients, _ := strconv.Atoi(os.Getenv("HITD_CRASH_CLIENTS"))
	ctx := context.Background()
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex // one ack per line
	for c := range max(clients, 1) {
		go func() {
			for i := 0; ; i++ {
				r := &hitd.Requester{ID: fmt.Sprintf("A%02d-%08d", c, i), Name: "n", AccessKeyID: fmt.Sprintf("K%02d-%08d", c, i), SecretAccessKey: "s"}
				if err := s.Write(ctx, func(tx hitd.Tx) error { return tx.InsertRequester(ctx, r) }); err != nil {
					fmt.Printf("error %v\n", err)
					os.Exit(1)
				}
				mu.Lock()
				fmt.Printf("ack %s\n", r.ID)
				mu.Unlock()
			}
		}()
	}
	select {}
}

// TestAcknowledgedWritesSurviveSIGKILL kills a writing process without
// warning and checks that every write it acknowledged is in the database.
// (A process kill cannot prove fsync ordering on power loss; that rests on
// synchronous=FULL, stated in the package doc.)
//
// With 16 writers the acknowledged Writes were group-committed: each is
// answered only after the COMMIT of its batch.
func TestAcknowledgedWritesSurviveSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a child process")
	}
	for _, clients := range []int{1, 16} {
		t.Run(fmt.Sprintf("writers=%d", clients), func(t *testing.T) { crashWriter(t, clients) })
	}
}

func crashWriter(t *testing.T, clients int) {
	path := filepath.Join(t.TempDir(), "hitd.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashWriter$", "-test.v")
	cmd.Env = append(os.Environ(), "HITD_CRASH_DB="+path, fmt.Sprintf("HITD_CRASH_CLIENTS=%d", clients))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var acked []string
	sc := bufio.NewScanner(out)
	deadline := time.Now().Add(30 * time.Second)
	for sc.Scan() && len(acked) < 150*clients && time.Now().Before(deadline) {
		if id, ok := strings.CutPrefix(sc.Text(), "ack "); ok {
			acked = append(acked, id)
		}
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if len(acked) < 10 {
		t.Fatalf("child acknowledged only %d writes", len(acked))
	}
	ctx := context.Background()
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.Read(ctx, func(tx hitd.Tx) error {
		for _, id := range acked {
			if _, err := tx.RequesterByID(ctx, id); err != nil {
				return fmt.Errorf("acknowledged write %s lost: %w", id, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
