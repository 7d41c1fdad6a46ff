package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hitd/hitd"
)

// The "hitd layout" commands manage HIT layouts: HTML templates with
// ${name} placeholders that CreateHIT fills in from HITLayoutParameters.

func layoutCreate() adminCommand {
	var requester, file, name, html string
	return adminCommand{
		name: "layout create",
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&requester, "requester", "", "the owning requester's access key id (or requester ID) (required)")
			fs.StringVar(&file, "file", "", "the layout's HTML template, with ${name} placeholders (required)")
			fs.StringVar(&name, "name", "", "the layout's name (default: the file's name)")
		},
		required: []string{"requester", "file"},
		check: func(io.Reader) error {
			b, err := os.ReadFile(file)
			if err != nil {
				return err
			}
			html = string(b)
			if name == "" {
				name = filepath.Base(file)
			}
			return nil
		},
		run: func(ctx context.Context, svc *hitd.Service, stdout io.Writer) error {
			l, err := svc.CreateLayout(ctx, requester, name, html)
			if err != nil {
				return err
			}
			fmt.Fprintln(stdout, l.ID)
			return nil
		},
	}
}

func layoutList() adminCommand {
	var requester string
	return adminCommand{
		name: "layout list",
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&requester, "requester", "", "the requester's access key id (or requester ID) (required)")
		},
		required: []string{"requester"},
		run: func(ctx context.Context, svc *hitd.Service, stdout io.Writer) error {
			ls, err := svc.ListLayouts(ctx, requester)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "HIT LAYOUT ID\tNAME\tPLACEHOLDERS\tCREATED")
			for _, l := range ls {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", l.ID, l.Name, placeholderList(l), l.CreationTime.Format(time.RFC3339))
			}
			return tw.Flush()
		},
	}
}

func layoutShow() adminCommand {
	var id string
	return adminCommand{
		name:        "layout show",
		operand:     &id,
		operandName: "HITLAYOUTID",
		run: func(ctx context.Context, svc *hitd.Service, stdout io.Writer) error {
			l, err := svc.GetLayout(ctx, strings.TrimSpace(id))
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "HITLayoutId:  %s\nName:         %s\nRequesterId:  %s\nCreated:      %s\nPlaceholders: %s\n\n%s",
				l.ID, l.Name, l.RequesterID, l.CreationTime.Format(time.RFC3339), placeholderList(l), l.HTML)
			if !strings.HasSuffix(l.HTML, "\n") {
				fmt.Fprintln(stdout)
			}
			return nil
		},
	}
}

func layoutDelete() adminCommand {
	var id string
	return adminCommand{
		name:        "layout delete",
		operand:     &id,
		operandName: "HITLAYOUTID",
		run: func(ctx context.Context, svc *hitd.Service, stdout io.Writer) error {
			id = strings.TrimSpace(id)
			if err := svc.DeleteLayout(ctx, id); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "HITLayout %s deleted: new HITs cannot use it; existing HITs keep their Question.\n", id)
			return nil
		},
	}
}

func placeholderList(l *hitd.HITLayout) string {
	if p := l.Placeholders(); len(p) > 0 {
		return strings.Join(p, ", ")
	}
	return "(none)"
}
