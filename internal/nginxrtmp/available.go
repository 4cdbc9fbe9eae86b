package nginxrtmp

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// Debian's paths of the nginx binary and of libnginx-mod-rtmp's module.
const (
	DefaultBinary = "/usr/sbin/nginx"
	DefaultModule = "/usr/lib/nginx/modules/ngx_rtmp_module.so"
)

// InstallHint is the command that installs what the package needs on
// Debian and Ubuntu.
const InstallHint = "apt-get install -y nginx libnginx-mod-rtmp"

// Available reports why a private nginx-rtmp cannot run here, or nil: the
// nginx binary (PATH, then DefaultBinary), its -e option (nginx 1.19.5+;
// without it nginx opens the system error log before reading our config)
// and the rtmp module file.
func Available() error {
	return check(findBinary(), DefaultModule)
}

// findBinary prefers nginx on PATH; /usr/sbin is often not on a user's PATH.
func findBinary() string {
	if p, err := exec.LookPath("nginx"); err == nil {
		return p
	}
	return DefaultBinary
}

func check(binary, module string) error {
	if _, err := os.Stat(binary); err != nil {
		return fmt.Errorf("nginxrtmp: nginx not found (%w); install it with: %s", err, InstallHint)
	}
	if _, err := os.Stat(module); err != nil {
		return fmt.Errorf("nginxrtmp: nginx-rtmp module not found (%w); install it with: %s", err, InstallHint)
	}
	out, err := exec.Command(binary, "-h").CombinedOutput()
	if err != nil {
		return fmt.Errorf("nginxrtmp: %s -h: %w: %s", binary, err, out)
	}
	if !strings.Contains(string(out), "-e filename") {
		return fmt.Errorf("nginxrtmp: %s has no -e option (nginx 1.19.5 or later needed); install a newer one with: %s", binary, InstallHint)
	}
	return nil
}
