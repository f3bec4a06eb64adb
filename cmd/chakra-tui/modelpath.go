package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// userDataDir is the user's data directory: $XDG_DATA_HOME, else
// $HOME/.local/share (the XDG base-directory default) on Unix; on macOS and
// Windows os.UserConfigDir (~/Library/Application Support, %AppData%).
func userDataDir() (string, error) {
	switch runtime.GOOS {
	case "darwin", "windows", "ios", "plan9":
		return os.UserConfigDir()
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" && filepath.IsAbs(d) {
		return d, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, ".local", "share"), nil
}

// defaultModelOut is where train writes without --out: chakra-tui/tft.bin
// in the user's data directory (never the checkout: `make model` names
// detector/model/tft.bin itself).
func defaultModelOut() (string, error) {
	dir, err := userDataDir()
	if err != nil {
		return "", fmt.Errorf("no --out and no data directory to default to (set XDG_DATA_HOME or HOME, or pass --out): %w", err)
	}
	return filepath.Join(dir, "chakra-tui", "tft.bin"), nil
}

// modelOutPath resolves train's --out (default defaultModelOut) and refuses
// an existing file unless force is set, before any training starts.
func modelOutPath(out string, force bool) (string, error) {
	if out == "" {
		var err error
		if out, err = defaultModelOut(); err != nil {
			return "", err
		}
	}
	fi, err := os.Stat(out)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return out, nil
	case err != nil:
		return "", fmt.Errorf("--out %q: %w", out, err)
	case fi.IsDir():
		return "", fmt.Errorf("--out %q is a directory (want the model file's path)", out)
	case !force:
		return "", fmt.Errorf("model file %q exists: pass --force to overwrite it, or --out another path", out)
	}
	return out, nil
}
