package main

// Settings. Every flag of "hitd serve" is a setting, and so are the
// store flags every admin command shares (--data-dir, --db, --sandbox-db,
// --starting-balance). A setting's value comes from, in this order:
//
//  1. the command line (--listen ADDR);
//  2. the environment variable HITD_<NAME>, the flag's name upper-cased
//     with dashes as underscores (HITD_LISTEN); an empty variable counts
//     as unset;
//  3. the configuration file named by --config or HITD_CONFIG: TOML whose
//     top-level keys are the flag names (listen = "0.0.0.0:8080"; data_dir
//     is accepted for data-dir);
//  4. the flag's default.
//
// Secrets (the root requester's keys, SMTP and notification credentials,
// the webhook secret) are settings without a flag, so they never appear in
// a process list: environment or file only. "hitd config print" shows every
// setting's effective value and where it came from, secrets masked.
//
// Every value, whatever its source, goes through the flag's own parser
// (flag.Value.Set), so a duration in a file or a variable is checked exactly
// as on the command line, and errors name the source.

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// configFlag is the flag (and, as HITD_CONFIG, the variable) naming the
// configuration file.
const configFlag = "config"

// envName is setting name's environment variable.
func envName(name string) string {
	return "HITD_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// registerConfigFlag adds --config to fs.
func registerConfigFlag(fs *flag.FlagSet) {
	fs.String(configFlag, "", "read settings from this TOML file, whose keys are the flag names; flags and HITD_* variables override it (env HITD_CONFIG)")
}

// documentEnv appends each setting's variable to its flag's usage.
func documentEnv(fs *flag.FlagSet, names []string) {
	for _, name := range names {
		if f := fs.Lookup(name); f != nil {
			f.Usage += " (env " + envName(name) + ")"
		}
	}
}

// resolved says where each setting's effective value came from.
type resolved struct {
	file   string            // the configuration file read; "" for none
	source map[string]string // setting → "flag", "env HITD_X", "file" or "default"
}

// resolveSettings sets every setting in names (flags of fs) and every
// secret (flags of secrets, which may be nil) that the command line did not
// set from its variable or else the configuration file. others lists the
// settings of another command that a file key the command does not use may
// name (an admin command reading serve's file skips serve's settings);
// other keys are errors. It reports every malformed value at once.
func resolveSettings(fs *flag.FlagSet, names []string, secrets *flag.FlagSet, others []string) (*resolved, error) {
	r := &resolved{source: map[string]string{}}
	fs.Visit(func(f *flag.Flag) { r.source[f.Name] = "flag" })
	if f := fs.Lookup(configFlag); f != nil {
		r.file = f.Value.String()
		if r.file == "" {
			r.file = os.Getenv(envName(configFlag))
		}
	}
	var file map[string]string
	if r.file != "" {
		mine := slices.Clone(names)
		if secrets != nil {
			secrets.VisitAll(func(f *flag.Flag) { mine = append(mine, f.Name) })
		}
		var err error
		if file, err = readConfigFile(r.file, mine, others); err != nil {
			return nil, err
		}
	}
	var errs []error
	resolve := func(f *flag.Flag) {
		if r.source[f.Name] == "flag" {
			return
		}
		env := envName(f.Name)
		if v := os.Getenv(env); v != "" {
			r.source[f.Name] = "env " + env
			if err := f.Value.Set(v); err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: %s", env, v, valueProblem(f, err)))
			}
			return
		}
		if v, ok := file[f.Name]; ok {
			r.source[f.Name] = "file"
			if err := f.Value.Set(v); err != nil {
				errs = append(errs, fmt.Errorf("%s: %s = %q: %s", r.file, f.Name, v, valueProblem(f, err)))
			}
			return
		}
		r.source[f.Name] = "default"
	}
	for _, name := range names {
		if f := fs.Lookup(name); f != nil {
			resolve(f)
		}
	}
	if secrets != nil {
		secrets.VisitAll(resolve)
	}
	return r, errors.Join(errs...)
}

// valueProblem says what a setting wants, in words, for the common kinds.
func valueProblem(f *flag.Flag, err error) string {
	if g, ok := f.Value.(flag.Getter); ok {
		switch g.Get().(type) {
		case bool:
			return "want true or false"
		case time.Duration:
			return "want a duration such as 30s, 5m or 1h30m"
		case int, int64, uint, uint64:
			return "want a whole number"
		case float64:
			return "want a number"
		}
	}
	return err.Error()
}

// readConfigFile reads a TOML configuration file into setting → value (in
// the form the flag parses). mine are the command's settings; keys that
// are neither mine nor others are errors, with a suggestion.
func readConfigFile(path string, mine, others []string) (map[string]string, error) {
	var raw map[string]any
	if _, err := toml.DecodeFile(path, &raw); err != nil {
		var perr toml.ParseError
		if errors.As(err, &perr) {
			return nil, fmt.Errorf("config file %s: %s", path, perr.ErrorWithPosition())
		}
		return nil, fmt.Errorf("config file %s: %w", path, err)
	}
	out := make(map[string]string, len(raw))
	var errs []error
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, key := range keys {
		name := strings.ReplaceAll(key, "_", "-")
		if _, dup := out[name]; dup {
			errs = append(errs, fmt.Errorf("config file %s: %q and %q are the same setting; keep one", path, key, name))
			continue
		}
		if !slices.Contains(mine, name) {
			if !slices.Contains(others, name) {
				errs = append(errs, fmt.Errorf("config file %s: unknown setting %q%s (hitd config print lists every setting)", path, key, suggest(name, others, mine)))
			}
			continue
		}
		v, err := settingValue(raw[key])
		if err != nil {
			errs = append(errs, fmt.Errorf("config file %s: %s: %v", path, key, err))
			continue
		}
		out[name] = v
	}
	return out, errors.Join(errs...)
}

// settingValue turns a TOML value into a flag's string form: arrays of
// strings (sandbox-hosts = ["a", "b"]) become comma-separated lists.
func settingValue(v any) (string, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case bool:
		return strconv.FormatBool(v), nil
	case int64:
		return strconv.FormatInt(v, 10), nil
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64), nil
	case []any:
		parts := make([]string, len(v))
		for i, e := range v {
			s, ok := e.(string)
			if !ok {
				return "", errors.New("a list holds strings only")
			}
			parts[i] = s
		}
		return strings.Join(parts, ","), nil
	case map[string]any:
		return "", errors.New("settings are top-level keys, not tables")
	}
	return "", fmt.Errorf("a %T is not a setting value; write a string, number or true/false", v)
}

// suggest names the setting of the lists closest to name, if one is close.
func suggest(name string, lists ...[]string) string {
	best, bestD := "", 3 // at most two edits away
	for _, list := range lists {
		for _, cand := range list {
			if d := editDistance(name, cand); d < bestD {
				best, bestD = cand, d
			}
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf("; did you mean %q?", best)
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// allSettingNames lists serve's settings and secrets: the keys of serve's
// configuration file, which admin commands read too.
func allSettingNames() []string {
	c := newServeConfig(io.Discard)
	names := append([]string(nil), c.names...)
	c.secrets.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
	return names
}

// configCommand runs "hitd config print".
func configCommand(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "print" {
		return errors.New("usage: hitd config print [--config FILE] [serve's flags]")
	}
	c, err := loadServeConfig(args[1:], stderr)
	if err != nil {
		return err
	}
	c.print(stdout)
	if _, err := c.check(); err != nil {
		return fmt.Errorf("this configuration would not start: %w", err)
	}
	return nil
}

// print writes the effective settings as TOML a configuration file can
// start from, each with its source, secrets masked.
func (c *serveConfig) print(w io.Writer) {
	fmt.Fprintln(w, "# hitd serve's effective settings (hitd config print).")
	fmt.Fprintln(w, "# Precedence: command-line flag > HITD_* environment variable > config file > default.")
	if c.from.file != "" {
		fmt.Fprintf(w, "# Config file: %s\n", c.from.file)
	} else {
		fmt.Fprintln(w, "# Config file: none (give --config FILE or HITD_CONFIG).")
	}
	fmt.Fprintln(w, "# Secrets are masked.")
	line := func(f *flag.Flag, secret bool) {
		v := tomlValue(f)
		switch {
		case secret && f.Value.String() != "":
			v = `"********"`
		case f.Name == "db" || f.Name == "sandbox-db":
			v = strconv.Quote(maskURLPassword(f.Value.String()))
		}
		fmt.Fprintf(w, "%s = %s # %s\n", f.Name, v, c.from.source[f.Name])
	}
	fmt.Fprintln(w)
	for _, name := range c.names {
		line(c.fs.Lookup(name), false)
	}
	fmt.Fprintln(w, "\n# Secrets: environment or file only, never flags.")
	c.secrets.VisitAll(func(f *flag.Flag) { line(f, true) })
}

// tomlValue is a flag's value as a TOML literal.
func tomlValue(f *flag.Flag) string {
	if g, ok := f.Value.(flag.Getter); ok {
		switch v := g.Get().(type) {
		case bool:
			return strconv.FormatBool(v)
		case int:
			return strconv.Itoa(v)
		case float64:
			return strconv.FormatFloat(v, 'f', -1, 64)
		}
	}
	return tomlString(f.Value.String())
}

// tomlString quotes s as a TOML basic string.
func tomlString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// maskURLPassword hides the password of a database URL (in its user
// information or a password parameter), keeping the rest readable.
func maskURLPassword(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || u.Opaque != "" {
		return s
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "REDACTED")
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "REDACTED")
		u.RawQuery = q.Encode()
	}
	return u.String()
}
