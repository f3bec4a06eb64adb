package childproc

import (
	"os/exec"
	"syscall"
)

// SetDeathSignal makes the kernel kill cmd's process if the process that
// started it dies without stopping it.
func SetDeathSignal(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
}
