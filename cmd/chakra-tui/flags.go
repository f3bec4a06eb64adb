package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// envPrefix is the prefix of the environment variable behind every flag:
// --poison-rate reads CHAKRA_POISON_RATE.
const envPrefix = "CHAKRA_"

// envName returns the environment variable that backs flag name.
func envName(name string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// command is one mode of the binary with its own flag set.
type command struct {
	name     string
	synopsis string // one line: what it does
	usage    string // the argument pattern after the command name
	fs       *flag.FlagSet
	examples map[string]string // flag name → example value, shown in --help
	footer   string            // printed after the flags, if set
}

// newCommand returns a command whose flag set reports errors instead of
// exiting, and whose usage lists every flag with its example and variable.
func newCommand(name, usage, synopsis string, out io.Writer) *command {
	c := &command{name: name, usage: usage, synopsis: synopsis,
		fs: flag.NewFlagSet(name, flag.ContinueOnError), examples: map[string]string{}}
	c.fs.SetOutput(out)
	c.fs.Usage = func() { c.printUsage(out) }
	return c
}

// example records an example value for flag name, printed in --help.
func (c *command) example(name, value string) { c.examples[name] = value }

func (c *command) printUsage(w io.Writer) {
	fmt.Fprintf(w, "Usage: %s\n\n%s\n\nFlags (each also read from the environment variable shown):\n", c.usage, c.synopsis)
	var names []string
	c.fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
	sort.Strings(names)
	for _, n := range names {
		f := c.fs.Lookup(n)
		def := ""
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" {
			def = fmt.Sprintf(" (default %s)", f.DefValue)
		}
		fmt.Fprintf(w, "  --%s\n      %s%s\n", n, f.Usage, def)
		if ex, ok := c.examples[n]; ok {
			fmt.Fprintf(w, "      e.g. --%s %s   [%s]\n", n, ex, envName(n))
		} else {
			fmt.Fprintf(w, "      [%s]\n", envName(n))
		}
	}
	if c.footer != "" {
		fmt.Fprintf(w, "\n%s", c.footer)
	}
}

// parse parses args, then fills every flag not given on the command line
// from its environment variable. A bad value in the environment is an error
// naming the variable.
func (c *command) parse(args []string) error {
	if err := c.fs.Parse(args); err != nil {
		return err
	}
	set := map[string]bool{}
	c.fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var err error
	c.fs.VisitAll(func(f *flag.Flag) {
		if err != nil || set[f.Name] {
			return
		}
		if v, ok := os.LookupEnv(envName(f.Name)); ok {
			if e := c.fs.Set(f.Name, v); e != nil {
				err = fmt.Errorf("environment %s=%q: %w", envName(f.Name), v, e)
			}
		}
	})
	return err
}
