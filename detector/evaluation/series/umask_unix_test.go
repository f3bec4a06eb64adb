//go:build unix

package series

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestScoreFileFollowsUmask checks that the output file and the folders
// made for it get 0666 and 0777 less the umask, not 0600.
func TestScoreFileFollowsUmask(t *testing.T) {
	old := syscall.Umask(0o002)
	defer syscall.Umask(old)
	in := filepath.Join(t.TempDir(), "in.csv")
	writeTestFile(t, in, nabCSV(50, 40, 1))
	out := filepath.Join(t.TempDir(), "new", "out.csv")
	if _, err := ScoreFile(in, out, ZScoreFactory()); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]os.FileMode{out: 0o664, filepath.Dir(out): 0o775 | os.ModeDir} {
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode() != want {
			t.Errorf("%s: mode %v, want %v", path, st.Mode(), want)
		}
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(out), ".*"))
	if len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}
