package bench

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Usage is what /proc says about one process, or a sum over several.
type Usage struct {
	// CPU is user + system time, including that of children the process
	// has waited for (utime+stime+cutime+cstime).
	CPU time.Duration
	// RSS is the resident set now and HWM its peak (VmRSS, VmHWM), bytes.
	RSS, HWM int64
}

// Add returns the sum of u and v.
func (u Usage) Add(v Usage) Usage {
	return Usage{CPU: u.CPU + v.CPU, RSS: u.RSS + v.RSS, HWM: u.HWM + v.HWM}
}

// ReadUsage reads /proc/PID/stat and /proc/PID/status of pid.
func ReadUsage(pid int) (Usage, error) {
	dir := "/proc/" + strconv.Itoa(pid)
	stat, err := os.ReadFile(dir + "/stat")
	if err != nil {
		return Usage{}, fmt.Errorf("proc: %w", err)
	}
	cpu, err := parseStatCPU(stat)
	if err != nil {
		return Usage{}, fmt.Errorf("proc: %s/stat: %w", dir, err)
	}
	status, err := os.ReadFile(dir + "/status")
	if err != nil {
		return Usage{}, fmt.Errorf("proc: %w", err)
	}
	u := Usage{CPU: cpu}
	u.RSS, u.HWM = statusKB(status, "VmRSS:")*1024, statusKB(status, "VmHWM:")*1024
	return u, nil
}

// SumUsage adds up ReadUsage over pids.
func SumUsage(pids []int) (Usage, error) {
	var sum Usage
	for _, pid := range pids {
		u, err := ReadUsage(pid)
		if err != nil {
			return Usage{}, err
		}
		sum = sum.Add(u)
	}
	return sum, nil
}

// parseStatCPU returns utime+stime+cutime+cstime from a /proc/PID/stat
// line. The command name is in parentheses and may itself hold spaces or
// parentheses, so fields are counted from the last ')'.
func parseStatCPU(stat []byte) (time.Duration, error) {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, fmt.Errorf("no command name")
	}
	f := strings.Fields(string(stat[i+1:]))
	// f[0] is field 3 (state); utime..cstime are fields 14..17.
	if len(f) < 15 {
		return 0, fmt.Errorf("%d fields after the command name, want at least 15", len(f))
	}
	var ticks int64
	for _, s := range f[11:15] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("cpu field %q: %w", s, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / time.Duration(clockTicks()), nil
}

// statusKB returns the kB value of a /proc/PID/status line such as
// "VmHWM:   1234 kB", or 0 when absent (kernel threads have none).
func statusKB(status []byte, key string) int64 {
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, key); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				n, _ := strconv.ParseInt(f[0], 10, 64)
				return n
			}
		}
	}
	return 0
}

// atClkTck is the auxiliary-vector key of the kernel's clock tick rate.
const atClkTck = 17

var ticksOnce = sync.OnceValue(func() int64 {
	// The tick rate is sysconf(_SC_CLK_TCK), which the kernel passes in
	// the auxiliary vector; reading it there needs no cgo. 100 is what
	// every Linux architecture uses when it cannot be read.
	b, err := os.ReadFile("/proc/self/auxv")
	if err != nil {
		return 100
	}
	for ; len(b) >= 16; b = b[16:] {
		key, val := binary.NativeEndian.Uint64(b), binary.NativeEndian.Uint64(b[8:])
		if key == atClkTck && val > 0 {
			return int64(val)
		}
	}
	return 100
})

// clockTicks returns the kernel's clock ticks per second.
func clockTicks() int64 { return ticksOnce() }
