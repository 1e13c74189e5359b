package main

import (
	"flag"
	"fmt"
)

// aliasValue is an old flag name kept working: it sets the new flag's
// value and, when used, prints one line saying which name to use.
type aliasValue struct {
	flag.Value
	oldName, newName string
	env              *cliEnv
}

func (a *aliasValue) IsBoolFlag() bool {
	bf, ok := a.Value.(interface{ IsBoolFlag() bool })
	return ok && bf.IsBoolFlag()
}

// oldFlagName keeps oldName working as an alias of the flag newName,
// already defined on fs.
func oldFlagName(env *cliEnv, fs *flag.FlagSet, oldName, newName string) {
	f := fs.Lookup(newName)
	if f == nil {
		panic("oldFlagName: no flag " + newName)
	}
	fs.Var(&aliasValue{Value: f.Value, oldName: oldName, newName: newName, env: env}, oldName, "old name of --"+newName)
}

// applyAliases prints a deprecation line for each old flag name used.
func applyAliases(fs *flag.FlagSet) error {
	fs.Visit(func(f *flag.Flag) {
		if a, ok := f.Value.(*aliasValue); ok {
			fmt.Fprintf(a.env.stderr, "bridge: %s\n", a.env.tr(fmt.Sprintf("--%s is an old name, use --%s (it still works)", a.oldName, a.newName)))
		}
	})
	return nil
}

// unalias returns the value behind an old flag name.
func unalias(v flag.Value) flag.Value {
	if a, ok := v.(*aliasValue); ok {
		return a.Value
	}
	return v
}
